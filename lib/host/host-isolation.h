/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "basic/cpu-set.h"
#include "host/unit-cpus.h"

/* IsolateHost=yes: while a guest runs, every other process of the host is confined to the CPUs no isolating guest
 * uses, by narrowing AllowedCPUs= of system.slice, user.slice and init.scope at runtime through systemd (the guests
 * themselves run in machine.slice, which stays untouched). Two isolating guests together keep the union of their CPUs
 * free.
 *
 * Records under /run/vxm/.state/, written before each change:
 *   isolate/NAME          CPUS= the CPUs guest NAME keeps free
 *   isolate-host/original what each unit had before the first isolating guest came: its AllowedCPUs=, its runtime
 *                         drop-in (/run/systemd/system.control/UNIT.d/50-AllowedCPUs.conf, which systemd rewrites)
 *                         and whether systemd already had unloaded changes of it; HOST_CPUS= what the host has now.
 * When the last isolating guest goes, all of that is put back exactly: the value, the drop-in file (or its absence),
 * and systemd's view of the files (a daemon-reload only when nothing else was pending). All changes happen under
 * /run/vxm/.state/isolate/.lock. Every function logs what it did or why not and returns 0 or -errno. */

#define HOST_ISOLATION_UNITS                                                                                           \
        { "system.slice", "user.slice", "init.scope" }

/* Keeps cpus free for guest name, together with the CPUs of the other isolating guests. A failure leaves the host as
 * it was. */
int host_isolation_apply(UnitBackend *b, const char *name, const CpuSet *cpus);
/* Gives guest name's CPUs back to the host: narrows the units to the other guests' union, or restores them exactly
 * when it was the last. Works from the records alone; no record: nothing to do. */
int host_isolation_release(UnitBackend *b, const char *name);
/* Releases the records of guests whose vxm-isolate@NAME.service is not running (left by a helper killed while
 * releasing, or by a previous boot when /run survived), and restores the units when none is left. */
int host_isolation_recover(UnitBackend *b);

/* 0 when this host can isolate: the unified cgroup hierarchy with the cpuset controller. -ENOENT without cgroup v2,
 * -EOPNOTSUPP without cpuset. Logs nothing. */
int host_isolation_supported(void);

/* For vxm status: the CPUs host processes are confined to now, and the guests holding CPUs (NULL, -ENOENT when no
 * guest isolates). */
int host_isolation_state(CpuSet *ret_host_cpus, char ***ret_guests);
