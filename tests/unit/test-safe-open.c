/* SPDX-License-Identifier: BSD-3-Clause */
/* root_open_safe(): what root may open below a directory a user controls (a guest's /var/lib/vxm/NAME). Links are
 * followed only where root alone could have made them, FIFOs never block, only regular files (and block devices when
 * asked) are opened. Directories a user controls are made by chmod 0777 (works for any test user) and, as root, by
 * chown to another uid. */
#include <errno.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/safe-open.h"
#include "fake-root.h"
#include "tap.h"

static void fake_root_chmod(const char *path, mode_t mode) {
        _cleanup_free_ char *full = root_path(path);
        if (chmod(full, mode) < 0)
                abort();
}

/* Opens path; expects an fd whose first line is want_content, or the error want_r with the reason want_reason. */
static void expect_open(const char *what, const char *path, SafeOpenFlags flags, int want_r, const char *want_content,
                        const char *want_reason) {
        _cleanup_free_ char *reason = NULL;
        alarm(10); /* a hang (a FIFO opened for reading) ends the test with SIGALRM, which fails it */
        int fd = root_open_safe(path, flags, &reason);
        alarm(0);
        if (want_r >= 0) {
                char buf[64] = {};
                ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
                buf[strcspn(buf, "\n")] = '\0';
                if (!tap_ok(fd >= 0 && n >= 0 && strcmp(buf, want_content) == 0, "%s", what))
                        tap_diag("  fd=%d (%s), read \"%s\", reason: %s", fd, strerror(fd < 0 ? -fd : 0), buf,
                                 reason ?: "(none)");
        } else {
                if (!tap_ok(fd == want_r, "%s: %s", what, strerror(-want_r)))
                        tap_diag("  got %d (%s), reason: %s", fd, strerror(fd < 0 ? -fd : 0), reason ?: "(none)");
                tap_is_str(reason, want_reason, "  ... reason");
        }
        if (fd >= 0)
                close(fd);
}

