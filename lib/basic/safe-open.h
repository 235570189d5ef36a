/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Opening files as root when someone else may control part of the path: a guest's unprivileged user owns
 * /var/lib/vxm/NAME, where its disk images and firmware variables live, and could put a symbolic link to /etc/shadow
 * or a FIFO there for root's `vxm show` to open. Everything goes through VXM_ROOT. */

/* Who counts as root for file ownership: uid 0; under $VXM_ROOT also the user running the program, who made the test
 * tree (on a host VXM_ROOT is unset and only uid 0 counts). */
bool uid_is_trusted(uid_t uid);
/* Only root can change it: owned by a trusted uid (above) and not writable by group or others. */
bool stat_is_root_only(const struct stat *st);
/* Why not: "owned by uid 1000 (alice)", "writable by its group" or "writable by others". malloc'd. */
char *stat_why_not_root_only(const struct stat *st);

/* "a regular file", "a directory", "a FIFO", "a character device", ... for messages. */
const char *file_type_to_string(mode_t mode);

typedef enum SafeOpenFlags {
        SAFE_OPEN_BLOCK_DEVICE = 1 << 0, /* a block device is fine too, not only a regular file (Disk=) */
        SAFE_OPEN_NOFOLLOW = 1 << 1,     /* never follow a link in the last component, even where root owns it */
} SafeOpenFlags;

/* Opens path read-only, walking it one component at a time:
 *  - a symbolic link is followed only where it sits in a directory that only root can change (stat_is_root_only()),
 *    such as /usr/share/OVMF; a link in a directory a user can change (a guest's state directory) is refused, and so
 *    is any link in the last component with SAFE_OPEN_NOFOLLOW;
 *  - nothing is opened before its type is known (O_PATH first), and the final open uses O_NONBLOCK, so neither a
 *    FIFO nor a device that waits can hang the caller, and a device node is never opened by mistake;
 *  - the file must be a regular file (or, with SAFE_OPEN_BLOCK_DEVICE, a block device).
 * Returns the fd (O_CLOEXEC; O_NONBLOCK, which regular files and block devices ignore); or -ELOOP (a link that is not
 * followed) or -EBADMSG (the wrong type of file) with *ret_reason saying which path and why, e.g.
 * "/var/lib/vxm/win/disk.img is a symbolic link in /var/lib/vxm/win, which is owned by uid 1000 (alice): ...";
 * or -errno from the file system (-ENOENT, -EACCES, ...) with *ret_reason NULL. */
int root_open_safe(const char *path, SafeOpenFlags flags, char **ret_reason);
