/* SPDX-License-Identifier: BSD-3-Clause */
/* [PCI] VirtualFunction= and Mdev=: typed results, drop-ins, and every mistake refused with file:line, key and why
 * (issue 11). */
#include <syslog.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "config/config.h"
#include "fake-root.h"
#include "log-capture.h"
#include "tap.h"

static Guest *load(const char *name, const char *text) {
        char path[256];
        snprintf(path, sizeof path, "/etc/vxm/%s.conf", name);
        fake_root_write(path, text);
        Guest *g = NULL;
        if (guest_load(name, &g) < 0)
                return NULL;
        return g;
}

/* The file "[PCI]\n" + line must be refused with exactly "E: /etc/vxm/bad.conf:2: " + why. */
static void bad_line(const char *line, const char *why) {
        fake_root_new();
        _cleanup_free_ char *text = xasprintf("[PCI]\n%s\n", line);
        Guest *g = load("bad", text);
        tap_ok(!g, "refused: %s", line);
        guest_free(g);
        _cleanup_free_ char *want = xasprintf("E: /etc/vxm/bad.conf:2: %s", why);
        EXPECT_MESSAGES(line, want);
}

static void test_virtual_function(void) {
        fake_root_new();
        Guest *g = load("vf", "[PCI]\n"
                              "VirtualFunction=0:2.0,vfs=4\n"
                              "VirtualFunction=0000:00:02.0\n"
                              "VirtualFunction=3:0.0\n");
        EXPECT_NO_MESSAGES("VirtualFunction= lines");
        if (!tap_ok(g && g->n_vfs == 3, "three VirtualFunction= lines")) {
                guest_free(g);
                return;
        }
        char bdf[PCI_ADDRESS_STRLEN];
        tap_is_str(pci_address_format(&g->vfs[0].pf, bdf), "0000:00:02.0", "PF spelled 0:2.0 is normalised");
        tap_is_int(g->vfs[0].vfs, 4, "vfs=4");
        tap_is_int(g->vfs[1].vfs, 0, "no vfs= on the second line");
        tap_is_int(g->vfs[0].source.line, 2, "line of the first");
        tap_is_str(pci_address_format(&g->vfs[2].pf, bdf), "0000:03:00.0", "third PF");
        tap_is_int(guest_vfs_wanted(g, &g->vfs[1].pf, NULL), 4, "vfs wanted for 00:02.0 comes from the first line");
        tap_is_int(guest_vfs_wanted(g, &g->vfs[2].pf, NULL), 0, "no vfs wanted for 03:00.0");
        tap_ok(guest_shares_device(g, &g->vfs[2].pf), "guest shares 03:00.0");
        tap_ok(!guest_has_device(g, &g->vfs[2].pf), "but does not take it whole");
        guest_free(g);
}

static void test_mdev(void) {
        fake_root_new();
        Guest *g = load("m", "[PCI]\n"
                             "Mdev=auto,type=i915-GVTg_V5_4\n"
                             "Mdev=0:2.0,type=i915-GVTg_V5_8,uuid=F0E1D2C3-B4A5-4697-8879-6A5B4C3D2E1F\n"
                             "Mdev=mbochs,uuid=00000000-0000-0000-0000-000000000001,type=mbochs-medium\n");
        EXPECT_NO_MESSAGES("Mdev= lines");
        if (!tap_ok(g && g->n_mdevs == 3, "three Mdev= lines")) {
                guest_free(g);
                return;
        }
        tap_is_str(g->mdevs[0].parent, NULL, "auto: no parent");
        tap_is_str(g->mdevs[0].type, "i915-GVTg_V5_4", "type");
        tap_is_str(g->mdevs[0].uuid, NULL, "no uuid=: derived at start");
        tap_is_str(g->mdevs[1].parent, "0000:00:02.0", "a PCI parent is normalised");
        tap_is_str(g->mdevs[1].uuid, "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f", "uuid= in lowercase, as sysfs names it");
        tap_is_str(g->mdevs[2].parent, "mbochs", "a parent from /sys/class/mdev_bus by name");
        tap_is_int(g->mdevs[2].source.line, 4, "line of the third");
        PciAddress a = { .bus = 0, .slot = 2 };
        tap_ok(guest_shares_device(g, &a), "guest shares its PCI parent 00:02.0");
        guest_free(g);
}

static void test_dropins(void) {
        fake_root_new();
        fake_root_write("/usr/lib/vxm/d.conf", "[PCI]\nVirtualFunction=0:2.0,vfs=2\nMdev=auto,type=a\n");
        fake_root_write("/etc/vxm/d.conf.d/10-reset.conf", "[PCI]\nVirtualFunction=\nMdev=\nMdev=auto,type=b\n");
        Guest *g = NULL;
        int r = guest_load("d", &g);
        EXPECT_NO_MESSAGES("drop-in");
        if (tap_ok(r == 0 && g, "guest with a drop-in loads")) {
                tap_is_int((long long) g->n_vfs, 0, "VirtualFunction= (empty) in a drop-in clears the list");
                tap_ok(g->n_mdevs == 1 && strcmp(g->mdevs[0].type, "b") == 0, "Mdev= cleared, then one added");
                tap_is_str(g->mdevs[0].source.file, "/etc/vxm/d.conf.d/10-reset.conf", "its source is the drop-in");
        }
        guest_free(g);
}

