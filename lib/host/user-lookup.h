/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

/* Who a guest's QEMU runs as, and the group that shares its devices with the desktop (kvm when the system has it,
 * else the user's primary group). */
typedef struct GuestIdentity {
        uid_t uid;
        gid_t gid;
        char *group_name;
} GuestIdentity;

/* Logs and returns -ESRCH when the user does not exist. */
int guest_identity(const char *user, GuestIdentity *ret);
void guest_identity_done(GuestIdentity *id);

/* The uid of user; logs naming key (e.g. "[LookingGlass] Viewer=") and returns -ESRCH when there is none. */
int user_lookup_uid(const char *user, const char *key, uid_t *ret);
