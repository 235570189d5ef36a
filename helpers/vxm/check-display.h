/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"

/* vxm check's findings about the monitor of [Display] (check-display.c), handed to the caller's report function one
 * by one: verdict 0 ok, 1 warning, 2 problem; hint (may be NULL) says what to do. */
typedef void (*DisplayReport)(int verdict, const char *hint, const char *text);

void check_display(const Guest *g, DisplayReport report);
