/* SPDX-License-Identifier: BSD-3-Clause */
/* The config loader against fake roots: typed results, defaults, every error with its exact file:line, the inih
 * pitfalls (long lines, ':' separators, continuation lines, long names, NUL bytes), precedence, masking, drop-ins. */
#include <pwd.h>
#include <syslog.h>
#include <unistd.h>

#include "config/config.h"
#include "fake-root.h"
#include "log-capture.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "tap.h"

static Guest *load_ok(const char *name) {
        Guest *g = NULL;
        int r = guest_load(name, &g);
        if (!tap_ok(r == 0 && g, "guest %s loads", name))
                tap_diag("  r=%d", r);
        return g;
}

static void load_fails(const char *name, int want_r) {
        Guest *g = NULL;
        int r = guest_load(name, &g);
        tap_ok(r == want_r && !g, "guest %s is refused with %s (r=%d)", name, want_r == -ENOENT ? "ENOENT" : "EINVAL",
               r);
        guest_free(g);
}

/* --- defaults and every key --- */

static void test_defaults(void) {
        fake_root_new();
        fake_root_write("/etc/vxm/plain.conf", "[Guest]\n");
        Guest *g = load_ok("plain");
        EXPECT_NO_MESSAGES("defaults");
        if (!g)
                return;
        tap_is_str(g->name, "plain", "name");
        tap_is_str(g->path, "/etc/vxm/plain.conf", "path is the main file, without VXM_ROOT");
        tap_ok(g->dropins == NULL, "no drop-ins");
        tap_is_str(g->description, "vxm guest plain", "default Description=");
        tap_is_int((long long) g->memory, 4LL << 30, "default Memory= 4G");
        tap_is_int(g->cpus, 2, "default CPUs=2");
        tap_ok(!g->autostart, "default Autostart=no");
        tap_is_str(g->user, "vxm", "default User=vxm");
        tap_ok(g->accelerator == ACCELERATOR_KVM, "default Accelerator=kvm");
        tap_is_int(g->shutdown_timeout, 120, "default ShutdownTimeout=120");
        tap_is_int((long long) g->n_devices, 0, "no devices");
        tap_ok(!g->secure_boot && !g->firmware_code && !g->firmware_vars, "default firmware");
        tap_ok(!g->tpm, "default TPM off");
        tap_ok(g->hugepages == HUGEPAGES_NO, "default Hugepages=no");
        tap_ok(!g->looking_glass && g->lg_size == 0 && !g->lg_file, "Looking Glass off by default");
        tap_ok(!g->keyboard_auto && !g->mouse_auto && !g->keyboards && !g->mice, "no input devices");
        tap_is_str(g->grab_toggle, "ctrl-ctrl", "default GrabToggle=ctrl-ctrl");
        tap_ok(!g->monitor && g->host_input == -1 && g->guest_input == -1, "no monitor switching");
        tap_is_int((long long) g->n_disks, 0, "no disks");
        tap_ok(g->network == NETWORK_USER && !g->bridge && !g->mac, "default Network Mode=user");
        guest_free(g);

        /* ShutdownTimeout=0: no power button, QEMU quits at once (vxm-guest stop). */
        fake_root_write("/etc/vxm/quit.conf", "[Guest]\nShutdownTimeout=0\n");
        g = load_ok("quit");
        EXPECT_NO_MESSAGES("ShutdownTimeout=0");
        if (g)
                tap_is_int(g->shutdown_timeout, 0, "ShutdownTimeout=0");
        guest_free(g);

        /* An empty file is a guest with defaults too (only a /dev/null symlink masks). */
        fake_root_write("/etc/vxm/empty.conf", "");
        g = load_ok("empty");
        EXPECT_NO_MESSAGES("empty file");
        guest_free(g);
}

