/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm status NAME, the placement block: where each vCPU runs. While the guest runs this is what the kernel says about
 * QEMU's threads (/proc/PID/task: QEMU names its vCPU threads "CPU N/KVM" or "CPU N/TCG"), so it shows the truth
 * even when something changed the affinity behind vxm's back; otherwise it is the plan. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "bus.h"
#include "host/host-isolation.h"
#include "host/placement.h"
#include "host/thread-affinity.h"
#include "status-placement.h"

static char *cpus_text(const CpuSet *s) {
        _cleanup_free_ char *list = cpu_set_format(s);
        return xasprintf("%s %s", cpu_set_count(s) == 1 ? "CPU" : "CPUs", list);
}

/* "CPU 3/KVM" -> 3; -1 for any other thread. */
static int vcpu_index(const char *name) {
        unsigned i;
        int end = 0;
        if (sscanf(name, "CPU %u/%*[A-Z]%n", &i, &end) == 1 && end > 0 && name[end] == '\0')
                return (int) i;
        return -1;
}

static bool print_running(pid_t pid, const Guest *g) {
        _cleanup_free_ pid_t *tids = NULL;
        size_t n;
        if (pid <= 0 || process_threads(pid, &tids, &n) < 0)
                return false;
        _cleanup_cpu_set_ CpuSet emulator = {};
        unsigned n_emulator = 0;
        for (int v = 0; v < (int) g->cpus; v++)
                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *name = NULL;
                        if (thread_name(pid, tids[i], &name) < 0 || vcpu_index(name) != v)
                                continue;
                        _cleanup_cpu_set_ CpuSet allowed = {};
                        int last = -1;
                        (void) thread_affinity(pid, tids[i], &allowed);
                        (void) thread_last_cpu(pid, tids[i], &last);
                        _cleanup_free_ char *a = cpus_text(&allowed);
                        printf("    vCPU %-3d   %-12s (thread %d, last ran on CPU %d)\n", v, a, (int) tids[i], last);
                }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = NULL;
                _cleanup_cpu_set_ CpuSet allowed = {};
                if (thread_name(pid, tids[i], &name) >= 0 && vcpu_index(name) >= 0)
                        continue;
                if (thread_affinity(pid, tids[i], &allowed) >= 0)
                        cpu_set_add_all(&emulator, &allowed);
                n_emulator++;
        }
        _cleanup_free_ char *e = cpus_text(&emulator);
        printf("    emulator   %-12s (%u thread%s of QEMU, PID %d)\n", e, n_emulator, n_emulator == 1 ? "" : "s",
               (int) pid);
        return true;
}

static void print_plan(const Placement *p) {
        if (!p->vcpu_cpu)
                printf("    vCPUs      not pinned (no CPUAffinity=)\n");
        for (unsigned i = 0; p->vcpu_cpu && i < p->n_vcpus; i++)
                printf("    vCPU %-3u   CPU %-8d (when it runs)\n", i, p->vcpu_cpu[i]);
        if (!cpu_set_is_empty(&p->emulator)) {
                _cleanup_free_ char *e = cpus_text(&p->emulator);
                printf("    emulator   %-12s (when it runs)\n", e);
        }
}

static void print_host(const Guest *g) {
        _cleanup_cpu_set_ CpuSet host = {};
        _cleanup_strv_free_ char **guests = NULL;
        if (host_isolation_state(&host, &guests) < 0) {
                if (g->placement.isolate_host)
                        printf("    host       not isolated now (IsolateHost=yes applies while the guest runs)\n");
                return;
        }
        _cleanup_free_ char *h = cpus_text(&host);
        printf("    host       processes on %s (isolating guests:", h);
        for (size_t i = 0; guests && guests[i]; i++)
                printf(" %s", guests[i]);
        printf(")\n");
}

void status_print_placement(sd_bus *bus, const Guest *g) {
        printf("\n  Placement:\n");
        Placement p;
        /* Messages about an invalid placement belong to vxm check; here it is enough to say so. */
        int r = placement_for_guest_quiet(g, &p);

        _cleanup_free_ char *unit = xasprintf("vxm-guest@%s.service", g->name);
        if (!print_running(unit_main_pid(bus, unit), g)) {
                if (r < 0)
                        printf("    not valid on this host: vxm check %s says why\n", g->name);
                else
                        print_plan(&p);
        }
        if (r >= 0 && p.memory_node >= 0)
                printf("    memory     NUMA node %d%s\n", p.memory_node,
                       g->placement.memory_node >= 0 ? " ([Memory] Node=)" : " (the GPU's node)");
        if (r >= 0)
                placement_done(&p);
        print_host(g);
}
