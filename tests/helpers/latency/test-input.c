/* SPDX-License-Identifier: BSD-3-Clause */
/* Evdev discovery on a fake /dev/input (device nodes made with mknod, so this needs root), the QEMU arguments, and
 * ACL grant/revoke restoring exactly what was there. */
#include <pwd.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "config/config.h"
#include "host/acl.h"
#include "host/input-access.h"
#include "host/input-discovery.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"
#include "host/state-file.h"
#include "basic/strv.h"
#include "tap.h"

static void node(const char *path, unsigned ma, unsigned mi, mode_t mode) {
        put(path, "%s", "");
        _cleanup_free_ char *p = root_path(path);
        unlink(p);
        if (mknod(p, S_IFCHR | mode, makedev(ma, mi)) < 0 || chmod(p, mode) < 0)
                abort();
}

static void link_to(const char *path, const char *target) {
        put(path, "%s", "");
        _cleanup_free_ char *p = root_path(path);
        unlink(p);
        if (symlink(target, p) < 0)
                abort();
}

#define BY_ID "/dev/input/by-id/"

static void make_tree(void) {
        node("/dev/input/event0", 13, 64, 0660); /* keyboard, interface 0 */
        node("/dev/input/event1", 13, 65, 0660); /* the same keyboard's NKRO interface */
        node("/dev/input/event2", 13, 66, 0660); /* its unclassified extra interface (media keys) */
        node("/dev/input/event3", 13, 67, 0660); /* mouse */
        node("/dev/input/event4", 13, 68, 0660); /* a headset's buttons */
        node("/dev/input/mouse0", 13, 32, 0660); /* legacy mousedev, not evdev */
        node("/dev/input/js0", 13, 0, 0660);
        node("/dev/input/event300", 13, 300, 0660); /* dynamic minor, evdev per sysfs */
        node("/dev/input/js300", 13, 301, 0660);    /* dynamic minor, joydev per sysfs */
        link_to("/sys/dev/char/13:300", "../../devices/virtual/input/input9/event300");
        link_to("/sys/dev/char/13:301", "../../devices/virtual/input/input9/js300");
        node("/dev/notinput", 1, 3, 0666);
        put("/dev/input/regular", "x\n");
        link_to(BY_ID "usb-Kbd_K1-event-kbd", "../event0");
        link_to(BY_ID "usb-Kbd_K1-if01-event-kbd", "../event1");
        link_to(BY_ID "usb-Kbd_K1-event-if02", "../event2");
        link_to(BY_ID "usb-Kbd_K1_again-event-kbd", "../event0"); /* same node under a second name */
        link_to(BY_ID "usb-Mouse_M-event-mouse", "../event3");
        link_to(BY_ID "usb-Mouse_M-mouse", "../mouse0");
        link_to(BY_ID "usb-Gone_G-event-kbd", "../event9"); /* dangling */
        link_to(BY_ID "usb-Head_H-event-if01", "../event4");
        link_to(BY_ID "usb-Fake_F-event-kbd", "../regular");
        link_to("/dev/input/by-path/pci-0000:00:03.0-event-kbd", "../event3");
}

static Guest *guest(const char *name, const char *input) {
        _cleanup_free_ char *p = xasprintf("/etc/vxm/%s.conf", name);
        put(p, "[Guest]\nUser=nobody\n[Input]\n%s\n", input);
        Guest *g = NULL;
        return guest_load(name, &g) < 0 ? NULL : g;
}

static bool has(const InputDevices *l, size_t i, const char *path, const char *node_path, bool kbd) {
        return i < l->n && strcmp(l->devices[i].path, path) == 0 && strcmp(l->devices[i].node, node_path) == 0 &&
               l->devices[i].keyboard == kbd;
}

static void test_check(void) {
        is_int(input_check_evdev("/dev/input/event0"), 0, "event0 (13:64) is evdev");
        is_int(input_check_evdev("/dev/input/mouse0"), -ENOTTY, "mouse0 (13:32) is not");
        is_int(input_check_evdev("/dev/input/js0"), -ENOTTY, "js0 (13:0) is not");
        is_int(input_check_evdev("/dev/input/event300"), 0, "dynamic minor 300 is evdev per sysfs");
        is_int(input_check_evdev("/dev/input/js300"), -ENOTTY, "dynamic minor 301 is joydev per sysfs");
        is_int(input_check_evdev("/dev/notinput"), -ENOTTY, "a char device of another major is not");
        is_int(input_check_evdev("/dev/input/regular"), -ENOTTY, "a regular file is not");
        is_int(input_check_evdev("/dev/input/nothing"), -ENOENT, "missing");
}

