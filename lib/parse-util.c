/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse-util.h"

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
                { "", 0 },    { "B", 0 },    { "K", 10 },   { "KB", 10 },  { "KiB", 10 }, { "M", 20 },
                { "MB", 20 }, { "MiB", 20 }, { "G", 30 },   { "GB", 30 },  { "GiB", 30 }, { "T", 40 },
                { "TB", 40 }, { "TiB", 40 },
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
                unsigned long v = strtoul(p, &end, 10);
                p = end;
                size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
                size_t i;
                for (i = 0; i < sizeof units / sizeof units[0]; i++)
                        if (strlen(units[i].unit) == n && strncmp(p, units[i].unit, n) == 0)
                                break;
                if (i == sizeof units / sizeof units[0])
                        return -EINVAL;
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
