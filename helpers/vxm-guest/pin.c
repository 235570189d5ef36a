/* SPDX-License-Identifier: BSD-3-Clause */
/* Pinning QEMU's threads where the placement says, as the guest's own user (a process may set the affinity of its own
 * user's threads; no privilege involved). QEMU was started paused (-S), so no guest instruction has run yet: each vCPU
 * thread (its id from QMP query-cpus-fast) goes to exactly one host CPU, every other thread of the process (main loop,
 * I/O, RCU; from /proc/PID/task) to the emulator CPUs. Then everything is read back from Cpus_allowed_list: the kernel
 * narrows an affinity silently when a cgroup's cpuset does not allow all of it, and a guest must never run with a
 * placement other than the one it declared. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/thread-affinity.h"
#include "vxm-guest.h"

#define QMP_TIMEOUT (5 * 1000000ULL)
/* Threads QEMU starts while we pin (worker pools) are caught by listing again; a few rounds always settle. */
#define PIN_ROUNDS 5

/* vcpu_tid[i]: the thread of vCPU i, from QEMU itself. */
static int vcpu_threads(const Placement *pl, Qmp *q, pid_t *vcpu_tid) {
        _cleanup_json_free_ JsonValue *cpus = NULL;
        int r = qmp_execute(q, "query-cpus-fast", NULL, now_usec() + QMP_TIMEOUT, &cpus);
        if (r < 0)
                return log_error_errno(r, "Cannot ask QEMU for its vCPU threads (query-cpus-fast): %m");
        size_t n = json_array_length(cpus);
        if (n != pl->n_vcpus)
                return log_error_errno(EPROTO, "QEMU reports %zu vCPUs, the guest has CPUs=%u.", n, pl->n_vcpus);
        for (size_t i = 0; i < n; i++)
                vcpu_tid[i] = 0;
        for (size_t i = 0; i < n; i++) {
                const JsonValue *cpu = json_array_item(cpus, i), *index = json_get(cpu, "cpu-index"),
                                *tid = json_get(cpu, "thread-id");
                if (!index || index->type != JSON_NUMBER || !tid || tid->type != JSON_NUMBER || index->number < 0 ||
                    index->number >= n || tid->number < 1 || vcpu_tid[(size_t) index->number] != 0)
                        return log_error_errno(EPROTO, "QEMU's answer to query-cpus-fast is not what vxm expects.");
                vcpu_tid[(size_t) index->number] = (pid_t) tid->number;
        }
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (vcpu_tid[i] == vcpu_tid[j])
                                return log_error_errno(EOPNOTSUPP,
                                                       "vCPUs %zu and %zu share QEMU thread %d (TCG without "
                                                       "multi-threading?): they cannot run on one host CPU each.",
                                                       j, i, (int) vcpu_tid[i]);
        return 0;
}

static int vcpu_of(const Placement *pl, const pid_t *vcpu_tid, pid_t tid) {
        for (unsigned i = 0; vcpu_tid && i < pl->n_vcpus; i++)
                if (vcpu_tid[i] == tid)
                        return (int) i;
        return -1;
}

/* What a thread should be allowed, or NULL when the placement leaves it alone. */
static const CpuSet *wanted(const Placement *pl, const pid_t *vcpu_tid, pid_t tid, CpuSet *one) {
        int v = vcpu_of(pl, vcpu_tid, tid);
        if (v >= 0) {
                cpu_set_done(one);
                cpu_set_add(one, (unsigned) pl->vcpu_cpu[v]);
                return one;
        }
        return cpu_set_is_empty(&pl->emulator) ? NULL : &pl->emulator;
}

static int describe(pid_t pid, pid_t tid, char **ret) {
        _cleanup_free_ char *name = NULL;
        (void) thread_name(pid, tid, &name);
        *ret = xasprintf("thread %d (%s)", (int) tid, name ? name : "?");
        return 0;
}

/* One pass over the process's threads; *ret_new counts the threads not seen before (in seen, which grows). */
static int pin_pass(const Placement *pl, pid_t pid, const pid_t *vcpu_tid, pid_t **seen, size_t *n_seen,
                    unsigned *ret_new) {
        _cleanup_free_ pid_t *tids = NULL;
        size_t n;
        int r = process_threads(pid, &tids, &n);
        if (r < 0)
                return log_error_errno(r, "Cannot list the threads of QEMU (PID %d): %m", (int) pid);
        *ret_new = 0;
        for (size_t i = 0; i < n; i++) {
                bool known = false;
                for (size_t j = 0; j < *n_seen && !known; j++)
                        known = (*seen)[j] == tids[i];
                if (known)
                        continue;
                _cleanup_cpu_set_ CpuSet one = {};
                const CpuSet *want = wanted(pl, vcpu_tid, tids[i], &one);
                if (want && (r = thread_set_affinity(tids[i], want)) < 0 && r != -ESRCH) {
                        _cleanup_free_ char *what = NULL, *cpus = cpu_set_format(want);
                        describe(pid, tids[i], &what);
                        return log_error_errno(r, "Cannot pin %s of QEMU to CPUs %s: %m", what, cpus);
                }
                *seen = xrealloc(*seen, (*n_seen + 1) * sizeof **seen);
                (*seen)[(*n_seen)++] = tids[i];
                (*ret_new)++;
        }
        return 0;
}

