/* SPDX-License-Identifier: BSD-3-Clause */
/* Who holds the guest's devices on the host: a process with its DRM, sound or NVIDIA node open makes vxm-vfio's
 * unbind hang (vxm-vfio refuses instead), and the desktop or nvidia-persistenced are the usual ones. */
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "check.h"
#include "host/pci-holders.h"

static bool is_display_server(const PciHolder *h) {
        static const char *const comms[] = { "Xorg", "X",         "Xwayland", "gnome-shell", "kwin_wayland",
                                             "sway", "weston",    "Hyprland", "wayfire",     "labwc",
                                             "cage", "gamescope", "kwin_x11", "mutter",      "cosmic-comp" };
        static const char *const units[] = { "display-manager.service", "gdm.service", "sddm.service",
                                             "lightdm.service" };
        for (size_t i = 0; i < ELEMENTSOF(comms); i++)
                if (strcmp(h->comm, comms[i]) == 0)
                        return true;
        for (size_t i = 0; h->unit && i < ELEMENTSOF(units); i++)
                if (strcmp(h->unit, units[i]) == 0)
                        return true;
        return false;
}

static char *holder_hint(const PciHolder *h) {
        if (is_display_server(h))
                return xasprintf("the desktop runs on this GPU: make it use only the host's GPU (Xorg: a Device "
                                 "section with the host GPU's BusID and Option \"AutoAddGPU\" \"off\"; GNOME: a udev "
                                 "rule tagging %s \"mutter-device-ignore\"; KDE: KWIN_DRM_DEVICES=<the host GPU's "
                                 "card>), then restart the display manager",
                                 h->node);
        if (strcmp(h->comm, "nvidia-persiste") == 0)
                return xstrdup("systemctl disable --now nvidia-persistenced: it keeps every NVIDIA GPU open");
        if (h->unit && strstr(h->unit, ".service"))
                return xasprintf("stop it (systemctl stop %s) or make it leave this device alone", h->unit);
        return xasprintf("close %s (pid %d), or log out of the session it runs in", h->comm, (int) h->pid);
}

static bool on_nvidia(const CheckContext *c) {
        return c->dev->driver && strcmp(c->dev->driver, "nvidia") == 0;
}

/* nvidia-persistenced keeps NVIDIA's driver attached to every GPU, with or without an open node of this one. */
static unsigned report_persistenced(CheckContext *c, const PciHolder *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(h[i].comm, "nvidia-persiste") == 0)
                        return 0; /* already named as a holder */
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;
        proc_find_by_comm("nvidia-persiste", &pids, &n_pids);
        if (n_pids == 0)
                return 0;
        check_fail(c, c->dev->bdf, "systemctl disable --now nvidia-persistenced: it keeps every NVIDIA GPU open",
                   "nvidia-persistenced (pid %d) keeps the nvidia driver busy with this GPU", (int) pids[0]);
        return 1;
}

/* NVIDIA's driver serves every GPU through /dev/nvidiactl, -modeset and -uvm as well: a CUDA program or nvidia-smi
 * with those open may be using this GPU without holding its own node. */
static unsigned report_nvidia_clients(CheckContext *c, const PciHolder *held, size_t n_held) {
        char *shared[] = { (char *) "/dev/nvidiactl", (char *) "/dev/nvidia-modeset", (char *) "/dev/nvidia-uvm",
                           NULL };
        PciHolder *h = NULL;
        size_t n = 0;
        unsigned found = 0;
        proc_find_holders(shared, &h, &n, NULL);
        for (size_t i = 0; i < n; i++) {
                bool named = false;
                for (size_t j = 0; j < n_held && !named; j++)
                        named = held[j].pid == h[i].pid;
                if (named || (i > 0 && h[i - 1].pid == h[i].pid))
                        continue; /* one finding per process */
                _cleanup_free_ char *what = pci_holder_describe(&h[i]), *hint = holder_hint(&h[i]);
                check_warn(c, c->dev->bdf, hint, "%s: it talks to NVIDIA's driver and may be using this GPU", what);
                found++;
        }
        pci_holders_free(h, n);
        return found;
}

static void run_gpu_holder(CheckContext *c) {
        _cleanup_strv_free_ char **nodes = NULL;
        pci_device_holder_nodes(c->dev, &nodes);

        PciHolder *h = NULL;
        size_t n = 0;
        unsigned hidden = 0;
        proc_find_holders(nodes, &h, &n, &hidden);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = pci_holder_describe(&h[i]), *hint = holder_hint(&h[i]);
                check_fail(c, c->dev->bdf, hint, "%s: unbinding %s would hang until it lets go", what,
                           c->dev->driver ? c->dev->driver : "the driver");
        }
        size_t found = n;
        if (on_nvidia(c))
                found += report_persistenced(c, h, n) + report_nvidia_clients(c, h, n);
        pci_holders_free(h, n);
        if (found > 0)
                return;

        if (!nodes)
                check_ok(c, c->dev->bdf, "no /dev node on the host (driver %s)",
                         c->dev->driver ? c->dev->driver : "none");
        else if (hidden > 0)
                check_warn(c, c->dev->bdf, "run vxm check as root to see every process",
                           "no process of yours has its nodes open, but the open files of %u other process%s could "
                           "not be read",
                           hidden, hidden == 1 ? "" : "es");
        else {
                strv_sort(nodes);
                _cleanup_free_ char *list = xstrdup(nodes[0]);
                for (size_t i = 1; nodes[i]; i++) {
                        char *s = xasprintf("%s%s%s", list, nodes[i + 1] ? ", " : " or ", nodes[i]);
                        free(list);
                        list = s;
                }
                check_ok(c, c->dev->bdf, "no process has %s open", list);
        }
}
const Check check_gpu_holder = {
        "gpu-holder", CHECK_DEVICE, run_gpu_holder,
        "no process holds the device's /dev/dri, /dev/snd or /dev/nvidia* nodes (desktop, nvidia-persistenced)"
};
