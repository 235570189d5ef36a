/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/placement.h"

/* Messages name the line of the key at fault; quiet computations (placement_memory_node(), ...) log nothing. */
typedef struct Ctx {
        const Guest *g;
        const CpuTopology *t;
        bool quiet;
} Ctx;

static int say(const Ctx *c, int level, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int say(const Ctx *c, int level, const char *section, const char *key, const char *fmt, ...) {
        if (c->quiet)
                return -EINVAL;
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        const ConfigSource *src = guest_key_source(c->g, section, key);
        if (src)
                log_full_errno(level, 0, "%s:%u: %s", src->file, src->line, msg);
        else
                log_full_errno(level, 0, "%s: %s", c->g->path, msg);
        return -EINVAL;
}

void placement_done(Placement *p) {
        free(p->vcpu_cpu);
        cpu_set_done(&p->vcpus);
        cpu_set_done(&p->emulator);
        cpu_set_done(&p->isolated);
        *p = (Placement){ .device_node = -1, .vcpu_node = -1, .memory_node = -1 };
}

bool placement_pins_threads(const Placement *p) {
        return p->vcpu_cpu || !cpu_set_is_empty(&p->emulator);
}

/* The cores (named by their lowest thread) that the CPUs of s belong to, ascending. */
static void cores_of(const CpuTopology *t, const CpuSet *s, CpuSet *ret) {
        cpu_set_done(ret);
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1))
                if ((unsigned) c < t->n_cpus && t->core[c] >= 0)
                        cpu_set_add(ret, (unsigned) t->core[c]);
}

/* vCPU i gets the i-th CPU of cpus in core order (each core's threads together, cores ascending), so that vCPUs 2k
 * and 2k+1 land on the two threads of one core whenever cpus holds whole cores. */
static void map_vcpus(const CpuTopology *t, const CpuSet *cpus, unsigned n_vcpus, int *vcpu_cpu) {
        _cleanup_cpu_set_ CpuSet cores = {};
        cores_of(t, cpus, &cores);
        unsigned i = 0;
        for (int core = cpu_set_next(&cores, 0); core >= 0 && i < n_vcpus; core = cpu_set_next(&cores, core + 1)) {
                _cleanup_cpu_set_ CpuSet threads = {};
                cpu_topology_core_cpus(t, (unsigned) core, &threads);
                cpu_set_intersect(&threads, cpus);
                for (int c = cpu_set_next(&threads, 0); c >= 0 && i < n_vcpus; c = cpu_set_next(&threads, c + 1))
                        vcpu_cpu[i++] = c;
        }
}

static bool smt_pairs(const CpuTopology *t, const int *vcpu_cpu, unsigned n_vcpus) {
        if (n_vcpus < 2 || n_vcpus % 2 != 0)
                return false;
        for (unsigned i = 0; i < n_vcpus; i += 2) {
                _cleanup_cpu_set_ CpuSet core = {};
                cpu_topology_core_cpus(t, (unsigned) vcpu_cpu[i], &core);
                if (cpu_set_count(&core) != 2 || !cpu_set_has(&core, (unsigned) vcpu_cpu[i + 1]) ||
                    vcpu_cpu[i] == vcpu_cpu[i + 1])
                        return false;
        }
        return true;
}

typedef struct Core {
        int id; /* its lowest thread */
        unsigned threads;
} Core;

/* Whole cores first (a core with an offline sibling, or an efficiency core, has fewer threads), then the highest. */
static int core_compare(const void *a, const void *b) {
        const Core *x = a, *y = b;
        if (x->threads != y->threads)
                return x->threads > y->threads ? -1 : 1;
        return (x->id < y->id) - (x->id > y->id);
}

