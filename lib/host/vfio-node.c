/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/pci-sysfs.h"
#include "host/vfio-node.h"

#define UDEV_WAIT_MS 5000

void vfio_node_wait_udev(const char *node) {
        struct stat st;
        if (!root_exists("/run/udev/control") || root_stat(node, &st) < 0 || !S_ISCHR(st.st_mode))
                return;
        _cleanup_free_ char *db = xasprintf("/run/udev/data/c%u:%u", major(st.st_rdev), minor(st.st_rdev));
        if (pci_wait_path(db, true, UDEV_WAIT_MS) < 0)
                log_warning("udev did not finish with %s within %d s, setting its owner anyway.", node,
                            UDEV_WAIT_MS / 1000);
}

int vfio_node_get_owner(const char *node, VfioNodeOwner *ret) {
        struct stat st;
        int r = root_stat(node, &st);
        if (r < 0)
                return r;
        *ret = (VfioNodeOwner){ .uid = st.st_uid, .gid = st.st_gid, .mode = st.st_mode & 07777 };
        return 0;
}

int vfio_node_set_owner(const char *node, const VfioNodeOwner *o) {
        _cleanup_free_ char *p = root_path(node);
        if (chown(p, o->uid, o->gid) < 0 || chmod(p, o->mode) < 0)
                return -errno;
        return 0;
}

bool vfio_node_owner_equal(const VfioNodeOwner *a, const VfioNodeOwner *b) {
        return a->uid == b->uid && a->gid == b->gid && a->mode == b->mode;
}

char *vfio_node_owner_format(const VfioNodeOwner *o) {
        return xasprintf("%u:%u:%04o", (unsigned) o->uid, (unsigned) o->gid, (unsigned) (o->mode & 07777));
}

int vfio_node_owner_parse(const char *s, VfioNodeOwner *ret) {
        unsigned uid, gid, mode;
        int n = -1;
        if (sscanf(s, "%u:%u:%o%n", &uid, &gid, &mode, &n) != 3 || n < 0 || s[n] != '\0' || mode > 07777)
                return -EBADMSG;
        *ret = (VfioNodeOwner){ .uid = (uid_t) uid, .gid = (gid_t) gid, .mode = (mode_t) mode };
        return 0;
}
