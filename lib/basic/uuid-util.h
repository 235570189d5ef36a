/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

/* 128-bit identifiers as the kernel and systemd write them: a UUID "8-4-4-4-12" (mdev names) and a plain 32-digit
 * hex ID (/etc/machine-id). */

#define UUID_STRLEN 37 /* 36 characters and the NUL */

/* Exactly 8-4-4-4-12 hex digits, either case. 0 or -EINVAL. */
int uuid_parse(const char *s, uint8_t ret[static 16]);
/* Lowercase, as the kernel names an mdev (%pUl). Returns buf. */
char *uuid_format(const uint8_t u[static 16], char buf[static UUID_STRLEN]);
/* Exactly 32 hex digits, the format of /etc/machine-id. 0 or -EINVAL. */
int id128_parse_plain(const char *s, uint8_t ret[static 16]);
/* Marks 16 random-looking bytes as an RFC 4122 version 4 UUID (variant 10), as systemd's id128 helpers do. */
void uuid_make_v4(uint8_t u[static 16]);
