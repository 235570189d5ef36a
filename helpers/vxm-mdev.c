/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-mdev create|remove NAME: run by vxm-mdev@NAME.service (ExecStart= create, ExecStopPost= remove). One mediated
 * device per [PCI] Mdev= line of guest NAME, with a UUID that is stable for this host, guest and line; recorded in
 * /run/vxm/.state/mdev/UUID before it is created (with its IOMMU group once known, from which vxm-guest devices-up
 * lends /dev/vfio/GROUP to the guest's user), and removed again on stop. An mdev that exists already with that UUID
 * (mdevctl, by hand) is used and left in place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "config/config.h"
#include "config/helper-cli.h"
#include "host/mdev.h"
#include "host/numa-node.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "host/state-lock.h"

/* How long stop waits for whoever has the device open (QEMU, which is gone by then in every normal stop). */
#define MDEV_REMOVE_TIMEOUT_MS 20000
#define NODE_WAIT_MS 5000

static void help(void) {
        printf("Usage: vxm-mdev create|remove NAME\n"
               "\n"
               "Create the mediated devices of guest NAME ([PCI] Mdev=PARENT|auto,type=TYPE[,uuid=UUID]) and\n"
               "remove them again. vxm-mdev@NAME.service runs this.\n"
               "\n"
               "  create NAME  For each line: the UUID is uuid= or derived from /etc/machine-id, the guest's name\n"
               "               and the line's index (the same on every start). If that mdev exists, use it\n"
               "               (and leave it in place later). Else check the parent (auto: the one on the\n"
               "               guest's NUMA node, then the one with most free instances) offers TYPE with\n"
               "               available_instances > 0, record it in /run/vxm/.state/mdev/UUID, write the UUID\n"
               "               to create, check that /sys/bus/mdev/devices/UUID appeared and record its IOMMU\n"
               "               group (vxm-guest devices-up lends /dev/vfio/GROUP to the guest's user).\n"
               "  remove NAME  Remove every mdev that create made (waiting at most 20 s for whoever still\n"
               "               has it open); drop the records.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

typedef struct Line {
        Guest *guest;
        size_t index;
        const GuestMdev *m;
        char where[512]; /* "file:line: Mdev=..." */
} Line;

/* The existing mdev must be what the line asks for. */
static int check_existing(const Line *l, const char *uuid) {
        _cleanup_free_ char *type = NULL, *parent = NULL;
        int r = mdev_device_info(uuid, &type, &parent);
        if (r < 0)
                return log_error_errno(r, "%s: mdev %s exists, but its type cannot be read: %m", l->where, uuid);
        if (strcmp(type, l->m->type) != 0 || (l->m->parent && strcmp(parent, l->m->parent) != 0))
                return log_error_errno(EEXIST,
                                       "%s: mdev %s exists already, but it is a %s on %s, not what this line asks "
                                       "for. Remove it (echo 1 > /sys/bus/mdev/devices/%s/remove) or give this line "
                                       "another uuid=.",
                                       l->where, uuid, type, parent, uuid);
        return 0;
}

/* The parent for a new mdev: the line's, or for auto the best one for the guest's NUMA node. */
static int pick_parent(const Line *l, char **ret) {
        if (l->m->parent) {
                _cleanup_mdev_parent_free_ MdevParent *p = NULL;
                (void) mdev_parent_load(l->m->parent, &p);
                _cleanup_free_ char *why = mdev_parent_problem(l->m->parent, p, l->m->type);
                if (why)
                        return log_error_errno(EINVAL, "%s: %s. Nothing was changed.", l->where, why);
                *ret = xstrdup(l->m->parent);
                return 0;
        }

        _cleanup_mdev_parents_free_ MdevParent **all = NULL;
        int r = mdev_parents_load_all(&all);
        if (r < 0)
                return log_error_errno(r, "Failed to list /sys/class/mdev_bus: %m");
        int node = guest_numa_node(l->guest);
        const MdevParent *p = mdev_choose_parent(all, l->m->type, node);
        if (!p) {
                _cleanup_free_ char *why = mdev_auto_problem(all, l->m->type);
                return log_error_errno(ENOSPC, "%s: %s Nothing was changed.", l->where, why);
        }
        log_info("%s: parent %s (NUMA node %d; the guest's node is %d).", l->where, p->name, p->numa_node, node);
        *ret = xstrdup(p->name);
        return 0;
}

/* Records the mdev's IOMMU group once its node is there: vxm-guest devices-up lends /dev/vfio/GROUP to the guest's user
 * from this record (host/vfio-lend.h), exactly as it lends the groups of the guest's PCI devices. */
static int record_group(const Line *l, MdevRecord *rec) {
        int group = mdev_device_group(rec->uuid);
        if (group < 0)
                return log_error_errno(group,
                                       "%s: mdev %s has no IOMMU group: %m (is its vendor driver a VFIO mdev "
                                       "driver?)",
                                       l->where, rec->uuid);
        _cleanup_free_ char *node = xasprintf("/dev/vfio/%d", group);
        if (pci_wait_path(node, true, NODE_WAIT_MS) < 0)
                return log_error_errno(ENOENT, "%s: mdev %s is in IOMMU group %d, but %s did not appear.", l->where,
                                       rec->uuid, group, node);
        if (rec->group == group)
                return 0;
        rec->group = group;
        int r = mdev_record_write(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to update /run/vxm/.state/mdev/%s: %m", rec->uuid);
        return 0;
}

static int create_line(Line *l) {
        const GuestMdev *m = l->m;
        char uuid[UUID_STRLEN];
        int r;

        if (m->uuid)
                snprintf(uuid, sizeof uuid, "%s", m->uuid);
        else {
                r = mdev_uuid_derive(l->guest->name, (unsigned) l->index, uuid);
                if (r < 0)
                        return log_error_errno(r,
                                               "%s: cannot derive a stable UUID from /etc/machine-id: %m. Set "
                                               "uuid= on the line.",
                                               l->where);
        }

        _cleanup_(mdev_record_done) MdevRecord rec = { .group = -1 };
        r = mdev_record_read(uuid, &rec);
        if (r >= 0 && strcmp(rec.owner, l->guest->name) != 0)
                return log_error_errno(EBUSY, "%s: mdev %s belongs to guest %s (/run/vxm/.state/mdev/%s).", l->where,
                                       uuid, rec.owner, uuid);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read /run/vxm/.state/mdev/%s, not touching it: %m", uuid);
        bool have_record = r >= 0;

        if (mdev_exists(uuid)) {
                r = check_existing(l, uuid);
                if (r < 0)
                        return r;
                if (!have_record) {
                        _cleanup_free_ char *parent = NULL;
                        (void) mdev_device_info(uuid, NULL, &parent);
                        rec = (MdevRecord){ .owner = xstrdup(l->guest->name),
                                            .index = (unsigned) l->index,
                                            .parent = parent ? TAKE_PTR(parent) : xstrdup("?"),
                                            .type = xstrdup(m->type),
                                            .created = false,
                                            .group = -1 };
                        snprintf(rec.uuid, sizeof rec.uuid, "%s", uuid);
                        log_notice("%s: mdev %s exists already (made by mdevctl or by hand): using it, and leaving "
                                   "it in place when the guest stops.",
                                   l->where, uuid);
                } else
                        log_info("%s: mdev %s exists (%s).", l->where, uuid,
                                 rec.created ? "created by an earlier start" : "made outside vxm");
        } else {
                _cleanup_free_ char *parent = NULL;
                r = pick_parent(l, &parent);
                if (r < 0)
                        return r;
                if (!have_record) {
                        rec = (MdevRecord){ .owner = xstrdup(l->guest->name),
                                            .index = (unsigned) l->index,
                                            .parent = xstrdup(parent),
                                            .type = xstrdup(m->type),
                                            .created = true,
                                            .group = -1 };
                        snprintf(rec.uuid, sizeof rec.uuid, "%s", uuid);
                } else {
                        free(rec.parent);
                        rec.parent = xstrdup(parent);
                        rec.created = true;
                }
                r = mdev_record_write(&rec);
                if (r < 0)
                        return log_error_errno(r, "Failed to write /run/vxm/.state/mdev/%s, not creating it: %m", uuid);
                r = mdev_create(parent, m->type, uuid);
                if (r == -ENODEV)
                        return log_error_errno(r,
                                               "%s: the kernel accepted mdev %s of type %s on %s, but "
                                               "/sys/bus/mdev/devices/%s did not appear (see journalctl -k).",
                                               l->where, uuid, m->type, parent, uuid);
                if (r < 0)
                        return log_error_errno(r,
                                               "%s: the kernel refused to create mdev %s of type %s on %s: %m "
                                               "(see journalctl -k for what its driver said).",
                                               l->where, uuid, m->type, parent);
                log_notice("%s: created mdev %s (%s on %s).", l->where, uuid, m->type, parent);
        }
        return record_group(l, &rec);
}

static int create(const char *name) {
        _cleanup_guest_free_ Guest *g = NULL;
        int r = helper_load_guest(name, &g);
        if (r < 0)
                return r;
        if (g->n_mdevs == 0) {
                log_info("Guest %s has no Mdev= lines: nothing to do.", name);
                return 0;
        }
        /* Looking at available_instances and creating is one step for all guests: two starting at once never both
         * count the last free instance. */
        _cleanup_close_ int lock = state_lock_take("mdev");
        if (lock < 0)
                return log_error_errno(lock, "Failed to take the lock /run/vxm/.state/mdev/.lock: %m");
        for (size_t i = 0; i < g->n_mdevs; i++) {
                Line l = { .guest = g, .index = i, .m = &g->mdevs[i] };
                snprintf(l.where, sizeof l.where, "%s:%u: Mdev=%s,type=%s", g->mdevs[i].source.file,
                         g->mdevs[i].source.line, g->mdevs[i].parent ?: "auto", g->mdevs[i].type);
                /* On a failure the unit fails and ExecStopPost= (remove) undoes the lines before. */
                r = create_line(&l);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The tests (under $VXM_ROOT only) shorten the wait with $VXM_MDEV_REMOVE_TIMEOUT_MS. */
static unsigned remove_timeout_ms(void) {
        const char *e = getenv("VXM_MDEV_REMOVE_TIMEOUT_MS");
        unsigned long v;
        if (*root_prefix() && e && parse_unsigned(e, MDEV_REMOVE_TIMEOUT_MS, &v) >= 0)
                return (unsigned) v;
        return MDEV_REMOVE_TIMEOUT_MS;
}

static int remove_one(const char *name, MdevRecord *rec) {
        if (!rec->created) {
                log_info("mdev %s existed before guest %s started: leaving it in place.", rec->uuid, name);
                return mdev_record_remove(rec->uuid);
        }
        if (mdev_exists(rec->uuid)) {
                unsigned timeout = remove_timeout_ms();
                int r = mdev_remove(rec->uuid, timeout);
                if (r == -ETIMEDOUT)
                        return log_error_errno(r,
                                               "mdev %s is still in use %.1f s after its guest stopped; it goes once "
                                               "that user lets go (see lsof /dev/vfio/%d). Keeping its record.",
                                               rec->uuid, timeout / 1000.0, rec->group);
                if (r < 0)
                        return log_error_errno(r, "Failed to remove mdev %s: %m. Keeping its record.", rec->uuid);
                log_notice("Removed mdev %s (%s on %s).", rec->uuid, rec->type, rec->parent);
        }
        return mdev_record_remove(rec->uuid);
}

/* Only the records count: the guest's config may have changed (or gone) since it started. */
static int remove_all(const char *name) {
        MdevRecord *recs;
        size_t n;
        int ret = mdev_records_of(name, &recs, &n);
        if (ret < 0)
                return log_error_errno(ret, "Failed to read /run/vxm/.state/mdev: %m");
        if (n == 0)
                log_info("Guest %s has no mediated devices recorded.", name);
        for (size_t i = 0; i < n; i++) {
                int r = remove_one(name, &recs[i]);
                if (r < 0)
                        ret = r;
        }
        mdev_records_free(recs, n);
        return ret;
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "create", "remove", NULL };
        const char *name;

        log_setup("vxm-mdev", LOG_TARGET_AUTO);
        int verb = helper_parse_args(argc, argv, verbs, help, &name);
        if (verb < 0)
                return verb == HELPER_SHOWED_HELP ? 0 : 2;
        int r = verb == 0 ? create(name) : remove_all(name);
        pci_names_done();
        return r < 0 ? 1 : 0;
}
