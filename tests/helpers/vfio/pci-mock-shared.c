/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake kernel's SR-IOV and mediated-device parts (see pci-mock.c for the shim), acting like drivers/pci/iov.c and
 * drivers/vfio/mdev/ do in Linux 6.1. Links it makes point to absolute paths in the fake root.
 *
 *   PF/sriov_numvfs   N > sriov_totalvfs: ERANGE; N == current: nothing; no PF driver: ENOENT; N > 0 while VFs are
 *                     enabled: EBUSY; 0 removes the VFs (EBUSY here where the kernel would block: a VF on vfio-pci);
 *                     N adds the first N VFs of PF/.mock-vfs ("BDF GROUP" lines): device directories with the PF's
 *                     IDs, physfn/virtfnN links and an IOMMU group each; PF/.mock-vf-driver is their native driver,
 *                     which binds them at once when sriov_drivers_autoprobe is 1.
 *   TYPE/create       UUID: EEXIST if it exists, EUSERS when available_instances is 0; else the mdev appears in
 *                     PARENT/UUID with mdev_type and iommu_group links (groups counted from PARENT/.mock-next-group,
 *                     default 100), in /sys/bus/mdev/devices and TYPE/devices, /dev/vfio/GROUP appears and
 *                     available_instances goes down. TYPE/.mock-fail-create: EIO. TYPE/.mock-create-nothing: the
 *                     write succeeds but no device appears.
 *   UUID/remove       1: the reverse. UUID/.mock-busy-ms: the write first blocks that long (QEMU holding it open).
 */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "pci-mock.h"

static unsigned read_uint(const char *dir, const char *file, unsigned dflt) {
        char p[PATH_MAX], v[64];
        snprintf(p, sizeof p, "%s/%s", dir, file);
        return read_small(p, v, sizeof v) < 0 ? dflt : (unsigned) strtoul(v, NULL, 0);
}

static void write_uint(const char *dir, const char *file, unsigned v) {
        char p[PATH_MAX], s[32];
        snprintf(p, sizeof p, "%s/%s", dir, file);
        snprintf(s, sizeof s, "%u\n", v);
        (void) write_small(p, s);
}

static char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path(const char *fmt, ...) {
        char *out;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&out, fmt, ap) < 0)
                abort();
        va_end(ap);
        return out;
}

static void link_to(const char *target, char *link) {
        if (symlink(target, link) < 0)
                mock_log("symlink %s -> %s failed: %s", link, target, strerror(errno));
        free(link);
}

static void unlink_free(char *p) {
        (void) unlink(p);
        free(p);
}

static void rm_rf(const char *dir) {
        char *cmd = path("rm -rf '%s'", dir);
        if (system(cmd) != 0)
                mock_log("%s failed", cmd);
        free(cmd);
}

/* As root, a real character device (VFIO's dynamic major is often 243; nothing opens it for real), so that what is
 * done to the node (vxm-guest devices-up lends it by an ACL) is done as on the real one; else a regular file. */
