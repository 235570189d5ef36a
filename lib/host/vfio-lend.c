/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/mdev.h"
#include "host/node-lend.h"
#include "host/pci-sysfs.h"
#include "host/state-file.h"
#include "host/user-lookup.h"
#include "host/vf-alloc.h"
#include "host/vfio-lend.h"

#define RECORD_KIND "vfio-lend"
#define UDEV_WAIT_MS 5000

/* udev sets a new node's owner and mode (70-vxm.rules: root's, 0600) once the kernel made it; a chmod after our ACL
 * would rewrite its mask and take the access away again. udev has finished with a node once its database entry
 * exists. */
static void wait_for_udev(int fd, const char *node) {
        struct stat st;
        if (!root_exists("/run/udev/control") || fstat(fd, &st) < 0)
                return;
        _cleanup_free_ char *db = xasprintf("/run/udev/data/c%u:%u", major(st.st_rdev), minor(st.st_rdev));
        if (pci_wait_path(db, true, UDEV_WAIT_MS) < 0)
                log_warning("udev did not finish with %s within %d s, lending it anyway.", node, UDEV_WAIT_MS / 1000);
}

/* A group node to lend, and why the guest has it: for the messages. */
typedef struct LendNode {
        char *node; /* /dev/vfio/GROUP */
        char *what; /* "Device=0000:01:00.0", "virtual function 0000:02:00.1 (VirtualFunction=0000:02:00.0)", ... */
        char *unit; /* the unit whose journal says why the node is missing */
} LendNode;

static void lend_nodes_free(LendNode *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].node);
                free(l[i].what);
                free(l[i].unit);
        }
        free(l);
}

/* Adds group's node once (the functions of a card share one group); takes what and unit. */
static void lend_nodes_add(LendNode **l, size_t *n, const char *group, char *what, char *unit) {
        _cleanup_free_ char *node = xasprintf("/dev/vfio/%s", group);
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*l)[i].node, node) == 0) {
                        free(what);
                        free(unit);
                        return;
                }
        *l = xrealloc(*l, (*n + 1) * sizeof **l);
        (*l)[(*n)++] = (LendNode){ .node = TAKE_PTR(node), .what = what, .unit = unit };
}

static int pci_group(const char *name, const char *bdf, const char *unit, char **ret) {
        _cleanup_free_ char *link = xasprintf("/sys/bus/pci/devices/%s/iommu_group", bdf);
        int r = root_readlink_basename(link, ret);
        if (r < 0)
                return log_error_errno(r, "%s: %s is in no IOMMU group (%s: %m); %s should have refused it.", name, bdf,
                                       link, unit);
        return 0;
}

/* A Device= that is a virtual function another running guest took (VirtualFunction=): not this guest's to open, even
 * if its binding let it through. */
static int check_not_held(const Guest *g, const char *bdf) {
        VfHold h;
        if (vf_hold_read(bdf, &h) < 0)
                return 0;
        int r = 0;
        if (strcmp(h.owner, g->name) != 0 && vf_owner_alive_systemd(&h, NULL) != 0)
                r = log_error_errno(
                        EBUSY,
                        "%s: Device=%s is the virtual function that guest %s holds (/run/vxm/.state/vf/%s), "
                        "refusing to lend its group.",
                        g->name, bdf, h.owner, bdf);
        vf_hold_done(&h);
        return r;
}

static int device_nodes(const Guest *g, LendNode **l, size_t *n) {
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->devices[i].address, bdf);
                _cleanup_free_ char *unit = xasprintf("vxm-vfio@%s.service", bdf), *group = NULL;
                int r = check_not_held(g, bdf);
                if (r >= 0)
                        r = pci_group(g->name, bdf, unit, &group);
                if (r < 0)
                        return r;
                lend_nodes_add(l, n, group, xasprintf("Device=%s", bdf), TAKE_PTR(unit));
        }
        return 0;
}

/* The VFs the guest holds: from the holds that vxm-vf@NAME wrote, not from the config, which may have changed. */
static int vf_nodes(const Guest *g, LendNode **l, size_t *n) {
        VfHold *holds;
        size_t n_holds;
        int r = vf_holds_of(g->name, &holds, &n_holds);
        if (r < 0)
                return log_error_errno(r, "Failed to read the holds in /run/vxm/.state/vf: %m");
        _cleanup_free_ char *unit = xasprintf("vxm-vf@%s.service", g->name);
        for (size_t i = 0; i < n_holds && r >= 0; i++) {
                _cleanup_free_ char *group = NULL;
                r = pci_group(g->name, holds[i].vf, unit, &group);
                if (r >= 0)
                        lend_nodes_add(l, n, group,
                                       xasprintf("virtual function %s (VirtualFunction=%s)", holds[i].vf, holds[i].pf),
                                       xstrdup(unit));
        }
        vf_holds_free(holds, n_holds);
        return r;
}

