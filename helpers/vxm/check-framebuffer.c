/* SPDX-License-Identifier: BSD-3-Clause */
/* A boot framebuffer on the guest's GPU: the firmware's framebuffer (efifb, vesafb, or simpledrm/simplefb on the
 * "BOOTFB" range that sysfb registers since 5.15) stays claimed inside the GPU's BAR, vfio-pci then cannot reserve
 * that BAR ("vfio-pci 0000:03:00.0: BAR 0: can't reserve [mem ...]"), and the guest gets no picture. Also the kernel
 * console (fbcon) drawing on this GPU. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "host/iomem.h"
#include "host/pci-resources.h"

static const char *framebuffer_fix(const char *name) {
        if (strcasecmp(name, "efifb") == 0)
                return "boot with video=efifb:off on the kernel command line";
        if (strcasecmp(name, "vesafb") == 0)
                return "boot with video=vesafb:off on the kernel command line";
        /* BOOTFB, simple-framebuffer, simpledrm: registered by sysfb */
        return "boot with initcall_blacklist=sysfb_init on the kernel command line (kernel 5.15 and later register "
               "the firmware's framebuffer through sysfb; older ones: video=efifb:off)";
}

static bool is_boot_framebuffer(const char *name) {
        static const char *const names[] = { "efifb",    "vesafb",    "BOOTFB",
                                             "simplefb", "simpledrm", "simple-framebuffer",
                                             "vga16fb" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(name, names[i]) == 0 || strncasecmp(name, "simple-framebuffer", 18) == 0)
                        return true;
        return false;
}

/* fbN of this device with the kernel console on it: fbcon draws on fb0 unless fbcon=map: says otherwise. */
static void report_console(CheckContext *c) {
        _cleanup_free_ char *fbcon = NULL;
        if (root_read_line("/sys/class/vtconsole/vtcon1/bind", &fbcon) < 0 || strcmp(fbcon, "1") != 0)
                return;
        _cleanup_free_ char *dev = NULL, *name = NULL;
        if (root_readlink_basename("/sys/class/graphics/fb0/device", &dev) < 0 || strcmp(dev, c->dev->bdf) != 0)
                return;
        (void) root_read_line("/sys/class/graphics/fb0/name", &name);
        check_warn(c, c->dev->bdf,
                   "make the host's GPU the primary display in the firmware setup, or boot with fbcon=map:N where "
                   "fbN is the host GPU's framebuffer (ls -l /sys/class/graphics/)",
                   "the kernel console draws on this GPU (fb0%s%s): unbinding its driver takes the console away "
                   "and some drivers do not survive it",
                   name ? " " : "", name ? name : "");
}

static void run_framebuffer(CheckContext *c) {
        _cleanup_free_ PciBar *bars = NULL;
        size_t n_bars = 0;
        IomemRange *ranges = NULL;
        size_t n = 0;
        bool hidden = false;
        bool display = pci_device_is_display(c->dev);

        if (pci_device_bars(c->dev->bdf, &bars, &n_bars) < 0 || iomem_read(&ranges, &n, &hidden) < 0) {
                if (display)
                        check_warn(c, c->dev->bdf, NULL, "cannot read its BARs or /proc/iomem");
                iomem_free(ranges, n);
                return;
        }
        if (hidden) {
                if (display)
                        check_warn(c, c->dev->bdf, "run vxm check as root",
                                   "/proc/iomem shows no addresses to this user: cannot tell whether a boot "
                                   "framebuffer sits in its BARs");
                iomem_free(ranges, n);
                return;
        }

        unsigned found = 0;
        for (size_t b = 0; b < n_bars; b++) {
                const PciBar *bar = &bars[b];
                uint64_t end = bar->start + bar->size - 1;
                if (bar->io || bar->index == PCI_ROM_BAR || bar->start == 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        if (!is_boot_framebuffer(ranges[i].name) || ranges[i].end < bar->start || ranges[i].start > end)
                                continue;
                        check_fail(c, c->dev->bdf, framebuffer_fix(ranges[i].name),
                                   "the boot framebuffer (%s) holds %llx-%llx inside BAR %u (%llx-%llx): vfio-pci "
                                   "cannot reserve the BAR (\"BAR %u: can't reserve\") and the guest gets no picture",
                                   ranges[i].name, (unsigned long long) ranges[i].start,
                                   (unsigned long long) ranges[i].end, bar->index, (unsigned long long) bar->start,
                                   (unsigned long long) end, bar->index);
                        found++;
                }
        }
        iomem_free(ranges, n);
        if (display)
                report_console(c);
        if (found == 0 && display)
                check_ok(c, c->dev->bdf, "no boot framebuffer inside its BARs");
}
const Check check_framebuffer = { "framebuffer", CHECK_DEVICE, run_framebuffer,
                                  "no boot framebuffer (efifb, vesafb, simpledrm) or console holds the GPU" };
