/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm status [NAME]: the guest's units as systemd sees them, next to what the config asks for. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "config/config.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "basic/strv.h"
#include "commands.h"
#include "placement-report.h"

static void bus_unrefp(sd_bus **b) {
        sd_bus_unref(*b);
}

/* ActiveState of a unit without loading it: a unit systemd has not loaded is inactive by definition. */
static char *unit_state(sd_bus *bus, const char *unit) {
        if (!bus)
                return xstrdup("unknown");

        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *object;
        char *state = NULL;

        int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                bool missing = sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit");
                sd_bus_error_free(&error);
                return xstrdup(missing ? "inactive" : "unknown");
        }
        if (sd_bus_message_read(reply, "o", &object) >= 0 &&
            sd_bus_get_property_string(bus, "org.freedesktop.systemd1", object, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error, &state) < 0)
                state = NULL;
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return state ? state : xstrdup("unknown");
}

static void print_unit(sd_bus *bus, const char *unit, const char *what) {
        _cleanup_free_ char *state = unit_state(bus, unit);
        printf("  %-42s %-12s %s\n", unit, state, what);
}

/* One record: what a step changed on the host and will undo, as the step wrote it (comments left out). */
static bool print_record(const char *kind, const char *name, bool first) {
        _cleanup_free_ char *path = state_file_path(kind, name), *text = NULL;
        if (root_read_file(path, &text, NULL) < 0)
                return first;
        if (first)
                printf("\n  Host changes recorded (undone when the guest stops):\n");
        printf("    %s:", path);
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (l[0] != '#')
                        printf(" %s", l);
        putchar('\n');
        return false;
}

static void print_records(const Guest *g) {
        static const char *const kinds[] = { "hugepages", "lookingglass", "input", "ddc", "isolate" };
        bool first = true;
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                first = print_record("vfio", pci_address_format(&g->devices[i].address, bdf), first);
        }
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                first = print_record(kinds[i], g->name, first);
        if (first)
                printf("\n  Host changes recorded: none\n");
}

static void status_one(sd_bus *bus, const Guest *g) {
        _cleanup_free_ char *unit = xasprintf("vxm-guest@%s.service", g->name);
        _cleanup_free_ char *state = unit_state(bus, unit);

        printf("%s - %s\n", g->name, g->description);
        printf("  config:    %s\n", g->path);
        for (size_t i = 0; g->dropins && g->dropins[i]; i++)
                printf("  drop-in:   %s\n", g->dropins[i]);
        printf("  autostart: %s\n  state:     %s\n\n", g->autostart ? "yes" : "no", state);

        print_unit(bus, unit, "QEMU");
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *u =
                        xasprintf("vxm-vfio@%s.service", pci_address_format(&g->devices[i].address, bdf));
                print_unit(bus, u, "VFIO binding");
        }
        struct {
                bool on;
                const char *template;
                const char *what;
        } steps[] = {
                { g->hugepages != HUGEPAGES_NO, "vxm-hugepages", "hugepages" },
                { g->looking_glass, "vxm-lookingglass", "Looking Glass shared memory" },
                { g->tpm, "vxm-swtpm", "TPM emulator" },
                { g->keyboard_auto || g->mouse_auto || g->keyboards || g->mice, "vxm-input", "evdev input" },
                { g->monitor != NULL, "vxm-ddc", "monitor input switching" },
                { g->placement.isolate_host, "vxm-isolate", "host processes off the guest's CPUs" },
        };
        for (size_t i = 0; i < ELEMENTSOF(steps); i++)
                if (steps[i].on) {
                        _cleanup_free_ char *u = xasprintf("%s@%s.service", steps[i].template, g->name);
                        print_unit(bus, u, steps[i].what);
                }
        status_print_placement(bus, g);
        print_records(g);
        printf("\n  Logs: journalctl VXM_GUEST=%s, or journalctl -u 'vxm-*@%s*'\n", g->name, g->name);
}

int cmd_status(int argc, char *argv[]) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;

        if (argc > 2) {
                fprintf(stderr, "Usage: vxm status [NAME]\n");
                return 2;
        }
        int r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_warning_errno(r, "Cannot reach systemd over D-Bus, unit states are unknown: %m");
                bus = NULL;
        }

        if (argc == 2)
                strv_push(&names, argv[1]);
        else if (guest_list(&names) < 0)
                return 1;
        if (!names) {
                printf("No guests configured. Put one in /etc/vxm/NAME.conf (see vxm.conf(5)).\n");
                return 0;
        }

        int ret = 0;
        for (size_t i = 0; names[i]; i++) {
                _cleanup_guest_free_ Guest *g = NULL;
                r = guest_load(names[i], &g);
                if (r == -ENOENT) {
                        log_error("No guest named \"%s\" (no %s.conf in /etc/vxm, /run/vxm or /usr/lib/vxm).", names[i],
                                  names[i]);
                        ret = 1;
                        continue;
                }
                if (r < 0) {
                        printf("%s - invalid configuration (errors above)\n\n", names[i]);
                        ret = 1;
                        continue;
                }
                status_one(bus, g);
                if (names[i + 1])
                        putchar('\n');
        }
        return ret;
}
