/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "host/pci-sysfs.h"

/* vxm gpus: what a device offers for sharing with guests (issue 11): its NUMA node, SR-IOV (VFs and which guest holds
 * each), mdev types with their free instances and descriptions; and the devices that are not GPUs but can be shared
 * (an SR-IOV NIC or NVMe controller, a virtual mdev parent). */

/* Text lines for one device, at vxm gpus' indentation. */
void gpus_print_sharing(const PciDevice *d);
/* JSON members for one device's object: ,"numa_node":N,"sriov":{...}|null,"mdev_types":[...] */
void gpus_json_sharing(const PciDevice *d);
/* After the GPUs: a text section, or the JSON member ,"shareable":[...]. */
void gpus_print_other_shareable(PciDevice *const *all, bool json);