static int auto_on_node(const CpuTopology *t, int node, unsigned n_vcpus, CpuSet *ret, unsigned *ret_free) {
        _cleanup_cpu_set_ CpuSet cores = {}, chosen = {};
        cores_of(t, &t->node_cpus[node], &cores);
        /* CPU 0 is where the kernel keeps work it cannot move elsewhere (some timers, IRQs, early boot services). */
        if (cpu_set_has(&t->online, 0) && t->core[0] >= 0)
                cpu_set_remove(&cores, (unsigned) t->core[0]);
        *ret_free = cpu_set_count(&cores);

        _cleanup_free_ Core *list = xmalloc((*ret_free + 1) * sizeof *list);
        size_t n = 0;
        for (int c = cpu_set_next(&cores, 0); c >= 0; c = cpu_set_next(&cores, c + 1)) {
                _cleanup_cpu_set_ CpuSet threads = {};
                cpu_topology_core_cpus(t, (unsigned) c, &threads);
                list[n++] = (Core){ .id = c, .threads = cpu_set_count(&threads) };
        }
        /* The highest cores first: hosts keep their housekeeping on the low ones. */
        qsort(list, n, sizeof *list, core_compare);
        for (size_t i = 0; i < n && cpu_set_count(&chosen) < n_vcpus; i++) {
                _cleanup_cpu_set_ CpuSet threads = {};
                cpu_topology_core_cpus(t, (unsigned) list[i].id, &threads);
                cpu_set_add_all(&chosen, &threads);
        }
        if (cpu_set_count(&chosen) < n_vcpus)
                return -ENOSPC;
        cpu_set_copy(ret, &chosen);
        return node;
}

int placement_auto_cores(const CpuTopology *t, int node, unsigned n_vcpus, CpuSet *ret, int *ret_vcpu_cpu,
                         unsigned *ret_free_cores) {
        unsigned free_cores = 0;
        int r = -ENOSPC;
        if (node >= 0) {
                if (cpu_topology_has_node(t, node))
                        r = auto_on_node(t, node, n_vcpus, ret, &free_cores);
        } else
                for (unsigned n = 0; n < t->n_nodes && r < 0; n++)
                        if (cpu_topology_has_node(t, (int) n))
                                r = auto_on_node(t, (int) n, n_vcpus, ret, &free_cores);
        if (ret_free_cores)
                *ret_free_cores = free_cores;
        if (r >= 0 && ret_vcpu_cpu)
                map_vcpus(t, ret, n_vcpus, ret_vcpu_cpu);
        return r;
}

/* Every CPU of s must exist and be online. */
static int check_online(const Ctx *c, const char *key, const CpuSet *s) {
        _cleanup_cpu_set_ CpuSet missing = {}, offline = {};
        cpu_set_copy(&missing, s);
        cpu_set_remove_all(&missing, &c->t->present);
        cpu_set_copy(&offline, s);
        cpu_set_remove_all(&offline, &c->t->online);
        cpu_set_remove_all(&offline, &missing);
        _cleanup_free_ char *list = cpu_set_format(s), *m = cpu_set_format(&missing), *o = cpu_set_format(&offline),
                            *present = cpu_set_format(&c->t->present), *online = cpu_set_format(&c->t->online);
        if (!cpu_set_is_empty(&missing))
                return say(c, LOG_ERR, "Guest", key, "%s=%s: CPU%s %s do%s not exist on this host (it has CPUs %s)",
                           key, list, cpu_set_count(&missing) == 1 ? "" : "s", m,
                           cpu_set_count(&missing) == 1 ? "es" : "", present);
        if (!cpu_set_is_empty(&offline))
                return say(c, LOG_ERR, "Guest", key, "%s=%s: CPU%s %s %s offline (online: %s)", key, list,
                           cpu_set_count(&offline) == 1 ? "" : "s", o, cpu_set_count(&offline) == 1 ? "is" : "are",
                           online);
        return 0;
}

static int vcpus_auto(const Ctx *c, Placement *p) {
        unsigned free_cores = 0;
        int node = placement_auto_cores(c->t, p->device_node, p->n_vcpus, &p->vcpus, p->vcpu_cpu, &free_cores);
        if (node >= 0)
                return 0;
        if (p->device_node < 0)
                return say(c, LOG_ERR, "Guest", "CPUAffinity",
                           "CPUAffinity=auto: no NUMA node has enough whole cores for CPUs=%u (the core of CPU 0 stays "
                           "with the host); list the CPUs instead",
                           p->n_vcpus);
        if (!cpu_topology_has_node(c->t, p->device_node))
                return say(c, LOG_ERR, "Guest", "CPUAffinity",
                           "CPUAffinity=auto: the GPU's NUMA node %d has no online CPUs; list the CPUs instead",
                           p->device_node);
        _cleanup_free_ char *cpus = cpu_set_format(&c->t->node_cpus[p->device_node]);
        return say(c, LOG_ERR, "Guest", "CPUAffinity",
                   "CPUAffinity=auto: CPUs=%u needs more whole cores than the GPU's NUMA node %d has (CPUs %s, %u "
                   "core%s besides the core of CPU 0); lower CPUs= or list the CPUs",
                   p->n_vcpus, p->device_node, cpus, free_cores, free_cores == 1 ? "" : "s");
}

