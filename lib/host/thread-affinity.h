/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "basic/cpu-set.h"

/* The threads of a process and the CPUs they may run on, read from /proc/PID/task (through the root prefix) and set
 * with sched_setaffinity(2). Setting needs the thread's own user (or CAP_SYS_NICE): vxm-guest pins the threads of its
 * own QEMU. */

/* The thread ids of pid, ascending. -ESRCH when the process is gone. */
int process_threads(pid_t pid, pid_t **ret, size_t *ret_n);
/* The thread's name (/proc/PID/task/TID/comm; QEMU with debug-threads=on names vCPU threads "CPU N/KVM"). */
int thread_name(pid_t pid, pid_t tid, char **ret);
/* The CPUs the thread may run on, as the kernel says after every cgroup and hotplug adjustment (Cpus_allowed_list). */
int thread_affinity(pid_t pid, pid_t tid, CpuSet *ret);
/* The CPU the thread last ran on (field 39 of /proc/PID/task/TID/stat). */
int thread_last_cpu(pid_t pid, pid_t tid, int *ret);
/* sched_setaffinity(tid). The kernel may narrow the set silently (a cpuset cgroup): callers read it back. */
int thread_set_affinity(pid_t tid, const CpuSet *s);