static void test_auto(void) {
        _cleanup_guest_free_ Guest *g = guest("a", "Keyboard=auto\nMouse=auto");
        InputDevices l = {};
        log_clear();
        is_int(input_discover(g, &l), 0, "discover");
        is_u64(l.n, 4, "4 devices: 3 keyboard interfaces + 1 mouse");
        ok(has(&l, 0, BY_ID "usb-Kbd_K1-event-kbd", "/dev/input/event0", true), "keyboard interface 0 first");
        ok(has(&l, 1, BY_ID "usb-Kbd_K1-if01-event-kbd", "/dev/input/event1", true), "NKRO interface if01 kept");
        ok(has(&l, 2, BY_ID "usb-Kbd_K1-event-if02", "/dev/input/event2", true),
           "the keyboard's unclassified interface kept");
        ok(has(&l, 3, BY_ID "usb-Mouse_M-event-mouse", "/dev/input/event3", false), "mouse");
        ok(log_has("usb-Gone_G-event-kbd: the link is dangling"), "dangling link skipped with a warning");
        ok(log_has("usb-Fake_F-event-kbd: not an evdev device"), "non-evdev target skipped with a warning");
        for (size_t i = 0; i < l.n; i++)
                ok(!strstr(l.devices[i].path, "Head_H") && !strstr(l.devices[i].path, "_again"),
                   "%s: neither the headset nor the duplicate name", l.devices[i].path);

        input_devices_done(&l);

        QemuPlan plan = { .guest = g };
        QemuArgv a = {};
        is_int(qemu_argv_input(&a, &plan), 0, "QEMU argv part (no grant yet: discovers)");
        char **argv = a.args;
        const char *r = root_prefix();
        _cleanup_free_ char *k0 = xasprintf("input-linux,id=vxm-kbd0,evdev=%s" BY_ID "usb-Kbd_K1-event-kbd,grab_all=on,"
                                            "repeat=on,grab-toggle=ctrl-ctrl",
                                            r),
                            *k1 = xasprintf(
                                    "input-linux,id=vxm-kbd1,evdev=%s" BY_ID "usb-Kbd_K1-if01-event-kbd,repeat=on", r),
                            *m0 = xasprintf("input-linux,id=vxm-mouse0,evdev=%s" BY_ID "usb-Mouse_M-event-mouse", r);
        ok(strv_length(argv) == 8, "4 -object pairs");
        ok(argv && strcmp(argv[1], k0) == 0, "first keyboard grabs all: %s", argv ? argv[1] : "");
        ok(argv && strcmp(argv[3], k1) == 0, "second keyboard: %s", argv ? argv[3] : "");
        ok(argv && strcmp(argv[7], m0) == 0, "mouse: %s", argv ? argv[7] : "");
        strv_free(a.args);
        strv_free(a.machine);
}

static void test_explicit(void) {
        _cleanup_guest_free_ Guest *g = guest("e", "Keyboard=/dev/input/by-path/pci-0000:00:03.0-event-kbd\n"
                                                   "Keyboard=/dev/input/event3\nGrabToggle=scrolllock");
        InputDevices l = {};
        is_int(input_discover(g, &l), 0, "explicit paths");
        is_u64(l.n, 1, "the same node twice is used once");
        input_devices_done(&l);
        QemuPlan plan = { .guest = g };
        QemuArgv a = {};
        is_int(qemu_argv_input(&a, &plan), 0, "argv part");
        ok(strv_length(a.args) == 2 && strstr(a.args[1], "grab-toggle=scrolllock"), "GrabToggle= is passed on: %s",
           a.args ? a.args[1] : "");
        strv_free(a.args);
        strv_free(a.machine);

        static const struct {
                const char *line, *message;
                int r;
        } bad[] = {
                { "Keyboard=/dev/input/missing", "Keyboard=/dev/input/missing: no such device", -ENOENT },
                { "Mouse=/dev/input/mouse0", "Mouse=/dev/input/mouse0: not an evdev device", -ENOTTY },
                { "Keyboard=/dev/input/by-id/usb-Gone_G-event-kbd", "(the link is dangling)", -ENOENT },
                { "Keyboard=/dev/input/regular", "not an evdev device", -ENOTTY },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_guest_free_ Guest *b = guest("b", bad[i].line);
                log_clear();
                ok(b && input_discover(b, &l) == -EINVAL, "%s refused", bad[i].line);
                ok(log_has(bad[i].message) && log_has("/etc/vxm/b.conf: [Input]"), "message names file and key: %s",
                   bad[i].message);
        }
}

