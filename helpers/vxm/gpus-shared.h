/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "basic/json.h"
#include "host/pci-sysfs.h"

/* vxm gpus: what a device offers for sharing with guests (issue 11): its NUMA node, SR-IOV (VFs and which guest holds
 * each), mdev types with their free instances and descriptions; and the devices that are not GPUs but can be shared
 * (an SR-IOV NIC or NVMe controller, a virtual mdev parent). */

/* Text lines for one device, at vxm gpus' indentation (its NUMA node too if numa). */
void gpus_print_sharing(const PciDevice *d, bool numa);
/* Members of one GPU's JSON object: "sriov" ({...} or null) and "mdev_types" ([...]). */
void gpus_json_sharing(const PciDevice *d, JsonValue *o);
/* The devices that are not GPUs but can be shared: a text section after the GPUs, or a JSON array. */
void gpus_print_other_shareable(PciDevice *const *all);
JsonValue *gpus_json_other_shareable(PciDevice *const *all);
