/* SPDX-License-Identifier: BSD-3-Clause */
/* The rebind sequence, the way the kernel wants it (and libvirt does it): driver_override=vfio-pci, unbind from the
 * host driver, drivers_probe, verify. Everything it changes is recorded in /run/vxm/.state/vfio/BDF first, and unbind
 * undoes exactly that, from whatever state a failed or killed bind left behind. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/stop-point.h"
#include "host/vfio-record.h"
#include "vxm-vfio.h"

static bool streq_null(const char *a, const char *b) {
        return a && b ? strcmp(a, b) == 0 : a == b;
}

/* modprobe vfio-pci, unless the driver is there already. $VXM_MODPROBE replaces modprobe for the tests. */
static int load_vfio_pci(void) {
        if (pci_driver_exists("vfio-pci"))
                return 0;

        const char *modprobe = getenv("VXM_MODPROBE") ?: "modprobe";
        pid_t pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork for %s: %m", modprobe);
        if (pid == 0) {
                sigset_t none; /* vxm-vfio hold blocks the stop signals; modprobe must not inherit that */
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                execlp(modprobe, modprobe, "vfio-pci", (char *) NULL);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for %s: %m", modprobe);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return log_error_errno(ENOENT,
                                       "\"%s vfio-pci\" failed (status %d): is the vfio-pci module installed for "
                                       "this kernel? (Once it is: systemctl restart modprobe@vfio_pci.service)",
                                       modprobe, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        if (pci_wait_path("/sys/bus/pci/drivers/vfio-pci", true, VFIO_WAIT_MS) < 0)
                return log_error_errno(ENOENT, "vfio-pci was loaded but /sys/bus/pci/drivers/vfio-pci did not appear.");
        log_info("Loaded the vfio-pci module.");
        return 0;
}

/* Records written by vxm before the group nodes were lent per guest (vxm-guest devices-up) may still say that bind
 * chowned the node: put its owner back if the node outlived the binding; when the kernel removed it, there is nothing
 * to restore. */
static void restore_access(VfioTarget *t, const VfioRecord *rec) {
        if (!rec->node_changed || rec->group < 0)
                return;
        _cleanup_free_ char *node = xasprintf("/dev/vfio/%d", rec->group), *p = root_path(node);
        if (!root_exists(node))
                return;
        if (chown(p, rec->node_uid, rec->node_gid) < 0 || chmod(p, rec->node_mode) < 0)
                log_warning_errno(errno, "Failed to give %s back to %u:%u, ignoring: %m", node,
                                  (unsigned) rec->node_uid, (unsigned) rec->node_gid);
}

static int move_to_vfio(VfioTarget *t, const char *node) {
        const char *bdf = t->bdf;
        _cleanup_free_ char *cur = NULL;
        int r;

        r = pci_device_set_override(bdf, "vfio-pci");
        if (r < 0)
                return log_error_errno(r, "Failed to set driver_override of %s to vfio-pci: %m", t->label);
        stop_point("bind:override");

        r = pci_device_get_driver(bdf, &cur);
        if (r < 0)
                return log_error_errno(r, "Failed to read the driver of %s: %m", t->label);
        if (cur && strcmp(cur, "vfio-pci") != 0) {
                r = pci_device_unbind(bdf, cur);
                if (r < 0)
                        return log_error_errno(r, "Failed to unbind %s from %s: %m", t->label, cur);
                stop_point("bind:unbind");
        }
        if (!cur || strcmp(cur, "vfio-pci") != 0) {
                r = pci_device_probe(bdf);
                if (r < 0)
                        return log_error_errno(r, "Failed to probe %s for vfio-pci: %m", t->label);
                stop_point("bind:probe");
        }

        if (pci_device_wait_driver(bdf, "vfio-pci", VFIO_WAIT_MS) < 0) {
                _cleanup_free_ char *now = NULL;
                (void) pci_device_get_driver(bdf, &now);
                return log_error_errno(ETIMEDOUT,
                                       "%s is not on vfio-pci %d s after the probe (driver: %s). See the kernel "
                                       "log (journalctl -k) for what vfio-pci said.",
                                       t->label, VFIO_WAIT_MS / 1000, now ?: "none");
        }
        if (pci_wait_path(node, true, VFIO_WAIT_MS) < 0)
                return log_error_errno(ETIMEDOUT, "%s is on vfio-pci, but %s did not appear within %d s.", t->label,
                                       node, VFIO_WAIT_MS / 1000);
        return 0;
}

static int run_checks(const VfioTarget *t) {
        int r = vfio_check_iommu(t);
        if (r < 0)
                return r; /* the other checks need the group */
        int (*const checks[])(const VfioTarget *) = { vfio_check_display, vfio_check_group, vfio_check_holders };
        for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
                int k = checks[i](t);
                if (k < 0 && r >= 0)
                        r = k;
        }
        return r;
}