static void test_every_key(void) {
        fake_root_new();
        fake_root_write("/etc/vxm/full.conf", "\xEF\xBB\xBF# full-featured guest\n"
                                              "[Guest]\n"
                                              "Description=Windows 11 (100% passthrough) \xe2\x80\x94 caf\xc3\xa9\n"
                                              "Memory=16G\n"
                                              "CPUs=8\n"
                                              "Autostart=yes\n"
                                              "User=gamer\n"
                                              "Accelerator=tcg\n"
                                              "ShutdownTimeout=2min 30s\n"
                                              "\n"
                                              "[PCI]\n"
                                              "Device=3:0.0\n"
                                              "Device=0000:03:00.1,romfile=/usr/share/vxm/gpu.rom\n"
                                              "; comment\n"
                                              "[Firmware]\n"
                                              "SecureBoot=on\n"
                                              "Code=/usr/share/OVMF/OVMF_CODE_4M.ms.fd\n"
                                              "Vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd\n"
                                              "[TPM]\n"
                                              "Enable=true\n"
                                              "[Memory]\n"
                                              "Hugepages=1G\n"
                                              "[LookingGlass]\n"
                                              "Resolution=2560x1440\n"
                                              "File=/dev/shm/lg-full\n"
                                              "[Input]\n"
                                              "Keyboard=/dev/input/by-id/usb-kbd-event-kbd\n"
                                              "Keyboard=/dev/input/by-id/usb-kbd-event-kbd\n"
                                              "Keyboard=/dev/input/by-id/other-event-kbd\n"
                                              "Mouse=auto\n"
                                              "GrabToggle=scrolllock\n"
                                              "[Display]\n"
                                              "Monitor=model:DELL U2720Q\n"
                                              "HostInput=DP-1\n"
                                              "GuestInput=0x11 ; HDMI-1\n"
                                              "[Storage]\n"
                                              "Disk=/var/lib/vxm/full/disk.qcow2\n"
                                              "Disk=/dev/nvme1n1,bus=nvme,readonly=yes\n"
                                              "[Network]\n"
                                              "Mode=bridge\n"
                                              "Bridge=br0\n"
                                              "MACAddress=52:54:00:AB:cd:EF\n"
                                              "[LookingGlass]\n"
                                              "Viewer=alice\n"
                                              "Viewer=bob\n"
                                              "Viewer=alice\n");
        Guest *g = load_ok("full");
        EXPECT_NO_MESSAGES("full-featured guest");
        if (!g)
                return;
        tap_is_str(g->description, "Windows 11 (100% passthrough) \xe2\x80\x94 caf\xc3\xa9",
                   "Description= verbatim ('%' is the generator's job)");
        tap_is_int((long long) g->memory, 16LL << 30, "Memory=16G");
        tap_is_int(g->cpus, 8, "CPUs=8");
        tap_ok(g->autostart, "Autostart=yes");
        tap_is_str(g->user, "gamer", "User=");
        tap_ok(g->accelerator == ACCELERATOR_TCG, "Accelerator=tcg");
        tap_is_int(g->shutdown_timeout, 150, "ShutdownTimeout=2min 30s");
        if (tap_is_int((long long) g->n_devices, 2, "two devices")) {
                char buf[PCI_ADDRESS_STRLEN];
                tap_is_str(pci_address_format(&g->devices[0].address, buf), "0000:03:00.0", "Device=3:0.0 normalised");
                tap_ok(g->devices[0].rom_file == NULL, "  ... without romfile");
                tap_is_str(g->devices[0].source.file, "/etc/vxm/full.conf", "  ... source file");
                tap_is_int(g->devices[0].source.line, 12, "  ... source line");
                tap_is_str(pci_address_format(&g->devices[1].address, buf), "0000:03:00.1", "second device");
                tap_is_str(g->devices[1].rom_file, "/usr/share/vxm/gpu.rom", "  ... romfile=");
                tap_is_int(g->devices[1].source.line, 13, "  ... source line");
        }
        tap_ok(g->secure_boot, "SecureBoot=on");
        tap_is_str(g->firmware_code, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "Code=");
        tap_is_str(g->firmware_vars, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd", "Vars=");
        tap_ok(g->tpm, "TPM Enable=true");
        tap_ok(g->hugepages == HUGEPAGES_1G, "Hugepages=1G");
        tap_ok(g->looking_glass, "Looking Glass enabled by Resolution=");
        tap_ok(g->lg_width == 2560 && g->lg_height == 1440, "Resolution=2560x1440");
        tap_is_int((long long) g->lg_size, 64LL << 20, "size from resolution: 64M");
        tap_is_str(g->lg_file, "/dev/shm/lg-full", "File=");
        tap_ok(strv_length(g->lg_viewers) == 2 && strcmp(g->lg_viewers[0], "alice") == 0 &&
                       strcmp(g->lg_viewers[1], "bob") == 0,
               "Viewer= repeatable, each user once");
        tap_is_int((long long) strv_length(g->keyboards), 2, "Keyboard= repeated, duplicates dropped");
        if (strv_length(g->keyboards) == 2) {
                tap_is_str(g->keyboards[0], "/dev/input/by-id/usb-kbd-event-kbd", "  ... first keyboard");
                tap_is_str(g->keyboards[1], "/dev/input/by-id/other-event-kbd", "  ... second keyboard");
        }
        tap_ok(!g->keyboard_auto, "Keyboard= paths, not auto");
        tap_ok(g->mouse_auto && !g->mice, "Mouse=auto");
        tap_is_str(g->grab_toggle, "scrolllock", "GrabToggle=");
        tap_is_str(g->monitor, "model:DELL U2720Q", "Monitor=");
        tap_is_int(g->host_input, 0x0f, "HostInput=DP-1 -> 0x0f");
        tap_is_int(g->guest_input, 0x11, "GuestInput=0x11 with an inline comment");
        if (tap_is_int((long long) g->n_disks, 2, "two disks")) {
                tap_is_str(g->disks[0].path, "/var/lib/vxm/full/disk.qcow2", "Disk= path");
                tap_ok(g->disks[0].bus == DISK_BUS_VIRTIO && !g->disks[0].read_only, "  ... virtio, read-write");
                tap_is_str(g->disks[1].path, "/dev/nvme1n1", "second Disk=");
                tap_ok(g->disks[1].bus == DISK_BUS_NVME && g->disks[1].read_only, "  ... bus=nvme,readonly=yes");
                tap_is_int(g->disks[1].source.line, 38, "  ... source line");
        }
        tap_ok(g->network == NETWORK_BRIDGE, "Mode=bridge");
        tap_is_str(g->bridge, "br0", "Bridge=");
        tap_is_str(g->mac, "52:54:00:ab:cd:ef", "MACAddress= normalised to lower case");
        PciAddress a = { .bus = 3, .slot = 0, .function = 1 }, b = { .bus = 3, .slot = 0, .function = 2 };
        tap_ok(guest_has_device(g, &a), "guest_has_device(0000:03:00.1)");
        tap_ok(!guest_has_device(g, &b), "!guest_has_device(0000:03:00.2)");
        guest_free(g);

        /* Last assignment of a scalar wins; Hugepages=no and Size= explicitly. */
        fake_root_write("/etc/vxm/again.conf", "[Guest]\nCPUs=2\nCPUs=4\nMemory=3000M\n[Memory]\nHugepages=2M\n"
                                               "Hugepages=no\n[LookingGlass]\nSize=256M\n");
        g = load_ok("again");
        EXPECT_NO_MESSAGES("repeated scalar keys");
        if (g) {
                tap_is_int(g->cpus, 4, "CPUs= last one wins");
                tap_ok(g->hugepages == HUGEPAGES_NO, "Hugepages=no after 2M");
                tap_ok(g->looking_glass && g->lg_size == 256ULL << 20 && g->lg_width == 0, "Size= alone enables LG");
                tap_is_str(g->lg_file, "/dev/shm/looking-glass", "default File=");
        }
        guest_free(g);
}

/* --- bad values: each must be refused with exactly "FILE:LINE: Key=value: why" --- */

static void bad_value(const char *section, const char *line, const char *why) {
        fake_root_new();
        char content[1024], want[1024];
        /* The bad line is line 4, after a valid key, so a wrong line count shows. */
        snprintf(content, sizeof content, "[%s]\n# comment\n\n%s\n", section, line);
        fake_root_write("/etc/vxm/bad.conf", content);
        snprintf(want, sizeof want, "E: /etc/vxm/bad.conf:4: %s", why);
        load_fails("bad", -EINVAL);
        EXPECT_MESSAGES(line, want);
}

/* [Display]: the inputs are checked against Feature=, wherever it is in the file or its drop-ins. */
static void test_display_combinations(void) {
        fake_root_write("/etc/vxm/lg.conf", "[Display]\nMonitor=bus:5\nHostInput=0x0090\nGuestInput=0xd0\n");
        fake_root_write("/etc/vxm/lg.conf.d/10-lg.conf", "[Display]\nFeature=0xF4\n");
        Guest *g = load_ok("lg");
        if (g) {
                tap_is_int(g->ddc_feature, 0xf4, "Feature=0xF4 from a drop-in");
                tap_is_int(g->host_input, 0x90, "HostInput=0x0090");
                tap_is_int(g->guest_input, 0xd0, "GuestInput=0xd0");
        }
        guest_free(g);
        EXPECT_NO_MESSAGES("LG's feature 0xf4 with its own values");

        fake_root_write("/etc/vxm/lg2.conf",
                        "[Display]\nMonitor=bus:5\nHostInput=0x0f\nGuestInput=HDMI-1\nFeature=0xf4\n");
        load_fails("lg2", -EINVAL);
        EXPECT_MESSAGES("a 0x60 name with Feature=0xf4",
                        "E: /etc/vxm/lg2.conf:4: GuestInput=HDMI-1: input names are values of feature 0x60; with "
                        "Feature=0xf4 give the monitor's own value in hex (ddcutil capabilities lists them)");

        fake_root_write("/etc/vxm/big.conf", "[Display]\nMonitor=bus:5\nHostInput=0x0f\nGuestInput=0x0111\n");
        load_fails("big", -EINVAL);
        EXPECT_MESSAGES("a 16-bit value for feature 0x60",
                        "E: /etc/vxm/big.conf:4: GuestInput=0x111: feature 0x60 takes values up to 0xff (set Feature= "
                        "for a monitor's own input feature)");

        fake_root_write("/etc/vxm/nomon.conf", "[Display]\nHostInput=DP-1\nGuestInput=HDMI-1\n");
        load_fails("nomon", -EINVAL);
        EXPECT_MESSAGES("inputs without Monitor=",
                        "E: /etc/vxm/nomon.conf:2: HostInput= needs Monitor= (which monitor to switch)",
                        "E: /etc/vxm/nomon.conf:3: GuestInput= needs Monitor= (which monitor to switch)");

        fake_root_write("/etc/vxm/hash.conf",
                        "[Display]\nMonitor=edid:ABCDEF0123\nHostInput=displayport-1\nGuestInput=usb-c\n");
        g = load_ok("hash");
        if (g) {
                tap_is_str(g->monitor, "edid:abcdef0123", "Monitor=edid: kept in lowercase");
                tap_ok(g->host_input == 0x0f && g->guest_input == 0x1b, "DisplayPort-1 and USB-C by name");
                tap_is_int(g->ddc_feature, 0x60, "Feature= defaults to 0x60");
        }
        guest_free(g);
        EXPECT_NO_MESSAGES("edid: hash and names");
}

static void test_bad_values(void) {
        bad_value("Guest", "Memory=lots", "Memory=lots: not a size (e.g. 16G, 8192M)");
        bad_value("Guest", "Memory=16Q", "Memory=16Q: not a size (e.g. 16G, 8192M)");
        bad_value("Guest", "Memory=1M", "Memory=1M: out of range (64M to 16T)");
        bad_value("Guest", "Memory=17T", "Memory=17T: out of range (64M to 16T)");
        bad_value("Guest", "CPUs=lots", "CPUs=lots: not a number");
        bad_value("Guest", "CPUs=-1", "CPUs=-1: not a number");
        bad_value("Guest", "CPUs=0", "CPUs=0: out of range (1 to 1024)");
        bad_value("Guest", "CPUs=1025", "CPUs=1025: out of range (1 to 1024)");
        bad_value("Guest", "Autostart=maybe", "Autostart=maybe: not a boolean (use yes or no)");
        bad_value("Guest", "User=root", "User=root: QEMU must not run as root; use an unprivileged user");
        bad_value("Guest", "User=a:b", "User=a:b: not a valid user name");
        bad_value("Guest", "User=-x", "User=-x: not a valid user name");
        bad_value("Guest", "Accelerator=xen", "Accelerator=xen: expected kvm or tcg");
        bad_value("Guest", "ShutdownTimeout=soon", "ShutdownTimeout=soon: not a time span (e.g. 120, 90s, 2min)");
        bad_value("Guest", "ShutdownTimeout=-1", "ShutdownTimeout=-1: not a time span (e.g. 120, 90s, 2min)");
        bad_value("Guest", "ShutdownTimeout=", "ShutdownTimeout=: not a time span (e.g. 120, 90s, 2min)");
        bad_value("PCI", "Device=0000:03:00.8", "Device=0000:03:00.8: function out of range (0-7)");
        bad_value("PCI", "Device=0000:100:00.0", "Device=0000:100:00.0: bus out of range (0-ff)");
        bad_value("PCI", "Device=gpu",
                  "Device=gpu: expected [domain:]bus:slot.function in hexadecimal, e.g. 0000:03:00.0");
        bad_value("PCI", "Device=0000:03:00.0,romfile=gpu.rom", "Device=: romfile=gpu.rom: not an absolute path");
        bad_value("PCI", "Device=0000:03:00.0,rombar=0", "Device=: unknown option 'rombar' (known: romfile=)");
        bad_value("PCI", "Device=0000:03:00.0,romfile", "Device=: option 'romfile' is not of the form name=value");
        bad_value("Firmware", "SecureBoot=maybe", "SecureBoot=maybe: not a boolean (use yes or no)");
        bad_value("Firmware", "Code=OVMF_CODE.fd", "Code=OVMF_CODE.fd: not an absolute path");
        bad_value("TPM", "Enable=2", "Enable=2: not a boolean (use yes or no)");
        bad_value("Memory", "Hugepages=4M", "Hugepages=4M: expected no, 2M or 1G");
        bad_value("Memory", "Hugepages=yes", "Hugepages=yes: expected no, 2M or 1G");
        bad_value("LookingGlass", "Resolution=1920", "Resolution=1920: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Resolution=1920X1080",
                  "Resolution=1920X1080: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Resolution=100x100", "Resolution=100x100: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Resolution=1920x1080x",
                  "Resolution=1920x1080x: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Resolution=1920x+1080",
                  "Resolution=1920x+1080: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Resolution=1920x 1080",
                  "Resolution=1920x 1080: expected WIDTHxHEIGHT, e.g. 2560x1440");
        bad_value("LookingGlass", "Viewer=root",
                  "Viewer=root: name the desktop user who runs the Looking Glass client, not root");
        bad_value("LookingGlass", "Viewer=-x", "Viewer=-x: not a valid user name");
        bad_value("LookingGlass", "Size=48M", "Size=48M: expected a power of two between 1M and 4G, e.g. 64M");
        bad_value("LookingGlass", "Size=8G", "Size=8G: expected a power of two between 1M and 4G, e.g. 64M");
        bad_value("LookingGlass", "File=/tmp/lg",
                  "File=/tmp/lg: expected a file directly in /dev/shm/, e.g. /dev/shm/looking-glass");
        bad_value("LookingGlass", "File=/dev/shm/a/b",
                  "File=/dev/shm/a/b: expected a file directly in /dev/shm/, e.g. /dev/shm/looking-glass");
        bad_value("LookingGlass", "File=/dev/shm/..",
                  "File=/dev/shm/..: expected a file directly in /dev/shm/, e.g. /dev/shm/looking-glass");
        bad_value("Input", "Keyboard=/dev/sda",
                  "Keyboard=/dev/sda: expected auto or a path under /dev/input/ (e.g. /dev/input/by-id/...-event-kbd)");
        bad_value("Input", "Mouse=/dev/input/../sda",
                  "Mouse=/dev/input/../sda: expected auto or a path under /dev/input/ (e.g. "
                  "/dev/input/by-id/...-event-kbd)");
        bad_value(
                "Input", "Mouse=/dev/input/..",
                "Mouse=/dev/input/..: expected auto or a path under /dev/input/ (e.g. /dev/input/by-id/...-event-kbd)");
        bad_value("Input", "GrabToggle=ctrl",
                  "GrabToggle=ctrl: expected one of ctrl-ctrl, alt-alt, shift-shift, meta-meta, scrolllock, "
                  "ctrl-scrolllock");
        bad_value("Display", "Monitor=5",
                  "Monitor=5: expected bus:N, display:N, model:NAME, serial:SERIAL or edid:HASH");
        bad_value("Display", "Monitor=bus:", "Monitor=bus:: bus: takes the number N of /dev/i2c-N (0 to 127)");
        bad_value("Display", "Monitor=bus:128", "Monitor=bus:128: bus: takes the number N of /dev/i2c-N (0 to 127)");
        bad_value("Display", "Monitor=display:0",
                  "Monitor=display:0: display: takes ddcutil's display number (1 to 99)");
        bad_value("Display", "Monitor=model:",
                  "Monitor=model:: model: and serial: take the monitor's name or serial number as its EDID has them "
                  "(vxm check shows them)");
        bad_value("Display", "Monitor=serial:ABCDEFGHIJKLMN",
                  "Monitor=serial:ABCDEFGHIJKLMN: an EDID holds at most 13 characters for the model and serial");
        bad_value(
                "Display", "Monitor=edid:00ff",
                "Monitor=edid:00ff: edid: takes the first 8 to 64 hex digits of the SHA-256 of the monitor's 128-byte "
                "EDID (vxm check shows it)");
        bad_value("Display", "Monitor=edid:0123456g",
                  "Monitor=edid:0123456g: edid: takes the first 8 to 64 hex digits of the SHA-256 of the monitor's "
                  "128-byte EDID (vxm check shows it)");
        bad_value("Display", "HostInput=DP-9",
                  "HostInput=DP-9: expected an input value from 0x01 to 0xffff (e.g. 0x0f) or one of DP-1, DP-2, "
                  "HDMI-1, HDMI-2, USB-C, DVI-1, DVI-2, VGA-1, VGA-2");
        bad_value("Display", "GuestInput=0x10000",
                  "GuestInput=0x10000: expected an input value from 0x01 to 0xffff (e.g. 0x0f) or one of DP-1, DP-2, "
                  "HDMI-1, HDMI-2, USB-C, DVI-1, DVI-2, VGA-1, VGA-2");
        bad_value("Display", "GuestInput=0",
                  "GuestInput=0: expected an input value from 0x01 to 0xffff (e.g. 0x0f) or one of DP-1, DP-2, "
                  "HDMI-1, HDMI-2, USB-C, DVI-1, DVI-2, VGA-1, VGA-2");
        bad_value("Display", "Feature=0x100",
                  "Feature=0x100: expected a VCP feature code from 0x01 to 0xff (0x60 is Input Select; LG monitors use "
                  "0xf4)");
        bad_value("Display", "Feature=0",
                  "Feature=0: expected a VCP feature code from 0x01 to 0xff (0x60 is Input Select; LG monitors use "
                  "0xf4)");
        bad_value("Display", "Feature=input",
                  "Feature=input: expected a VCP feature code from 0x01 to 0xff (0x60 is Input Select; LG monitors use "
                  "0xf4)");
        bad_value("Storage", "Disk=disk.qcow2", "Disk=disk.qcow2: not an absolute path");
        bad_value("Storage", "Disk=/d.img,bus=scsi", "Disk=: bus=scsi: expected virtio or nvme");
        bad_value("Storage", "Disk=/d.img,readonly=maybe", "Disk=: readonly=maybe: not a boolean");
        bad_value("Storage", "Disk=/d.img,cache=none", "Disk=: unknown option 'cache' (known: bus=, readonly=)");
        bad_value("Network", "Mode=tap", "Mode=tap: expected user, bridge or none");
        bad_value("Network", "Bridge=averyveryverylongbridge",
                  "Bridge=averyveryverylongbridge: not a valid network interface name");
        bad_value("Network", "MACAddress=01:00:5e:00:00:01",
                  "MACAddress=01:00:5e:00:00:01: expected a unicast MAC address like 52:54:00:12:34:56");
        bad_value("Network", "MACAddress=52:54:00:12:34:+6",
                  "MACAddress=52:54:00:12:34:+6: expected a unicast MAC address like 52:54:00:12:34:56");
        bad_value("Network", "MACAddress=52:54:00:12:34",
                  "MACAddress=52:54:00:12:34: expected a unicast MAC address like "
                  "52:54:00:12:34:56");

        /* Syntax the inih build would misread. */
        bad_value("Guest", "CPUs: 4", "expected KEY=VALUE (':' is not a separator, use '=')");
        bad_value("Guest", "CPUs", "expected KEY=VALUE");
        bad_value("Guest", "[Guest", "section header without closing ']'");
        bad_value("Guest", "[SectionNameThatIsWayTooLongForInihToKeepWhole12345]",
                  "section name longer than 48 characters");
        bad_value("Guest", "ThisKeyNameIsFortyNineCharactersLongAndInihCutsIt=1", "key name longer than 48 characters");
        bad_value("Guest", "Description=bell\a", "line contains the control character 0x07");
        bad_value("Guest", "Description=caf\xe9 (Latin-1)", "line is not valid UTF-8");
        bad_value("Guest", "Description=\xc0\xaf", "line is not valid UTF-8");
        bad_value("Guest", "Description=x\r[Service]\rExecStartPre=/bin/evil",
                  "line contains the control character 0x0d");
}

static void test_whole_file_errors(void) {
        /* Several errors: all reported, each with its own line. Outside of any section, too. */
        fake_root_new();
        fake_root_write("/etc/vxm/multi.conf",
                        "CPUs=4\n[Guest]\nCPUs=x\nMemory=y\n[PCI]\nDevice=3:0.0\nDevice=03:00.0\n");
        load_fails("multi", -EINVAL);
        EXPECT_MESSAGES("several errors", "E: /etc/vxm/multi.conf:1: CPUs= outside of any section (start with [Guest])",
                        "E: /etc/vxm/multi.conf:3: CPUs=x: not a number",
                        "E: /etc/vxm/multi.conf:4: Memory=y: not a size (e.g. 16G, 8192M)",
                        "E: /etc/vxm/multi.conf:7: Device=03:00.0: 0000:03:00.0 is already listed at "
                        "/etc/vxm/multi.conf:6");

        /* Combinations that need the whole file. */
        fake_root_new();
        fake_root_write("/etc/vxm/hp.conf", "[Guest]\nMemory=1025M\n[Memory]\nHugepages=2M\n");
        load_fails("hp", -EINVAL);
        EXPECT_MESSAGES("Memory not a multiple of 2M",
                        "E: /etc/vxm/hp.conf:2: Memory= must be a multiple of the hugepage size (2M)");
        fake_root_write("/etc/vxm/hp1g.conf", "[Guest]\nMemory=1536M\n[Memory]\nHugepages=1G\n");
        load_fails("hp1g", -EINVAL);
        EXPECT_MESSAGES("Memory not a multiple of 1G",
                        "E: /etc/vxm/hp1g.conf:2: Memory= must be a multiple of the hugepage size (1G)");
        fake_root_write("/etc/vxm/hpok.conf", "[Guest]\nMemory=1536M\n[Memory]\nHugepages=2M\n");
        Guest *g = load_ok("hpok");
        EXPECT_NO_MESSAGES("1536M with 2M pages");
        guest_free(g);

        fake_root_write("/etc/vxm/fw.conf", "[Firmware]\nCode=/x/CODE.fd\n");
        load_fails("fw", -EINVAL);
        EXPECT_MESSAGES("Code= without Vars=",
                        "E: /etc/vxm/fw.conf:2: Code= and Vars= must be set together (a CODE image needs its "
                        "matching VARS template)");
        fake_root_write("/etc/vxm/br.conf", "[Network]\nMode=bridge\n");
        load_fails("br", -EINVAL);
        EXPECT_MESSAGES("bridge without Bridge=", "E: /etc/vxm/br.conf:2: Mode=bridge needs Bridge=NAME");
        fake_root_write("/etc/vxm/mon.conf", "[Display]\nMonitor=bus:5\nHostInput=DP-1\n");
        load_fails("mon", -EINVAL);
        EXPECT_MESSAGES("Monitor= without GuestInput=",
                        "E: /etc/vxm/mon.conf:2: Monitor= needs both HostInput= and GuestInput=");
        fake_root_write("/etc/vxm/mon2.conf", "[Display]\nMonitor=bus:5\nHostInput=DP-1\nGuestInput=0x0f\n");
        load_fails("mon2", -EINVAL);
        EXPECT_MESSAGES("same input twice", "E: /etc/vxm/mon2.conf:4: GuestInput= is the same input as HostInput= "
                                            "(DP-1 (0x0f)): the monitor would never switch");
        test_display_combinations();
        fake_root_write("/etc/vxm/lg.conf", "[Guest]\n[LookingGlass]\nFile=/dev/shm/lg-x\n");
        load_fails("lg", -EINVAL);
        EXPECT_MESSAGES("LookingGlass File= without a size",
                        "E: /etc/vxm/lg.conf:3: [LookingGlass] needs Resolution= (or Size=) to size the shared memory");
        fake_root_write("/etc/vxm/hpdrop.conf", "[Guest]\nMemory=4G\n[Memory]\nHugepages=1G\n");
        fake_root_write("/etc/vxm/hpdrop.conf.d/10-mem.conf", "[Guest]\nMemory=1025M\n");
        load_fails("hpdrop", -EINVAL);
        EXPECT_MESSAGES(
                "combination error names the drop-in line that set the key",
                "E: /etc/vxm/hpdrop.conf.d/10-mem.conf:2: Memory= must be a multiple of the hugepage size (1G)");
}

/* --- what inih (as Debian builds it) would misread --- */

static void test_line_length(void) {
        char line[512], content[1024];

        /* 197 bytes is the longest line: accepted whole, with LF or CRLF. */
        fake_root_new();
        snprintf(line, sizeof line, "Description=%0185d", 7);
        tap_is_int((long long) strlen(line), 197, "(test setup) 197-byte line");
        snprintf(content, sizeof content, "[Guest]\n%s\r\nCPUs=3\r\n", line);
        fake_root_write("/etc/vxm/long.conf", content);
        Guest *g = load_ok("long");
        EXPECT_NO_MESSAGES("197-byte line");
        if (g) {
                tap_is_str(g->description, line + strlen("Description="), "197-byte line read whole");
                tap_is_int(g->cpus, 3, "line after it read normally");
        }
        guest_free(g);

        /* 198 bytes, the first one too many (with "\r\n\0" it would not fit inih's buffer). */
        fake_root_new();
        snprintf(line, sizeof line, "Description=%0186d", 7);
        snprintf(content, sizeof content, "[Guest]\n%s\r\n", line);
        fake_root_write("/etc/vxm/long.conf", content);
        load_fails("long", -EINVAL);
        EXPECT_MESSAGES("198-byte line", "E: /etc/vxm/long.conf:2: line is 198 bytes long, at most 197 are allowed");

        /* An error, not two lines. The tail after inih's 200-byte buffer would read "CPUs=lots". */
        fake_root_new();
        snprintf(line, sizeof line, "Description=%0186dCPUs=lots", 8);
        snprintf(content, sizeof content, "[Guest]\nCPUs=3\n%s\n", line);
        fake_root_write("/etc/vxm/long.conf", content);
        load_fails("long", -EINVAL);
        snprintf(content, sizeof content, "E: /etc/vxm/long.conf:3: line is %zu bytes long, at most 197 are allowed",
                 strlen(line));
        EXPECT_MESSAGES("over-long line", content);

        /* Extra '\r's do not make a long line short (and must not overflow inih's buffer). */
        fake_root_new();
        snprintf(line, sizeof line, "Description=%0185d", 9);
        snprintf(content, sizeof content, "[Guest]\n%s\r\r\r\r\r\r\r\r\n", line);
        fake_root_write("/etc/vxm/cr.conf", content);
        load_fails("cr", -EINVAL);
        EXPECT_MESSAGES("197 bytes plus many CRs",
                        "E: /etc/vxm/cr.conf:2: line is 204 bytes long, at most 197 are allowed");

        /* A very long line, far beyond any buffer. */
        fake_root_new();
        static char huge[70000];
        memcpy(huge, "[Guest]\nDescription=", 20);
        memset(huge + 20, 'x', sizeof huge - 22);
        huge[sizeof huge - 2] = '\n';
        fake_root_write_n("/etc/vxm/huge.conf", huge, sizeof huge - 1);
        load_fails("huge", -EINVAL);
        EXPECT_MESSAGES("70000-byte line",
                        "E: /etc/vxm/huge.conf:2: line is 69990 bytes long, at most 197 are allowed");
}

static void test_continuation_and_nul(void) {
        /* Indented continuation: never merged into the previous value. */
        fake_root_new();
        fake_root_write("/etc/vxm/cont.conf", "[Guest]\nDescription=x\n  ExecStartPre=/bin/evil\n\tCPUs=5\n");
        load_fails("cont", -EINVAL);
        EXPECT_MESSAGES("indented lines",
                        "E: /etc/vxm/cont.conf:3: indented line: continuation lines are not supported, remove the "
                        "leading whitespace",
                        "E: /etc/vxm/cont.conf:4: indented line: continuation lines are not supported, remove the "
                        "leading whitespace");
        /* A leading '\r' is blank to inih, so this would be a continuation of Description= carrying a '\r'
         * (a line break to systemd) into the unit. */
        fake_root_write("/etc/vxm/crcont.conf", "[Guest]\nDescription=x\n \r[Service]\rExecStartPre=/bin/evil\n");
        load_fails("crcont", -EINVAL);
        EXPECT_MESSAGES("CR-led continuation", "E: /etc/vxm/crcont.conf:3: line contains the control character 0x0d");
        fake_root_write("/etc/vxm/crcont2.conf", "[Guest]\nDescription=x\n\r\r\n");
        load_fails("crcont2", -EINVAL);
        EXPECT_MESSAGES("CR CR LF", "E: /etc/vxm/crcont2.conf:3: line contains the control character 0x0d");
        /* Comments may hold anything printable or not; CRLF blank lines are blank. */
        fake_root_write("/etc/vxm/comments.conf", "[Guest]\r\n# caf\xe9 \x01\r\n  ; \xff\r\n\r\n   \r\nCPUs=3\r\n");
        Guest *c = load_ok("comments");
        EXPECT_NO_MESSAGES("comments with odd bytes, CRLF blank lines");
        tap_ok(c && c->cpus == 3, "  ... keys after them read");
        guest_free(c);

        /* Indented comments and blank lines with whitespace are fine. */
        fake_root_write("/etc/vxm/ind.conf", "[Guest]\n   ; comment\n\t# comment\n   \nCPUs=5\n");
        Guest *g = load_ok("ind");
        EXPECT_NO_MESSAGES("indented comments");
        if (g)
                tap_is_int(g->cpus, 5, "  ... keys after them read");
        guest_free(g);

        /* NUL byte. */
        fake_root_new();
        fake_root_write_n("/etc/vxm/nul.conf", "[Guest]\nCPUs=4\nDescription=a\0CPUs=lots\n", 39);
        load_fails("nul", -EINVAL);
        EXPECT_MESSAGES("NUL byte", "E: /etc/vxm/nul.conf:3: line contains a NUL byte");

        /* Key names: 48 characters is the maximum inih keeps whole; it is an unknown key, no error. */
        fake_root_new();
        fake_root_write("/etc/vxm/k48.conf", "[Guest]\nThisKeyNameIsFortyEightCharactersLongAndInihKeps=1\n");
        g = load_ok("k48");
        EXPECT_MESSAGES("48-character key",
                        "W: /etc/vxm/k48.conf:2: unknown key ThisKeyNameIsFortyEightCharactersLongAndInihKeps= in "
                        "[Guest], ignoring.");
        guest_free(g);
}

static void test_unknown(void) {
        fake_root_new();
        fake_root_write("/etc/vxm/unk.conf", "[Guest]\nCPUs=3\nFrobnicate=yes\nmemory=8G\n[Future]\nA=1\nB=2\n"
                                             "[PCI]\ndevice=3:0.0\n");
        Guest *g = load_ok("unk");
        EXPECT_MESSAGES("unknown keys and sections",
                        "W: /etc/vxm/unk.conf:3: unknown key Frobnicate= in [Guest], ignoring.",
                        "W: /etc/vxm/unk.conf:4: unknown key memory= in [Guest] (did you mean Memory=?), ignoring.",
                        "W: /etc/vxm/unk.conf:6: unknown section [Future], ignoring.",
                        "W: /etc/vxm/unk.conf:9: unknown key device= in [PCI] (did you mean Device=?), ignoring.");
        if (g) {
                tap_is_int(g->cpus, 3, "known keys still read");
                tap_is_int((long long) g->memory, 4LL << 30, "misspelt key not applied");
                tap_is_int((long long) g->n_devices, 0, "misspelt Device not applied");
        }
        guest_free(g);
}

/* --- where files come from --- */

static void test_precedence(void) {
        fake_root_new();
        fake_root_write("/usr/lib/vxm/p.conf", "[Guest]\nCPUs=1\nMemory=8G\n");
        fake_root_write("/run/vxm/p.conf", "[Guest]\nCPUs=2\n");
        fake_root_write("/etc/vxm/p.conf", "[Guest]\nCPUs=3\n");
        Guest *g = load_ok("p");
        EXPECT_NO_MESSAGES("precedence");
        if (g) {
                tap_is_str(g->path, "/etc/vxm/p.conf", "/etc wins");
                tap_is_int(g->cpus, 3, "  ... its value");
                tap_is_int((long long) g->memory, 4LL << 30,
                           "  ... and the lower file is not merged (whole-file replace)");
        }
        guest_free(g);

        fake_root_new();
        fake_root_write("/usr/lib/vxm/p.conf", "[Guest]\nCPUs=1\nMemory=8G\n");
        fake_root_write("/run/vxm/p.conf", "[Guest]\nCPUs=2\n");
        g = load_ok("p");
        if (g) {
                tap_is_str(g->path, "/run/vxm/p.conf", "/run beats /usr/lib");
                tap_is_int((long long) g->memory, 4LL << 30, "  ... whole-file replace");
        }
        guest_free(g);

        fake_root_new();
        fake_root_write("/usr/lib/vxm/p.conf", "[Guest]\nCPUs=1\n");
        g = load_ok("p");
        if (g)
                tap_is_str(g->path, "/usr/lib/vxm/p.conf", "/usr/lib alone");
        guest_free(g);

        /* Masking. */
        fake_root_new();
        fake_root_write("/usr/lib/vxm/m.conf", "[Guest]\nCPUs=1\n");
        fake_root_symlink("/dev/null", "/etc/vxm/m.conf");
        load_fails("m", -ENOENT);
        EXPECT_NO_MESSAGES("masked guest: no error");
        fake_root_new();
        fake_root_write("/etc/vxm/m.conf", "[Guest]\nCPUs=1\n");
        fake_root_symlink("/dev/null", "/usr/lib/vxm/m.conf");
        g = load_ok("m");
        tap_ok(g && g->cpus == 1, "a mask in a lower dir does not hide /etc");
        guest_free(g);

        /* A directory named like a guest file is an error, not an empty guest. */
        fake_root_new();
        fake_root_mkdir("/etc/vxm/dir.conf");
        load_fails("dir", -EINVAL);
        EXPECT_MESSAGES("NAME.conf is a directory",
                        "E: /etc/vxm/dir.conf is a directory, not a regular file: configuration is only read from "
                        "regular files.");
        /* A dangling symlink is an error too, not "no such guest". */
        fake_root_symlink("/nowhere/x.conf", "/etc/vxm/dangling.conf");
        load_fails("dangling", -EINVAL);
        EXPECT_MESSAGES("dangling symlink",
                        "E: /etc/vxm/dangling.conf is a symbolic link: configuration is only read from regular files "
                        "(a link to /dev/null masks, any other link is refused).");

        load_fails("nosuch", -ENOENT);
        EXPECT_NO_MESSAGES("missing guest: no message");
        messages_clear();
}

static void test_dropins(void) {
        fake_root_new();
        fake_root_write("/usr/lib/vxm/d.conf", "[Guest]\nCPUs=1\n[PCI]\nDevice=3:0.0\n[Storage]\nDisk=/a.img\n");
        fake_root_write("/usr/lib/vxm/d.conf.d/10-a.conf", "[Guest]\nCPUs=10\nMemory=8G\n");
        fake_root_write("/etc/vxm/d.conf.d/20-b.conf", "[Guest]\nCPUs=20\n[PCI]\nDevice=3:0.1\n");
        fake_root_write("/run/vxm/d.conf.d/05-z.conf", "[Guest]\nCPUs=5\nDescription=from run\n");
        fake_root_write("/usr/lib/vxm/d.conf.d/30-c.conf", "[Guest]\nCPUs=31\n");
        fake_root_write("/etc/vxm/d.conf.d/30-c.conf", "[Guest]\nAutostart=yes\n");
        fake_root_write("/usr/lib/vxm/d.conf.d/40-m.conf", "[Guest]\nCPUs=99\n");
        fake_root_symlink("/dev/null", "/etc/vxm/d.conf.d/40-m.conf");
        fake_root_write("/etc/vxm/d.conf.d/50-s.conf", "[Storage]\nDisk=\nDisk=/b.img\n");
        fake_root_write("/etc/vxm/d.conf.d/README", "CPUs=lots\n");
        fake_root_write("/etc/vxm/d.conf.d/60-x.conf.bak", "CPUs=lots\n");
        fake_root_write("/etc/vxm/d.conf.d/.70-hidden.conf", "CPUs=lots\n");

        Guest *g = load_ok("d");
        EXPECT_NO_MESSAGES("drop-ins");
        if (!g)
                return;
        const char *want[] = { "/run/vxm/d.conf.d/05-z.conf", "/usr/lib/vxm/d.conf.d/10-a.conf",
                               "/etc/vxm/d.conf.d/20-b.conf", "/etc/vxm/d.conf.d/30-c.conf",
                               "/etc/vxm/d.conf.d/50-s.conf", NULL };
        bool same = strv_length(g->dropins) == 5;
        for (size_t i = 0; same && want[i]; i++)
                same = strcmp(g->dropins[i], want[i]) == 0;
        if (!tap_ok(same, "drop-ins in file-name order across dirs, /etc replacing /usr/lib, /dev/null masking"))
                for (size_t i = 0; g->dropins && g->dropins[i]; i++)
                        tap_diag("  got: %s", g->dropins[i]);
        tap_is_int(g->cpus, 20, "CPUs= from the last drop-in by name (20-b), not by directory");
        tap_is_int((long long) g->memory, 8LL << 30, "Memory= from 10-a");
        tap_is_str(g->description, "from run", "Description= from 05-z in /run");
        tap_ok(g->autostart, "30-c from /etc applied (it replaced /usr/lib's 30-c: CPUs stays 20)");
        tap_is_int((long long) g->n_devices, 2, "Device= appends across files");
        if (tap_is_int((long long) g->n_disks, 1, "Disk= empty assignment resets the list"))
                tap_is_str(g->disks[0].path, "/b.img", "  ... then appends");
        guest_free(g);

        /* Errors in a drop-in name the drop-in. */
        fake_root_new();
        fake_root_write("/etc/vxm/e.conf", "[Guest]\nCPUs=1\n");
        fake_root_write("/usr/lib/vxm/e.conf.d/10-bad.conf", "[Guest]\n\nCPUs=many\n");
        load_fails("e", -EINVAL);
        EXPECT_MESSAGES("error in a drop-in", "E: /usr/lib/vxm/e.conf.d/10-bad.conf:3: CPUs=many: not a number");

        /* Reset of the device and input lists. */
        fake_root_new();
        fake_root_write("/etc/vxm/r.conf", "[PCI]\nDevice=3:0.0\nDevice=3:0.1\n[Input]\nKeyboard=auto\n"
                                           "Keyboard=/dev/input/event3\nMouse=/dev/input/event4\n");
        fake_root_write("/etc/vxm/r.conf.d/override.conf", "[PCI]\nDevice=\nDevice=4:0.0\n[Input]\nKeyboard=\n"
                                                           "Mouse=auto\n");
        g = load_ok("r");
        EXPECT_NO_MESSAGES("list resets");
        if (g) {
                char buf[PCI_ADDRESS_STRLEN];
                if (tap_is_int((long long) g->n_devices, 1, "Device= reset in a drop-in"))
                        tap_is_str(pci_address_format(&g->devices[0].address, buf), "0000:04:00.0", "  ... then set");
                tap_ok(!g->keyboard_auto && !g->keyboards, "Keyboard= reset clears auto and paths");
                tap_ok(g->mouse_auto && strv_length(g->mice) == 1, "Mouse=auto keeps the earlier path");
        }
        guest_free(g);

        /* A drop-in directory for a guest without a main file defines nothing. */
        fake_root_new();
        fake_root_write("/etc/vxm/orphan.conf.d/10.conf", "[Guest]\nCPUs=1\n");
        load_fails("orphan", -ENOENT);
        messages_clear();
}

static void test_names(void) {
        static const struct {
                const char *name, *why;
        } bad[] = {
                { "a@b",
                  "only letters, digits, '_', '.' and '-' are allowed (it becomes a systemd unit instance name)" },
                { "-x", "must not start with '.' or '-'" },
                { "01234567890123456789012345678901234567890123456789012345678901234", "longer than 64 characters" },
                { "a b",
                  "only letters, digits, '_', '.' and '-' are allowed (it becomes a systemd unit instance name)" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fake_root_new();
                char path[256], want[512];
                snprintf(path, sizeof path, "/etc/vxm/%s.conf", bad[i].name);
                fake_root_write(path, "[Guest]\n");
                load_fails(bad[i].name, -EINVAL);
                snprintf(want, sizeof want, "E: %s: invalid guest name \"%s\": %s", path, bad[i].name, bad[i].why);
                EXPECT_MESSAGES(bad[i].name, want);
        }

        /* "../x" would read /etc/x.conf: refused before any path is built from it. */
        fake_root_new();
        fake_root_write("/etc/x.conf", "[Guest]\n");
        load_fails("../x", -EINVAL);
        EXPECT_MESSAGES("../x", "E: invalid guest name \"../x\": must not start with '.' or '-'");
        fake_root_write("/etc/vxm/sub/x.conf", "[Guest]\n");
        load_fails("sub/x", -EINVAL);
        EXPECT_MESSAGES("sub/x",
                        "E: invalid guest name \"sub/x\": only letters, digits, '_', '.' and '-' are allowed (it "
                        "becomes a systemd unit instance name)");

        /* Empty name: /etc/vxm/.conf */
        fake_root_new();
        fake_root_write("/etc/vxm/.conf", "[Guest]\n");
        load_fails("", -EINVAL);
        EXPECT_MESSAGES("empty name", "E: invalid guest name \"\": empty name");

        /* guest_load_file too. */
        Guest *g = NULL;
        tap_is_int(guest_load_file("a@b", "/etc/vxm/.conf", &g), -EINVAL, "guest_load_file refuses a@b");
        EXPECT_MESSAGES("guest_load_file a@b",
                        "E: /etc/vxm/.conf: invalid guest name \"a@b\": only letters, digits, '_', '.' and '-' are "
                        "allowed (it becomes a systemd unit instance name)");
        fake_root_write("/srv/check.conf", "[Guest]\nCPUs=6\n");
        fake_root_write("/etc/vxm/check.conf.d/10.conf", "[Guest]\nCPUs=7\n");
        tap_is_int(guest_load_file("check", "/srv/check.conf", &g), 0, "guest_load_file on an explicit file");
        tap_ok(g && g->cpus == 6 && !g->dropins, "  ... without drop-ins");
        guest_free(g);
        messages_clear();
}

/* --- what root must not read: FIFOs, links, files and directories a user other than root can change --- */

/* Loading must fail at once, not block: a FIFO in a config dir used to hang the generator at boot. */
static void load_fails_quickly(const char *name) {
        alarm(10); /* a hang ends the test with SIGALRM, which fails it */
        load_fails(name, -EINVAL);
        alarm(0);
}

static void fake_root_chmod(const char *path, mode_t mode) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", fake_root, path);
        if (chmod(full, mode) < 0) {
                perror(full);
                abort();
        }
}

static void fake_root_chown(const char *path, uid_t uid) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", fake_root, path);
        if (lchown(full, uid, (gid_t) -1) < 0) {
                perror(full);
                abort();
        }
}

