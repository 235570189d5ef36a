/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "basic/cpu-set.h"

/* The part of systemd's D-Bus API that host isolation uses, behind a small interface: the product talks to PID 1
 * (unit-cpus.c), tests to a fake systemd kept in a file (unit-cpus-fake.c). All return 0 or -errno and log nothing;
 * the caller knows the context. */

typedef struct UnitBackend UnitBackend;
struct UnitBackend {
        /* The unit's AllowedCPUs= (empty: unset, every CPU). */
        int (*get_allowed_cpus)(UnitBackend *b, const char *unit, CpuSet *ret);
        /* SetUnitProperties(unit, runtime=true, AllowedCPUs=s): in effect at once, gone at reboot. systemd records it
         * in the drop-in /run/systemd/system.control/UNIT.d/50-AllowedCPUs.conf. */
        int (*set_allowed_cpus)(UnitBackend *b, const char *unit, const CpuSet *s);
        /* The unit's NeedDaemonReload property: its files on disk differ from what systemd loaded. */
        int (*need_daemon_reload)(UnitBackend *b, const char *unit, bool *ret);
        /* systemctl daemon-reload, waiting for it to finish. */
        int (*reload)(UnitBackend *b);
        /* Whether the unit is active, activating, deactivating or reloading (not inactive or failed). */
        int (*unit_busy)(UnitBackend *b, const char *unit, bool *ret);
        void (*free)(UnitBackend *b);
        void *userdata;
};

/* PID 1 itself: its private socket /run/systemd/private when root (works early at boot and late at shutdown, without
 * dbus-daemon), else the system bus. NULL (and -errno in *ret_error) when neither answers. */
UnitBackend *unit_backend_systemd_new(int *ret_error);
/* A fake systemd in a state file (not under VXM_ROOT) for tests, that writes the drop-ins and cgroup files systemd
 * would write under VXM_ROOT. See unit-cpus-fake.c for its format. */
UnitBackend *unit_backend_fake_new(const char *state_path);
/* $VXM_ISOLATE_FAKE_SYSTEMD names the fake's state file: the fake; otherwise the real one. */
UnitBackend *unit_backend_new(int *ret_error);
void unit_backend_free(UnitBackend *b);
static inline void unit_backend_freep(UnitBackend **b) {
        unit_backend_free(*b);
}
#define _cleanup_unit_backend_free_ __attribute__((cleanup(unit_backend_freep)))

/* Where systemd keeps a runtime property of a unit: /run/systemd/system.control/UNIT.d/50-PROPERTY.conf. */
char *unit_runtime_dropin_dir(const char *unit);
char *unit_runtime_dropin_path(const char *unit, const char *property);
/* The unit's cgroup directory: /sys/fs/cgroup/UNIT for the top-level slices and init.scope. */
char *unit_cgroup_dir(const char *unit);
