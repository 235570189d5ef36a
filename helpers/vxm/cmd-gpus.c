/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm gpus: every display controller, its IOMMU group, and whether vxm-vfio would pass it through (and why not).
 * The verdict comes from the same rules vxm-vfio enforces (lib/host/vfio-check.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "basic/strv.h"
#include "host/vfio-check.h"
#include "commands.h"

typedef struct Gpu {
        const PciDevice *dev;
        PciDevice **group;   /* all members, sorted; NULL without an IOMMU */
        char **take;         /* what the guest's [PCI] section lists: the GPU and its group's host-used endpoints */
        char **codes, **why; /* why not: machine-readable code and sentence, in parallel */
} Gpu;

static void gpu_done(Gpu *g) {
        pci_device_array_free(g->group);
        strv_free(g->take);
        strv_free(g->codes);
        strv_free(g->why);
}

static void add_reason(Gpu *g, const char *code, char *why) {
        strv_push(&g->codes, code);
        strv_consume(&g->why, why);
}

static int gpu_assess(Gpu *g, bool iommu) {
        const PciDevice *d = g->dev;
        int r;

        strv_push(&g->take, d->bdf);
        if (!iommu)
                add_reason(g, "iommu-off",
                           xstrdup("the IOMMU is off: boot with intel_iommu=on iommu=pt (Intel) or amd_iommu=on "
                                   "iommu=pt (AMD)"));
        if (d->boot_vga == 1)
                add_reason(g, "boot-vga", xstrdup("it is the boot VGA device that shows the host's console"));

        unsigned left;
        r = vfio_host_displays_left(d, &left);
        if (r < 0)
                return r;
        if (left == 0)
                add_reason(g, "only-gpu",
                           xstrdup("the host would keep no GPU (vxm does not support single-GPU passthrough)"));

        if (d->iommu_group < 0) {
                if (iommu)
                        add_reason(g, "no-iommu-group",
                                   xstrdup("the IOMMU left it out of every IOMMU group (see journalctl -k -g DMAR "
                                           "-g AMD-Vi)"));
                return 0;
        }
        r = pci_iommu_group_members(d->iommu_group, &g->group);
        if (r < 0)
                return r;

        _cleanup_pci_device_array_free_ PciDevice **busy = NULL;
        r = vfio_group_offenders(d, NULL, 0, &busy);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **foreign = NULL;
        for (size_t i = 0; busy[i]; i++) {
                strv_push(&g->take, busy[i]->bdf);
                /* Other functions of the card (HDMI audio, USB-C) go along naturally; other slots are foreign. */
                if (!pci_address_same_slot(&busy[i]->address, &d->address))
                        strv_consume(&foreign, xasprintf("%s (%s)", busy[i]->bdf, busy[i]->driver));
        }
        if (foreign) {
                _cleanup_free_ char *list = xstrdup(foreign[0]);
                for (size_t i = 1; foreign[i]; i++) {
                        char *n = xasprintf("%s, %s", list, foreign[i]);
                        free(list);
                        list = n;
                }
                add_reason(g, "group-foreign",
                           xasprintf("IOMMU group %d also has %s, used by the host: they would have to go to the "
                                     "guest too",
                                     d->iommu_group, list));
        }
        return 0;
}

static void print_text(const Gpu *g) {
        const PciDevice *d = g->dev;
        printf("%s %s\n", d->bdf, d->name);
        printf("    driver:      %s\n", d->driver ?: "none");
        printf("    boot VGA:    %s\n", d->boot_vga == 1 ? "yes" : "no");
        if (d->iommu_group < 0)
                printf("    IOMMU group: none\n");
        else {
                printf("    IOMMU group: %d\n", d->iommu_group);
                for (size_t i = 0; g->group && g->group[i]; i++) {
                        const PciDevice *m = g->group[i];
                        _cleanup_free_ char *cls = pci_name_class(m->class_code);
                        printf("      %s [%04x] %-24s %-14s %s%s\n", m->bdf, m->class_code >> 8, cls,
                               m->driver ?: "(no driver)", m->name,
                               pci_device_is_pci_bridge(m) ? " (bridge, stays)" : "");
                }
        }
        if (!g->why) {
                printf("    vxm:         can pass through; list in the guest's [PCI] section:");
                for (size_t i = 0; g->take[i]; i++)
                        printf(" Device=%s", g->take[i]);
                printf("\n");
        } else
                for (size_t i = 0; g->why[i]; i++)
                        printf("    %s %s\n", i == 0 ? "vxm:         cannot pass through:" : "             and",
                               g->why[i]);
}

static void print_json_string(const char *s) {
        _cleanup_free_ char *q = json_quote(s);
        fputs(q, stdout);
}

static void json_strv(char *const *l) {
        putchar('[');
        for (size_t i = 0; l && l[i]; i++) {
                if (i > 0)
                        putchar(',');
                print_json_string(l[i]);
        }
        putchar(']');
}

static void json_device(const PciDevice *d) {
        _cleanup_free_ char *cls = pci_name_class(d->class_code);
        printf("{\"address\":\"%s\",\"vendor\":\"%04x\",\"device\":\"%04x\",\"class\":\"0x%06x\",\"class_name\":",
               d->bdf, d->vendor, d->device, d->class_code);
        print_json_string(cls);
        fputs(",\"name\":", stdout);
        print_json_string(d->name);
        fputs(",\"driver\":", stdout);
        print_json_string(d->driver);
        printf(",\"bridge\":%s", pci_device_is_pci_bridge(d) ? "true" : "false");
}

static void print_json(const Gpu *g, bool first) {
        const PciDevice *d = g->dev;
        fputs(first ? "\n" : ",\n", stdout);
        fputs("    ", stdout);
        json_device(d);
        printf(",\"boot_vga\":%s,\"iommu_group\":", d->boot_vga == 1 ? "true" : "false");
        if (d->iommu_group < 0)
                fputs("null", stdout);
        else
                printf("%d", d->iommu_group);
        fputs(",\"group\":[", stdout);
        for (size_t i = 0; g->group && g->group[i]; i++) {
                fputs(i > 0 ? "," : "", stdout);
                json_device(g->group[i]);
                putchar('}');
        }
        printf("],\"passthrough\":%s,\"guest_devices\":", g->why ? "false" : "true");
        json_strv(g->take);
        fputs(",\"reasons\":[", stdout);
        for (size_t i = 0; g->why && g->why[i]; i++) {
                fputs(i > 0 ? ",{\"code\":" : "{\"code\":", stdout);
                print_json_string(g->codes[i]);
                fputs(",\"message\":", stdout);
                print_json_string(g->why[i]);
                putchar('}');
        }
        fputs("]}", stdout);
}

static void help(void) {
        printf("Usage: vxm gpus [--json]\n\n"
               "List every display controller with its driver, boot_vga, IOMMU group and group members,\n"
               "and whether vxm can pass it through to a guest (and why not).\n\n"
               "Options:\n"
               "  -h --help   Show this help\n"
               "     --json   Machine-readable output\n");
}

int cmd_gpus(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, ARG_JSON },
                {},
        };
        bool json = false;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_JSON:
                        json = true;
                        break;
                default:
                        log_error("See vxm gpus --help.");
                        return 2;
                }
        if (optind < argc) {
                log_error("vxm gpus takes no arguments (see vxm gpus --help).");
                return 2;
        }

        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        int r = pci_device_list_all(&all);
        if (r < 0) {
                log_error_errno(r, "Failed to list PCI devices in /sys/bus/pci/devices: %m");
                return 1;
        }
        bool iommu = pci_iommu_enabled();

        if (json)
                printf("{\"iommu\":%s,\"gpus\":[", iommu ? "true" : "false");
        size_t n = 0;
        for (size_t i = 0; all[i]; i++) {
                if (!pci_device_is_display(all[i]))
                        continue;
                _cleanup_(gpu_done) Gpu g = { .dev = all[i] };
                r = gpu_assess(&g, iommu);
                if (r < 0) {
                        log_error_errno(r, "Failed to inspect %s %s: %m", all[i]->bdf, all[i]->name);
                        return 1;
                }
                if (json)
                        print_json(&g, n == 0);
                else
                        print_text(&g);
                if (!json && all[i + 1])
                        putchar('\n');
                n++;
        }
        if (json)
                printf("%s]}\n", n ? "\n" : "");
        else if (n == 0)
                printf("No display controller found in /sys/bus/pci/devices.\n");
        pci_names_done();
        return 0;
}
