/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check [NAME]: the pre-flight doctor. Reads the host and the configs, changes nothing, and says for each finding
 * what is wrong and what to do. It uses the same checks as the helpers (vfio-check.c, firmware.c), so a host that
 * passes here does not fail there for a reason this could have told. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "qemu/firmware.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "host/pci-names.h"
#include "host/pci-sysfs.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/vfio-check.h"
#include "commands.h"
#include "placement-report.h"

typedef enum Verdict {
        OK,
        WARN,
        FAIL,
} Verdict;

static unsigned n_fail, n_warn;

/* One finding: a verdict, what was found, and (for warnings and failures) what to do about it. */
static void report(Verdict v, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(Verdict v, const char *hint, const char *fmt, ...) {
        static const char *const mark[] = { [OK] = "  ok  ", [WARN] = " warn ", [FAIL] = " FAIL " };
        va_list ap;

        printf("[%s] ", mark[v]);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        if (hint && v != OK)
                printf("         -> %s\n", hint);
        if (v == FAIL)
                n_fail++;
        else if (v == WARN)
                n_warn++;
}

static bool cmdline_has(const char *cmdline, const char *word) {
        size_t n = strlen(word);
        for (const char *p = cmdline; (p = strstr(p, word)); p += n)
                if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
                        return true;
        return false;
}

static bool cpu_is_amd(void) {
        _cleanup_free_ char *cpuinfo = NULL;
        return root_read_file("/proc/cpuinfo", &cpuinfo, NULL) >= 0 && strstr(cpuinfo, "AuthenticAMD");
}

#define KVM_HINT                                                                                                       \
        "enable virtualization (VT-x/AMD-V, often called SVM) in the firmware setup and load kvm_intel or kvm_amd"

/* A host without KVM is only a problem for the guests that use it: each of those gets a failure of its own. */
static void check_kvm(void) {
        if (root_exists("/dev/kvm"))
                report(OK, NULL, "KVM: /dev/kvm is present");
        else
                report(WARN, KVM_HINT, "KVM: /dev/kvm is missing (only guests with Accelerator=tcg can run)");
}

static void check_iommu(void) {
        _cleanup_free_ char *cmdline = NULL;
        (void) root_read_line("/proc/cmdline", &cmdline);
        const char *param = cpu_is_amd() ? "amd_iommu=on" : "intel_iommu=on";

        if (pci_iommu_enabled()) {
                report(OK, NULL, "IOMMU: on, devices are in IOMMU groups");
                if (cmdline && !cmdline_has(cmdline, "iommu=pt"))
                        report(WARN, "add iommu=pt to the kernel command line: host devices then skip translation",
                               "IOMMU: not in passthrough mode for host devices");
                return;
        }
        if (cmdline && cmdline_has(cmdline, param)) {
                report(FAIL, "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup",
                       "IOMMU: %s is on the kernel command line, but the kernel made no IOMMU groups", param);
                return;
        }
        _cleanup_free_ char *hint = xasprintf(
                "add %s iommu=pt to the kernel command line (e.g. GRUB_CMDLINE_LINUX in /etc/default/grub, then "
                "update-grub) and reboot",
                param);
        report(FAIL, hint, "IOMMU: off (/sys/kernel/iommu_groups is empty)");
}

static void check_vfio_module(void) {
        if (pci_driver_exists("vfio-pci")) {
                report(OK, NULL, "vfio-pci: the driver is loaded");
                return;
        }
        _cleanup_free_ char *release = NULL, *deps = NULL, *builtin = NULL;
        if (root_read_line("/proc/sys/kernel/osrelease", &release) >= 0) {
                _cleanup_free_ char *p = xasprintf("/lib/modules/%s/modules.dep", release);
                _cleanup_free_ char *q = xasprintf("/lib/modules/%s/modules.builtin", release);
                (void) root_read_file(p, &deps, NULL);
                (void) root_read_file(q, &builtin, NULL);
        }
        if ((deps && strstr(deps, "/vfio-pci.ko")) || (builtin && strstr(builtin, "/vfio-pci.ko")))
                report(OK, NULL, "vfio-pci: available as a module (vxm-vfio loads it when needed)");
        else
                report(FAIL, "install the kernel's modules package (vfio-pci ships with every distribution kernel)",
                       "vfio-pci: no such module for the running kernel");
}

static void check_gpus(void) {
        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        unsigned n = 0;

        if (pci_device_list_all(&all) < 0) {
                report(FAIL, NULL, "GPUs: cannot read /sys/bus/pci/devices");
                return;
        }
        for (size_t i = 0; all[i]; i++)
                if (pci_device_is_display(all[i]))
                        n++;
        if (n >= 2)
                report(OK, NULL, "GPUs: %u display controllers (vxm gpus shows which can be passed through)", n);
        else
                report(FAIL, "vxm needs a second GPU for the host: it does not support single-GPU passthrough",
                       "GPUs: %u display controller%s", n, n == 1 ? "" : "s");
}

static void check_device(const Guest *g, const GuestDevice *gd) {
        char bdf[PCI_ADDRESS_STRLEN];
        _cleanup_pci_device_free_ PciDevice *d = NULL;

        pci_address_format(&gd->address, bdf);
        if (pci_device_load(&gd->address, &d) < 0) {
                _cleanup_free_ char *hint = xasprintf("fix Device= at %s:%u (lspci -D lists the addresses)",
                                                      gd->source.file, gd->source.line);
                report(FAIL, hint, "%s: no such PCI device", bdf);
                return;
        }
        const char *label = d->name ? d->name : "";

        if (d->boot_vga == 1) {
                report(FAIL, "use the other GPU for the guest, or make this one secondary in the firmware setup",
                       "%s %s: is the boot display of the host", bdf, label);
                return;
        }
        if (pci_device_is_display(d)) {
                unsigned left = 0;
                if (vfio_host_displays_left(d, &left) >= 0 && left == 0) {
                        report(FAIL, "vxm does not support single-GPU passthrough: the host needs a GPU of its own",
                               "%s %s: the host would have no display controller left", bdf, label);
                        return;
                }
        }
        if (d->iommu_group < 0) {
                report(FAIL, NULL, "%s %s: in no IOMMU group (see the IOMMU finding above)", bdf, label);
                return;
        }

        PciAddress *allowed = xmalloc((g->n_devices + 1) * sizeof *allowed);
        for (size_t i = 0; i < g->n_devices; i++)
                allowed[i] = g->devices[i].address;
        _cleanup_pci_device_array_free_ PciDevice **offenders = NULL;
        int r = vfio_group_offenders(d, allowed, g->n_devices, &offenders);
        free(allowed);
        if (r < 0) {
                report(FAIL, NULL, "%s %s: cannot read IOMMU group %d", bdf, label, d->iommu_group);
                return;
        }
        if (!offenders[0]) {
                report(OK, NULL, "%s %s: can be passed through (IOMMU group %d, now on %s)", bdf, label, d->iommu_group,
                       d->driver ? d->driver : "no driver");
                return;
        }
        for (size_t i = 0; offenders[i]; i++) {
                _cleanup_free_ char *hint = xasprintf("add Device=%s to [PCI] in %s (a group goes to one guest "
                                                      "whole), or move the card to another slot",
                                                      offenders[i]->bdf, g->path);
                report(FAIL, hint, "%s %s: IOMMU group %d also holds %s %s, on %s", bdf, label, d->iommu_group,
                       offenders[i]->bdf, offenders[i]->name ? offenders[i]->name : "",
                       offenders[i]->driver ? offenders[i]->driver : "no driver");
        }
}

static uint64_t meminfo_kib(const char *key) {
        _cleanup_free_ char *meminfo = NULL;
        if (root_read_file("/proc/meminfo", &meminfo, NULL) < 0)
                return 0;
        const char *p = strstr(meminfo, key);
        unsigned long long v;
        return p && sscanf(p + strlen(key), ": %llu", &v) == 1 ? v : 0;
}

static void check_memory(const Guest *g) {
        uint64_t total = meminfo_kib("MemTotal") * 1024;
        if (total > 0 && g->memory > total - total / 8)
                report(WARN, "lower Memory=: the host needs an eighth of its memory or more for itself",
                       "memory: Memory=%llu MiB, and the host has %llu MiB in all",
                       (unsigned long long) (g->memory >> 20), (unsigned long long) (total >> 20));

        if (g->hugepages == HUGEPAGES_1G) {
                if (!root_exists("/sys/kernel/mm/hugepages/hugepages-1048576kB"))
                        report(FAIL, "use Hugepages=2M: this CPU or kernel has no 1G pages",
                               "hugepages: no 1G hugepage pool");
                else {
                        _cleanup_free_ char *nr = NULL;
                        unsigned long have = 0, need = (unsigned long) (g->memory >> 30);
                        if (root_read_line("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", &nr) >= 0)
                                (void) parse_unsigned(nr, (unsigned long) -1, &have);
                        _cleanup_free_ char *hint = xasprintf(
                                "1G pages rarely come free at runtime: reserve them at boot with hugepagesz=1G "
                                "hugepages=%lu on the kernel command line",
                                need);
                        report(have >= need ? OK : WARN, hint, "hugepages: %lu of the %lu 1G pages reserved", have,
                               need);
                }
        } else if (g->hugepages == HUGEPAGES_2M)
                report(OK, NULL, "hugepages: %llu 2M pages are reserved when the guest starts",
                       (unsigned long long) (g->memory >> 21));
}

static void check_files(const Guest *g) {
        for (size_t i = 0; i < g->n_disks; i++) {
                struct stat st;
                _cleanup_free_ char *hint =
                        xasprintf("create it (qemu-img create -f qcow2 %s 128G) or fix Disk= at "
                                  "%s:%u",
                                  g->disks[i].path, g->disks[i].source.file, g->disks[i].source.line);
                if (root_stat(g->disks[i].path, &st) < 0)
                        report(FAIL, hint, "disk: %s does not exist", g->disks[i].path);
                else
                        report(OK, NULL, "disk: %s", g->disks[i].path);
        }
        if (g->tpm && !root_exists("/usr/bin/swtpm"))
                report(FAIL, "apt-get install swtpm swtpm-tools", "TPM: swtpm is not installed");
        if (!root_exists("/usr/bin/qemu-system-x86_64"))
                report(FAIL, "apt-get install qemu-system-x86", "QEMU: qemu-system-x86_64 is not installed");
}

static void placement_finding(PlacementVerdict v, const char *hint, const char *text) {
        report(v == PLACEMENT_FAIL ? FAIL : v == PLACEMENT_WARN ? WARN : OK, hint, "%s", text);
}

static void check_guest(const Guest *g) {
        printf("\nGuest %s (%s)\n", g->name, g->path);

        struct passwd *pw = getpwnam(g->user);
        if (!pw)
                report(FAIL, "create it (systemd-sysusers creates the vxm user) or change User= in [Guest]",
                       "user: %s does not exist", g->user);
        else
                report(OK, NULL, "user: QEMU runs as %s (uid %u)", g->user, (unsigned) pw->pw_uid);
        if (g->accelerator == ACCELERATOR_TCG)
                report(WARN, "remove Accelerator=tcg unless this is a test: without KVM the guest is very slow",
                       "accelerator: tcg (emulation)");
        else if (!root_exists("/dev/kvm"))
                report(FAIL, KVM_HINT, "accelerator: kvm, but /dev/kvm is missing");

        for (size_t i = 0; i < g->n_devices; i++)
                check_device(g, &g->devices[i]);
        if (g->n_devices == 0)
                report(WARN, "add Device= lines to [PCI] to pass a GPU through", "PCI: no devices to pass through");

        _cleanup_firmware_free_ Firmware *fw = NULL;
        if (firmware_select(g, &fw) >= 0)
                report(OK, NULL, "firmware: %s", fw->descriptor ? fw->descriptor : fw->code);
        else
                report(FAIL, "apt-get install ovmf, or set [Firmware] Code= and Vars= (see the reasons above)",
                       "firmware: no UEFI firmware matches this guest");

        check_memory(g);
        check_placement(g, placement_finding);
        check_files(g);
}

int cmd_check(int argc, char *argv[]) {
        _cleanup_strv_free_ char **names = NULL;

        if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
                fprintf(stderr, "Usage: vxm check [NAME]\n");
                return 2;
        }
        printf("Host\n");
        check_kvm();
        check_iommu();
        check_vfio_module();
        check_gpus();

        if (argc == 2)
                strv_push(&names, argv[1]);
        else if (guest_list(&names) < 0)
                return 1;

        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_guest_free_ Guest *g = NULL;
                int r = guest_load(names[i], &g);
                if (r == -ENOENT) {
                        printf("\nGuest %s\n", names[i]);
                        report(FAIL, "create /etc/vxm/NAME.conf (see man 5 vxm.conf)", "no such guest");
                        continue;
                }
                if (r < 0) {
                        printf("\nGuest %s\n", names[i]);
                        report(FAIL, "fix the lines named above", "configuration has errors");
                        continue;
                }
                check_guest(g);
        }
        pci_names_done();

        printf("\n%u problem%s, %u warning%s.\n", n_fail, n_fail == 1 ? "" : "s", n_warn, n_warn == 1 ? "" : "s");
        return n_fail > 0 ? 1 : 0;
}
