/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A set of CPU numbers, as written in systemd's CPUAffinity=/AllowedCPUs= and in the kernel's lists
 * (/sys/devices/system/cpu/online, Cpus_allowed_list): "2-7,10-15", "0 1 4". A zero-initialised CpuSet is the empty
 * set and needs no allocation; cpu_set_done() frees one that grew. */

#define CPU_SET_MAX 8192 /* CPUs 0..8191, systemd's limit for CPU lists */

typedef struct CpuSet {
        uint64_t *words;
        size_t n_words;
} CpuSet;

/* Parses systemd's syntax: CPU numbers and ranges "A-B" (A <= B), separated by commas and/or whitespace; the empty
 * string is the empty set. Returns 0, or -EINVAL/-ERANGE with *ret_reason (if not NULL) saying why, e.g. "range 7-2
 * is reversed"; *ret is untouched then. */
int cpu_set_parse(const char *s, CpuSet *ret, const char **ret_reason);
/* The kernel's compact form, "0-3,8,10-11"; "" for the empty set. malloc'd. */
char *cpu_set_format(const CpuSet *s);

void cpu_set_done(CpuSet *s);
static inline void cpu_set_donep(CpuSet *s) {
        cpu_set_done(s);
}
#define _cleanup_cpu_set_ __attribute__((cleanup(cpu_set_donep)))

/* cpu must be < CPU_SET_MAX. */
void cpu_set_add(CpuSet *s, unsigned cpu);
void cpu_set_remove(CpuSet *s, unsigned cpu);
bool cpu_set_has(const CpuSet *s, unsigned cpu);
unsigned cpu_set_count(const CpuSet *s);
bool cpu_set_is_empty(const CpuSet *s);
/* The lowest CPU >= from in the set, or -1. Iterate: for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, c +
 * 1)) */
int cpu_set_next(const CpuSet *s, unsigned from);

void cpu_set_copy(CpuSet *dst, const CpuSet *src);       /* dst is replaced */
void cpu_set_add_all(CpuSet *dst, const CpuSet *src);    /* dst |= src */
void cpu_set_remove_all(CpuSet *dst, const CpuSet *src); /* dst &= ~src */
void cpu_set_intersect(CpuSet *dst, const CpuSet *src);  /* dst &= src */
bool cpu_set_equal(const CpuSet *a, const CpuSet *b);
bool cpu_set_is_subset(const CpuSet *sub, const CpuSet *super);
bool cpu_set_overlaps(const CpuSet *a, const CpuSet *b);

/* The byte array systemd's D-Bus API uses for CPU sets (property type "ay"): bit i of byte j is CPU j*8+i. An empty
 * set is zero bytes. */
void cpu_set_to_bytes(const CpuSet *s, uint8_t **ret, size_t *ret_size);
int cpu_set_from_bytes(const uint8_t *bytes, size_t size, CpuSet *ret);
