/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "host/state-file.h"

/* Lending a device node or a file to users (a guest's QEMU, a Looking Glass viewer) with POSIX ACL entries
 * user:UID:rw-, and giving it back whole. The node stays owned by whoever owned it (root), so a borrower can neither
 * change the ACL nor the mode; and the record keeps the node's identity (device and inode), owner, mode and its
 * whole access ACL (system.posix_acl_access, byte for byte), so that the return puts back exactly that, also
 * removing whatever entries someone added in between, and never touches another file that took the path meanwhile.
 *
 * The record keys are PREFIX followed by PATH, INODE (st_dev:st_ino), OWNER (uid:gid:octal mode), ACL (hex of the
 * xattr, or "none") and USERS (the uids lent to, for `vxm status`). */

/* Records what the node open as fd (O_PATH is enough) is now, under PREFIX. When s already holds PREFIX for this very
 * inode (a start after a crash or a failed start), what it recorded then stays: that is the state before vxm. */
int node_lend_record(StateFile *s, const char *prefix, int fd, const char *path, const uid_t *uids, size_t n_uids);
/* Adds user:UID:rw- for each uid and widens the mask by rw- to let them through. */
int node_lend_grant(int fd, const uid_t *uids, size_t n_uids);
/* Gives back what s records under PREFIX: owner, mode and ACL exactly as they were. 0 also when the path is gone or
 * is another file now (neither was lent). -EBADMSG for a damaged record, -EIO when the node does not read back as
 * recorded. Logs. */
int node_lend_return(const StateFile *s, const char *prefix);
/* Does s record PREFIX? */
bool node_lend_recorded(const StateFile *s, const char *prefix);
/* Is the node open as fd the inode recorded under PREFIX? */
bool node_lend_same(const StateFile *s, const char *prefix, int fd);
