/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/pci-address.h"

/* Reads 1..maxdigits hex digits; no sign, no "0x", no whitespace (strtoul would accept all three). */
static int parse_hex_field(const char **p, unsigned maxdigits, unsigned long *ret) {
        unsigned long v = 0;
        unsigned n = 0;

        while (isxdigit((unsigned char) **p)) {
                if (++n > maxdigits)
                        return -ERANGE;
                char c = (char) tolower((unsigned char) **p);
                v = v * 16 + (unsigned long) (c <= '9' ? c - '0' : c - 'a' + 10);
                (*p)++;
        }
        if (n == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

int pci_address_parse(const char *s, PciAddress *ret, const char **reason) {
        unsigned long field[4];
        const char *p = s;
        unsigned nfields = 0;
        const char *why = NULL;

        if (!s || !*s) {
                why = "empty PCI address";
                goto fail;
        }

        /* Up to three colon-separated fields, the last one followed by '.' and the function. */
        for (;;) {
                if (nfields == 3) {
                        why = "too many ':'-separated fields (expected [domain:]bus:slot.function)";
                        goto fail;
                }
                if (parse_hex_field(&p, 8, &field[nfields]) < 0) {
                        why = "expected [domain:]bus:slot.function in hexadecimal, e.g. 0000:03:00.0";
                        goto fail;
                }
                nfields++;
                if (*p == ':') {
                        p++;
                        continue;
                }
                break;
        }
        if (nfields < 2 || *p != '.') {
                why = "expected [domain:]bus:slot.function in hexadecimal, e.g. 0000:03:00.0";
                goto fail;
        }
        p++;
        if (parse_hex_field(&p, 8, &field[nfields]) < 0) {
                why = "missing function number after '.'";
                goto fail;
        }
        if (*p != '\0') {
                why = "trailing characters after the function number";
                goto fail;
        }

        unsigned long domain = nfields == 3 ? field[0] : 0;
        unsigned long bus = field[nfields - 2], slot = field[nfields - 1], function = field[nfields];

        if (domain > 0xffff)
                why = "domain out of range (0-ffff)";
        else if (bus > 0xff)
                why = "bus out of range (0-ff)";
        else if (slot > 0x1f)
                why = "slot (device) out of range (0-1f)";
        else if (function > 7)
                why = "function out of range (0-7)";
        if (why)
                goto fail;

        *ret = (PciAddress){
                .domain = (uint16_t) domain,
                .bus = (uint8_t) bus,
                .slot = (uint8_t) slot,
                .function = (uint8_t) function,
        };
        return 0;

fail:
        if (reason)
                *reason = why;
        return -EINVAL;
}

char *pci_address_format(const PciAddress *a, char buf[static PCI_ADDRESS_STRLEN]) {
        snprintf(buf, PCI_ADDRESS_STRLEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
        return buf;
}

bool pci_address_equal(const PciAddress *a, const PciAddress *b) {
        return pci_address_compare(a, b) == 0;
}

bool pci_address_same_slot(const PciAddress *a, const PciAddress *b) {
        return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}

int pci_address_compare(const PciAddress *a, const PciAddress *b) {
        unsigned long x =
                (unsigned long) a->domain << 16 | (unsigned) a->bus << 8 | (unsigned) a->slot << 3 | a->function;
        unsigned long y =
                (unsigned long) b->domain << 16 | (unsigned) b->bus << 8 | (unsigned) b->slot << 3 | b->function;
        return x < y ? -1 : x > y;
}
