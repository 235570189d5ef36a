/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "basic/format-util.h"
#include "basic/macro.h"

char *format_bytes(uint64_t n) {
        static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
        unsigned u = 0;
        while (u + 1 < ELEMENTSOF(units) && n >= 1024 && n % 1024 == 0) {
                n /= 1024;
                u++;
        }
        if (u == 0 && n >= 1024) { /* not a whole number of KiB: round to the largest unit that keeps 1 decimal */
                double v = (double) n;
                while (u + 1 < ELEMENTSOF(units) && v >= 1024) {
                        v /= 1024;
                        u++;
                }
                return xasprintf("%.1f %s", v, units[u]);
        }
        return xasprintf("%" PRIu64 " %s", n, units[u]);
}