static void fake_root_mkfifo(const char *path) {
        char full[4096];
        snprintf(full, sizeof full, "%s%s", fake_root, path);
        fake_root_mkdir_parents(full);
        if (mkfifo(full, 0644) < 0) {
                perror(full);
                abort();
        }
}

static void test_special_files(void) {
        fake_root_new();
        fake_root_mkfifo("/etc/vxm/fifo.conf");
        load_fails_quickly("fifo");
        EXPECT_MESSAGES("NAME.conf is a FIFO",
                        "E: /etc/vxm/fifo.conf is a FIFO, not a regular file: configuration is only read from regular "
                        "files.");
        char **l = NULL;
        alarm(10);
        tap_is_int(guest_list(&l), 0, "guest_list with a FIFO in /etc/vxm");
        alarm(0);
        tap_ok(strv_length(l) == 1 && strcmp(l[0], "fifo") == 0, "  ... lists it (loading it is what refuses it)");
        l = strv_free(l);

        fake_root_write("/etc/vxm/dropfifo.conf", "[Guest]\nCPUs=1\n");
        fake_root_mkfifo("/etc/vxm/dropfifo.conf.d/10-fifo.conf");
        load_fails_quickly("dropfifo");
        EXPECT_MESSAGES("drop-in is a FIFO",
                        "E: /etc/vxm/dropfifo.conf.d/10-fifo.conf is a FIFO, not a regular file: configuration is only "
                        "read from regular files.");

        /* A link to a perfectly good root-owned file is refused too: only /dev/null (a mask) may be a link. */
        fake_root_write("/srv/real.conf", "[Guest]\nCPUs=1\n");
        fake_root_symlink("/srv/real.conf", "/etc/vxm/linked.conf");
        load_fails("linked", -EINVAL);
        EXPECT_MESSAGES("NAME.conf is a link to a regular file",
                        "E: /etc/vxm/linked.conf is a symbolic link: configuration is only read from regular files (a "
                        "link to /dev/null masks, any other link is refused).");
        fake_root_write("/etc/vxm/droplink.conf", "[Guest]\nCPUs=1\n");
        fake_root_symlink("/srv/real.conf", "/etc/vxm/droplink.conf.d/10-link.conf");
        load_fails("droplink", -EINVAL);
        EXPECT_MESSAGES("drop-in is a link",
                        "E: /etc/vxm/droplink.conf.d/10-link.conf is a symbolic link: configuration is only read from "
                        "regular files (a link to /dev/null masks, any other link is refused).");

        /* NAME.conf.d that is not a directory. */
        fake_root_write("/etc/vxm/notdir.conf", "[Guest]\nCPUs=1\n");
        fake_root_write("/etc/vxm/notdir.conf.d", "");
        load_fails("notdir", -EINVAL);
        EXPECT_MESSAGES("NAME.conf.d is a file",
                        "E: /etc/vxm/notdir.conf.d: cannot read the drop-in directory: Not a directory");
        messages_clear();
}

