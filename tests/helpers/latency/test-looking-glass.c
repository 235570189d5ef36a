/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-lookingglass' logic against a fake /dev/shm: the size table, create/remove, refusing foreign files, takeover
 * after a crash, two guests on one file, kvmfr lending, and the QEMU arguments. */
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "config/config.h"
#include "host/acl.h"
#include "host/looking-glass.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"
#include "host/state-file.h"
#include "basic/strv.h"
#include "tap.h"

static Guest *guest(const char *name, const char *lg) {
        _cleanup_free_ char *p = xasprintf("/etc/vxm/%s.conf", name);
        put(p, "[Guest]\nUser=nobody\n[LookingGlass]\n%s\n", lg);
        Guest *g = NULL;
        return guest_load(name, &g) < 0 ? NULL : g;
}

static void test_sizes(void) {
        is_u64(looking_glass_size(1920, 1080), 32ULL << 20, "1080p -> 32 MiB");
        is_u64(looking_glass_size(2560, 1440), 64ULL << 20, "1440p -> 64 MiB");
        is_u64(looking_glass_size(3840, 2160), 128ULL << 20, "4K -> 128 MiB");
        is_u64(looking_glass_size(1280, 720), 32ULL << 20, "720p -> 32 MiB (7 MiB of frames + 10 MiB, rounded up)");
        is_u64(looking_glass_size(7680, 4320), 512ULL << 20, "8K -> 512 MiB");

        char *root = fake_root_new("lg");
        _cleanup_guest_free_ Guest *g = guest("s", "Resolution=2560x1440\nSize=256M");
        ok(g && g->lg_size == 256ULL << 20, "Size= overrides the resolution");
        fake_root_free(root);
}

static void test_create_remove(void) {
        char *root = fake_root_new("lg");
        put("/dev/shm/.keep", "%s", "");
        struct passwd *pw = getpwnam("nobody");
        _cleanup_guest_free_ Guest *g = guest("w", "Resolution=1920x1080");
        is_int(looking_glass_create(g), 0, "create");
        struct stat st;
        ok(root_stat("/dev/shm/looking-glass", &st) == 0, "file exists");
        is_u64(st.st_size, 32ULL << 20, "sized 32 MiB");
        is_int(st.st_uid, geteuid(), "owned by root (whoever runs the helper), not by the guest user");
        Acl acl;
        int fd = acl_open_read("/dev/shm/looking-glass", &acl);
        ok(fd >= 0 && acl_find(&acl, ACL_TAG_GROUP_OBJ, 0)->perm == 0 && acl_find(&acl, ACL_TAG_OTHER, 0)->perm == 0 &&
                   !acl_find(&acl, ACL_TAG_GROUP, 0),
           "nothing for its group or others, and no group entry: no shared group reads it");
        if (fd >= 0)
                close(fd);
        if (pw)
                is_int(acl_get_user_perm("/dev/shm/looking-glass", pw->pw_uid), 6, "rw- for the guest user (ACL)");
        ok(log_has("Created /dev/shm/looking-glass (32 MiB"), "says what it created");
        ok(log_has("no [LookingGlass] Viewer="), "warns that no viewer may map it");
        ok(root_exists("/run/vxm/.state/lookingglass/w"), "record written");
        _cleanup_state_file_free_ StateFile *rec = NULL;
        ok(state_file_load("/run/vxm/.state/lookingglass/w", &rec) == 0 && state_file_get(rec, "INODE") &&
                   strtoull(strchr(state_file_get(rec, "INODE"), ':') + 1, NULL, 10) == st.st_ino,
           "the record names the file's device and inode");
        is_int(looking_glass_create(g), 0, "create again (restart after a crash): its own file is replaced");

        QemuPlan plan = { .guest = g };
        QemuArgv a = {};
        is_int(qemu_argv_looking_glass(&a, &plan), 0, "QEMU argv part");
        char **argv = a.args;
        _cleanup_free_ char *want = xasprintf("memory-backend-file,id=vxm-looking-glass,mem-path=%s/dev/shm/"
                                              "looking-glass,size=33554432,share=on",
                                              root_prefix());
        ok(strv_length(argv) == 4 && strcmp(argv[0], "-object") == 0 && strcmp(argv[1], want) == 0 &&
                   strcmp(argv[2], "-device") == 0 &&
                   strcmp(argv[3],
                          "ivshmem-plain,id=vxm-looking-glass,memdev=vxm-looking-glass,bus=pcie.0,addr=03.0") == 0,
           "QEMU args: %s %s", argv ? argv[1] : "", argv && argv[2] ? argv[3] : "");
        strv_free(a.args);
        strv_free(a.machine);

        _cleanup_guest_free_ Guest *o = guest("other", "Resolution=1920x1080");
        log_clear();
        is_int(looking_glass_create(o), -EBUSY, "a second guest on the same file is refused");
        ok(log_has("in use by guest w"), "names the guest that holds it");

        is_int(looking_glass_remove("w"), 0, "remove");
        ok(!root_exists("/dev/shm/looking-glass"), "file gone");
        ok(!root_exists("/run/vxm/.state/lookingglass/w"), "record gone");
        is_int(looking_glass_remove("w"), 0, "remove again: no-op");
        fake_root_free(root);
}

