/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal TAP for the latency-helper tests: ok()/is_u64()/is_str(), plus a throw-away fake root per test. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/root-path.h"

static unsigned tap_n, tap_failed;

static inline bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool ok(bool cond, const char *fmt, ...) {
        va_list ap;
        printf("%sok %u - ", cond ? "" : "not ", ++tap_n);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!cond)
                tap_failed++;
        fflush(stdout);
        return cond;
}

#define is_u64(got, want, ...)                                                                                         \
        ({                                                                                                             \
                uint64_t _g = (got), _w = (want);                                                                      \
                bool _r = ok(_g == _w, __VA_ARGS__);                                                                   \
                if (!_r)                                                                                               \
                        printf("#   got %" PRIu64 ", expected %" PRIu64 "\n", _g, _w);                                 \
                _r;                                                                                                    \
        })
#define is_int(got, want, ...)                                                                                         \
        ({                                                                                                             \
                long long _g = (got), _w = (want);                                                                     \
                bool _r = ok(_g == _w, __VA_ARGS__);                                                                   \
                if (!_r)                                                                                               \
                        printf("#   got %lld, expected %lld\n", _g, _w);                                               \
                _r;                                                                                                    \
        })

/* A check that cannot run here. Where skipping is not allowed (CI sets VXM_TEST_NO_SKIP=1: it has root and every
 * package), it fails instead of passing unseen. */
static inline void skip(const char *why) {
        if (getenv("VXM_TEST_NO_SKIP")) {
                printf("not ok %u - %s (skipping is not allowed: VXM_TEST_NO_SKIP is set)\n", ++tap_n, why);
                tap_failed++;
                return;
        }
        printf("ok %u # SKIP %s\n", ++tap_n, why);
}

static inline int tap_done(void) {
        printf("1..%u\n", tap_n);
        return tap_failed ? 1 : 0;
}

/* Captured log messages, so tests can check what a user would read. Kept in a file so that messages of forked
 * children (the DDC switch runs in one) are seen too. */
static char tap_log_path[4096];
static inline void tap_sink(int level, const char *msg, void *userdata) {
        FILE *f = fopen(tap_log_path, "ae");
        if (f) {
                fprintf(f, "%s\n", msg);
                fclose(f);
        }
        if (getenv("TAP_VERBOSE"))
                printf("# log: %s\n", msg);
}
static inline void log_clear(void) {
        FILE *f = fopen(tap_log_path, "we");
        if (f)
                fclose(f);
}
static inline bool log_has(const char *s) {
        static char buf[65536];
        FILE *f = fopen(tap_log_path, "re");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = '\0';
        return strstr(buf, s) != NULL;
}

/* A fresh fake root in $TMPDIR, made the VXM_ROOT of this process. */
static inline char *fake_root_new(const char *tag) {
        const char *tmp = getenv("TMPDIR");
        char *dir;
        if (asprintf(&dir, "%s/vxm-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag) < 0 || !mkdtemp(dir))
                abort();
        setenv("VXM_ROOT", dir, 1);
        umask(022); /* vxm refuses configuration that group or others can write */
        snprintf(tap_log_path, sizeof tap_log_path, "%s.log", dir);
        root_reset();
        log_set_sink(tap_sink, NULL);
        log_set_max_level(LOG_DEBUG);
        log_clear();
        return dir;
}

static inline void fake_root_free(char *dir) {
        char *cmd;
        if (getenv("TAP_KEEP") == NULL && asprintf(&cmd, "rm -rf '%s' '%s.log'", dir, dir) >= 0) {
                if (system(cmd) != 0)
                        fprintf(stderr, "could not remove %s\n", dir);
                free(cmd);
        }
        free(dir);
}

/* Writes content to the unprefixed path under the fake root, creating directories. */
static inline void put(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void put(const char *path, const char *fmt, ...) {
        char *full = root_path(path), *slash = strrchr(full, '/'), *content;
        va_list ap;
        *slash = '\0';
        char *cmd;
        if (asprintf(&cmd, "mkdir -p '%s'", full) < 0 || system(cmd) != 0)
                abort();
        free(cmd);
        *slash = '/';
        va_start(ap, fmt);
        if (vasprintf(&content, fmt, ap) < 0)
                abort();
        va_end(ap);
        FILE *f = fopen(full, "we");
        if (!f || fputs(content, f) < 0 || fclose(f) != 0)
                abort();
        free(content);
        free(full);
}

static inline uint64_t get_u64(const char *path) {
        char *line = NULL;
        uint64_t v = UINT64_MAX;
        if (root_read_line(path, &line) == 0)
                v = strtoull(line, NULL, 10);
        free(line);
        return v;
}