/* The refusal of path with the owner and mode it has now, and the command that fixes it. */
static char *owner_message(const char *path, uid_t uid, mode_t mode, const char *fix) {
        char *s, who[256];
        struct passwd *pw = uid != 0 ? getpwuid(uid) : NULL;
        if (uid == 0)
                snprintf(who, sizeof who, "root");
        else if (pw)
                snprintf(who, sizeof who, "uid %u (%s)", (unsigned) uid, pw->pw_name);
        else
                snprintf(who, sizeof who, "uid %u", (unsigned) uid);
        if (asprintf(&s,
                     "E: %s is owned by %s and has mode %04o: vxm only reads configuration that root alone can change "
                     "(whoever can write it decides what vxm does as root). Run: %s",
                     path, who, (unsigned) mode, fix) < 0)
                abort();
        return s;
}

static void expect_owner_refusal(const char *what, const char *guest, const char *path, uid_t uid, mode_t mode,
                                 const char *fix) {
        load_fails(guest, -EINVAL);
        _cleanup_free_ char *want = owner_message(path, uid, mode, fix);
        expect_messages(what, (const char *const[]){ want, NULL });
}

static void test_ownership(void) {
        uid_t me = geteuid();

        /* Group- or world-writable main file. */
        fake_root_new();
        fake_root_write("/etc/vxm/gw.conf", "[Guest]\nCPUs=1\n");
        fake_root_chmod("/etc/vxm/gw.conf", 0664);
        expect_owner_refusal("group-writable NAME.conf", "gw", "/etc/vxm/gw.conf", me, 0664,
                             "chmod go-w /etc/vxm/gw.conf");
        fake_root_write("/etc/vxm/ow.conf", "[Guest]\nCPUs=1\n");
        fake_root_chmod("/etc/vxm/ow.conf", 0646);
        expect_owner_refusal("world-writable NAME.conf", "ow", "/etc/vxm/ow.conf", me, 0646,
                             "chmod go-w /etc/vxm/ow.conf");
        /* Readable by all is fine. */
        fake_root_write("/etc/vxm/ro.conf", "[Guest]\nCPUs=1\n");
        fake_root_chmod("/etc/vxm/ro.conf", 0444);
        guest_free(load_ok("ro"));
        EXPECT_NO_MESSAGES("read-only NAME.conf");

        /* The directories: the config dir and NAME.conf.d. */
        fake_root_new();
        fake_root_write("/etc/vxm/d.conf", "[Guest]\nCPUs=1\n");
        fake_root_chmod("/etc/vxm", 01777);
        expect_owner_refusal("world-writable /etc/vxm (even sticky)", "d", "/etc/vxm", me, 01777,
                             "chmod go-w /etc/vxm");
        fake_root_chmod("/etc/vxm", 0755);
        fake_root_write("/etc/vxm/d.conf.d/10.conf", "[Guest]\nCPUs=2\n");
        fake_root_chmod("/etc/vxm/d.conf.d", 0775);
        expect_owner_refusal("group-writable NAME.conf.d", "d", "/etc/vxm/d.conf.d", me, 0775,
                             "chmod go-w /etc/vxm/d.conf.d");
        fake_root_chmod("/etc/vxm/d.conf.d", 0755);
        fake_root_chmod("/etc/vxm/d.conf.d/10.conf", 0666);
        expect_owner_refusal("world-writable drop-in", "d", "/etc/vxm/d.conf.d/10.conf", me, 0666,
                             "chmod go-w /etc/vxm/d.conf.d/10.conf");
        fake_root_chmod("/etc/vxm/d.conf.d/10.conf", 0644);
        Guest *g = load_ok("d");
        tap_ok(g && g->cpus == 2, "once fixed, the guest and its drop-in load");
        guest_free(g);

        /* A writable /run/vxm taints only what is read from it: a drop-in there refuses the guest, and so does a
         * mask (a user could hide any guest), but a guest with nothing in /run/vxm does not care. */
        fake_root_new();
        fake_root_write("/etc/vxm/e.conf", "[Guest]\nCPUs=1\n");
        fake_root_mkdir("/run/vxm");
        fake_root_chmod("/run/vxm", 0777);
        guest_free(load_ok("e"));
        EXPECT_NO_MESSAGES("untouched by a writable /run/vxm");
        fake_root_write("/run/vxm/e.conf.d/50-evil.conf", "[Guest]\nUser=evil\n");
        expect_owner_refusal("drop-in in a world-writable /run/vxm", "e", "/run/vxm", me, 0777, "chmod go-w /run/vxm");
        fake_root_write("/usr/lib/vxm/f.conf", "[Guest]\nCPUs=1\n");
        fake_root_symlink("/dev/null", "/run/vxm/f.conf");
        expect_owner_refusal("mask in a world-writable /run/vxm", "f", "/run/vxm", me, 0777, "chmod go-w /run/vxm");

        if (me != 0) {
                tap_diag("not root: the cases of files owned by another user are left out (they need chown)");
                messages_clear();
                return;
        }
        /* Owned by someone else (as root, chown to a numeric uid needs no such user). */
        fake_root_new();
        fake_root_write("/etc/vxm/u.conf", "[Guest]\nCPUs=1\n");
        fake_root_chown("/etc/vxm/u.conf", 54321);
        expect_owner_refusal("NAME.conf owned by uid 54321", "u", "/etc/vxm/u.conf", 54321, 0644,
                             "chown root: /etc/vxm/u.conf");
        fake_root_chmod("/etc/vxm/u.conf", 0664);
        expect_owner_refusal("NAME.conf owned by uid 54321, group-writable", "u", "/etc/vxm/u.conf", 54321, 0664,
                             "chown root: /etc/vxm/u.conf; chmod go-w /etc/vxm/u.conf");
        fake_root_new();
        fake_root_write("/etc/vxm/v.conf", "[Guest]\nCPUs=1\n");
        fake_root_write("/etc/vxm/v.conf.d/10.conf", "[Guest]\nCPUs=2\n");
        fake_root_chown("/etc/vxm/v.conf.d", 54321);
        expect_owner_refusal("NAME.conf.d owned by uid 54321", "v", "/etc/vxm/v.conf.d", 54321, 0755,
                             "chown root: /etc/vxm/v.conf.d");
        fake_root_chown("/etc/vxm/v.conf.d", 0);
        fake_root_chown("/etc/vxm/v.conf.d/10.conf", 54321);
        expect_owner_refusal("drop-in owned by uid 54321", "v", "/etc/vxm/v.conf.d/10.conf", 54321, 0644,
                             "chown root: /etc/vxm/v.conf.d/10.conf");
        fake_root_chown("/etc/vxm/v.conf.d/10.conf", 0);
        fake_root_chown("/etc/vxm", 54321);
        expect_owner_refusal("/etc/vxm owned by uid 54321", "v", "/etc/vxm", 54321, 0755, "chown root: /etc/vxm");
        messages_clear();
}

