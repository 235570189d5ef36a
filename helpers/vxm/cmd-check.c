/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check [--json] [NAME]: the pre-flight doctor. Reads the host and the configs, changes nothing, and says for
 * each finding what was found and what to do. The findings live with their peers in check-*.c and are registered in
 * check-list.h (see check.h); they use the same rules as the helpers (vfio-check.c, firmware.c, hugepages.c, ...),
 * so a host that passes here does not fail there for a reason this could have told. */
#include <getopt.h>
#include <stdio.h>

#include "basic/log.h"
#include "basic/strv.h"
#include "check.h"
#include "commands.h"

static void help(void) {
        printf("Usage: vxm check [--json[=MODE]] [NAME]\n\n"
               "Check this host, and the guest NAME (all guests without NAME), for everything that stands\n"
               "between them and a working passthrough. Changes nothing. Exit status: 0 no problem, 1 problems.\n\n"
               "Options:\n"
               "  -h --help          Show this help\n" OPTION_JSON_HELP
               "     --list         List every check: its id, scope and what it checks\n");
}

int cmd_check(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_LIST };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", optional_argument, NULL, ARG_JSON },
                { "list", no_argument, NULL, ARG_LIST },
                {},
        };
        JsonMode json = JSON_MODE_OFF;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_JSON:
                        if (json_mode_parse(optarg, &json) < 0)
                                return 2;
                        break;
                case ARG_LIST:
                        check_print_list();
                        return 0;
                default:
                        fprintf(stderr, "Usage: vxm check [--json] [NAME] (see vxm check --help)\n");
                        return 2;
                }
        if (argc - optind > 1) {
                fprintf(stderr, "Usage: vxm check [--json] [NAME] (one guest at most; see vxm check --help)\n");
                return 2;
        }

        _cleanup_strv_free_ char **names = NULL;
        if (optind < argc)
                strv_push(&names, argv[optind]);
        return check_run_all(names, json);
}
