/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/state-file.h"

/* Records live in a directory no guest can be named after (guest names never start with '.'), and guests' own
 * runtime directories are elsewhere (/run/vxm/guests/NAME), so a guest's user can never own one of them. */
char *state_file_dir(const char *kind) {
        return xasprintf("/run/vxm/.state/%s", kind);
}

char *state_file_path(const char *kind, const char *name) {
        return xasprintf("/run/vxm/.state/%s/%s", kind, name);
}

StateFile *state_file_new(void) {
        return xmalloc(sizeof(StateFile));
}

StateFile *state_file_free(StateFile *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n; i++) {
                free(s->keys[i]);
                free(s->values[i]);
        }
        free(s->keys);
        free(s->values);
        free(s->lines);
        free(s->comment);
        free(s);
        return NULL;
}

static void set_at(StateFile *s, const char *key, const char *value, unsigned line) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->keys[i], key) == 0) {
                        free(s->values[i]);
                        s->values[i] = xstrdup(value);
                        s->lines[i] = line;
                        return;
                }
        s->keys = xrealloc(s->keys, (s->n + 1) * sizeof(char *));
        s->values = xrealloc(s->values, (s->n + 1) * sizeof(char *));
        s->lines = xrealloc(s->lines, (s->n + 1) * sizeof(unsigned));
        s->keys[s->n] = xstrdup(key);
        s->values[s->n] = xstrdup(value);
        s->lines[s->n] = line;
        s->n++;
}

void state_file_set(StateFile *s, const char *key, const char *value) {
        set_at(s, key, value, 0);
}

void state_file_setf(StateFile *s, const char *key, const char *fmt, ...) {
        va_list ap;
        char *v;
        va_start(ap, fmt);
        int r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        state_file_set(s, key, v);
        free(v);
}

const char *state_file_get(const StateFile *s, const char *key) {
        for (size_t i = 0; s && i < s->n; i++)
                if (strcmp(s->keys[i], key) == 0)
                        return s->values[i];
        return NULL;
}

unsigned state_file_line(const StateFile *s, const char *key) {
        for (size_t i = 0; s && i < s->n; i++)
                if (strcmp(s->keys[i], key) == 0)
                        return s->lines[i];
        return 0;
}

int state_file_get_u64(const StateFile *s, const char *key, uint64_t *ret) {
        const char *v = state_file_get(s, key);
        if (!v)
                return -ENOENT;
        char *end;
        errno = 0;
        unsigned long long u = strtoull(v, &end, 0);
        if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
                return -EBADMSG;
        *ret = u;
        return 0;
}

int state_file_get_int(const StateFile *s, const char *key, int *ret) {
        const char *v = state_file_get(s, key);
        if (!v)
                return -ENOENT;
        char *end;
        errno = 0;
        long l = strtol(v, &end, 0);
        if (errno != 0 || end == v || *end != '\0' || l < INT_MIN || l > INT_MAX)
                return -EBADMSG;
        *ret = (int) l;
        return 0;
}

int state_file_parse(const char *text, StateFile **ret, unsigned *ret_bad_line) {
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        unsigned n = 0;
        for (const char *p = text; *p;) {
                size_t len = strcspn(p, "\n");
                _cleanup_free_ char *line = xstrndup(p, len);
                p += len + (p[len] == '\n');
                n++;
                if (line[0] == '\0' || line[0] == '#')
                        continue;
                char *eq = strchr(line, '=');
                if (!eq || eq == line) {
                        if (ret_bad_line)
                                *ret_bad_line = n;
                        return -EBADMSG;
                }
                *eq = '\0';
                set_at(s, line, eq + 1, n);
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int state_file_load(const char *path, StateFile **ret) {
        _cleanup_free_ char *text = NULL;
        int r = root_read_file(path, &text, NULL);
        if (r < 0)
                return r;
        return state_file_parse(text, ret, NULL);
}

int state_file_load_for_undo(const char *path, StateFile **ret) {
        int r = state_file_load(path, ret);
        if (r == -ENOENT)
                (void) state_file_remove(path);
        return r;
}

int state_file_format(const StateFile *s, char **ret) {
        /* Only what reads back as the same record: an empty key or one starting with '#' (a comment) would not. */
        for (size_t i = 0; i < s->n; i++)
                if (!s->keys[i][0] || s->keys[i][0] == '#' || strpbrk(s->keys[i], "\n=") || strchr(s->values[i], '\n'))
                        return -EINVAL;

        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -errno;
        for (const char *c = s->comment; c && *c;) {
                size_t len = strcspn(c, "\n");
                fprintf(f, "# %.*s\n", (int) len, c);
                c += len + (c[len] == '\n');
        }
        for (size_t i = 0; i < s->n; i++)
                fprintf(f, "%s=%s\n", s->keys[i], s->values[i]);
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}

int state_file_save(const char *path, const StateFile *s) {
        _cleanup_free_ char *text = NULL;
        int r = state_file_format(s, &text);
        if (r < 0)
                return r;

        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                r = root_mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
        }
        return root_write_file_atomic(path, text, 0644);
}

int state_file_remove(const char *path) {
        int r = root_unlink_atomic(path);
        return r == -ENOENT ? 0 : r;
}

char *state_file_find_other(const char *kind, const char *self, StateFileMatch match, const void *userdata) {
        _cleanup_free_ char *dir = state_file_dir(kind);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        if (!d)
                return NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                /* our own record, and dot files: a record being replaced right now (root_write_file_atomic) */
                if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                _cleanup_state_file_free_ StateFile *s = NULL;
                if (state_file_load(p, &s) == 0 && match(s, userdata))
                        return xstrdup(de->d_name);
        }
        return NULL;
}

char **state_file_find_all(const char *kind, StateFileMatch match, const void *userdata) {
        _cleanup_free_ char *dir = state_file_dir(kind);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        char **found = NULL;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                _cleanup_state_file_free_ StateFile *s = NULL;
                if (state_file_load(p, &s) == 0 && match(s, userdata))
                        strv_push(&found, de->d_name);
        }
        strv_sort(found);
        return found;
}

bool state_file_owned_by(const StateFile *s, const void *owner) {
        const char *o = state_file_get(s, "OWNER");
        return o && strcmp(o, owner) == 0;
}
