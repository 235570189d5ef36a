/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm: the user's front door. Each command lives in its own cmd-*.c. */
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "commands.h"
#include "vxm-config.h"

static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *args;
        const char *help;
} commands[] = {
        { "list", cmd_list, "", "List the guests, their state, and whether their configuration is valid" },
        { "status", cmd_status, "[NAME]", "Show the state of a guest, its preparation units and host changes" },
        { "check", cmd_check, "[NAME]", "Pre-flight doctor: explain what stands between this host and a guest" },
        { "gpus", cmd_gpus, "[BDF...]", "List display controllers: can each be passed through, or shared" },
        { "show", cmd_show, "NAME", "Print the QEMU command line that vxm-guest would run for NAME" },
        { "new", cmd_new, "NAME [--gpu BDF]", "Write /etc/vxm/NAME.conf for a GPU, sized to this host" },
};

static void help(FILE *f) {
        fprintf(f, "Usage: vxm COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                char left[32];
                snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
                fprintf(f, "  %-22s %s\n", left, commands[i].help);
        }
        fprintf(f, "\nOptions:\n"
                   "  -h --help              Show this help (vxm COMMAND --help: that command's)\n"
                   "     --version           Show the version\n"
                   "\nlist, status, check, gpus and show take --json for scripts. See vxm(1) and vxm.conf(5).\n");
}

int main(int argc, char *argv[]) {
        log_setup("vxm", LOG_TARGET_STDERR);
        /* Messages on stderr must appear next to the output they explain, also through a pipe. */
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (argc < 2) {
                help(stderr);
                return 2;
        }
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
                help(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("vxm %s\n", VXM_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].run(argc - 1, argv + 1);

        log_error("Unknown command \"%s\". See vxm --help.", argv[1]);
        return 2;
}
