/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* The fake configuration the config and generator harnesses load: the input, cut at each line "--dropin--", is
 *   piece 0  /etc/vxm/fuzz.conf                  the guest
 *   piece 1  /etc/vxm/fuzz.conf.d/10-a.conf      a drop-in
 *   piece 2  /run/vxm/fuzz.conf.d/20-b.conf      a drop-in in another directory
 *   piece 3  /usr/lib/vxm/fuzz.conf.d/10-a.conf  shadowed by piece 1's file (if there is one): it must not count
 * (missing pieces are missing files). */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"

#define FUZZ_GUEST_PIECES 4
#define FUZZ_GUEST_SEPARATOR "\n--dropin--\n"

typedef struct FuzzGuestFiles {
        size_t n;                            /* pieces written */
        const char *path[FUZZ_GUEST_PIECES]; /* without the fake root */
        unsigned lines[FUZZ_GUEST_PIECES];   /* lines in each, as the loader counts them */
} FuzzGuestFiles;

extern const char *const fuzz_guest_paths[FUZZ_GUEST_PIECES];

/* Removes the previous input's files and writes this one's. */
void fuzz_guest_write(const uint8_t *data, size_t size, FuzzGuestFiles *ret);
/* Removes the shadowed piece 3, if any. */
void fuzz_guest_remove_shadowed(void);
/* Sets the mode of ROOT/path (a piece or its directory). */
void fuzz_guest_chmod(const char *path, mode_t mode);

/* Checks what the loader promises about a guest it accepted (ranges, no control characters, sources within the
 * files); aborts with the broken promise. */
void fuzz_guest_check(const Guest *g, const FuzzGuestFiles *files);
/* Checks that every error message names a file and a line within it (or the main file for a combination of keys):
 * captured messages of level err or worse. */
void fuzz_guest_check_errors(const FuzzGuestFiles *files, bool expect_some);
/* A canonical text of everything in the guest, to compare two loads. */
char *fuzz_guest_dump(const Guest *g);
