/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "config/config.h"

/* The guest's 64-bit PCI MMIO window. OVMF maps 64-bit BARs into a window above the guest's RAM that is 32 GiB unless
 * QEMU tells it otherwise through fw_cfg (opt/ovmf/X-PciMmio64Mb). A GPU with Resizable BAR on (or a big compute
 * card) has a BAR that alone fills that window; OVMF then leaves the BAR unassigned and the guest driver fails to
 * start the card (Windows: Code 12 or 43). The window is sized here from the BARs the host shows for the guest's
 * devices (sysfs resource; vfio-pci gives the guest the BAR sizes the host has) plus the Looking Glass ivshmem BAR. */

#define OVMF_MMIO64_DEFAULT (32ULL << 30)
/* Room for the 64-bit BARs of the emulated devices (virtio, ivshmem's register BAR) and bridge window alignment. */
#define MMIO64_SLACK (512ULL << 20)

typedef struct MmioWindow {
        uint64_t bars;    /* the 64-bit BARs, each aligned to its size */
        uint64_t total;   /* bars plus MMIO64_SLACK */
        uint64_t largest; /* the largest 64-bit BAR */
        char largest_bdf[16];
        unsigned largest_index;
        uint64_t window;  /* the window they need: a power of two, at least OVMF_MMIO64_DEFAULT */
        uint64_t ovmf_mb; /* X-PciMmio64Mb to pass, in MiB; 0 when OVMF's default window suffices */
} MmioWindow;

/* Devices missing on the host are left out (vxm check reports them); never fails. */
void mmio_window_plan(const Guest *g, MmioWindow *ret);
/* The same with more devices that the guest gets, known only at start: the virtual functions it holds (extra[i] a
 * BDF, or NULL for a line that holds none yet). */
void mmio_window_plan_with(const Guest *g, char *const *extra, size_t n_extra, MmioWindow *ret);
