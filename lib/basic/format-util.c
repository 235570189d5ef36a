/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "basic/format-util.h"
#include "basic/macro.h"

char *format_bytes(uint64_t n) {
        static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
        unsigned u = 0;
        while (u + 1 < ELEMENTSOF(units) && n >> (10 * (u + 1)) > 0)
                u++;
        uint64_t unit = 1ULL << (10 * u);
        if (n % unit == 0)
                return xasprintf("%" PRIu64 " %s", n / unit, units[u]);
        return xasprintf("%.1f %s", (double) n / (double) unit, units[u]);
}
