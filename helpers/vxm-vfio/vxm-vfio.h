/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "host/pci-sysfs.h"

/* How long the kernel gets to move a device between drivers, and udev to set up a new /dev/vfio node. */
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
/* A VF held by a running guest through VirtualFunction= (host/vf-alloc.h) goes to no guest but that one. */
int vfio_check_vf_hold(const VfioTarget *t);

/* access.c: who gets /dev/vfio/GROUP. Resolved before any change, so a missing user refuses cleanly. */
typedef struct VfioAccess {
        bool change; /* false: no guest lists the device, the node stays as udev made it */
        uid_t uid;
        gid_t gid; /* (gid_t) -1: keep */
        mode_t mode;
        char *who; /* "user vxm" or "group vxm", for messages */
} VfioAccess;
int vfio_access_plan(const VfioTarget *t, VfioAccess *ret);
void vfio_access_done(VfioAccess *a);

/* bind.c */
int vfio_bind(VfioTarget *t);
int vfio_unbind(VfioTarget *t);
