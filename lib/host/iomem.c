/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/iomem.h"

int iomem_read(IomemRange **ret, size_t *ret_n, bool *ret_hidden) {
        _cleanup_free_ char *text = NULL;
        int r = root_read_file("/proc/iomem", &text, NULL);
        if (r < 0)
                return r;

        IomemRange *ranges = NULL;
        size_t n = 0;
        bool hidden = true;
        char *save = NULL;
        /* "  e0000000-efffffff : 0000:01:00.0": two spaces of indentation per level. */
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t indent = strspn(line, " ");
                unsigned long long start, end;
                int name_at = 0;
                if (sscanf(line + indent, "%llx-%llx : %n", &start, &end, &name_at) != 2 || name_at == 0)
                        continue;
                if (start != 0 || end != 0)
                        hidden = false;
                ranges = xrealloc(ranges, (n + 1) * sizeof *ranges);
                ranges[n++] = (IomemRange){
                        .start = start,
                        .end = end,
                        .depth = (unsigned) (indent / 2),
                        .name = xstrdup(line + indent + name_at),
                };
        }
        *ret = ranges;
        *ret_n = n;
        *ret_hidden = n > 0 && hidden;
        return 0;
}

void iomem_free(IomemRange *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(r[i].name);
        free(r);
}
