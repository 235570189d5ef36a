/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm new NAME [--gpu BDF]: a commented /etc/vxm/NAME.conf for one GPU, sized to this host. It takes the GPU's whole
 * IOMMU group (what vxm-vfio demands), sizes Memory= and CPUs= to leave the host enough, turns on what the host can
 * do (Secure Boot firmware, swtpm) and sizes Looking Glass from the monitor on the GPU when its EDID is known. The
 * file is checked with the loader before it appears, and never replaces an existing guest. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "commands.h"
#include "config/config.h"
#include "gpu-assess.h"
#include "host/edid.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "qemu/firmware.h"

typedef struct Plan {
        const char *name;
        const Gpu *gpu;
        uint64_t host_memory; /* bytes, 0 unknown */
        unsigned host_cpus;
        uint64_t memory;
        unsigned cpus;
        bool secure_boot, tpm, kvm;
        bool have_monitor;
        EdidMode monitor;
        char *connector;
        const char *viewer; /* a suggestion for [LookingGlass] Viewer= */
} Plan;

static void help(FILE *f) {
        fprintf(f, "Usage: vxm new NAME [--gpu BDF]\n"
                   "\n"
                   "Write /etc/vxm/NAME.conf for a guest that gets the GPU at BDF (without --gpu: the one GPU of this\n"
                   "host that can be passed through) with every function of its IOMMU group, Memory= and CPUs= sized\n"
                   "to this host, Secure Boot and a TPM when the firmware and swtpm are installed, and Looking Glass\n"
                   "sized for the largest mode of the monitor on the GPU when its EDID is known. Every setting is\n"
                   "commented. An existing guest of that name is never replaced. Then: vxm check NAME.\n"
                   "\n"
                   "Options:\n"
                   "  -h --help          Show this help\n"
                   "     --gpu BDF       The GPU to pass through (vxm gpus lists them)\n");
}