/* Already on vfio-pci: with our record it is ours and done; without one, someone else bound it, and we use it as
 * it is but record that unbind must leave the binding alone. */
static int bind_existing(VfioTarget *t) {
        VfioRecord rec = VFIO_RECORD_INIT;
        int r = vfio_record_read(t->bdf, &rec);
        if (r == -ENOENT) {
                rec = (VfioRecord){ .bound_by_vxm = false,
                                    .driver = xstrdup("vfio-pci"),
                                    .group = t->dev->iommu_group };
                rec.driver_override = t->dev->driver_override ? xstrdup(t->dev->driver_override) : NULL;
                r = vfio_record_write(t->bdf, &rec);
                if (r < 0) {
                        vfio_record_done(&rec);
                        return log_error_errno(r, "Failed to write " VFIO_RECORD_DIR "/%s: %m", t->bdf);
                }
                log_notice("%s was already on vfio-pci, bound by someone else: using it as it is, and leaving it "
                           "on vfio-pci when the guest stops.",
                           t->label);
        } else if (r < 0) {
                return log_error_errno(r, "Failed to read " VFIO_RECORD_DIR "/%s: %m", t->bdf);
        } else
                log_info("%s is already on vfio-pci, nothing to do.", t->label);
        vfio_record_done(&rec);
        return 0;
}

int vfio_bind(VfioTarget *t) {
        _cleanup_free_ char *node = xasprintf("/dev/vfio/%d", t->dev->iommu_group);
        int r;

        r = vfio_check_vf_hold(t);
        if (r < 0)
                return r;

        if (t->dev->driver && strcmp(t->dev->driver, "vfio-pci") == 0)
                return bind_existing(t);

        r = run_checks(t);
        if (r < 0) {
                log_error("Not binding %s: nothing was changed.", t->label);
                return r;
        }

        /* An earlier bind that was killed or failed half-way left a record: it knows the real original state,
         * which the device may no longer show. */
        VfioRecord rec = VFIO_RECORD_INIT;
        r = vfio_record_read(t->bdf, &rec);
        if (r >= 0)
                log_notice("%s: continuing from the record of an unfinished bind (original driver %s).", t->label,
                           rec.driver ?: "none");
        else if (r == -ENOENT) {
                rec = (VfioRecord){ .bound_by_vxm = true, .group = t->dev->iommu_group };
                rec.driver = t->dev->driver ? xstrdup(t->dev->driver) : NULL;
                rec.driver_override = t->dev->driver_override ? xstrdup(t->dev->driver_override) : NULL;
                r = vfio_record_write(t->bdf, &rec);
                if (r < 0) {
                        vfio_record_done(&rec);
                        return log_error_errno(r, "Failed to write " VFIO_RECORD_DIR "/%s, not binding %s: %m", t->bdf,
                                               t->label);
                }
        } else
                return log_error_errno(r,
                                       "Failed to read " VFIO_RECORD_DIR "/%s (remove it if it is damaged and the "
                                       "device is on its host driver): %m",
                                       t->bdf);

        r = load_vfio_pci();
        if (r >= 0)
                r = move_to_vfio(t, node);
        if (r < 0) {
                log_error("Binding %s failed, giving it back to %s.", t->label, rec.driver ?: "no driver");
                vfio_record_done(&rec);
                (void) vfio_unbind(t);
                return r;
        }
        log_notice("%s is on vfio-pci now (was %s), IOMMU group %d.", t->label, rec.driver ?: "without a driver",
                   t->dev->iommu_group);
        vfio_record_done(&rec);
        return 0;
}

