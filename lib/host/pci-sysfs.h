/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/pci-address.h"

/* PCI devices as the kernel shows them under /sys/bus/pci (through root_*(), so $VXM_ROOT can be a fake tree), and
 * the few writes that move a device between drivers. */

#define PCI_CLASS_BRIDGE_PCI 0x0604 /* base class + subclass */
#define PCI_VENDOR_NVIDIA 0x10de

typedef struct PciDevice {
        PciAddress address;
        char bdf[PCI_ADDRESS_STRLEN];
        uint16_t vendor, device;
        uint32_t class_code;   /* 24 bits: base class, subclass, prog-if */
        char *driver;          /* NULL: no driver bound */
        char *driver_override; /* NULL: unset */
        int boot_vga;          /* -1: no boot_vga attribute, else 0 or 1 */
        int iommu_group;       /* -1: not in an IOMMU group (IOMMU off) */
        char *name;            /* libpci: "NVIDIA Corporation GA104 [GeForce RTX 3070]" */
} PciDevice;

/* Reads one device. -ENODEV if there is no such device. */
int pci_device_load(const PciAddress *a, PciDevice **ret);
PciDevice *pci_device_free(PciDevice *d);
static inline void pci_device_freep(PciDevice **d) {
        pci_device_free(*d);
}
#define _cleanup_pci_device_free_ __attribute__((cleanup(pci_device_freep)))

/* An array of devices, NULL-terminated. */
void pci_device_array_free(PciDevice **l);
static inline void pci_device_array_freep(PciDevice ***l) {
        pci_device_array_free(*l);
}
#define _cleanup_pci_device_array_free_ __attribute__((cleanup(pci_device_array_freep)))

static inline bool pci_device_is_display(const PciDevice *d) {
        return (d->class_code >> 16) == 0x03;
}
static inline bool pci_device_is_pci_bridge(const PciDevice *d) {
        return (d->class_code >> 8) == PCI_CLASS_BRIDGE_PCI;
}
/* On no driver, or on one that does nothing with the device for the host (vfio-pci, pci-stub). */
bool pci_device_is_idle(const PciDevice *d);

/* Every device in /sys/bus/pci/devices, sorted by address. */
int pci_device_list_all(PciDevice ***ret);
/* The members of IOMMU group N, sorted by address. */
int pci_iommu_group_members(int group, PciDevice ***ret);
/* Whether /sys/kernel/iommu_groups has any group: the IOMMU is on and translating. */
bool pci_iommu_enabled(void);

/* The driver bound to the device now; *ret NULL when none. */
int pci_device_get_driver(const char *bdf, char **ret);
bool pci_driver_exists(const char *driver);

/* The writes of the rebind sequence. Each returns 0 or the kernel's -errno. */
int pci_device_set_override(const char *bdf, const char *driver); /* NULL or "" clears it */
int pci_device_unbind(const char *bdf, const char *driver);
int pci_device_probe(const char *bdf);

/* Polls (every 20 ms, at most timeout_ms) until the device's driver is want (NULL: no driver). 0 or -ETIMEDOUT. */
int pci_device_wait_driver(const char *bdf, const char *want, unsigned timeout_ms);
/* Polls until path exists (exists=true) or is gone. 0 or -ETIMEDOUT. */
int pci_wait_path(const char *path, bool exists, unsigned timeout_ms);
