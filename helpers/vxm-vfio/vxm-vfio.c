/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-vfio: moves one PCI device from its host driver to vfio-pci for a guest, and back. Run as root by
 * vxm-vfio@BDF.service (ExecStart=hold, ExecStopPost=unbind); see bind.c for the sequence. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "host/pci-names.h"
#include "host/systemd-jobs.h"
#include "vxm-config.h"
#include "vxm-vfio.h"

static void help(FILE *f) {
        fprintf(f, "Usage: vxm-vfio [OPTIONS] bind|unbind|hold BDF\n"
                   "\n"
                   "Give a PCI device to vfio-pci for a vxm guest, and give it back to the host driver it had.\n"
                   "vxm-vfio@BDF.service runs this; BDF may be spelled 0000:03:00.0, 03:00.0 or 3:0.0.\n"
                   "\n"
                   "Commands:\n"
                   "  bind BDF     Check that the device can go (IOMMU on, not the host's only or boot GPU,\n"
                   "               whole IOMMU group taken by the guest it is for, not in use on the host),\n"
                   "               record its driver in /run/vxm/.state/vfio/BDF and bind it to vfio-pci.\n"
                   "               /dev/vfio/GROUP stays root's: vxm-guest lends it to the user of the guest\n"
                   "               that starts. Does nothing if already bound.\n"
                   "  unbind BDF   Undo exactly what bind recorded and put the host driver back. A device\n"
                   "               vxm did not bind (no record) is left alone. While a process still has it\n"
                   "               open through /dev/vfio (the kernel would block the unbind until it lets\n"
                   "               go), it waits 3 s, then refuses, names the process and keeps the record.\n"
                   "  hold BDF     bind, then wait for SIGTERM, SIGINT or SIGHUP and unbind: the binding lasts\n"
                   "               as long as this process (vxm-vfio@BDF.service runs this, so that its stop\n"
                   "               gives the device back without starting another process). A signal during\n"
                   "               the bind is handled once the bind is done.\n"
                   "\n"
                   "Which guest a bind is for: the guest given with --guest; else each guest that lists BDF\n"
                   "and whose vxm-guest@NAME.service start job systemd has queued (the guest being started);\n"
                   "else every guest that lists BDF. Each of them must take the device's whole IOMMU group\n"
                   "with its own Device= lines, as \"vxm check NAME\" demands.\n"
                   "\n"
                   "Options:\n"
                   "  -g --guest NAME  bind, hold: check the IOMMU group against guest NAME's devices only\n"
                   "  -h --help        Show this help\n"
                   "     --version     Show the version\n"
                   "\n"
                   "Exit status: 0 done (or nothing to do; hold: given back after the signal), 1 refused or\n"
                   "failed (the reason is logged), 2 usage error. See vxm(1).\n");
}

/* The guests whose configs list the device; pick_guests() decides which of them the bind is for. */
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
        free(t->bound_for);
}

static Guest *target_guest(const VfioTarget *t, const char *name) {
        for (size_t i = 0; i < t->n_guests; i++)
                if (strcmp(t->guests[i]->name, name) == 0)
                        return t->guests[i];
        return NULL;
}

static void bound_for_add(VfioTarget *t, Guest *g) {
        t->bound_for = xrealloc(t->bound_for, (t->n_bound_for + 1) * sizeof *t->bound_for);
        t->bound_for[t->n_bound_for++] = g;
}

/* Decides which guests a bind is for. vxm-vfio@BDF.service is one unit for every guest that lists BDF, so the unit
 * cannot say; systemd's job queue can: while this runs, the start job of the guest that pulled the unit in waits for
 * it (After=). Checking the group against the union of all those guests' devices instead would bind a device for a
 * guest that cannot use it (linux lists 01:00.0, win lists 01:00.0 and its audio function 01:00.1: starting linux
 * must be refused, not leave 01:00.0 on vfio-pci in a group QEMU cannot open). Without such a job (a bind by hand),
 * --guest says which guest; otherwise every guest that lists the device must be able to take the group. */
