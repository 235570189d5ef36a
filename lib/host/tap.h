/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The tap device of a bridged guest. QEMU runs unprivileged and under a sandbox that implies NoNewPrivileges=, so
 * the setuid qemu-bridge-helper cannot work there; instead vxm-guest's root pre-start step (ExecStartPre=+) creates
 * a persistent tap device owned by the guest's user and enslaves it to the bridge, QEMU opens it by name, and the
 * post-stop step (ExecStopPost=+) deletes it. */

#define TAP_NAME_MAX 16

/* "vxm" + 8 hex digits of a hash of the guest name: interface names are at most 15 characters, guest names 64. */
void guest_tap_name(const char *guest, char buf[static TAP_NAME_MAX]);

/* Creates (or takes over a stale) persistent tap owned by uid, attaches it to bridge and sets it up. -errno. */
int tap_create(const char *name, uid_t uid, const char *bridge);
/* Deletes it; 0 if it did not exist. */
int tap_remove(const char *name);