static void test_access(void) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw) {
                skip("no user nobody");
                return;
        }
        uid_t nobody = pw->pw_uid;
        /* event1 already carries logind's entry for the seat user (uid 1000) and one for nobody (r--) */
        is_int(acl_set_user_perm("/dev/input/event1", 1000, 6), 0, "seat user entry on event1");
        is_int(acl_set_user_perm("/dev/input/event1", nobody, 4), 0, "nobody has r-- on event1 before");
        struct stat before0;
        root_stat("/dev/input/event0", &before0);

        _cleanup_guest_free_ Guest *g = guest("a", "Keyboard=auto\nMouse=auto");
        is_int(input_access_grant(g), 0, "grant");
        const char *nodes[] = { "/dev/input/event0", "/dev/input/event1", "/dev/input/event2", "/dev/input/event3" };
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++)
                is_int(acl_get_user_perm(nodes[i], nobody), 6, "%s: rw for the guest user", nodes[i]);
        is_int(acl_get_user_perm("/dev/input/event4", nobody), -ENODATA, "the headset: no access");
        is_int(acl_get_user_perm("/dev/input/event1", 1000), 6, "the seat user's entry is kept");
        struct stat st;
        ok(root_stat("/dev/input/event0", &st) == 0 && st.st_uid == before0.st_uid && st.st_gid == before0.st_gid,
           "nothing chowned");
        ok(root_exists("/run/vxm/.state/input/a"), "record written");
        link_to(BY_ID "usb-Late_L-event-kbd", "../event4"); /* plugged in after the grant */
        QemuPlan plan = { .guest = g };
        QemuArgv a = {};
        is_int(qemu_argv_input(&a, &plan), 0, "argv part after the grant");
        is_u64(strv_length(a.args), 8, "QEMU gets exactly the 4 granted devices, not the one plugged in later");
        strv_free(a.args);
        strv_free(a.machine);
        _cleanup_free_ char *late = root_path(BY_ID "usb-Late_L-event-kbd");
        unlink(late);

        is_int(input_access_revoke("a"), 0, "revoke");
        is_int(acl_get_user_perm("/dev/input/event0", nobody), -ENODATA, "event0: entry gone");
        is_int(acl_get_user_perm("/dev/input/event1", nobody), 4, "event1: back to r-- as before");
        is_int(acl_get_user_perm("/dev/input/event1", 1000), 6, "event1: seat user still there");
        ok(root_stat("/dev/input/event0", &st) == 0 && st.st_mode == before0.st_mode, "event0: mode exactly as before");
        _cleanup_free_ char *full = root_path("/dev/input/event0");
        ok(getxattr(full, "system.posix_acl_access", NULL, 0) < 0 && errno == ENODATA, "event0: no ACL left at all");
        ok(!root_exists("/run/vxm/.state/input/a"), "record removed");
        is_int(input_access_revoke("a"), 0, "revoke again: no-op");

        /* a second guest wants the same keyboard while the first runs */
        is_int(input_access_grant(g), 0, "grant to a");
        _cleanup_guest_free_ Guest *b = guest("b2", "Keyboard=/dev/input/by-id/usb-Kbd_K1-event-kbd");
        log_clear();
        is_int(input_access_grant(b), -EBUSY, "the same keyboard for guest b2 is refused");
        ok(log_has("is in use by guest a"), "names the guest that has it");
        ok(!root_exists("/run/vxm/.state/input/b2"), "no record for b2");
        is_int(acl_get_user_perm("/dev/input/event0", nobody), 6, "a keeps its access");
        is_int(input_access_revoke("a"), 0, "revoke a");

        /* crash: grant, then the unit is restarted without a revoke in between */
        is_int(input_access_grant(g), 0, "grant");
        is_int(input_access_grant(g), 0, "grant again after a crash: the old record is undone first");
        is_int(input_access_revoke("a"), 0, "revoke");
        is_int(acl_get_user_perm("/dev/input/event1", nobody), 4, "event1 still r-- (BEFORE was not overwritten)");
        is_int(acl_get_user_perm("/dev/input/event0", nobody), -ENODATA, "event0 entry gone");

        /* a device unplugged while the guest ran */
        is_int(input_access_grant(g), 0, "grant");
        _cleanup_free_ char *e2 = root_path("/dev/input/event2");
        unlink(e2);
        log_clear();
        is_int(input_access_revoke("a"), 0, "revoke with a device gone");
        ok(log_has("/dev/input/event2 is gone"), "says so");
}

