/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "basic/parse-util.h"

int parse_boolean(const char *s, bool *ret) {
        static const char *const yes[] = { "yes", "true", "1", "on", "y", "t" };
        static const char *const no[] = { "no", "false", "0", "off", "n", "f" };

        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int parse_unsigned(const char *s, unsigned long max, unsigned long *ret) {
        char *end;

        /* strtoul would accept leading blanks and a minus sign. */
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end != '\0' || end == s)
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                unsigned shift;
        } table[] = {
                { "", 0 },     { "B", 0 },  { "K", 10 },  { "KB", 10 },  { "KiB", 10 }, { "M", 20 },  { "MB", 20 },
                { "MiB", 20 }, { "G", 30 }, { "GB", 30 }, { "GiB", 30 }, { "T", 40 },   { "TB", 40 }, { "TiB", 40 },
        };
        char *end;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
                if (strcasecmp(end, table[i].suffix) != 0)
                        continue;
                if (table[i].shift && v > (UINT64_MAX >> table[i].shift))
                        return -ERANGE;
                *ret = (uint64_t) v << table[i].shift;
                return 0;
        }
        return -EINVAL;
}

int parse_seconds(const char *s, unsigned *ret) {
        static const struct {
                const char *unit;
                unsigned mult;
        } units[] = { { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 }, { "", 1 } };
        unsigned long total = 0;
        const char *p = s;

        if (!*p)
                return -EINVAL;
        while (*p) {
                char *end;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                errno = 0;
                unsigned long v = strtoul(p, &end, 10);
                if (errno == ERANGE)
                        return -ERANGE;
                p = end;
                size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
                size_t i;
                for (i = 0; i < sizeof units / sizeof units[0]; i++)
                        if (strlen(units[i].unit) == n && strncmp(p, units[i].unit, n) == 0)
                                break;
                if (i == sizeof units / sizeof units[0])
                        return -EINVAL;
                /* Check before multiplying: v * mult can wrap around to a small, valid-looking number. */
                if (v > 7 * 24 * 3600 / units[i].mult)
                        return -ERANGE;
                total += v * units[i].mult;
                if (total > 7 * 24 * 3600)
                        return -ERANGE;
                p += n;
                p += strspn(p, " ");
        }
        *ret = (unsigned) total;
        return 0;
}

bool guest_name_is_valid(const char *name, const char **reason) {
        const char *why = NULL;
        size_t n = strlen(name);

        if (n == 0)
                why = "empty name";
        else if (n > 64)
                why = "longer than 64 characters";
        else if (name[0] == '.' || name[0] == '-')
                why = "must not start with '.' or '-'";
        else if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != n)
                why = "only letters, digits, '_', '.' and '-' are allowed (it becomes a systemd unit instance name)";
        /* A guest's name also names directories its user owns; one called like a configuration file or drop-in
         * directory (win.conf.d) must never be taken for one. */
        else if ((n >= 5 && strcmp(name + n - 5, ".conf") == 0) || (n >= 7 && strcmp(name + n - 7, ".conf.d") == 0))
                why = "must not end in \".conf\" or \".conf.d\" (the names of configuration files and drop-in "
                      "directories)";
        if (why && reason)
                *reason = why;
        return !why;
}

bool string_has_cc(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return true;
        return false;
}

bool utf8_is_valid_n(const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *) s, *end = p + n;

        while (p < end) {
                unsigned c = *p, len;
                uint32_t cp, min;
                if (c < 0x80) {
                        p++;
                        continue;
                } else if ((c & 0xe0) == 0xc0)
                        len = 2, cp = c & 0x1f, min = 0x80;
                else if ((c & 0xf0) == 0xe0)
                        len = 3, cp = c & 0x0f, min = 0x800;
                else if ((c & 0xf8) == 0xf0)
                        len = 4, cp = c & 0x07, min = 0x10000;
                else
                        return false;
                if ((size_t) (end - p) < len)
                        return false;
                for (unsigned i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += len;
        }
        return true;
}

int path_simplify_absolute(const char *path, char **ret) {
        if (path[0] != '/')
                return -EINVAL;
        char *out = xmalloc(strlen(path) + 1), *o = out;
        for (const char *s = path; *s;) {
                s += strspn(s, "/");
                size_t n = strcspn(s, "/");
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        free(out);
                        return -EBADMSG;
                }
                if (n > 0 && !(n == 1 && s[0] == '.')) {
                        *o++ = '/';
                        memcpy(o, s, n);
                        o += n;
                }
                s += n;
        }
        if (o == out)
                *o++ = '/';
        *o = '\0';
        *ret = out;
        return 0;
}
