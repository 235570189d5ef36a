/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

/* "16 GiB", "256 MiB", "1.5 GiB", "12 bytes": n in its largest whole 1024-based unit, else with one decimal. malloc'd.
 */
char *format_bytes(uint64_t n);
