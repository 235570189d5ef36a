/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What sysfs tells about a PCI function's address space and reset, for vxm check and for sizing the guest's 64-bit
 * PCI window: its BARs (sysfs "resource"), Resizable BAR (resourceN_resize), its reset methods (reset_method,
 * kernel 5.15+) and Function Level Reset from config space. All read through VXM_ROOT. */

#define PCI_ROM_BAR 6

typedef struct PciBar {
        unsigned index; /* 0..5, PCI_ROM_BAR for the expansion ROM */
        uint64_t start, size;
        bool io;       /* an I/O port BAR */
        bool mem64;    /* a 64-bit memory BAR */
        bool prefetch; /* prefetchable memory */
} PciBar;

/* The BARs of bdf that have a size, in index order. -ENOENT when the device has no resource file. */
int pci_device_bars(const char *bdf, PciBar **ret, size_t *ret_n);

/* Resizable BAR: the sizes BAR index supports as a mask (bit n: 1 MiB << n), from resourceN_resize (kernel 6.1+).
 * 0 when the BAR is not resizable or the kernel does not say. */
uint64_t pci_bar_resizable_sizes(const char *bdf, unsigned index);

/* The reset methods the kernel will try, in order ("flr", "bus", "device_specific", ...), from reset_method.
 * *ret is NULL when the list is empty (no reset). -ENOENT when the kernel has no reset_method (before 5.15). */
int pci_device_reset_methods(const char *bdf, char ***ret);
/* Whether the kernel can reset the function at all (the "reset" attribute exists). */
bool pci_device_can_reset(const char *bdf);
/* Function Level Reset in the PCIe or Advanced Features capability: 1 yes, 0 no, -ENODATA when the config space
 * read is too short to tell (only root reads past the first 64 bytes), other -errno on read errors. */
int pci_device_flr_capable(const char *bdf);
