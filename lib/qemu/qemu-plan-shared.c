/* SPDX-License-Identifier: BSD-3-Clause */
/* Which VF and which mdev the guest's QEMU gets: what vxm-vf@ and vxm-mdev@ recorded when they ran. Before they ran
 * (vxm show on a stopped guest), a VF is not known yet, and an mdev's UUID is the one vxm-mdev will use. */
#include <errno.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/mdev.h"
#include "host/vf-alloc.h"
#include "qemu/qemu-argv.h"

static char *mdev_uuid(const Guest *g, size_t index, const MdevRecord *recs, size_t n_recs) {
        for (size_t i = 0; i < n_recs; i++)
                if (recs[i].index == index)
                        return xstrdup(recs[i].uuid);
        if (g->mdevs[index].uuid)
                return xstrdup(g->mdevs[index].uuid);
        char u[UUID_STRLEN];
        return mdev_uuid_derive(g->name, (unsigned) index, u) >= 0 ? xstrdup(u) : NULL;
}

int qemu_plan_shared(const Guest *g, QemuPlan *p) {
        int r = 0;
        if (g->n_vfs > QEMU_SLOT_SHARED_PORTS)
                r = log_error_errno(EINVAL, "%s: [PCI] has %zu VirtualFunction= lines, at most %d are supported",
                                    g->path, g->n_vfs, QEMU_SLOT_SHARED_PORTS);
        if (g->n_mdevs > QEMU_SLOT_SHARED_PORTS)
                r = log_error_errno(EINVAL, "%s: [PCI] has %zu Mdev= lines, at most %d are supported", g->path,
                                    g->n_mdevs, QEMU_SLOT_SHARED_PORTS);
        if (r < 0)
                return r;

        p->vfs = xmalloc((g->n_vfs + 1) * sizeof *p->vfs);
        memset(p->vfs, 0, (g->n_vfs + 1) * sizeof *p->vfs);
        VfHold *holds;
        size_t n;
        if (g->n_vfs > 0 && vf_holds_of(g->name, &holds, &n) >= 0) {
                for (size_t i = 0; i < n; i++)
                        if (holds[i].index < g->n_vfs && !p->vfs[holds[i].index])
                                p->vfs[holds[i].index] = xstrdup(holds[i].vf);
                vf_holds_free(holds, n);
        }

        p->mdev_uuids = xmalloc((g->n_mdevs + 1) * sizeof *p->mdev_uuids);
        MdevRecord *recs = NULL;
        n = 0;
        if (g->n_mdevs > 0)
                (void) mdev_records_of(g->name, &recs, &n);
        for (size_t i = 0; i < g->n_mdevs; i++)
                p->mdev_uuids[i] = mdev_uuid(g, i, recs, n);
        p->mdev_uuids[g->n_mdevs] = NULL;
        mdev_records_free(recs, n);
        return 0;
}

void qemu_plan_shared_done(QemuPlan *p) {
        for (size_t i = 0; p->guest && p->vfs && i < p->guest->n_vfs; i++)
                free(p->vfs[i]);
        free(p->vfs);
        for (size_t i = 0; p->guest && p->mdev_uuids && i < p->guest->n_mdevs; i++)
                free(p->mdev_uuids[i]);
        free(p->mdev_uuids);
        p->vfs = p->mdev_uuids = NULL;
}

int qemu_plan_require_shared(const QemuPlan *p) {
        const Guest *g = p->guest;
        int r = 0;
        for (size_t i = 0; i < g->n_vfs; i++) {
                if (p->vfs[i])
                        continue;
                char bdf[PCI_ADDRESS_STRLEN];
                r = log_error_errno(ENODEV,
                                    "%s:%u: VirtualFunction=%s: guest %s holds no virtual function for this line; "
                                    "vxm-vf@%s.service takes one (see systemctl status vxm-vf@%s).",
                                    g->vfs[i].source.file, g->vfs[i].source.line,
                                    pci_address_format(&g->vfs[i].pf, bdf), g->name, g->name, g->name);
        }
        for (size_t i = 0; i < g->n_mdevs; i++) {
                if (p->mdev_uuids[i] && mdev_exists(p->mdev_uuids[i]))
                        continue;
                r = log_error_errno(ENODEV,
                                    "%s:%u: Mdev=: mdev %s does not exist; vxm-mdev@%s.service creates it (see "
                                    "systemctl status vxm-mdev@%s).",
                                    g->mdevs[i].source.file, g->mdevs[i].source.line, p->mdev_uuids[i] ?: "(no UUID)",
                                    g->name, g->name);
        }
        return r;
}
