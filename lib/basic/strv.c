/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

void strv_consume(char ***l, char *s) {
        size_t n = strv_length(*l);
        *l = xrealloc(*l, (n + 2) * sizeof(char *));
        (*l)[n] = s;
        (*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s) {
        strv_consume(l, xstrdup(s));
}

bool strv_contains(char *const *l, const char *s) {
        for (size_t i = 0; l && l[i]; i++)
                if (strcmp(l[i], s) == 0)
                        return true;
        return false;
}

static int cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(char **l) {
        size_t n = strv_length(l);
        if (n > 1) /* qsort(NULL, 0, ...) is undefined */
                qsort(l, n, sizeof(char *), cmp);
}

char **strv_free(char **l) {
        for (size_t i = 0; l && l[i]; i++)
                free(l[i]);
        free(l);
        return NULL;
}

char *strv_join(char *const *l, const char *sep) {
        size_t n = 1;
        for (size_t i = 0; l && l[i]; i++)
                n += strlen(l[i]) + (i ? strlen(sep) : 0);
        char *s = xmalloc(n), *p = s;
        *p = '\0';
        for (size_t i = 0; l && l[i]; i++)
                p = stpcpy(stpcpy(p, i ? sep : ""), l[i]);
        return s;
}
