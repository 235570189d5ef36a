/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME, the placement findings: the GPU's NUMA node, that node's CPUs and SMT siblings, what
 * CPUAffinity=auto would choose, whether the guest's own placement works on this host, where its memory goes, and
 * whether the host can be isolated. The same code as vxm-guest and vxm-isolate (lib/host/placement.c), so a guest
 * that passes here is placed there as shown. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/cpu-topology.h"
#include "host/host-isolation.h"
#include "host/placement.h"
#include "placement-report.h"

static void say(PlacementReport report, PlacementVerdict v, const char *hint, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void say(PlacementReport report, PlacementVerdict v, const char *hint, const char *fmt, ...) {
        char text[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        report(v, hint, text);
}

/* "2,6 3,7": the SMT siblings of each core of s, one group per core. */
static char *describe_cores(const CpuTopology *t, const CpuSet *s) {
        _cleanup_cpu_set_ CpuSet done = {};
        char *out = xstrdup("");
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1)) {
                if (cpu_set_has(&done, (unsigned) c))
                        continue;
                _cleanup_cpu_set_ CpuSet core = {};
                cpu_topology_core_cpus(t, (unsigned) c, &core);
                cpu_set_add_all(&done, &core);
                _cleanup_free_ char *list = cpu_set_format(&core);
                char *next = xasprintf("%s%s%s", out, *out ? " " : "", list);
                free(out);
                out = next;
        }
        return out;
}

static unsigned n_nodes_with_cpus(const CpuTopology *t) {
        unsigned n = 0;
        for (unsigned i = 0; i < t->n_nodes; i++)
                n += !cpu_set_is_empty(&t->node_cpus[i]);
        return n;
}

static void check_node(const Guest *g, const CpuTopology *t, PlacementReport report) {
        _cleanup_free_ char *online = cpu_set_format(&t->online);
        if (n_nodes_with_cpus(t) <= 1) {
                say(report, PLACEMENT_OK, NULL, "NUMA: one node (CPUs %s): every CPU is as close to the GPU", online);
                return;
        }
        if (g->n_devices == 0)
                return;
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&g->devices[0].address, bdf);
        int node = pci_device_numa_node(&g->devices[0].address);
        if (!cpu_topology_has_node(t, node)) {
                say(report, PLACEMENT_WARN,
                    "list CPUAffinity= and set [Memory] Node= by hand (lscpu and the mainboard manual say which node "
                    "the slot belongs to)",
                    "NUMA: %u nodes, and the kernel names none for %s (numa_node %d)", n_nodes_with_cpus(t), bdf, node);
                return;
        }
        const CpuSet *cpus = &t->node_cpus[node];
        _cleanup_free_ char *list = cpu_set_format(cpus), *cores = describe_cores(t, cpus);
        say(report, PLACEMENT_OK, NULL, "NUMA: the GPU %s is on node %d: CPUs %s, SMT siblings %s", bdf, node, list,
            cores);
}

static void check_auto(const Guest *g, const CpuTopology *t, PlacementReport report) {
        int device_node = g->n_devices > 0 ? pci_device_numa_node(&g->devices[0].address) : -1;
        _cleanup_cpu_set_ CpuSet chosen = {};
        _cleanup_free_ int *map = xmalloc(g->cpus * sizeof *map);
        unsigned free_cores = 0;
        int node = placement_auto_cores(t, device_node, g->cpus, &chosen, map, &free_cores);
        if (node < 0) {
                /* For a guest that uses auto, the placement finding below names the line; for the others, say so. */
                if (!g->placement.cpu_affinity_auto)
                        say(report, PLACEMENT_OK, NULL,
                            "CPUAffinity=auto would not fit CPUs=%u here (%u whole core%s free on the node, the core "
                            "of "
                            "CPU 0 stays with the host)",
                            g->cpus, free_cores, free_cores == 1 ? "" : "s");
                return;
        }
        char vcpus[512] = "";
        for (unsigned i = 0; i < g->cpus && strlen(vcpus) < sizeof vcpus - 32; i++)
                snprintf(vcpus + strlen(vcpus), sizeof vcpus - strlen(vcpus), "%s%d", i ? "," : "", map[i]);
        _cleanup_free_ char *list = cpu_set_format(&chosen);
        say(report, PLACEMENT_OK, NULL, "CPUAffinity=auto %s CPUs %s on node %d (vCPUs 0-%u on %s)",
            g->placement.cpu_affinity_auto ? "takes" : "would take", list, node, g->cpus - 1, vcpus);
}

/* The node's memory, from /sys/devices/system/node/nodeN/meminfo ("Node 1 MemTotal:  1572864 kB"). */
static int node_mem_kib(int node, const char *key, unsigned long long *ret) {
        _cleanup_free_ char *p = xasprintf("/sys/devices/system/node/node%d/meminfo", node), *text = NULL;
        if (root_read_file(p, &text, NULL) < 0)
                return -ENOENT;
        _cleanup_free_ char *k = xasprintf(" %s:", key);
        const char *at = strstr(text, k);
        return at && sscanf(at + strlen(k), " %llu", ret) == 1 ? 0 : -EBADMSG;
}

