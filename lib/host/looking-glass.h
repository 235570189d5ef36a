/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "config/config.h"

/* The shared memory Looking Glass uses between guest (IVSHMEM) and host client: a file in /dev/shm created for the
 * guest's lifetime, or a /dev/kvmfrN device (kvmfr module) lent to the guest's user. The record
 * (/run/vxm/.state/lookingglass/NAME) names the file, whether vxm created it, and for kvmfr the owner and mode before.
 */

/* The path QEMU must map: from the record when the helper ran, else what the helper would pick (for `vxm show`).
 * NULL when the guest has no [LookingGlass]. */
char *looking_glass_path(const Guest *g);

/* Both log and return 0 or a negative errno. */
int looking_glass_create(const Guest *g);
int looking_glass_remove(const char *name);
