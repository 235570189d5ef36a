/* SPDX-License-Identifier: BSD-3-Clause */
/* Where the guest runs on this host's CPUs and memory: the GPU's NUMA node with that node's CPUs and SMT siblings, what
 * CPUAffinity=auto would choose, whether the guest's own placement can be applied (also by the kernel: machine.slice's
 * cpuset), whether the host can be isolated, and where its memory goes. The same computation as vxm-guest and
 * vxm-isolate (lib/host/placement.c), so a guest that passes here is placed there as shown. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "check.h"
#include "host/cpu-topology.h"
#include "host/host-isolation.h"
#include "host/placement.h"

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

static void run_numa(CheckContext *c) {
        const Guest *g = c->guest;
        _cleanup_cpu_topology_free_ CpuTopology *t = NULL;
        if (cpu_topology_load(&t) < 0)
                return; /* no /sys/devices/system/cpu/online: not Linux as vxm knows it, nothing to say */
        _cleanup_free_ char *online = cpu_set_format(&t->online);
        if (n_nodes_with_cpus(t) <= 1) {
                check_ok(c, NULL, "one NUMA node (CPUs %s): every CPU is as close to the GPU", online);
                return;
        }
        if (g->n_devices == 0)
                return;
        char bdf[PCI_ADDRESS_STRLEN];
        pci_address_format(&g->devices[0].address, bdf);
        int node = pci_device_numa_node(&g->devices[0].address);
        if (!cpu_topology_has_node(t, node)) {
                check_warn(c, bdf,
                           "list CPUAffinity= and set [Memory] Node= by hand (lscpu and the mainboard manual say "
                           "which node the slot belongs to)",
                           "%u NUMA nodes, and the kernel names none for this device (numa_node %d)",
                           n_nodes_with_cpus(t), node);
                return;
        }
        const CpuSet *cpus = &t->node_cpus[node];
        _cleanup_free_ char *list = cpu_set_format(cpus), *cores = describe_cores(t, cpus);
        check_ok(c, bdf, "on NUMA node %d: CPUs %s, SMT siblings %s", node, list, cores);
}
const Check check_numa = { "numa", CHECK_GUEST, run_numa,
                           "the GPU's NUMA node, that node's CPUs and their SMT siblings" };

static void run_cpu_auto(CheckContext *c) {
        const Guest *g = c->guest;
        _cleanup_cpu_topology_free_ CpuTopology *t = NULL;
        if (cpu_topology_load(&t) < 0)
                return;
        int device_node = g->n_devices > 0 ? pci_device_numa_node(&g->devices[0].address) : -1;
        _cleanup_cpu_set_ CpuSet chosen = {};
        _cleanup_free_ int *map = xmalloc(g->cpus * sizeof *map);
        unsigned free_cores = 0;
        int node = placement_auto_cores(t, device_node, g->cpus, &chosen, map, &free_cores);
        if (node < 0) {
                /* A guest that uses auto gets its failure, with the line, from the placement check. */
                if (!g->placement.cpu_affinity_auto)
                        check_ok(c, NULL,
                                 "CPUAffinity=auto would not fit CPUs=%u here (%u whole core%s free on the node, the "
                                 "core of CPU 0 stays with the host)",
                                 g->cpus, free_cores, free_cores == 1 ? "" : "s");
                return;
        }
        char vcpus[512] = "";
        for (unsigned i = 0; i < g->cpus && strlen(vcpus) < sizeof vcpus - 32; i++)
                snprintf(vcpus + strlen(vcpus), sizeof vcpus - strlen(vcpus), "%s%d", i ? "," : "", map[i]);
        _cleanup_free_ char *list = cpu_set_format(&chosen);
        check_ok(c, NULL, "CPUAffinity=auto %s CPUs %s on node %d (vCPUs 0-%u on %s)",
                 g->placement.cpu_affinity_auto ? "takes" : "would take", list, node, g->cpus - 1, vcpus);
}
const Check check_cpu_auto = { "cpu-auto", CHECK_GUEST, run_cpu_auto,
                               "which whole cores CPUAffinity=auto takes (or would take) for the guest" };

/* The guests run in machine.slice: a cpuset there that leaves out CPUs of the placement makes the pinning fail. */
static void check_slice(CheckContext *c, const Placement *p) {
        _cleanup_free_ char *line = NULL;
        _cleanup_cpu_set_ CpuSet allowed = {}, missing = {};
        if (root_read_line("/sys/fs/cgroup/machine.slice/cpuset.cpus.effective", &line) < 0 ||
            cpu_set_parse(line, &allowed, NULL) < 0)
                return;
        cpu_set_copy(&missing, &p->vcpus);
        cpu_set_add_all(&missing, &p->emulator);
        cpu_set_remove_all(&missing, &allowed);
        if (cpu_set_is_empty(&missing))
                return;
        _cleanup_free_ char *m = cpu_set_format(&missing);
        check_fail(c, "machine.slice",
                   "systemctl set-property --runtime machine.slice AllowedCPUs= (or undo what narrowed it)",
                   "guests run here and may only use CPUs %s: pinning to CPUs %s would fail", line, m);
}

