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

/* The devices every guest that lists ours takes along: together they may use the whole group. */
static void allowed_devices(const VfioTarget *t, PciAddress **ret, size_t *n) {
        *ret = NULL;
        *n = 0;
        for (size_t i = 0; i < t->n_guests; i++)
                for (size_t j = 0; j < t->guests[i]->n_devices; j++) {
                        *ret = xrealloc(*ret, (*n + 1) * sizeof **ret);
                        (*ret)[(*n)++] = t->guests[i]->devices[j].address;
                }
}

static char *config_files(const VfioTarget *t) {
        if (t->n_guests == 0)
                return xstrdup("the guest's /etc/vxm/NAME.conf");
        char *s = xstrdup(t->guests[0]->path);
        for (size_t i = 1; i < t->n_guests; i++) {
                char *n = xasprintf("%s%s%s", s, i + 1 == t->n_guests ? " and " : ", ", t->guests[i]->path);
                free(s);
                s = n;
        }
        return s;
}

int vfio_check_group(const VfioTarget *t) {
        _cleanup_free_ PciAddress *allowed = NULL;
        _cleanup_pci_device_array_free_ PciDevice **bad = NULL;
        size_t n_allowed;

        allowed_devices(t, &allowed, &n_allowed);
        int r = vfio_group_offenders(t->dev, allowed, n_allowed, &bad);
        if (r < 0)
                return log_error_errno(r, "Failed to read IOMMU group %d of %s: %m", t->dev->iommu_group, t->label);
        if (!bad[0])
                return 0;

        _cleanup_free_ char *files = config_files(t);
        log_error("%s cannot go to vfio-pci: IOMMU group %d also has devices that the host uses, and a group only "
                  "goes to a guest whole. Add each of them to the [PCI] section of %s:",
                  t->label, t->dev->iommu_group, files);
        for (size_t i = 0; bad[i]; i++)
                log_error("  %s %s (driver %s): add Device=%s", bad[i]->bdf, bad[i]->name, bad[i]->driver, bad[i]->bdf);
        return -EBUSY;
}

/* Adds /dev/DEVNAME for every device node below sysfs directory dir (its entries' uevent files say DEVNAME=). */
static void nodes_below(const char *dir, char ***nodes) {
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *ue = xasprintf("%s/%s/uevent", dir, de->d_name), *text = NULL;
                if (root_read_file(ue, &text, NULL) < 0)
                        continue;
                const char *name = strstr(text, "DEVNAME=");
                if (!name || (name != text && name[-1] != '\n'))
                        continue;
                name += strlen("DEVNAME=");
                strv_consume(nodes, xasprintf("/dev/%.*s", (int) strcspn(name, "\n"), name));
        }
}

/* /dev nodes through which the host can hold this device, which would make the unbind hang: its DRM card and render
 * nodes, its sound card's nodes (HDMI audio), and for NVIDIA's driver its /dev/nvidiaN. */
static void holder_nodes(const VfioTarget *t, char ***nodes) {
        _cleanup_free_ char *drm = xasprintf("/sys/bus/pci/devices/%s/drm", t->bdf),
                            *sound = xasprintf("/sys/bus/pci/devices/%s/sound", t->bdf);
        nodes_below(drm, nodes);

        _cleanup_closedir_ DIR *d = root_opendir(sound);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strncmp(de->d_name, "card", 4) == 0) {
                        _cleanup_free_ char *card = xasprintf("%s/%s", sound, de->d_name);
                        nodes_below(card, nodes);
                }

        if (t->dev->vendor != PCI_VENDOR_NVIDIA || !t->dev->driver || strcmp(t->dev->driver, "nvidia") != 0)
                return;
        _cleanup_free_ char *info = xasprintf("/proc/driver/nvidia/gpus/%s/information", t->bdf), *text = NULL;
        const char *m;
        unsigned minor;
        if (root_read_file(info, &text, NULL) >= 0 && (m = strstr(text, "Device Minor:")) &&
            sscanf(m, "Device Minor: %u", &minor) == 1)
                strv_consume(nodes, xasprintf("/dev/nvidia%u", minor));
}

static bool is_pid(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s);
}

/* "pid 1234 (Xorg) has /dev/dri/card1 open" for every process with one of nodes open. */
static void find_holders(char **nodes, char ***ret) {
        _cleanup_strv_free_ char **want = NULL;
        for (size_t i = 0; nodes[i]; i++)
                strv_consume(&want, root_path(nodes[i])); /* what readlink on /proc/PID/fd/N shows */

        _cleanup_closedir_ DIR *proc = root_opendir("/proc");
        struct dirent *de;
        while (proc && (de = readdir(proc))) {
                if (!is_pid(de->d_name) || (pid_t) atol(de->d_name) == getpid())
                        continue;
                _cleanup_free_ char *fddir = xasprintf("/proc/%s/fd", de->d_name);
                _cleanup_closedir_ DIR *fds = root_opendir(fddir);
                struct dirent *fe;
                while (fds && (fe = readdir(fds))) {
                        if (!is_pid(fe->d_name))
                                continue;
                        _cleanup_free_ char *fd = xasprintf("%s/%s", fddir, fe->d_name), *target = NULL;
                        if (root_readlink(fd, &target) < 0)
                                continue;
                        for (size_t i = 0; want[i]; i++) {
                                if (strcmp(target, want[i]) != 0)
                                        continue;
                                _cleanup_free_ char *cp = xasprintf("/proc/%s/comm", de->d_name), *comm = NULL;
                                if (root_read_line(cp, &comm) < 0)
                                        comm = xstrdup("?");
                                _cleanup_free_ char *s =
                                        xasprintf("pid %s (%s) has %s open", de->d_name, comm, nodes[i]);
                                if (!strv_contains(*ret, s))
                                        strv_push(ret, s);
                        }
                }
        }
}

int vfio_check_holders(const VfioTarget *t) {
        _cleanup_strv_free_ char **nodes = NULL, **holders = NULL;

        holder_nodes(t, &nodes);
        if (!nodes)
                return 0;
        find_holders(nodes, &holders);
        if (!holders)
                return 0;

        log_error("%s is in use on the host, and unbinding %s now would hang until it is let go. Close these "
                  "programs (for a GPU: log out of the desktop session that runs on it), then try again:",
                  t->label, t->dev->driver ?: "its driver");
        for (size_t i = 0; holders[i]; i++)
                log_error("  %s", holders[i]);
        return -EBUSY;
}

int vfio_check_vf_hold(const VfioTarget *t) {
        VfHold h;
        if (vf_hold_read(t->bdf, &h) < 0)
                return 0;
        bool listed = false;
        for (size_t i = 0; i < t->n_guests; i++)
                listed = listed || strcmp(t->guests[i]->name, h.owner) == 0;
        int r = 0;
        if (!listed && vf_owner_alive_systemd(&h, NULL) != 0)
                r = log_error_errno(EBUSY,
                                    "%s is the virtual function that guest %s took for its VirtualFunction= line %u "
                                    "(/run/vxm/.state/vf/%s): it goes to no other guest until %s stops.",
                                    t->label, h.owner, h.index + 1, t->bdf, h.owner);
        vf_hold_done(&h);
        return r;
}
