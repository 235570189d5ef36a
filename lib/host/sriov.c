/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "host/numa-node.h"
#include "host/sriov.h"
#include "host/state-file.h"

#define SRIOV_WAIT_MS 5000

static char *attr_path(const char *bdf, const char *attr) {
        return xasprintf("/sys/bus/pci/devices/%s/%s", bdf, attr);
}

static int read_uint_attr(const char *bdf, const char *attr, unsigned *ret) {
        _cleanup_free_ char *p = attr_path(bdf, attr), *s = NULL;
        int r = root_read_line(p, &s);
        if (r < 0)
                return r;
        unsigned long v;
        if (parse_unsigned(s, 65535, &v) < 0)
                return -EBADMSG;
        *ret = (unsigned) v;
        return 0;
}

static int write_uint_attr(const char *bdf, const char *attr, unsigned v) {
        _cleanup_free_ char *p = attr_path(bdf, attr), *s = xasprintf("%u", v);
        return root_write_string(p, s);
}

/* The address a link such as virtfn0 or physfn points to ("../0000:02:00.1"). */
static int link_address(const char *bdf, const char *link, PciAddress *ret) {
        _cleanup_free_ char *p = attr_path(bdf, link), *target = NULL;
        int r = root_readlink_basename(p, &target);
        if (r < 0)
                return r;
        return pci_address_parse(target, ret, NULL) < 0 ? -EBADMSG : 0;
}

int pci_device_physfn(const char *bdf, PciAddress *ret) {
        return link_address(bdf, "physfn", ret);
}

int sriov_pf_load(const PciAddress *a, SriovPf **ret) {
        _cleanup_sriov_pf_free_ SriovPf *pf = xmalloc(sizeof *pf);
        *pf = (SriovPf){ .autoprobe = -1 };
        int r = pci_device_load(a, &pf->dev);
        if (r < 0)
                return r;
        const char *bdf = pf->dev->bdf;
        _cleanup_free_ char *dir = xasprintf("/sys/bus/pci/devices/%s", bdf);
        pf->numa_node = sysfs_numa_node(dir);

        r = read_uint_attr(bdf, "sriov_totalvfs", &pf->totalvfs);
        if (r == -ENOENT) {
                *ret = TAKE_PTR(pf);
                return 0;
        }
        if (r < 0)
                return r;
        pf->capable = true;
        r = read_uint_attr(bdf, "sriov_numvfs", &pf->numvfs);
        if (r < 0)
                return r;
        unsigned ap;
        if (read_uint_attr(bdf, "sriov_drivers_autoprobe", &ap) >= 0)
                pf->autoprobe = ap != 0;

        pf->vfs = xmalloc((pf->numvfs + 1) * sizeof *pf->vfs);
        for (unsigned i = 0; i < pf->numvfs; i++) {
                _cleanup_free_ char *link = xasprintf("virtfn%u", i);
                if (link_address(bdf, link, &pf->vfs[pf->n_vfs]) >= 0)
                        pf->n_vfs++;
        }
        *ret = TAKE_PTR(pf);
        return 0;
}

SriovPf *sriov_pf_free(SriovPf *pf) {
        if (!pf)
                return NULL;
        pci_device_free(pf->dev);
        free(pf->vfs);
        free(pf);
        return NULL;
}

