/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "host/pci-resources.h"
#include "qemu/mmio-window.h"

static int size_desc(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return (x < y) - (x > y);
}

static uint64_t pow2_at_least(uint64_t n) {
        uint64_t p = 1;
        while (p < n && p < (1ULL << 62))
                p <<= 1;
        return p;
}

/* Adds the 64-bit memory BARs of bdf to sizes[] and to the largest in w. */
static void add_bars(const char *bdf, MmioWindow *w, uint64_t **sizes, size_t *n) {
        _cleanup_free_ PciBar *bars = NULL;
        size_t n_bars = 0;
        if (pci_device_bars(bdf, &bars, &n_bars) < 0)
                return;
        for (size_t b = 0; b < n_bars; b++) {
                if (!bars[b].mem64 || bars[b].index == PCI_ROM_BAR)
                        continue;
                *sizes = xrealloc(*sizes, (*n + 1) * sizeof **sizes);
                (*sizes)[(*n)++] = bars[b].size;
                if (bars[b].size > w->largest) {
                        w->largest = bars[b].size;
                        snprintf(w->largest_bdf, sizeof w->largest_bdf, "%s", bdf);
                        w->largest_index = bars[b].index;
                }
        }
}

void mmio_window_plan(const Guest *g, MmioWindow *ret) {
        mmio_window_plan_with(g, NULL, 0, ret);
}

void mmio_window_plan_with(const Guest *g, char *const *extra, size_t n_extra, MmioWindow *ret) {
        MmioWindow w = {};
        uint64_t *sizes = NULL;
        size_t n = 0;

        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                add_bars(pci_address_format(&g->devices[i].address, bdf), &w, &sizes, &n);
        }
        for (size_t i = 0; i < n_extra; i++)
                if (extra[i])
                        add_bars(extra[i], &w, &sizes, &n);
        /* ivshmem-plain's shared memory is a 64-bit prefetchable BAR of exactly that size. */
        if (g->looking_glass && g->lg_size > 0) {
                sizes = xrealloc(sizes, (n + 1) * sizeof *sizes);
                sizes[n++] = g->lg_size;
        }

        /* Largest first, each at an offset aligned to its own size (BARs are naturally aligned): no gaps. */
        if (n > 1)
                qsort(sizes, n, sizeof *sizes, size_desc);
        uint64_t end = 0;
        for (size_t i = 0; i < n; i++)
                end = ((end + sizes[i] - 1) / sizes[i]) * sizes[i] + sizes[i];
        free(sizes);

        /* OVMF aligns the window to its own size; BARs are powers of two and the slack makes the total larger than
         * the largest of them, so a power-of-two window is at least twice the largest BAR and holds them all. */
        w.bars = end;
        w.total = end + MMIO64_SLACK;
        w.window = pow2_at_least(w.total);
        if (w.window < OVMF_MMIO64_DEFAULT)
                w.window = OVMF_MMIO64_DEFAULT;
        w.ovmf_mb = w.window > OVMF_MMIO64_DEFAULT ? w.window >> 20 : 0;
        *ret = w;
}