/* The guest's mediated devices: from the records that vxm-mdev@NAME wrote. */
static int mdev_nodes(const Guest *g, LendNode **l, size_t *n) {
        MdevRecord *recs;
        size_t n_recs;
        int r = mdev_records_of(g->name, &recs, &n_recs);
        if (r < 0)
                return log_error_errno(r, "Failed to read the records in /run/vxm/.state/mdev: %m");
        for (size_t i = 0; i < n_recs && r >= 0; i++) {
                int group = recs[i].group >= 0 ? recs[i].group : mdev_device_group(recs[i].uuid);
                if (group < 0) {
                        r = log_error_errno(group,
                                            "%s: mdev %s has no IOMMU group (%m); vxm-mdev@%s.service should have "
                                            "refused it.",
                                            g->name, recs[i].uuid, g->name);
                        break;
                }
                char num[16];
                snprintf(num, sizeof num, "%d", group);
                lend_nodes_add(l, n, num,
                               xasprintf("mdev %s (Mdev=, %s on %s)", recs[i].uuid, recs[i].type, recs[i].parent),
                               xasprintf("vxm-mdev@%s.service", g->name));
        }
        mdev_records_free(recs, n_recs);
        return r;
}

/* Every group node the guest's QEMU opens: of its Device= lines, of the VFs it holds and of its mdevs. */
static int group_nodes(const Guest *g, LendNode **ret, size_t *ret_n) {
        LendNode *l = NULL;
        size_t n = 0;
        int r = device_nodes(g, &l, &n);
        if (r >= 0)
                r = vf_nodes(g, &l, &n);
        if (r >= 0)
                r = mdev_nodes(g, &l, &n);
        if (r < 0) {
                lend_nodes_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static int open_node(const Guest *g, const LendNode *ln) {
        int fd = root_open(ln->node, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd == -ENOENT)
                return log_error_errno(ENODEV,
                                       "%s does not exist: guest %s's %s is not on vfio-pci (see journalctl -u %s).",
                                       ln->node, g->name, ln->what, ln->unit);
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", ln->node);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
                close(fd);
                return log_error_errno(ENOTTY, "%s is not a character device, refusing.", ln->node);
        }
        return fd;
}

static void prefix(size_t i, char buf[static 32]) {
        snprintf(buf, 32, "NODE%zu_", i);
}

int vfio_lend(const Guest *g) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        if (root_exists(rec)) {
                log_info("Found the VFIO record of an earlier run of guest %s; giving its nodes back first.", g->name);
                int r = vfio_give_back(g->name);
                if (r < 0)
                        return r;
        }

        LendNode *nodes;
        size_t n;
        int r = group_nodes(g, &nodes, &n);
        if (r < 0)
                return r;
        if (n == 0) {
                free(nodes);
                return 0;
        }
        uid_t uid;
        r = user_lookup_uid(g->user, "[Guest] User=", &uid);
        if (r < 0) {
                lend_nodes_free(nodes, n);
                return r;
        }
        _cleanup_free_ int *fds = xmalloc(n * sizeof(int));
        for (size_t i = 0; i < n; i++)
                fds[i] = -EBADF;

        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-guest devices-up: the VFIO group nodes lent to guest %s; devices-down gives them "
                               "back exactly as recorded here.",
                               g->name);
        state_file_setf(s, "NODES", "%zu", n);
        for (size_t i = 0; i < n && r >= 0; i++) {
                char p[32];
                prefix(i, p);
                fds[i] = r = open_node(g, &nodes[i]);
                if (r >= 0)
                        wait_for_udev(fds[i], nodes[i].node);
                if (r >= 0 && (r = node_lend_record(s, p, fds[i], nodes[i].node, &uid, 1)) < 0)
                        log_error_errno(r, "Failed to read the owner, mode and ACL of %s: %m", nodes[i].node);
        }
        if (r >= 0 && (r = state_file_save(rec, s)) < 0)
                log_error_errno(r, "Failed to write %s: %m", rec);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = node_lend_grant(fds[i], &uid, 1);
                if (r < 0) {
                        log_error_errno(r, "Failed to lend %s to user %s: %m", nodes[i].node, g->user);
                        (void) vfio_give_back(g->name);
                } else
                        log_info("Lent %s to user %s (ACL) for guest %s: its %s.", nodes[i].node, g->user, g->name,
                                 nodes[i].what);
        }
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        lend_nodes_free(nodes, n);
        return r < 0 ? r : 0;
}

int vfio_give_back(const char *name) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        uint64_t n;
        int r = state_file_load_for_undo(rec, &s);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", rec);
        if (state_file_get_u64(s, "NODES", &n) < 0)
                return log_error_errno(EBADMSG, "%s is malformed; not touching any node.", rec);

        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                char p[32];
                prefix(i, p);
                r = node_lend_return(s, p);
                if (r == -EBADMSG)
                        return log_error_errno(r, "%s is malformed (%s*); not touching any node.", rec, p);
                if (r < 0)
                        ret = r;
        }
        if (ret < 0)
                return ret; /* keep the record: stopping again retries */
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
