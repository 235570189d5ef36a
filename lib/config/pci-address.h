/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "dddd:bb:ss.f" plus NUL */
#define PCI_ADDRESS_STRLEN 16

typedef struct PciAddress {
        uint16_t domain;
        uint8_t bus;
        uint8_t slot;
        uint8_t function;
} PciAddress;

/* Accepts D:B:S.F with or without the domain, any hex case, leading zeros optional, 1 to 8 digits per field.
 * Returns 0, or -EINVAL with *reason set to a static explanation. */
int pci_address_parse(const char *s, PciAddress *ret, const char **reason);

/* Writes the normalised lowercase form "dddd:bb:ss.f" into buf. Returns buf. */
char *pci_address_format(const PciAddress *a, char buf[static PCI_ADDRESS_STRLEN]);

bool pci_address_equal(const PciAddress *a, const PciAddress *b);
bool pci_address_same_slot(const PciAddress *a, const PciAddress *b);
int pci_address_compare(const PciAddress *a, const PciAddress *b);
