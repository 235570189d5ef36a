/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm status: the steps of a guest's VirtualFunction= and Mdev= lines, and which VF and which mdev it holds now (from
 * the records of vxm-vf@ and vxm-mdev@, the same ones vxm-guest builds QEMU's command line from). */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "host/state-file.h"
#include "host/mdev.h"
#include "host/vf-alloc.h"
#include "status.h"

static bool first_line_for_pf(const Guest *g, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (pci_address_equal(&g->vfs[j].pf, &g->vfs[i].pf))
                        return false;
        return true;
}

void status_shared_print_holds(const Guest *g) {
        if (g->n_vfs + g->n_mdevs == 0)
                return;

        VfHold *holds = NULL;
        MdevRecord *recs = NULL;
        size_t n_holds = 0, n_recs = 0;
        (void) vf_holds_of(g->name, &holds, &n_holds);
        (void) mdev_records_of(g->name, &recs, &n_recs);

        printf("\n  Shared devices held:\n");
        for (size_t i = 0; i < g->n_vfs; i++) {
                char pf[PCI_ADDRESS_STRLEN];
                const char *vf = NULL;
                for (size_t k = 0; k < n_holds; k++)
                        if (holds[k].index == i)
                                vf = holds[k].vf;
                printf("    VirtualFunction=%s (%s:%u): %s\n", pci_address_format(&g->vfs[i].pf, pf),
                       g->vfs[i].source.file, g->vfs[i].source.line, vf ?: "none held (a VF is taken at start)");
        }
        for (size_t i = 0; i < g->n_mdevs; i++) {
                const MdevRecord *r = NULL;
                for (size_t k = 0; k < n_recs; k++)
                        if (recs[k].index == i)
                                r = &recs[k];
                printf("    Mdev=%s,type=%s (%s:%u): ", g->mdevs[i].parent ?: "auto", g->mdevs[i].type,
                       g->mdevs[i].source.file, g->mdevs[i].source.line);
                if (r)
                        printf("%s, %s on %s, %s%s\n", r->uuid, r->type, r->parent,
                               r->created ? "created by vxm" : "made outside vxm, left in place",
                               mdev_exists(r->uuid) ? "" : " (GONE from /sys/bus/mdev/devices)");
                else
                        printf("none (created at start)\n");
        }
        vf_holds_free(holds, n_holds);
        mdev_records_free(recs, n_recs);
}

size_t status_shared_max_units(const Guest *g) {
        return g->n_vfs + 2;
}

size_t status_shared_units(const Guest *g, GuestUnit *u) {
        size_t n = 0;
        if (g->n_vfs > 0)
                u[n++] = (GuestUnit){ xasprintf("vxm-vf@%s.service", g->name), "SR-IOV virtual functions" };
        for (size_t i = 0; i < g->n_vfs; i++)
                if (first_line_for_pf(g, i)) {
                        char pf[PCI_ADDRESS_STRLEN];
                        u[n++] = (GuestUnit){ xasprintf("vxm-sriov@%s.service", pci_address_format(&g->vfs[i].pf, pf)),
                                              "the physical function's VFs" };
                }
        if (g->n_mdevs > 0)
                u[n++] = (GuestUnit){ xasprintf("vxm-mdev@%s.service", g->name), "mediated devices" };
        return n;
}

void status_shared_record_paths(const Guest *g, char ***paths) {
        VfHold *holds = NULL;
        MdevRecord *recs = NULL;
        size_t n_holds = 0, n_recs = 0;
        if (g->n_vfs > 0)
                (void) vf_holds_of(g->name, &holds, &n_holds);
        for (size_t i = 0; i < n_holds; i++) {
                strv_consume(paths, state_file_path("vf", holds[i].vf));
                strv_consume(paths, state_file_path("vfio", holds[i].vf));
        }
        for (size_t i = 0; i < g->n_vfs; i++)
                if (first_line_for_pf(g, i)) {
                        char pf[PCI_ADDRESS_STRLEN];
                        strv_consume(paths, state_file_path("sriov", pci_address_format(&g->vfs[i].pf, pf)));
                }
        if (g->n_mdevs > 0)
                (void) mdev_records_of(g->name, &recs, &n_recs);
        for (size_t i = 0; i < n_recs; i++)
                strv_consume(paths, state_file_path("mdev", recs[i].uuid));
        vf_holds_free(holds, n_holds);
        mdev_records_free(recs, n_recs);
}
