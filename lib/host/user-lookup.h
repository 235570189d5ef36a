/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

/* The uid of user; logs naming key (e.g. "[LookingGlass] Viewer=") and returns -ESRCH when there is none. Only a uid:
 * what vxm lends a guest goes to its user alone, never to a group shared with others. */
int user_lookup_uid(const char *user, const char *key, uid_t *ret);