static size_t acl_bytes(const char *path, char *buf, size_t size) {
        _cleanup_free_ char *full = root_path(path);
        ssize_t n = getxattr(full, "system.posix_acl_access", buf, size);
        return n < 0 ? 0 : (size_t) n;
}

static void setfacl(const char *spec, const char *path) {
        _cleanup_free_ char *full = root_path(path), *cmd = xasprintf("setfacl --set '%s' '%s'", spec, full);
        if (system(cmd) != 0)
                abort();
}

/* Revoke gives back exactly what was there: a narrow mask stays narrow (not recomputed as the union of the entries),
 * and an entry that someone else (logind) changed while the guest ran is theirs now and left alone. */
static void test_revoke_exact(void) {
        struct passwd *pw = getpwnam("nobody");
        if (!pw || system("command -v setfacl >/dev/null") != 0) {
                skip("no user nobody or no setfacl");
                return;
        }
        uid_t nobody = pw->pw_uid;
        node("/dev/input/event5", 13, 69, 0660);
        link_to(BY_ID "usb-Narrow_N-event-kbd", "../event5");
        /* the seat user's entry is rw-, but the mask lets only r-- through */
        setfacl("u::rw-,u:1000:rw-,g::rw-,m::r--,o::---", "/dev/input/event5");
        char before[512], after[512];
        size_t n_before = acl_bytes("/dev/input/event5", before, sizeof before);
        ok(n_before > 0, "event5 has an ACL with mask r--");

        _cleanup_guest_free_ Guest *g = guest("n", "Keyboard=/dev/input/by-id/usb-Narrow_N-event-kbd");
        is_int(input_access_grant(g), 0, "grant");
        is_int(acl_get_user_perm("/dev/input/event5", nobody), 6, "the guest user has rw-");
        is_int(input_access_revoke("n"), 0, "revoke");
        size_t n_after = acl_bytes("/dev/input/event5", after, sizeof after);
        ok(n_after == n_before && memcmp(before, after, n_before) == 0,
           "the ACL is byte for byte what it was (the mask is r-- again, not rw-)");

        /* logind changes the guest user's entry while the guest runs (the user logged in at the seat) */
        is_int(input_access_grant(g), 0, "grant again");
        is_int(acl_set_user_perm("/dev/input/event5", nobody, 4), 0, "someone else sets the entry to r--");
        log_clear();
        is_int(input_access_revoke("n"), 0, "revoke");
        is_int(acl_get_user_perm("/dev/input/event5", nobody), 4, "the entry someone else wrote is left alone");
        ok(log_has("changed"), "says the entry was changed by someone else and is left");
        is_int(acl_get_user_perm("/dev/input/event5", 1000), 6, "the seat user's entry is kept");
        _cleanup_free_ char *e5 = root_path("/dev/input/event5"), *l5 = root_path(BY_ID "usb-Narrow_N-event-kbd");
        unlink(l5);
        unlink(e5);
}

int main(void) {
        if (geteuid() != 0) {
                skip("device nodes in the fake tree need root (mknod)");
                return tap_done();
        }
        char *root = fake_root_new("input");
        make_tree();
        test_check();
        test_auto();
        test_explicit();
        test_access();
        test_revoke_exact();
        fake_root_free(root);
        return tap_done();
}
