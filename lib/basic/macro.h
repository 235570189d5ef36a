/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _unused_ __attribute__((unused))

static inline void freep(void *p) {
        free(*(void **) p);
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Hands ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                                    \
        ({                                                                                                             \
                __typeof__(p) _tmp_ = (p);                                                                             \
                (p) = NULL;                                                                                            \
                _tmp_;                                                                                                 \
        })
#define TAKE_FD(fd)                                                                                                    \
        ({                                                                                                             \
                int _tmp_ = (fd);                                                                                      \
                (fd) = -1;                                                                                             \
                _tmp_;                                                                                                 \
        })

/* Aborts on allocation failure: these programs are tiny and a failed malloc is not recoverable in a useful way. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
