/* SPDX-License-Identifier: BSD-3-Clause */
/* The read-only probes behind vxm check, on fake trees: systemd's unit and drop-in precedence, the 64-bit PCI window
 * for a guest's BARs, /proc/iomem, FLR from config space, config file precedence, sizes for messages. */
#include <errno.h>
#include <stdlib.h>

#include "basic/format-util.h"
#include "config/config-files.h"
#include "fake-root.h"
#include "host/iomem.h"
#include "host/pci-resources.h"
#include "host/systemd-unit.h"
#include "qemu/mmio-window.h"
#include "tap.h"

static void expect_setting(const char *want_value, const char *want_file, unsigned want_line, const char *what) {
        UnitSetting s = {};
        int r = systemd_unit_setting("vxm-guest@w.service", "Service", "LimitMEMLOCK", &s);
        tap_is_int(r, 0, what);
        if (want_value)
                tap_is_str(s.value, want_value, "  ... value");
        else
                tap_ok(!s.value, "  ... no value (%s)", s.value ? s.value : "NULL");
        if (want_file)
                tap_is_str(s.file, want_file, "  ... file");
        if (want_line)
                tap_is_int((int) s.line, (int) want_line, "  ... line");
        unit_setting_done(&s);
}

static void test_unit_settings(void) {
        fake_root_new();
        expect_setting(NULL, NULL, 0, "no unit files at all");

        fake_root_write("/lib/systemd/system/vxm-guest@.service",
                        "[Unit]\nLimitMEMLOCK=9\n\n[Service]\n# LimitMEMLOCK=8\n  LimitMEMLOCK = 1K \n");
        expect_setting("1K", "/lib/systemd/system/vxm-guest@.service", 6, "the template's own setting");

        fake_root_write("/run/systemd/generator/vxm-guest@w.service.d/50-vxm-generator.conf",
                        "[Service]\nLimitMEMLOCK=2G\n");
        expect_setting("2G", "/run/systemd/generator/vxm-guest@w.service.d/50-vxm-generator.conf", 2,
                       "the generator's drop-in overrides the unit file");

        fake_root_write("/etc/systemd/system/vxm-guest@.service.d/60-admin.conf", "[Service]\nLimitMEMLOCK=3G\n");
        expect_setting("3G", "/etc/systemd/system/vxm-guest@.service.d/60-admin.conf", 2,
                       "a template drop-in that sorts later wins");

        fake_root_write("/etc/systemd/system/vxm-guest@w.service.d/50-vxm-generator.conf",
                        "[Service]\nLimitMEMLOCK=4G\n");
        expect_setting("3G", NULL, 0, "a same-named drop-in in /etc replaces the generator's, 60-admin still last");

        fake_root_symlink("/dev/null", "/etc/systemd/system/vxm-guest@w.service.d/60-admin.conf");
        expect_setting("4G", "/etc/systemd/system/vxm-guest@w.service.d/50-vxm-generator.conf", 2,
                       "the instance's mask of 60-admin.conf hides the template's");

        fake_root_write("/usr/lib/systemd/system/vxm-.service.d/70-prefix.conf", "[Service]\nLimitMEMLOCK=\n");
        expect_setting(NULL, "/usr/lib/systemd/system/vxm-.service.d/70-prefix.conf", 2,
                       "a prefix drop-in (vxm-.service.d) applies, and an empty assignment resets");

        fake_root_write("/etc/systemd/system/service.d/80-all.conf", "[Service]\nLimitMEMLOCK=infinity\n");
        expect_setting("infinity", "/etc/systemd/system/service.d/80-all.conf", 2, "service.d applies to all");

        fake_root_write("/etc/systemd/system/vxm-guest@w.service.d/90-other.conf", "[Install]\nLimitMEMLOCK=1\n");
        expect_setting("infinity", NULL, 0, "another section does not count");
}

static void bar_file(const char *bdf, const char *text) {
        char path[256];
        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/resource", bdf);
        fake_root_write(path, text);
}

