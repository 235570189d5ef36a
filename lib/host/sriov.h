/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host/pci-sysfs.h"

/* SR-IOV physical functions as sysfs shows them (sriov_totalvfs, sriov_numvfs, sriov_drivers_autoprobe, virtfnN), and
 * the one change vxm makes to them: enabling VFs with host drivers kept off them, recorded first in
 * /run/vxm/.state/sriov/BDF and undone exactly (sriov_numvfs back to 0, autoprobe as it was) when no guest needs them.
 */

typedef struct SriovPf {
        PciDevice *dev;
        bool capable; /* the device has the SR-IOV capability (sysfs shows sriov_totalvfs) */
        unsigned totalvfs, numvfs;
        int autoprobe;   /* sriov_drivers_autoprobe: 0 or 1, -1 when unknown */
        PciAddress *vfs; /* the enabled VFs, in virtfn order */
        size_t n_vfs;
        int numa_node; /* -1 unknown */
} SriovPf;

/* -ENODEV when there is no such PCI device. A device without SR-IOV loads with capable=false. */
int sriov_pf_load(const PciAddress *a, SriovPf **ret);
SriovPf *sriov_pf_free(SriovPf *pf);
static inline void sriov_pf_freep(SriovPf **pf) {
        sriov_pf_free(*pf);
}
#define _cleanup_sriov_pf_free_ __attribute__((cleanup(sriov_pf_freep)))

/* A VF's physical function (its physfn link); -ENOENT when bdf is not a VF. */
int pci_device_physfn(const char *bdf, PciAddress *ret);

/* Why this PF cannot give a guest a VF right now (no SR-IOV, none offered, none enabled and no vfs=, vfs= too large,
 * no PF driver to enable them), with what to do; NULL when it can. vfs_wanted is the line's vfs= (0: unset). The
 * same sentences serve vxm-sriov's refusal and vxm check. */
char *sriov_pf_problem(const SriovPf *pf, unsigned vfs_wanted);

/* Enables n VFs with sriov_drivers_autoprobe=0 (host drivers must not grab them), recording the state before. Only
 * for a PF with no VFs enabled, or continuing from its own record. Logs; 0 or -errno. */
int sriov_pf_enable(const SriovPf *pf, unsigned n);
/* Puts back what sriov_pf_enable() recorded; nothing when there is no record (vxm did not enable the VFs). Refuses
 * (-EBUSY, record kept) while a VF is on vfio-pci: disabling it would block until its QEMU lets go. Logs. */
int sriov_pf_restore(const PciAddress *a);
