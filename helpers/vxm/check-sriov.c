/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME, [PCI] VirtualFunction= (finding "virtual-function"): can this host give the guest a virtual function
 * of each PF it names, right now? The same probes and sentences as vxm-sriov and vxm-vf, which would refuse the start
 * (lib/host/sriov.c, vf-alloc.c). Changes nothing. */
#include "basic/log.h"
#include "basic/macro.h"
#include "check.h"
#include "config/helper-cli.h"
#include "host/sriov.h"
#include "host/vf-alloc.h"

/* Every guest that loads: the other guests' own mistakes are reported in their own sections. */
static Guest **load_all_quietly(void) {
        Guest **all = NULL;
        int level = log_get_max_level();
        log_set_max_level(LOG_CRIT);
        if (helper_load_all_guests(&all) < 0) {
                all = xmalloc(sizeof *all);
                all[0] = NULL;
        }
        log_set_max_level(level);
        return all;
}

/* How many of the guest's lines name this PF. */
static size_t lines_for_pf(const Guest *g, const PciAddress *pf) {
        size_t n = 0;
        for (size_t i = 0; i < g->n_vfs; i++)
                n += pci_address_equal(&g->vfs[i].pf, pf);
        return n;
}

static void check_free_vfs(CheckContext *c, const SriovPf *pf, size_t index, Guest **all, const char *where) {
        const Guest *g = c->guest;
        const GuestVirtualFunction *l = &g->vfs[index];
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&l->pf, bdf);

        size_t n_reserved;
        _cleanup_free_ VfReserved *reserved = vf_reserved_by_devices(all, &n_reserved);
        VfRequest req = { .owner = g->name,
                          .index = (unsigned) index,
                          .reserved = reserved,
                          .n_reserved = n_reserved,
                          .alive = vf_owner_alive_systemd };
        _cleanup_free_ char *taken = NULL;
        size_t n_free = vf_alloc_count_free(pf, &req, &taken);
        size_t need = lines_for_pf(g, &l->pf);
        if (n_free >= need)
                check_ok(c, where, "VirtualFunction=%s: %zu of the %u VFs of %s are free for this guest", bdf, n_free,
                         pf->numvfs, bdf);
        else
                check_fail(c, where, "stop a guest that holds one, or enable more VFs on the PF",
                           "VirtualFunction=%s: %zu VF%s free, the guest needs %zu: every virtual function of %s is "
                           "taken: %s",
                           bdf, n_free, n_free == 1 ? "" : "s", need, bdf, taken);
}

static void check_line(CheckContext *c, size_t index, Guest **all) {
        const GuestVirtualFunction *l = &c->guest->vfs[index];
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&l->pf, bdf);
        _cleanup_free_ char *where = xasprintf("%s:%u", l->source.file, l->source.line);
        _cleanup_free_ char *fix = xasprintf("fix VirtualFunction= at %s", where);

        _cleanup_sriov_pf_free_ SriovPf *pf = NULL;
        if (sriov_pf_load(&l->pf, &pf) < 0) {
                _cleanup_free_ char *hint = xasprintf("%s (lspci -D lists the addresses)", fix);
                check_fail(c, where, hint, "VirtualFunction=%s: no such PCI device", bdf);
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
                check_fail(c, where, vfs_fix ?: fix, "VirtualFunction=%s: %s", bdf, why);
                return;
        }
        if (pf->numvfs == 0) {
                check_ok(c, where,
                         "VirtualFunction=%s: %s has no VFs enabled; vxm enables %u of its %u (vfs=) when the first "
                         "guest that shares it starts",
                         bdf, bdf, want, pf->totalvfs);
                return;
        }
        check_free_vfs(c, pf, index, all, where);
}

static void run_virtual_function(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->n_vfs == 0) {
                check_ok(c, NULL, "no VirtualFunction= in [PCI]: the guest takes no SR-IOV virtual function");
                return;
        }
        _cleanup_guests_free_ Guest **all = load_all_quietly();
        for (size_t i = 0; i < g->n_vfs; i++)
                check_line(c, i, all);
}
const Check check_virtual_function = { "virtual-function", CHECK_GUEST, run_virtual_function,
                                       "each VirtualFunction= PF offers SR-IOV and has a VF free for the guest" };
