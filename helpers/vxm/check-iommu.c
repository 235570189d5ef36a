/* SPDX-License-Identifier: BSD-3-Clause */
/* The IOMMU: on at all, passthrough mode for host devices, interrupt remapping, and the ACS override patch that
 * makes up IOMMU groups the hardware does not isolate. */
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "config/kernel-cmdline.h"
#include "host/kmod.h"
#include "host/pci-sysfs.h"

static bool cpu_is_amd(void) {
        _cleanup_free_ char *cpuinfo = NULL;
        return root_read_file("/proc/cpuinfo", &cpuinfo, NULL) >= 0 && strstr(cpuinfo, "AuthenticAMD");
}

static bool cmdline_has(const char *key) {
        _cleanup_free_ char *v = NULL;
        return kernel_cmdline_get(key, &v) > 0;
}

/* "VT-d" or "AMD-Vi" from /sys/class/iommu (dmarN, ivhdN), NULL when it lists none. */
static const char *iommu_kind(void) {
        _cleanup_closedir_ DIR *d = root_opendir("/sys/class/iommu");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (strncmp(de->d_name, "dmar", 4) == 0)
                        return "Intel VT-d";
                if (strncmp(de->d_name, "ivhd", 4) == 0)
                        return "AMD-Vi";
        }
        return NULL;
}

static unsigned count_groups(void) {
        _cleanup_closedir_ DIR *d = root_opendir("/sys/kernel/iommu_groups");
        struct dirent *de;
        unsigned n = 0;
        while (d && (de = readdir(d)))
                n += de->d_name[0] != '.';
        return n;
}

static void run_iommu(CheckContext *c) {
        const char *param = cpu_is_amd() ? "amd_iommu=on" : "intel_iommu=on";
        if (pci_iommu_enabled()) {
                const char *kind = iommu_kind();
                if (kind)
                        check_ok(c, NULL, "on (%s), %u IOMMU groups", kind, count_groups());
                else
                        check_ok(c, NULL, "on, %u IOMMU groups", count_groups());
                return;
        }
        _cleanup_free_ char *v = NULL;
        if (kernel_cmdline_get(cpu_is_amd() ? "amd_iommu" : "intel_iommu", &v) > 0 && strstr(v, "on")) {
                check_fail(c, NULL, "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup",
                           "%s is on the kernel command line, but the kernel made no IOMMU groups", param);
                return;
        }
        _cleanup_free_ char *hint =
                xasprintf("enable VT-d/AMD-Vi in the firmware setup, add %s iommu=pt to the kernel command line (e.g. "
                          "GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot",
                          param);
        check_fail(c, NULL, hint, "off (/sys/kernel/iommu_groups is empty)");
}
const Check check_iommu = { "iommu", CHECK_HOST, run_iommu, "the IOMMU is on and devices are in IOMMU groups" };

/* The default domain of the groups: "identity" is iommu=pt, "DMA"/"DMA-FQ" translate every host DMA. */
static void run_iommu_passthrough(CheckContext *c) {
        if (!pci_iommu_enabled())
                return;
        unsigned identity = 0, translated = 0;
        _cleanup_closedir_ DIR *d = root_opendir("/sys/kernel/iommu_groups");
        struct dirent *de;
        _cleanup_free_ char *example = NULL;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("/sys/kernel/iommu_groups/%s/type", de->d_name), *t = NULL;
                if (root_read_line(p, &t) < 0)
                        continue;
                if (strcmp(t, "identity") == 0)
                        identity++;
                else if (strncmp(t, "DMA", 3) == 0) {
                        translated++;
                        if (!example)
                                example = TAKE_PTR(t);
                }
        }
        const char *hint = "add iommu=pt to the kernel command line: the host's own devices then skip DMA translation "
                           "(faster; devices given to guests stay isolated)";
        if (identity + translated == 0) { /* kernels before 5.11 do not say: go by the command line */
                if (cmdline_has("iommu") || cmdline_has("amd_iommu") || cmdline_has("intel_iommu")) {
                        _cleanup_free_ char *v = NULL;
                        if (kernel_cmdline_get("iommu", &v) > 0 && strcmp(v, "pt") == 0) {
                                check_ok(c, NULL, "iommu=pt is on the kernel command line");
                                return;
                        }
                }
                check_warn(c, NULL, hint, "iommu=pt is not on the kernel command line");
                return;
        }
        if (translated == 0)
                check_ok(c, NULL, "host devices bypass translation (identity domains, iommu=pt)");
        else
                check_warn(c, NULL, hint, "%u IOMMU group%s translate host DMA (default domain %s)", translated,
                           translated == 1 ? "" : "s", example);
}
const Check check_iommu_passthrough = { "iommu-passthrough", CHECK_HOST, run_iommu_passthrough,
                                        "host devices use IOMMU passthrough (iommu=pt)" };

