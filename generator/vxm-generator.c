/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-generator: turns /etc/vxm/NAME.conf into drop-ins for the shipped vxm-*@.service templates.
 * It only declares: no hardware access, no IPC, and a bad guest never stops the others from being generated. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/guest-limits.h"
#include "config/kernel-cmdline.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"
#include "vxm-config.h"

/* Time for QMP quit and SIGTERM after the guest's shutdown timeout ran out. */
#define STOP_GRACE_SEC 30

static const char *dest;
static int dest_fd = -1;

/* The other guests that name one of a guest's devices: indices into the guest array, ascending, no duplicates. */
typedef struct Conflicts {
        size_t *guests;
        size_t n;
} Conflicts;

typedef struct DeviceUse {
        PciAddress address;
        size_t guest;
        bool shared; /* VirtualFunction= of this PF or Mdev= on this parent: guests sharing it do not conflict */
} DeviceUse;

static int device_use_compare(const void *a, const void *b) {
        const DeviceUse *x = a, *y = b;
        int r = pci_address_compare(&x->address, &y->address);
        return r != 0 ? r : (x->guest > y->guest) - (x->guest < y->guest);
}

static int index_compare(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        return (x > y) - (x < y);
}

/* Sorts every (device, guest) pair by device, so guests sharing a device are neighbours: O(d log d) over all
 * devices, where comparing every pair of guests was quadratic (most of the run time with 1000 guests). */
static Conflicts *find_conflicts(Guest *const *guests, size_t n_guests) {
        size_t n_uses = 0;
        for (size_t i = 0; i < n_guests; i++)
                n_uses += guests[i]->n_devices + guests[i]->n_vfs + guests[i]->n_mdevs;

        DeviceUse *uses = xmalloc((n_uses + 1) * sizeof *uses);
        size_t k = 0;
        for (size_t i = 0; i < n_guests; i++) {
                for (size_t j = 0; j < guests[i]->n_devices; j++)
                        uses[k++] = (DeviceUse){ .address = guests[i]->devices[j].address, .guest = i };
                for (size_t j = 0; j < guests[i]->n_vfs; j++)
                        uses[k++] = (DeviceUse){ .address = guests[i]->vfs[j].pf, .guest = i, .shared = true };
                for (size_t j = 0; j < guests[i]->n_mdevs; j++) {
                        PciAddress a;
                        const char *parent = guests[i]->mdevs[j].parent;
                        if (parent && pci_address_parse(parent, &a, NULL) == 0)
                                uses[k++] = (DeviceUse){ .address = a, .guest = i, .shared = true };
                }
        }
        n_uses = k;
        qsort(uses, n_uses, sizeof *uses, device_use_compare);

        Conflicts *c = xmalloc(n_guests * sizeof *c);
        for (size_t a = 0, b; a < n_uses; a = b) {
                for (b = a + 1; b < n_uses && pci_address_equal(&uses[a].address, &uses[b].address); b++)
                        ;
                for (size_t i = a; i < b; i++)
                        for (size_t j = a; j < b; j++) {
                                /* Sharing a PF or an mdev parent is what they are for; taking it whole is not. */
                                if (uses[i].guest == uses[j].guest || (uses[i].shared && uses[j].shared))
                                        continue;
                                Conflicts *ci = &c[uses[i].guest];
                                ci->guests = xrealloc(ci->guests, (ci->n + 1) * sizeof *ci->guests);
                                ci->guests[ci->n++] = uses[j].guest;
                        }
        }
        free(uses);

        /* Two guests sharing two devices met twice. */
        for (size_t i = 0; i < n_guests; i++) {
                Conflicts *ci = &c[i];
                if (ci->n < 2)
                        continue;
                qsort(ci->guests, ci->n, sizeof *ci->guests, index_compare);
                size_t m = 0;
                for (size_t j = 0; j < ci->n; j++)
                        if (m == 0 || ci->guests[m - 1] != ci->guests[j])
                                ci->guests[m++] = ci->guests[j];
                ci->n = m;
        }
        return c;
}