static void test_mmio_window(void) {
        fake_root_new();
        /* a GPU with a 16 GiB 64-bit BAR (Resizable BAR on), a 32-bit BAR; its audio with a small 64-bit BAR */
        bar_file("0000:03:00.0", "0x0000004000000000 0x00000043ffffffff 0x000000000014220c\n"
                                 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                                 "0x00000000fc000000 0x00000000fc0fffff 0x0000000000040200\n");
        bar_file("0000:03:00.1", "0x00000000fc100000 0x00000000fc103fff 0x0000000000140204\n");

        GuestDevice devs[2] = { { .address = { 0, 3, 0, 0 } }, { .address = { 0, 3, 0, 1 } } };
        Guest g = { .devices = devs, .n_devices = 2, .looking_glass = true, .lg_size = 64ULL << 20 };
        MmioWindow w;
        mmio_window_plan(&g, &w);
        tap_ok(w.largest == 16ULL << 30, "the largest BAR is 16 GiB (%llu)", (unsigned long long) w.largest);
        tap_is_str(w.largest_bdf, "0000:03:00.0", "  ... of the GPU");
        tap_is_int((int) w.largest_index, 0, "  ... BAR 0");
        tap_ok(w.bars == (16ULL << 30) + (64ULL << 20) + (16 << 10), "the BARs, each aligned to its size (%llu)",
               (unsigned long long) w.bars);
        tap_ok(w.total == w.bars + MMIO64_SLACK, "  ... plus the slack for the emulated devices");
        tap_ok(w.window == 32ULL << 30, "16 GiB and a little fit in 32 GiB (%llu)", (unsigned long long) w.window);
        tap_is_int((int) w.ovmf_mb, 0, "  ... OVMF's default: nothing to pass");

        bar_file("0000:03:00.0", "0x0000004000000000 0x00000047ffffffff 0x000000000014220c\n");
        mmio_window_plan(&g, &w);
        tap_ok(w.window == 64ULL << 30, "a 32 GiB BAR needs a 64 GiB window (%llu)", (unsigned long long) w.window);
        tap_is_int((int) w.ovmf_mb, 65536, "  ... X-PciMmio64Mb=65536");

        Guest none = { 0 };
        mmio_window_plan(&none, &w);
        tap_ok(w.largest == 0 && w.ovmf_mb == 0, "no devices: no 64-bit BARs, no setting");

        /* a virtual function the guest holds (VirtualFunction=), with a 32 GiB BAR of its own: it counts too */
        bar_file("0000:05:00.1", "0x0000008000000000 0x00000087ffffffff 0x000000000014220c\n");
        char *vfs[] = { NULL, (char *) "0000:05:00.1" };
        mmio_window_plan_with(&none, vfs, 2, &w);
        tap_is_str(w.largest_bdf, "0000:05:00.1", "a held VF's BAR is in the window");
        tap_ok(w.window == 64ULL << 30 && w.ovmf_mb == 65536, "  ... and sizes it (%llu)",
               (unsigned long long) w.window);
}

static void test_iomem(void) {
        fake_root_new();
        fake_root_write("/proc/iomem", "00000000-00000fff : Reserved\n"
                                       "c0000000-febfffff : PCI Bus 0000:00\n"
                                       "  e0000000-efffffff : 0000:01:00.0\n"
                                       "    e0000000-e07fffff : BOOTFB\n"
                                       "100000000-43fffffff : System RAM\n");
        IomemRange *r = NULL;
        size_t n = 0;
        bool hidden = true;
        tap_is_int(iomem_read(&r, &n, &hidden), 0, "/proc/iomem parses");
        tap_is_int((int) n, 5, "  ... 5 ranges");
        tap_ok(!hidden, "  ... with addresses");
        if (n == 5) {
                tap_is_str(r[3].name, "BOOTFB", "  ... the nested one's name");
                tap_is_int((int) r[3].depth, 2, "  ... at depth 2");
                tap_ok(r[3].start == 0xe0000000 && r[3].end == 0xe07fffff, "  ... its range");
                tap_ok(r[4].start == 0x100000000ULL, "  ... addresses beyond 32 bits");
        }
        iomem_free(r, n);

        fake_root_write("/proc/iomem", "00000000-00000000 : Reserved\n  00000000-00000000 : BOOTFB\n");
        tap_is_int(iomem_read(&r, &n, &hidden), 0, "a non-root view parses");
        tap_ok(hidden, "  ... and is recognised as hidden");
        iomem_free(r, n);
}

static void config_space(const unsigned char *bytes, size_t n) {
        fake_root_write_n("/sys/bus/pci/devices/0000:01:00.0/config", (const char *) bytes, n);
}