static void test_foreign(void) {
        char *root = fake_root_new("lg");
        put("/dev/shm/looking-glass", "someone else's\n");
        _cleanup_guest_free_ Guest *g = guest("w", "Resolution=1920x1080");
        is_int(looking_glass_create(g), -EEXIST, "an existing file vxm did not create is refused");
        ok(log_has("was not created by vxm"), "says why");
        ok(!root_exists("/run/vxm/.state/lookingglass/w"), "no record");
        is_int(looking_glass_remove("w"), 0, "remove without record");
        struct stat st;
        ok(root_stat("/dev/shm/looking-glass", &st) == 0 && st.st_size == 15, "foreign file untouched");

        /* A symlink planted under the name is not followed either. */
        _cleanup_free_ char *target = root_path("/etc/passwd-copy"), *link = root_path("/dev/shm/lg2");
        put("/etc/passwd-copy", "x\n");
        ok(symlink(target, link) == 0, "plant a symlink");
        _cleanup_guest_free_ Guest *h = guest("h", "Resolution=1920x1080\nFile=/dev/shm/lg2");
        is_int(looking_glass_create(h), -EEXIST, "a symlink is refused");
        ok(root_stat("/etc/passwd-copy", &st) == 0 && st.st_size == 2, "its target untouched");
        fake_root_free(root);
}

static void test_crashed_run(void) {
        char *root = fake_root_new("lg");
        put("/dev/shm/.keep", "%s", "");
        _cleanup_guest_free_ Guest *g = guest("w", "Resolution=1920x1080\nFile=/dev/shm/lg-w");
        is_int(looking_glass_create(g), 0, "create");
        struct stat st;
        ok(root_stat("/dev/shm/lg-w", &st) == 0, "file exists");
        /* the unit died without its stop: a new start finds record and file */
        log_clear();
        is_int(looking_glass_create(g), 0, "the file of a crashed run is replaced");
        ok(log_has("removing its file first") && log_has("Removed /dev/shm/lg-w"), "the old file was removed first");
        ok(root_stat("/dev/shm/lg-w", &st) == 0 && st.st_size == 32ULL << 20, "a fresh file");
        is_int(looking_glass_remove("w"), 0, "remove");
        ok(!root_exists("/dev/shm/lg-w"), "gone");
        fake_root_free(root);
}

/* /dev/shm is world-writable: once vxm's file is gone (or before the record is used), anyone may put a file under
 * the same name. remove must unlink only the file it created, known by device and inode. */
static void test_remove_only_ours(void) {
        char *root = fake_root_new("lg");
        put("/dev/shm/.keep", "%s", "");
        _cleanup_guest_free_ Guest *g = guest("w", "Resolution=1920x1080\nFile=/dev/shm/lg-x");
        is_int(looking_glass_create(g), 0, "create");
        /* (made first and renamed over it: the fake root's ext4 would give a new file the freed inode number at once;
         * tmpfs, the real /dev/shm, does not reuse them) */
        put("/dev/shm/other", "someone else's\n");
        _cleanup_free_ char *full = root_path("/dev/shm/lg-x"), *other = root_path("/dev/shm/other");
        ok(rename(other, full) == 0, "another file takes the name (vxm's was removed by hand)");
        log_clear();
        is_int(looking_glass_remove("w"), 0, "remove");
        struct stat st;
        ok(root_stat("/dev/shm/lg-x", &st) == 0 && st.st_size == 15, "the other file under that name is left alone");
        ok(log_has("not the file vxm created"), "says why");
        ok(!root_exists("/run/vxm/.state/lookingglass/w"), "record removed");
        fake_root_free(root);
}

/* The memory serves exactly the guest's QEMU and the Looking Glass clients of Viewer=: an ACL entry each, nobody
 * else (no shared group). */
static void test_viewers(void) {
        struct passwd *pw = getpwnam("nobody");
        uid_t nobody_uid = pw ? pw->pw_uid : 0; /* before the next lookup overwrites it */
        pw = getpwnam("daemon");
        uid_t daemon_uid = pw ? pw->pw_uid : 0;
        if (nobody_uid == 0 || daemon_uid == 0) {
                skip("no users nobody and daemon");
                return;
        }
        char *root = fake_root_new("lg");
        put("/dev/shm/.keep", "%s", "");
        _cleanup_guest_free_ Guest *g = guest("v", "Resolution=1920x1080\nViewer=daemon");
        log_clear();
        is_int(looking_glass_create(g), 0, "create with Viewer=daemon");
        is_int(acl_get_user_perm("/dev/shm/looking-glass", nobody_uid), 6, "rw- for QEMU's user");
        is_int(acl_get_user_perm("/dev/shm/looking-glass", daemon_uid), 6, "rw- for the viewer");
        ok(!log_has("Viewer="), "no warning about a missing viewer");
        ok(log_has("read-write for user nobody and viewer daemon"), "says who may map it");
        struct stat st;
        ok(root_stat("/dev/shm/looking-glass", &st) == 0 && (st.st_mode & 07) == 0, "nothing for others");
        is_int(looking_glass_remove("v"), 0, "remove");

        _cleanup_guest_free_ Guest *bad = guest("b", "Resolution=1920x1080\nViewer=no-such-user-vxm");
        log_clear();
        ok(looking_glass_create(bad) < 0, "a viewer that does not exist is refused");
        ok(log_has("no-such-user-vxm ([LookingGlass] Viewer=) does not exist"), "names the key");
        ok(!root_exists("/dev/shm/looking-glass") && !root_exists("/run/vxm/.state/lookingglass/b"),
           "nothing created, no record");
        fake_root_free(root);
}

