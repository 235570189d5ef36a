/* SPDX-License-Identifier: BSD-3-Clause */
/* A guest's own settings against this host: its user, the accelerator, its disks, option ROM files, how much memory
 * it asks for. */
#include <errno.h>
#include <pwd.h>
#include <string.h>

#include "basic/format-util.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "qemu/image-format.h"
#include "qemu/rom-file.h"

static void run_user(CheckContext *c) {
        const Guest *g = c->guest;
        errno = 0;
        struct passwd *pw = getpwnam(g->user);
        if (!pw)
                check_fail(c, NULL, "create it (systemd-sysusers creates the vxm user) or change User= in [Guest]",
                           "user %s does not exist", g->user);
        else
                check_ok(c, NULL, "QEMU runs as %s (uid %u)", g->user, (unsigned) pw->pw_uid);
}
const Check check_user = { "user", CHECK_GUEST, run_user, "the guest's User= exists" };

static void run_accelerator(CheckContext *c) {
        if (c->guest->accelerator == ACCELERATOR_TCG)
                check_warn(c, NULL, "remove Accelerator=tcg unless this is a test: without KVM the guest is very slow",
                           "Accelerator=tcg (emulation)");
        else if (!root_exists("/dev/kvm"))
                check_fail(c, NULL,
                           "enable virtualization (VT-x/AMD-V) in the firmware setup and load kvm_intel or kvm_amd",
                           "Accelerator=kvm, but /dev/kvm is missing");
        else
                check_ok(c, NULL, "KVM");
}
const Check check_accelerator = { "accelerator", CHECK_GUEST, run_accelerator, "KVM is there for a KVM guest" };

static void run_disk(CheckContext *c) {
        const Guest *g = c->guest;
        for (size_t i = 0; i < g->n_disks; i++) {
                const GuestDisk *d = &g->disks[i];
                ImageFormat f;
                const char *name = NULL;
                int r = image_format_probe(d->path, &f, &name);
                _cleanup_free_ char *where = xasprintf("%s:%u", d->source.file, d->source.line);
                if (r == -ENOENT) {
                        _cleanup_free_ char *hint = xasprintf(
                                "create it (qemu-img create -f qcow2 %s 128G) or fix Disk= at %s", d->path, where);
                        check_fail(c, d->path, hint, "does not exist (Disk= at %s)", where);
                } else if (r == -EMEDIUMTYPE) {
                        _cleanup_free_ char *hint =
                                xasprintf("convert it: qemu-img convert -O qcow2 %s NEW.qcow2", d->path);
                        check_fail(c, d->path, hint, "is a %s image; vxm passes raw and qcow2 only", name);
                } else if (r < 0)
                        check_fail(c, d->path, "make it readable by root and the guest's user", "cannot be read: %s",
                                   strerror(-r));
                else
                        check_ok(c, d->path, "%s image", image_format_to_string(f));
        }
}
const Check check_disk = { "disk", CHECK_GUEST, run_disk, "every Disk= exists and is a raw or qcow2 image" };

/* A vBIOS dumped with a vendor header or from the wrong card is the classic black screen: QEMU takes any file. */
static void run_rom_file(CheckContext *c) {
        const Guest *g = c->guest;
        for (size_t i = 0; i < g->n_devices; i++) {
                const GuestDevice *d = &g->devices[i];
                if (!d->rom_file)
                        continue;
                const char *reason = NULL;
                int r = rom_file_validate(d->rom_file, &reason);
                _cleanup_free_ char *hint = xasprintf(
                        "dump the card's own ROM (echo 1 > /sys/bus/pci/devices/BDF/rom; cat .../rom > FILE, with no "
                        "driver bound) or strip the vendor header, or drop romfile= at %s:%u",
                        d->source.file, d->source.line);
                if (r == -EBADMSG)
                        check_fail(c, d->rom_file, hint, "is not a PCI option ROM: %s", reason);
                else if (r < 0)
                        check_fail(c, d->rom_file, hint, "cannot be read: %s", strerror(-r));
                else
                        check_ok(c, d->rom_file, "a PCI option ROM (0x55AA, PCIR)");
        }
}
const Check check_rom_file = { "rom-file", CHECK_GUEST, run_rom_file,
                               "every romfile= is a PCI option ROM (vBIOS) QEMU can use" };

static uint64_t meminfo_total(void) {
        _cleanup_free_ char *meminfo = NULL;
        unsigned long long kb;
        const char *p;
        if (root_read_file("/proc/meminfo", &meminfo, NULL) < 0 || !(p = strstr(meminfo, "MemTotal:")) ||
            sscanf(p, "MemTotal: %llu", &kb) != 1)
                return 0;
        return kb << 10;
}

static void run_memory(CheckContext *c) {
        const Guest *g = c->guest;
        uint64_t total = meminfo_total();
        _cleanup_free_ char *want = format_bytes(g->memory), *have = format_bytes(total);
        if (total > 0 && g->memory > total - total / 8)
                check_warn(c, NULL, "lower Memory=: the host needs an eighth of its memory or more for itself",
                           "Memory=%s, and the host has %s in all", want, have);
        else if (total > 0)
                check_ok(c, NULL, "Memory=%s of the host's %s", want, have);
}
const Check check_memory = { "memory", CHECK_GUEST, run_memory, "the guest leaves the host enough memory" };
