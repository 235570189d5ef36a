/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm status [NAME]: the guest's units as systemd sees them, next to what the config asks for, and what the steps
 * recorded under /run/vxm/.state (what they changed on the host and undo on stop). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "bus.h"
#include "commands.h"
#include "config/config.h"
#include "guest-info.h"
#include "host/state-file.h"
#include "output.h"
#include "status.h"

/* The units a guest uses, in start order, guest first: what the generator makes it require. */
static size_t guest_units(const Guest *g, GuestUnit **ret) {
        const struct {
                bool on;
                const char *template;
                const char *role;
        } steps[] = {
                { g->hugepages != HUGEPAGES_NO, "vxm-hugepages", "hugepages" },
                { g->looking_glass, "vxm-lookingglass", "Looking Glass shared memory" },
                { g->tpm, "vxm-swtpm", "TPM emulator" },
                { g->keyboard_auto || g->mouse_auto || g->keyboards || g->mice, "vxm-input", "evdev input" },
                { g->monitor != NULL, "vxm-ddc", "monitor input switching" },
        };
        GuestUnit *u = xmalloc((1 + g->n_devices + ELEMENTSOF(steps) + status_shared_max_units(g)) * sizeof *u);
        size_t n = 0;

        u[n++] = (GuestUnit){ xasprintf("vxm-guest@%s.service", g->name), "QEMU" };
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->devices[i].address, bdf);
                u[n++] = (GuestUnit){ xasprintf("vxm-vfio@%s.service", bdf), "VFIO binding" };
        }
        for (size_t i = 0; i < ELEMENTSOF(steps); i++)
                if (steps[i].on)
                        u[n++] = (GuestUnit){ xasprintf("%s@%s.service", steps[i].template, g->name), steps[i].role };
        n += status_shared_units(g, u + n);
        *ret = u;
        return n;
}

static void guest_units_free(GuestUnit *u, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(u[i].unit);
        free(u);
}

/* The records a guest's steps may have written: one per device, one per per-guest step. */
static char **guest_record_paths(const Guest *g) {
        static const char *const kinds[] = { "vfio-lend", "hugepages", "lookingglass", "input", "ddc", "tap" };
        char **paths = NULL;
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                strv_consume(&paths, state_file_path("vfio", pci_address_format(&g->devices[i].address, bdf)));
        }
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                strv_consume(&paths, state_file_path(kinds[i], g->name));
        status_shared_record_paths(g, &paths);
        return paths;
}

static void print_records(const Guest *g) {
        _cleanup_strv_free_ char **paths = guest_record_paths(g);
        bool any = false;
        for (size_t i = 0; paths[i]; i++) {
                _cleanup_state_file_free_ StateFile *s = NULL;
                int r = state_file_load(paths[i], &s);
                if (r == -ENOENT)
                        continue;
                if (!any)
                        printf("\n  Host changes recorded (undone when the guest stops):\n");
                any = true;
                printf("    %s:", paths[i]);
                if (r < 0)
                        printf(" %s(unreadable: %s)%s", ansi_red(), strerror(-r), ansi_normal());
                for (size_t k = 0; s && k < s->n; k++)
                        printf(" %s=%s", s->keys[k], s->values[k]);
                putchar('\n');
        }
        if (!any)
                printf("\n  Host changes recorded: none\n");
}

static void print_guest(sd_bus *bus, const GuestInfo *gi) {
        const Guest *g = gi->guest;

        printf("%s%s%s - %s\n", ansi_bold(), g->name, ansi_normal(), g->description);
        printf("  config:    %s\n", g->path);
        for (size_t i = 0; g->dropins && g->dropins[i]; i++)
                printf("  drop-in:   %s\n", g->dropins[i]);
        printf("  autostart: %s\n", g->autostart ? "yes" : "no");
        printf("  state:     %s%s%s\n\n", ansi_for_state(gi->state), gi->state ? gi->state : "unknown", ansi_normal());

        GuestUnit *units;
        size_t n = guest_units(g, &units);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *state =
                        i == 0 ? xstrdup(gi->state ?: "unknown") : unit_active_state(bus, units[i].unit);
                printf("  ");
                print_cell(units[i].unit, 42, NULL, " ");
                print_cell(state ?: "unknown", 12, ansi_for_state(state), " ");
                printf("%s\n", units[i].role);
        }
        guest_units_free(units, n);
        status_shared_print_holds(g);
        print_records(g);
        printf("\n  Logs: journalctl VXM_GUEST=%s, or journalctl -u 'vxm-*@%s*'\n", g->name, g->name);
}

