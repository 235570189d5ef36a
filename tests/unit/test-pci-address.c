/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "config/pci-address.h"
#include "tap.h"

static void test_accept(const char *in, const char *normalised) {
        PciAddress a = {};
        const char *why = NULL;
        char buf[PCI_ADDRESS_STRLEN];

        int r = pci_address_parse(in, &a, &why);
        if (!tap_ok(r == 0, "accepts \"%s\"", in)) {
                tap_diag("  refused: %s", why ? why : "(no reason)");
                return;
        }
        char what[128];
        snprintf(what, sizeof what, "\"%s\" normalises to %s", in, normalised);
        tap_is_str(pci_address_format(&a, buf), normalised, what);
}

static void test_refuse(const char *in, const char *reason_part) {
        PciAddress a = { .domain = 0x1234, .bus = 0x56, .slot = 0x7, .function = 1 };
        const char *why = NULL;

        int r = pci_address_parse(in, &a, &why);
        tap_ok(r == -EINVAL, "refuses \"%s\"", in);
        tap_ok(why && strstr(why, reason_part), "  ... because %s (got: %s)", reason_part, why ? why : "(null)");
        tap_ok(a.domain == 0x1234 && a.bus == 0x56 && a.slot == 7 && a.function == 1, "  ... and leaves *ret alone");
}

static PciAddress addr(const char *s) {
        PciAddress a = {};
        if (pci_address_parse(s, &a, NULL) < 0)
                tap_ok(false, "helper: cannot parse %s", s);
        return a;
}

int main(void) {
        test_accept("3:00.0", "0000:03:00.0");
        test_accept("0000:03:00.0", "0000:03:00.0");
        test_accept("03:00.0", "0000:03:00.0");
        test_accept("3:0.0", "0000:03:00.0");
        test_accept("0000:0A:1F.7", "0000:0a:1f.7");
        test_accept("0000:0a:1f.7", "0000:0a:1f.7");
        test_accept("ffff:ff:1f.7", "ffff:ff:1f.7");
        test_accept("FFFF:FF:1F.7", "ffff:ff:1f.7");
        test_accept("1:2:3.4", "0001:02:03.4");
        test_accept("0:0.0", "0000:00:00.0");

        test_refuse("0000:100:00.0", "bus out of range");
        test_refuse("100:00.0", "bus out of range");
        test_refuse("0000:03:20.0", "slot (device) out of range");
        test_refuse("0000:03:00.8", "function out of range");
        test_refuse("10000:03:00.0", "domain out of range");
        test_refuse("0000:03:00.0x", "trailing characters");
        test_refuse("0000:03:00.0 ", "trailing characters");
        test_refuse("0000:03:00.0\n", "trailing characters");
        test_refuse("", "empty");
        test_refuse(" 0000:03:00.0", "expected [domain:]bus:slot.function");
        test_refuse("0000: 03:00.0", "expected [domain:]bus:slot.function");
        test_refuse("0000:03:00 .0", "expected [domain:]bus:slot.function");
        test_refuse("+3:00.0", "expected [domain:]bus:slot.function");
        test_refuse("3:+0.0", "expected [domain:]bus:slot.function");
        test_refuse("3:00.+0", "missing function");
        test_refuse("-3:00.0", "expected [domain:]bus:slot.function");
        test_refuse("0x03:00.0", "expected [domain:]bus:slot.function");
        test_refuse("0000:03:00", "expected [domain:]bus:slot.function");
        test_refuse("0000:03:00.", "missing function");
        test_refuse("03.0", "expected [domain:]bus:slot.function");
        test_refuse("0000:0000:03:00.0", "too many");
        test_refuse("0:0:0:0:0.0", "too many");
        test_refuse("0000:03:00.0.1", "trailing characters");
        test_refuse("g:00.0", "expected [domain:]bus:slot.function");
        test_refuse("000000000:03:00.0", "expected [domain:]bus:slot.function"); /* 9 digits */
        test_refuse("ffffffff:03:00.0", "domain out of range");

        /* NULL reason pointer is allowed. */
        PciAddress a;
        tap_ok(pci_address_parse("zz", &a, NULL) == -EINVAL, "refuses with a NULL reason pointer");

        /* Formatting is fixed-width lowercase. */
        char buf[PCI_ADDRESS_STRLEN];
        PciAddress m = { .domain = 0xabcd, .bus = 0xef, .slot = 0x1f, .function = 7 };
        tap_is_str(pci_address_format(&m, buf), "abcd:ef:1f.7", "format of the largest-looking address");
        tap_ok(strlen(buf) == 12 && strlen(buf) < PCI_ADDRESS_STRLEN,
               "formatted address is 12 characters and fits PCI_ADDRESS_STRLEN");

        /* Ordering: domain, then bus, then slot, then function. */
        PciAddress x = addr("0000:03:00.0"), y = addr("0000:03:00.1"), z = addr("0000:03:01.0"),
                   w = addr("0000:04:00.0"), v = addr("0001:00:00.0"), x2 = addr("3:0.0");
        tap_is_int(pci_address_compare(&x, &x2), 0, "compare equal spellings = 0");
        tap_ok(pci_address_equal(&x, &x2), "3:0.0 equals 0000:03:00.0");
        tap_ok(!pci_address_equal(&x, &y), "functions differ -> not equal");
        tap_is_int(pci_address_compare(&x, &y), -1, "function orders");
        tap_is_int(pci_address_compare(&y, &x), 1, "function orders (reverse)");
        tap_is_int(pci_address_compare(&y, &z), -1, "slot beats function");
        tap_is_int(pci_address_compare(&z, &w), -1, "bus beats slot");
        tap_is_int(pci_address_compare(&w, &v), -1, "domain beats bus");
        PciAddress big_fn = addr("0000:03:00.7"), next_slot = addr("0000:03:01.0");
        tap_is_int(pci_address_compare(&big_fn, &next_slot), -1, "function 7 sorts before the next slot");
        PciAddress big_slot = addr("0000:03:1f.7"), next_bus = addr("0000:04:00.0");
        tap_is_int(pci_address_compare(&big_slot, &next_bus), -1, "slot 1f.7 sorts before the next bus");

        tap_ok(pci_address_same_slot(&x, &y), "03:00.0 and 03:00.1 share a slot");
        tap_ok(!pci_address_same_slot(&x, &z), "03:00.0 and 03:01.0 do not");
        tap_ok(!pci_address_same_slot(&x, &w), "03:00.0 and 04:00.0 do not");
        PciAddress other_domain = addr("0001:03:00.1");
        tap_ok(!pci_address_same_slot(&x, &other_domain), "same bus/slot in another domain does not");

        return tap_done();
}
