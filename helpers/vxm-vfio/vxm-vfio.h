/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "host/pci-sysfs.h"

/* How long the kernel gets to move a device between drivers and make its /dev/vfio node. */
#define VFIO_WAIT_MS 5000

/* One device being bound or unbound, with the guests whose configs list it. */
typedef struct VfioTarget {
        char bdf[PCI_ADDRESS_STRLEN];
        PciDevice *dev; /* NULL only for unbind of a device that is gone */
        char *label;    /* "0000:03:00.0 NVIDIA Corporation GA104 [GeForce RTX 3070]", for every message */
        Guest **guests; /* NULL-terminated */
        size_t n_guests;
} VfioTarget;

/* checks.c: each returns 0 when the check passes, or logs why not (with what to do) and returns -errno. */
int vfio_check_iommu(const VfioTarget *t);
int vfio_check_display(const VfioTarget *t);
int vfio_check_group(const VfioTarget *t);
int vfio_check_holders(const VfioTarget *t);

/* bind.c */
int vfio_bind(VfioTarget *t);
int vfio_unbind(VfioTarget *t);