static size_t acl_bytes(const char *path, char *buf, size_t size) {
        _cleanup_free_ char *full = root_path(path);
        ssize_t n = getxattr(full, "system.posix_acl_access", buf, size);
        return n < 0 ? 0 : (size_t) n;
}

/* kvmfr is lent by ACL entries and given back whole: owner, mode and the ACL byte for byte, also when someone added
 * an entry while it was lent. */
static void test_kvmfr(void) {
        if (geteuid() != 0) {
                skip("kvmfr lending needs root (mknod)");
                return;
        }
        char *root = fake_root_new("lg");
        put("/dev/kvmfr0", "%s", "");
        _cleanup_free_ char *p = root_path("/dev/kvmfr0");
        if (unlink(p) < 0 || mknod(p, S_IFCHR | 0600, makedev(242, 0)) < 0 || chown(p, 0, 0) < 0)
                abort();
        /* an entry the admin gave some user before */
        is_int(acl_set_user_perm("/dev/kvmfr0", 4321, 4), 0, "a named entry r-- for uid 4321 before");
        char before[512], after[512];
        size_t n_before = acl_bytes("/dev/kvmfr0", before, sizeof before);
        struct stat st0, st;
        root_stat("/dev/kvmfr0", &st0);
        put("/sys/module/kvmfr/parameters/static_size_mb", "32\n");
        _cleanup_guest_free_ Guest *g = guest("k", "Resolution=2560x1440\nViewer=daemon");
        _cleanup_free_ char *path = looking_glass_path(g);
        ok(path && strcmp(path, "/dev/kvmfr0") == 0, "kvmfr present: /dev/kvmfr0 is used");
        is_int(looking_glass_create(g), 0, "lend kvmfr0");
        struct passwd *pw = getpwnam("nobody");
        uid_t nobody_uid = pw ? pw->pw_uid : 0;
        pw = getpwnam("daemon");
        uid_t daemon_uid = pw ? pw->pw_uid : 0;
        ok(root_stat("/dev/kvmfr0", &st) == 0 && st.st_uid == 0 && st.st_gid == 0, "still root's: nothing chowned");
        ok(nobody_uid && acl_get_user_perm("/dev/kvmfr0", nobody_uid) == 6, "rw- for the guest user");
        ok(daemon_uid && acl_get_user_perm("/dev/kvmfr0", daemon_uid) == 6, "rw- for the viewer");
        ok(log_has("static_size_mb=64"), "warns that the module's size is too small");

        /* while lent, someone adds an entry of their own */
        is_int(acl_set_user_perm("/dev/kvmfr0", 777, 6), 0, "an entry for uid 777 is added while lent");
        is_int(looking_glass_create(g), 0, "lend again (a restart after a crash): the first record is kept");
        is_int(looking_glass_remove("k"), 0, "give it back");
        size_t n_after = acl_bytes("/dev/kvmfr0", after, sizeof after);
        ok(n_after == n_before && memcmp(before, after, n_before) == 0,
           "the ACL is byte for byte what it was: the entry added in between is gone too");
        ok(root_stat("/dev/kvmfr0", &st) == 0 && st.st_uid == st0.st_uid && st.st_gid == st0.st_gid &&
                   st.st_mode == st0.st_mode,
           "owner and mode restored exactly");
        ok(root_exists("/dev/kvmfr0"), "the device node is not deleted");

        /* the node was replaced while lent (module reloaded): the new one is not ours to change */
        is_int(looking_glass_create(g), 0, "lend");
        _cleanup_free_ char *q = root_path("/dev/kvmfr0.new");
        if (mknod(q, S_IFCHR | 0600, makedev(242, 0)) < 0 || rename(q, p) < 0)
                abort();
        is_int(acl_set_user_perm("/dev/kvmfr0", 888, 4), 0, "the new node has an entry of its own");
        log_clear();
        is_int(looking_glass_remove("k"), 0, "give back");
        is_int(acl_get_user_perm("/dev/kvmfr0", 888), 4, "the new node is left as it is");
        ok(log_has("another file now"), "says why");
        fake_root_free(root);
}

int main(void) {
        test_sizes();
        test_create_remove();
        test_foreign();
        test_crashed_run();
        test_remove_only_ours();
        test_viewers();
        test_kvmfr();
        return tap_done();
}