static void check_memory(const Guest *g, const Placement *p, PlacementReport report) {
        if (p->memory_node < 0)
                return;
        unsigned long long total = 0, free_kib = 0;
        unsigned long long need = g->memory >> 10;
        if (node_mem_kib(p->memory_node, "MemTotal", &total) < 0) {
                say(report, PLACEMENT_OK, NULL, "memory: bound to NUMA node %d", p->memory_node);
                return;
        }
        (void) node_mem_kib(p->memory_node, "MemFree", &free_kib);
        if (need > total)
                say(report, PLACEMENT_FAIL, "lower Memory=, or set [Memory] Node= to a bigger node (or none)",
                    "memory: Memory=%llu MiB is bound to NUMA node %d, which has %llu MiB in all",
                    (unsigned long long) (g->memory >> 20), p->memory_node, total >> 10);
        else
                say(report, PLACEMENT_OK, NULL, "memory: bound to NUMA node %d (%llu MiB, %llu MiB free now)",
                    p->memory_node, total >> 10, free_kib >> 10);
}

/* The guests run in machine.slice: a cpuset there that leaves out CPUs of the placement makes the pinning fail. */
static void check_slice(const Placement *p, PlacementReport report) {
        _cleanup_free_ char *line = NULL;
        _cleanup_cpu_set_ CpuSet allowed = {}, want = {}, missing = {};
        if (root_read_line("/sys/fs/cgroup/machine.slice/cpuset.cpus.effective", &line) < 0 ||
            cpu_set_parse(line, &allowed, NULL) < 0)
                return;
        cpu_set_copy(&want, &p->vcpus);
        cpu_set_add_all(&want, &p->emulator);
        cpu_set_copy(&missing, &want);
        cpu_set_remove_all(&missing, &allowed);
        if (cpu_set_is_empty(&missing))
                return;
        _cleanup_free_ char *m = cpu_set_format(&missing);
        say(report, PLACEMENT_FAIL,
            "systemctl set-property --runtime machine.slice AllowedCPUs= (or fix what narrowed it)",
            "placement: machine.slice, where guests run, may only use CPUs %s: pinning to CPUs %s would fail", line, m);
}

static void check_guest_placement(const Guest *g, const Placement *p, PlacementReport report) {
        if (!p->vcpu_cpu && cpu_set_is_empty(&p->emulator)) {
                say(report, PLACEMENT_OK, NULL, "placement: vCPUs not pinned (no CPUAffinity=)");
                return;
        }
        _cleanup_free_ char *emu = cpu_set_format(&p->emulator), *vcpus = cpu_set_format(&p->vcpus);
        if (!p->vcpu_cpu) {
                say(report, PLACEMENT_OK, NULL, "placement: vCPUs not pinned, emulator threads on CPUs %s", emu);
                return;
        }
        char node[32] = "";
        if (p->vcpu_node >= 0)
                snprintf(node, sizeof node, " (node %d)", p->vcpu_node);
        say(report, PLACEMENT_OK, NULL, "placement: vCPUs on CPUs %s%s%s, emulator threads on CPUs %s", vcpus, node,
            p->smt_pairs ? " as SMT sibling pairs (the guest sees threads=2)" : "", emu);
        check_slice(p, report);
        if (!g->placement.isolate_host)
                return;
        int r = host_isolation_supported();
        if (r < 0) {
                say(report, PLACEMENT_FAIL, "boot with the unified cgroup hierarchy (systemd's default since v247)",
                    "IsolateHost=yes: this host has no cgroup v2 cpuset controller");
                return;
        }
        _cleanup_cpu_set_ CpuSet host = {}, online = {};
        _cleanup_free_ char *line = NULL;
        if (root_read_line("/sys/devices/system/cpu/online", &line) >= 0)
                (void) cpu_set_parse(line, &online, NULL);
        cpu_set_copy(&host, &online);
        cpu_set_remove_all(&host, &p->isolated);
        _cleanup_free_ char *h = cpu_set_format(&host), *i = cpu_set_format(&p->isolated);
        say(report, PLACEMENT_OK, NULL,
            "IsolateHost=yes: while the guest runs, host processes run on CPUs %s and CPUs %s are the guest's", h, i);
}

void check_placement(const Guest *g, PlacementReport report) {
        _cleanup_cpu_topology_free_ CpuTopology *t = NULL;
        bool have_topology = cpu_topology_load(&t) >= 0;
        if (have_topology) {
                check_node(g, t, report);
                check_auto(g, t, report);
        }

        Placement p;
        if (placement_for_guest(g, &p) < 0) {
                say(report, PLACEMENT_FAIL, "fix the lines named above (vxm check shows what auto would choose)",
                    "placement: the guest's CPUAffinity=, EmulatorCPUs= or Node= cannot be applied on this host");
                return;
        }
        if (have_topology)
                check_guest_placement(g, &p, report);
        check_memory(g, &p, report);
        placement_done(&p);
}
