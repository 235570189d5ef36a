/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/pci-resources.h"

/* include/linux/ioport.h */
#define IORESOURCE_IO 0x00000100UL
#define IORESOURCE_MEM 0x00000200UL
#define IORESOURCE_PREFETCH 0x00002000UL
#define IORESOURCE_MEM_64 0x00100000UL

int pci_device_bars(const char *bdf, PciBar **ret, size_t *ret_n) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/resource", bdf), *text = NULL;
        int r = root_read_file(path, &text, NULL);
        if (r < 0)
                return r;

        PciBar *bars = NULL;
        size_t n = 0;
        unsigned index = 0;
        char *save = NULL;
        /* One line per resource: "0x<start> 0x<end> 0x<flags>"; 0-5 are the BARs, 6 the ROM, the rest bridge
         * windows and SR-IOV BARs, which are not the function's own. */
        for (char *line = strtok_r(text, "\n", &save); line && index <= PCI_ROM_BAR;
             line = strtok_r(NULL, "\n", &save), index++) {
                unsigned long long start, end, flags;
                if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 || end <= start ||
                    !(flags & (IORESOURCE_IO | IORESOURCE_MEM)))
                        continue;
                bars = xrealloc(bars, (n + 1) * sizeof *bars);
                bars[n++] = (PciBar){
                        .index = index,
                        .start = start,
                        .size = end - start + 1,
                        .io = flags & IORESOURCE_IO,
                        .mem64 = flags & IORESOURCE_MEM_64,
                        .prefetch = flags & IORESOURCE_PREFETCH,
                };
        }
        *ret = bars;
        *ret_n = n;
        return 0;
}

uint64_t pci_bar_resizable_sizes(const char *bdf, unsigned index) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/resource%u_resize", bdf, index), *s = NULL;
        unsigned long long mask;
        if (root_read_line(path, &s) < 0 || sscanf(s, "%llx", &mask) != 1)
                return 0;
        return mask;
}

int pci_device_reset_methods(const char *bdf, char ***ret) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/reset_method", bdf), *s = NULL;
        int r = root_read_line(path, &s);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return r;
        char **methods = NULL, *save = NULL;
        for (char *m = strtok_r(s, " \t", &save); m; m = strtok_r(NULL, " \t", &save))
                strv_push(&methods, m);
        *ret = methods;
        return 0;
}

bool pci_device_can_reset(const char *bdf) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/reset", bdf);
        return root_exists(path);
}

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_AF 0x13
#define PCI_EXP_DEVCAP 4
#define PCI_EXP_DEVCAP_FLR (1U << 28)
#define PCI_AF_CAP 3
#define PCI_AF_CAP_FLR 0x02

int pci_device_flr_capable(const char *bdf) {
        _cleanup_free_ char *path = xasprintf("/sys/bus/pci/devices/%s/config", bdf), *c = NULL;
        size_t size;
        int r = root_read_file(path, &c, &size);
        if (r < 0)
                return r;
        const unsigned char *cfg = (const unsigned char *) c;
        if (size < 64)
                return -ENODATA;
        if (!(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
                return 0;

        unsigned pos = cfg[PCI_CAPABILITY_LIST] & ~3U;
        /* At most 48 capabilities fit in the 192 bytes after the header: a loop in the list ends there. */
        for (unsigned ttl = 48; pos >= 0x40 && ttl > 0; ttl--) {
                if (pos + 8 > size)
                        return -ENODATA;
                unsigned id = cfg[pos];
                if (id == PCI_CAP_ID_EXP) {
                        uint32_t devcap = cfg[pos + PCI_EXP_DEVCAP] | (uint32_t) cfg[pos + PCI_EXP_DEVCAP + 1] << 8 |
                                          (uint32_t) cfg[pos + PCI_EXP_DEVCAP + 2] << 16 |
                                          (uint32_t) cfg[pos + PCI_EXP_DEVCAP + 3] << 24;
                        if (devcap & PCI_EXP_DEVCAP_FLR)
                                return 1;
                } else if (id == PCI_CAP_ID_AF && (cfg[pos + PCI_AF_CAP] & PCI_AF_CAP_FLR))
                        return 1;
                pos = cfg[pos + 1] & ~3U;
        }
        return 0;
}