static void test_links(void) {
        fake_root_new();
        /* The OVMF layout: OVMF_CODE_4M.ms.fd -> OVMF_CODE_4M.secboot.fd, in a directory only root can change. */
        fake_root_write("/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", "code\n");
        fake_root_symlink("OVMF_CODE_4M.secboot.fd", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
        fake_root_symlink("/usr/share/OVMF", "/usr/share/ovmf-abs");
        expect_open("a regular file", "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd", 0, 0, "code", NULL);
        expect_open("a relative link in a root-only directory is followed", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd", 0, 0,
                    "code", NULL);
        expect_open("an absolute link to a directory, in a root-only directory, is followed",
                    "/usr/share/ovmf-abs/OVMF_CODE_4M.ms.fd", 0, 0, "code", NULL);
        expect_open("\".\", \"..\" and double slashes", "/usr/share/./OVMF/..//OVMF/OVMF_CODE_4M.secboot.fd", 0, 0,
                    "code", NULL);
        expect_open("\"..\" at the top stays at the top", "/../../usr/share/OVMF/OVMF_CODE_4M.secboot.fd", 0, 0, "code",
                    NULL);
        expect_open("SAFE_OPEN_NOFOLLOW refuses even root's link", "/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
                    SAFE_OPEN_NOFOLLOW, -ELOOP, NULL, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd is a symbolic link");
        expect_open("SAFE_OPEN_NOFOLLOW still follows links on the way", "/usr/share/ovmf-abs/OVMF_CODE_4M.secboot.fd",
                    SAFE_OPEN_NOFOLLOW, 0, "code", NULL);

        /* A guest's state directory, which its user can change: no link there is followed. */
        fake_root_write("/etc/shadow", "root:secret\n");
        fake_root_write("/var/lib/vxm/win/disk.img", "disk\n");
        fake_root_write("/var/lib/vxm/win/sub/disk2.img", "disk2\n");
        fake_root_symlink("/etc/shadow", "/var/lib/vxm/win/shadow.img");
        fake_root_symlink("disk.img", "/var/lib/vxm/win/relative.img");
        fake_root_symlink("/etc", "/var/lib/vxm/win/etc");
        fake_root_chmod("/var/lib/vxm/win", 0777);
        expect_open("a regular file in the user's directory", "/var/lib/vxm/win/disk.img", 0, 0, "disk", NULL);
        expect_open("a regular file in a directory below it", "/var/lib/vxm/win/sub/disk2.img", 0, 0, "disk2", NULL);
        expect_open("the user's link to /etc/shadow", "/var/lib/vxm/win/shadow.img", 0, -ELOOP, NULL,
                    "/var/lib/vxm/win/shadow.img is a symbolic link in /var/lib/vxm/win, which is writable by its "
                    "group and by others: "
                    "vxm does not follow links that a user other than root can change");
        expect_open("the user's link to a file of its own", "/var/lib/vxm/win/relative.img", 0, -ELOOP, NULL,
                    "/var/lib/vxm/win/relative.img is a symbolic link in /var/lib/vxm/win, which is writable by "
                    "its group and by others: vxm does not follow links that a user other than root can change");
        expect_open("the user's link as a directory on the way", "/var/lib/vxm/win/etc/shadow", 0, -ELOOP, NULL,
                    "/var/lib/vxm/win/etc is a symbolic link in /var/lib/vxm/win, which is writable by its group and "
                    "by others: vxm "
                    "does not follow links that a user other than root can change");

        /* Root's link into the user's directory is followed, but not the user's link found there. */
        fake_root_symlink("/var/lib/vxm/win/shadow.img", "/srv/win-disk.img");
        fake_root_symlink("/var/lib/vxm/win/disk.img", "/srv/win-good.img");
        expect_open("root's link to a real file in the user's directory", "/srv/win-good.img", 0, 0, "disk", NULL);
        expect_open("root's link to the user's link", "/srv/win-disk.img", 0, -ELOOP, NULL,
                    "/var/lib/vxm/win/shadow.img is a symbolic link in /var/lib/vxm/win, which is writable by its "
                    "group and by others: "
                    "vxm does not follow links that a user other than root can change");

        /* The same directory group-writable, and (as root) owned by another user. */
        fake_root_chmod("/var/lib/vxm/win", 0770);
        expect_open("a link in a group-writable directory", "/var/lib/vxm/win/shadow.img", 0, -ELOOP, NULL,
                    "/var/lib/vxm/win/shadow.img is a symbolic link in /var/lib/vxm/win, which is writable by its "
                    "group: vxm does not follow links that a user other than root can change");
        if (geteuid() == 0) {
                _cleanup_free_ char *dir = root_path("/var/lib/vxm/win");
                if (chown(dir, 54321, 54321) < 0 || chmod(dir, 0700) < 0)
                        abort();
                expect_open("a link in a directory owned by uid 54321", "/var/lib/vxm/win/shadow.img", 0, -ELOOP, NULL,
                            "/var/lib/vxm/win/shadow.img is a symbolic link in /var/lib/vxm/win, which is owned by "
                            "uid 54321: vxm does not follow links that a user other than root can change");
        } else
                tap_diag("not root: a directory owned by another user is left out (needs chown)");

        /* Loops and dangling links in root's directories are plain errors. */
        fake_root_symlink("loop-b", "/srv/loop-a");
        fake_root_symlink("loop-a", "/srv/loop-b");
        fake_root_symlink("/nowhere", "/srv/dangling");
        expect_open("a link loop", "/srv/loop-a", 0, -ELOOP, NULL, NULL);
        expect_open("a dangling link", "/srv/dangling", 0, -ENOENT, NULL, NULL);
        expect_open("no such file", "/srv/nothing", 0, -ENOENT, NULL, NULL);
        expect_open("a file as a directory", "/etc/shadow/x", 0, -ENOTDIR, NULL, NULL);
        expect_open("a relative path", "etc/shadow", 0, -EINVAL, NULL, NULL);
}

static void test_types(void) {
        fake_root_new();
        fake_root_mkdir("/var/lib/vxm/win");
        _cleanup_free_ char *fifo = root_path("/var/lib/vxm/win/disk.img");
        if (mkfifo(fifo, 0600) < 0)
                abort();
        expect_open("a FIFO is refused without blocking", "/var/lib/vxm/win/disk.img", SAFE_OPEN_BLOCK_DEVICE, -EBADMSG,
                    NULL, "/var/lib/vxm/win/disk.img is a FIFO, not a regular file or a block device");
        expect_open("a directory", "/var/lib/vxm/win", 0, -EBADMSG, NULL,
                    "/var/lib/vxm/win is a directory, not a regular file");
        expect_open("a path ending in /", "/var/lib/vxm/win/", 0, -EBADMSG, NULL,
                    "/var/lib/vxm/win is a directory, not a regular file");
        expect_open("the root", "/", 0, -EBADMSG, NULL, "/ is a directory, not a regular file");

        if (geteuid() != 0) {
                tap_diag("not root: device nodes are left out (mknod)");
                return;
        }
        /* Device nodes in the fake root: opening them for real could do something (a watchdog starts ticking). The
         * type is known from O_PATH before anything is opened. */
        _cleanup_free_ char *chr = root_path("/dev/watchdog"), *blk = root_path("/dev/sdz");
        fake_root_mkdir("/dev");
        if (mknod(chr, S_IFCHR | 0600, makedev(10, 130)) < 0 || mknod(blk, S_IFBLK | 0600, makedev(7, 255)) < 0) {
                tap_diag("mknod failed (%m): device nodes are left out");
                return;
        }
        expect_open("a character device", "/dev/watchdog", SAFE_OPEN_BLOCK_DEVICE, -EBADMSG, NULL,
                    "/dev/watchdog is a character device, not a regular file or a block device");
        expect_open("a block device without SAFE_OPEN_BLOCK_DEVICE", "/dev/sdz", 0, -EBADMSG, NULL,
                    "/dev/sdz is a block device, not a regular file");
        _cleanup_free_ char *reason = NULL;
        int fd = root_open_safe("/dev/sdz", SAFE_OPEN_BLOCK_DEVICE, &reason);
        /* 7:255 is a loop device that may not exist on this kernel: what matters is that its type passed. */
        tap_ok(!reason && (fd >= 0 || fd == -ENXIO || fd == -ENODEV || fd == -ENOENT),
               "a block device with SAFE_OPEN_BLOCK_DEVICE passes the type check (r=%d)", fd);
        if (fd >= 0)
                close(fd);
}

int main(void) {
        test_links();
        test_types();
        fake_root_clear();
        root_reset();
        return tap_done();
}
