/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake monitor for tests, kept in a file so that separate helper runs (start, crash, stop) see one display:
 *
 *   bus=5  display=1  model=U2720Q  serial=ABC123  edid=00ffffffffffff00...   (what Monitor= can match)
 *   input=0x0f                     (current VCP 0x60 value, updated by writes)
 *   behaviour=ok|unresponsive|hang|no-readback|wrong-readback|flaky
 *
 * Every set is appended to PATH.log as "set 0x60 0xNN" (or "set-failed ..."), so tests check the sequence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "host/ddc.h"
#include "basic/macro.h"
#include "host/state-file.h"

typedef struct Fake {
        char *path;
} Fake;

/* The fake's files are test files, not host paths: they are not under VXM_ROOT, so plain stdio. */
static StateFile *fake_load(Fake *f) {
        _cleanup_fclose_ FILE *in = fopen(f->path, "re");
        StateFile *s = state_file_new();
        if (!in)
                return s;
        char line[1024];
        while (fgets(line, sizeof line, in)) {
                line[strcspn(line, "\n")] = '\0';
                char *eq = strchr(line, '=');
                if (eq && line[0] != '#') {
                        *eq = '\0';
                        state_file_set(s, line, eq + 1);
                }
        }
        return s;
}

static void fake_save(Fake *f, const StateFile *s) {
        _cleanup_fclose_ FILE *out = fopen(f->path, "we");
        for (size_t i = 0; out && i < s->n; i++)
                fprintf(out, "%s=%s\n", s->keys[i], s->values[i]);
}

static void fake_log(Fake *f, const char *what, uint8_t v) {
        _cleanup_free_ char *p = xasprintf("%s.log", f->path);
        _cleanup_fclose_ FILE *out = fopen(p, "ae");
        if (out)
                fprintf(out, "%s 0x60 0x%02x\n", what, v);
}

static const char *behaviour(const StateFile *s) {
        const char *b = state_file_get(s, "behaviour");
        return b ? b : "ok";
}

static int fake_open(DdcBackend *b, const char *spec, void **ret, char **desc) {
        Fake *f = b->userdata;
        StateFile *s = fake_load(f);
        static const struct {
                const char *prefix, *key;
        } forms[] = { { "bus:", "bus" },
                      { "display:", "display" },
                      { "model:", "model" },
                      { "serial:", "serial" },
                      { "edid:", "edid" } };
        int r = -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                size_t n = strlen(forms[i].prefix);
                if (strncmp(spec, forms[i].prefix, n) != 0)
                        continue;
                const char *v = state_file_get(s, forms[i].key);
                r = v && strcasecmp(v, spec + n) == 0 ? 0 : -ENODEV;
        }
        if (r == 0 && strcmp(behaviour(s), "absent") == 0)
                r = -ENODEV;
        if (r == 0 && strcmp(behaviour(s), "hang") == 0)
                for (;;)
                        pause();
        if (r == 0) {
                *ret = s;
                *desc = xasprintf("fake display %s (bus %s)", state_file_get(s, "model") ?: "?",
                                  state_file_get(s, "bus") ?: "?");
        } else
                state_file_free(s);
        return r;
}

static int fake_set(DdcBackend *b, void *display, uint8_t value) {
        Fake *f = b->userdata;
        StateFile *s = display;
        const char *beh = behaviour(s);
        if (strcmp(beh, "unresponsive") == 0) {
                fake_log(f, "set-failed", value);
                return -EIO;
        }
        /* flaky: the first set fails, the next one works */
        if (strcmp(beh, "flaky") == 0 && !state_file_get(s, "flaked")) {
                state_file_set(s, "flaked", "1");
                fake_save(f, s);
                fake_log(f, "set-failed", value);
                return -EIO;
        }
        state_file_setf(s, "input", "0x%02x", value);
        fake_save(f, s);
        fake_log(f, "set", value);
        return 0;
}

static int fake_get(DdcBackend *b, void *display, uint8_t *ret) {
        StateFile *s = display;
        const char *beh = behaviour(s);
        uint64_t v;
        if (strcmp(beh, "no-readback") == 0)
                return -EOPNOTSUPP;
        if (state_file_get_u64(s, "input", &v) < 0)
                return -EIO;
        *ret = strcmp(beh, "wrong-readback") == 0 ? (uint8_t) (v ^ 0x1) : (uint8_t) v;
        return 0;
}

static void fake_close(DdcBackend *b, void *display) {
        state_file_free(display);
}

static void fake_free(DdcBackend *b) {
        Fake *f = b->userdata;
        free(f->path);
        free(f);
        free(b);
}

DdcBackend *ddc_backend_fake_new(const char *state_path) {
        DdcBackend *b = xmalloc(sizeof *b);
        Fake *f = xmalloc(sizeof *f);
        f->path = xstrdup(state_path);
        *b = (DdcBackend){ .name = "fake",
                           .open = fake_open,
                           .set_input = fake_set,
                           .get_input = fake_get,
                           .close = fake_close,
                           .free = fake_free,
                           .userdata = f };
        return b;
}
