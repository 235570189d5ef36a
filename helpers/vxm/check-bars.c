/* SPDX-License-Identifier: BSD-3-Clause */
/* The guest's 64-bit BARs against OVMF's 64-bit PCI window: a GPU with Resizable BAR on has a BAR of 8-32 GiB that
 * does not fit OVMF's default window, and the guest's driver then fails (Code 12/43). vxm raises the window through
 * fw_cfg (mmio-window.h); this says so, and fails when even that cannot work because the guest's physical address
 * space is too small. */
#include <stdio.h>
#include <string.h>

#include "basic/format-util.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "host/pci-resources.h"
#include "qemu/mmio-window.h"

#define TCG_PHYS_BITS 40 /* QEMU's default for TCG CPUs */
#define Q35_LOWMEM (2ULL << 30)

static unsigned host_phys_bits(void) {
        _cleanup_free_ char *cpuinfo = NULL;
        const char *p;
        unsigned bits;
        if (root_read_file("/proc/cpuinfo", &cpuinfo, NULL) < 0 || !(p = strstr(cpuinfo, "address sizes")) ||
            sscanf(p, "address sizes : %u bits physical", &bits) != 1)
                return 0;
        return bits;
}

/* "; BAR 0 is resizable up to 32 GiB" for the device's largest resizable BAR, or "". */
static char *rebar_note(const char *bdf, unsigned index, uint64_t size) {
        uint64_t mask = pci_bar_resizable_sizes(bdf, index);
        if (mask == 0)
                return xstrdup("");
        unsigned top = 63 - (unsigned) __builtin_clzll(mask);
        uint64_t max = (1ULL << 20) << top;
        _cleanup_free_ char *m = format_bytes(max);
        return xasprintf(" (Resizable BAR: %s, up to %s)", size > (256ULL << 20) ? "on" : "supported", m);
}

static void run_bar_size(CheckContext *c) {
        const Guest *g = c->guest;
        size_t present = 0;
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN], path[64];
                snprintf(path, sizeof path, "/sys/bus/pci/devices/%s", pci_address_format(&g->devices[i].address, bdf));
                present += root_exists(path);
        }
        if (present == 0)
                return; /* nothing to measure; pci-device says why */
        MmioWindow w;
        mmio_window_plan(g, &w);
        if (w.largest == 0) {
                check_ok(c, NULL, "no 64-bit BARs to map");
                return;
        }

        _cleanup_free_ char *largest = format_bytes(w.largest), *total = format_bytes(w.bars),
                            *window = format_bytes(w.window), *deflt = format_bytes(OVMF_MMIO64_DEFAULT);
        _cleanup_free_ char *rebar = rebar_note(w.largest_bdf, w.largest_index, w.largest);

        /* q35 puts RAM above 2 GiB at 4 GiB on; OVMF puts the window above RAM, aligned to the window's size. */
        unsigned bits = g->accelerator == ACCELERATOR_TCG ? TCG_PHYS_BITS : host_phys_bits();
        uint64_t high = g->memory > Q35_LOWMEM ? g->memory - Q35_LOWMEM : 0;
        uint64_t base = ((4ULL << 30) + high + w.window - 1) / w.window * w.window;
        if (bits > 0 && bits < 64 && base + w.window > (1ULL << bits)) {
                _cleanup_free_ char *space = format_bytes(1ULL << bits);
                _cleanup_free_ char *hint = xasprintf(
                        "turn Resizable BAR off in the firmware setup, or shrink the BAR before the guest starts (with "
                        "no driver bound: echo 8 > /sys/bus/pci/devices/%s/resource%u_resize, 8 = 256 MiB)",
                        w.largest_bdf, w.largest_index);
                check_fail(c, w.largest_bdf, hint,
                           "BAR %u is %s%s: the guest's 64-bit BARs need a %s window above its RAM, beyond the %s "
                           "that %u-bit physical addresses reach",
                           w.largest_index, largest, rebar, window, space, bits);
                return;
        }
        if (w.ovmf_mb > 0)
                check_ok(c, w.largest_bdf,
                         "BAR %u is %s%s; the guest's 64-bit BARs (%s in all) need a %s window, more than OVMF's "
                         "default %s: vxm passes -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=%llu",
                         w.largest_index, largest, rebar, total, window, deflt, (unsigned long long) w.ovmf_mb);
        else
                check_ok(c, w.largest_bdf,
                         "BAR %u is %s%s; the guest's 64-bit BARs (%s in all) fit OVMF's default %s "
                         "window",
                         w.largest_index, largest, rebar, total, deflt);
}
const Check check_bar_size = { "bar-size", CHECK_GUEST, run_bar_size,
                               "the 64-bit BARs (Resizable BAR) fit the guest's 64-bit PCI window (X-PciMmio64Mb)" };
