/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/systemd-unit.h"

/* systemd-analyze unit-paths for the system manager (systemd 252), highest precedence first. */
const char *const systemd_unit_dirs[] = {
        "/etc/systemd/system.control", "/run/systemd/system.control",
        "/run/systemd/transient",      "/run/systemd/generator.early",
        "/etc/systemd/system",         "/etc/systemd/system.attached",
        "/run/systemd/system",         "/run/systemd/system.attached",
        "/run/systemd/generator",      "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",     "/lib/systemd/system",
        "/run/systemd/generator.late", NULL,
};

static bool is_mask(const char *path) {
        _cleanup_free_ char *target = NULL;
        return root_readlink(path, &target) == 0 && strcmp(target, "/dev/null") == 0;
}

/* The names whose drop-in directories apply to unit, most specific first: "a-b@i.service", "a-b@.service",
 * "a-b@.service"'s dash prefixes ("a-.service"), and the type ("service"). */
static char **dropin_names(const char *unit) {
        char **names = NULL;
        const char *dot = strrchr(unit, '.'), *at = strchr(unit, '@');
        if (!dot)
                return NULL;
        strv_push(&names, unit);
        if (at && at < dot && at + 1 != dot)
                strv_consume(&names, xasprintf("%.*s%s", (int) (at - unit + 1), unit, dot));
        size_t stem = at ? (size_t) (at - unit) : (size_t) (dot - unit);
        for (size_t i = stem; i > 0; i--)
                if (unit[i - 1] == '-')
                        strv_consume(&names, xasprintf("%.*s%s", (int) i, unit, dot));
        strv_push(&names, dot + 1);
        return names;
}

static char *fragment_path(const char *unit) {
        const char *dot = strrchr(unit, '.'), *at = strchr(unit, '@');
        _cleanup_free_ char *template =
                at && dot && at < dot && at + 1 != dot ? xasprintf("%.*s%s", (int) (at - unit + 1), unit, dot) : NULL;
        for (size_t k = 0; k < 2; k++) {
                const char *name = k == 0 ? unit : template;
                for (size_t i = 0; name && systemd_unit_dirs[i]; i++) {
                        char *p = xasprintf("%s/%s", systemd_unit_dirs[i], name);
                        struct stat st;
                        if (root_lstat(p, &st) == 0)
                                return p;
                        free(p);
                }
        }
        return NULL;
}

static int strcmp_basename(const void *a, const void *b) {
        const char *x = strrchr(*(char *const *) a, '/'), *y = strrchr(*(char *const *) b, '/');
        return strcmp(x, y);
}

/* The *.conf drop-ins: the first of each file name wins (higher directory, then more specific unit name), applied
 * in file name order; a drop-in linked to /dev/null masks its name. */
static char **dropin_files(const char *unit) {
        _cleanup_strv_free_ char **names = dropin_names(unit), **seen = NULL;
        char **files = NULL;
        for (size_t i = 0; systemd_unit_dirs[i]; i++)
                for (size_t j = 0; names && names[j]; j++) {
                        _cleanup_free_ char *dir = xasprintf("%s/%s.d", systemd_unit_dirs[i], names[j]);
                        _cleanup_closedir_ DIR *d = root_opendir(dir);
                        struct dirent *de;
                        while (d && (de = readdir(d))) {
                                size_t n = strlen(de->d_name);
                                if (de->d_name[0] == '.' || n < 6 || strcmp(de->d_name + n - 5, ".conf") != 0 ||
                                    strv_contains(seen, de->d_name))
                                        continue;
                                strv_push(&seen, de->d_name);
                                _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
                                if (!is_mask(path))
                                        strv_consume(&files, TAKE_PTR(path));
                        }
                }
        size_t n = strv_length(files);
        if (n > 1)
                qsort(files, n, sizeof *files, strcmp_basename);
        return files;
}

static void set_from(UnitSetting *s, const char *value, const char *file, unsigned line) {
        free(s->value);
        free(s->file);
        s->value = *value ? xstrdup(value) : NULL;
        s->file = xstrdup(file);
        s->line = line;
}

static char *strip(char *s) {
        s += strspn(s, " \t");
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

static int scan_file(const char *path, const char *section, const char *key, UnitSetting *s) {
        _cleanup_free_ char *text = NULL;
        int r = root_read_file(path, &text, NULL);
        if (r < 0)
                return r == -ENOENT ? 0 : r;

        bool in_section = false;
        unsigned line = 0;
        for (char *p = text, *next; p; p = next) {
                next = strchr(p, '\n');
                if (next)
                        *next++ = '\0';
                line++;
                char *l = strip(p);
                if (*l == '#' || *l == ';' || *l == '\0')
                        continue;
                if (*l == '[') {
                        char *close = strchr(l, ']');
                        in_section = close && (size_t) (close - l - 1) == strlen(section) &&
                                     strncmp(l + 1, section, strlen(section)) == 0;
                        continue;
                }
                char *eq = strchr(l, '=');
                if (!in_section || !eq)
                        continue;
                *eq = '\0';
                if (strcmp(strip(l), key) == 0)
                        set_from(s, strip(eq + 1), path, line);
        }
        return 0;
}

int systemd_unit_setting(const char *unit, const char *section, const char *key, UnitSetting *ret) {
        UnitSetting s = {};
        _cleanup_free_ char *fragment = fragment_path(unit);
        int r = 0;
        if (fragment && !is_mask(fragment))
                r = scan_file(fragment, section, key, &s);

        _cleanup_strv_free_ char **files = dropin_files(unit);
        for (size_t i = 0; r >= 0 && files && files[i]; i++)
                r = scan_file(files[i], section, key, &s);
        if (r < 0) {
                unit_setting_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void unit_setting_done(UnitSetting *s) {
        free(s->value);
        free(s->file);
        *s = (UnitSetting){};
}