/* Writes UNIT.d/50-vxm-generator.conf relative to the output dir: one mkdir, one open, one write per drop-in. */
static int write_dropin(const char *unit, const char *content, size_t size) {
        _cleanup_free_ char *dir = xasprintf("%s.d", unit);
        if (mkdirat(dest_fd, dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s/%s: %m", dest, dir);

        _cleanup_free_ char *file = xasprintf("%s/50-vxm-generator.conf", dir);
        _cleanup_close_ int fd = openat(dest_fd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create %s/%s: %m", dest, file);
        ssize_t n = write(fd, content, size);
        if (n != (ssize_t) size)
                return log_error_errno(n < 0 ? errno : EIO, "Failed to write %s/%s: %m", dest, file);
        return 0;
}

/* Drop-ins are composed in one reused memory buffer, then written at once. */
typedef struct Text {
        char *buf;
        size_t len, cap;
} Text;

static Text text;

/* The buffer is allocated before the first format: vsnprintf(t->buf + t->len, ...) on the initial NULL buffer would
 * compute NULL + 0, which C leaves undefined (UBSan's pointer-overflow check, e.g. clang's, reports it). */
static void text_reserve(Text *t, size_t n) {
        if (t->buf && t->cap - t->len >= n)
                return;
        t->cap = (t->len + n) * 2;
        t->buf = xrealloc(t->buf, t->cap);
}

static void text_printf(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_printf(Text *t, const char *fmt, ...) {
        text_reserve(t, 256);
        for (;;) {
                va_list ap;
                va_start(ap, fmt);
                int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
                va_end(ap);
                if (n < 0)
                        abort();
                if ((size_t) n < t->cap - t->len) {
                        t->len += (size_t) n;
                        return;
                }
                text_reserve(t, (size_t) n + 1);
        }
}

/* Writes value so that systemd reads it back verbatim: '%' would start a specifier. The loader guarantees there is
 * no control character (no newline or '\r' can start a second directive) and no odd number of trailing backslashes
 * (the line would be joined with the next one, swallowing the directive after it, and no escaping can carry such a
 * value unchanged). Should one get here anyway, the backslash is doubled: the unit keeps its shape. */
static void text_put_unit_value(Text *t, const char *value) {
        size_t trailing = 0;
        text_reserve(t, 1);
        for (const char *p = value; *p; p++) {
                text_reserve(t, 4);
                if (*p == '%')
                        t->buf[t->len++] = '%';
                t->buf[t->len++] = *p;
                trailing = *p == '\\' ? trailing + 1 : 0;
        }
        t->buf[t->len] = '\0';
        if (trailing % 2 == 1)
                text_printf(t, "\\");
}

static int text_write_dropin(Text *t, const char *unit) {
        int r = write_dropin(unit, t->buf, t->len);
        t->len = 0;
        return r;
}

/* KEY="PREFIX+path": quoted, so a blank in the path does not split it into two entries; '"' and '\\' are
 * backslash-escaped inside the quotes and '%' doubled, so systemd reads the path back verbatim. */
static void text_put_unit_path(Text *t, const char *key, const char *prefix, const char *path, const char *suffix) {
        text_printf(t, "%s=\"%s", key, prefix);
        for (const char *p = path; *p; p++) {
                if (*p == '"' || *p == '\\')
                        text_printf(t, "\\");
                text_printf(t, "%s%c", *p == '%' ? "%" : "", *p);
        }
        text_printf(t, "\"%s\n", suffix);
}

static bool path_is_under(const char *path, const char *dir) {
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static bool path_is_in_home(const char *path) {
        return path &&
               (path_is_under(path, "/home") || path_is_under(path, "/root") || path_is_under(path, "/run/user"));
}

/* The guest template runs QEMU with ProtectSystem=strict, ProtectHome=yes and DevicePolicy=closed. Open exactly
 * what this guest's config names: its writable disk images (the state directory is writable already), block
 * devices used as disks, /home when an image, firmware or kernel lives there, /dev/net/tun for a bridge, no network at
 * all for Mode=none. */
static void write_guest_sandbox(Text *t, const Guest *g) {
        _cleanup_free_ char *state = xasprintf("/var/lib/vxm/%s", g->name);
        bool home = path_is_in_home(g->firmware_code) || path_is_in_home(g->firmware_vars) ||
                    path_is_in_home(g->kernel) || path_is_in_home(g->initrd);

        for (size_t i = 0; i < g->n_devices; i++)
                home = home || path_is_in_home(g->devices[i].rom_file);
        for (size_t i = 0; i < g->n_disks; i++) {
                const GuestDisk *d = &g->disks[i];
                home = home || path_is_in_home(d->path);
                if (path_is_under(d->path, "/dev"))
                        text_put_unit_path(t, "DeviceAllow", "", d->path, d->read_only ? " r" : " rw");
                else if (!d->read_only && !path_is_under(d->path, state))
                        /* '-': a missing image is reported by vxm-guest with its file:line, not as a namespace
                         * setup failure. */
                        text_put_unit_path(t, "ReadWritePaths", "-", d->path, "");
        }
        if (home)
                text_printf(t, "ProtectHome=read-only\n");
        if (g->network == NETWORK_BRIDGE)
                text_printf(t, "DeviceAllow=/dev/net/tun rw\n");
        /* The nodes themselves are opened up one by one (ACLs by vxm-input, ownership by vxm-lookingglass); the
         * device policy only has to let their majors through. */
        if (g->keyboard_auto || g->mouse_auto || g->keyboards || g->mice)
                text_printf(t, "DeviceAllow=char-input rw\n");
        if (g->looking_glass)
                text_printf(t, "DeviceAllow=char-kvmfr rw\n");
        /* Without a NIC, QEMU has no business with the host's network at all. */
        if (g->network == NETWORK_NONE)
                text_printf(t, "PrivateNetwork=yes\n");
}

/* Is this the first of the guest's VirtualFunction= lines for its PF? (Each PF is named once per unit.) */
static bool vf_line_is_first_for_pf(const Guest *g, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (pci_address_equal(&g->vfs[j].pf, &g->vfs[i].pf))
                        return false;
        return true;
}

/* Requires=/After= on vxm-sriov@PF for each PF of the guest's VirtualFunction= lines. */
static void write_pf_requires(Text *t, const Guest *g) {
        for (size_t i = 0; i < g->n_vfs; i++) {
                if (!vf_line_is_first_for_pf(g, i))
                        continue;
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->vfs[i].pf, bdf);
                text_printf(t, "Requires=vxm-sriov@%s.service\nAfter=vxm-sriov@%s.service\n", bdf, bdf);
        }
}

/* Requires=/After= on what shares devices for the guest: vxm-vf@NAME (the VFs, known only at start) and, for
 * vxm-undo@, each PF's vxm-sriov@ (after a failed start it stops the guest's direct requirements); vxm-mdev@NAME. */
static void write_shared_requires(Text *t, const Guest *g) {
        if (g->n_vfs > 0)
                text_printf(t, "Requires=vxm-vf@%s.service\nAfter=vxm-vf@%s.service\n", g->name, g->name);
        write_pf_requires(t, g);
        if (g->n_mdevs > 0)
                text_printf(t, "Requires=vxm-mdev@%s.service\nAfter=vxm-mdev@%s.service\n", g->name, g->name);
}

/* vxm-vf@NAME: its PFs' VFs must exist before it takes one. */
static int write_vf_dropin(const Guest *g) {
        Text *t = &text;
        text_printf(t, "# Automatically generated by vxm-generator\n\n[Unit]\nSourcePath=%s\n", g->path);
        write_pf_requires(t, g);
        _cleanup_free_ char *unit = xasprintf("vxm-vf@%s.service", g->name);
        return text_write_dropin(t, unit);
}

static bool guest_has_vf_of(const Guest *g, const PciAddress *pf) {
        for (size_t i = 0; i < g->n_vfs; i++)
                if (pci_address_equal(&g->vfs[i].pf, pf))
                        return true;
        return false;
}

/* vxm-sriov@PF failing must undo the other steps of every guest that shares the PF, like a vxm-vfio@ failure. One
 * drop-in per PF, written by its first guest, naming all of them. */
static int write_sriov_dropins(const Guest *g, size_t index, Guest *const *all, size_t n_all) {
        for (size_t i = 0; i < g->n_vfs; i++) {
                const PciAddress *pf = &g->vfs[i].pf;
                bool done = !vf_line_is_first_for_pf(g, i);
                for (size_t j = 0; j < index && !done; j++)
                        done = guest_has_vf_of(all[j], pf);
                if (done)
                        continue;

                Text *t = &text;
                text_printf(t,
                            "# Automatically generated by vxm-generator\n\n[Unit]\nSourcePath=%s\nOnFailure=", g->path);
                for (size_t j = index; j < n_all; j++)
                        if (guest_has_vf_of(all[j], pf))
                                text_printf(t, "%svxm-undo@%s.service", j == index ? "" : " ", all[j]->name);
                text_printf(t, "\n");

                char bdf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *unit = xasprintf("vxm-sriov@%s.service", pci_address_format(pf, bdf));
                int r = text_write_dropin(t, unit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int write_guest_dropin(const Guest *g, Guest *const *all, const Conflicts *conflicts) {
        Text *t = &text;

        text_printf(t, "# Automatically generated by vxm-generator\n\n[Unit]\nSourcePath=%s\nDescription=", g->path);
        text_put_unit_value(t, g->description);
        text_printf(t, "\n");

        for (size_t i = 0; i < g->n_devices; i++) {
                char bdf[PCI_ADDRESS_STRLEN];
                pci_address_format(&g->devices[i].address, bdf);
                text_printf(t, "Requires=vxm-vfio@%s.service\nAfter=vxm-vfio@%s.service\n", bdf, bdf);
        }
        write_shared_requires(t, g);
        if (g->hugepages != HUGEPAGES_NO)
                text_printf(t, "Requires=vxm-hugepages@%s.service\nAfter=vxm-hugepages@%s.service\n", g->name, g->name);
        if (g->tpm)
                text_printf(t, "Requires=vxm-swtpm@%s.service\nAfter=vxm-swtpm@%s.service\n", g->name, g->name);
        if (g->looking_glass)
                text_printf(t, "Requires=vxm-lookingglass@%s.service\nAfter=vxm-lookingglass@%s.service\n", g->name,
                            g->name);
        if (g->keyboard_auto || g->mouse_auto || g->keyboards || g->mice)
                text_printf(t, "Requires=vxm-input@%s.service\nAfter=vxm-input@%s.service\n", g->name, g->name);
        /* IsolateHost=: the host is confined before QEMU's first instruction, and given its CPUs back after QEMU. */
        if (g->placement.isolate_host)
                text_printf(t, "Requires=vxm-isolate@%s.service\nAfter=vxm-isolate@%s.service\n", g->name, g->name);
        /* The monitor follows the guest: vxm-ddc@ binds to the guest unit and is ordered after it. */
        if (g->monitor)
                text_printf(t, "Wants=vxm-ddc@%s.service\n", g->name);
        for (size_t i = 0; i < conflicts->n; i++)
                text_printf(t, "Conflicts=vxm-guest@%s.service\n", all[conflicts->guests[i]]->name);

        /* vxm-guest stop waits ShutdownTimeout= for the guest's own shutdown, then asks QEMU to quit, then
         * terminates it: systemd must not kill it before that last step had its time. */
        text_printf(t, "\n[Service]\nUser=%s\nTimeoutStopSec=%u\n", g->user, g->shutdown_timeout + STOP_GRACE_SEC);
        /* ShutdownTimeout=0 presses no power button, so ExecStop= would only ask QEMU to quit, and that process costs
         * more than the quit (a sandboxed command systemd forks and sets up). QEMU takes systemd's SIGTERM as the
         * same request: it stops the guest and exits, and down runs next. */
        if (g->shutdown_timeout == 0)
                text_printf(t, "ExecStop=\n");
        /* VFIO pins the guest's memory, and QEMU runs unprivileged: see config/guest-limits.h. */
        if (guest_memlock_limit(g) > 0)
                text_printf(t, "LimitMEMLOCK=%llu\n", (unsigned long long) guest_memlock_limit(g));
        write_guest_sandbox(t, g);

        _cleanup_free_ char *unit = xasprintf("vxm-guest@%s.service", g->name);
        return text_write_dropin(t, unit);
}

/* A device's binding failing must undo the other steps of every guest that lists it (systemd does not stop the
 * steps that did start when a start job fails for a dependency, see vxm-undo@.service). One drop-in per device,
 * written when its first guest comes along, naming all of them. */
static int write_vfio_dropins(const Guest *g, size_t index, Guest *const *all, const Conflicts *conflicts) {
        for (size_t d = 0; d < g->n_devices; d++) {
                const PciAddress *a = &g->devices[d].address;
                bool done = false;
                for (size_t j = 0; j < conflicts->n && !done; j++)
                        done = conflicts->guests[j] < index && guest_has_device(all[conflicts->guests[j]], a);
                if (done)
                        continue;

                Text *t = &text;
                text_printf(t,
                            "# Automatically generated by vxm-generator\n\n[Unit]\nSourcePath=%s\n"
                            "OnFailure=vxm-undo@%s.service",
                            g->path, g->name);
                for (size_t j = 0; j < conflicts->n; j++)
                        if (guest_has_device(all[conflicts->guests[j]], a))
                                text_printf(t, " vxm-undo@%s.service", all[conflicts->guests[j]]->name);
                text_printf(t, "\n");

                char bdf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *unit = xasprintf("vxm-vfio@%s.service", pci_address_format(a, bdf));
                int r = text_write_dropin(t, unit);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Preparation steps that run as the guest's user need to know who that is. */
static int write_user_dropin(const Guest *g, const char *template) {
        Text *t = &text;
        text_printf(t, "# Automatically generated by vxm-generator\n\n[Unit]\nSourcePath=%s\n\n[Service]\nUser=%s\n",
                    g->path, g->user);

        _cleanup_free_ char *unit = xasprintf("%s@%s.service", template, g->name);
        return text_write_dropin(t, unit);
}

static int link_autostart(const Guest *g) {
        static bool have_wants_dir = false;
        if (!have_wants_dir) {
                if (mkdirat(dest_fd, "multi-user.target.wants", 0755) < 0 && errno != EEXIST)
                        return log_error_errno(errno, "Failed to create %s/multi-user.target.wants: %m", dest);
                have_wants_dir = true;
        }

        _cleanup_free_ char *link = xasprintf("multi-user.target.wants/vxm-guest@%s.service", g->name);
        if (symlinkat(VXM_SYSTEMUNITDIR "/vxm-guest@.service", dest_fd, link) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s/%s: %m", dest, link);
        return 0;
}

/* Two autostarted guests that share a device would each cancel the other's start job at boot: say so at the line
 * that asks for it. Both are still generated; which one wins is up to the boot transaction. */
static void warn_autostart_conflicts(Guest *const *guests, size_t n_guests, const Conflicts *conflicts) {
        for (size_t i = 0; i < n_guests; i++) {
                if (!guests[i]->autostart)
                        continue;
                for (size_t j = 0; j < conflicts[i].n; j++) {
                        const Guest *other = guests[conflicts[i].guests[j]];
                        if (!other->autostart || conflicts[i].guests[j] < i)
                                continue;
                        const ConfigSource *src = guest_key_source(other, "Guest", "Autostart");
                        log_warning("%s:%u: Autostart=yes, but guest %s shares a PCI device with guest %s, which is "
                                    "also started at boot: only one of them can run.",
                                    src ? src->file : other->path, src ? src->line : 0, other->name, guests[i]->name);
                }
        }
}

static bool autostart_allowed(void) {
        _cleanup_free_ char *value = NULL;
        bool b;

        int r = kernel_cmdline_get("vxm.autostart", &value);
        if (r < 0) {
                log_warning_errno(r, "Failed to read the kernel command line, assuming autostart is allowed: %m");
                return true;
        }
        if (r == 0 || !*value)
                return true;
        if (parse_boolean(value, &b) < 0) {
                log_warning("Kernel command line: vxm.autostart=%s is not a boolean, ignoring.", value);
                return true;
        }
        if (!b)
                log_notice("vxm.autostart=%s on the kernel command line: no guest is started at boot.", value);
        return b;
}

static LogTarget pick_log_target(void) {
        const char *t = getenv("SYSTEMD_LOG_TARGET");
        if (t && (strcmp(t, "console") == 0 || strcmp(t, "stderr") == 0))
                return LOG_TARGET_STDERR;
        if (t && strcmp(t, "kmsg") == 0)
                return LOG_TARGET_KMSG;
        /* Under systemd stderr goes nowhere useful this early in boot. */
        return getenv("SYSTEMD_SCOPE") || !isatty(STDERR_FILENO) ? LOG_TARGET_KMSG : LOG_TARGET_STDERR;
}

static int run(void) {
        _cleanup_strv_free_ char **names = NULL;
        Guest **guests = NULL;
        size_t n_guests = 0;
        unsigned skipped = 0;
        int r;

        r = guest_list(&names);
        if (r < 0)
                return r;

        config_cache_begin();

        for (size_t i = 0; names && names[i]; i++) {
                Guest *g;
                r = guest_load(names[i], &g);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        log_error("Guest %s has errors, not generating its units.", names[i]);
                        skipped++;
                        continue;
                }
                guests = xrealloc(guests, (n_guests + 1) * sizeof *guests);
                guests[n_guests++] = g;
        }
        config_cache_end();

        bool any_autostart = false;
        for (size_t i = 0; i < n_guests; i++)
                any_autostart = any_autostart || guests[i]->autostart;
        bool autostart = any_autostart && autostart_allowed();
        Conflicts *conflicts = find_conflicts(guests, n_guests);
        warn_autostart_conflicts(guests, n_guests, conflicts);
        for (size_t i = 0; i < n_guests; i++) {
                Guest *g = guests[i];
                r = write_guest_dropin(g, guests, &conflicts[i]);
                if (r >= 0)
                        r = write_vfio_dropins(g, i, guests, &conflicts[i]);
                if (r >= 0 && g->tpm)
                        r = write_user_dropin(g, "vxm-swtpm");
                if (r >= 0 && g->n_vfs > 0)
                        r = write_vf_dropin(g);
                if (r >= 0)
                        r = write_sriov_dropins(g, i, guests, n_guests);
                if (r >= 0 && g->autostart && autostart)
                        r = link_autostart(g);
                if (r < 0)
                        skipped++;
                else
                        log_debug("Generated units for guest %s from %s.", g->name, g->path);
        }

        for (size_t i = 0; i < n_guests; i++) {
                free(conflicts[i].guests);
                guest_free(guests[i]);
        }
        free(conflicts);
        free(guests);
        return skipped > 0 ? -EINVAL : 0;
}

int main(int argc, char *argv[]) {
        log_setup("vxm-generator", pick_log_target());

        if (argc != 2 && argc != 4) {
                log_error("This program takes one or three arguments (see systemd.generator(7)).");
                return 2;
        }
        dest = argv[1];
        umask(0022);
        dest_fd = open(dest, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (dest_fd < 0) {
                log_error_errno(errno, "Failed to open the output directory %s: %m", dest);
                return 1;
        }

        return run() < 0 ? 1 : 0;
}
