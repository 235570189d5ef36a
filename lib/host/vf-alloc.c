/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/state-file.h"
#include "host/state-lock.h"
#include "host/unit-liveness.h"
#include "host/vf-alloc.h"

void vf_hold_done(VfHold *h) {
        free(h->owner);
        free(h->invocation);
        *h = (VfHold){};
}

void vf_holds_free(VfHold *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                vf_hold_done(&h[i]);
        free(h);
}

VfReserved *vf_reserved_by_devices(Guest *const *guests, size_t *ret_n) {
        VfReserved *l = NULL;
        size_t n = 0;
        for (size_t i = 0; guests[i]; i++)
                for (size_t j = 0; j < guests[i]->n_devices; j++) {
                        l = xrealloc(l, (n + 1) * sizeof *l);
                        l[n++] = (VfReserved){ .address = guests[i]->devices[j].address, .guest = guests[i]->name };
                }
        *ret_n = n;
        return l;
}

char *vf_hold_unit(const char *owner) {
        return xasprintf("vxm-vf@%s.service", owner);
}

static int hold_from_state(const char *vf, const StateFile *s, VfHold *ret) {
        const char *pf = state_file_get(s, "PF"), *owner = state_file_get(s, "OWNER");
        const char *version = state_file_get(s, "VERSION");
        uint64_t index;
        PciAddress a;
        if (!version || strcmp(version, "1") != 0 || !pf || pci_address_parse(pf, &a, NULL) < 0 || !owner ||
            !guest_name_is_valid(owner, NULL) || state_file_get_u64(s, "INDEX", &index) < 0 || index > 1024)
                return -EBADMSG;
        *ret = (VfHold){ .owner = xstrdup(owner), .index = (unsigned) index };
        snprintf(ret->vf, sizeof ret->vf, "%s", vf);
        pci_address_format(&a, ret->pf);
        const char *inv = state_file_get(s, "INVOCATION");
        ret->invocation = inv && *inv ? xstrdup(inv) : NULL;
        return 0;
}

int vf_hold_read(const char *vf, VfHold *ret) {
        _cleanup_free_ char *path = state_file_path("vf", vf);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load(path, &s);
        if (r < 0)
                return r;
        return hold_from_state(vf, s, ret);
}

static int compare_index(const void *a, const void *b) {
        const VfHold *x = a, *y = b;
        return (x->index > y->index) - (x->index < y->index);
}

int vf_holds_of(const char *owner, VfHold **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **names = state_file_find_all("vf", state_file_owned_by, owner);
        VfHold *l = xmalloc((strv_length(names) + 1) * sizeof *l);
        size_t n = 0;
        for (size_t i = 0; names && names[i]; i++) {
                PciAddress a;
                if (pci_address_parse(names[i], &a, NULL) >= 0 && vf_hold_read(names[i], &l[n]) >= 0)
                        n++;
        }
        qsort(l, n, sizeof *l, compare_index);
        *ret = l;
        *ret_n = n;
        return 0;
}

int vf_hold_remove(const char *vf) {
        _cleanup_free_ char *path = state_file_path("vf", vf);
        return state_file_remove(path);
}

/* Is name in the comma-separated list? */
static bool list_has(const char *list, const char *name) {
        size_t n = strlen(name);
        for (const char *p = list; *p;) {
                size_t len = strcspn(p, ",");
                if (len == n && strncmp(p, name, n) == 0)
                        return true;
                p += len + (p[len] == ',');
        }
        return false;
}

int vf_owner_alive_systemd(const VfHold *h, void *userdata) {
        /* Under a fake root (the helper tests) systemd's units are not that tree's guests: $VXM_TEST_RUNNING lists
         * the guests that count as running, and without it every one does, so nothing is taken over by mistake. */
        if (*root_prefix()) {
                const char *running = getenv("VXM_TEST_RUNNING");
                return !running || list_has(running, h->owner);
        }
        _cleanup_free_ char *unit = vf_hold_unit(h->owner);
        return unit_is_running(unit, h->invocation);
}

static int hold_write(const char *vf, const SriovPf *pf, const VfRequest *req) {
        _cleanup_free_ char *path = state_file_path("vf", vf);
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-vf: guest %s holds virtual function %s of %s (its VirtualFunction= line %u); "
                               "\"vxm-vf release %s\" gives it back.",
                               req->owner, vf, pf->dev->bdf, req->index + 1, req->owner);
        state_file_set(s, "VERSION", "1");
        state_file_set(s, "PF", pf->dev->bdf);
        state_file_set(s, "OWNER", req->owner);
        state_file_setf(s, "INDEX", "%u", req->index);
        if (req->invocation)
                state_file_set(s, "INVOCATION", req->invocation);
        return state_file_save(path, s);
}

typedef enum VfState {
        VF_OURS,      /* this line holds it already */
        VF_FREE,      /* no driver, no hold */
        VF_STALE,     /* held by a run that is over */
        VF_HOST_IDLE, /* a host driver has it; vxm-vfio checks whether it is in use when it takes it */
        VF_TAKEN,
} VfState;

static const VfReserved *reserved_by(const char *vf, const VfRequest *req) {
        PciAddress a;
        if (pci_address_parse(vf, &a, NULL) < 0)
                return NULL;
        for (size_t i = 0; i < req->n_reserved; i++)
                if (pci_address_equal(&a, &req->reserved[i].address))
                        return &req->reserved[i];
        return NULL;
}