static JsonValue *guest_json(sd_bus *bus, const GuestInfo *gi) {
        JsonValue *o = guest_info_json(gi), *units = json_new_array(), *records = json_new_array();
        const Guest *g = gi->guest;

        if (g) {
                GuestUnit *u;
                size_t n = guest_units(g, &u);
                for (size_t i = 0; i < n; i++) {
                        JsonValue *e = json_new_object();
                        _cleanup_free_ char *state = unit_active_state(bus, u[i].unit);
                        json_object_append(e, "unit", json_new_string(u[i].unit));
                        json_object_append(e, "role", json_new_string(u[i].role));
                        json_object_append(e, "state", json_new_string(state));
                        json_array_append(units, e);
                }
                guest_units_free(u, n);

                _cleanup_strv_free_ char **paths = guest_record_paths(g);
                for (size_t i = 0; paths[i]; i++) {
                        _cleanup_state_file_free_ StateFile *s = NULL;
                        int r = state_file_load(paths[i], &s);
                        if (r == -ENOENT)
                                continue;
                        JsonValue *rec = json_new_object(), *entries = json_new_object();
                        for (size_t k = 0; s && k < s->n; k++)
                                json_object_append(entries, s->keys[k], json_new_string(s->values[k]));
                        json_object_append(rec, "path", json_new_string(paths[i]));
                        json_object_append(rec, "entries", entries);
                        json_object_append(rec, "error", json_new_string(r < 0 ? strerror(-r) : NULL));
                        json_array_append(records, rec);
                }
        }
        json_object_append(o, "units", units);
        json_object_append(o, "records", records);
        return o;
}

static void help(FILE *f) {
        fprintf(f, "Usage: vxm status [--json[=MODE]] [NAME]\n"
                   "\n"
                   "Show a guest (every guest without NAME): its configuration files, whether it starts at boot, the\n"
                   "state of vxm-guest@NAME.service and of each preparation unit it uses, what those recorded under\n"
                   "/run/vxm/.state (the host changes they undo when the guest stops), and where its logs are.\n"
                   "\n"
                   "Options:\n"
                   "  -h --help          Show this help\n" OPTION_JSON_HELP);
}

int cmd_status(int argc, char *argv[]) {
        JsonMode json;
        int c = parse_show_options(argc, argv, help, &json);
        if (c != 0)
                return c > 0 ? 0 : 2;
        if (argc - optind > 1) {
                log_error("vxm status takes at most one guest name (see vxm status --help).");
                return 2;
        }

        _cleanup_strv_free_ char **names = NULL;
        if (optind < argc)
                strv_push(&names, argv[optind]);
        else if (guest_list(&names) < 0)
                return 1;
        _cleanup_bus_close_ sd_bus *bus = strv_length(names) > 0 ? bus_open_or_warn() : NULL;

        _cleanup_(json_freep) JsonValue *guests = json_new_array();
        int ret = 0;
        bool first = true;
        for (size_t i = 0; names[i]; i++) {
                GuestInfo gi;
                guest_info_load(names[i], bus, json != JSON_MODE_OFF, &gi);
                if (gi.missing) {
                        _cleanup_free_ char *dirs = config_dirs_text(" or ");
                        log_error("No guest named \"%s\" (no %s.conf in %s).", names[i], names[i], dirs);
                        ret = 1;
                } else if (json != JSON_MODE_OFF) {
                        json_array_append(guests, guest_json(bus, &gi));
                        ret = gi.guest ? ret : 1;
                } else {
                        if (!first)
                                putchar('\n');
                        first = false;
                        if (gi.guest)
                                print_guest(bus, &gi);
                        else {
                                printf("%s - %sinvalid configuration (errors above)%s\n", gi.name, ansi_red(),
                                       ansi_normal());
                                ret = 1;
                        }
                }
                guest_info_done(&gi);
        }

        if (json != JSON_MODE_OFF) {
                _cleanup_(json_freep) JsonValue *o = json_new_object();
                json_object_append(o, "version", json_new_number(1));
                json_object_append(o, "guests", TAKE_PTR(guests));
                if (json_print(o, json) < 0)
                        ret = 1;
        } else if (!names[0])
                print_no_guests();
        return ret;
}