/* Online CPUs: "0-7,16-23" from the kernel, else what libc says. */
static unsigned host_cpu_count(void) {
        _cleanup_free_ char *online = NULL;
        unsigned n = 0;
        if (root_read_line("/sys/devices/system/cpu/online", &online) >= 0) {
                char *save = NULL;
                for (char *r = strtok_r(online, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
                        unsigned a, b;
                        if (sscanf(r, "%u-%u", &a, &b) == 2 && b >= a)
                                n += b - a + 1;
                        else if (sscanf(r, "%u", &a) == 1)
                                n++;
                }
        }
        if (n == 0) {
                long k = sysconf(_SC_NPROCESSORS_ONLN);
                n = k > 0 ? (unsigned) k : 1;
        }
        return n;
}

static uint64_t host_memory_bytes(void) {
        _cleanup_free_ char *meminfo = NULL;
        unsigned long long kib;
        if (root_read_file("/proc/meminfo", &meminfo, NULL) < 0)
                return 0;
        const char *p = strstr(meminfo, "MemTotal:");
        return p && sscanf(p, "MemTotal: %llu kB", &kib) == 1 ? kib * 1024 : 0;
}

/* Half of the host's memory in whole GiB (at least 1 GiB): the host keeps the other half, and vxm check warns
 * only above seven eighths. Three quarters of the CPUs (at least one), so the host keeps some for itself and for
 * QEMU's own threads. */
static void size_to_host(Plan *p) {
        p->host_memory = host_memory_bytes();
        p->host_cpus = host_cpu_count();
        uint64_t gib = p->host_memory / 2 >> 30;
        p->memory = (gib > 0 ? gib : 1) << 30;
        p->cpus = p->host_cpus * 3 / 4 > 0 ? p->host_cpus * 3 / 4 : 1;
}

/* The GPU to use: --gpu, or the only one that can be passed through. Refuses one that cannot, saying why. */
static int choose_gpu(PciDevice **all, const char *want, bool iommu, Gpu *ret) {
        int r;
        if (want) {
                PciAddress a;
                const char *why;
                if (pci_address_parse(want, &a, &why) < 0)
                        return log_error_errno(EINVAL, "--gpu=%s: not a PCI address: %s.", want, why);
                for (size_t i = 0; all[i]; i++) {
                        if (!pci_address_equal(&all[i]->address, &a))
                                continue;
                        if (!pci_device_is_display(all[i])) {
                                _cleanup_free_ char *cls = pci_name_class(all[i]->class_code);
                                return log_error_errno(EINVAL,
                                                       "%s is not a display controller but %s (vxm gpus lists them).",
                                                       all[i]->bdf, cls ?: "something else");
                        }
                        return gpu_assess(ret, all[i], iommu);
                }
                return log_error_errno(ENODEV, "--gpu=%s: no such PCI device (vxm gpus lists the GPUs).", want);
        }

        _cleanup_strv_free_ char **usable = NULL;
        for (size_t i = 0; all[i]; i++) {
                Gpu g;
                if (!pci_device_is_display(all[i]))
                        continue;
                r = gpu_assess(&g, all[i], iommu);
                if (r < 0)
                        return r;
                if (!g.why)
                        strv_push(&usable, all[i]->bdf);
                gpu_done(&g);
        }
        size_t n = strv_length(usable);
        if (n == 0)
                return log_error_errno(ENODEV, "No GPU of this host can be passed through; vxm gpus says why.");
        if (n > 1) {
                _cleanup_free_ char *list = xstrdup(usable[0]);
                for (size_t i = 1; usable[i]; i++) {
                        char *s = xasprintf("%s, %s", list, usable[i]);
                        free(list);
                        list = s;
                }
                return log_error_errno(EINVAL, "Several GPUs can be passed through (%s): choose one with --gpu.", list);
        }
        for (size_t i = 0; all[i]; i++)
                if (strcmp(all[i]->bdf, usable[0]) == 0)
                        return gpu_assess(ret, all[i], iommu);
        return -ENODEV;
}

/* A GPU in another guest's config is fine (guests may share one; they just cannot run at once), but one that cannot
 * be passed through at all is refused, except for a group with other devices: those go along, with a warning. */
static int gpu_acceptable(const Gpu *g) {
        bool refuse = false;
        for (size_t i = 0; g->why && g->why[i]; i++)
                if (strcmp(g->codes[i], "group-foreign") != 0) {
                        log_error("%s cannot be passed through: %s.", g->dev->bdf, g->why[i]);
                        refuse = true;
                }
        if (refuse)
                return -EINVAL;
        for (size_t i = 0; g->foreign && g->foreign[i]; i++)
                log_warning("%s is in the GPU's IOMMU group, so the guest takes it too and the host loses it while the "
                            "guest runs.",
                            g->foreign[i]);
        return 0;
}

static void write_config(FILE *f, const Plan *p) {
        const Gpu *gpu = p->gpu;
        const char *gpu_name = gpu->dev->name ?: gpu->dev->bdf;

        fprintf(f, "# Guest %s, written by vxm new for the GPU at %s (%s).\n", p->name, gpu->dev->bdf, gpu_name);
        fprintf(f, "# Every key is explained in vxm.conf(5). After a change: systemctl daemon-reload, vxm check %s,\n",
                p->name);
        fprintf(f, "# then systemctl start vxm-guest@%s\n\n", p->name);

        fprintf(f, "[Guest]\nDescription=%s on %s\n", p->name, gpu_name);
        fprintf(f, "# Half of this host's %llu MiB: the host keeps the rest for itself (vxm check warns above 7/8).\n",
                (unsigned long long) (p->host_memory >> 20));
        fprintf(f, "Memory=%lluG\n", (unsigned long long) (p->memory >> 30));
        fprintf(f, "# %u of this host's %u CPUs: the others stay with the host and QEMU's own threads.\n", p->cpus,
                p->host_cpus);
        fprintf(f, "CPUs=%u\n", p->cpus);
        fprintf(f, "# yes: start at boot (boot with vxm.autostart=0 to skip it once).\nAutostart=no\n");
        fprintf(f, "# QEMU and swtpm run as this user (default: the vxm system user).\n#User=vxm\n");
        if (!p->kvm)
                fprintf(f, "# /dev/kvm is missing on this host: enable virtualization (VT-x/AMD-V) in the firmware "
                           "setup.\n"
                           "# Accelerator=tcg runs without it, but far too slowly for anything but tests.\n");

        fprintf(f, "\n[PCI]\n");
        if (gpu->dev->iommu_group >= 0)
                fprintf(f, "# IOMMU group %d goes to the guest whole: the GPU and every other device in it.\n",
                        gpu->dev->iommu_group);
        for (size_t i = 0; gpu->take[i]; i++) {
                const PciDevice *m = gpu_member(gpu, gpu->take[i]);
                _cleanup_free_ char *cls = pci_name_class(m->class_code);
                bool other_slot = !pci_address_same_slot(&m->address, &gpu->dev->address);
                fprintf(f, "# %s: %s (%s)%s\n", m->bdf, m->name ?: "", cls ?: "?",
                        !other_slot             ? ""
                        : pci_device_is_idle(m) ? ", not part of the card"
                                                : ", not part of the card: the host loses it while the guest runs");
                fprintf(f, "Device=%s\n", m->bdf);
        }

        fprintf(f, "\n[Firmware]\n");
        if (p->secure_boot)
                fprintf(f, "# UEFI with Secure Boot (Windows 11 wants it); the firmware descriptors offer "
                           "it.\nSecureBoot=yes\n");
        else
                fprintf(f, "# No firmware descriptor offers Secure Boot here (apt install ovmf provides "
                           "one).\nSecureBoot=no\n");

        fprintf(f, "\n[TPM]\n");
        if (p->tpm)
                fprintf(f, "# A TPM 2.0 emulator (swtpm), which Windows 11 requires.\nEnable=yes\n");
        else
                fprintf(f, "# A TPM 2.0 for Windows 11 needs swtpm: apt install swtpm swtpm-tools, then uncomment.\n"
                           "#Enable=yes\n");

        fprintf(f, "\n[Memory]\n# Huge pages make the guest faster; vxm reserves them on the GPU's NUMA node when it "
                   "starts.\n#Hugepages=2M\n");

        fprintf(f, "\n[LookingGlass]\n");
        if (p->have_monitor)
                fprintf(f,
                        "# Shared memory for the Looking Glass client, sized for %ux%u: the largest mode of the "
                        "monitor\n"
                        "# on %s (its EDID).\nResolution=%ux%u\n",
                        p->monitor.width, p->monitor.height, p->connector, p->monitor.width, p->monitor.height);
        else
                fprintf(f,
                        "# Shared memory for the Looking Glass client: set the guest's resolution (no monitor with an\n"
                        "# EDID is connected to the GPU now).\n#Resolution=1920x1080\n");
        fprintf(f,
                "# The desktop user who runs looking-glass-client (only QEMU may map the memory without one).\n"
                "#Viewer=%s\n",
                p->viewer);

        fprintf(f, "\n[Input]\n# The host's keyboard and mouse for the guest (evdev, Ctrl+Ctrl switches back).\n"
                   "#Keyboard=auto\n#Mouse=auto\n");
        fprintf(f, "\n[Display]\n# Switch the monitor to the guest's input while it runs (DDC/CI; ddcutil detect lists "
                   "monitors).\n#Monitor=bus:5\n#HostInput=DP-1\n#GuestInput=HDMI-1\n");
        fprintf(f,
                "\n[Storage]\n# Create the disk first: qemu-img create -f qcow2 /var/lib/vxm/%s/disk.qcow2 128G\n"
                "#Disk=/var/lib/vxm/%s/disk.qcow2\n",
                p->name, p->name);
        fprintf(f, "\n[Network]\nMode=user\n");
}

/* Writes the config to a temp file beside the final one; *ret_tmp is its path without VXM_ROOT. */
static int write_temp(const Plan *p, char **ret_tmp) {
        _cleanup_free_ char *dir = root_path("/etc/vxm"), *tmpl = xasprintf("%s/.%s.conf.XXXXXX", dir, p->name);
        int r = root_mkdir_p("/etc/vxm", 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create /etc/vxm: %m%s",
                                       r == -EACCES || r == -EPERM ? " (run vxm new as root)" : "");
        int fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a file in /etc/vxm: %m%s",
                                       errno == EACCES || errno == EPERM || errno == EROFS ? " (run vxm new as root)"
                                                                                           : "");
        FILE *f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                unlink(tmpl);
                return log_error_errno(r, "Failed to write to %s: %m", tmpl);
        }
        /* Root-owned and not writable by others: the loader's rule for config files. */
        (void) fchmod(fd, 0644);
        write_config(f, p);
        if (fflush(f) != 0 || fsync(fd) < 0 || ferror(f)) {
                r = -errno;
                fclose(f);
                unlink(tmpl);
                return log_error_errno(r ?: -EIO, "Failed to write %s: %m", tmpl);
        }
        fclose(f);
        *ret_tmp = xasprintf("/etc/vxm/%s", strrchr(tmpl, '/') + 1);
        return 0;
}

