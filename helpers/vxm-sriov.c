/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-sriov enable|restore PF: run by vxm-sriov@PF.service (ExecStart= enable, ExecStopPost= restore), which the
 * vxm-vf@NAME.service of every guest with VirtualFunction=PF requires. Enabling is shared by all those guests; systemd
 * stops the unit (StopWhenUnneeded=) once none of them runs, and only then are the VFs disabled again. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "config/config.h"
#include "config/helper-cli.h"
#include "host/pci-names.h"
#include "host/sriov.h"
#include "host/state-file.h"
#include "vxm-config.h"

static void help(FILE *f) {
        fprintf(f, "Usage: vxm-sriov enable|restore PF\n"
                   "\n"
                   "Enable the SR-IOV virtual functions of physical function PF for the guests that list it with\n"
                   "[PCI] VirtualFunction=PF, and put the PF back as it was when none of them needs them any more.\n"
                   "vxm-sriov@PF.service runs this.\n"
                   "\n"
                   "Commands:\n"
                   "  enable PF    If PF has virtual functions enabled already, use them and change nothing.\n"
                   "               Else record sriov_numvfs and sriov_drivers_autoprobe in\n"
                   "               /run/vxm/.state/sriov/PF, set sriov_drivers_autoprobe=0 (host drivers must\n"
                   "               not grab the new VFs) and enable the largest vfs=N of those guests' lines.\n"
                   "  restore PF   Undo exactly what enable recorded: sriov_numvfs back to 0, autoprobe as it\n"
                   "               was. Nothing when vxm did not enable them. Refused while a VF is on vfio-pci.\n"
                   "\n"
                   "Options:\n"
                   "  -h --help    Show this help\n"
                   "     --version Show the version\n"
                   "\n"
                   "Exit status: 0 done (or nothing to do), 1 refused or failed (the reason is logged),\n"
                   "2 usage error. Environment: VXM_ROOT (prefix of every host path, for tests).\n");
}

/* "file:line: VirtualFunction=PF" of each guest's first line for pf, for messages. */
static void log_lines(Guest **guests, const PciAddress *pf, const char *bdf) {
        for (size_t i = 0; guests[i]; i++)
                for (size_t j = 0; j < guests[i]->n_vfs; j++)
                        if (pci_address_equal(&guests[i]->vfs[j].pf, pf)) {
                                log_error("  %s:%u: VirtualFunction=%s (guest %s)", guests[i]->vfs[j].source.file,
                                          guests[i]->vfs[j].source.line, bdf, guests[i]->name);
                                break;
                        }
}

static int enable(const PciAddress *a, const char *bdf) {
        _cleanup_sriov_pf_free_ SriovPf *pf = NULL;
        int r = sriov_pf_load(a, &pf);
        if (r == -ENODEV)
                return log_error_errno(r,
                                       "There is no PCI device %s. Check the VirtualFunction= lines that name it "
                                       "(lspci -D lists the addresses).",
                                       bdf);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s from sysfs: %m", bdf);

        _cleanup_guests_free_ Guest **guests = NULL;
        r = helper_load_all_guests(&guests);
        if (r < 0)
                return log_error_errno(r, "Failed to list the guests: %m");
        /* Every guest gets at least the VFs its line asks for: the largest vfs= wins. */
        unsigned want = 0;
        const ConfigSource *src = NULL;
        size_t users = 0;
        for (size_t i = 0; guests[i]; i++) {
                const ConfigSource *s = NULL;
                unsigned n = guest_vfs_wanted(guests[i], a, &s);
                for (size_t j = 0; j < guests[i]->n_vfs; j++)
                        users += pci_address_equal(&guests[i]->vfs[j].pf, a);
                if (n > want) {
                        want = n;
                        src = s;
                }
        }

        _cleanup_free_ char *record = state_file_path("sriov", bdf);
        bool ours = root_exists(record);
        if (pf->capable && pf->numvfs > 0 && !ours) {
                log_info("%s has %u virtual functions enabled already (not by vxm): using them as they are.", bdf,
                         pf->numvfs);
                return 0;
        }
        if (pf->capable && pf->numvfs > 0 && ours) {
                log_info("%s: its %u virtual functions are vxm's (%s).", bdf, pf->numvfs, record);
                return 0;
        }
        if (users == 0) {
                log_info("No guest lists VirtualFunction=%s: nothing to enable.", bdf);
                return 0;
        }

        _cleanup_free_ char *why = sriov_pf_problem(pf, want);
        if (why) {
                if (src && want > pf->totalvfs)
                        log_error("%s:%u: VirtualFunction=%s: %s", src->file, src->line, bdf, why);
                else {
                        log_error("Cannot enable virtual functions on %s: %s", bdf, why);
                        log_error("The guests that share it:");
                        log_lines(guests, a, bdf);
                }
                log_error("Nothing was changed on %s.", bdf);
                return -EINVAL;
        }
        log_info("Enabling %u virtual functions on %s %s (vfs=%u at %s:%u).", want, bdf, pf->dev->name, want, src->file,
                 src->line);
        return sriov_pf_enable(pf, want);
}

int main(int argc, char *argv[]) {
        log_setup("vxm-sriov", LOG_TARGET_AUTO);

        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                help(stdout);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
                printf("vxm-sriov %s\n", VXM_VERSION);
                return 0;
        }
        if (argc != 3 || (strcmp(argv[1], "enable") != 0 && strcmp(argv[1], "restore") != 0)) {
                log_error("Expected a command and a PCI address: vxm-sriov enable|restore PF (see --help).");
                return 2;
        }
        PciAddress a;
        const char *why;
        char bdf[PCI_ADDRESS_STRLEN];
        if (pci_address_parse(argv[2], &a, &why) < 0) {
                log_error("Invalid PCI address \"%s\": %s.", argv[2], why);
                return 2;
        }
        log_set_device(pci_address_format(&a, bdf));

        int r = strcmp(argv[1], "enable") == 0 ? enable(&a, bdf) : sriov_pf_restore(&a);
        pci_names_done();
        return r < 0 ? 1 : 0;
}