static void test_flr(void) {
        fake_root_new();
        unsigned char c[256] = { 0 };
        c[0x06] = 0x10;
        c[0x34] = 0x40;
        c[0x40] = 0x01; /* power management, then PCI Express */
        c[0x41] = 0x60;
        c[0x60] = 0x10;
        c[0x64 + 3] = 0x10; /* DevCap bit 28 */
        config_space(c, sizeof c);
        tap_is_int(pci_device_flr_capable("0000:01:00.0"), 1, "FLR in the PCI Express capability, second in the list");

        c[0x64 + 3] = 0;
        config_space(c, sizeof c);
        tap_is_int(pci_device_flr_capable("0000:01:00.0"), 0, "no FLR bit");

        c[0x61] = 0x40; /* a loop back to the first capability */
        config_space(c, sizeof c);
        tap_is_int(pci_device_flr_capable("0000:01:00.0"), 0, "a capability loop ends");

        config_space(c, 64);
        tap_is_int(pci_device_flr_capable("0000:01:00.0"), -ENODATA, "64 bytes (not root): cannot tell");

        fake_root_write("/sys/bus/pci/devices/0000:01:00.0/reset_method", "device_specific bus\n");
        char **m = NULL;
        tap_is_int(pci_device_reset_methods("0000:01:00.0", &m), 0, "reset_method reads");
        tap_ok(m && m[0] && m[1] && !m[2] && strcmp(m[0], "device_specific") == 0, "  ... two methods, in order");
        for (size_t i = 0; m && m[i]; i++)
                free(m[i]);
        free(m);
        tap_is_int(pci_device_reset_methods("0000:02:00.0", &m), -ENOENT, "no reset_method: -ENOENT");
}

static void test_config_files(void) {
        fake_root_new();
        fake_root_write("/usr/lib/vxm/w.conf", "[Guest]\n");
        fake_root_write("/etc/vxm/w.conf", "[Guest]\n");
        fake_root_write("/usr/lib/vxm/w.conf.d/20-b.conf", "");
        fake_root_write("/run/vxm/w.conf.d/20-b.conf", "");
        fake_root_write("/usr/lib/vxm/w.conf.d/10-a.conf", "");
        fake_root_symlink("/dev/null", "/etc/vxm/w.conf.d/30-c.conf");
        fake_root_write("/usr/lib/vxm/w.conf.d/30-c.conf", "");
        fake_root_write("/etc/vxm/w.conf.d/README", "");

        ConfigFile *f = NULL;
        size_t n = 0;
        tap_is_int(guest_config_files("w", &f, &n), 0, "config files are listed");
        static const struct {
                const char *path;
                ConfigFileState state;
        } want[] = {
                { "/etc/vxm/w.conf", CONFIG_FILE_USED },
                { "/usr/lib/vxm/w.conf", CONFIG_FILE_SHADOWED },
                { "/usr/lib/vxm/w.conf.d/10-a.conf", CONFIG_FILE_USED },
                { "/run/vxm/w.conf.d/20-b.conf", CONFIG_FILE_USED },
                { "/usr/lib/vxm/w.conf.d/20-b.conf", CONFIG_FILE_SHADOWED },
                { "/etc/vxm/w.conf.d/30-c.conf", CONFIG_FILE_MASK },
                { "/usr/lib/vxm/w.conf.d/30-c.conf", CONFIG_FILE_SHADOWED },
        };
        tap_is_int((int) n, (int) (sizeof want / sizeof want[0]), "  ... main files and *.conf drop-ins only");
        for (size_t i = 0; i < n && i < sizeof want / sizeof want[0]; i++) {
                tap_is_str(f[i].path, want[i].path, "  ... in precedence, then name order");
                tap_is_int((int) f[i].state, (int) want[i].state, "  ... its state");
        }
        if (n == 7)
                tap_is_str(f[4].winner, "/run/vxm/w.conf.d/20-b.conf", "  ... a shadowed file names its winner");
        config_files_free(f, n);
        tap_is_int(guest_config_files("../x", &f, &n), -EINVAL, "a name that leaves the directory is refused");
}

static void test_format_bytes(void) {
        static const struct {
                uint64_t n;
                const char *want;
        } cases[] = {
                { 0, "0 bytes" },
                { 1023, "1023 bytes" },
                { 1536, "1.5 KiB" },
                { 256ULL << 20, "256 MiB" },
                { 1536ULL << 20, "1.5 GiB" },
                { 1000ULL << 20, "1000 MiB" },
                { 2974936ULL << 10, "2.8 GiB" },
                { 16ULL << 30, "16 GiB" },
                { 2ULL << 40, "2 TiB" },
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char *s = format_bytes(cases[i].n), what[64];
                snprintf(what, sizeof what, "format_bytes(%llu)", (unsigned long long) cases[i].n);
                tap_is_str(s, cases[i].want, what);
                free(s);
        }
}

int main(void) {
        test_unit_settings();
        test_mmio_window();
        test_iomem();
        test_flr();
        test_config_files();
        test_format_bytes();
        fake_root_clear();
        return tap_done();
}
