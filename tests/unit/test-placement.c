/* SPDX-License-Identifier: BSD-3-Clause */
/* Placement (issue 12): the [Guest] CPUAffinity=/EmulatorCPUs=/IsolateHost= and [Memory] Node= keys with their
 * file:line errors, the host topology read from fake /sys/devices/system trees (SMT siblings, two NUMA nodes, offline
 * CPUs, no NUMA at all), and what the placement makes of them: the CPUAffinity=auto choice, the vCPU-to-CPU map, SMT
 * pairs, emulator CPUs, the isolated set and the memory node. */
#include <syslog.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "config/config.h"
#include "fake-root.h"
#include "host/cpu-topology.h"
#include "host/placement.h"
#include "tap.h"

/* --- captured log messages, "E: text" / "W: text" --- */

static char **messages;

static void sink(int level, const char *message, void *userdata) {
        char *s;
        if (asprintf(&s, "%c: %s", level <= LOG_ERR ? 'E' : level == LOG_WARNING ? 'W' : 'I', message) < 0)
                abort();
        strv_consume(&messages, s);
}

/* Exactly these messages (NULL-terminated), then forget them. */
static void expect(const char *what, const char *const *want) {
        size_t n = 0;
        while (want[n])
                n++;
        bool same = strv_length(messages) == n;
        for (size_t i = 0; same && i < n; i++)
                same = strcmp(messages[i], want[i]) == 0;
        if (!tap_ok(same, "%s: messages", what)) {
                for (size_t i = 0; messages && messages[i]; i++)
                        tap_diag("  got:  %s", messages[i]);
                for (size_t i = 0; i < n; i++)
                        tap_diag("  want: %s", want[i]);
        }
        messages = strv_free(messages);
}
#define EXPECT(what, ...) expect(what, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_NONE(what) expect(what, (const char *const[]){ NULL })

/* --- fake topologies --- */

static void cpu_siblings(unsigned cpu, const char *siblings) {
        char p[128];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", cpu);
        fake_root_write(p, siblings);
}

static void node_cpus(unsigned node, const char *cpulist) {
        char p[128];
        snprintf(p, sizeof p, "/sys/devices/system/node/node%u/cpulist", node);
        fake_root_write(p, cpulist);
}

/* Two nodes of two 2-thread cores each, numbered like Intel's: CPU n and n+4 are siblings. Node 0: cores 0/4 and
 * 1/5; node 1: cores 2/6 and 3/7. The GPU at 0000:41:00.0 is on node 1, the NIC at 0000:05:00.0 on node 0. */
static void topology_two_nodes_smt(void) {
        fake_root_new();
        fake_root_write("/sys/devices/system/cpu/online", "0-7\n");
        fake_root_write("/sys/devices/system/cpu/present", "0-7\n");
        for (unsigned c = 0; c < 8; c++) {
                char s[16];
                snprintf(s, sizeof s, "%u,%u\n", c % 4, c % 4 + 4);
                cpu_siblings(c, s);
        }
        node_cpus(0, "0-1,4-5\n");
        node_cpus(1, "2-3,6-7\n");
        fake_root_write("/sys/bus/pci/devices/0000:41:00.0/numa_node", "1\n");
        fake_root_write("/sys/bus/pci/devices/0000:05:00.0/numa_node", "0\n");
        fake_root_write("/sys/bus/pci/devices/0000:06:00.0/numa_node", "-1\n");
}

/* The same with CPU 3 offline: it has no topology directory, node 1 lists only its online CPUs, and core 3/7 is left
 * with one thread. */
static void topology_offline_cpu(void) {
        topology_two_nodes_smt();
        fake_root_write("/sys/devices/system/cpu/online", "0-2,4-7\n");
        char full[4096];
        snprintf(full, sizeof full, "%s/sys/devices/system/cpu/cpu3/topology/thread_siblings_list", fake_root);
        unlink(full);
        cpu_siblings(7, "7\n");
        node_cpus(1, "2,6-7\n");
}

/* A kernel without NUMA (no /sys/devices/system/node) and without SMT: 4 CPUs, no present file. */
static void topology_flat(void) {
        fake_root_new();
        fake_root_write("/sys/devices/system/cpu/online", "0-3\n");
        for (unsigned c = 0; c < 4; c++) {
                char s[8];
                snprintf(s, sizeof s, "%u\n", c);
                cpu_siblings(c, s);
        }
}