/* With interrupt remapping the kernel's MSI chips are "IR-PCI-MSI", "IR-IO-APIC": the prefix says it is active. */
static bool interrupts_remapped(void) {
        _cleanup_free_ char *text = NULL;
        return root_read_file("/proc/interrupts", &text, NULL) >= 0 && strstr(text, " IR-");
}

static void run_interrupt_remapping(CheckContext *c) {
        if (!pci_iommu_enabled())
                return;
        if (interrupts_remapped()) {
                check_ok(c, NULL, "on (remapped interrupts in /proc/interrupts)");
                return;
        }
        const char *off = cmdline_has("nointremap") ? " (nointremap is on the kernel command line)"
                          : cmdline_has("intremap") ? " (intremap= is on the kernel command line)"
                                                    : "";
        _cleanup_free_ char *unsafe = NULL;
        if (kmod_parameter("vfio_iommu_type1", "allow_unsafe_interrupts", &unsafe) >= 0 &&
            (strcmp(unsafe, "Y") == 0 || strcmp(unsafe, "1") == 0)) {
                check_warn(c, NULL,
                           "enable interrupt remapping (firmware setup: VT-d/AMD-Vi with interrupt remapping, x2APIC; "
                           "remove nointremap/intremap=off) and drop allow_unsafe_interrupts",
                           "off%s; vfio allows passthrough anyway (vfio_iommu_type1 allow_unsafe_interrupts=Y), so "
                           "a guest can send the host interrupts it should not",
                           off);
                return;
        }
        check_fail(c, NULL,
                   "enable interrupt remapping (firmware setup: VT-d/AMD-Vi with interrupt remapping, x2APIC; remove "
                   "nointremap/intremap=off from the kernel command line); only if the platform has none, and "
                   "accepting that a guest can then inject interrupts: options vfio_iommu_type1 "
                   "allow_unsafe_interrupts=1 in /etc/modprobe.d/",
                   "off%s: vfio refuses to give devices to a guest (\"No interrupt remapping support\")", off);
}
const Check check_interrupt_remapping = { "interrupt-remapping", CHECK_HOST, run_interrupt_remapping,
                                          "the IOMMU remaps interrupts (else vfio refuses)" };

static void run_acs_override(CheckContext *c) {
        _cleanup_free_ char *v = NULL;
        if (kernel_cmdline_get("pcie_acs_override", &v) <= 0) {
                check_ok(c, NULL, "not used: IOMMU groups are what the hardware isolates");
                return;
        }
        check_warn(c, NULL,
                   "devices in different groups can still reach each other by peer-to-peer DMA, so a guest may reach "
                   "host devices or memory through them: prefer a slot whose group is clean (vxm gpus), and remove "
                   "pcie_acs_override",
                   "pcie_acs_override=%s is on the kernel command line: the IOMMU groups are made up by the ACS "
                   "override patch, not isolated by the hardware",
                   v);
}
const Check check_acs_override = { "acs-override", CHECK_HOST, run_acs_override,
                                   "no ACS override patch splitting IOMMU groups the hardware does not isolate" };
