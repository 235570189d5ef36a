/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include "config/config.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"

int cmd_list(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;
        if (argc > 1) {
                fprintf(stderr, "vxm list takes no arguments.\n");
                return 2;
        }
        if (guest_list(&names) < 0)
                return 1;

        int bad = 0;
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_guest_free_ Guest *g = NULL;
                int r = guest_load(names[i], &g);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        bad++;
                printf("%-20s %s\n", names[i], r < 0 ? "invalid configuration (errors above)" : g->description);
        }
        return bad ? 1 : 0;
}
