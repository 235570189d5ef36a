/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <systemd/sd-bus.h>

#include "config/config.h"

/* vxm status NAME: where each vCPU runs (QEMU's threads, from /proc, while the guest runs; the plan otherwise), the
 * emulator threads, the memory node, and the host's isolation. bus may be NULL (QEMU's PID is then unknown). In
 * status-placement.c. */
void status_print_placement(sd_bus *bus, const Guest *g);