static void test_topology(void) {
        _cleanup_cpu_topology_free_ CpuTopology *t = NULL;
        _cleanup_cpu_set_ CpuSet core = {};

        topology_two_nodes_smt();
        if (!tap_ok(cpu_topology_load(&t) == 0, "two nodes with SMT: loads"))
                return;
        tap_is_int(t->n_nodes, 2, "  ... 2 nodes");
        tap_ok(cpu_topology_node_of(t, 6) == 1 && cpu_topology_node_of(t, 4) == 0, "  ... CPU 6 on node 1, 4 on 0");
        cpu_topology_core_cpus(t, 6, &core);
        _cleanup_free_ char *s = cpu_set_format(&core);
        tap_is_str(s, "2,6", "  ... CPU 6's core is 2,6");
        _cleanup_cpu_set_ CpuSet mixed = {};
        cpu_set_parse("2,7", &mixed, NULL);
        tap_is_int(cpu_topology_single_node(t, &mixed), 1, "  ... 2,7 are on node 1");
        cpu_set_parse("2,5", &mixed, NULL);
        tap_is_int(cpu_topology_single_node(t, &mixed), -1, "  ... 2,5 span nodes");
        t = cpu_topology_free(t);

        topology_offline_cpu();
        if (!tap_ok(cpu_topology_load(&t) == 0, "offline CPU 3: loads"))
                return;
        tap_ok(cpu_set_has(&t->present, 3) && !cpu_set_has(&t->online, 3), "  ... CPU 3 present, not online");
        tap_is_int(cpu_topology_node_of(t, 3), -1, "  ... an offline CPU has no node");
        cpu_topology_core_cpus(t, 7, &core);
        free(s);
        s = cpu_set_format(&core);
        tap_is_str(s, "7", "  ... CPU 7's core has one online thread");
        t = cpu_topology_free(t);

        topology_flat();
        if (!tap_ok(cpu_topology_load(&t) == 0, "no NUMA, no SMT: loads"))
                return;
        tap_ok(t->n_nodes == 1 && cpu_set_count(&t->node_cpus[0]) == 4, "  ... one node 0 with every CPU");
        tap_ok(cpu_set_equal(&t->present, &t->online), "  ... no present file: the online CPUs");
        t = cpu_topology_free(t);

        fake_root_new();
        tap_ok(cpu_topology_load(&t) == -ENOENT && !t, "no /sys/devices/system/cpu/online: -ENOENT");
}

/* --- guests --- */

static Guest *guest(const char *name, const char *conf) {
        char p[128];
        snprintf(p, sizeof p, "/etc/vxm/%s.conf", name);
        fake_root_write(p, conf);
        Guest *g = NULL;
        int r = guest_load(name, &g);
        if (!tap_ok(r == 0 && g, "guest %s loads", name))
                tap_diag("  r=%d", r);
        return g;
}

static void refused(const char *name, const char *conf) {
        char p[128];
        snprintf(p, sizeof p, "/etc/vxm/%s.conf", name);
        fake_root_write(p, conf);
        Guest *g = NULL;
        tap_ok(guest_load(name, &g) == -EINVAL && !g, "guest %s is refused", name);
        guest_free(g);
}