/* The file must load: a config vxm new wrote that the loader refuses would be a bug, never the user's problem. */
static int load_quietly(const Plan *p, const char *path, Guest **ret) {
        int r = guest_load_file(p->name, path, ret);
        if (r < 0)
                log_error("vxm new wrote a configuration that does not load (a bug; the messages above say why).");
        return r;
}

static bool secure_boot_available(Guest *g) {
        int level = log_get_max_level();
        _cleanup_firmware_free_ Firmware *fw = NULL;
        g->secure_boot = true;
        log_set_max_level(LOG_CRIT); /* "no firmware matches" is an answer here, not an error */
        int r = firmware_select(g, &fw);
        log_set_max_level(level);
        g->secure_boot = false;
        return r >= 0;
}

/* An existing guest of this name in any config dir, also a masked one: vxm new never shadows or replaces it. */
static int refuse_existing(const char *name) {
        for (size_t i = 0; config_dirs[i]; i++) {
                _cleanup_free_ char *path = xasprintf("%s/%s.conf", config_dirs[i], name);
                struct stat st;
                if (root_lstat(path, &st) == 0)
                        return log_error_errno(EEXIST,
                                               "Guest %s already exists: %s. vxm new does not replace it (remove it "
                                               "first, or change it with a drop-in in /etc/vxm/%s.conf.d/).",
                                               name, path, name);
        }
        return 0;
}

