/* SPDX-License-Identifier: BSD-3-Clause */
/* The building blocks of the QEMU command line: escaping, shell quoting, the stable MAC, option ROM and disk image
 * checks. The whole command line is tested by test-show.sh. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-root.h"
#include "qemu/image-format.h"
#include "basic/macro.h"
#include "basic/safe-open.h"
#include "qemu/qemu-argv.h"
#include "qemu/rom-file.h"
#include "basic/shell-quote.h"
#include "tap.h"

static void test_escape(void) {
        _cleanup_free_ char *a = qemu_escape("/a,b,,c");
        tap_is_str(a, "/a,,b,,,,c", "every comma doubled");
        _cleanup_free_ char *b = qemu_escape("");
        tap_is_str(b, "", "empty value");

        /* A value that tries to end its option and add another one stays one value. */
        OptString o;
        opt_string_init(&o, "vfio-pci");
        opt_string_add(&o, "romfile", "/x.rom,id=evil,x-vga=on");
        opt_string_add(&o, "bus", "vxm-rp0");
        tap_is_str(o.s, "vfio-pci,romfile=/x.rom,,id=evil,,x-vga=on,bus=vxm-rp0", "injection attempt is one value");
        free(o.s);

        opt_string_init(&o, NULL);
        opt_string_addf(&o, "size", "%uM", 128u);
        opt_string_add(&o, "path", "a=b c");
        tap_is_str(o.s, "size=128M,path=a=b c", "'=' and blanks need no escape inside a value");
        free(o.s);
}

static void test_shell_quote(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "-device", "-device" },
                { "vfio-pci,host=0000:01:00.0,bus=vxm-rp0", "vfio-pci,host=0000:01:00.0,bus=vxm-rp0" },
                { "", "''" },
                { "a b", "'a b'" },
                { "it's", "'it'\\''s'" },
                { "$(reboot)", "'$(reboot)'" },
                { "a\nb", "'a\nb'" },
                { "*", "'*'" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *q = shell_quote(cases[i].in);
                tap_is_str(q, cases[i].out, cases[i].in);
        }
        char *argv[] = { (char *) "qemu", (char *) "-name", (char *) "a b", NULL };
        _cleanup_free_ char *all = shell_quote_argv(argv, " ");
        tap_is_str(all, "qemu -name 'a b'", "argv joined");
}

static void test_mac(void) {
        char a[18], b[18], c[18];
        guest_mac_address("windows", a);
        guest_mac_address("windows", b);
        guest_mac_address("linux", c);
        tap_is_str(a, b, "the same name gives the same MAC");
        tap_ok(strcmp(a, c) != 0, "another name gives another MAC (%s, %s)", a, c);
        tap_ok(strncmp(a, "52:54:00:", 9) == 0 && strlen(a) == 17, "QEMU's locally administered prefix: %s", a);
        guest_mac_address("demo", a);
        tap_is_str(a, "52:54:00:fd:35:36", "pinned value for demo (changing it renames every guest's NIC)");
}

static void write_rom(const char *path, size_t size, unsigned pcir_offset, bool signature, bool pcir) {
        char buf[4096] = {};
        if (signature)
                buf[0] = 0x55, buf[1] = (char) 0xaa;
        buf[0x18] = (char) (pcir_offset & 0xff);
        buf[0x19] = (char) (pcir_offset >> 8);
        if (pcir && pcir_offset + 4 <= sizeof buf)
                memcpy(buf + pcir_offset, "PCIR", 4);
        fake_root_write_n(path, buf, size);
}

/* rom_file_validate() with a fresh reason each time. */
static int rom(const char *path, char **reason) {
        free(*reason);
        *reason = NULL;
        alarm(10); /* a FIFO must not block: a hang ends the test with SIGALRM */
        int r = rom_file_validate(path, reason);
        alarm(0);
        return r;
}