char *sriov_pf_problem(const SriovPf *pf, unsigned vfs_wanted) {
        const char *bdf = pf->dev->bdf;
        if (!pf->capable)
                return xasprintf("%s %s has no SR-IOV capability (sysfs shows no sriov_totalvfs), so it has no "
                                 "virtual functions to share. Give it to one guest whole with Device=, or use Mdev= "
                                 "if its driver offers mediated devices (vxm gpus shows what each GPU offers).",
                                 bdf, pf->dev->name);
        if (pf->totalvfs == 0)
                return xasprintf("%s %s offers no virtual functions (sriov_totalvfs=0): its driver or firmware has "
                                 "SR-IOV turned off. Enable it there first (e.g. Intel Gen12+ graphics: a PF driver "
                                 "with SR-IOV support and its max_vfs= option; AMD MxGPU: the GIM driver; in some "
                                 "cards' firmware setup: SR-IOV).",
                                 bdf, pf->dev->name);
        if (pf->numvfs > 0)
                return NULL; /* enabled already (by the user at boot, or for another guest): vfs= does not matter */
        if (vfs_wanted == 0)
                return xasprintf("%s has no virtual functions enabled (sriov_numvfs=0): add vfs=N to the "
                                 "VirtualFunction= line so that vxm enables N of them (at most %u, its "
                                 "sriov_totalvfs), or enable them yourself at boot.",
                                 bdf, pf->totalvfs);
        if (vfs_wanted > pf->totalvfs)
                return xasprintf("vfs=%u is more than %s offers: at most %u (its sriov_totalvfs).", vfs_wanted, bdf,
                                 pf->totalvfs);
        if (!pf->dev->driver)
                return xasprintf("%s has no driver bound: virtual functions are enabled through the physical "
                                 "function's own host driver. Let it bind (e.g. echo %s > "
                                 "/sys/bus/pci/drivers_probe), then start the guest again.",
                                 bdf, bdf);
        return NULL;
}

/* --- the record: /run/vxm/.state/sriov/BDF ---
 *   VERSION=1
 *   NUMVFS=0         sriov_numvfs before
 *   AUTOPROBE=1      sriov_drivers_autoprobe before (absent: the kernel has none)
 *   ENABLE=2         how many VFs vxm enables
 */

static char *record_path(const char *bdf) {
        return state_file_path("sriov", bdf);
}

static int wait_vfs(const char *bdf, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                _cleanup_free_ char *link = xasprintf("/sys/bus/pci/devices/%s/virtfn%u", bdf, i);
                int r = pci_wait_path(link, true, SRIOV_WAIT_MS);
                if (r < 0)
                        return r;
        }
        return 0;
}

int sriov_pf_enable(const SriovPf *pf, unsigned n) {
        const char *bdf = pf->dev->bdf;
        _cleanup_free_ char *path = record_path(bdf);
        _cleanup_state_file_free_ StateFile *rec = NULL;

        int r = state_file_load(path, &rec);
        if (r >= 0)
                log_notice("%s: continuing from the record of an unfinished enable (%s).", bdf, path);
        else if (r == -ENOENT) {
                if (pf->numvfs != 0)
                        return log_error_errno(EBUSY, "%s already has %u virtual functions enabled, not by vxm.", bdf,
                                               pf->numvfs);
                rec = state_file_new();
                rec->comment = xasprintf("vxm-sriov: what \"vxm-sriov restore %s\" puts back; written before the "
                                         "first change.",
                                         bdf);
                state_file_set(rec, "VERSION", "1");
                state_file_setf(rec, "NUMVFS", "%u", pf->numvfs);
                if (pf->autoprobe >= 0)
                        state_file_setf(rec, "AUTOPROBE", "%d", pf->autoprobe);
                state_file_setf(rec, "ENABLE", "%u", n);
                r = state_file_save(path, rec);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s, not enabling virtual functions on %s: %m", path,
                                               bdf);
        } else
                return log_error_errno(r, "Failed to read %s: %m", path);

        /* First, so that the new VFs come up without a host driver: the kernel reads it when it adds them. */
        if (pf->autoprobe != 0) {
                r = write_uint_attr(bdf, "sriov_drivers_autoprobe", 0);
                if (r < 0)
                        return log_error_errno(r, "Failed to set sriov_drivers_autoprobe=0 on %s: %m", bdf);
        }
        if (pf->numvfs != n) {
                r = write_uint_attr(bdf, "sriov_numvfs", n);
                if (r < 0)
                        return log_error_errno(r,
                                               "The kernel refused to enable %u virtual functions on %s %s "
                                               "(sriov_numvfs=%u): %m. See journalctl -k for what its driver (%s) "
                                               "said.",
                                               n, bdf, pf->dev->name, n, pf->dev->driver ?: "none");
        }
        r = wait_vfs(bdf, n);
        if (r < 0)
                return log_error_errno(r, "%s accepted sriov_numvfs=%u, but its virtual functions did not appear.", bdf,
                                       n);
        log_notice("%s: enabled %u virtual functions, host drivers kept off them (sriov_drivers_autoprobe=0).", bdf, n);
        return 0;
}

