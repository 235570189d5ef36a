/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* PCI devices, SR-IOV physical functions and mdev parents in a fake sysfs (fake-root.h), laid out like the kernel's
 * (devices in /sys/devices/pci0000:00, links from /sys/bus/pci/devices and /sys/class/mdev_bus), for the unit tests
 * of lib/host that read them. */

#include <stdio.h>

#include "fake-root.h"

/* fake_pci_device("0000:02:00.0", "0x010802", "0x1b36", "0x0010", "nvme" or NULL) */
static inline __attribute__((unused)) void fake_pci_device(const char *bdf, const char *class, const char *vendor,
                                                           const char *device, const char *driver) {
        char p[512], t[512];
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/class", bdf);
        fake_root_write(p, class);
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/vendor", bdf);
        fake_root_write(p, vendor);
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/device", bdf);
        fake_root_write(p, device);
        snprintf(p, sizeof p, "/sys/bus/pci/devices/%s", bdf);
        snprintf(t, sizeof t, "../../../devices/pci0000:00/%s", bdf);
        fake_root_symlink(t, p);
        if (driver) {
                snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/driver", bdf);
                snprintf(t, sizeof t, "../../../bus/pci/drivers/%s", driver);
                fake_root_symlink(t, p);
        }
}

/* An SR-IOV PF at pf (function 0 of its slot) with n VFs enabled at functions 1..n of the same slot. */
static inline __attribute__((unused)) void fake_sriov_pf(const char *pf, unsigned total, unsigned n,
                                                         const char *driver) {
        char p[512], t[512], v[32];
        fake_pci_device(pf, "0x010802", "0x1b36", "0x0010", driver);
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/sriov_totalvfs", pf);
        snprintf(v, sizeof v, "%u\n", total);
        fake_root_write(p, v);
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/sriov_numvfs", pf);
        snprintf(v, sizeof v, "%u\n", n);
        fake_root_write(p, v);
        snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/sriov_drivers_autoprobe", pf);
        fake_root_write(p, "1\n");
        for (unsigned i = 0; i < n; i++) {
                char vf[32];
                snprintf(vf, sizeof vf, "%.*s%u", (int) strlen(pf) - 1, pf, i + 1);
                fake_pci_device(vf, "0x010802", "0x1b36", "0x0010", NULL);
                snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/virtfn%u", pf, i);
                snprintf(t, sizeof t, "../%s", vf);
                fake_root_symlink(t, p);
                snprintf(p, sizeof p, "/sys/devices/pci0000:00/%s/physfn", vf);
                snprintf(t, sizeof t, "../%s", pf);
                fake_root_symlink(t, p);
        }
}

/* A type of an mdev parent whose device directory is dir (e.g. /sys/devices/virtual/mbochs/mbochs). */
static inline __attribute__((unused)) void fake_mdev_type(const char *dir, const char *type, unsigned available,
                                                          const char *description) {
        char p[512], v[32];
        snprintf(p, sizeof p, "%s/mdev_supported_types/%s/available_instances", dir, type);
        snprintf(v, sizeof v, "%u\n", available);
        fake_root_write(p, v);
        snprintf(p, sizeof p, "%s/mdev_supported_types/%s/device_api", dir, type);
        fake_root_write(p, "vfio-pci\n");
        snprintf(p, sizeof p, "%s/mdev_supported_types/%s/name", dir, type);
        fake_root_write(p, type);
        if (description) {
                snprintf(p, sizeof p, "%s/mdev_supported_types/%s/description", dir, type);
                fake_root_write(p, description);
        }
        snprintf(p, sizeof p, "%s/mdev_supported_types/%s/devices", dir, type);
        fake_root_mkdir(p);
}

/* Registers the device directory dir as mdev parent name in /sys/class/mdev_bus. */
static inline __attribute__((unused)) void fake_mdev_parent(const char *name, const char *dir, int numa_node) {
        char p[512], t[512], v[32];
        snprintf(p, sizeof p, "/sys/class/mdev_bus/%s", name);
        snprintf(t, sizeof t, "../../..%s", dir);
        fake_root_symlink(t, p);
        if (numa_node >= -1) {
                snprintf(p, sizeof p, "%s/numa_node", dir);
                snprintf(v, sizeof v, "%d\n", numa_node);
                fake_root_write(p, v);
        }
}

/* An mdev uuid of type on the parent at dir (named parent), in IOMMU group group. */
static inline __attribute__((unused)) void fake_mdev_device(const char *dir, const char *type, const char *uuid,
                                                            int group) {
        char p[512], t[512];
        snprintf(p, sizeof p, "%s/%s/mdev_type", dir, uuid);
        snprintf(t, sizeof t, "../mdev_supported_types/%s", type);
        fake_root_symlink(t, p);
        snprintf(p, sizeof p, "%s/%s/iommu_group", dir, uuid);
        snprintf(t, sizeof t, "../../../../../kernel/iommu_groups/%d", group);
        fake_root_symlink(t, p);
        snprintf(p, sizeof p, "/sys/bus/mdev/devices/%s", uuid);
        snprintf(t, sizeof t, "../../../..%s/%s", dir, uuid);
        fake_root_symlink(t, p);
        snprintf(p, sizeof p, "%s/mdev_supported_types/%s/devices/%s", dir, type, uuid);
        snprintf(t, sizeof t, "../../../%s", uuid);
        fake_root_symlink(t, p);
}