void mock_vfio_node(int group, bool present) {
        char *dir = rootp("/dev/vfio"), *node = rootp("/dev/vfio/%d", group);
        if (present) {
                mkdir(dir, 0755);
                if (geteuid() != 0 || mknod(node, S_IFCHR | 0600, makedev(243, (unsigned) group)) < 0) {
                        int fd = real_open(node, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                        if (fd >= 0)
                                real_close(fd);
                }
                chmod(node, 0600); /* whatever the umask: 70-vxm.rules makes it root's, 0600 */
                mock_log("create /dev/vfio/%d", group);
        } else if (unlink(node) == 0)
                mock_log("remove /dev/vfio/%d", group);
        free(dir);
        free(node);
}

/* Joins device dir (named name) to IOMMU group g. */
static void group_join(const char *dir, const char *name, int g) {
        char *devs = rootp("/sys/kernel/iommu_groups/%d/devices", g);
        char *cmd = path("mkdir -p '%s'", devs);
        if (system(cmd) != 0)
                mock_log("%s failed", cmd);
        free(cmd);
        link_to(dir, path("%s/%s", devs, name));
        free(devs);
        char *group = rootp("/sys/kernel/iommu_groups/%d", g);
        link_to(group, path("%s/iommu_group", dir));
        free(group);
}

static void group_leave(const char *name, int g) {
        unlink_free(rootp("/sys/kernel/iommu_groups/%d/devices/%s", g, name));
        char *devs = rootp("/sys/kernel/iommu_groups/%d/devices", g), *group = rootp("/sys/kernel/iommu_groups/%d", g);
        rmdir(devs);
        rmdir(group);
        free(devs);
        free(group);
}

static int group_of(const char *dir) {
        char link[PATH_MAX], target[PATH_MAX];
        snprintf(link, sizeof link, "%s/iommu_group", dir);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
                return -1;
        target[n] = '\0';
        return atoi(basename(target));
}

/* --- SR-IOV --- */

static void vf_add(const char *pfdir, unsigned index, const char *vf, int group, bool autoprobe) {
        char *dir = rootp("/sys/devices/pci0000:00/%s", vf), v[256];
        mkdir(dir, 0755);
        for (const char *const *a = (const char *const[]){ "class", "vendor", "device", NULL }; *a; a++) {
                char *from = path("%s/%s", pfdir, *a), *to = path("%s/%s", dir, *a);
                if (read_small(from, v, sizeof v) >= 0) {
                        strcat(v, "\n");
                        (void) write_small(to, v);
                }
                free(from);
                free(to);
        }
        char *p = path("%s/driver_override", dir);
        (void) write_small(p, "(null)\n");
        free(p);
        link_to(dir, rootp("/sys/bus/pci/devices/%s", vf));
        link_to(pfdir, path("%s/physfn", dir));
        link_to(dir, path("%s/virtfn%u", pfdir, index));
        group_join(dir, vf, group);

        char *native = path("%s/.mock-vf-driver", pfdir);
        if (read_small(native, v, sizeof v) >= 0 && *v) {
                char *mine = path("%s/.mock-driver", dir);
                (void) write_small(mine, v);
                free(mine);
                if (autoprobe)
                        (void) do_bind(vf, dir, v);
        }
        free(native);
        mock_log("add VF %s", vf);
        free(dir);
}

static void vf_remove(const char *pfdir, unsigned index) {
        char *link = path("%s/virtfn%u", pfdir, index), *dir = realpath(link, NULL), drv[256];
        if (dir) {
                const char *vf = basename(dir);
                current_driver(dir, drv, sizeof drv);
                if (*drv) {
                        unlink_free(rootp("/sys/bus/pci/drivers/%s/%s", drv, vf));
                        unlink_free(path("%s/driver", dir));
                }
                int g = group_of(dir);
                if (g >= 0)
                        group_leave(vf, g);
                unlink_free(rootp("/sys/bus/pci/devices/%s", vf));
                mock_log("remove VF %s", vf);
                rm_rf(dir);
                free(dir);
        }
        unlink_free(link);
}

static int sriov_numvfs(const char *pfdir, const char *value) {
        char *end;
        unsigned long n = strtoul(value, &end, 0);
        if (end == value || *end || n > 65535)
                return -EINVAL;
        unsigned total = read_uint(pfdir, "sriov_totalvfs", 0), cur = read_uint(pfdir, "sriov_numvfs", 0);
        char drv[256];
        if (n > total)
                return -ERANGE;
        if (n == cur)
                return 0;
        current_driver(pfdir, drv, sizeof drv);
        if (!*drv)
                return -ENOENT;
        if (n > 0 && cur > 0)
                return -EBUSY;

        if (n == 0) {
                for (unsigned i = 0; i < cur; i++) {
                        char *link = path("%s/virtfn%u", pfdir, i), *dir = realpath(link, NULL);
                        free(link);
                        if (dir) {
                                current_driver(dir, drv, sizeof drv);
                                free(dir);
                                if (strcmp(drv, "vfio-pci") == 0) {
                                        mock_log("sriov_numvfs=0 would block: a VF is on vfio-pci");
                                        return -EBUSY;
                                }
                        }
                }
                for (unsigned i = 0; i < cur; i++)
                        vf_remove(pfdir, i);
                write_uint(pfdir, "sriov_numvfs", 0);
                mock_log("sriov_numvfs %s 0", basename((char *) pfdir));
                return 0;
        }

        bool autoprobe = read_uint(pfdir, "sriov_drivers_autoprobe", 1) != 0;
        char *list = path("%s/.mock-vfs", pfdir);
        FILE *f = fopen(list, "re");
        free(list);
        unsigned k = 0;
        char vf[64];
        int group;
        while (f && k < n && fscanf(f, "%63s %d", vf, &group) == 2)
                vf_add(pfdir, k++, vf, group, autoprobe);
        if (f)
                fclose(f);
        write_uint(pfdir, "sriov_numvfs", k);
        mock_log("sriov_numvfs %s %u", basename((char *) pfdir), k);
        return 0;
}

/* --- mdev --- */

static int mdev_create(const char *typedir, const char *uuid) {
        if (strlen(uuid) != 36)
                return -EINVAL;
        char *parent = path("%s", typedir);
        *strrchr(parent, '/') = '\0'; /* .../mdev_supported_types */
        *strrchr(parent, '/') = '\0'; /* the parent's directory */
        char *bus = rootp("/sys/bus/mdev/devices/%s", uuid), *fail = path("%s/.mock-fail-create", typedir),
             *nothing = path("%s/.mock-create-nothing", typedir);
        int r = 0;
        unsigned avail = read_uint(typedir, "available_instances", 0);
        if (file_exists(bus))
                r = -EEXIST;
        else if (file_exists(fail))
                r = -EIO;
        else if (avail == 0)
                r = -EUSERS;
        else if (file_exists(nothing))
                mock_log("create %s: accepted, made nothing", uuid);
        else {
                char *dir = path("%s/%s", parent, uuid), *cmd = rootp("/sys/bus/mdev/devices");
                mkdir(dir, 0755);
                char *mk = path("mkdir -p '%s' '%s/devices'", cmd, typedir);
                if (system(mk) != 0)
                        mock_log("%s failed", mk);
                free(mk);
                free(cmd);
                char *remove = path("%s/remove", dir);
                (void) write_small(remove, "");
                free(remove);
                link_to(typedir, path("%s/mdev_type", dir));
                int g = (int) read_uint(parent, ".mock-next-group", 100);
                write_uint(parent, ".mock-next-group", (unsigned) g + 1);
                group_join(dir, uuid, g);
                link_to(dir, path("%s", bus));
                link_to(dir, path("%s/devices/%s", typedir, uuid));
                write_uint(typedir, "available_instances", avail - 1);
                mock_vfio_node(g, true);
                mock_log("create mdev %s type %s group %d", uuid, basename((char *) typedir), g);
                free(dir);
        }
        free(parent);
        free(bus);
        free(fail);
        free(nothing);
        return r;
}

static int mdev_remove(const char *dir, const char *value) {
        if (strcmp(value, "1") != 0)
                return -EINVAL;
        char *typelink = path("%s/mdev_type", dir), *typedir = realpath(typelink, NULL);
        free(typelink);
        if (!typedir)
                return -ENODEV;
        unsigned busy = read_uint(dir, ".mock-busy-ms", 0);
        if (busy > 0) {
                mock_log("remove %s: held open for %u ms", basename((char *) dir), busy);
                struct timespec ts = { .tv_sec = busy / 1000, .tv_nsec = (long) (busy % 1000) * 1000000 };
                nanosleep(&ts, NULL);
        }
        char *uuid = strdup(basename((char *) dir));
        int g = group_of(dir);
        if (g >= 0) {
                group_leave(uuid, g);
                mock_vfio_node(g, false);
        }
        unlink_free(rootp("/sys/bus/mdev/devices/%s", uuid));
        unlink_free(path("%s/devices/%s", typedir, uuid));
        write_uint(typedir, "available_instances", read_uint(typedir, "available_instances", 0) + 1);
        mock_log("remove mdev %s", uuid);
        rm_rf(dir);
        free(uuid);
        free(typedir);
        return 0;
}

int mock_shared_write(const char *rel, const char *dir, const char *file, const char *value) {
        if (strcmp(file, "sriov_numvfs") == 0)
                return sriov_numvfs(dir, value);
        if (strcmp(file, "create") == 0 && strstr(rel, "/mdev_supported_types/"))
                return mdev_create(dir, value);
        if (strcmp(file, "remove") == 0) {
                char *t = path("%s/mdev_type", dir);
                bool is_mdev = file_exists(t);
                free(t);
                if (is_mdev)
                        return mdev_remove(dir, value);
        }
        return 1;
}
