/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME, [PCI] Mdev= (finding "mdev"): can this host create each mediated device the guest asks for, right
 * now? The same probes and sentences as vxm-mdev, which would refuse the start (lib/host/mdev.c). Changes nothing. */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "check.h"
#include "host/mdev.h"
#include "host/numa-node.h"

/* The UUID vxm-mdev would use for the line: uuid=, else the one derived from /etc/machine-id. */
static int line_uuid(const Guest *g, size_t index, char ret[static UUID_STRLEN]) {
        const GuestMdev *m = &g->mdevs[index];
        if (m->uuid) {
                snprintf(ret, UUID_STRLEN, "%s", m->uuid);
                return 0;
        }
        return mdev_uuid_derive(g->name, (unsigned) index, ret);
}

/* An mdev with the line's UUID exists already (mdevctl, by hand, or a running guest): vxm-mdev uses it as it is, if it
 * is what the line asks for. */
static void check_existing(CheckContext *c, const GuestMdev *m, const char *where, const char *fix, const char *uuid) {
        _cleanup_free_ char *type = NULL, *parent = NULL;
        (void) mdev_device_info(uuid, &type, &parent);
        if (type && strcmp(type, m->type) == 0 && (!m->parent || (parent && strcmp(parent, m->parent) == 0)))
                check_ok(c, where, "Mdev=%s,type=%s: mdev %s exists (%s on %s) and is used as it is",
                         m->parent ?: "auto", m->type, uuid, type, parent ?: "?");
        else
                check_fail(c, where, fix, "Mdev=%s,type=%s: mdev %s exists, but it is a %s on %s", m->parent ?: "auto",
                           m->type, uuid, type ?: "?", parent ?: "?");
}

static void check_line(CheckContext *c, size_t index) {
        const Guest *g = c->guest;
        const GuestMdev *m = &g->mdevs[index];
        _cleanup_free_ char *where = xasprintf("%s:%u", m->source.file, m->source.line);
        _cleanup_free_ char *fix = xasprintf("fix Mdev= at %s", where);
        const char *parent_name = m->parent ?: "auto";

        char uuid[UUID_STRLEN];
        if (line_uuid(g, index, uuid) < 0) {
                check_fail(c, where, "run systemd-machine-id-setup, or set uuid= on the line",
                           "Mdev=%s,type=%s: /etc/machine-id is missing or invalid, so no stable UUID can be derived",
                           parent_name, m->type);
                return;
        }
        if (mdev_exists(uuid)) {
                check_existing(c, m, where, fix, uuid);
                return;
        }

        if (m->parent) {
                _cleanup_mdev_parent_free_ MdevParent *p = NULL;
                (void) mdev_parent_load(m->parent, &p);
                _cleanup_free_ char *why = mdev_parent_problem(m->parent, p, m->type);
                if (why)
                        check_fail(c, where, fix, "Mdev=%s,type=%s: %s", parent_name, m->type, why);
                else
                        check_ok(c, where, "Mdev=%s,type=%s: %s offers %s (%u free); mdev %s is created at start",
                                 parent_name, m->type, m->parent, m->type, mdev_parent_find_type(p, m->type)->available,
                                 uuid);
                return;
        }
        _cleanup_mdev_parents_free_ MdevParent **all = NULL;
        (void) mdev_parents_load_all(&all);
        int node = guest_numa_node(g);
        const MdevParent *p = mdev_choose_parent(all, m->type, node);
        if (!p) {
                _cleanup_free_ char *why = mdev_auto_problem(all, m->type);
                check_fail(c, where, fix, "Mdev=auto,type=%s: %s", m->type, why);
                return;
        }
        check_ok(c, where, "Mdev=auto,type=%s: would be created on %s (NUMA node %d, the guest's is %d; %u free) as %s",
                 m->type, p->name, p->numa_node, node, mdev_parent_find_type(p, m->type)->available, uuid);
}

static void run_mdev(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->n_mdevs == 0) {
                check_ok(c, NULL, "no Mdev= in [PCI]: the guest takes no mediated device");
                return;
        }
        for (size_t i = 0; i < g->n_mdevs; i++)
                check_line(c, i);
}
const Check check_mdev = { "mdev", CHECK_GUEST, run_mdev,
                           "each Mdev= parent offers the type with a free instance, or the mdev exists as asked" };