static int pick_guests(VfioTarget *t, const char *only) {
        if (only) {
                Guest *g = target_guest(t, only);
                if (!g)
                        return log_error_errno(ENOENT,
                                               "Guest %s does not list %s (or its configuration has errors, see "
                                               "\"vxm check %s\"): not binding it for that guest.",
                                               only, t->label, only);
                bound_for_add(t, g);
                t->why = VFIO_FOR_OPTION;
                return 0;
        }
        if (t->n_guests == 0) {
                t->why = VFIO_FOR_NOBODY;
                return 0;
        }

        _cleanup_strv_free_ char **starting = NULL;
        int r = systemd_starting_guests(&starting);
        if (r < 0)
                log_warning_errno(r,
                                  "Could not ask systemd which guest is being started (%m): checking the IOMMU group "
                                  "against every guest that lists %s.",
                                  t->bdf);
        for (size_t i = 0; i < t->n_guests; i++)
                if (strv_contains(starting, t->guests[i]->name))
                        bound_for_add(t, t->guests[i]);
        if (t->n_bound_for > 0) {
                t->why = VFIO_FOR_JOB;
                return 0;
        }
        for (size_t i = 0; i < t->n_guests; i++)
                bound_for_add(t, t->guests[i]);
        t->why = VFIO_FOR_EVERY;
        return 0;
}

static int run(bool bind, const PciAddress *a, const char *only) {
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
        if (bind && pick_guests(&t, only) < 0)
                return 1;
        if (bind && t.n_bound_for == 1)
                log_set_guest(t.bound_for[0]->name);
        else if (!bind && t.n_guests == 1)
                log_set_guest(t.guests[0]->name);
        if (bind && t.why == VFIO_FOR_JOB)
                for (size_t i = 0; i < t.n_bound_for; i++)
                        log_info("systemd is starting guest %s, which lists %s: the IOMMU group must go with that "
                                 "guest's devices.",
                                 t.bound_for[i]->name, t.label);

        r = bind ? vfio_bind(&t) : vfio_unbind(&t);
        return r < 0 ? 1 : 0;
}

/* bind, then the binding lasts as long as this process: systemd's stop of vxm-vfio@BDF.service is a signal to a
 * process that is already there, and the device is back on its host driver without systemd forking and sandboxing
 * another one first (ExecStopPost=unbind stays for a process that was killed: it finds no record when this one gave
 * the device back). The stop signals are blocked from the start, so one that comes during the bind waits for it. */
static int run_hold(const PciAddress *a, const char *only) {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &stop, NULL) < 0) {
                log_error_errno(errno, "Failed to block the stop signals: %m");
                return 1;
        }

        if (run(true, a, only) != 0)
                return 1;
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(a, bdf);
        (void) sd_notifyf(0, "READY=1\nSTATUS=%s is on vfio-pci; stopping gives it back to the host.", bdf);
        if (!getenv("NOTIFY_SOCKET"))
                log_info("Holding %s on vfio-pci: SIGTERM or Ctrl-C gives it back to the host.", bdf);

        siginfo_t si;
        while (sigwaitinfo(&stop, &si) < 0)
                if (errno != EINTR) {
                        log_error_errno(errno, "Failed to wait for a stop signal: %m");
                        break;
                }
        (void) sd_notify(0, "STOPPING=1");
        return run(false, a, NULL);
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "guest", required_argument, NULL, 'g' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        const char *only = NULL, *why;
        int c;

        log_setup("vxm-vfio", LOG_TARGET_AUTO);

        while ((c = getopt_long(argc, argv, "g:h", options, NULL)) >= 0)
                switch (c) {
                case 'g':
                        if (!guest_name_is_valid(optarg, &why)) {
                                log_error("Invalid guest name \"%s\": %s.", optarg, why);
                                return 2;
                        }
                        only = optarg;
                        break;
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
                log_error("Expected a command and a PCI address: vxm-vfio bind|unbind|hold BDF (see --help).");
                return 2;
        }
        const char *verb = argv[optind], *arg = argv[optind + 1];
        bool hold = strcmp(verb, "hold") == 0, bind = hold || strcmp(verb, "bind") == 0;
        if (!bind && strcmp(verb, "unbind") != 0) {
                log_error("Unknown command \"%s\": expected bind, unbind or hold (see --help).", verb);
                return 2;
        }

        if (only && !bind) {
                log_error("--guest only applies to bind: unbind undoes what the record says, for whichever guest.");
                return 2;
        }

        PciAddress a;
        if (pci_address_parse(arg, &a, &why) < 0) {
                log_error("Invalid PCI address \"%s\": %s.", arg, why);
                return 2;
        }

        int ret = hold ? run_hold(&a, only) : run(bind, &a, only);
        pci_names_done();
        return ret;
}
