/* SPDX-License-Identifier: BSD-3-Clause */
/* Everything the QEMU command line needs to know about the host, found without changing anything, so that
 * `vxm show` and vxm-guest see the same thing and a bad ROM or disk is reported before QEMU runs. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config/guest-paths.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"
#include "qemu/mmio-window.h"
#include "qemu/qemu-argv.h"
#include "qemu/rom-file.h"

static int check_devices(const Guest *g) {
        int r = 0;
        for (size_t i = 0; i < g->n_devices; i++) {
                const GuestDevice *d = &g->devices[i];
                if (!d->rom_file)
                        continue;
                _cleanup_free_ char *reason = NULL;
                int k = rom_file_validate(d->rom_file, &reason);
                if (reason)
                        r = log_error_errno(k, "%s:%u: Device=: romfile=%s: %s", d->source.file, d->source.line,
                                            d->rom_file, reason);
                else if (k < 0)
                        r = log_error_errno(k, "%s:%u: Device=: romfile=%s: %m", d->source.file, d->source.line,
                                            d->rom_file);
        }
        return r;
}

static int probe_disks(const Guest *g, ImageFormat **ret) {
        _cleanup_free_ ImageFormat *formats = xmalloc((g->n_disks + 1) * sizeof *formats);
        int r = 0;
        for (size_t i = 0; i < g->n_disks; i++) {
                const GuestDisk *d = &g->disks[i];
                const char *name = NULL;
                _cleanup_free_ char *reason = NULL;
                /* Root runs this too (vxm show), and disks usually live in the guest's own directory. */
                _cleanup_close_ int fd = root_open_safe(d->path, SAFE_OPEN_BLOCK_DEVICE, &reason);
                int k = fd < 0 ? fd : image_format_probe_fd(fd, &formats[i], &name);
                if (reason)
                        r = log_error_errno(k, "%s:%u: Disk=%s: %s", d->source.file, d->source.line, d->path, reason);
                else if (k == -EMEDIUMTYPE)
                        r = log_error_errno(k,
                                            "%s:%u: Disk=%s: a %s image; vxm passes raw and qcow2 only (convert it "
                                            "with qemu-img convert -O qcow2)",
                                            d->source.file, d->source.line, d->path, name);
                else if (k < 0)
                        r = log_error_errno(k, "%s:%u: Disk=%s: %m", d->source.file, d->source.line, d->path);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(formats);
        return 0;
}

/* QEMU opens the kernel and the initrd itself, as the guest's user; a missing one is said here, with its line. */
static int check_boot_file(const Guest *g, const char *key, const char *path) {
        if (!path)
                return 0;
        const ConfigSource *src = guest_key_source(g, "Boot", key);
        struct stat st;
        int r = root_stat(path, &st);
        if (r >= 0 && !S_ISREG(st.st_mode))
                r = -EISDIR;
        if (r >= 0)
                return 0;
        if (r == -EISDIR)
                return log_error_errno(r, "%s:%u: %s=%s: not a regular file", src ? src->file : g->path,
                                       src ? src->line : 0, key, path);
        return log_error_errno(r, "%s:%u: %s=%s: %m", src ? src->file : g->path, src ? src->line : 0, key, path);
}

int qemu_plan_prepare(const Guest *g, QemuPlan *ret) {
        QemuPlan p = { .guest = g };
        int r = 0;

        if (g->memory % (1ULL << 20) != 0)
                r = log_error_errno(EINVAL, "%s: [Guest] Memory= must be a whole number of MiB", g->path);
        if (g->n_disks > QEMU_SLOTS_DISK)
                r = log_error_errno(EINVAL, "%s: [Storage] has %zu disks, at most %d are supported", g->path,
                                    g->n_disks, QEMU_SLOTS_DISK);
        if (check_devices(g) < 0)
                r = -EINVAL;
        if (probe_disks(g, &p.disk_formats) < 0)
                r = -EINVAL;
        if (g->kernel) {
                /* Direct kernel boot: QEMU's own BIOS loads it, no UEFI firmware and no variable store. */
                if (check_boot_file(g, "Kernel", g->kernel) < 0)
                        r = -EINVAL;
                if (check_boot_file(g, "Initrd", g->initrd) < 0)
                        r = -EINVAL;
        } else {
                int k = firmware_select(g, &p.firmware);
                if (k < 0)
                        r = k;
        }
        if (qemu_plan_shared(g, &p) < 0)
                r = -EINVAL;
        if (r < 0) {
                qemu_plan_done(&p);
                return r;
        }
        if (p.firmware) {
                p.vars = guest_vars_path(g->name, p.firmware->vars_template);
                /* OVMF's 64-bit PCI window; QEMU's BIOS (direct kernel boot) has no such setting */
                MmioWindow w;
                mmio_window_plan_with(g, p.vfs, g->n_vfs, &w); /* a VF's BARs count like a Device='s */
                p.ovmf_mmio64_mb = w.ovmf_mb;
        }
        *ret = p;
        return 0;
}

void qemu_plan_done(QemuPlan *p) {
        firmware_free(p->firmware);
        free(p->vars);
        free(p->disk_formats);
        qemu_plan_shared_done(p);
        *p = (QemuPlan){};
}
