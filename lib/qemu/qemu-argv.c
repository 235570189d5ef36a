/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "config/guest-paths.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "host/hugepages.h"
#include "qemu/qemu-argv.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/tap.h"

/* --- building blocks --- */

char *qemu_escape(const char *s) {
        size_t n = 0;
        for (const char *c = s; *c; c++)
                n += *c == ',' ? 2 : 1;
        char *out = xmalloc(n + 1), *o = out;
        for (const char *c = s; *c; c++) {
                *o++ = *c;
                if (*c == ',')
                        *o++ = ',';
        }
        *o = '\0';
        return out;
}

void opt_string_init(OptString *o, const char *head) {
        o->s = xstrdup(head ? head : "");
}

void opt_string_add(OptString *o, const char *key, const char *value) {
        _cleanup_free_ char *v = qemu_escape(value);
        char *s = xasprintf("%s%s%s=%s", o->s, o->s[0] ? "," : "", key, v);
        free(o->s);
        o->s = s;
}

void opt_string_addf(OptString *o, const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *v;
        if (vasprintf(&v, fmt, ap) < 0)
                abort();
        va_end(ap);
        opt_string_add(o, key, v);
        free(v);
}

void opt_string_add_path(OptString *o, const char *key, const char *path) {
        _cleanup_free_ char *p = root_path(path);
        opt_string_add(o, key, p);
}

void qemu_argv_add(QemuArgv *a, const char *arg) {
        strv_push(&a->args, arg);
}

void qemu_argv_add_opts(QemuArgv *a, const char *flag, OptString *o) {
        strv_push(&a->args, flag);
        strv_consume(&a->args, TAKE_PTR(o->s));
}

void qemu_argv_add_machine(QemuArgv *a, const char *key, const char *value) {
        _cleanup_free_ char *v = qemu_escape(value);
        strv_consume(&a->machine, xasprintf("%s=%s", key, v));
}

const char *qemu_binary(void) {
        const char *e = getenv("VXM_QEMU");
        return e && *e ? e : "qemu-system-x86_64";
}