static void test_bad_lines(void) {
        bad_line("VirtualFunction=zz",
                 "VirtualFunction=zz: expected [domain:]bus:slot.function in hexadecimal, e.g. 0000:03:00.0 (the "
                 "physical function's address)");
        bad_line("VirtualFunction=0:2.0,vfs=0", "VirtualFunction=: vfs=0: out of range (1 to 65535)");
        bad_line("VirtualFunction=0:2.0,vfs=two",
                 "VirtualFunction=: vfs=two: not a number (how many virtual functions to enable, e.g. vfs=2)");
        bad_line("VirtualFunction=0:2.0,vfs=70000", "VirtualFunction=: vfs=70000: out of range (1 to 65535)");
        bad_line("VirtualFunction=0:2.0,count=2", "VirtualFunction=: unknown option 'count' (known: vfs=)");
        bad_line("Mdev=auto", "Mdev=auto: type= is missing (the kind of mediated device, e.g. type=i915-GVTg_V5_4; "
                              "vxm gpus lists the types each parent offers)");
        bad_line("Mdev=auto,type=../../x", "Mdev=: type=../../x: not a type name (a directory of the parent's "
                                           "mdev_supported_types, e.g. i915-GVTg_V5_4; vxm gpus lists them)");
        bad_line("Mdev=auto,type=a,uuid=1234", "Mdev=: uuid=1234: not a UUID (expected 8-4-4-4-12 hex digits, e.g. "
                                               "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f)");
        bad_line("Mdev=auto,type=a,uuid=f0e1d2c3b4a5-4697-8879-6a5b4c3d2e1f-",
                 "Mdev=: uuid=f0e1d2c3b4a5-4697-8879-6a5b4c3d2e1f-: not a UUID (expected 8-4-4-4-12 hex digits, "
                 "e.g. f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f)");
        bad_line("Mdev=my/parent,type=a", "Mdev=my/parent,type=a: 'my/parent' is not a parent device: expected "
                                          "auto, a PCI address (e.g. 0000:00:02.0) or a name from /sys/class/mdev_bus");
        bad_line("Mdev=,type=a", "Mdev=,type=a: '' is not a parent device: expected auto, a PCI address (e.g. "
                                 "0000:00:02.0) or a name from /sys/class/mdev_bus");
        bad_line("Mdev=auto,type=a,display=on", "Mdev=: unknown option 'display' (known: type=, uuid=)");
}

static void test_combinations(void) {
        fake_root_new();
        Guest *g = load("c", "[PCI]\n"
                             "VirtualFunction=0:2.0,vfs=2\n"
                             "VirtualFunction=0:2.0,vfs=3\n");
        tap_ok(!g, "two lines for one PF with different vfs= are refused");
        guest_free(g);
        EXPECT_MESSAGES("different vfs=", "E: /etc/vxm/c.conf:3: VirtualFunction=0:2.0,vfs=3: vfs=3, but "
                                          "/etc/vxm/c.conf:2 asks for vfs=2 on the same physical function");

        fake_root_new();
        g = load("c", "[PCI]\n"
                      "Mdev=auto,type=a,uuid=00000000-0000-0000-0000-000000000001\n"
                      "Mdev=auto,type=b,uuid=00000000-0000-0000-0000-000000000001\n");
        tap_ok(!g, "one uuid= twice is refused");
        guest_free(g);
        EXPECT_MESSAGES("uuid twice",
                        "E: /etc/vxm/c.conf:3: Mdev=auto,type=b,uuid=00000000-0000-0000-0000-000000000001: "
                        "uuid=00000000-0000-0000-0000-000000000001 is already used at /etc/vxm/c.conf:2");

        /* The Device= line comes after: the error is still reported at the line that shares. */
        fake_root_new();
        g = load("c", "[PCI]\n"
                      "VirtualFunction=0000:00:02.0,vfs=2\n"
                      "Mdev=0:3.0,type=nvidia-63\n"
                      "Device=0:2.0\n"
                      "Device=0:3.0\n");
        tap_ok(!g, "sharing a device that Device= gives whole is refused");
        guest_free(g);
        EXPECT_MESSAGES("whole and shared",
                        "E: /etc/vxm/c.conf:2: VirtualFunction=0000:00:02.0: 0000:00:02.0 is given whole by Device= "
                        "at /etc/vxm/c.conf:4; a physical function shared through virtual functions stays with the "
                        "host. Remove one of the two lines.",
                        "E: /etc/vxm/c.conf:3: Mdev=0000:00:03.0: 0000:00:03.0 is given whole by Device= at "
                        "/etc/vxm/c.conf:5; the parent of mediated devices stays with the host. Remove one of the two "
                        "lines.");

        /* A VF given whole by Device= is just a device. */
        fake_root_new();
        g = load("c", "[PCI]\nDevice=0:2.1\nVirtualFunction=0:2.0\n");
        EXPECT_NO_MESSAGES("a VF with Device= next to VirtualFunction= of its PF");
        tap_ok(g != NULL, "a VF by Device= and a VirtualFunction= of its PF load");
        guest_free(g);
}

int main(void) {
        log_set_max_level(LOG_INFO);
        log_set_sink(sink, NULL);

        test_virtual_function();
        test_mdev();
        test_dropins();
        test_bad_lines();
        test_combinations();

        fake_root_clear();
        messages_clear();
        return tap_done();
}
