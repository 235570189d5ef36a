/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Is the unit that holds something still running? The records of the pools (VF allocations) name their owner's unit
 * and its invocation ID ($INVOCATION_ID when systemd ran the helper). A record is stale only when systemd says that
 * run of the unit is over: not a timeout, not a PID that the kernel may have given to someone else since. */

/* 1 when unit is activating, active, reloading or deactivating and, if invocation is not NULL, its InvocationID is
 * still invocation (32 hex digits); 0 when it is not running (or not loaded at all); -errno when systemd could not
 * be asked (the caller then must assume it runs). */
int unit_is_running(const char *unit, const char *invocation);
