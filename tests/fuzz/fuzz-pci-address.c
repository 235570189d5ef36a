/* SPDX-License-Identifier: BSD-3-Clause */
/* pci_address_parse() against a reference written here from the documented grammar only (config/pci-address.h:
 * "[domain:]bus:slot.function", hexadecimal, any case, 1 to 8 digits per field, domain <= ffff, bus <= ff,
 * slot <= 1f, function <= 7; nothing else, no blanks, signs or 0x). The reference tokenises first and then matches
 * the token sequence, unlike the library's field-by-field scanner, so one cannot share a mistake with the other.
 * Also: an accepted address formats to the canonical 12 characters and parses back to itself. */
#include <string.h>

#include "basic/macro.h"
#include "config/pci-address.h"
#include "fuzz.h"

typedef struct Token {
        char kind; /* 'h' hex run, ':' or '.' */
        unsigned long value;
        size_t digits;
} Token;

static int hexval(char c) {
        const char *digits = "0123456789abcdef", *DIGITS = "0123456789ABCDEF";
        const char *p = c ? strchr(digits, c) : NULL;
        if (p)
                return (int) (p - digits);
        p = c ? strchr(DIGITS, c) : NULL;
        return p ? (int) (p - DIGITS) : -1;
}

static bool reference_parse(const char *s, PciAddress *ret) {
        Token t[8];
        size_t n = 0;
        for (const char *p = s; *p;) {
                if (n == ELEMENTSOF(t))
                        return false;
                if (*p == ':' || *p == '.') {
                        t[n++] = (Token){ .kind = *p++ };
                        continue;
                }
                if (hexval(*p) < 0)
                        return false;
                Token h = { .kind = 'h' };
                for (; *p && hexval(*p) >= 0; p++) {
                        if (++h.digits > 8)
                                return false;
                        h.value = h.value * 16 + (unsigned long) hexval(*p);
                }
                t[n++] = h;
        }

        /* h:h.h or h:h:h.h */
        unsigned long f[4];
        size_t nf;
        if (n == 5 && t[0].kind == 'h' && t[1].kind == ':' && t[2].kind == 'h' && t[3].kind == '.' && t[4].kind == 'h')
                f[0] = 0, f[1] = t[0].value, f[2] = t[2].value, f[3] = t[4].value, nf = 3;
        else if (n == 7 && t[0].kind == 'h' && t[1].kind == ':' && t[2].kind == 'h' && t[3].kind == ':' &&
                 t[4].kind == 'h' && t[5].kind == '.' && t[6].kind == 'h')
                f[0] = t[0].value, f[1] = t[2].value, f[2] = t[4].value, f[3] = t[6].value, nf = 4;
        else
                return false;
        (void) nf;
        if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0x1f || f[3] > 7)
                return false;
        *ret = (PciAddress){ (uint16_t) f[0], (uint8_t) f[1], (uint8_t) f[2], (uint8_t) f[3] };
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 64)
                return 0; /* a longer string is never an address: nothing new to learn */
        _cleanup_free_ char *s = xstrndup((const char *) data, size);

        PciAddress a = {}, ref = {};
        const char *reason = NULL;
        bool ok = pci_address_parse(s, &a, &reason) == 0;
        bool ref_ok = reference_parse(s, &ref);
        fuzz_check(ok == ref_ok, "\"%s\": the parser says %s, the reference %s", s, ok ? "valid" : reason,
                   ref_ok ? "valid" : "invalid");
        if (!ok) {
                fuzz_check(reason && *reason, "\"%s\" refused without a reason", s);
                return 0;
        }
        fuzz_check(pci_address_equal(&a, &ref), "\"%s\": parsed %04x:%02x:%02x.%x, reference %04x:%02x:%02x.%x", s,
                   a.domain, a.bus, a.slot, a.function, ref.domain, ref.bus, ref.slot, ref.function);

        char buf[PCI_ADDRESS_STRLEN];
        pci_address_format(&a, buf);
        fuzz_check(strlen(buf) == 12 && strspn(buf, "0123456789abcdef:.") == 12, "\"%s\" formats to \"%s\"", s, buf);
        PciAddress back;
        fuzz_check(pci_address_parse(buf, &back, NULL) == 0 && pci_address_equal(&a, &back) &&
                           pci_address_compare(&a, &back) == 0,
                   "\"%s\" -> \"%s\" does not parse back to itself", s, buf);
        return 0;
}
