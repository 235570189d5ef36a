/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

#include "config/config.h"
#include "host/input-discovery.h"

/* Lends the guest's evdev nodes to its user for the guest's lifetime with a POSIX ACL entry (user:UID:rw, host/acl.h).
 * These nodes are shared with logind, which keeps an entry for the seat user on them, so they are not given back
 * whole: the record (/run/vxm/.state/input/NAME) lists each node with the entry the user had before and the mask
 * before and as set, and revoke puts back the entry only if it is still the one vxm wrote and the mask only if it is
 * still the one vxm set (never recomputed). Nothing is chowned. */

int input_access_grant(const Guest *g);
/* From the record alone; no record: nothing to do. */
int input_access_revoke(const char *name);

/* The devices the last grant gave the guest, from the record, so QEMU opens exactly those (a keyboard plugged in
 * after the grant is not in it): -ENOENT when there is no record. */
int input_devices_granted(const char *name, InputDevices *ret);
