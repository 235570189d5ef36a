/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Shared by the harnesses in tests/fuzz: each defines LLVMFuzzerTestOneInput() and is linked either with libFuzzer
 * (-Dllvm_fuzz=true, clang) or with fuzz-main.c, which replays files (the seed corpus and the regressions) through
 * the same function in every ordinary build. A property that does not hold is a crash: fuzz_check() prints what was
 * expected and aborts, so libFuzzer saves the input and the replay test fails on it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the message when cond is false. */
#define fuzz_check(cond, ...)                                                                                          \
        do {                                                                                                           \
                if (!(cond))                                                                                           \
                        fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                             \
        } while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* A private fake root (VXM_ROOT) for harnesses that go through the file system, created on first use under
 * $TMPDIR and removed at exit. Returns its path. */
const char *fuzz_root(void);
/* Writes data to ROOT/path (path absolute, parents created). */
void fuzz_write_file(const char *path, const void *data, size_t size);
/* Removes ROOT/path and everything below it; a missing one is fine. */
void fuzz_remove(const char *path);

/* Messages logged through lib/basic/log.h while capturing, one string each (level in fuzz_log_levels). */
void fuzz_log_capture(void);
void fuzz_log_reset(void);
extern char **fuzz_log_messages;
extern int *fuzz_log_levels;
extern size_t fuzz_log_n;

/* Splits data at every occurrence of the separator line into at most max pieces (the rest stays in the last one).
 * Pieces point into a NUL-terminated copy; free(*ret_copy) when done. Returns the number of pieces. */
size_t fuzz_split(const uint8_t *data, size_t size, const char *separator, size_t max, char **ret_copy,
                  const char **pieces, size_t *lengths);
