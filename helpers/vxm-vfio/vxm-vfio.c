/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-vfio: moves one PCI device from its host driver to vfio-pci for a guest, and back. Run as root by
 * vxm-vfio@BDF.service (ExecStart=bind, ExecStopPost=unbind); see bind.c for the sequence. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "host/pci-names.h"
#include "basic/strv.h"
#include "vxm-config.h"
#include "vxm-vfio.h"

static void help(FILE *f) {
        fprintf(f, "Usage: vxm-vfio [OPTIONS] bind|unbind BDF\n"
                   "\n"
                   "Give a PCI device to vfio-pci for a vxm guest, and give it back to the host driver it had.\n"
                   "vxm-vfio@BDF.service runs this; BDF may be spelled 0000:03:00.0, 03:00.0 or 3:0.0.\n"
                   "\n"
                   "Commands:\n"
                   "  bind BDF     Check that the device can go (IOMMU on, not the host's only or boot GPU,\n"
                   "               whole IOMMU group accounted for, not in use on the host), record its\n"
                   "               driver in /run/vxm/.state/vfio/BDF, bind it to vfio-pci and give /dev/vfio/GROUP\n"
                   "               to the user of the guest that lists it. Does nothing if already bound.\n"
                   "  unbind BDF   Undo exactly what bind recorded and put the host driver back. A device\n"
                   "               vxm did not bind (no record) is left alone.\n"
                   "\n"
                   "Options:\n"
                   "  -h --help    Show this help\n"
                   "     --version Show the version\n"
                   "\n"
                   "Exit status: 0 done (or nothing to do), 1 refused or failed (the reason is logged),\n"
                   "2 usage error. See vxm(1).\n");
}

/* The guests whose configs list the device (they decide who gets /dev/vfio/GROUP and what the group may hold). */
static int load_guests(VfioTarget *t) {
        Guest **all = NULL;
        int r = helper_load_all_guests(&all);
        if (r < 0)
                return r;
        size_t n = 0;
        for (size_t i = 0; all[i]; i++)
                if (guest_has_device(all[i], &t->dev->address))
                        all[n++] = all[i];
                else
                        guest_free(all[i]);
        all[n] = NULL;
        t->guests = all;
        t->n_guests = n;
        return 0;
}

static void target_done(VfioTarget *t) {
        pci_device_free(t->dev);
        free(t->label);
        for (size_t i = 0; i < t->n_guests; i++)
                guest_free(t->guests[i]);
        free(t->guests);
}

static int run(bool bind, const PciAddress *a) {
        _cleanup_(target_done) VfioTarget t = {};
        const char *bdf = pci_address_format(a, t.bdf);
        int r;

        log_set_device(bdf);

        r = pci_device_load(a, &t.dev);
        if (r == -ENODEV && !bind) {
                /* Unplugged: there is nothing to give back, but the record must not outlive the device. */
                t.label = xstrdup(bdf);
                return vfio_unbind(&t) < 0 ? 1 : 0;
        }
        if (r == -ENODEV) {
                log_error("There is no PCI device %s. Check the address with \"lspci -D\" (or \"vxm gpus\" for "
                          "display controllers) and the Device= line of the guest that lists it.",
                          bdf);
                return 1;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to read PCI device %s from sysfs: %m", bdf);
                return 1;
        }
        t.label = xasprintf("%s %s", bdf, t.dev->name);

        if (load_guests(&t) < 0)
                return 1;
        if (t.n_guests == 1)
                log_set_guest(t.guests[0]->name);

        r = bind ? vfio_bind(&t) : vfio_unbind(&t);
        return r < 0 ? 1 : 0;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        log_setup("vxm-vfio", LOG_TARGET_AUTO);

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(stdout);
                        return 0;
                case ARG_VERSION:
                        printf("vxm-vfio %s\n", VXM_VERSION);
                        return 0;
                default:
                        log_error("See vxm-vfio --help.");
                        return 2;
                }

        if (argc - optind != 2) {
                log_error("Expected a command and a PCI address: vxm-vfio bind|unbind BDF (see --help).");
                return 2;
        }
        const char *verb = argv[optind], *arg = argv[optind + 1];
        bool bind = strcmp(verb, "bind") == 0;
        if (!bind && strcmp(verb, "unbind") != 0) {
                log_error("Unknown command \"%s\": expected bind or unbind (see --help).", verb);
                return 2;
        }

        PciAddress a;
        const char *why;
        if (pci_address_parse(arg, &a, &why) < 0) {
                log_error("Invalid PCI address \"%s\": %s.", arg, why);
                return 2;
        }

        int ret = run(bind, &a);
        pci_names_done();
        return ret;
}