static void test_config(void) {
        fake_root_new();
        Guest *g = guest("plain", "[Guest]\n");
        EXPECT_NONE("plain");
        if (g) {
                tap_ok(!guest_vcpus_pinned(g) && cpu_set_is_empty(&g->placement.emulator_cpus) &&
                               !g->placement.isolate_host && g->placement.memory_node == MEMORY_NODE_AUTO,
                       "defaults: nothing pinned, not isolated, Node=auto");
                guest_free(g);
        }

        g = guest("all", "[Guest]\nCPUs=4\nCPUAffinity=2-3 6,7\nEmulatorCPUs=0-1\nIsolateHost=yes\n"
                         "[Memory]\nNode=1\n");
        EXPECT_NONE("every placement key");
        if (g) {
                _cleanup_free_ char *a = cpu_set_format(&g->placement.cpu_affinity),
                                    *e = cpu_set_format(&g->placement.emulator_cpus);
                tap_is_str(a, "2-3,6-7", "CPUAffinity= in systemd's syntax (ranges, blanks and commas)");
                tap_is_str(e, "0-1", "EmulatorCPUs=");
                tap_ok(g->placement.isolate_host && g->placement.memory_node == 1, "IsolateHost=yes, Node=1");
                guest_free(g);
        }

        g = guest("auto", "[Guest]\nCPUAffinity=2-3\nCPUAffinity=auto\n[Memory]\nNode=none\n");
        EXPECT_NONE("auto");
        if (g) {
                tap_ok(g->placement.cpu_affinity_auto && cpu_set_is_empty(&g->placement.cpu_affinity),
                       "CPUAffinity=auto replaces an earlier list");
                tap_is_int(g->placement.memory_node, MEMORY_NODE_NONE, "Node=none");
                guest_free(g);
        }
        g = guest("reset", "[Guest]\nCPUAffinity=auto\nCPUAffinity=\nEmulatorCPUs=1\nEmulatorCPUs=\n"
                           "[Memory]\nNode=0\nNode=\n");
        EXPECT_NONE("reset");
        if (g) {
                tap_ok(!guest_vcpus_pinned(g) && cpu_set_is_empty(&g->placement.emulator_cpus) &&
                               g->placement.memory_node == MEMORY_NODE_AUTO,
                       "empty assignments reset CPUAffinity=, EmulatorCPUs= and Node= (a drop-in can undo them)");
                guest_free(g);
        }
        g = guest("node0", "[Memory]\nNode=0\n");
        EXPECT_NONE("node0");
        if (g) {
                tap_is_int(g->placement.memory_node, 0, "Node=0 is node 0, not a boolean");
                guest_free(g);
        }

        refused("badlist", "[Guest]\nCPUs=1\nCPUAffinity=7-2\n");
        EXPECT("bad list",
               "E: /etc/vxm/badlist.conf:3: CPUAffinity=7-2: a range must go from the lower to the higher CPU");
        refused("word", "[Guest]\nEmulatorCPUs=all\n");
        EXPECT("a word", "E: /etc/vxm/word.conf:2: EmulatorCPUs=all: expected CPU numbers and ranges such as "
                         "2-7,10-15");
        refused("huge", "[Guest]\nCPUAffinity=0-9000\n");
        EXPECT("too high", "E: /etc/vxm/huge.conf:2: CPUAffinity=0-9000: CPU numbers go up to 8191");
        refused("commas", "[Guest]\nCPUAffinity=,,\n");
        EXPECT("no CPU", "E: /etc/vxm/commas.conf:2: CPUAffinity=,,: lists no CPU");
        refused("short", "[Guest]\nCPUs=4\n\nCPUAffinity=2-3,6\n");
        EXPECT("fewer CPUs than CPUs=",
               "E: /etc/vxm/short.conf:4: CPUAffinity=2-3,6 has 3 CPUs, but CPUs=4 needs one host CPU per vCPU");
        refused("lonely", "[Guest]\nIsolateHost=yes\n");
        EXPECT("isolation without affinity", "E: /etc/vxm/lonely.conf:2: IsolateHost=yes needs CPUAffinity= (auto or "
                                             "a list): the CPUs to keep free of host processes");
        refused("badnode", "[Memory]\nNode=first\n");
        EXPECT("bad node",
               "E: /etc/vxm/badnode.conf:2: Node=first: expected auto, none or a NUMA node number (0 to 1023)");
        refused("farnode", "[Memory]\nNode=1024\n");
        EXPECT("node out of range",
               "E: /etc/vxm/farnode.conf:2: Node=1024: expected auto, none or a NUMA node number (0 to 1023)");
        refused("isobool", "[Guest]\nCPUAffinity=auto\nIsolateHost=maybe\n");
        EXPECT("bad boolean", "E: /etc/vxm/isobool.conf:3: IsolateHost=maybe: not a boolean (use yes or no)");
}

/* --- placements --- */

static void is_set(const CpuSet *s, const char *want, const char *what) {
        _cleanup_free_ char *got = cpu_set_format(s);
        tap_is_str(got, want, what);
}

