/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"

/* vxm check: the findings about a guest's VirtualFunction= and Mdev= lines (issue 11). Each finding goes to the
 * doctor's reporter; the sentences are the ones vxm-sriov, vxm-vf and vxm-mdev refuse a start with. */

typedef enum CheckVerdict {
        CHECK_OK,
        CHECK_WARN,
        CHECK_FAIL,
} CheckVerdict;

typedef void (*CheckReport)(CheckVerdict v, const char *hint, const char *text);

void check_shared_devices(const Guest *g, CheckReport report);
