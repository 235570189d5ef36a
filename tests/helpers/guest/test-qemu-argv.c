/* SPDX-License-Identifier: BSD-3-Clause */
/* The building blocks of the QEMU command line: escaping, shell quoting, the stable MAC, option ROM and disk image
 * checks. The whole command line is tested by test-show.sh. */
#include <errno.h>
#include <string.h>

#include "fake-root.h"
#include "qemu/image-format.h"
#include "basic/macro.h"
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

static void test_rom(void) {
        const char *reason = NULL;
        fake_root_new();
        write_rom("/good.rom", 1024, 0x40, true, true);
        tap_is_int(rom_file_validate("/good.rom", &reason), 0, "valid option ROM");
        write_rom("/nosig.rom", 1024, 0x40, false, true);
        tap_is_int(rom_file_validate("/nosig.rom", &reason), -EBADMSG, "no 0x55AA signature");
        tap_ok(reason && strstr(reason, "0x55AA"), "reason names the signature: %s", reason);
        write_rom("/nopcir.rom", 1024, 0x40, true, false);
        tap_is_int(rom_file_validate("/nopcir.rom", &reason), -EBADMSG, "pointer does not lead to PCIR");
        write_rom("/outside.rom", 1024, 0x3fe, true, true);
        tap_is_int(rom_file_validate("/outside.rom", &reason), -EBADMSG, "PCIR pointer past the end of the file");
        write_rom("/short.rom", 0x10, 0x40, true, true);
        tap_is_int(rom_file_validate("/short.rom", &reason), -EBADMSG, "file ends before the pointer");
        fake_root_write("/empty.rom", "");
        tap_is_int(rom_file_validate("/empty.rom", &reason), -EBADMSG, "empty file");
        tap_is_int(rom_file_validate("/missing.rom", &reason), -ENOENT, "missing file: -ENOENT");
        fake_root_mkdir("/dir.rom");
        tap_is_int(rom_file_validate("/dir.rom", &reason), -EBADMSG, "a directory");
}

static void test_image_format(void) {
        ImageFormat f = IMAGE_FORMAT_RAW;
        const char *name = NULL;
        fake_root_write_n("/disk.qcow2", "QFI\xfb\0\0\0\x03", 8);
        tap_ok(image_format_probe("/disk.qcow2", &f, &name) == 0 && f == IMAGE_FORMAT_QCOW2, "qcow2 v3 magic");
        fake_root_write_n("/disk.img", "\0\0\0\0\0\0\0\0", 8);
        tap_ok(image_format_probe("/disk.img", &f, &name) == 0 && f == IMAGE_FORMAT_RAW, "zeros are raw");
        fake_root_write("/named.qcow2", "not a qcow2 at all");
        tap_ok(image_format_probe("/named.qcow2", &f, &name) == 0 && f == IMAGE_FORMAT_RAW,
               "the name does not decide: raw");
        fake_root_write("/disk.vmdk", "KDMV\1\0\0\0");
        tap_ok(image_format_probe("/disk.vmdk", &f, &name) == -EMEDIUMTYPE && name && strcmp(name, "vmdk") == 0,
               "vmdk is refused by name");
        fake_root_write("/empty.img", "");
        tap_ok(image_format_probe("/empty.img", &f, &name) == 0 && f == IMAGE_FORMAT_RAW, "empty file is raw");
        tap_is_int(image_format_probe("/nope.img", &f, &name), -ENOENT, "missing disk: -ENOENT");
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
