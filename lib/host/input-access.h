/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

#include "config/config.h"
#include "host/input-discovery.h"

/* Lends the guest's evdev nodes to its user for the guest's lifetime with a POSIX ACL entry (user:UID:rw), written as
 * the system.posix_acl_access xattr so that no libacl is needed. Other entries (logind's uaccess entry for the seat
 * user, for instance) are kept; the record (/run/vxm/.state/input/NAME) lists each node with the entry the user had
 * before, and revoke puts exactly that back. Nothing is chowned. */

int input_access_grant(const Guest *g);
/* From the record alone; no record: nothing to do. */
int input_access_revoke(const char *name);

/* The devices the last grant gave the guest, from the record, so QEMU opens exactly those (a keyboard plugged in
 * after the grant is not in it): -ENOENT when there is no record. */
int input_devices_granted(const char *name, InputDevices *ret);

/* The ACL entry of uid on path (unprefixed): its permission bits (0..7), or -ENODATA when it has none. Exposed for
 * tests and `vxm check`. */
int acl_get_user_perm(const char *path, uid_t uid);
/* Sets (perm 0..7) or removes (perm < 0) the entry for uid, recomputing the mask. */
int acl_set_user_perm(const char *path, uid_t uid, int perm);
