/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>

#include "config/config.h"
#include "host/pci-sysfs.h"

/* The rules that decide whether a device can go to vfio-pci, shared by vxm-vfio (which enforces them) and vxm gpus
 * (which explains them), so both always agree. */

/* Display controllers the host keeps if d goes to a guest: outside d's IOMMU group, not on vfio-pci or pci-stub. */
int vfio_host_displays_left(const PciDevice *d, unsigned *ret);

/* Members of d's IOMMU group, other than d and PCI bridges, that a host driver uses and that are not in allowed[]
 * (the devices the guest takes too). An empty NULL-terminated array when the group is viable. */
int vfio_group_offenders(const PciDevice *d, const PciAddress *allowed, size_t n_allowed, PciDevice ***ret);
/* The same for one guest: the group must go with g's own devices, nobody else's. The rule of vxm check NAME and of
 * vxm-vfio bind for the guest being started. */
int vfio_guest_group_offenders(const PciDevice *d, const Guest *g, PciDevice ***ret);
