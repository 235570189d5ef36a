/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <string.h>

#include "basic/macro.h"

static void *check(void *p) {
        if (!p) {
                fputs("vxm: out of memory\n", stderr);
                abort();
        }
        return p;
}

void *xmalloc(size_t n) {
        return check(calloc(1, n ? n : 1));
}

void *xrealloc(void *p, size_t n) {
        return check(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s) {
        return check(strdup(s));
}

char *xstrndup(const char *s, size_t n) {
        return check(strndup(s, n));
}

char *xasprintf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return check(r < 0 ? NULL : s);
}