/* Every thread's Cpus_allowed_list is exactly what it should be. */
static int verify(const Placement *pl, pid_t pid, const pid_t *vcpu_tid) {
        _cleanup_free_ pid_t *tids = NULL;
        size_t n;
        int r = process_threads(pid, &tids, &n);
        if (r < 0)
                return log_error_errno(r, "Cannot list the threads of QEMU (PID %d): %m", (int) pid);
        unsigned vcpus = 0;
        for (size_t i = 0; i < n; i++) {
                _cleanup_cpu_set_ CpuSet one = {}, got = {};
                const CpuSet *want = wanted(pl, vcpu_tid, tids[i], &one);
                if (!want)
                        continue;
                r = thread_affinity(pid, tids[i], &got);
                if (r == -ESRCH)
                        continue; /* a worker thread that exited meanwhile */
                _cleanup_free_ char *what = NULL, *w = cpu_set_format(want), *g = cpu_set_format(&got);
                describe(pid, tids[i], &what);
                if (r < 0)
                        return log_error_errno(r, "Cannot read back the CPUs of %s: %m", what);
                if (!cpu_set_equal(want, &got))
                        return log_error_errno(EXDEV,
                                               "%s of QEMU may run on CPUs %s instead of %s: a cpuset cgroup or CPU "
                                               "hotplug does not allow the placement (see vxm check).",
                                               what, g, w);
                vcpus += vcpu_of(pl, vcpu_tid, tids[i]) >= 0;
        }
        if (vcpu_tid && vcpus != pl->n_vcpus)
                return log_error_errno(ESRCH, "Only %u of the %u vCPU threads of QEMU are left.", vcpus, pl->n_vcpus);
        return 0;
}

static void log_result(const Guest *g, const Placement *pl, const pid_t *vcpu_tid, size_t n_threads) {
        char buf[1024] = "";
        for (unsigned i = 0; vcpu_tid && i < pl->n_vcpus && strlen(buf) < sizeof buf - 64; i++)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%svCPU %u on CPU %d", i ? ", " : "", i,
                         pl->vcpu_cpu[i]);
        _cleanup_free_ char *emu = cpu_set_format(&pl->emulator);
        size_t others = n_threads - (vcpu_tid ? pl->n_vcpus : 0);
        if (vcpu_tid && !cpu_set_is_empty(&pl->emulator))
                log_info("Pinned guest %s: %s%s; %zu emulator thread%s on CPUs %s.", g->name, buf,
                         pl->smt_pairs ? " (SMT sibling pairs)" : "", others, others == 1 ? "" : "s", emu);
        else if (vcpu_tid)
                log_info("Pinned guest %s: %s%s.", g->name, buf, pl->smt_pairs ? " (SMT sibling pairs)" : "");
        else
                log_info("Pinned the %zu emulator threads of guest %s to CPUs %s.", others, g->name, emu);
}

int guest_pin_threads(const Guest *g, const Placement *pl, pid_t pid, Qmp *q) {
        if (!placement_pins_threads(pl))
                return 0;
        if (pid <= 0)
                return log_error_errno(EINVAL, "Guest %s pins QEMU's threads, but QEMU's PID is unknown.", g->name);

        _cleanup_free_ pid_t *vcpu_tid = pl->vcpu_cpu ? xmalloc(pl->n_vcpus * sizeof *vcpu_tid) : NULL;
        int r = vcpu_tid ? vcpu_threads(pl, q, vcpu_tid) : 0;
        if (r < 0)
                return r;

        _cleanup_free_ pid_t *seen = NULL;
        size_t n_seen = 0;
        unsigned fresh = 1;
        for (unsigned round = 0; fresh > 0; round++) {
                if (round == PIN_ROUNDS)
                        return log_error_errno(EAGAIN, "QEMU keeps starting threads; cannot pin them all.");
                r = pin_pass(pl, pid, vcpu_tid, &seen, &n_seen, &fresh);
                if (r < 0)
                        return r;
        }
        r = verify(pl, pid, vcpu_tid);
        if (r < 0)
                return r;
        log_result(g, pl, vcpu_tid, n_seen);
        return 0;
}
