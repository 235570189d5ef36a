/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "host/pci-sysfs.h"

/* How long the kernel gets to move a device between drivers and make its /dev/vfio node. */
#define VFIO_WAIT_MS 5000

/* Whose devices the IOMMU group is checked against, and why (see pick_guests() in vxm-vfio.c). */
typedef enum VfioFor {
        VFIO_FOR_NOBODY, /* no guest lists the device: it must be alone in its group (bridges and idle devices aside) */
        VFIO_FOR_OPTION, /* --guest NAME */
        VFIO_FOR_JOB,    /* the guests that list it and whose start systemd has queued: the ones this bind is for */
        VFIO_FOR_EVERY,  /* nothing says which guest: each guest that lists it must take the whole group by itself */
} VfioFor;

/* One device being bound or unbound, with the guests whose configs list it. */
typedef struct VfioTarget {
        char bdf[PCI_ADDRESS_STRLEN];
        PciDevice *dev; /* NULL only for unbind of a device that is gone */
        char *label;    /* "0000:03:00.0 NVIDIA Corporation GA104 [GeForce RTX 3070]", for every message */
        Guest **guests; /* NULL-terminated: every guest that lists the device */
        size_t n_guests;
        /* bind: the guests it is bound for, borrowed from guests[]; each must take the whole IOMMU group with its own
         * devices, the rule of `vxm check NAME` (never the union of all guests' devices: a group one guest cannot
         * use whole would be taken from the host for nothing). */
        Guest **bound_for;
        size_t n_bound_for;
        VfioFor why;
} VfioTarget;

/* checks.c: each returns 0 when the check passes, or logs why not (with what to do) and returns -errno. */
int vfio_check_iommu(const VfioTarget *t);
int vfio_check_display(const VfioTarget *t);
int vfio_check_group(const VfioTarget *t);
int vfio_check_holders(const VfioTarget *t);
/* A VF held by a running guest through VirtualFunction= (host/vf-alloc.h) is bound for no guest but that one. */
int vfio_check_vf_hold(const VfioTarget *t);

/* bind.c */
int vfio_bind(VfioTarget *t);
int vfio_unbind(VfioTarget *t);
