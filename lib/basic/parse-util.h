/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* All return 0 or -EINVAL/-ERANGE and leave *ret untouched on error. */
int parse_boolean(const char *s, bool *ret);                              /* yes/no/true/false/1/0/on/off */
int parse_unsigned(const char *s, unsigned long max, unsigned long *ret); /* decimal, or 0x hex */
int parse_size(const char *s, uint64_t *ret);    /* bytes; K/M/G/T suffix (1024-based), optional B/iB */
int parse_seconds(const char *s, unsigned *ret); /* "90", "90s", "2min", "1min 30s" */
/* unit-name instance valid for a guest: [A-Za-z0-9_.-], 1..64 chars, not starting with '.' or '-', not ending in
 * ".conf" or ".conf.d". */
bool guest_name_is_valid(const char *name, const char **reason);
/* true if s contains a byte that must never appear in a generated unit (control chars, newline). */
bool string_has_cc(const char *s);
/* true if the n bytes at s are well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool utf8_is_valid_n(const char *s, size_t n);
/* An absolute path as systemd reads a path setting (its path_simplify()): "//" and "." components and a trailing
 * '/' dropped, so the path vxm uses is the one a generated unit names. -EINVAL for a relative path, -EBADMSG for a
 * ".." component (systemd refuses those: "path is not normalized"). */
int path_simplify_absolute(const char *path, char **ret);
