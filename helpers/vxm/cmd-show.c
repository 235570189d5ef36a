/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm show NAME: the QEMU command line vxm-guest would execute, built by the same code, without side effects
 * (no variable store is created, nothing is started). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"
#include "basic/shell-quote.h"
#include "basic/strv.h"
#include "commands.h"

static void help(FILE *f) {
        fprintf(f, "Usage: vxm show NAME\n"
                   "\n"
                   "Print the QEMU command line that vxm-guest@NAME.service runs, one argument per line,\n"
                   "quoted for a POSIX shell (the output can be pasted into one). Nothing is created or started.\n");
}

int cmd_show(int argc, char *argv[]) {
        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                help(stdout);
                return 0;
        }
        if (argc != 2 || argv[1][0] == '-') {
                help(stderr);
                return 2;
        }
        const char *name = argv[1];

        _cleanup_guest_free_ Guest *g = NULL;
        if (helper_load_guest(name, &g) < 0)
                return 1;

        QemuPlan plan;
        if (qemu_plan_prepare(g, &plan) < 0)
                return 1;
        _cleanup_strv_free_ char **qemu = NULL;
        int r = qemu_argv_build(&plan, &qemu);
        qemu_plan_done(&plan);
        if (r < 0)
                return 1;

        _cleanup_free_ char *out = shell_quote_argv(qemu, " \\\n    ");
        printf("%s\n", out);
        return fflush(stdout) == 0 ? 0 : 1;
}
