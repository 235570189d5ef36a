/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/host/pci-names.c: device names as lspci prints them, from udev's hardware database without parsing pci.ids
 * (vxm-vfio names the device on every bind and unbind; libpci's first lookup parses all of pci.ids). Class names
 * still come from libpci. Needs the hwdb of the machine (/usr/lib/udev/hwdb.bin, systemd's udev package). */
#include <unistd.h>

#include "basic/macro.h"
#include "host/pci-names.h"
#include "tap.h"

static void is_name(uint16_t vendor, uint16_t device, const char *want) {
        _cleanup_free_ char *name = pci_name_device(vendor, device);
        char what[96];
        snprintf(what, sizeof what, "%04x:%04x is \"%s\"", vendor, device, want);
        tap_is_str(name, want, what);
}

int main(void) {
        if (access("/usr/lib/udev/hwdb.bin", R_OK) < 0 && access("/etc/udev/hwdb.bin", R_OK) < 0) {
                printf("1..0 # SKIP no udev hardware database (hwdb.bin)\n");
                return 0;
        }

        /* The fake GPU's audio function in the test VM, and what the helper tests print for it. */
        is_name(0x8086, 0x293e, "Intel Corporation 82801I (ICH9 Family) HD Audio Controller");
        is_name(0x10de, 0x2484, "NVIDIA Corporation GA104 [GeForce RTX 3070]");
        /* A vendor the hwdb knows with a device it does not, and neither (the test VM's bochs VGA), as lspci. */
        is_name(0x8086, 0xfffe, "Intel Corporation Device fffe");
        is_name(0x1234, 0x1111, "Device 1234:1111");
        tap_ok(!pci_names_read_pci_ids(), "device names did not parse pci.ids");

        _cleanup_free_ char *cls = pci_name_class(0x030000);
        tap_is_str(cls, "VGA compatible controller", "class 0300 from pci.ids");
        tap_ok(pci_names_read_pci_ids(), "... which class names do read");

        pci_names_done();
        tap_ok(!pci_names_read_pci_ids(), "pci_names_done() forgets both");
        return tap_done();
}
