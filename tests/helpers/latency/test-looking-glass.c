/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-lookingglass' logic against a fake /dev/shm: the size table, create/remove, refusing foreign files, takeover
 * after a crash, two guests on one file, kvmfr lending, and the QEMU arguments. */
#include <pwd.h>

#include "config/config.h"
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
        is_int(st.st_mode & 07777, 0660, "mode 0660");
        if (geteuid() == 0 && pw)
                is_int(st.st_uid, pw->pw_uid, "owned by the guest user");
        else
                skip("ownership needs root");
        ok(log_has("Created /dev/shm/looking-glass (32 MiB"), "says what it created");
        ok(root_exists("/run/vxm/.state/lookingglass/w"), "record written");
        is_int(looking_glass_create(g), 0, "create again (restart after a crash): reuses its own file");

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
        _cleanup_guest_free_ Guest *g = guest("w", "Resolution=1920x1080\nFile=/dev/shm/lg-w");
        /* the previous run died after creating the file: record + file */
        put("/run/vxm/.state/lookingglass/w", "PATH=/dev/shm/lg-w\nKIND=shm\n");
        put("/dev/shm/lg-w", "old");
        is_int(looking_glass_create(g), 0, "the file of a crashed run is taken over");
        struct stat st;
        ok(root_stat("/dev/shm/lg-w", &st) == 0 && st.st_size == 32ULL << 20, "resized");
        is_int(looking_glass_remove("w"), 0, "remove");
        ok(!root_exists("/dev/shm/lg-w"), "gone");
        fake_root_free(root);
}

static void test_kvmfr(void) {
        if (geteuid() != 0) {
                skip("kvmfr lending needs root (chown)");
                return;
        }
        char *root = fake_root_new("lg");
        put("/dev/kvmfr0", "%s", "");
        _cleanup_free_ char *p = root_path("/dev/kvmfr0");
        if (chmod(p, 0600) < 0 || chown(p, 0, 0) < 0)
                abort();
        put("/sys/module/kvmfr/parameters/static_size_mb", "32\n");
        _cleanup_guest_free_ Guest *g = guest("k", "Resolution=2560x1440");
        _cleanup_free_ char *path = looking_glass_path(g);
        ok(path && strcmp(path, "/dev/kvmfr0") == 0, "kvmfr present: /dev/kvmfr0 is used");
        is_int(looking_glass_create(g), 0, "lend kvmfr0");
        struct stat st;
        struct passwd *pw = getpwnam("nobody");
        ok(root_stat("/dev/kvmfr0", &st) == 0 && pw && st.st_uid == pw->pw_uid && (st.st_mode & 0777) == 0660,
           "kvmfr0 lent to the guest user, 0660");
        ok(log_has("static_size_mb=64"), "warns that the module's size is too small");
        is_int(looking_glass_remove("k"), 0, "give it back");
        ok(root_stat("/dev/kvmfr0", &st) == 0 && st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 0777) == 0600,
           "owner and mode restored exactly");
        ok(root_exists("/dev/kvmfr0"), "the device node is not deleted");
        fake_root_free(root);
}

int main(void) {
        test_sizes();
        test_create_remove();
        test_foreign();
        test_crashed_run();
        test_kvmfr();
        return tap_done();
}