static void test_list(void) {
        char **l = NULL;

        fake_root_new();
        tap_is_int(guest_list(&l), 0, "guest_list with no config dirs");
        tap_ok(strv_length(l) == 0, "  ... is empty");
        l = strv_free(l);

        fake_root_write("/etc/vxm/zeta.conf", "");
        fake_root_write("/etc/vxm/alpha.conf", "");
        fake_root_symlink("/dev/null", "/etc/vxm/masked.conf");
        fake_root_write("/etc/vxm/README", "");
        fake_root_write("/etc/vxm/notes.conf~", "");
        fake_root_write("/etc/vxm/.hidden.conf", "");
        fake_root_write("/etc/vxm/alpha.conf.d/10.conf", "");
        fake_root_write("/run/vxm/alpha.conf", "");
        fake_root_write("/run/vxm/beta.conf", "");
        fake_root_write("/usr/lib/vxm/masked.conf", "");
        fake_root_write("/usr/lib/vxm/gamma.conf", "");
        fake_root_write("/usr/lib/vxm/bad@name.conf", "");
        fake_root_symlink("/dev/null", "/usr/lib/vxm/zeta.conf");
        fake_root_symlink("/dev/null", "/usr/lib/vxm/vendormasked.conf");

        tap_is_int(guest_list(&l), 0, "guest_list");
        const char *want[] = { "alpha", "bad@name", "beta", "gamma", "zeta", NULL };
        bool same = strv_length(l) == 5;
        for (size_t i = 0; same && want[i]; i++)
                same = strcmp(l[i], want[i]) == 0;
        if (!tap_ok(same, "guest_list: sorted, deduplicated, masks honoured, invalid names listed"))
                for (size_t i = 0; l && l[i]; i++)
                        tap_diag("  got: %s", l[i]);
        strv_free(l);
        EXPECT_NO_MESSAGES("guest_list");
}

