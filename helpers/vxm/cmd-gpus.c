/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm gpus: every display controller, its IOMMU group, and whether vxm-vfio would pass it through (and why not).
 * The verdict comes from the same rules vxm-vfio enforces (lib/host/vfio-check.c, through gpu-assess.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "commands.h"
#include "gpu-assess.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "gpus-shared.h"
#include "output.h"

/* The table fits this many columns (a terminal narrower than this gets its own width). */
#define GPUS_WIDTH 100

static const char *const headers[] = { "ADDRESS", "NAME", "DRIVER", "GROUP", "NODE", "BOOT-VGA", "PASSTHROUGH" };

static void print_table(const Gpu *gpus, size_t n) {
        size_t w[ELEMENTSOF(headers)];
        for (size_t i = 0; i < ELEMENTSOF(headers); i++)
                w[i] = strlen(headers[i]);
        for (size_t i = 0; i < n; i++) {
                w[0] = size_max(w[0], strlen(gpus[i].dev->bdf));
                w[2] = size_max(w[2], strlen(gpus[i].dev->driver ?: "-"));
        }
        w[2] = w[2] > 16 ? 16 : w[2];
        /* The name takes what is left of the line (two spaces between columns). */
        size_t rest = w[0] + w[2] + w[3] + w[4] + w[5] + w[6] + 2 * (ELEMENTSOF(headers) - 1);
        size_t width = output_width(GPUS_WIDTH);
        w[1] = width > rest + 16 ? width - rest : 16;

        fputs(ansi_bold(), stdout);
        for (size_t i = 0; i < ELEMENTSOF(headers); i++)
                print_cell(headers[i], i + 1 < ELEMENTSOF(headers) ? w[i] : strlen(headers[i]), NULL,
                           i + 1 < ELEMENTSOF(headers) ? "  " : "");
        printf("%s\n", ansi_normal());

        for (size_t i = 0; i < n; i++) {
                const PciDevice *d = gpus[i].dev;
                char group[16], node[16];
                snprintf(group, sizeof group, "%d", d->iommu_group);
                snprintf(node, sizeof node, "%d", gpus[i].numa_node);
                print_cell(d->bdf, w[0], NULL, "  ");
                print_cell(d->name ?: "", w[1], NULL, "  ");
                print_cell(d->driver ?: "-", w[2], NULL, "  ");
                printf("%*s  %*s  ", (int) w[3], d->iommu_group < 0 ? "-" : group, (int) w[4],
                       gpus[i].numa_node < 0 ? "-" : node);
                print_cell(d->boot_vga == 1 ? "yes" : "no", w[5], NULL, "  ");
                printf("%s%s%s\n", gpus[i].why ? ansi_red() : ansi_green(), gpus[i].why ? "no" : "yes", ansi_normal());
        }
}

/* Below the table, per GPU: why not, or what the guest must list (the whole IOMMU group). */
static void print_details(const Gpu *g) {
        const PciDevice *d = g->dev;
        size_t width = output_width(GPUS_WIDTH);

        putchar('\n');
        if (g->why) {
                printf("%s%s%s cannot be passed through:\n", ansi_bold(), d->bdf, ansi_normal());
                for (size_t i = 0; g->why[i]; i++) {
                        printf("  - ");
                        print_cell(g->why[i], width - 4, NULL, "\n");
                }
                return;
        }
        printf("%s%s%s can be passed through, with all of IOMMU group %d:\n", ansi_bold(), d->bdf, ansi_normal(),
               d->iommu_group);
        for (size_t i = 0; g->group && g->group[i]; i++) {
                const PciDevice *m = g->group[i];
                _cleanup_free_ char *cls = pci_name_class(m->class_code);
                printf("    %s  ", m->bdf);
                print_cell(cls ?: "", 26, NULL, "  ");
                print_cell(pci_device_is_pci_bridge(m) ? "(bridge, stays)" : m->driver ?: "(no driver)", 16, NULL,
                           "  ");
                print_cell(m->name ?: "", width > 66 ? width - 66 : 10, NULL, "\n");
        }
        printf("  In the guest's [PCI] section:");
        for (size_t i = 0; g->take[i]; i++)
                printf(" Device=%s", g->take[i]);
        printf("\n  or: vxm new NAME --gpu %s\n", d->bdf);
}

static JsonValue *device_json(const PciDevice *d) {
        _cleanup_free_ char *cls = pci_name_class(d->class_code);
        char hex[16];
        JsonValue *o = json_new_object();

        json_object_append(o, "address", json_new_string(d->bdf));
        snprintf(hex, sizeof hex, "%04x", d->vendor);
        json_object_append(o, "vendor", json_new_string(hex));
        snprintf(hex, sizeof hex, "%04x", d->device);
        json_object_append(o, "device", json_new_string(hex));
        snprintf(hex, sizeof hex, "0x%06x", d->class_code);
        json_object_append(o, "class", json_new_string(hex));
        json_object_append(o, "class_name", json_new_string(cls));
        json_object_append(o, "name", json_new_string(d->name));
        json_object_append(o, "driver", json_new_string(d->driver));
        json_object_append(o, "bridge", json_new_boolean(pci_device_is_pci_bridge(d)));
        return o;
}

static JsonValue *gpu_json(const Gpu *g) {
        const PciDevice *d = g->dev;
        JsonValue *o = device_json(d), *group = json_new_array(), *reasons = json_new_array();

        json_object_append(o, "boot_vga", json_new_boolean(d->boot_vga == 1));
        json_object_append(o, "iommu_group", d->iommu_group < 0 ? json_new_null() : json_new_number(d->iommu_group));
        json_object_append(o, "numa_node", g->numa_node < 0 ? json_new_null() : json_new_number(g->numa_node));
        for (size_t i = 0; g->group && g->group[i]; i++)
                json_array_append(group, device_json(g->group[i]));
        json_object_append(o, "group", group);
        json_object_append(o, "passthrough", json_new_boolean(!g->why));
        json_object_append(o, "guest_devices", json_new_strv(g->take));
        for (size_t i = 0; g->why && g->why[i]; i++) {
                JsonValue *r = json_new_object();
                json_object_append(r, "code", json_new_string(g->codes[i]));
                json_object_append(r, "message", json_new_string(g->why[i]));
                json_array_append(reasons, r);
        }
        json_object_append(o, "reasons", reasons);
        gpus_json_sharing(d, o);
        return o;
}

static void help(FILE *f) {
        fprintf(f,
                "Usage: vxm gpus [--json[=MODE]] [BDF...]\n"
                "\n"
                "List the display controllers (or the ones given) in a table: address, name, driver, IOMMU group,\n"
                "NUMA node, whether it is the boot VGA device, and whether vxm can pass it through; then, for each,\n"
                "why not, or the members of its IOMMU group that the guest's [PCI] section lists, and what it offers\n"
                "for sharing (SR-IOV virtual functions and the guests holding them, mdev types with free instances).\n"
                "Without BDF, then the other devices guests can share (VirtualFunction=, Mdev=).\n"
                "\n"
                "Options:\n"
                "  -h --help          Show this help\n" OPTION_JSON_HELP);
}

/* The devices to show: every display controller, or the ones on the command line (any BDF spelling). */
static int select_gpus(PciDevice **all, char **args, PciDevice ***ret) {
        size_t n_all = 0, n = 0;
        int r = 0;
        while (all[n_all])
                n_all++;
        PciDevice **sel = xmalloc((n_all + 1) * sizeof *sel);

        for (size_t i = 0; all[i]; i++)
                if (!args[0] && pci_device_is_display(all[i]))
                        sel[n++] = all[i];
        for (size_t k = 0; args[k]; k++) {
                PciAddress a;
                const PciDevice *found = NULL;
                const char *why;
                if (pci_address_parse(args[k], &a, &why) < 0) {
                        r = log_error_errno(EINVAL, "\"%s\" is not a PCI address: %s.", args[k], why);
                        continue;
                }
                for (size_t i = 0; all[i] && !found; i++)
                        if (pci_address_equal(&all[i]->address, &a))
                                found = all[i];
                if (!found)
                        r = log_error_errno(ENODEV, "%s: no such PCI device (lspci -D lists them).", args[k]);
                else if (!pci_device_is_display(found)) {
                        _cleanup_free_ char *cls = pci_name_class(found->class_code);
                        r = log_error_errno(EINVAL, "%s is not a display controller: %s (class 0x%06x).", found->bdf,
                                            cls ?: "?", found->class_code);
                } else
                        sel[n++] = (PciDevice *) found;
        }
        sel[n] = NULL;
        if (r < 0) {
                free(sel);
                return r;
        }
        *ret = sel;
        return 0;
}

int cmd_gpus(int argc, char *argv[]) {
        JsonMode json;
        int c = parse_show_options(argc, argv, help, &json);
        if (c != 0)
                return c > 0 ? 0 : 2;

        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        int r = pci_device_list_all(&all);
        if (r < 0) {
                log_error_errno(r, "Failed to list PCI devices in /sys/bus/pci/devices: %m");
                return 1;
        }
        _cleanup_free_ PciDevice **sel = NULL;
        if (select_gpus(all, argv + optind, &sel) < 0)
                return 1;
        bool iommu = pci_iommu_enabled();

        size_t n = 0;
        while (sel[n])
                n++;
        Gpu *gpus = xmalloc((n + 1) * sizeof *gpus);
        int ret = 0;
        size_t k;
        for (k = 0; k < n; k++) {
                r = gpu_assess(&gpus[k], sel[k], iommu);
                if (r < 0) {
                        log_error_errno(r, "Failed to inspect %s %s: %m", sel[k]->bdf, sel[k]->name);
                        gpu_done(&gpus[k]);
                        ret = 1;
                        break;
                }
        }

        if (ret == 0 && json != JSON_MODE_OFF) {
                _cleanup_(json_freep) JsonValue *o = json_new_object();
                JsonValue *list = json_new_array();
                json_object_append(o, "version", json_new_number(1));
                json_object_append(o, "iommu", json_new_boolean(iommu));
                for (size_t i = 0; i < n; i++)
                        json_array_append(list, gpu_json(&gpus[i]));
                json_object_append(o, "gpus", list);
                if (!argv[optind])
                        json_object_append(o, "shareable", gpus_json_other_shareable(all));
                ret = json_print(o, json) < 0 ? 1 : 0;
        } else if (ret == 0) {
                if (n == 0)
                        printf("No display controller found in /sys/bus/pci/devices.\n");
                else
                        print_table(gpus, n);
                for (size_t i = 0; i < n; i++) {
                        print_details(&gpus[i]);
                        gpus_print_sharing(gpus[i].dev, false);
                }
                if (!argv[optind])
                        gpus_print_other_shareable(all);
        }

        for (size_t i = 0; i < k; i++)
                gpu_done(&gpus[i]);
        free(gpus);
        pci_names_done();
        return ret;
}
