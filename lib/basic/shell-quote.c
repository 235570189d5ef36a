/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "basic/macro.h"
#include "basic/shell-quote.h"

#define SHELL_SAFE "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-"

char *shell_quote(const char *s) {
        if (*s && strspn(s, SHELL_SAFE) == strlen(s))
                return xstrdup(s);
        size_t n = 2;
        for (const char *c = s; *c; c++)
                n += *c == '\'' ? 4 : 1;
        char *out = xmalloc(n + 1), *o = out;
        *o++ = '\'';
        for (const char *c = s; *c; c++)
                if (*c == '\'')
                        o = stpcpy(o, "'\\''");
                else
                        *o++ = *c;
        *o++ = '\'';
        *o = '\0';
        return out;
}

char *shell_quote_argv(char *const *argv, const char *sep) {
        size_t len = 1;
        char **q = NULL;
        size_t n = 0;
        while (argv[n])
                n++;
        q = xmalloc((n + 1) * sizeof *q);
        for (size_t i = 0; i < n; i++) {
                q[i] = shell_quote(argv[i]);
                len += strlen(q[i]) + strlen(sep);
        }
        char *out = xmalloc(len), *o = out;
        *o = '\0';
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        o = stpcpy(o, sep);
                o = stpcpy(o, q[i]);
                free(q[i]);
        }
        free(q);
        return out;
}