static void test_rom(void) {
        _cleanup_free_ char *reason = NULL;
        fake_root_new();
        write_rom("/good.rom", 1024, 0x40, true, true);
        tap_is_int(rom("/good.rom", &reason), 0, "valid option ROM");
        write_rom("/nosig.rom", 1024, 0x40, false, true);
        tap_is_int(rom("/nosig.rom", &reason), -EBADMSG, "no 0x55AA signature");
        tap_ok(reason && strstr(reason, "0x55AA"), "reason names the signature: %s", reason);
        write_rom("/nopcir.rom", 1024, 0x40, true, false);
        tap_is_int(rom("/nopcir.rom", &reason), -EBADMSG, "pointer does not lead to PCIR");
        write_rom("/outside.rom", 1024, 0x3fe, true, true);
        tap_is_int(rom("/outside.rom", &reason), -EBADMSG, "PCIR pointer past the end of the file");
        write_rom("/short.rom", 0x10, 0x40, true, true);
        tap_is_int(rom("/short.rom", &reason), -EBADMSG, "file ends before the pointer");
        fake_root_write("/empty.rom", "");
        tap_is_int(rom("/empty.rom", &reason), -EBADMSG, "empty file");
        tap_is_int(rom("/missing.rom", &reason), -ENOENT, "missing file: -ENOENT");
        tap_ok(!reason, "  ... with no reason (the caller says %%m)");
        fake_root_mkdir("/dir.rom");
        tap_is_int(rom("/dir.rom", &reason), -EBADMSG, "a directory");
        tap_is_str(reason, "/dir.rom is a directory, not a regular file", "  ... says so");

        /* In a directory the guest's user can change: its link to a root-only file, and a FIFO. */
        fake_root_write("/root-only/secret.rom", "x");
        write_rom("/var/lib/vxm/win/gpu.rom", 1024, 0x40, true, true);
        fake_root_symlink("/root-only/secret.rom", "/var/lib/vxm/win/link.rom");
        _cleanup_free_ char *fifo = root_path("/var/lib/vxm/win/fifo.rom"), *dir = root_path("/var/lib/vxm/win");
        if (mkfifo(fifo, 0644) < 0 || chmod(dir, 0777) < 0)
                abort();
        tap_is_int(rom("/var/lib/vxm/win/gpu.rom", &reason), 0, "a real ROM in the guest's directory");
        tap_is_int(rom("/var/lib/vxm/win/link.rom", &reason), -ELOOP, "the user's link is not followed");
        tap_is_str(reason,
                   "/var/lib/vxm/win/link.rom is a symbolic link in /var/lib/vxm/win, which is writable by its group "
                   "and by others: vxm does not follow links that a user other than root can change",
                   "  ... says why");
        tap_is_int(rom("/var/lib/vxm/win/fifo.rom", &reason), -EBADMSG, "a FIFO is refused without blocking");
        tap_is_str(reason, "/var/lib/vxm/win/fifo.rom is a FIFO, not a regular file", "  ... says so");
}

static int probe(const char *path, ImageFormat *f, const char **name) {
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int fd = root_open_safe(path, SAFE_OPEN_BLOCK_DEVICE, &reason);
        return fd < 0 ? fd : image_format_probe_fd(fd, f, name);
}

static void test_image_format(void) {
        ImageFormat f = IMAGE_FORMAT_RAW;
        const char *name = NULL;
        fake_root_write_n("/disk.qcow2", "QFI\xfb\0\0\0\x03", 8);
        tap_ok(probe("/disk.qcow2", &f, &name) == 0 && f == IMAGE_FORMAT_QCOW2, "qcow2 v3 magic");
        fake_root_write_n("/disk.img", "\0\0\0\0\0\0\0\0", 8);
        tap_ok(probe("/disk.img", &f, &name) == 0 && f == IMAGE_FORMAT_RAW, "zeros are raw");
        fake_root_write("/named.qcow2", "not a qcow2 at all");
        tap_ok(probe("/named.qcow2", &f, &name) == 0 && f == IMAGE_FORMAT_RAW, "the name does not decide: raw");
        fake_root_write("/disk.vmdk", "KDMV\1\0\0\0");
        tap_ok(probe("/disk.vmdk", &f, &name) == -EMEDIUMTYPE && name && strcmp(name, "vmdk") == 0,
               "vmdk is refused by name");
        fake_root_write("/empty.img", "");
        tap_ok(probe("/empty.img", &f, &name) == 0 && f == IMAGE_FORMAT_RAW, "empty file is raw");
        tap_is_int(probe("/nope.img", &f, &name), -ENOENT, "missing disk: -ENOENT");
        fake_root_clear();
}

int main(void) {
        test_escape();
        test_shell_quote();
        test_mac();
        test_rom();
        test_image_format();
        return tap_done();
}