/* FNV-1a: tiny, stable across versions and architectures, good enough to spread names over 24 bits. */
void guest_mac_address(const char *name, char buf[static 18]) {
        uint32_t h = 2166136261u;
        for (const unsigned char *c = (const unsigned char *) name; *c; c++)
                h = (h ^ *c) * 16777619u;
        snprintf(buf, 18, "52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

/* --- the parts, one concern each --- */

static int part_platform(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        qemu_argv_add(a, "-accel");
        qemu_argv_add(a, g->accelerator == ACCELERATOR_TCG ? "tcg" : "kvm");
        /* VMware's I/O port backdoor is of no use to a passthrough guest. */
        qemu_argv_add_machine(a, "vmport", "off");
        /* No emulated display, no default devices, no host-wide QEMU config: the guest has exactly what is below. */
        qemu_argv_add(a, "-nodefaults");
        qemu_argv_add(a, "-no-user-config");
        qemu_argv_add(a, "-display");
        qemu_argv_add(a, "none");
        qemu_argv_add(a, "-vga");
        qemu_argv_add(a, "none");
        /* Suspend with an assigned GPU does not come back on most hardware; do not offer S3/S4 to the guest. */
        qemu_argv_add(a, "-global");
        qemu_argv_add(a, "ICH9-LPC.disable_s3=1");
        qemu_argv_add(a, "-global");
        qemu_argv_add(a, "ICH9-LPC.disable_s4=1");
        return 0;
}

/* Hyper-V enlightenments Windows uses for timers, interrupts and spinlocks; hv_vendor_id replaces "Microsoft Hv"
 * (old NVIDIA drivers refused that, Code 43). TCG rejects most of them, so TCG gets plain "max". */
static const char hyperv_flags[] = "hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_vpindex,hv_runtime,hv_synic,hv_stimer,"
                                   "hv_reset,hv_frequencies,hv_time,hv_vendor_id=vxm";

static int part_cpu(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        qemu_argv_add(a, "-cpu");
        if (g->accelerator == ACCELERATOR_TCG)
                qemu_argv_add(a, "max");
        else {
                _cleanup_free_ char *cpu = xasprintf("host,%s", hyperv_flags);
                qemu_argv_add(a, cpu);
                /* hv_stimer replaces the HPET; Windows otherwise prefers the slower emulated one. */
                qemu_argv_add_machine(a, "hpet", "off");
        }
        /* One socket: Windows client editions use at most one or two sockets and would ignore the rest. */
        OptString o;
        _cleanup_free_ char *n = xasprintf("%u", g->cpus);
        opt_string_init(&o, n);
        opt_string_add(&o, "sockets", "1");
        opt_string_addf(&o, "cores", "%u", g->cpus);
        opt_string_add(&o, "threads", "1");
        qemu_argv_add_opts(a, "-smp", &o);
        return 0;
}

static int part_memory(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        unsigned long long mib = g->memory >> 20;
        OptString o;
        _cleanup_free_ char *size = xasprintf("%lluM", mib);
        opt_string_init(&o, size);
        qemu_argv_add_opts(a, "-m", &o);

        if (g->hugepages == HUGEPAGES_NO)
                return 0;
        /* A hugetlb memfd needs no hugetlbfs mount the guest's user could write to: it draws from the pages that
         * vxm-hugepages@ reserved. prealloc makes a shortage fail at start, not as a SIGBUS in a running guest. */
        opt_string_init(&o, "memory-backend-memfd");
        opt_string_add(&o, "id", "vxm-ram");
        opt_string_add(&o, "size", size);
        opt_string_add(&o, "hugetlb", "on");
        opt_string_add(&o, "hugetlbsize", g->hugepages == HUGEPAGES_1G ? "1G" : "2M");
        opt_string_add(&o, "prealloc", "on");
        opt_string_add(&o, "share", "on");
        /* vxm-hugepages@ reserved the pages on the GPU's NUMA node: take them from there, so the guest's memory is
         * local to the device doing DMA into it. */
        HugepagePool pool;
        if (hugepage_pool_for_guest(g, &pool) >= 0 && pool.node >= 0) {
                _cleanup_free_ char *node = xasprintf("%d", pool.node);
                opt_string_add(&o, "host-nodes", node);
                opt_string_add(&o, "policy", "bind");
        }
        qemu_argv_add_opts(a, "-object", &o);
        qemu_argv_add_machine(a, "memory-backend", "vxm-ram");
        return 0;
}

static void add_flash(QemuArgv *a, const char *node, const char *path, ImageFormat format, bool read_only) {
        OptString o;
        opt_string_init(&o, NULL);
        opt_string_add(&o, "node-name", node);
        opt_string_add(&o, "driver", image_format_to_string(format));
        opt_string_add(&o, "read-only", read_only ? "on" : "off");
        opt_string_add(&o, "file.driver", "file");
        opt_string_add_path(&o, "file.filename", path);
        qemu_argv_add_opts(a, "-blockdev", &o);
}

static int part_firmware(QemuArgv *a, const QemuPlan *p) {
        const Firmware *fw = p->firmware;
        if (!fw)
                return 0; /* direct kernel boot: QEMU's built-in BIOS */
        add_flash(a, "vxm-code", fw->code, fw->code_format, true);
        add_flash(a, "vxm-vars", p->vars, fw->vars_format, false);
        qemu_argv_add_machine(a, "pflash0", "vxm-code");
        qemu_argv_add_machine(a, "pflash1", "vxm-vars");
        if (fw->requires_smm) {
                /* The varstore is only writable from SMM: the guest OS cannot tamper with Secure Boot keys. */
                qemu_argv_add_machine(a, "smm", "on");
                qemu_argv_add(a, "-global");
                qemu_argv_add(a, "driver=cfi.pflash01,property=secure,value=on");
        }
        return 0;
}

/* [Boot] Kernel=: QEMU reads these options' values as they are (no ',' splitting), so they need no escaping. */
static int part_boot(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        if (!g->kernel)
                return 0;
        qemu_argv_add(a, "-kernel");
        strv_consume(&a->args, root_path(g->kernel));
        if (g->initrd) {
                qemu_argv_add(a, "-initrd");
                strv_consume(&a->args, root_path(g->initrd));
        }
        if (g->append) {
                qemu_argv_add(a, "-append");
                qemu_argv_add(a, g->append);
        }
        return 0;
}

static int compare_devices(const void *x, const void *y) {
        const GuestDevice *a = *(const GuestDevice *const *) x, *b = *(const GuestDevice *const *) y;
        return pci_address_compare(&a->address, &b->address);
}

/* Each host slot gets its own pcie-root-port; its functions stay together in one multifunction device, in the
 * same order, so a GPU's audio function is function 1 next to the GPU as the drivers expect. */
static int part_passthrough(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        if (g->n_devices == 0)
                return 0;

        _cleanup_free_ const GuestDevice **sorted = xmalloc(g->n_devices * sizeof *sorted);
        for (size_t i = 0; i < g->n_devices; i++)
                sorted[i] = &g->devices[i];
        qsort(sorted, g->n_devices, sizeof *sorted, compare_devices);

        unsigned port = 0;
        for (size_t i = 0; i < g->n_devices;) {
                size_t end = i + 1;
                while (end < g->n_devices && pci_address_same_slot(&sorted[i]->address, &sorted[end]->address))
                        end++;
                if (port >= QEMU_SLOTS_PASSTHROUGH)
                        return log_error_errno(E2BIG, "%s: more than %d PCI slots to pass through", g->path,
                                               QEMU_SLOTS_PASSTHROUGH);

                char rp[16];
                snprintf(rp, sizeof rp, "vxm-rp%u", port);
                OptString o;
                opt_string_init(&o, "pcie-root-port");
                opt_string_add(&o, "id", rp);
                opt_string_add(&o, "bus", "pcie.0");
                opt_string_addf(&o, "chassis", "%u", port + 1);
                opt_string_addf(&o, "addr", "%02x.0", QEMU_SLOT_PASSTHROUGH_FIRST + port);
                qemu_argv_add_opts(a, "-device", &o);

                for (size_t f = 0; f < end - i; f++) {
                        const GuestDevice *d = sorted[i + f];
                        char bdf[PCI_ADDRESS_STRLEN];
                        opt_string_init(&o, "vfio-pci");
                        opt_string_add(&o, "host", pci_address_format(&d->address, bdf));
                        opt_string_add(&o, "bus", rp);
                        opt_string_addf(&o, "addr", "00.%zu", f);
                        if (f == 0 && end - i > 1)
                                opt_string_add(&o, "multifunction", "on");
                        if (d->rom_file)
                                opt_string_add_path(&o, "romfile", d->rom_file);
                        qemu_argv_add_opts(a, "-device", &o);
                }
                port++;
                i = end;
        }
        return 0;
}

static int part_disks(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        for (size_t i = 0; i < g->n_disks; i++) {
                const GuestDisk *d = &g->disks[i];
                char node[32], file[40];
                snprintf(node, sizeof node, "vxm-disk%zu", i);
                snprintf(file, sizeof file, "%s-file", node);
                const char *ro = d->read_only ? "on" : "off";

                OptString o;
                opt_string_init(&o, NULL);
                opt_string_add(&o, "node-name", file);
                opt_string_add(&o, "driver", "file");
                opt_string_add_path(&o, "filename", d->path);
                opt_string_add(&o, "read-only", ro);
                /* Let the guest's TRIM reach a sparse image or an SSD. */
                opt_string_add(&o, "discard", "unmap");
                qemu_argv_add_opts(a, "-blockdev", &o);

                opt_string_init(&o, NULL);
                opt_string_add(&o, "node-name", node);
                opt_string_add(&o, "driver", image_format_to_string(p->disk_formats[i]));
                opt_string_add(&o, "file", file);
                opt_string_add(&o, "read-only", ro);
                opt_string_add(&o, "discard", "unmap");
                qemu_argv_add_opts(a, "-blockdev", &o);

                opt_string_init(&o, d->bus == DISK_BUS_NVME ? "nvme" : "virtio-blk-pci");
                opt_string_add(&o, "drive", node);
                if (d->bus == DISK_BUS_NVME)
                        opt_string_add(&o, "serial", node); /* required by QEMU's nvme */
                opt_string_add(&o, "bus", "pcie.0");
                opt_string_addf(&o, "addr", "%02zx.0", QEMU_SLOT_DISK_FIRST + i);
                qemu_argv_add_opts(a, "-device", &o);
        }
        return 0;
}

static int part_network(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        if (g->network == NETWORK_NONE)
                return 0;

        OptString o;
        if (g->network == NETWORK_BRIDGE) {
                /* The tap device is made by vxm-guest network-up (root, ExecStartPre=+), owned by the guest's user
                 * and already on the bridge: QEMU only opens it, and needs neither privileges nor scripts. */
                char tap[TAP_NAME_MAX];
                guest_tap_name(g->name, tap);
                opt_string_init(&o, "tap");
                opt_string_add(&o, "id", "vxm-net");
                opt_string_add(&o, "ifname", tap);
                opt_string_add(&o, "script", "no");
                opt_string_add(&o, "downscript", "no");
        } else {
                opt_string_init(&o, "user");
                opt_string_add(&o, "id", "vxm-net");
        }
        qemu_argv_add_opts(a, "-netdev", &o);

        char mac[18];
        if (!g->mac)
                guest_mac_address(g->name, mac);
        opt_string_init(&o, "virtio-net-pci");
        opt_string_add(&o, "netdev", "vxm-net");
        opt_string_add(&o, "mac", g->mac ? g->mac : mac);
        opt_string_add(&o, "bus", "pcie.0");
        opt_string_addf(&o, "addr", "%02x.0", QEMU_SLOT_NETWORK);
        qemu_argv_add_opts(a, "-device", &o);
        return 0;
}

static int part_tpm(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        if (!g->tpm)
                return 0;
        _cleanup_free_ char *sock = guest_swtpm_socket(g->name);
        OptString o;
        opt_string_init(&o, "socket");
        opt_string_add(&o, "id", "vxm-tpm-chr");
        opt_string_add_path(&o, "path", sock);
        qemu_argv_add_opts(a, "-chardev", &o);
        opt_string_init(&o, "emulator");
        opt_string_add(&o, "id", "vxm-tpm");
        opt_string_add(&o, "chardev", "vxm-tpm-chr");
        qemu_argv_add_opts(a, "-tpmdev", &o);
        opt_string_init(&o, "tpm-crb");
        opt_string_add(&o, "tpmdev", "vxm-tpm");
        qemu_argv_add_opts(a, "-device", &o);
        return 0;
}

static int part_control(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        _cleanup_free_ char *qmp = guest_qmp_socket(g->name), *serial = guest_serial_log(g->name);

        /* QMP is how vxm-guest stop asks for an ACPI shutdown; no human monitor. */
        OptString o;
        opt_string_init(&o, "socket");
        opt_string_add(&o, "id", "vxm-qmp");
        opt_string_add_path(&o, "path", qmp);
        opt_string_add(&o, "server", "on");
        opt_string_add(&o, "wait", "off");
        qemu_argv_add_opts(a, "-chardev", &o);
        qemu_argv_add(a, "-mon");
        qemu_argv_add(a, "chardev=vxm-qmp,mode=control");

        /* The serial console goes to a file that is truncated at each start (firmware and Linux guests log there). */
        opt_string_init(&o, "file");
        opt_string_add(&o, "id", "vxm-serial");
        opt_string_add_path(&o, "path", serial);
        qemu_argv_add_opts(a, "-chardev", &o);
        qemu_argv_add(a, "-serial");
        qemu_argv_add(a, "chardev:vxm-serial");
        return 0;
}

/* QEMU's own seccomp filter, as libvirt uses it: QEMU never needs to spawn programs or change privileges. */
static int part_sandbox(QemuArgv *a, const QemuPlan *p) {
        qemu_argv_add(a, "-sandbox");
        qemu_argv_add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        return 0;
}

/* The order of the command line. Features add their part here (see qemu-argv.h). */
static const QemuArgvPart parts[] = {
        part_platform,
        part_cpu,
        part_memory,
        part_firmware,
        part_boot,
        qemu_argv_mmio_window, /* issue 14 */
        part_passthrough,
        qemu_argv_shared,        /* issue 11 */
        qemu_argv_looking_glass, /* issue 6 */
        part_disks,
        part_network,
        qemu_argv_input, /* issue 6 */
        part_tpm,
        part_control,
        part_sandbox,
};

int qemu_argv_build(const QemuPlan *p, char ***ret) {
        _cleanup_strv_free_ char **args = NULL, **machine = NULL;
        QemuArgv a = {};
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(parts) && r >= 0; i++)
                r = parts[i](&a, p);
        args = a.args;
        machine = a.machine;
        if (r < 0)
                return r;

        _cleanup_strv_free_ char **argv = NULL;
        strv_push(&argv, qemu_binary());
        OptString o;
        opt_string_init(&o, NULL);
        opt_string_add(&o, "guest", p->guest->name);
        opt_string_add(&o, "debug-threads", "on");
        strv_push(&argv, "-name");
        strv_consume(&argv, TAKE_PTR(o.s));

        /* -machine comes first so that a reader sees the platform before the devices. */
        size_t len = strlen("q35") + 1;
        for (size_t i = 0; machine && machine[i]; i++)
                len += strlen(machine[i]) + 1;
        char *m = xmalloc(len), *e = stpcpy(m, "q35");
        for (size_t i = 0; machine && machine[i]; i++)
                e = stpcpy(stpcpy(e, ","), machine[i]);
        strv_push(&argv, "-machine");
        strv_consume(&argv, m);

        for (size_t i = 0; args && args[i]; i++)
                strv_push(&argv, args[i]);
        *ret = TAKE_PTR(argv);
        return 0;
}
