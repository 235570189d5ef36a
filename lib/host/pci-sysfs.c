/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "basic/root-path.h"

static char *device_path(const char *bdf, const char *attr) {
        return attr ? xasprintf("/sys/bus/pci/devices/%s/%s", bdf, attr) : xasprintf("/sys/bus/pci/devices/%s", bdf);
}

static int read_hex_attr(const char *bdf, const char *attr, unsigned long max, unsigned long *ret) {
        _cleanup_free_ char *p = device_path(bdf, attr), *s = NULL;
        int r = root_read_line(p, &s);
        if (r < 0)
                return r;
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 16);
        if (errno != 0 || end == s || *end != '\0' || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int pci_device_get_driver(const char *bdf, char **ret) {
        _cleanup_free_ char *p = device_path(bdf, "driver");
        int r = root_readlink_basename(p, ret);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        return r;
}

static int read_override(const char *bdf, char **ret) {
        _cleanup_free_ char *p = device_path(bdf, "driver_override"), *s = NULL;
        int r = root_read_line(p, &s);
        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        /* The kernel prints a NULL override with "%s". */
        *ret = strcmp(s, "(null)") == 0 || !*s ? NULL : TAKE_PTR(s);
        return 0;
}

static int read_iommu_group(const char *bdf, int *ret) {
        _cleanup_free_ char *p = device_path(bdf, "iommu_group"), *g = NULL;
        int r = root_readlink_basename(p, &g);
        if (r == -ENOENT) {
                *ret = -1;
                return 0;
        }
        if (r < 0)
                return r;
        unsigned long v;
        if (parse_unsigned(g, 1U << 30, &v) < 0)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int pci_device_load(const PciAddress *a, PciDevice **ret) {
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(a, bdf);

        _cleanup_free_ char *dir = device_path(bdf, NULL);
        if (!root_exists(dir))
                return -ENODEV;

        _cleanup_pci_device_free_ PciDevice *d = xmalloc(sizeof *d);
        *d = (PciDevice){ .address = *a, .boot_vga = -1, .iommu_group = -1 };
        memcpy(d->bdf, bdf, sizeof bdf);

        unsigned long v;
        int r = read_hex_attr(bdf, "vendor", 0xffff, &v);
        if (r < 0)
                return r;
        d->vendor = (uint16_t) v;
        r = read_hex_attr(bdf, "device", 0xffff, &v);
        if (r < 0)
                return r;
        d->device = (uint16_t) v;
        r = read_hex_attr(bdf, "class", 0xffffff, &v);
        if (r < 0)
                return r;
        d->class_code = (uint32_t) v;
        if (read_hex_attr(bdf, "boot_vga", 1, &v) >= 0)
                d->boot_vga = (int) v;

        r = pci_device_get_driver(bdf, &d->driver);
        if (r < 0)
                return r;
        r = read_override(bdf, &d->driver_override);
        if (r < 0)
                return r;
        r = read_iommu_group(bdf, &d->iommu_group);
        if (r < 0)
                return r;
        d->name = pci_name_device(d->vendor, d->device);
        *ret = TAKE_PTR(d);
        return 0;
}

PciDevice *pci_device_free(PciDevice *d) {
        if (!d)
                return NULL;
        free(d->driver);
        free(d->driver_override);
        free(d->name);
        free(d);
        return NULL;
}

void pci_device_array_free(PciDevice **l) {
        for (size_t i = 0; l && l[i]; i++)
                pci_device_free(l[i]);
        free(l);
}

bool pci_device_is_idle(const PciDevice *d) {
        return !d->driver || strcmp(d->driver, "vfio-pci") == 0 || strcmp(d->driver, "pci-stub") == 0;
}

static int compare_devices(const void *a, const void *b) {
        const PciDevice *x = *(PciDevice *const *) a, *y = *(PciDevice *const *) b;
        return pci_address_compare(&x->address, &y->address);
}

/* Loads every entry of a directory of BDF-named entries. */
static int load_dir(const char *dir, PciDevice ***ret) {
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        if (!d)
                return -errno;

        PciDevice **l = NULL;
        size_t n = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                PciAddress a;
                if (de->d_name[0] == '.' || pci_address_parse(de->d_name, &a, NULL) < 0)
                        continue;
                PciDevice *dev;
                r = pci_device_load(&a, &dev);
                if (r == -ENODEV)
                        continue; /* hot-unplugged meanwhile */
                if (r < 0)
                        break;
                l = xrealloc(l, (n + 2) * sizeof *l);
                l[n++] = dev;
                l[n] = NULL;
        }
        if (r < 0) {
                pci_device_array_free(l);
                return r;
        }
        if (!l)
                l = xmalloc(sizeof *l);
        l[n] = NULL;
        qsort(l, n, sizeof *l, compare_devices);
        *ret = l;
        return 0;
}

int pci_device_list_all(PciDevice ***ret) {
        return load_dir("/sys/bus/pci/devices", ret);
}

int pci_iommu_group_members(int group, PciDevice ***ret) {
        _cleanup_free_ char *dir = xasprintf("/sys/kernel/iommu_groups/%d/devices", group);
        return load_dir(dir, ret);
}

bool pci_iommu_enabled(void) {
        _cleanup_closedir_ DIR *d = root_opendir("/sys/kernel/iommu_groups");
        if (!d)
                return false;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        return true;
        return false;
}

bool pci_driver_exists(const char *driver) {
        _cleanup_free_ char *p = xasprintf("/sys/bus/pci/drivers/%s", driver);
        return root_exists(p);
}

int pci_device_set_override(const char *bdf, const char *driver) {
        _cleanup_free_ char *p = device_path(bdf, "driver_override");
        /* A lone newline clears it; an empty write would be ignored by the kernel. */
        _cleanup_free_ char *v = xasprintf("%s\n", driver ? driver : "");
        return root_write_string(p, v);
}

int pci_device_unbind(const char *bdf, const char *driver) {
        _cleanup_free_ char *p = xasprintf("/sys/bus/pci/drivers/%s/unbind", driver);
        return root_write_string(p, bdf);
}

int pci_device_probe(const char *bdf) {
        return root_write_string("/sys/bus/pci/drivers_probe", bdf);
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

static bool driver_is(const char *bdf, const char *want) {
        _cleanup_free_ char *drv = NULL;
        if (pci_device_get_driver(bdf, &drv) < 0)
                return false;
        return want ? drv && strcmp(drv, want) == 0 : !drv;
}

int pci_device_wait_driver(const char *bdf, const char *want, unsigned timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;
        for (;;) {
                if (driver_is(bdf, want))
                        return 0;
                if (now_ms() >= end)
                        return -ETIMEDOUT;
                sleep_ms(20);
        }
}

int pci_wait_path(const char *path, bool exists, unsigned timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;
        for (;;) {
                if (root_exists(path) == exists)
                        return 0;
                if (now_ms() >= end)
                        return -ETIMEDOUT;
                sleep_ms(20);
        }
}
