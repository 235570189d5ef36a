/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm show NAME: the QEMU command line vxm-guest would execute, built by the same code, without side effects
 * (no variable store is created, nothing is started). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/shell-quote.h"
#include "basic/strv.h"
#include "commands.h"
#include "config/config.h"
#include "config/helper-cli.h"
#include "output.h"
#include "qemu/qemu-argv.h"

static void help(FILE *f) {
        fprintf(f,
                "Usage: vxm show [--json[=MODE]] NAME\n"
                "\n"
                "Print the QEMU command line that vxm-guest@NAME.service runs: the program, then one option and its\n"
                "value per line, quoted for a POSIX shell (the output can be pasted into one). With --json, the\n"
                "argument vector as a JSON array. Nothing is created or started.\n"
                "\n"
                "Options:\n"
                "  -h --help          Show this help\n" OPTION_JSON_HELP);
}

/* QEMU's options take one value or none, and no value starts with '-': an option and the word after it that is not
 * an option belong on one line. */
static void print_grouped(char *const *argv) {
        for (size_t i = 0; argv[i]; i++) {
                _cleanup_free_ char *word = shell_quote(argv[i]);
                bool with_value = i > 0 && argv[i][0] == '-' && argv[i + 1] && argv[i + 1][0] != '-';
                if (with_value) {
                        _cleanup_free_ char *value = shell_quote(argv[++i]);
                        printf("%s %s", word, value);
                } else
                        fputs(word, stdout);
                fputs(argv[i + 1] ? " \\\n    " : "\n", stdout);
        }
}

int cmd_show(int argc, char *argv[]) {
        JsonMode json;
        int c = parse_show_options(argc, argv, help, &json);
        if (c != 0)
                return c > 0 ? 0 : 2;
        if (argc - optind != 1) {
                help(stderr);
                return 2;
        }
        const char *name = argv[optind];

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

        if (json != JSON_MODE_OFF) {
                _cleanup_(json_freep) JsonValue *o = json_new_object();
                json_object_append(o, "version", json_new_number(1));
                json_object_append(o, "name", json_new_string(g->name));
                json_object_append(o, "argv", json_new_strv(qemu));
                return json_print(o, json) < 0 ? 1 : 0;
        }
        print_grouped(qemu);
        return fflush(stdout) == 0 ? 0 : 1;
}
