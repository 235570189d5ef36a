/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME: can this host give the guest the VFs and mdevs its [PCI] lines ask for, right now? The same probes
 * and sentences as the helpers that will do it (lib/host/sriov.c, vf-alloc.c, mdev.c). Changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "config/helper-cli.h"
#include "host/mdev.h"
#include "host/numa-node.h"
#include "host/sriov.h"
#include "host/vf-alloc.h"
#include "check-shared.h"

static void reportf(CheckReport report, CheckVerdict v, const char *hint, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void reportf(CheckReport report, CheckVerdict v, const char *hint, const char *fmt, ...) {
        va_list ap;
        char *text;
        va_start(ap, fmt);
        if (vasprintf(&text, fmt, ap) < 0)
                abort();
        va_end(ap);
        report(v, hint, text);
        free(text);
}

/* How many of the guest's lines name this PF. */
static size_t lines_for_pf(const Guest *g, const PciAddress *pf) {
        size_t n = 0;
        for (size_t i = 0; i < g->n_vfs; i++)
                n += pci_address_equal(&g->vfs[i].pf, pf);
        return n;
}

static void check_vf_line(const Guest *g, size_t index, Guest **all, CheckReport report) {
        const GuestVirtualFunction *l = &g->vfs[index];
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&l->pf, bdf);
        _cleanup_free_ char *where = xasprintf("VirtualFunction=%s (%s:%u)", bdf, l->source.file, l->source.line);
        _cleanup_free_ char *fix = xasprintf("fix VirtualFunction= at %s:%u", l->source.file, l->source.line);

        _cleanup_sriov_pf_free_ SriovPf *pf = NULL;
        if (sriov_pf_load(&l->pf, &pf) < 0) {
                reportf(report, CHECK_FAIL, fix, "%s: no such PCI device (lspci -D lists the addresses)", where);
                return;
        }
        /* vxm-sriov enables the largest vfs= of all the guests that share the PF. */
        unsigned want = 0;
        const ConfigSource *src = NULL;
        for (size_t i = 0; all[i]; i++) {
                const ConfigSource *s = NULL;
                unsigned n = guest_vfs_wanted(all[i], &l->pf, &s);
                if (n > want) {
                        want = n;
                        src = s;
                }
        }
        _cleanup_free_ char *why = sriov_pf_problem(pf, want);
        if (why) {
                _cleanup_free_ char *vfs_fix =
                        src && want > pf->totalvfs
                                ? xasprintf("fix vfs= at %s:%u (the largest vfs= of the guests that share %s)",
                                            src->file, src->line, bdf)
                                : NULL;
                reportf(report, CHECK_FAIL, vfs_fix ?: fix, "%s: %s", where, why);
                return;
        }
        if (pf->numvfs == 0) {
                reportf(report, CHECK_OK, NULL,
                        "%s: %s has no VFs enabled; vxm enables %u of its %u (vfs=) when the first guest that shares "
                        "it starts",
                        where, bdf, want, pf->totalvfs);
                return;
        }

        size_t n_reserved = 0;
        VfReserved *reserved = NULL;
        for (size_t i = 0; all[i]; i++)
                for (size_t j = 0; j < all[i]->n_devices; j++) {
                        reserved = xrealloc(reserved, (n_reserved + 1) * sizeof *reserved);
                        reserved[n_reserved++] = (VfReserved){ all[i]->devices[j].address, all[i]->name };
                }
        VfRequest req = { .owner = g->name,
                          .index = (unsigned) index,
                          .reserved = reserved,
                          .n_reserved = n_reserved,
                          .alive = vf_owner_alive_systemd };
        _cleanup_free_ char *taken = NULL;
        size_t n_free = vf_alloc_count_free(pf, &req, &taken);
        free(reserved);
        size_t need = lines_for_pf(g, &l->pf);
        if (n_free >= need)
                reportf(report, CHECK_OK, NULL, "%s: %zu of the %u VFs of %s are free for this guest", where, n_free,
                        pf->numvfs, bdf);
        else
                reportf(report, CHECK_FAIL, "stop a guest that holds one, or enable more VFs on the PF",
                        "%s: %zu VF%s free, the guest needs %zu: every virtual function of %s is taken: %s", where,
                        n_free, n_free == 1 ? "" : "s", need, bdf, taken);
}

static void check_mdev_line(const Guest *g, size_t index, CheckReport report) {
        const GuestMdev *m = &g->mdevs[index];
        _cleanup_free_ char *where =
                xasprintf("Mdev=%s,type=%s (%s:%u)", m->parent ?: "auto", m->type, m->source.file, m->source.line);
        _cleanup_free_ char *fix = xasprintf("fix Mdev= at %s:%u", m->source.file, m->source.line);

        char uuid[UUID_STRLEN];
        if (m->uuid)
                snprintf(uuid, sizeof uuid, "%s", m->uuid);
        else if (mdev_uuid_derive(g->name, (unsigned) index, uuid) < 0) {
                reportf(report, CHECK_FAIL, "run systemd-machine-id-setup, or set uuid= on the line",
                        "%s: /etc/machine-id is missing or invalid, so no stable UUID can be derived", where);
                return;
        }
        if (mdev_exists(uuid)) {
                _cleanup_free_ char *type = NULL, *parent = NULL;
                (void) mdev_device_info(uuid, &type, &parent);
                if (type && strcmp(type, m->type) == 0 && (!m->parent || (parent && strcmp(parent, m->parent) == 0)))
                        reportf(report, CHECK_OK, NULL, "%s: mdev %s exists (%s on %s) and is used as it is", where,
                                uuid, type, parent ?: "?");
                else
                        reportf(report, CHECK_FAIL, fix, "%s: mdev %s exists, but it is a %s on %s", where, uuid,
                                type ?: "?", parent ?: "?");
                return;
        }

        if (m->parent) {
                _cleanup_mdev_parent_free_ MdevParent *p = NULL;
                (void) mdev_parent_load(m->parent, &p);
                _cleanup_free_ char *why = mdev_parent_problem(m->parent, p, m->type);
                if (why)
                        reportf(report, CHECK_FAIL, fix, "%s: %s", where, why);
                else
                        reportf(report, CHECK_OK, NULL, "%s: %s offers %s (%u free); mdev %s is created at start",
                                where, m->parent, m->type, mdev_parent_find_type(p, m->type)->available, uuid);
                return;
        }
        _cleanup_mdev_parents_free_ MdevParent **all = NULL;
        (void) mdev_parents_load_all(&all);
        int node = guest_numa_node(g);
        const MdevParent *p = mdev_choose_parent(all, m->type, node);
        if (!p) {
                _cleanup_free_ char *why = mdev_auto_problem(all, m->type);
                reportf(report, CHECK_FAIL, fix, "%s: %s", where, why);
                return;
        }
        reportf(report, CHECK_OK, NULL, "%s: would be created on %s (NUMA node %d, the guest's is %d; %u free) as %s",
                where, p->name, p->numa_node, node, mdev_parent_find_type(p, m->type)->available, uuid);
}

void check_shared_devices(const Guest *g, CheckReport report) {
        if (g->n_vfs + g->n_mdevs == 0)
                return;
        _cleanup_guests_free_ Guest **all = NULL;
        if (helper_load_all_guests(&all) < 0) {
                all = xmalloc(sizeof *all);
                all[0] = NULL;
        }
        for (size_t i = 0; i < g->n_vfs; i++)
                check_vf_line(g, i, all, report);
        for (size_t i = 0; i < g->n_mdevs; i++)
                check_mdev_line(g, i, report);
}