static void run_placement(CheckContext *c) {
        const Guest *g = c->guest;
        Placement p;
        int r = placement_for_guest(g, &p);
        _cleanup_free_ char *said = check_take_log(c);
        if (r < 0) {
                check_fail(c, NULL, "fix that line (the cpu-auto finding shows what auto would choose)", "%s",
                           said ? said
                                : "CPUAffinity=, EmulatorCPUs= or [Memory] Node= cannot be applied on this host");
                return;
        }
        if (said)
                check_warn(c, NULL, "pick CPUs of the GPU's node (see the numa finding), or ignore this if meant", "%s",
                           said);
        if (!placement_pins_threads(&p))
                check_ok(c, NULL, "vCPUs not pinned (no CPUAffinity=)");
        else {
                _cleanup_free_ char *emu = cpu_set_format(&p.emulator), *vcpus = cpu_set_format(&p.vcpus);
                if (!p.vcpu_cpu)
                        check_ok(c, NULL, "vCPUs not pinned, emulator threads on CPUs %s", emu);
                else {
                        char node[32] = "";
                        if (p.vcpu_node >= 0)
                                snprintf(node, sizeof node, " (node %d)", p.vcpu_node);
                        check_ok(c, NULL, "vCPUs on CPUs %s%s%s, emulator threads on CPUs %s", vcpus, node,
                                 p.smt_pairs ? " as SMT sibling pairs (the guest sees threads=2)" : "", emu);
                }
                check_slice(c, &p);
        }
        placement_done(&p);
}
const Check check_placement = { "placement", CHECK_GUEST, run_placement,
                                "CPUAffinity=, EmulatorCPUs= and [Memory] Node= can be applied on this host" };

static void run_isolate_host(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->placement.isolate_host) {
                check_ok(c, NULL,
                         "not set: host processes may run on the guest's CPUs (IsolateHost=yes keeps them off)");
                return;
        }
        Placement p;
        if (placement_for_guest_quiet(g, &p) < 0)
                return; /* placement said why */
        if (host_isolation_supported() < 0)
                check_fail(c, NULL,
                           "boot with the unified cgroup hierarchy (systemd's default since v247) and the cpuset "
                           "controller (see the cgroup finding)",
                           "IsolateHost=yes, and this host has no cgroup v2 cpuset controller");
        else { /* the loader refuses IsolateHost=yes without CPUAffinity=: p.isolated is never empty */
                _cleanup_cpu_set_ CpuSet host = {};
                _cleanup_free_ char *line = NULL;
                if (root_read_line("/sys/devices/system/cpu/online", &line) >= 0)
                        (void) cpu_set_parse(line, &host, NULL);
                cpu_set_remove_all(&host, &p.isolated);
                _cleanup_free_ char *h = cpu_set_format(&host), *i = cpu_set_format(&p.isolated);
                check_ok(c, NULL, "while the guest runs, host processes run on CPUs %s and CPUs %s are the guest's", h,
                         i);
        }
        placement_done(&p);
}
const Check check_isolate_host = { "isolate-host", CHECK_GUEST, run_isolate_host,
                                   "IsolateHost=yes can keep host processes off the guest's CPUs" };

/* The node's memory, from /sys/devices/system/node/nodeN/meminfo ("Node 1 MemTotal:  1572864 kB"). */
static int node_mem_kib(int node, const char *key, unsigned long long *ret) {
        _cleanup_free_ char *p = xasprintf("/sys/devices/system/node/node%d/meminfo", node), *text = NULL;
        if (root_read_file(p, &text, NULL) < 0)
                return -ENOENT;
        _cleanup_free_ char *k = xasprintf(" %s:", key);
        const char *at = strstr(text, k);
        return at && sscanf(at + strlen(k), " %llu", ret) == 1 ? 0 : -EBADMSG;
}

static void run_memory_node(CheckContext *c) {
        const Guest *g = c->guest;
        int node = placement_memory_node(g);
        if (node < 0) {
                check_ok(c, NULL,
                         "guest memory is not bound to a NUMA node (one node, none known for the GPU, or "
                         "[Memory] Node=none)");
                return;
        }
        unsigned long long total = 0, free_kib = 0;
        if (node_mem_kib(node, "MemTotal", &total) < 0) {
                check_ok(c, NULL, "guest memory bound to NUMA node %d", node);
                return;
        }
        (void) node_mem_kib(node, "MemFree", &free_kib);
        if ((g->memory >> 10) > total)
                check_fail(c, NULL, "lower Memory=, or set [Memory] Node= to a bigger node (or none)",
                           "Memory=%llu MiB is bound to NUMA node %d, which has %llu MiB in all",
                           (unsigned long long) (g->memory >> 20), node, total >> 10);
        else
                check_ok(c, NULL, "guest memory bound to NUMA node %d (%llu MiB, %llu MiB free now)", node, total >> 10,
                         free_kib >> 10);
}
const Check check_memory_node = { "memory-node", CHECK_GUEST, run_memory_node,
                                  "the NUMA node guest memory is bound to can hold it" };
