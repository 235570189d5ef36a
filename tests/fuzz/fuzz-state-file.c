/* SPDX-License-Identifier: BSD-3-Clause */
/* The one record format (host/state-file.h), both ways.
 * Reading: state_file_parse() against a model of the documented format (KEY=VALUE lines, '#' comments and blank
 * lines skipped, the last line may lack its newline, a later KEY replaces an earlier one, a line without '=' or with
 * an empty key is -EBADMSG at its number), and what it read must print and read back to the same record.
 * Writing: a record built from the input (NUL-separated comment, keys and values) either prints to text that reads
 * back to exactly that record, or state_file_format() refuses it; it must refuse exactly the records no text can
 * carry (a key that is empty, starts with '#', holds '=' or a newline; a value with a newline). */
#include <errno.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "host/state-file.h"
#include "fuzz.h"

typedef struct Model {
        char **keys, **values;
        unsigned *lines;
        size_t n;
} Model;

static void model_set(Model *m, const char *key, size_t keylen, const char *value, size_t valuelen, unsigned line) {
        for (size_t i = 0; i < m->n; i++)
                if (strlen(m->keys[i]) == keylen && memcmp(m->keys[i], key, keylen) == 0) {
                        free(m->values[i]);
                        m->values[i] = xstrndup(value, valuelen);
                        m->lines[i] = line;
                        return;
                }
        m->keys = xrealloc(m->keys, (m->n + 1) * sizeof(char *));
        m->values = xrealloc(m->values, (m->n + 1) * sizeof(char *));
        m->lines = xrealloc(m->lines, (m->n + 1) * sizeof(unsigned));
        m->keys[m->n] = xstrndup(key, keylen);
        m->values[m->n] = xstrndup(value, valuelen);
        m->lines[m->n++] = line;
}

static void model_done(Model *m) {
        for (size_t i = 0; i < m->n; i++) {
                free(m->keys[i]);
                free(m->values[i]);
        }
        free(m->keys);
        free(m->values);
        free(m->lines);
}

/* 0, or the number of the first bad line. */
static unsigned model_parse(const char *text, Model *m) {
        unsigned line = 0;
        for (const char *p = text; *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                line++;
                if (len > 0 && p[0] != '#') {
                        const char *eq = memchr(p, '=', len);
                        if (!eq || eq == p)
                                return line;
                        model_set(m, p, (size_t) (eq - p), eq + 1, len - (size_t) (eq - p) - 1, line);
                }
                p += len + (nl != NULL);
        }
        return 0;
}

static void check_same(const StateFile *s, char *const *keys, char *const *values, size_t n, const char *what) {
        fuzz_check(s->n == n, "%s: %zu keys, expected %zu", what, s->n, n);
        for (size_t i = 0; i < n; i++)
                fuzz_check(strcmp(s->keys[i], keys[i]) == 0 && strcmp(s->values[i], values[i]) == 0,
                           "%s: key %zu is %s=%s, expected %s=%s", what, i, s->keys[i], s->values[i], keys[i],
                           values[i]);
}

static void reading(const char *text) {
        Model m = {};
        unsigned bad_model = model_parse(text, &m);

        _cleanup_state_file_free_ StateFile *s = NULL;
        unsigned bad = 0;
        int r = state_file_parse(text, &s, &bad);
        fuzz_check((r == 0) == (bad_model == 0), "state_file_parse() returned %d, the model says bad line %u", r,
                   bad_model);
        if (r < 0) {
                fuzz_check(r == -EBADMSG && bad == bad_model, "returned %d at line %u, the model says line %u", r, bad,
                           bad_model);
                model_done(&m);
                return;
        }
        check_same(s, m.keys, m.values, m.n, "parsed");
        for (size_t i = 0; i < m.n; i++)
                fuzz_check(state_file_line(s, m.keys[i]) == m.lines[i], "line of %s", m.keys[i]);

        _cleanup_free_ char *printed = NULL;
        fuzz_check(state_file_format(s, &printed) == 0, "a parsed record does not print");
        _cleanup_state_file_free_ StateFile *back = NULL;
        fuzz_check(state_file_parse(printed, &back, NULL) == 0, "its print does not parse:\n%s", printed);
        check_same(back, m.keys, m.values, m.n, "printed and read back");
        model_done(&m);
}

static bool key_can_be_written(const char *k) {
        return *k && k[0] != '#' && !strpbrk(k, "=\n");
}

static void writing(const char *data, size_t size) {
        /* comment NUL key NUL value NUL key NUL value ... */
        const char *end = data + size;
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xstrdup(data);
        Model m = {};
        bool writable = true;
        for (const char *p = data + strlen(data) + 1; p < end;) {
                const char *key = p;
                p += strlen(p) + 1;
                const char *value = p < end ? p : "";
                p += p < end ? strlen(p) + 1 : 0;
                state_file_set(s, key, value);
                model_set(&m, key, strlen(key), value, strlen(value), 0);
        }
        /* judged on what the record holds in the end: a later value replaces an earlier one */
        for (size_t i = 0; i < m.n; i++)
                writable = writable && key_can_be_written(m.keys[i]) && !strchr(m.values[i], '\n');

        _cleanup_free_ char *text = NULL;
        int r = state_file_format(s, &text);
        fuzz_check((r == 0) == writable, "state_file_format() returned %d for a record that %s be written", r,
                   writable ? "can" : "cannot");
        if (r == 0) {
                _cleanup_state_file_free_ StateFile *back = NULL;
                fuzz_check(state_file_parse(text, &back, NULL) == 0, "its text does not parse:\n%s", text);
                check_same(back, m.keys, m.values, m.n, "written and read back");
        }
        model_done(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        /* The first byte chooses: reading a text, or writing a record. */
        _cleanup_free_ char *copy = xmalloc(size);
        memcpy(copy, data + 1, size - 1);
        copy[size - 1] = '\0';
        if (data[0] & 1)
                writing(copy, size - 1);
        else
                reading(copy);
        return 0;
}