static int vcpus_listed(const Ctx *c, Placement *p) {
        const CpuSet *list = &c->g->placement.cpu_affinity;
        if (check_online(c, "CPUAffinity", list) < 0)
                return -EINVAL;
        cpu_set_copy(&p->vcpus, list);
        map_vcpus(c->t, list, p->n_vcpus, p->vcpu_cpu);

        _cleanup_free_ char *s = cpu_set_format(list);
        if (p->device_node >= 0) {
                _cleanup_cpu_set_ CpuSet away = {};
                cpu_set_copy(&away, list);
                if (cpu_topology_has_node(c->t, p->device_node))
                        cpu_set_remove_all(&away, &c->t->node_cpus[p->device_node]);
                _cleanup_free_ char *a = cpu_set_format(&away);
                if (!cpu_set_is_empty(&away))
                        say(c, LOG_WARNING, "Guest", "CPUAffinity",
                            "CPUAffinity=%s: CPU%s %s %s not on NUMA node %d, the GPU's: the GPU's memory accesses "
                            "from %s cross nodes",
                            s, cpu_set_count(&away) == 1 ? "" : "s", a, cpu_set_count(&away) == 1 ? "is" : "are",
                            p->device_node, cpu_set_count(&away) == 1 ? "it" : "them");
        }
        unsigned n = cpu_set_count(list);
        if (n > p->n_vcpus)
                say(c, LOG_WARNING, "Guest", "CPUAffinity",
                    "CPUAffinity=%s lists %u CPUs for CPUs=%u: %u of them stay%s unused (and free of emulator threads)",
                    s, n, p->n_vcpus, n - p->n_vcpus, n - p->n_vcpus == 1 ? "s" : "");
        return 0;
}

/* The default: the CPUs of the vCPUs' node that the vCPUs do not use, else every other online CPU, else all. */
static void emulator_default(const CpuTopology *t, const Placement *p, CpuSet *ret) {
        int node = p->vcpu_node >= 0 ? p->vcpu_node : p->device_node;
        if (cpu_topology_has_node(t, node)) {
                cpu_set_copy(ret, &t->node_cpus[node]);
                cpu_set_remove_all(ret, &p->vcpus);
                if (!cpu_set_is_empty(ret))
                        return;
        }
        cpu_set_copy(ret, &t->online);
        cpu_set_remove_all(ret, &p->vcpus);
        if (cpu_set_is_empty(ret))
                cpu_set_copy(ret, &t->online);
}

static int emulator(const Ctx *c, Placement *p) {
        const CpuSet *list = &c->g->placement.emulator_cpus;
        if (cpu_set_is_empty(list)) {
                if (p->vcpu_cpu)
                        emulator_default(c->t, p, &p->emulator);
                return 0;
        }
        if (check_online(c, "EmulatorCPUs", list) < 0)
                return -EINVAL;
        cpu_set_copy(&p->emulator, list);
        if (cpu_set_overlaps(list, &p->vcpus)) {
                _cleanup_cpu_set_ CpuSet both = {};
                cpu_set_copy(&both, list);
                cpu_set_intersect(&both, &p->vcpus);
                _cleanup_free_ char *s = cpu_set_format(list), *b = cpu_set_format(&both);
                say(c, LOG_WARNING, "Guest", "EmulatorCPUs",
                    "EmulatorCPUs=%s shares CPU%s %s with the vCPUs: QEMU's I/O then competes with the guest's CPUs", s,
                    cpu_set_count(&both) == 1 ? "" : "s", b);
        }
        return 0;
}

static int isolation(const Ctx *c, Placement *p) {
        if (!c->g->placement.isolate_host)
                return 0;
        _cleanup_cpu_set_ CpuSet host = {};
        cpu_set_copy(&host, &c->t->online);
        cpu_set_remove_all(&host, &p->vcpus);
        if (cpu_set_is_empty(&host)) {
                _cleanup_free_ char *s = cpu_set_format(&p->vcpus);
                return say(c, LOG_ERR, "Guest", "IsolateHost",
                           "IsolateHost=yes: the guest's CPUs %s are every online CPU; the host needs at least one", s);
        }
        cpu_set_copy(&p->isolated, &p->vcpus);
        return 0;
}

