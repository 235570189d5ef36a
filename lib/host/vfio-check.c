/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "basic/macro.h"
#include "host/vfio-check.h"

static bool is_driver(const PciDevice *d, const char *driver) {
        return d->driver && strcmp(d->driver, driver) == 0;
}

int vfio_host_displays_left(const PciDevice *d, unsigned *ret) {
        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        int r = pci_device_list_all(&all);
        if (r < 0)
                return r;

        unsigned n = 0;
        for (size_t i = 0; all[i]; i++) {
                const PciDevice *o = all[i];
                if (!pci_device_is_display(o) || pci_address_equal(&o->address, &d->address))
                        continue;
                if (d->iommu_group >= 0 && o->iommu_group == d->iommu_group)
                        continue; /* goes with d */
                if (is_driver(o, "vfio-pci") || is_driver(o, "pci-stub"))
                        continue; /* another guest's */
                n++;
        }
        *ret = n;
        return 0;
}

int vfio_group_offenders(const PciDevice *d, const PciAddress *allowed, size_t n_allowed, PciDevice ***ret) {
        _cleanup_pci_device_array_free_ PciDevice **members = NULL;
        if (d->iommu_group < 0)
                return -ENOENT;
        int r = pci_iommu_group_members(d->iommu_group, &members);
        if (r < 0)
                return r;

        /* Moves the offenders from members into the result; the rest is freed with members. */
        size_t n = 0, k = 0;
        PciDevice **out = xmalloc(sizeof *out);
        for (size_t i = 0; members[i]; i++) {
                PciDevice *m = members[i];
                bool ok = pci_address_equal(&m->address, &d->address) || pci_device_is_pci_bridge(m) ||
                          pci_device_is_idle(m);
                for (size_t j = 0; !ok && j < n_allowed; j++)
                        ok = pci_address_equal(&m->address, &allowed[j]);
                if (ok)
                        members[k++] = m;
                else {
                        out = xrealloc(out, (n + 2) * sizeof *out);
                        out[n++] = m;
                }
        }
        members[k] = NULL;
        out[n] = NULL;
        *ret = out;
        return 0;
}

int vfio_guest_group_offenders(const PciDevice *d, const Guest *g, PciDevice ***ret) {
        _cleanup_free_ PciAddress *allowed = xmalloc((g->n_devices + 1) * sizeof *allowed);
        for (size_t i = 0; i < g->n_devices; i++)
                allowed[i] = g->devices[i].address;
        return vfio_group_offenders(d, allowed, g->n_devices, ret);
}
