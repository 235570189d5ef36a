/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm list: every configured guest, whether its configuration loads, and the state of its unit. */
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "bus.h"
#include "commands.h"
#include "config/config.h"
#include "guest-info.h"
#include "output.h"

static void help(FILE *f) {
        fprintf(f,
                "Usage: vxm list [--json[=MODE]]\n"
                "\n"
                "List the guests configured in /etc/vxm, /run/vxm and /usr/lib/vxm (masked ones left out), the state\n"
                "of their vxm-guest@ unit, whether they start at boot, and their description; a guest whose\n"
                "configuration has errors says so (the errors are printed first).\n"
                "\n"
                "Options:\n"
                "  -h --help          Show this help\n" OPTION_JSON_HELP);
}

static const char *text_or_dash(const char *s) {
        return s ? s : "-";
}

static void print_table(const GuestInfo *infos, size_t n) {
        size_t wname = strlen("NAME"), wstate = strlen("STATE");
        for (size_t i = 0; i < n; i++) {
                wname = size_max(wname, text_width(infos[i].name));
                wstate = size_max(wstate, strlen(text_or_dash(infos[i].state)));
        }
        printf("%s", ansi_bold());
        print_cell("NAME", wname, NULL, "  ");
        print_cell("STATE", wstate, NULL, "  ");
        printf("AUTOSTART  DESCRIPTION%s\n", ansi_normal());
        for (size_t i = 0; i < n; i++) {
                const Guest *g = infos[i].guest;
                print_cell(infos[i].name, wname, NULL, "  ");
                print_cell(text_or_dash(infos[i].state), wstate, ansi_for_state(infos[i].state), "  ");
                print_cell(g ? (g->autostart ? "yes" : "no") : "-", strlen("AUTOSTART"), NULL, "  ");
                if (g)
                        printf("%s\n", g->description);
                else
                        printf("%sinvalid configuration (errors above)%s\n", ansi_red(), ansi_normal());
        }
}

int cmd_list(int argc, char *argv[]) {
        JsonMode json;
        int c = parse_show_options(argc, argv, help, &json);
        if (c != 0)
                return c > 0 ? 0 : 2;
        if (optind < argc) {
                log_error("vxm list takes no arguments (see vxm list --help).");
                return 2;
        }

        _cleanup_strv_free_ char **names = NULL;
        if (guest_list(&names) < 0)
                return 1;
        size_t n = strv_length(names);
        _cleanup_bus_close_ sd_bus *bus = n > 0 ? bus_open_or_warn() : NULL;
        GuestInfo *infos = xmalloc((n + 1) * sizeof *infos);
        size_t k = 0;
        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                guest_info_load(names[i], bus, json != JSON_MODE_OFF, &infos[k]);
                if (infos[k].missing) { /* removed or masked since the listing */
                        guest_info_done(&infos[k]);
                        continue;
                }
                if (!infos[k].guest)
                        ret = 1;
                k++;
        }

        if (json != JSON_MODE_OFF) {
                _cleanup_(json_freep) JsonValue *o = json_new_object();
                JsonValue *dirs = json_new_array(), *guests = json_new_array();
                for (size_t i = 0; config_dirs[i]; i++)
                        json_array_append(dirs, json_new_string(config_dirs[i]));
                for (size_t i = 0; i < k; i++)
                        json_array_append(guests, guest_info_json(&infos[i]));
                json_object_append(o, "version", json_new_number(1));
                json_object_append(o, "config_dirs", dirs);
                json_object_append(o, "guests", guests);
                if (json_print(o, json) < 0)
                        ret = 1;
        } else if (k == 0)
                print_no_guests();
        else
                print_table(infos, k);

        for (size_t i = 0; i < k; i++)
                guest_info_done(&infos[i]);
        free(infos);
        return ret;
}
