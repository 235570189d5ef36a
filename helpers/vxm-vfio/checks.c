/* SPDX-License-Identifier: BSD-3-Clause */
/* The checks vxm-vfio bind runs before it changes anything. Each refusal names the device, says what is wrong and
 * what to do about it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/pci-holders.h"
#include "host/vfio-check.h"
#include "host/vf-alloc.h"
#include "vxm-vfio.h"

int vfio_check_iommu(const VfioTarget *t) {
        if (!pci_iommu_enabled())
                return log_error_errno(ENODEV,
                                       "%s cannot be given to a guest: the IOMMU is off (/sys/kernel/iommu_groups is "
                                       "empty). Enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup and "
                                       "boot with intel_iommu=on iommu=pt (Intel) or amd_iommu=on iommu=pt (AMD) on "
                                       "the kernel command line.",
                                       t->label);
        if (t->dev->iommu_group < 0)
                return log_error_errno(ENODEV,
                                       "%s is in no IOMMU group although the IOMMU is on, so vfio-pci cannot isolate "
                                       "it. Check the kernel log (journalctl -k -g DMAR -g AMD-Vi) for why the "
                                       "IOMMU skipped it.",
                                       t->label);
        return 0;
}

int vfio_check_display(const VfioTarget *t) {
        if (!pci_device_is_display(t->dev))
                return 0;
        if (t->dev->boot_vga == 1)
                return log_error_errno(EBUSY,
                                       "%s is the boot VGA device (boot_vga=1): it drives the host's console. vxm "
                                       "gives a guest a second GPU and does not support single-GPU passthrough. "
                                       "Pass through the other GPU, or make this one secondary in the firmware "
                                       "setup (primary display: the other card).",
                                       t->label);

        unsigned left;
        int r = vfio_host_displays_left(t->dev, &left);
        if (r < 0)
                return log_error_errno(r, "Failed to list the display controllers in /sys/bus/pci/devices: %m");
        if (left == 0)
                return log_error_errno(EBUSY,
                                       "%s is the only display controller the host would keep, and vxm does not "
                                       "support single-GPU passthrough: the host needs a GPU of its own (an "
                                       "integrated GPU counts; enable it in the firmware setup).",
                                       t->label);
        return 0;
}

/* Logs the members of the group that keep it from going to guest g (or, g NULL, to nobody's guest) and what to add. */
static void log_offenders(const VfioTarget *t, const Guest *g, PciDevice **bad) {
        if (g)
                log_error("%s cannot go to vfio-pci for guest %s: IOMMU group %d also has devices that the host uses, "
                          "and a group only goes to a guest whole. Add each of them to the [PCI] section of %s:",
                          t->label, g->name, t->dev->iommu_group, g->path);
        else
                log_error("%s cannot go to vfio-pci: IOMMU group %d also has devices that the host uses, and a group "
                          "only goes to a guest whole. No guest lists %s; add it and each of these to the [PCI] "
                          "section of the guest's /etc/vxm/NAME.conf:",
                          t->label, t->dev->iommu_group, t->bdf);
        for (size_t i = 0; bad[i]; i++)
                log_error("  %s %s (driver %s): add Device=%s", bad[i]->bdf, bad[i]->name, bad[i]->driver, bad[i]->bdf);
}

/* The group must go whole with g's own devices (g NULL: with nothing but the device itself). */
static int check_group_for(const VfioTarget *t, const Guest *g) {
        _cleanup_pci_device_array_free_ PciDevice **bad = NULL;
        int r = g ? vfio_guest_group_offenders(t->dev, g, &bad) : vfio_group_offenders(t->dev, NULL, 0, &bad);
        if (r < 0)
                return log_error_errno(r, "Failed to read IOMMU group %d of %s: %m", t->dev->iommu_group, t->label);
        if (!bad[0])
                return 0;
        log_offenders(t, g, bad);
        return -EBUSY;
}

int vfio_check_group(const VfioTarget *t) {
        if (t->n_bound_for == 0)
                return check_group_for(t, NULL);

        int r = 0;
        for (size_t i = 0; i < t->n_bound_for; i++) {
                int k = check_group_for(t, t->bound_for[i]);
                if (k < 0 && r >= 0)
                        r = k;
        }
        if (r == -EBUSY && t->why == VFIO_FOR_EVERY && t->n_guests > 1)
                log_error("systemd is starting none of the guests that list %s, so each of them must be able to take "
                          "the whole group. To bind it for one guest: vxm-vfio bind --guest NAME %s",
                          t->label, t->bdf);
        return r;
}

int vfio_check_holders(const VfioTarget *t) {
        _cleanup_strv_free_ char **nodes = NULL;
        PciHolder *holders = NULL;
        size_t n = 0;

        pci_device_holder_nodes(t->dev, &nodes);
        proc_find_holders(nodes, &holders, &n, NULL);
        if (n == 0)
                return 0;

        log_error("%s is in use on the host, and unbinding %s now would hang until it is let go. Close these "
                  "programs (for a GPU: log out of the desktop session that runs on it), then try again:",
                  t->label, t->dev->driver ?: "its driver");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *s = pci_holder_describe(&holders[i]);
                log_error("  %s", s);
        }
        pci_holders_free(holders, n);
        return -EBUSY;
}

int vfio_check_vf_hold(const VfioTarget *t) {
        VfHold h;
        if (vf_hold_read(t->bdf, &h) < 0)
                return 0;
        /* Bound for the holder itself (vxm-vf, or a Device= line of the holder): its own VF. */
        bool listed = false;
        for (size_t i = 0; i < t->n_bound_for; i++)
                listed = listed || strcmp(t->bound_for[i]->name, h.owner) == 0;
        int r = 0;
        if (!listed && vf_owner_alive_systemd(&h, NULL) != 0)
                r = log_error_errno(EBUSY,
                                    "%s is the virtual function that guest %s took for its VirtualFunction= line %u "
                                    "(/run/vxm/.state/vf/%s): it goes to no other guest until %s stops.",
                                    t->label, h.owner, h.index + 1, t->bdf, h.owner);
        vf_hold_done(&h);
        return r;
}
