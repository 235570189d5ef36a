/* SPDX-License-Identifier: BSD-3-Clause */
/* Lending a guest's VFIO group nodes to its user (host/vfio-lend.h) on a fake root with real character device nodes
 * (mknod: needs root): an ACL entry for the guest's user only, owner and mode untouched, given back byte for byte
 * (entries added meanwhile removed), per guest (two guests of one device, two users), refusals that change nothing.
 */
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "config/config.h"
#include "host/acl.h"
#include "host/vfio-lend.h"
#include "basic/macro.h"
#include "../latency/tap.h"

static void node(const char *path, unsigned minor) {
        put(path, "%s", "");
        _cleanup_free_ char *p = root_path(path);
        if (unlink(p) < 0 || mknod(p, S_IFCHR | 0600, makedev(243, minor)) < 0 || chown(p, 0, 0) < 0)
                abort();
}

static void group_link(const char *bdf, const char *group) {
        _cleanup_free_ char *dev = xasprintf("/sys/bus/pci/devices/%s/vendor", bdf);
        put(dev, "0x1234\n");
        _cleanup_free_ char *link = xasprintf("/sys/bus/pci/devices/%s/iommu_group", bdf), *p = root_path(link),
                            *target = xasprintf("../../../../kernel/iommu_groups/%s", group);
        if (symlink(target, p) < 0)
                abort();
}

static Guest *guest(const char *name, const char *user) {
        _cleanup_free_ char *p = xasprintf("/etc/vxm/%s.conf", name);
        put(p, "[Guest]\nUser=%s\n[PCI]\nDevice=01:00.0\nDevice=01:00.1\n", user);
        Guest *g = NULL;
        return guest_load(name, &g) < 0 ? NULL : g;
}

static size_t acl_bytes(const char *path, char *buf, size_t size) {
        _cleanup_free_ char *full = root_path(path);
        ssize_t n = getxattr(full, "system.posix_acl_access", buf, size);
        return n < 0 ? 0 : (size_t) n;
}

int main(void) {
        struct passwd *pw = getpwnam("nobody");
        uid_t nobody = pw ? pw->pw_uid : 0; /* before the next lookup overwrites it */
        pw = getpwnam("daemon");
        uid_t daemon_uid = pw ? pw->pw_uid : 0;
        if (geteuid() != 0 || nobody == 0 || daemon_uid == 0) {
                skip("needs root (mknod) and the users nobody and daemon");
                return tap_done();
        }
        char *root = fake_root_new("vfio-lend");
        group_link("0000:01:00.0", "7");
        group_link("0000:01:00.1", "7");
        node("/dev/vfio/7", 7);

        _cleanup_guest_free_ Guest *a = guest("a", "nobody");
        is_int(vfio_lend(a), 0, "lend the group node of guest a (two functions, one group)");
        is_int(acl_get_user_perm("/dev/vfio/7", nobody), 6, "rw- for guest a's user");
        struct stat st;
        ok(root_stat("/dev/vfio/7", &st) == 0 && st.st_uid == 0 && st.st_gid == 0, "still root's: nothing chowned");
        ok(log_has("Lent /dev/vfio/7 to user nobody"), "says so, once");
        ok(root_exists("/run/vxm/.state/vfio-lend/a"), "record written");

        /* someone adds an entry while it is lent (the guest's user cannot: it does not own the node) */
        is_int(acl_set_user_perm("/dev/vfio/7", 4242, 6), 0, "an entry for uid 4242 appears while lent");
        is_int(vfio_give_back("a"), 0, "give back");
        char buf[512];
        is_u64(acl_bytes("/dev/vfio/7", buf, sizeof buf), 0, "no ACL at all any more, as before");
        ok(root_stat("/dev/vfio/7", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 0 && st.st_gid == 0,
           "root:root 0600 as before");
        ok(!root_exists("/run/vxm/.state/vfio-lend/a"), "record removed");
        is_int(vfio_give_back("a"), 0, "give back again: nothing to do");

        /* the same device in guest b of another user: b's user gets it, a's does not */
        _cleanup_guest_free_ Guest *b = guest("b", "daemon");
        is_int(vfio_lend(b), 0, "lend to guest b");
        is_int(acl_get_user_perm("/dev/vfio/7", daemon_uid), 6, "rw- for guest b's user");
        is_int(acl_get_user_perm("/dev/vfio/7", nobody), -ENODATA, "nothing for guest a's user");
        is_int(vfio_lend(b), 0, "lend again (restart after a crash): given back first, lent again");
        is_int(vfio_give_back("b"), 0, "give back");
        is_u64(acl_bytes("/dev/vfio/7", buf, sizeof buf), 0, "no ACL left");

        /* refusals change nothing */
        _cleanup_guest_free_ Guest *c = guest("c", "vxmnosuchuser");
        log_clear();
        ok(vfio_lend(c) < 0 && log_has("vxmnosuchuser ([Guest] User=) does not exist"), "an unknown user is refused");
        ok(!root_exists("/run/vxm/.state/vfio-lend/c"), "no record");
        _cleanup_free_ char *n7 = root_path("/dev/vfio/7");
        unlink(n7);
        log_clear();
        is_int(vfio_lend(a), -ENODEV, "a device not on vfio-pci (no group node) is refused");
        ok(log_has("/dev/vfio/7 does not exist"), "says which node");
        ok(!root_exists("/run/vxm/.state/vfio-lend/a"), "no record");

        /* the node went away while lent and the group came back as a new node: not ours to change */
        node("/dev/vfio/7", 7);
        is_int(vfio_lend(a), 0, "lend");
        _cleanup_free_ char *tmp = root_path("/dev/vfio/7.new");
        if (mknod(tmp, S_IFCHR | 0600, makedev(243, 7)) < 0 || rename(tmp, n7) < 0)
                abort();
        is_int(acl_set_user_perm("/dev/vfio/7", 999, 4), 0, "the new node has an entry of its own");
        log_clear();
        is_int(vfio_give_back("a"), 0, "give back");
        is_int(acl_get_user_perm("/dev/vfio/7", 999), 4, "the new node is left alone");
        ok(log_has("another file now"), "says why");

        fake_root_free(root);
        return tap_done();
}
