/* SPDX-License-Identifier: BSD-3-Clause */
/* Host findings that do not depend on a guest: KVM, the vfio-pci driver, how many GPUs there are. */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "host/kmod.h"
#include "host/pci-sysfs.h"

#define KVM_HINT                                                                                                       \
        "enable virtualization (VT-x/AMD-V, often called SVM) in the firmware setup and load kvm_intel or kvm_amd"

/* A host without KVM is only a problem for the guests that use it: each of those gets a failure of its own. */
static void run_kvm(CheckContext *c) {
        if (root_exists("/dev/kvm"))
                check_ok(c, NULL, "/dev/kvm is present");
        else
                check_warn(c, NULL, KVM_HINT, "/dev/kvm is missing (only guests with Accelerator=tcg can run)");
}
const Check check_kvm = { "kvm", CHECK_HOST, run_kvm, "/dev/kvm exists (hardware virtualization)" };

static void run_vfio_pci(CheckContext *c) {
        if (pci_driver_exists("vfio-pci"))
                check_ok(c, NULL, "the driver is loaded");
        else if (kmod_available("vfio-pci"))
                check_ok(c, NULL, "available as a module (vxm-vfio loads it when needed)");
        else
                check_fail(c, NULL,
                           "install the kernel's modules package (vfio-pci ships with every distribution kernel)",
                           "no such module for the running kernel");
}
const Check check_vfio_pci = { "vfio-pci", CHECK_HOST, run_vfio_pci, "the vfio-pci driver is loaded or loadable" };

static void run_gpu_count(CheckContext *c) {
        _cleanup_pci_device_array_free_ PciDevice **all = NULL;
        unsigned n = 0;

        if (pci_device_list_all(&all) < 0) {
                check_fail(c, NULL, NULL, "cannot read /sys/bus/pci/devices");
                return;
        }
        for (size_t i = 0; all[i]; i++)
                if (pci_device_is_display(all[i]))
                        n++;
        if (n >= 2)
                check_ok(c, NULL, "%u display controllers (vxm gpus shows which can be passed through)", n);
        else
                check_fail(c, NULL,
                           "vxm needs a second GPU for the host (an integrated GPU counts: enable it in the firmware "
                           "setup); it does not support single-GPU passthrough",
                           "%u display controller%s", n, n == 1 ? "" : "s");
}
const Check check_gpu_count = { "gpu-count", CHECK_HOST, run_gpu_count,
                                "at least two display controllers: one for the host, one for a guest" };

/* systemd confines and isolates guests through cgroups: the unified (v2) hierarchy with the cpuset controller is what
 * AllowedCPUs= (keeping host work off the guest's CPUs) and current systemd versions expect. */
static void run_cgroup(CheckContext *c) {
        _cleanup_free_ char *controllers = NULL;
        if (root_read_line("/sys/fs/cgroup/cgroup.controllers", &controllers) < 0) {
                bool hybrid = root_exists("/sys/fs/cgroup/unified/cgroup.controllers");
                check_warn(c, NULL,
                           "boot with systemd.unified_cgroup_hierarchy=1 (and without cgroup_no_v1= or "
                           "systemd.legacy_systemd_cgroup_controller): CPU isolation for guests needs cgroup v2",
                           "the %s cgroup hierarchy is in use, not the unified one (cgroup v2)",
                           hybrid ? "hybrid" : "legacy (v1)");
                return;
        }
        bool cpuset = false;
        char *save = NULL;
        for (char *w = strtok_r(controllers, " ", &save); w; w = strtok_r(NULL, " ", &save))
                cpuset = cpuset || strcmp(w, "cpuset") == 0;
        if (cpuset)
                check_ok(c, NULL, "cgroup v2 with the cpuset controller");
        else
                check_warn(c, NULL,
                           "use a kernel built with CONFIG_CPUSETS, and do not bind cpuset to a v1 hierarchy "
                           "(cgroup_no_v1=cpuset)",
                           "cgroup v2 without the cpuset controller: guests' CPUs cannot be kept free of host work "
                           "(AllowedCPUs=)");
}
const Check check_cgroup = { "cgroup", CHECK_HOST, run_cgroup, "cgroup v2 with cpuset, for isolating guests' CPUs" };
