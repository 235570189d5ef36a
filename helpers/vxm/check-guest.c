/* SPDX-License-Identifier: BSD-3-Clause */
/* A guest's own settings against this host: its user, the accelerator, its disks, option ROM files, how much memory
 * it asks for. */
#include <errno.h>
#include <pwd.h>
#include <string.h>

#include "basic/format-util.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"
#include "basic/strv.h"
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

/* QEMU and swtpm run as User=, and everything a guest has belongs to that user: guests that share one share it all. */
static void run_shared_user(CheckContext *c) {
        const Guest *g = c->guest;
        _cleanup_strv_free_ char **names = NULL, **same = NULL;
        if (guest_list(&names) < 0)
                return;
        int level = log_get_max_level();
        log_set_max_level(LOG_CRIT); /* the other guests' own mistakes are reported in their own sections */
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_guest_free_ Guest *o = NULL;
                if (strcmp(names[i], g->name) != 0 && guest_load(names[i], &o) >= 0 && o &&
                    strcmp(o->user, g->user) == 0)
                        strv_push(&same, names[i]);
        }
        log_set_max_level(level);
        if (!same) {
                check_ok(c, NULL, "no other guest runs as %s", g->user);
                return;
        }
        _cleanup_free_ char *others = strv_join(same, ", ");
        _cleanup_free_ char *hint = xasprintf(
                "give guest %s a user of its own: User=vxm-%s in [Guest] of %s, created with a sysusers.d line "
                "'u vxm-%s - \"vxm guest %s\" /var/lib/vxm' and 'm vxm-%s kvm', then chown -R vxm-%s: "
                "/var/lib/vxm/%s (see \"Guests that share a user\" in vxm.conf(5))",
                g->name, g->name, g->path, g->name, g->name, g->name, g->name, g->name);
        check_warn(c, NULL, hint,
                   "%s is also the user of guest%s %s: each guest's QEMU can read and write the others' disks, "
                   "UEFI variables and TPM state, control them over QMP, and open what is lent to them while they run",
                   g->user, same[1] ? "s" : "", others);
}
const Check check_shared_user = { "shared-user", CHECK_GUEST, run_shared_user,
                                  "no other guest runs as the same User= (they would share everything it owns)" };

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
                _cleanup_free_ char *reason = NULL, *where = xasprintf("%s:%u", d->source.file, d->source.line);
                /* As root, in a directory the guest's user owns: no link followed, no FIFO waited on. */
                _cleanup_close_ int fd = root_open_safe(d->path, SAFE_OPEN_BLOCK_DEVICE, &reason);
                int r = fd < 0 ? fd : image_format_probe_fd(fd, &f, &name);
                if (reason) {
                        _cleanup_free_ char *hint =
                                xasprintf("make it a regular file or block device, or fix Disk= at %s", where);
                        check_fail(c, d->path, hint, "%s (Disk= at %s)", reason, where);
                } else if (r == -ENOENT) {
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
                _cleanup_free_ char *reason = NULL;
                int r = rom_file_validate(d->rom_file, &reason);
                _cleanup_free_ char *hint = xasprintf(
                        "dump the card's own ROM (echo 1 > /sys/bus/pci/devices/BDF/rom; cat .../rom > FILE, with no "
                        "driver bound) or strip the vendor header, or drop romfile= at %s:%u",
                        d->source.file, d->source.line);
                if (r == -EBADMSG)
                        check_fail(c, d->rom_file, hint, "is not a PCI option ROM: %s", reason);
                else if (reason)
                        check_fail(c, d->rom_file, hint, "%s", reason);
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