static void is_map(const Placement *p, const char *want, const char *what) {
        char buf[256] = "";
        for (unsigned i = 0; p->vcpu_cpu && i < p->n_vcpus; i++)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d", i ? " " : "", p->vcpu_cpu[i]);
        tap_is_str(buf, want, what);
}

/* The placement of a guest whose config is conf, which must work. */
static bool placed(const char *conf, Placement *p) {
        Guest *g = guest("p", conf);
        if (!g)
                return false;
        int r = placement_for_guest(g, p);
        guest_free(g);
        if (!tap_ok(r == 0, "  ... placement computed"))
                tap_diag("  r=%d", r);
        return r == 0;
}

static void not_placed(const char *conf) {
        Guest *g = guest("p", conf);
        if (!g)
                return;
        Placement p;
        int r = placement_for_guest(g, &p);
        tap_ok(r < 0 && !p.vcpu_cpu, "  ... placement refused");
        placement_done(&p);
        guest_free(g);
}

#define GPU "[PCI]\nDevice=0000:41:00.0\n"

static void test_auto(void) {
        Placement p;
        topology_two_nodes_smt();

        tap_diag("auto, 4 vCPUs, GPU on node 1: both cores of node 1, siblings together");
        if (placed("[Guest]\nCPUs=4\nCPUAffinity=auto\nIsolateHost=yes\n" GPU, &p)) {
                is_map(&p, "2 6 3 7", "vCPUs 0-3 on 2,6,3,7");
                is_set(&p.vcpus, "2-3,6-7", "the affinity set");
                tap_ok(p.smt_pairs, "SMT pairs: -smp threads=2");
                is_set(&p.emulator, "0-1,4-5", "emulator: node 1 is full, so every other CPU");
                is_set(&p.isolated, "2-3,6-7", "IsolateHost keeps the vCPUs' CPUs free");
                tap_ok(p.device_node == 1 && p.vcpu_node == 1 && p.memory_node == 1, "nodes: GPU, vCPUs, memory 1");
                placement_done(&p);
        }
        EXPECT_NONE("auto 4");

        tap_diag("auto, 2 vCPUs: the highest core");
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=auto\n" GPU, &p)) {
                is_map(&p, "3 7", "vCPUs on 3,7");
                tap_ok(p.smt_pairs, "one SMT pair");
                is_set(&p.emulator, "2,6", "emulator: the rest of node 1");
                tap_ok(cpu_set_is_empty(&p.isolated), "not isolated without IsolateHost=");
                placement_done(&p);
        }

        tap_diag("auto, 3 vCPUs: two whole cores, the fourth thread stays unused");
        if (placed("[Guest]\nCPUs=3\nCPUAffinity=auto\n" GPU, &p)) {
                is_map(&p, "2 6 3", "vCPUs on 2,6,3");
                is_set(&p.vcpus, "2-3,6-7", "both whole cores are the guest's");
                tap_ok(!p.smt_pairs, "odd CPUs=: threads=1");
                placement_done(&p);
        }

        tap_diag("auto, 4 vCPUs on node 0: only core 1/5, the core of CPU 0 stays with the host");
        not_placed("[Guest]\nCPUs=4\nCPUAffinity=auto\n[PCI]\nDevice=0000:05:00.0\n");
        EXPECT("not enough cores", "E: /etc/vxm/p.conf:3: CPUAffinity=auto: CPUs=4 needs more whole cores than the "
                                   "GPU's NUMA node 0 has (CPUs 0-1,4-5, 1 core besides the core of CPU 0); lower "
                                   "CPUs= or list the CPUs");

        tap_diag("auto without a GPU (or numa_node -1): the first node with enough cores");
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=auto\n", &p)) {
                is_map(&p, "1 5", "vCPUs on node 0's core 1/5");
                tap_ok(p.device_node == -1 && p.vcpu_node == 0 && p.memory_node == 0,
                       "memory follows the vCPUs without a GPU");
                placement_done(&p);
        }
        if (placed("[Guest]\nCPUs=4\nCPUAffinity=auto\n[PCI]\nDevice=0000:06:00.0\n", &p)) {
                is_map(&p, "2 6 3 7", "node 0 is too small, node 1 fits");
                placement_done(&p);
        }
        not_placed("[Guest]\nCPUs=6\nCPUAffinity=auto\n");
        EXPECT("no node fits", "E: /etc/vxm/p.conf:3: CPUAffinity=auto: no NUMA node has enough whole cores for "
                               "CPUs=6 (the core of CPU 0 stays with the host); list the CPUs instead");

        tap_diag("auto with an offline CPU: whole cores first");
        topology_offline_cpu();
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=auto\n" GPU, &p)) {
                is_map(&p, "2 6", "core 2/6 (two threads) before core 7 (one left)");
                placement_done(&p);
        }
        if (placed("[Guest]\nCPUs=3\nCPUAffinity=auto\n" GPU, &p)) {
                is_map(&p, "2 6 7", "then core 7");
                tap_ok(!cpu_set_has(&p.vcpus, 3), "never the offline CPU");
                placement_done(&p);
        }
        not_placed("[Guest]\nCPUs=4\nCPUAffinity=auto\n" GPU);
        EXPECT("offline leaves too few", "E: /etc/vxm/p.conf:3: CPUAffinity=auto: CPUs=4 needs more whole cores than "
                                         "the GPU's NUMA node 1 has (CPUs 2,6-7, 2 cores besides the core of CPU 0); "
                                         "lower CPUs= or list the CPUs");

        tap_diag("auto without NUMA and without SMT");
        topology_flat();
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=auto\n", &p)) {
                is_map(&p, "2 3", "the two highest CPUs");
                tap_ok(!p.smt_pairs, "no SMT: threads=1");
                is_set(&p.emulator, "0-1", "emulator: the rest of the node");
                tap_is_int(p.memory_node, -1, "no NUMA: memory not bound");
                placement_done(&p);
        }
}

