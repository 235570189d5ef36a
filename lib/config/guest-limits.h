/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "config/config.h"

/* Locked memory: VFIO pins every page the guest's devices can reach by DMA (its RAM, and the Looking Glass shared
 * memory, which is a RAM-backed BAR), and the kernel counts that against the RLIMIT_MEMLOCK of QEMU, which runs as
 * an unprivileged user. */

/* What QEMU needs at least: guest RAM + Looking Glass memory + 64 MiB for QEMU's own ROM and flash regions.
 * 0 when the guest passes no device through (nothing is pinned): no Device=, VirtualFunction= or Mdev=. */
uint64_t guest_memlock_needed(const Guest *g);
/* The LimitMEMLOCK= vxm-generator writes for vxm-guest@NAME.service: guest RAM + 1 GiB (the headroom libvirt uses
 * too), 0 when the guest passes no device through. */
uint64_t guest_memlock_limit(const Guest *g);
