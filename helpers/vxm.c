/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm: the user's front door. Commands are added as their issues land. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "macro.h"
#include "strv.h"
#include "vxm-config.h"

static void help(void) {
        printf("Usage: vxm COMMAND [ARGS]\n"
               "\n"
               "Commands:\n"
               "  list              List the configured guests and whether their configuration is valid\n"
               "\n"
               "Options:\n"
               "  -h --help         Show this help\n"
               "     --version      Show the version\n"
               "\n"
               "See vxm(1) and vxm.conf(5).\n");
}

static int cmd_list(void) {
        _cleanup_strv_free_ char **names = NULL;
        int r = guest_list(&names);
        if (r < 0)
                return 1;
        int bad = 0;
        for (size_t i = 0; names && names[i]; i++) {
                Guest *g = NULL;
                r = guest_load(names[i], &g);
                if (r == -ENOENT)
                        continue;
                printf("%-20s %s\n", names[i], r < 0 ? "invalid (see above)" : g->description);
                if (r < 0)
                        bad++;
                guest_free(g);
        }
        return bad ? 1 : 0;
}

int main(int argc, char *argv[]) {
        log_setup("vxm", LOG_TARGET_STDERR);

        if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
                help();
                return argc < 2 ? 2 : 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("vxm %s\n", VXM_VERSION);
                return 0;
        }
        if (strcmp(argv[1], "list") == 0)
                return cmd_list();

        log_error("Unknown command \"%s\". See vxm --help.", argv[1]);
        return 2;
}
