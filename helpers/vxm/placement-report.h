/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

#include <systemd/sd-bus.h>

#include "config/config.h"

/* The placement parts of vxm check and vxm status (check-placement.c, status-placement.c), behind small hooks so that
 * the commands can change shape around them. */

typedef enum PlacementVerdict {
        PLACEMENT_OK,
        PLACEMENT_WARN,
        PLACEMENT_FAIL,
} PlacementVerdict;

/* How vxm check prints one finding: a verdict, what was found, what to do (NULL for OK). */
typedef void (*PlacementReport)(PlacementVerdict v, const char *hint, const char *text);

/* vxm check NAME: the GPU's NUMA node, the node's CPUs and SMT siblings, what CPUAffinity=auto would choose, the
 * guest's own placement on this host, its memory node, whether the host can be isolated. */
void check_placement(const Guest *g, PlacementReport report);

/* vxm status NAME: where each vCPU runs (QEMU's threads, from /proc, while the guest runs; the plan otherwise), the
 * emulator threads, the memory node, and the host's isolation. bus may be NULL (QEMU's PID is then unknown). */
void status_print_placement(sd_bus *bus, const Guest *g);
