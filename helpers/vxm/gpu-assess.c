/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "gpu-assess.h"
#include "host/vfio-check.h"

void gpu_done(Gpu *g) {
        pci_device_array_free(g->group);
        strv_free(g->take);
        strv_free(g->foreign);
        strv_free(g->codes);
        strv_free(g->why);
}

static void add_reason(Gpu *g, const char *code, char *why) {
        strv_push(&g->codes, code);
        strv_consume(&g->why, why);
}

static int read_numa_node(const PciDevice *d) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/numa_node", d->bdf), *text = NULL;
        long node;
        char *end;
        if (root_read_line(path, &text) < 0)
                return -1;
        errno = 0;
        node = strtol(text, &end, 10);
        return errno == 0 && end != text && *end == '\0' && node >= 0 && node < 1024 ? (int) node : -1;
}

int gpu_assess(Gpu *g, const PciDevice *d, bool iommu) {
        int r;

        *g = (Gpu){ .dev = d, .numa_node = read_numa_node(d) };
        strv_push(&g->take, d->bdf);
        if (!iommu)
                add_reason(g, "iommu-off",
                           xstrdup("the IOMMU is off: boot with intel_iommu=on iommu=pt (Intel) or amd_iommu=on "
                                   "iommu=pt (AMD)"));
        if (d->boot_vga == 1)
                add_reason(g, "boot-vga", xstrdup("it is the boot VGA device that shows the host's console"));

        unsigned left;
        r = vfio_host_displays_left(d, &left);
        if (r < 0)
                return r;
        if (left == 0)
                add_reason(g, "only-gpu",
                           xstrdup("the host would keep no GPU (vxm does not support single-GPU passthrough)"));

        if (d->iommu_group < 0) {
                if (iommu)
                        add_reason(g, "no-iommu-group",
                                   xstrdup("the IOMMU left it out of every IOMMU group (see journalctl -k -g DMAR "
                                           "-g AMD-Vi)"));
                return 0;
        }
        r = pci_iommu_group_members(d->iommu_group, &g->group);
        if (r < 0)
                return r;

        /* The guest takes every endpoint of the group (bridges stay with the host), also the idle ones. */
        for (size_t i = 0; g->group[i]; i++)
                if (strcmp(g->group[i]->bdf, d->bdf) != 0 && !pci_device_is_pci_bridge(g->group[i]))
                        strv_push(&g->take, g->group[i]->bdf);

        /* Other functions of the card (HDMI audio, USB-C) go along naturally; a device of another slot that the
         * host uses is what makes a group a problem. */
        _cleanup_pci_device_array_free_ PciDevice **busy = NULL;
        r = vfio_group_offenders(d, NULL, 0, &busy);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **described = NULL;
        for (size_t i = 0; busy[i]; i++)
                if (!pci_address_same_slot(&busy[i]->address, &d->address)) {
                        strv_push(&g->foreign, busy[i]->bdf);
                        strv_consume(&described, xasprintf("%s (%s)", busy[i]->bdf, busy[i]->driver));
                }
        if (described) {
                _cleanup_free_ char *list = xstrdup(described[0]);
                for (size_t i = 1; described[i]; i++) {
                        char *n = xasprintf("%s, %s", list, described[i]);
                        free(list);
                        list = n;
                }
                add_reason(g, "group-foreign",
                           xasprintf("IOMMU group %d also has %s, used by the host: they would have to go to the "
                                     "guest too",
                                     d->iommu_group, list));
        }
        return 0;
}

const PciDevice *gpu_member(const Gpu *g, const char *bdf) {
        if (strcmp(g->dev->bdf, bdf) == 0)
                return g->dev;
        for (size_t i = 0; g->group && g->group[i]; i++)
                if (strcmp(g->group[i]->bdf, bdf) == 0)
                        return g->group[i];
        return NULL;
}
