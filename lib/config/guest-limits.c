/* SPDX-License-Identifier: BSD-3-Clause */
#include "config/guest-limits.h"

#define MEMLOCK_HEADROOM (1ULL << 30)
#define QEMU_PINNED_EXTRA (64ULL << 20)

uint64_t guest_memlock_needed(const Guest *g) {
        if (g->n_devices + g->n_vfs + g->n_mdevs == 0)
                return 0;
        return g->memory + (g->looking_glass ? g->lg_size : 0) + QEMU_PINNED_EXTRA;
}

uint64_t guest_memlock_limit(const Guest *g) {
        if (g->n_devices + g->n_vfs + g->n_mdevs == 0)
                return 0;
        uint64_t limit = g->memory + MEMLOCK_HEADROOM;
        /* Never below what is needed, should Looking Glass memory ever outgrow the headroom. */
        uint64_t needed = guest_memlock_needed(g);
        return limit > needed ? limit : needed;
}