static VfState vf_state(const char *vf, const VfRequest *req, char **why) {
        const VfReserved *res = reserved_by(vf, req);
        VfHold h;
        int r = vf_hold_read(vf, &h);
        if (r >= 0) {
                VfState st;
                if (strcmp(h.owner, req->owner) == 0) {
                        st = h.index == req->index ? VF_OURS : VF_TAKEN;
                        if (st == VF_TAKEN)
                                *why = xasprintf("%s (this guest's VirtualFunction= line %u)", vf, h.index + 1);
                } else if (req->alive(&h, req->userdata) != 0) {
                        st = VF_TAKEN;
                        *why = xasprintf("%s (guest %s)", vf, h.owner);
                } else if (res) {
                        /* A stale hold, and meanwhile some guest's Device=: that guest's. */
                        st = VF_TAKEN;
                        *why = xasprintf("%s (Device= of guest %s)", vf, res->guest);
                } else {
                        st = VF_STALE;
                        *why = xstrdup(h.owner);
                }
                vf_hold_done(&h);
                return st;
        }
        if (r != -ENOENT) {
                *why = xasprintf("%s (its record in /run/vxm/.state/vf is damaged)", vf);
                return VF_TAKEN;
        }

        if (res) {
                *why = xasprintf("%s (Device= of guest %s)", vf, res->guest);
                return VF_TAKEN;
        }
        _cleanup_free_ char *drv = NULL;
        if (pci_device_get_driver(vf, &drv) < 0) {
                *why = xasprintf("%s (unreadable in sysfs)", vf);
                return VF_TAKEN;
        }
        if (!drv)
                return VF_FREE;
        if (strcmp(drv, "vfio-pci") == 0) {
                *why = xasprintf("%s (on vfio-pci already, not for a VirtualFunction= line: another VM?)", vf);
                return VF_TAKEN;
        }
        return VF_HOST_IDLE;
}

static int choose(const SriovPf *pf, const VfRequest *req, PciAddress *ret, char **ret_why) {
        static const VfState preference[] = { VF_OURS, VF_FREE, VF_STALE, VF_HOST_IDLE };
        size_t n = pf->n_vfs;
        _cleanup_free_ VfState *states = xmalloc((n + 1) * sizeof *states);
        char **why = xmalloc((n + 1) * sizeof *why);
        int r = -ENOSPC;

        for (size_t i = 0; i < n; i++) {
                char vf[PCI_ADDRESS_STRLEN];
                why[i] = NULL;
                states[i] = vf_state(pci_address_format(&pf->vfs[i], vf), req, &why[i]);
        }
        for (size_t p = 0; p < ELEMENTSOF(preference) && r == -ENOSPC; p++)
                for (size_t i = 0; i < n && r == -ENOSPC; i++) {
                        if (states[i] != preference[p])
                                continue;
                        char vf[PCI_ADDRESS_STRLEN];
                        pci_address_format(&pf->vfs[i], vf);
                        if (states[i] == VF_STALE)
                                log_notice("%s: the hold of guest %s is stale (that run of vxm-vf@%s.service is over): "
                                           "taking the virtual function over.",
                                           vf, why[i], why[i]);
                        /* Also our own hold: it must name this run, or others would take it for stale. */
                        r = hold_write(vf, pf, req);
                        if (r < 0) {
                                r = log_error_errno(r, "Failed to write /run/vxm/.state/vf/%s: %m", vf);
                                break;
                        }
                        *ret = pf->vfs[i];
                        r = 0;
                }

        if (r == -ENOSPC) {
                _cleanup_free_ char *list = xstrdup("");
                for (size_t i = 0; i < n; i++) {
                        char *l = xasprintf("%s%s%s", list, i ? ", " : "", why[i] ? why[i] : "?");
                        free(list);
                        list = l;
                }
                *ret_why = n == 0 ? xasprintf("%s has no virtual functions enabled", pf->dev->bdf)
                                  : xasprintf("every virtual function of %s is taken: %s", pf->dev->bdf, list);
        }
        for (size_t i = 0; i < n; i++)
                free(why[i]);
        free(why);
        return r;
}

int vf_alloc_take(const SriovPf *pf, const VfRequest *req, PciAddress *ret, char **ret_why) {
        /* Look, choose and write under one lock: two guests starting at once never take the same VF. */
        _cleanup_close_ int lock = state_lock_take("vf");
        if (lock < 0)
                return log_error_errno(lock, "Failed to take the lock /run/vxm/.state/vf/.lock: %m");
        return choose(pf, req, ret, ret_why);
}

size_t vf_alloc_count_free(const SriovPf *pf, const VfRequest *req, char **ret_taken) {
        size_t n = 0;
        _cleanup_free_ char *taken = xstrdup("");
        for (size_t i = 0; i < pf->n_vfs; i++) {
                char vf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *why = NULL;
                if (vf_state(pci_address_format(&pf->vfs[i], vf), req, &why) != VF_TAKEN) {
                        n++;
                        continue;
                }
                char *t = xasprintf("%s%s%s", taken, *taken ? ", " : "", why);
                free(taken);
                taken = t;
        }
        if (ret_taken)
                *ret_taken = TAKE_PTR(taken);
        return n;
}