static void test_tables(void) {
        tap_is_int((long long) looking_glass_size(1920, 1080), 32LL << 20, "Looking Glass 1080p -> 32M");
        tap_is_int((long long) looking_glass_size(2560, 1440), 64LL << 20, "Looking Glass 1440p -> 64M");
        tap_is_int((long long) looking_glass_size(3840, 2160), 128LL << 20, "Looking Glass 4K -> 128M");
        tap_is_int((long long) looking_glass_size(320, 200), 16LL << 20, "Looking Glass tiny -> 16M");

        /* Resolution= in a file selects the table entry. */
        static const struct {
                const char *res;
                unsigned long long size;
        } lg[] = { { "1920x1080", 32ULL << 20 }, { "2560x1440", 64ULL << 20 }, { "3840x2160", 128ULL << 20 } };
        for (size_t i = 0; i < ELEMENTSOF(lg); i++) {
                fake_root_new();
                char content[128];
                snprintf(content, sizeof content, "[LookingGlass]\nResolution=%s\n", lg[i].res);
                fake_root_write("/etc/vxm/lg.conf", content);
                Guest *g = load_ok("lg");
                char what[64];
                snprintf(what, sizeof what, "Resolution=%s -> lg_size", lg[i].res);
                if (g)
                        tap_is_int((long long) g->lg_size, (long long) lg[i].size, what);
                guest_free(g);
        }
}

