/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

/* "16 GiB", "256 MiB", "1.5 GiB", "12 bytes": n in the largest 1024-based unit it fills, with one decimal unless it
 * is a whole number of them. malloc'd. */
char *format_bytes(uint64_t n);
