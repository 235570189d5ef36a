/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The tap device of a bridged guest. QEMU runs unprivileged and under a sandbox that implies NoNewPrivileges=, so
 * the setuid qemu-bridge-helper cannot work there; instead vxm-guest's root pre-start step (ExecStartPre=+) creates
 * a persistent tap device owned by the guest's user and enslaves it to the bridge, QEMU opens it by name, and the
 * post-stop step (ExecStopPost=+) deletes it.
 *
 * The name is a hash of the guest's name, so two guests (or anything else) can want the same one: the interface made
 * is recorded by name and ifindex (/run/vxm/.state/tap/NAME) before it can outlive the helper, a name that is taken
 * is refused instead of taken over, and tap_down deletes the recorded interface only. */

#define TAP_NAME_MAX 16

/* "vxm" + 8 hex digits of a hash of the guest name: interface names are at most 15 characters, guest names 64. */
void guest_tap_name(const char *guest, char buf[static TAP_NAME_MAX]);

/* Creates guest's tap owned by uid, attaches it to bridge and sets it up; an earlier run's recorded tap is removed
 * first. Logs; -EEXIST when the name is taken by an interface vxm did not make for this guest. */
int tap_up(const char *guest, uid_t uid, const char *bridge);
/* Deletes the recorded interface (by ifindex) and the record; 0 when there is none or it is gone. Logs. */
int tap_down(const char *guest);
