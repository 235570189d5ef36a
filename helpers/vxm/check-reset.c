/* SPDX-License-Identifier: BSD-3-Clause */
/* Can the kernel reset the device between guest runs? How it would (reset_method, kernel 5.15+), whether the function
 * has FLR, and the AMD GPUs whose resets are broken (the "AMD reset bug"): Polaris, Vega and Navi 1x need the
 * vendor-reset module, and since 5.15 also reset_method=device_specific, or the second start of the guest fails or
 * hangs the host. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "check.h"
#include "host/kmod.h"
#include "host/pci-resources.h"

#define PCI_VENDOR_AMD_ATI 0x1002

/* The discrete AMD GPUs vendor-reset handles (its device-db.h), by family. */
static const struct {
        const char *family;
        uint16_t ids[16];
} amd_reset_bug[] = {
        { "Polaris 10",
          { 0x67c0, 0x67c1, 0x67c2, 0x67c4, 0x67c7, 0x67c8, 0x67c9, 0x67ca, 0x67cc, 0x67cf, 0x67d0, 0x67df, 0x6fdf } },
        { "Polaris 11", { 0x67e0, 0x67e1, 0x67e3, 0x67e7, 0x67e8, 0x67e9, 0x67eb, 0x67ef, 0x67ff } },
        { "Polaris 12", { 0x6980, 0x6981, 0x6985, 0x6986, 0x6987, 0x6995, 0x6997, 0x699f } },
        { "Vega 10",
          { 0x6860, 0x6861, 0x6862, 0x6863, 0x6864, 0x6867, 0x6868, 0x6869, 0x686a, 0x686b, 0x686c, 0x686d, 0x686e,
            0x686f, 0x687f } },
        { "Vega 20", { 0x66a0, 0x66a1, 0x66a2, 0x66a3, 0x66a4, 0x66a7, 0x66af } },
        { "Navi 10", { 0x7310, 0x7312, 0x7318, 0x7319, 0x731a, 0x731b, 0x731e, 0x731f } },
        { "Navi 12", { 0x7360, 0x7362 } },
        { "Navi 14", { 0x7340, 0x7341, 0x7347, 0x734f } },
        { "Navi 23", { 0x73ff } },
};

static const char *amd_reset_bug_family(const PciDevice *d) {
        if (d->vendor != PCI_VENDOR_AMD_ATI)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(amd_reset_bug); i++)
                for (size_t j = 0; j < ELEMENTSOF(amd_reset_bug[i].ids) && amd_reset_bug[i].ids[j]; j++)
                        if (amd_reset_bug[i].ids[j] == d->device)
                                return amd_reset_bug[i].family;
        return NULL;
}

static char *join(char **l) {
        char *s = xstrdup("");
        for (size_t i = 0; l && l[i]; i++) {
                char *n = xasprintf("%s%s%s", s, i > 0 ? " " : "", l[i]);
                free(s);
                s = n;
        }
        return s;
}

static void run_vendor_reset(CheckContext *c, const char *family, char **methods, bool have_methods) {
        const PciDevice *d = c->dev;
        if (!kmod_loaded("vendor_reset")) {
                check_fail(c, d->bdf,
                           "install vendor-reset (github.com/gnif/vendor-reset, as DKMS), load it at boot "
                           "(echo vendor-reset > /etc/modules-load.d/vendor-reset.conf) and install its udev rule, "
                           "which sets reset_method to device_specific",
                           "an AMD %s GPU, which does not reset properly without the vendor-reset module: the "
                           "guest's second start (or a reboot inside it) fails or hangs the host",
                           family);
                return;
        }
        if (have_methods && !(methods && strcmp(methods[0], "device_specific") == 0)) {
                _cleanup_free_ char *now = join(methods);
                _cleanup_free_ char *hint = xasprintf("echo device_specific > /sys/bus/pci/devices/%s/reset_method "
                                                      "(vendor-reset's udev rule does it at boot)",
                                                      d->bdf);
                check_fail(c, d->bdf, hint,
                           "an AMD %s GPU: vendor-reset is loaded, but the kernel tries \"%s\" first, so vendor-reset "
                           "is never used (since 5.15 it needs reset_method=device_specific)",
                           family, *now ? now : "no reset");
                return;
        }
        check_ok(c, d->bdf, "an AMD %s GPU, reset by vendor-reset", family);
}

/* A function without a reset of its own is reset by QEMU with its whole bus (VFIO_DEVICE_PCI_HOT_RESET, a secondary
 * bus reset) when it sits behind a bridge and the guest owns every device on that bus: the usual case for a GPU's
 * audio function. Returns NULL when that works, else why not (malloc'd). */
static char *bus_reset_blocker(const CheckContext *c) {
        const PciDevice *d = c->dev;
        _cleanup_free_ char *link = xasprintf("/sys/bus/pci/devices/%s", d->bdf), *target = NULL;
        if (root_readlink(link, &target) < 0)
                return xstrdup("its place in sysfs cannot be read");
        char *slash = strrchr(target, '/');
        if (slash)
                *slash = '\0';
        const char *parent = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        if (strncmp(parent, "pci", 3) == 0)
                return xstrdup("it sits on a root bus, which has no bridge to reset it");

        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        if (pci_device_list_all(&all) < 0)
                return xstrdup("/sys/bus/pci/devices cannot be read");
        for (size_t i = 0; all[i]; i++)
                if (all[i]->address.domain == d->address.domain && all[i]->address.bus == d->address.bus &&
                    !guest_has_device(c->guest, &all[i]->address))
                        return xasprintf("a bus reset would also reset %s, which the guest does not take", all[i]->bdf);
        return NULL;
}

static void run_reset(CheckContext *c) {
        const PciDevice *d = c->dev;
        _cleanup_strv_free_ char **methods = NULL;
        int r = pci_device_reset_methods(d->bdf, &methods);
        bool have_methods = r >= 0;

        const char *family = amd_reset_bug_family(d);
        if (family) {
                run_vendor_reset(c, family, methods, have_methods);
                return;
        }

        int flr = pci_device_flr_capable(d->bdf);
        const char *flr_note = flr > 0 ? "FLR: yes" : flr == 0 ? "FLR: no" : "FLR: unknown (run as root)";
        if (have_methods && methods) {
                _cleanup_free_ char *list = join(methods);
                check_ok(c, d->bdf, "reset by %s (%s)", list, flr_note);
                return;
        }
        if (!have_methods && pci_device_can_reset(d->bdf)) {
                check_ok(c, d->bdf, "resettable (%s)", flr_note);
                return;
        }
        _cleanup_free_ char *blocker = bus_reset_blocker(c);
        if (!blocker)
                check_ok(c, d->bdf,
                         "no reset of its own (%s), but QEMU resets it with its bus: the guest takes every device on "
                         "it",
                         flr_note);
        else
                check_warn(c, d->bdf,
                           "give the guest every device on the bus, or expect to reboot the host when the guest "
                           "hangs at its second start (a firmware update of the card or the board sometimes adds a "
                           "reset)",
                           "the kernel has no way to reset it (%s) and %s: it keeps its state from one guest run to "
                           "the next",
                           flr_note, blocker);
}
const Check check_reset = { "reset", CHECK_DEVICE, run_reset,
                            "the device can be reset between guest runs (reset_method, FLR, vendor-reset)" };