static int restore_driver(VfioTarget *t, const VfioRecord *rec) {
        const char *bdf = t->bdf;
        _cleanup_free_ char *cur = NULL;
        int r;

        r = pci_device_get_driver(bdf, &cur);
        if (r < 0)
                return log_error_errno(r, "Failed to read the driver of %s: %m", t->label);
        /* Only vfio-pci is ours to unbind; any other driver was there before us or bound by someone else. */
        if (streq_null(cur, "vfio-pci")) {
                r = vfio_check_vfio_holders(t, rec->group, VFIO_HOLDER_WAIT_MS);
                if (r < 0)
                        return r;
                r = pci_device_unbind(bdf, "vfio-pci");
                if (r < 0)
                        return log_error_errno(r, "Failed to unbind %s from vfio-pci: %m", t->label);
                free(cur);
                cur = NULL;
                stop_point("unbind:unbind");
        }

        r = pci_device_set_override(bdf, rec->driver_override);
        if (r < 0)
                return log_error_errno(r, "Failed to restore driver_override of %s to \"%s\": %m", t->label,
                                       rec->driver_override ?: "");
        stop_point("unbind:override");

        if (!cur && rec->driver) {
                r = pci_device_probe(bdf);
                if (r < 0)
                        log_warning_errno(r, "Probing %s for its host driver failed: %m", t->label);
                stop_point("unbind:probe");
        }
        return pci_device_wait_driver(bdf, rec->driver, VFIO_WAIT_MS);
}

int vfio_unbind(VfioTarget *t) {
        _cleanup_(vfio_record_done) VfioRecord rec = VFIO_RECORD_INIT;
        int r = vfio_record_read(t->bdf, &rec);
        if (r == -ENOENT) {
                /* vxm-vfio@'s ExecStopPost= after `vxm-vfio hold` gave the device back and exited 0 (systemd says so
                 * in $SERVICE_RESULT): the usual case, not worth a line in the journal. */
                if (streq_null(getenv("SERVICE_RESULT"), "success"))
                        log_debug("%s has no record in " VFIO_RECORD_DIR ": given back already.", t->label);
                else
                        log_info("%s has no record in " VFIO_RECORD_DIR ": vxm did not bind it, leaving it alone.",
                                 t->label);
                /* A bind killed while writing its first record changed nothing, but may have left the temp file. */
                return vfio_record_remove(t->bdf);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read " VFIO_RECORD_DIR "/%s, not touching %s: %m", t->bdf,
                                       t->label);

        if (!t->dev) {
                log_warning("%s is gone (unplugged?): nothing to give back, dropping its record.", t->label);
                return vfio_record_remove(t->bdf);
        }

        if (rec.bound_by_vxm) {
                r = restore_driver(t, &rec);
                if (r == -EBUSY)
                        return r; /* still held through VFIO: the check said who, and what to do */
                if (r < 0) {
                        _cleanup_free_ char *now = NULL;
                        (void) pci_device_get_driver(t->bdf, &now);
                        log_error("%s did NOT come back to %s (driver now: %s)! The host cannot use it until it "
                                  "does: run \"vxm-vfio unbind %s\" again, or echo %s > "
                                  "/sys/bus/pci/drivers/%s/bind, or reboot. Keeping " VFIO_RECORD_DIR "/%s.",
                                  t->label, rec.driver ?: "no driver", now ?: "none", t->bdf, t->bdf,
                                  rec.driver ?: "DRIVER", t->bdf);
                        return r;
                }
                if (rec.driver)
                        log_notice("%s is back on %s.", t->label, rec.driver);
                else
                        log_notice("%s is back without a driver, as it was before.", t->label);
        } else
                log_info("%s was on vfio-pci before vxm came along: leaving it there.", t->label);

        restore_access(t, &rec);
        stop_point("unbind:restored");
        r = vfio_record_remove(t->bdf);
        if (r < 0)
                return log_error_errno(r, "Failed to remove " VFIO_RECORD_DIR "/%s: %m", t->bdf);
        return 0;
}