static void test_lists(void) {
        Placement p;
        topology_two_nodes_smt();

        if (placed("[Guest]\nCPUs=4\nCPUAffinity=7,3,6,2\n" GPU, &p)) {
                is_map(&p, "2 6 3 7", "a list is used in core order, siblings together");
                tap_ok(p.smt_pairs, "  ... SMT pairs");
                placement_done(&p);
        }
        EXPECT_NONE("list on the GPU's node");
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=2-3\nEmulatorCPUs=6-7\n" GPU, &p)) {
                is_map(&p, "2 3", "2-3 are two cores");
                tap_ok(!p.smt_pairs, "  ... not SMT pairs: threads=1");
                is_set(&p.emulator, "6-7", "EmulatorCPUs= as listed");
                placement_done(&p);
        }
        if (placed("[Guest]\nCPUs=2\nCPUAffinity=1,5\n" GPU, &p)) {
                is_map(&p, "1 5", "CPUs on node 0 are used as listed");
                tap_ok(p.vcpu_node == 0 && p.memory_node == 1, "  ... memory still follows the GPU (Node=auto)");
                is_set(&p.emulator, "0,4", "  ... emulator default: the vCPUs' node");
                placement_done(&p);
        }
        EXPECT("another node", "W: /etc/vxm/p.conf:3: CPUAffinity=1,5: CPUs 1,5 are not on NUMA node 1, the GPU's: "
                               "the GPU's memory accesses from them cross nodes");
        if (placed("[Guest]\nCPUs=1\nCPUAffinity=2-3\nEmulatorCPUs=2,6\n[Memory]\nNode=0\n" GPU, &p)) {
                is_map(&p, "2", "more CPUs than vCPUs: the first in core order");
                is_set(&p.vcpus, "2-3", "  ... all listed CPUs stay the guest's");
                tap_is_int(p.memory_node, 0, "  ... Node=0 overrides the GPU's node");
                placement_done(&p);
        }
        EXPECT("extra CPUs, shared emulator CPU",
               "W: /etc/vxm/p.conf:3: CPUAffinity=2-3 lists 2 CPUs for CPUs=1: 1 of them stays unused (and free of "
               "emulator threads)",
               "W: /etc/vxm/p.conf:4: EmulatorCPUs=2,6 shares CPU 2 with the vCPUs: QEMU's I/O then competes with the "
               "guest's CPUs");

        not_placed("[Guest]\nCPUs=2\nCPUAffinity=6-9\n");
        EXPECT("CPUs that do not exist",
               "E: /etc/vxm/p.conf:3: CPUAffinity=6-9: CPUs 8-9 do not exist on this host (it has CPUs 0-7)");
        not_placed("[Guest]\nCPUs=1\nCPUAffinity=1\nEmulatorCPUs=12\n");
        EXPECT("an emulator CPU that does not exist",
               "E: /etc/vxm/p.conf:4: EmulatorCPUs=12: CPU 12 does not exist on this host (it has CPUs 0-7)");
        not_placed("[Guest]\nCPUs=8\nCPUAffinity=0-7\nIsolateHost=yes\n");
        EXPECT("nothing left for the host", "E: /etc/vxm/p.conf:4: IsolateHost=yes: the guest's CPUs 0-7 are every "
                                            "online CPU; the host needs at least one");
        not_placed("[Guest]\nCPUs=1\n[Memory]\nNode=3\n");
        EXPECT("no such node",
               "E: /etc/vxm/p.conf:4: Node=3: this host has no NUMA node 3 (see /sys/devices/system/node)");

        topology_offline_cpu();
        not_placed("[Guest]\nCPUs=2\nCPUAffinity=2-3\n" GPU);
        EXPECT("an offline CPU", "E: /etc/vxm/p.conf:3: CPUAffinity=2-3: CPU 3 is offline (online: 0-2,4-7)");

        tap_diag("emulator threads pinned without vCPUs");
        if (placed("[Guest]\nCPUs=2\nEmulatorCPUs=4-5\n", &p)) {
                tap_ok(!p.vcpu_cpu && !p.smt_pairs, "vCPUs not pinned");
                is_set(&p.emulator, "4-5", "emulator pinned");
                tap_ok(placement_pins_threads(&p), "  ... so threads are pinned");
                placement_done(&p);
        }

        tap_diag("nothing pinned needs no topology");
        fake_root_new();
        fake_root_write("/sys/bus/pci/devices/0000:41:00.0/numa_node", "1\n");
        fake_root_mkdir("/sys/devices/system/node/node1");
        if (placed("[Guest]\nCPUs=2\n" GPU, &p)) {
                tap_ok(!placement_pins_threads(&p) && p.memory_node == 1, "only the memory binding, to node 1");
                placement_done(&p);
        }
        if (placed("[Guest]\nCPUs=2\n[Memory]\nNode=none\n" GPU, &p)) {
                tap_is_int(p.memory_node, -1, "Node=none: not bound");
                placement_done(&p);
        }
        not_placed("[Guest]\nCPUs=2\nCPUAffinity=auto\n" GPU);
        EXPECT("no topology", "E: /etc/vxm/p.conf: cannot read the host's CPU topology for the placement of guest p "
                              "(/sys/devices/system/cpu): No such file or directory");
}

