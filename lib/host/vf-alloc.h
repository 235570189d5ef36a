/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>

#include "config/config.h"
#include "config/pci-address.h"
#include "host/sriov.h"

/* Which guest holds which SR-IOV virtual function: one record per VF, /run/vxm/.state/vf/VF, written under the lock of
 * that directory (state_lock_take("vf")) by the guest that takes it, before the VF is touched:
 *   VERSION=1
 *   PF=0000:02:00.0
 *   OWNER=windows        the guest
 *   INDEX=0              which of its VirtualFunction= lines (0-based)
 *   INVOCATION=6f3a...   $INVOCATION_ID of the owner's vxm-vf@ run (absent outside systemd)
 * A record whose owner's vxm-vf@OWNER.service run is over is stale (a release that was killed): its VF is free. */

typedef struct VfHold {
        char vf[PCI_ADDRESS_STRLEN];
        char pf[PCI_ADDRESS_STRLEN];
        char *owner;
        unsigned index;
        char *invocation; /* NULL: not recorded */
} VfHold;

void vf_hold_done(VfHold *h);
void vf_holds_free(VfHold *h, size_t n);

/* -ENOENT when nobody holds vf, -EBADMSG for a damaged record. */
int vf_hold_read(const char *vf, VfHold *ret);
/* Every VF that owner holds, by index. */
int vf_holds_of(const char *owner, VfHold **ret, size_t *ret_n);
/* Forgets a hold (a missing record is fine). */
int vf_hold_remove(const char *vf);
/* "vxm-vf@OWNER.service", the unit whose run a hold belongs to. */
char *vf_hold_unit(const char *owner);

/* Is the owner of a hold still running? 1 yes, 0 no (the hold is stale), -errno unknown (counted as running). */
typedef int (*VfOwnerAlive)(const VfHold *h, void *userdata);
/* The real one: asks systemd whether that run of vxm-vf@OWNER.service is still going (host/unit-liveness.h). Under
 * $VXM_ROOT (tests) the guests named in $VXM_TEST_RUNNING (comma-separated) count as running; all of them without
 * it. */
int vf_owner_alive_systemd(const VfHold *h, void *userdata);

/* A VF some guest names with Device=: reserved for it, never handed out. */
typedef struct VfReserved {
        PciAddress address;
        const char *guest;
} VfReserved;
/* Every Device= of these guests (NULL-terminated), each reserved for its guest; the names are borrowed. */
VfReserved *vf_reserved_by_devices(Guest *const *guests, size_t *ret_n);

typedef struct VfRequest {
        const char *owner;
        unsigned index;
        const char *invocation; /* may be NULL */
        const VfReserved *reserved;
        size_t n_reserved;
        VfOwnerAlive alive;
        void *userdata;
} VfRequest;

/* Under the lock: the VF this line of the owner holds already, else a free VF of pf (preferring one without a driver,
 * then one from a stale hold, then one a host driver has but does not use), its record written before returning.
 * 0 and *ret on success; -ENOSPC when every VF is taken, with *ret_why naming who holds each; -errno else (logged). */
int vf_alloc_take(const SriovPf *pf, const VfRequest *req, PciAddress *ret, char **ret_why);

/* For reports (vxm check), without the lock: how many VFs of pf this line could take now (free, stale, or its own),
 * and *ret_taken (when not NULL) says who holds the others, as in vf_alloc_take()'s refusal. */
size_t vf_alloc_count_free(const SriovPf *pf, const VfRequest *req, char **ret_taken);
