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
#include "basic/strv.h"
#include "host/node-lend.h"
#include "host/pci-sysfs.h"
#include "host/state-file.h"
#include "host/user-lookup.h"
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

/* The group nodes of the guest's devices, each once (the functions of a card share one group). */
static int group_nodes(const Guest *g, char ***ret) {
        _cleanup_strv_free_ char **nodes = NULL;
        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->devices[i].address, bdf);
                _cleanup_free_ char *link = xasprintf("/sys/bus/pci/devices/%s/iommu_group", bdf), *group = NULL;
                int r = root_readlink_basename(link, &group);
                if (r < 0)
                        return log_error_errno(r,
                                               "%s: %s is in no IOMMU group (%s: %m); vxm-vfio@%s.service should "
                                               "have refused it.",
                                               g->name, bdf, link, bdf);
                _cleanup_free_ char *node = xasprintf("/dev/vfio/%s", group);
                if (!strv_contains(nodes, node))
                        strv_push(&nodes, node);
        }
        *ret = TAKE_PTR(nodes);
        return 0;
}

static int open_node(const Guest *g, const char *node) {
        int fd = root_open(node, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd == -ENOENT)
                return log_error_errno(ENODEV,
                                       "%s does not exist: guest %s's devices in that IOMMU group are not on "
                                       "vfio-pci (see journalctl -u 'vxm-vfio@*').",
                                       node, g->name);
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", node);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
                close(fd);
                return log_error_errno(ENOTTY, "%s is not a character device, refusing.", node);
        }
        return fd;
}

static void prefix(size_t i, char buf[static 32]) {
        snprintf(buf, 32, "NODE%zu_", i);
}

int vfio_lend(const Guest *g) {
        if (g->n_devices == 0)
                return 0;
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        if (root_exists(rec)) {
                log_info("Found the VFIO record of an earlier run of guest %s; giving its nodes back first.", g->name);
                int r = vfio_give_back(g->name);
                if (r < 0)
                        return r;
        }

        uid_t uid;
        int r = user_lookup_uid(g->user, "[Guest] User=", &uid);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **nodes = NULL;
        r = group_nodes(g, &nodes);
        if (r < 0)
                return r;
        size_t n = strv_length(nodes);
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
                fds[i] = r = open_node(g, nodes[i]);
                if (r >= 0)
                        wait_for_udev(fds[i], nodes[i]);
                if (r >= 0 && (r = node_lend_record(s, p, fds[i], nodes[i], &uid, 1)) < 0)
                        log_error_errno(r, "Failed to read the owner, mode and ACL of %s: %m", nodes[i]);
        }
        if (r >= 0 && (r = state_file_save(rec, s)) < 0)
                log_error_errno(r, "Failed to write %s: %m", rec);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = node_lend_grant(fds[i], &uid, 1);
                if (r < 0) {
                        log_error_errno(r, "Failed to lend %s to user %s: %m", nodes[i], g->user);
                        (void) vfio_give_back(g->name);
                } else
                        log_info("Lent %s to user %s (ACL) for guest %s.", nodes[i], g->user, g->name);
        }
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
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