/* [Boot]: direct kernel boot, its paths, and the keys it cannot go with. */
static void test_boot(void) {
        fake_root_new();
        fake_root_write("/etc/vxm/k.conf", "[Boot]\nKernel=/boot//vmlinuz-6.1\nInitrd=/boot/initrd.img\n"
                                           "Append=console=ttyS0 root=/dev/vda quiet\n");
        Guest *g = load_ok("k");
        EXPECT_NO_MESSAGES("[Boot]");
        if (g) {
                tap_is_str(g->kernel, "/boot/vmlinuz-6.1", "Kernel= (simplified)");
                tap_is_str(g->initrd, "/boot/initrd.img", "Initrd=");
                tap_is_str(g->append, "console=ttyS0 root=/dev/vda quiet", "Append=");
        }
        guest_free(g);

        bad_value("Boot", "Kernel=vmlinuz", "Kernel=vmlinuz: not an absolute path");
        bad_value("Boot", "Initrd=/boot/../initrd",
                  "Initrd=/boot/../initrd: a path must not contain \"..\" (systemd "
                  "refuses such paths)");

        fake_root_new();
        fake_root_write("/etc/vxm/ni.conf", "[Guest]\n[Boot]\nAppend=quiet\nInitrd=/boot/initrd.img\n");
        load_fails("ni", -EINVAL);
        EXPECT_MESSAGES("Initrd= without Kernel=",
                        "E: /etc/vxm/ni.conf:4: Initrd= needs Kernel= (the initrd and the command line belong to a "
                        "kernel QEMU loads itself)");
        fake_root_write("/etc/vxm/sb.conf", "[Firmware]\nSecureBoot=yes\n[Boot]\nKernel=/boot/vmlinuz\n");
        load_fails("sb", -EINVAL);
        EXPECT_MESSAGES("Kernel= with SecureBoot=yes",
                        "E: /etc/vxm/sb.conf:4: Kernel= boots without UEFI firmware, so it cannot be combined with "
                        "[Firmware] SecureBoot=yes");
        fake_root_write("/etc/vxm/cv.conf", "[Boot]\nKernel=/boot/vmlinuz\n[Firmware]\nCode=/a.fd\nVars=/b.fd\n");
        load_fails("cv", -EINVAL);
        EXPECT_MESSAGES("Kernel= with Code=/Vars=",
                        "E: /etc/vxm/cv.conf:2: Kernel= boots without UEFI firmware, so it cannot be combined with "
                        "[Firmware] Code= and Vars=");
}

int main(void) {
        log_set_max_level(LOG_INFO);
        log_set_sink(sink, NULL);

        test_defaults();
        test_every_key();
        test_bad_values();
        test_whole_file_errors();
        test_line_length();
        test_continuation_and_nul();
        test_unknown();
        test_precedence();
        test_dropins();
        test_names();
        test_special_files();
        test_ownership();
        test_list();
        test_tables();
        test_boot();

        fake_root_clear();
        messages_clear();
        root_reset();
        return tap_done();
}
