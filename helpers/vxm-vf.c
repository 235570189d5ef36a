/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-vf allocate|release NAME: run by vxm-vf@NAME.service (ExecStart= allocate, ExecStopPost= release). Takes one free
 * virtual function per [PCI] VirtualFunction= line of guest NAME, under a lock, with a hold recorded per VF, and binds
 * it to vfio-pci with vxm-vfio's own code (the same checks and record as a Device=, the IOMMU group checked for this
 * guest); vxm-guest devices-up then lends its group node to the guest's user from the hold, like a Device='s. Release
 * gives each VF back the same way and drops the hold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "config/config.h"
#include "config/helper-cli.h"
#include "host/pci-names.h"
#include "host/sriov.h"
#include "host/vf-alloc.h"
#include "vxm-vfio.h"

static void help(void) {
        printf("Usage: vxm-vf allocate|release NAME\n"
               "\n"
               "Give guest NAME one SR-IOV virtual function for each [PCI] VirtualFunction=PF line, and take them\n"
               "back. vxm-vf@NAME.service runs this, after vxm-sriov@PF.service has enabled the PF's VFs.\n"
               "\n"
               "  allocate NAME  Under the lock /run/vxm/.state/vf/.lock, take a VF of PF that no running guest\n"
               "                 holds and no guest names with Device= (one without a driver first), record the\n"
               "                 hold in /run/vxm/.state/vf/VF, then bind it to vfio-pci exactly like a Device=\n"
               "                 (IOMMU group checked against this guest's devices, record in\n"
               "                 /run/vxm/.state/vfio/VF; vxm-guest devices-up lends /dev/vfio/GROUP to the\n"
               "                 guest's user). A hold whose guest's vxm-vf@ run is over (asked of systemd) is\n"
               "                 stale and taken over. Refused when every VF is taken, with who holds each.\n"
               "  release NAME   Give back every VF the guest holds (host driver as recorded) and drop the holds.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

static void target_done(VfioTarget *t) {
        pci_device_free(t->dev);
        free(t->label);
        free(t->guests);
        free(t->bound_for);
}

/* vxm-vfio's view of the VF: the guest is the only one whose config "lists" it, and the one it is bound for, as with
 * "vxm-vfio bind --guest NAME": this step knows its guest, so systemd's job queue is not asked. The IOMMU group is
 * checked against that guest's devices (a VF normally has a group of its own). */
static int target_init(VfioTarget *t, const char *vf, const char *pf, Guest *g) {
        PciAddress a;
        *t = (VfioTarget){};
        snprintf(t->bdf, sizeof t->bdf, "%s", vf);
        if (pci_address_parse(vf, &a, NULL) < 0)
                return -EINVAL;
        int r = pci_device_load(&a, &t->dev);
        if (r < 0 && r != -ENODEV)
                return r;
        t->label = xasprintf("%s (virtual function of %s)%s%s", vf, pf, t->dev ? " " : "", t->dev ? t->dev->name : "");
        t->guests = xmalloc(2 * sizeof *t->guests);
        t->guests[0] = g;
        t->guests[1] = NULL;
        t->n_guests = g ? 1 : 0;
        if (g) {
                t->bound_for = xmalloc(sizeof *t->bound_for);
                t->bound_for[0] = g;
                t->n_bound_for = 1;
                t->why = VFIO_FOR_OPTION;
        } else
                t->why = VFIO_FOR_NOBODY;
        return 0;
}

static int allocate_line(Guest *g, unsigned index, const VfReserved *reserved, size_t n_reserved) {
        const GuestVirtualFunction *line = &g->vfs[index];
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&line->pf, bdf);

        _cleanup_sriov_pf_free_ SriovPf *pf = NULL;
        int r = sriov_pf_load(&line->pf, &pf);
        if (r == -ENODEV)
                return log_error_errno(r, "%s:%u: VirtualFunction=%s: there is no such PCI device.", line->source.file,
                                       line->source.line, bdf);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s from sysfs: %m", bdf);
        _cleanup_free_ char *problem = sriov_pf_problem(pf, line->vfs);
        if (!problem && pf->numvfs == 0)
                problem = xasprintf("%s has no virtual functions enabled: vxm-sriov@%s.service enables them (see its "
                                    "journal)",
                                    bdf, bdf);
        if (problem)
                return log_error_errno(EINVAL, "%s:%u: VirtualFunction=%s: %s", line->source.file, line->source.line,
                                       bdf, problem);

        VfRequest req = { .owner = g->name,
                          .index = index,
                          .invocation = getenv("INVOCATION_ID"),
                          .reserved = reserved,
                          .n_reserved = n_reserved,
                          .alive = vf_owner_alive_systemd };
        PciAddress vf;
        _cleanup_free_ char *why = NULL;
        r = vf_alloc_take(pf, &req, &vf, &why);
        if (r == -ENOSPC)
                return log_error_errno(r,
                                       "%s:%u: VirtualFunction=%s: no free virtual function: %s. Nothing was "
                                       "changed.",
                                       line->source.file, line->source.line, bdf, why);
        if (r < 0)
                return r;

        char vfbdf[PCI_ADDRESS_STRLEN];
        _cleanup_(target_done) VfioTarget t = {};
        r = target_init(&t, pci_address_format(&vf, vfbdf), bdf, g);
        if (r >= 0 && !t.dev)
                r = -ENODEV;
        if (r < 0)
                return log_error_errno(r, "Failed to read virtual function %s from sysfs: %m", vfbdf);
        log_info("%s:%u: VirtualFunction=%s: taking %s.", line->source.file, line->source.line, bdf, t.label);
        return vfio_bind(&t);
}

static int allocate(const char *name) {
        _cleanup_guest_free_ Guest *g = NULL;
        int r = helper_load_guest(name, &g);
        if (r < 0)
                return r;
        if (g->n_vfs == 0) {
                log_info("Guest %s has no VirtualFunction= lines: nothing to do.", name);
                return 0;
        }
        _cleanup_guests_free_ Guest **all = NULL;
        r = helper_load_all_guests(&all);
        if (r < 0)
                return log_error_errno(r, "Failed to list the guests: %m");
        size_t n_reserved;
        _cleanup_free_ VfReserved *reserved = vf_reserved_by_devices(all, &n_reserved);

        /* On a failure the unit fails and ExecStopPost= (release) gives back what the lines before took. */
        for (size_t i = 0; i < g->n_vfs; i++) {
                r = allocate_line(g, (unsigned) i, reserved, n_reserved);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Only the holds count: the guest's config may have changed (or gone) since it started. */
static int release(const char *name) {
        VfHold *holds;
        size_t n;
        int ret = vf_holds_of(name, &holds, &n);
        if (ret < 0)
                return log_error_errno(ret, "Failed to read the holds in /run/vxm/.state/vf: %m");
        if (n == 0)
                log_info("Guest %s holds no virtual function.", name);
        for (size_t i = 0; i < n; i++) {
                _cleanup_(target_done) VfioTarget t = {};
                int r = target_init(&t, holds[i].vf, holds[i].pf, NULL);
                if (r >= 0)
                        r = vfio_unbind(&t);
                if (r >= 0)
                        r = vf_hold_remove(holds[i].vf);
                if (r < 0) {
                        /* The hold stays: the VF must not go to another guest in whatever state it is in. */
                        log_error_errno(r, "Keeping the hold of %s in /run/vxm/.state/vf: %m", holds[i].vf);
                        ret = r;
                } else
                        log_info("Guest %s gave back %s.", name, t.label);
        }
        vf_holds_free(holds, n);
        return ret;
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "allocate", "release", NULL };
        const char *name;

        log_setup("vxm-vf", LOG_TARGET_AUTO);
        int verb = helper_parse_args(argc, argv, verbs, help, &name);
        if (verb < 0)
                return verb == HELPER_SHOWED_HELP ? 0 : 2;
        int r = verb == 0 ? allocate(name) : release(name);
        pci_names_done();
        return r < 0 ? 1 : 0;
}
