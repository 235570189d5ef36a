/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Human names for PCI IDs, the way lspci prints them: device names from udev's hardware database (fast: vxm-vfio
 * names devices on every bind and unbind), class names and, without a hwdb, device names from libpci (pci.ids). Only
 * the ID databases are used, never libpci's own device access: the IDs come from sysfs through root_*(), so names work
 * on a fake tree. The returned strings are owned by the caller. Unknown IDs read "Device 1234:1111", as in lspci. */

/* "NVIDIA Corporation GA104 [GeForce RTX 3070]" */
char *pci_name_device(uint16_t vendor, uint16_t device);
/* Whether libpci was asked for a name since pci_names_done(), i.e. pci.ids was parsed (tests). */
bool pci_names_read_pci_ids(void);
/* "VGA compatible controller" from the 24-bit class code (the base class and subclass are used). */
char *pci_name_class(uint32_t class_code);
/* Frees the libpci context (tests, ASan leak checks). */
void pci_names_done(void);