int cmd_new(int argc, char *argv[]) {
        enum { ARG_GPU = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "gpu", required_argument, NULL, ARG_GPU },
                {},
        };
        const char *want_gpu = NULL;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(stdout);
                        return 0;
                case ARG_GPU:
                        want_gpu = optarg;
                        break;
                default:
                        help(stderr);
                        return 2;
                }
        if (argc - optind != 1) {
                help(stderr);
                return 2;
        }
        const char *name = argv[optind], *why;
        if (!guest_name_is_valid(name, &why)) {
                log_error("Invalid guest name \"%s\": %s.", name, why);
                return 2;
        }
        if (refuse_existing(name) < 0)
                return 1;

        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        r = pci_device_list_all(&all);
        if (r < 0) {
                log_error_errno(r, "Failed to list PCI devices in /sys/bus/pci/devices: %m");
                return 1;
        }
        bool iommu = pci_iommu_enabled();
        if (!iommu) {
                log_error("The IOMMU is off: vxm new needs the IOMMU groups to know what the guest must take. "
                          "vxm check explains how to turn it on.");
                return 1;
        }
        _cleanup_(gpu_done) Gpu gpu = {};
        if (choose_gpu(all, want_gpu, iommu, &gpu) < 0 || gpu_acceptable(&gpu) < 0)
                return 1;

        _cleanup_free_ char *connector = NULL;
        Plan plan = { .name = name, .gpu = &gpu, .kvm = root_exists("/dev/kvm") };
        size_to_host(&plan);
        plan.tpm = root_exists("/usr/bin/swtpm") && root_exists("/usr/bin/swtpm_setup");
        plan.have_monitor = edid_monitor_of_pci(gpu.dev->bdf, &plan.monitor, &connector) >= 0;
        plan.connector = connector;
        /* Who ran sudo vxm new is likely the desktop's user; the line stays commented for the user to confirm. */
        const char *sudo_user = getenv("SUDO_USER");
        plan.viewer = sudo_user && *sudo_user && strcmp(sudo_user, "root") != 0 ? sudo_user : "USER";

        /* First without Secure Boot, to learn from the written file whether the firmware offers it. */
        _cleanup_free_ char *tmp = NULL, *tmp2 = NULL;
        _cleanup_guest_free_ Guest *g = NULL;
        if (write_temp(&plan, &tmp) < 0)
                return 1;
        r = load_quietly(&plan, tmp, &g);
        plan.secure_boot = r >= 0 && secure_boot_available(g);
        (void) root_unlink(tmp);
        if (r < 0 || write_temp(&plan, &tmp2) < 0)
                return 1;
        guest_free(TAKE_PTR(g));
        if (load_quietly(&plan, tmp2, &g) < 0) {
                (void) root_unlink(tmp2);
                return 1;
        }

        /* RENAME_NOREPLACE: a file of that name made meanwhile is not overwritten either. */
        _cleanup_free_ char *final = xasprintf("/etc/vxm/%s.conf", name), *from = root_path(tmp2),
                            *to = root_path(final);
        if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
                r = -errno;
                (void) unlink(from);
                if (r == -EEXIST)
                        log_error("%s appeared meanwhile; vxm new does not replace it.", final);
                else
                        log_error_errno(r, "Failed to create %s: %m", final);
                return 1;
        }

        size_t more = strv_length(gpu.take) - 1;
        printf("Wrote %s: the GPU at %s and %zu more device%s of its IOMMU group, Memory=%lluG, CPUs=%u", final,
               gpu.dev->bdf, more, more == 1 ? "" : "s", (unsigned long long) (plan.memory >> 30), plan.cpus);
        if (plan.have_monitor)
                printf(", Looking Glass for %ux%u (%s)", plan.monitor.width, plan.monitor.height, connector);
        printf(".\nNext: systemctl daemon-reload, vxm check %s, then systemctl start vxm-guest@%s\n", name, name);
        pci_names_done();
        return 0;
}