static void test_quiet(void) {
        topology_two_nodes_smt();
        Guest *g = guest("q", "[Guest]\nCPUs=2\nCPUAffinity=1,5\n" GPU);
        if (g) {
                tap_is_int(placement_vcpu_node(g), 0, "placement_vcpu_node: the node of the pinned vCPUs");
                tap_is_int(placement_memory_node(g), 1, "placement_memory_node: the GPU's");
                guest_free(g);
        }
        EXPECT_NONE("quiet: not even the other-node warning");
        g = guest("q", "[Guest]\nCPUs=2\nCPUAffinity=2,5\n" GPU);
        if (g) {
                tap_is_int(placement_vcpu_node(g), -1, "vCPUs spanning nodes: -1");
                guest_free(g);
        }
        g = guest("q", "[Guest]\nCPUs=2\nCPUAffinity=2,99\n" GPU);
        if (g) {
                tap_is_int(placement_vcpu_node(g), -1, "an invalid placement: -1");
                guest_free(g);
        }
        g = guest("q", "[Guest]\nCPUs=2\n" GPU);
        if (g) {
                tap_is_int(placement_vcpu_node(g), -1, "not pinned: -1");
                guest_free(g);
        }
        EXPECT_NONE("quiet");
}

int main(void) {
        log_setup("test-placement", LOG_TARGET_STDERR);
        log_set_sink(sink, NULL);
        test_topology();
        test_config();
        test_auto();
        test_lists();
        test_quiet();
        fake_root_clear();
        return tap_done();
}
