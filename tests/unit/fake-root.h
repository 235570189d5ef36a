/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* A throw-away $VXM_ROOT for tests: files are created relative to it, and it is removed at the end. */

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/root-path.h"

static char fake_root[4096];

static inline __attribute__((unused)) void fake_root_mkdir_parents(const char *full) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", full);
        for (char *s = buf + strlen(fake_root) + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        (void) mkdir(buf, 0755);
                        *s = '/';
                }
}

static inline __attribute__((unused)) int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -errno : 0;
}

static inline __attribute__((unused)) void fake_root_clear(void) {
        if (fake_root[0])
                (void) nftw(fake_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        fake_root[0] = '\0';
}

/* Creates a fresh, empty root and points VXM_ROOT at it. */
static inline __attribute__((unused)) void fake_root_new(void) {
        fake_root_clear();
        const char *tmp = getenv("TMPDIR");
        snprintf(fake_root, sizeof fake_root, "%s/vxm-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fake_root)) {
                perror("mkdtemp");
                abort();
        }
        setenv("VXM_ROOT", fake_root, 1);
        root_reset();
        /* Configuration is refused when group or others can write it: what the tests create must not depend on the
         * umask they were started with. */
        umask(022);
}

/* Writes len bytes (so tests can embed NUL bytes) at root-relative path, creating parent directories. */
static inline __attribute__((unused)) void fake_root_write_n(const char *path, const char *content, size_t len) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", fake_root, path);
        fake_root_mkdir_parents(full);
        FILE *f = fopen(full, "we");
        if (!f || fwrite(content, 1, len, f) != len || fclose(f) != 0) {
                perror(full);
                abort();
        }
}

static inline __attribute__((unused)) void fake_root_write(const char *path, const char *content) {
        fake_root_write_n(path, content, strlen(content));
}

static inline __attribute__((unused)) void fake_root_symlink(const char *target, const char *path) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", fake_root, path);
        fake_root_mkdir_parents(full);
        if (symlink(target, full) < 0) {
                perror(full);
                abort();
        }
}

static inline __attribute__((unused)) void fake_root_mkdir(const char *path) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s/", fake_root, path);
        fake_root_mkdir_parents(full);
}