static int memory(const Ctx *c, Placement *p) {
        int node = c->g->placement.memory_node;
        if (node == MEMORY_NODE_NONE)
                return 0;
        if (node >= 0) {
                if (!numa_node_exists(node))
                        return say(c, LOG_ERR, "Memory", "Node",
                                   "Node=%d: this host has no NUMA node %d (see /sys/devices/system/node)", node, node);
                p->memory_node = node;
                return 0;
        }
        if (p->device_node >= 0 && numa_node_exists(p->device_node))
                p->memory_node = p->device_node;
        else if (p->vcpu_node >= 0 && numa_node_exists(p->vcpu_node))
                p->memory_node = p->vcpu_node;
        return 0;
}

static int compute(const Ctx *c, Placement *p) {
        const Guest *g = c->g;
        *p = (Placement){ .n_vcpus = g->cpus, .device_node = -1, .vcpu_node = -1, .memory_node = -1 };
        if (g->n_devices > 0)
                p->device_node = pci_device_numa_node(&g->devices[0].address);

        bool pinned = guest_vcpus_pinned(g);
        if ((pinned || !cpu_set_is_empty(&g->placement.emulator_cpus)) && !c->t)
                return -EINVAL; /* the caller failed to read the topology, and said so */
        int r = 0;
        if (pinned) {
                p->vcpu_cpu = xmalloc(p->n_vcpus * sizeof *p->vcpu_cpu);
                r = g->placement.cpu_affinity_auto ? vcpus_auto(c, p) : vcpus_listed(c, p);
                if (r >= 0) {
                        _cleanup_cpu_set_ CpuSet used = {};
                        for (unsigned i = 0; i < p->n_vcpus; i++)
                                cpu_set_add(&used, (unsigned) p->vcpu_cpu[i]);
                        p->vcpu_node = cpu_topology_single_node(c->t, &used);
                        p->smt_pairs = smt_pairs(c->t, p->vcpu_cpu, p->n_vcpus);
                }
        }
        if (r >= 0 && emulator(c, p) < 0)
                r = -EINVAL;
        if (r >= 0 && pinned && isolation(c, p) < 0)
                r = -EINVAL;
        if (memory(c, p) < 0)
                r = -EINVAL;
        if (r < 0)
                placement_done(p);
        return r;
}

int placement_compute(const Guest *g, const CpuTopology *t, Placement *ret) {
        Ctx c = { .g = g, .t = t };
        return compute(&c, ret);
}

static bool needs_topology(const Guest *g) {
        return guest_vcpus_pinned(g) || !cpu_set_is_empty(&g->placement.emulator_cpus);
}

static int for_guest(const Guest *g, bool quiet, Placement *ret) {
        _cleanup_cpu_topology_free_ CpuTopology *t = NULL;
        if (needs_topology(g)) {
                int r = cpu_topology_load(&t);
                if (r < 0) {
                        *ret = (Placement){ .device_node = -1, .vcpu_node = -1, .memory_node = -1 };
                        if (quiet)
                                return r;
                        return log_error_errno(r,
                                               "%s: cannot read the host's CPU topology for the placement of guest "
                                               "%s (/sys/devices/system/cpu): %m",
                                               g->path, g->name);
                }
        }
        Ctx c = { .g = g, .t = t, .quiet = quiet };
        return compute(&c, ret);
}

int placement_for_guest(const Guest *g, Placement *ret) {
        return for_guest(g, false, ret);
}

int placement_for_guest_quiet(const Guest *g, Placement *ret) {
        return for_guest(g, true, ret);
}

int placement_memory_node(const Guest *g) {
        Placement p;
        if (for_guest(g, true, &p) < 0)
                return -1;
        int node = p.memory_node;
        placement_done(&p);
        return node;
}

int placement_vcpu_node(const Guest *g) {
        Placement p;
        if (!guest_vcpus_pinned(g) || for_guest(g, true, &p) < 0)
                return -1;
        int node = p.vcpu_node;
        placement_done(&p);
        return node;
}
