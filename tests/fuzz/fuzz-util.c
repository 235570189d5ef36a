/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "fuzz.h"

_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "%s:%d: property violated: %s\n  ", file, line, cond);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        abort();
}

static char *root;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void remove_tree(const char *path) {
        (void) nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_root(void) {
        if (root)
                remove_tree(root);
}

const char *fuzz_root(void) {
        if (root)
                return root;
        const char *tmp = getenv("TMPDIR");
        root = xasprintf("%s/vxm-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(root)) {
                perror("mkdtemp");
                abort();
        }
        atexit(remove_root);
        setenv("VXM_ROOT", root, 1);
        root_reset();
        return root;
}

static void mkdir_parents(char *path) {
        for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                (void) mkdir(path, 0755);
                *s = '/';
        }
}

void fuzz_write_file(const char *path, const void *data, size_t size) {
        _cleanup_free_ char *p = xasprintf("%s%s", fuzz_root(), path);
        mkdir_parents(p);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size) {
                perror(p);
                abort();
        }
}

void fuzz_remove(const char *path) {
        _cleanup_free_ char *p = xasprintf("%s%s", fuzz_root(), path);
        remove_tree(p);
}

char **fuzz_log_messages;
int *fuzz_log_levels;
size_t fuzz_log_n;

static void sink(int level, const char *message, void *userdata) {
        fuzz_log_messages = xrealloc(fuzz_log_messages, (fuzz_log_n + 1) * sizeof(char *));
        fuzz_log_levels = xrealloc(fuzz_log_levels, (fuzz_log_n + 1) * sizeof(int));
        fuzz_log_messages[fuzz_log_n] = xstrdup(message);
        fuzz_log_levels[fuzz_log_n++] = level;
}

void fuzz_log_reset(void) {
        for (size_t i = 0; i < fuzz_log_n; i++)
                free(fuzz_log_messages[i]);
        free(fuzz_log_messages);
        free(fuzz_log_levels);
        fuzz_log_messages = NULL;
        fuzz_log_levels = NULL;
        fuzz_log_n = 0;
}

void fuzz_log_capture(void) {
        log_set_max_level(LOG_INFO);
        log_set_sink(sink, NULL);
}

size_t fuzz_split(const uint8_t *data, size_t size, const char *separator, size_t max, char **ret_copy,
                  const char **pieces, size_t *lengths) {
        char *copy = xmalloc(size + 1);
        memcpy(copy, data, size);
        copy[size] = '\0';
        size_t n = 0, seplen = strlen(separator);
        const char *p = copy, *end = copy + size;
        while (n + 1 < max) {
                const char *s = memmem(p, (size_t) (end - p), separator, seplen);
                if (!s)
                        break;
                pieces[n] = p;
                lengths[n++] = (size_t) (s - p);
                p = s + seplen;
        }
        pieces[n] = p;
        lengths[n++] = (size_t) (end - p);
        *ret_copy = copy;
        return n;
}