/* A VF on vfio-pci belongs to a guest (or another VM manager) that may have it open: removing it would block. */
static char *vf_in_use(const SriovPf *pf) {
        for (size_t i = 0; i < pf->n_vfs; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *drv = NULL;
                pci_address_format(&pf->vfs[i], bdf);
                if (pci_device_get_driver(bdf, &drv) >= 0 && drv && strcmp(drv, "vfio-pci") == 0)
                        return xstrdup(bdf);
        }
        return NULL;
}

int sriov_pf_restore(const PciAddress *a) {
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(a, bdf);
        _cleanup_free_ char *path = record_path(bdf);
        _cleanup_state_file_free_ StateFile *rec = NULL;

        int r = state_file_load_for_undo(path, &rec);
        if (r == -ENOENT) {
                log_info("%s: no record in %s: vxm did not enable its virtual functions, leaving them as they are.",
                         bdf, path);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s, not touching %s: %m", path, bdf);
        uint64_t numvfs;
        int autoprobe = -1;
        if (state_file_get_u64(rec, "NUMVFS", &numvfs) < 0 || numvfs > 65535 ||
            (state_file_get(rec, "AUTOPROBE") && state_file_get_int(rec, "AUTOPROBE", &autoprobe) < 0))
                return log_error_errno(EBADMSG, "%s is damaged, not touching %s.", path, bdf);

        _cleanup_sriov_pf_free_ SriovPf *pf = NULL;
        r = sriov_pf_load(a, &pf);
        if (r == -ENODEV) {
                log_warning("%s is gone (unplugged?): nothing to give back, dropping its record.", bdf);
                return state_file_remove(path);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s from sysfs: %m", bdf);

        if (pf->numvfs != numvfs) {
                _cleanup_free_ char *busy = vf_in_use(pf);
                if (busy)
                        return log_error_errno(EBUSY,
                                               "%s: not disabling its virtual functions: %s is still on vfio-pci "
                                               "(a guest that lists it with Device=, or another VM). The record "
                                               "stays in %s; stop that guest, then \"systemctl stop "
                                               "vxm-sriov@%s.service\" restores the PF.",
                                               bdf, busy, path, bdf);
                /* sriov_numvfs only goes from N to 0 or from 0 to N. */
                r = write_uint_attr(bdf, "sriov_numvfs", 0);
                if (r >= 0 && numvfs > 0)
                        r = write_uint_attr(bdf, "sriov_numvfs", (unsigned) numvfs);
                if (r < 0)
                        return log_error_errno(r, "Failed to set sriov_numvfs of %s back to %" PRIu64 ": %m", bdf,
                                               numvfs);
        }
        if (autoprobe >= 0 && pf->autoprobe != autoprobe) {
                r = write_uint_attr(bdf, "sriov_drivers_autoprobe", (unsigned) autoprobe);
                if (r < 0)
                        return log_error_errno(r, "Failed to set sriov_drivers_autoprobe of %s back to %d: %m", bdf,
                                               autoprobe);
        }
        r = state_file_remove(path);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", path);
        log_notice("%s: restored sriov_numvfs=%" PRIu64 " and sriov_drivers_autoprobe=%d, as before vxm.", bdf, numvfs,
                   autoprobe >= 0 ? autoprobe : pf->autoprobe);
        return 0;
}
