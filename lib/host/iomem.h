/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/iomem: who claims which range of physical address space. A boot framebuffer (efifb, vesafb, simpledrm's
 * BOOTFB) that claims a range inside a GPU's BAR keeps vfio-pci from reserving that BAR. */

typedef struct IomemRange {
        uint64_t start, end; /* inclusive */
        unsigned depth;      /* nesting level: 0 for the top, 1 for a range inside it, ... */
        char *name;
} IomemRange;

/* Every range in file order. *ret_hidden is true when the kernel showed all addresses as zero (it does that for
 * readers without CAP_SYS_ADMIN): then nothing can be told from them. */
int iomem_read(IomemRange **ret, size_t *ret_n, bool *ret_hidden);
void iomem_free(IomemRange *r, size_t n);
