/* SPDX-License-Identifier: BSD-3-Clause */
/* Lending a guest's VFIO group nodes to its user (host/vfio-lend.h) on a fake root with real character device nodes
 * (mknod: needs root): an ACL entry for the guest's user only, owner and mode untouched, given back byte for byte
 * (entries added meanwhile removed), per guest (two guests of one device, two users), refusals that change nothing.
 */
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* Runs f(arg) in a child that stops itself at the stop-point point (lib/basic/stop-point.h), SIGKILLs it there and
 * returns true when it did stop there (its mark names the point). */
static bool killed_at(const char *point, int (*f)(const void *), const void *arg) {
        _cleanup_free_ char *mark = root_path("/.stop-mark");
        (void) unlink(mark);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
                abort();
        if (pid == 0) {
                setenv("VXM_TEST_STOP_AT", point, 1);
                setenv("VXM_TEST_STOP_MARK", mark, 1);
                _exit(f(arg) < 0 ? 1 : 0);
        }
        int status;
        if (waitpid(pid, &status, WUNTRACED) < 0)
                abort();
        bool stopped = WIFSTOPPED(status);
        kill(pid, SIGKILL);
        (void) waitpid(pid, &status, 0);
        _cleanup_free_ char *got = NULL;
        size_t n = 0;
        FILE *fm = fopen(mark, "re");
        if (fm) {
                if (getline(&got, &n, fm) < 0) {
                        free(got);
                        got = NULL;
                }
                fclose(fm);
        }
        (void) unlink(mark);
        size_t len = strlen(point);
        return stopped && got && strncmp(got, point, len) == 0 && got[len] == '\n' && got[len + 1] == '\0';
}

static int lend(const void *g) {
        return vfio_lend(g);
}

static int give_back(const void *name) {
        return vfio_give_back(name);
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

        /* both started at once: while b has the group, a is refused and nothing changes */
        size_t n_lent = acl_bytes("/dev/vfio/7", buf, sizeof buf);
        char lent[512];
        memcpy(lent, buf, n_lent);
        log_clear();
        is_int(vfio_lend(a), -EBUSY, "guest a is refused while guest b has the group");
        ok(log_has("/dev/vfio/7 is lent to guest b, which uses the same IOMMU group"), "says who has it");
        ok(!root_exists("/run/vxm/.state/vfio-lend/a"), "no record for a");
        ok(acl_bytes("/dev/vfio/7", buf, sizeof buf) == n_lent && memcmp(buf, lent, n_lent) == 0,
           "the ACL is as b left it");
        is_int(vfio_give_back("a"), 0, "giving back for a (its unit stops) does nothing");
        is_int(acl_get_user_perm("/dev/vfio/7", daemon_uid), 6, "b keeps rw-");

        is_int(vfio_give_back("b"), 0, "give back");
        is_u64(acl_bytes("/dev/vfio/7", buf, sizeof buf), 0, "no ACL left");
        is_int(vfio_lend(a), 0, "then a may have it");
        is_int(vfio_give_back("a"), 0, "and give it back");

        /* killed at each stop-point: what the unit runs next (devices-down) puts the node back byte for byte */
        is_int(acl_set_user_perm("/dev/vfio/7", 4242, 4), 0, "an entry of the admin's before");
        char before[512];
        size_t n_before = acl_bytes("/dev/vfio/7", before, sizeof before);
        ok(killed_at("devices-up:recorded", lend, a), "devices-up killed at devices-up:recorded");
        ok(root_exists("/run/vxm/.state/vfio-lend/a") && acl_get_user_perm("/dev/vfio/7", nobody) == -ENODATA,
           "recorded, not lent yet");
        is_int(vfio_give_back("a"), 0, "devices-down");
        ok(acl_bytes("/dev/vfio/7", buf, sizeof buf) == n_before && memcmp(buf, before, n_before) == 0 &&
                   !root_exists("/run/vxm/.state/vfio-lend/a"),
           "the ACL as before, no record");
        is_int(vfio_lend(a), 0, "lend");
        ok(killed_at("devices-down:returned", give_back, "a"), "devices-down killed at devices-down:returned");
        ok(root_exists("/run/vxm/.state/vfio-lend/a") && acl_get_user_perm("/dev/vfio/7", nobody) == -ENODATA,
           "given back, the record still there");
        is_int(vfio_give_back("a"), 0, "devices-down again");
        ok(acl_bytes("/dev/vfio/7", buf, sizeof buf) == n_before && memcmp(buf, before, n_before) == 0 &&
                   !root_exists("/run/vxm/.state/vfio-lend/a"),
           "the ACL as before, no record");
        is_int(vfio_lend(b), 0, "and another guest may have it");
        is_int(vfio_give_back("b"), 0, "give back");
        ok(acl_bytes("/dev/vfio/7", buf, sizeof buf) == n_before && memcmp(buf, before, n_before) == 0,
           "the ACL as before");

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
