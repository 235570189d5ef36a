/* SPDX-License-Identifier: BSD-3-Clause */
/* Each Device= of a guest: it exists, it is not the host's boot display or the host's last GPU, and its IOMMU group
 * holds nothing the host still uses. The same rules vxm-vfio enforces (lib/host/vfio-check.c). */
#include "basic/macro.h"
#include "check.h"
#include "host/pci-names.h"
#include "host/vfio-check.h"

static void run_pci_device(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->n_devices == 0 && g->n_vfs + g->n_mdevs > 0) {
                check_ok(c, NULL, "no Device= in [PCI]: the guest takes only its VirtualFunction= and Mdev= devices");
                return;
        }
        if (g->n_devices == 0) {
                check_warn(c, NULL,
                           "add Device= lines to [PCI] to pass a GPU through, or VirtualFunction=/Mdev= to share one "
                           "(vxm gpus shows them)",
                           "no Device= in [PCI]: nothing to pass through");
                return;
        }
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->devices[i].address, bdf);
                _cleanup_pci_device_free_ PciDevice *d = NULL;
                if (pci_device_load(&g->devices[i].address, &d) < 0) {
                        _cleanup_free_ char *hint = xasprintf("fix Device= at %s:%u (lspci -D lists the addresses)",
                                                              g->devices[i].source.file, g->devices[i].source.line);
                        check_fail(c, bdf, hint, "no such PCI device");
                        continue;
                }
                _cleanup_free_ char *cls = pci_name_class(d->class_code);
                check_ok(c, bdf, "%s (%s), driver %s", d->name ? d->name : "", cls ? cls : "?",
                         d->driver ? d->driver : "none");
        }
}
const Check check_pci_device = { "pci-device", CHECK_GUEST, run_pci_device, "every Device= exists on the host" };

static void run_boot_vga(CheckContext *c) {
        if (!pci_device_is_display(c->dev))
                return;
        if (c->dev->boot_vga == 1)
                check_fail(c, c->dev->bdf,
                           "use the other GPU for the guest, or make this one secondary in the firmware setup "
                           "(primary display: the other card)",
                           "is the boot display of the host (boot_vga=1): it shows the host's console");
        else
                check_ok(c, c->dev->bdf, "not the boot display");
}
const Check check_boot_vga = { "boot-vga", CHECK_DEVICE, run_boot_vga, "a guest's GPU is not the host's boot display" };

static void run_host_gpu(CheckContext *c) {
        if (!pci_device_is_display(c->dev))
                return;
        unsigned left = 0;
        if (vfio_host_displays_left(c->dev, &left) < 0)
                check_fail(c, c->dev->bdf, NULL, "cannot list the display controllers in /sys/bus/pci/devices");
        else if (left == 0)
                check_fail(c, c->dev->bdf,
                           "vxm does not support single-GPU passthrough: the host needs a GPU of its own (an "
                           "integrated GPU counts: enable it in the firmware setup)",
                           "the host would have no display controller left");
        else
                check_ok(c, c->dev->bdf, "the host keeps %u display controller%s", left, left == 1 ? "" : "s");
}
const Check check_host_gpu = { "host-gpu", CHECK_DEVICE, run_host_gpu,
                               "the host keeps a display controller of its own" };

static void run_iommu_group(CheckContext *c) {
        const Guest *g = c->guest;
        const PciDevice *d = c->dev;
        if (d->iommu_group < 0) {
                check_fail(c, d->bdf,
                           "turn the IOMMU on (see the iommu finding), or check journalctl -k -g DMAR -g "
                           "AMD-Vi for why it left the device out",
                           "in no IOMMU group");
                return;
        }
        _cleanup_pci_device_array_free_ PciDevice **offenders = NULL;
        if (vfio_guest_group_offenders(d, g, &offenders) < 0) {
                check_fail(c, d->bdf, NULL, "cannot read IOMMU group %d", d->iommu_group);
                return;
        }
        if (!offenders[0]) {
                check_ok(c, d->bdf, "IOMMU group %d holds only devices this guest takes (and bridges)", d->iommu_group);
                return;
        }
        for (size_t i = 0; offenders[i]; i++) {
                _cleanup_free_ char *hint = xasprintf("add Device=%s to [PCI] in %s (a group goes to one guest "
                                                      "whole), or move the card to another slot",
                                                      offenders[i]->bdf, g->path);
                check_fail(c, d->bdf, hint, "IOMMU group %d also holds %s %s, on %s", d->iommu_group, offenders[i]->bdf,
                           offenders[i]->name ? offenders[i]->name : "",
                           offenders[i]->driver ? offenders[i]->driver : "no driver");
        }
}
const Check check_iommu_group = { "iommu-group", CHECK_DEVICE, run_iommu_group,
                                  "the IOMMU group holds nothing the host keeps (the group is viable)" };
