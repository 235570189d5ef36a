/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU lists in systemd's syntax: parsing, the kernel's compact form, set algebra and systemd's D-Bus byte arrays. */
#include <errno.h>
#include <stdlib.h>

#include "basic/cpu-set.h"
#include "basic/macro.h"
#include "tap.h"

/* s parses, and formats back as want. */
static void parses(const char *s, const char *want, unsigned want_count) {
        _cleanup_cpu_set_ CpuSet set = {};
        const char *why = NULL;
        int r = cpu_set_parse(s, &set, &why);
        _cleanup_free_ char *got = r == 0 ? cpu_set_format(&set) : NULL;
        if (!tap_ok(r == 0 && got && strcmp(got, want) == 0 && cpu_set_count(&set) == want_count,
                    "\"%s\" is {%s} (%u CPUs)", s, want, want_count))
                tap_diag("  r=%d got=%s count=%u why=%s", r, got ? got : "(null)", cpu_set_count(&set),
                         why ? why : "(null)");
}

/* s is refused with want_r, a reason containing reason_part, and the set untouched. */
static void refused(const char *s, int want_r, const char *reason_part) {
        _cleanup_cpu_set_ CpuSet set = {};
        cpu_set_add(&set, 3);
        const char *why = NULL;
        int r = cpu_set_parse(s, &set, &why);
        _cleanup_free_ char *after = cpu_set_format(&set);
        if (!tap_ok(r == want_r && why && strstr(why, reason_part) && strcmp(after, "3") == 0,
                    "\"%s\" is refused (%s: %s), the set is untouched", s, want_r == -ERANGE ? "ERANGE" : "EINVAL",
                    reason_part))
                tap_diag("  r=%d why=%s set=%s", r, why ? why : "(null)", after);
}

static void test_parse(void) {
        parses("", "", 0);
        parses("0", "0", 1);
        parses("2-7,10-15", "2-7,10-15", 12);
        parses("0 1 2 3 8 9 10 11", "0-3,8-11", 8);
        parses("1,2 3\t4", "1-4", 4);
        parses("  5 , 4,,", "4-5", 2);
        parses("7,3,5-6,3", "3,5-7", 4);
        parses("0-0", "0", 1);
        parses("8191", "8191", 1);
        parses("63-65", "63-65", 3);
        parses("0-8191", "0-8191", 8192);

        refused("7-2", -EINVAL, "lower to the higher");
        refused("8192", -ERANGE, "up to 8191");
        refused("99999999999999999999", -ERANGE, "up to 8191");
        refused("0-9000", -ERANGE, "up to 8191");
        refused("-1", -EINVAL, "CPU numbers and ranges");
        refused("2-", -EINVAL, "CPU numbers and ranges");
        refused("1-2-3", -EINVAL, "CPU numbers and ranges");
        refused("0x3", -EINVAL, "CPU numbers and ranges");
        refused("+1", -EINVAL, "CPU numbers and ranges");
        refused("auto", -EINVAL, "CPU numbers and ranges");
        refused("1;2", -EINVAL, "CPU numbers and ranges");
        refused("abcdefgh", -EINVAL, "CPU numbers and ranges");
}

static CpuSet set_of(const char *s) {
        CpuSet set = {};
        if (cpu_set_parse(s, &set, NULL) < 0)
                abort();
        return set;
}

static void is_set(const CpuSet *s, const char *want, const char *what) {
        _cleanup_free_ char *got = cpu_set_format(s);
        tap_is_str(got, want, what);
}

static void test_algebra(void) {
        _cleanup_cpu_set_ CpuSet a = set_of("0-7"), b = set_of("4-11,100"), c = {}, empty = {};

        cpu_set_copy(&c, &a);
        cpu_set_add_all(&c, &b);
        is_set(&c, "0-11,100", "union");
        cpu_set_copy(&c, &a);
        cpu_set_remove_all(&c, &b);
        is_set(&c, "0-3", "difference");
        cpu_set_copy(&c, &b);
        cpu_set_intersect(&c, &a);
        is_set(&c, "4-7", "intersection (the longer set intersected with the shorter)");
        tap_ok(cpu_set_overlaps(&a, &b) && !cpu_set_overlaps(&a, &empty), "overlaps");
        tap_ok(cpu_set_is_subset(&c, &a) && !cpu_set_is_subset(&b, &a) && cpu_set_is_subset(&empty, &a), "subset");

        /* Sets of different allocation sizes are equal when they hold the same CPUs. */
        _cleanup_cpu_set_ CpuSet d = set_of("4-7,200");
        cpu_set_remove(&d, 200);
        tap_ok(cpu_set_equal(&c, &d) && !cpu_set_equal(&a, &c), "equal ignores the allocation size");
        tap_ok(cpu_set_is_empty(&empty) && !cpu_set_is_empty(&a), "empty");
        cpu_set_remove(&d, 5000); /* beyond the allocation: nothing to do */
        tap_is_int(cpu_set_next(&b, 0), 4, "next from 0");
        tap_is_int(cpu_set_next(&b, 12), 100, "next across words");
        tap_is_int(cpu_set_next(&b, 101), -1, "next past the end");
        tap_is_int(cpu_set_next(&empty, 0), -1, "next in the empty set");
}

static void test_bytes(void) {
        _cleanup_cpu_set_ CpuSet a = set_of("0,2-3,9,15"), back = {};
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n;
        cpu_set_to_bytes(&a, &bytes, &n);
        tap_ok(n == 2 && bytes[0] == 0x0d && bytes[1] == 0x82, "D-Bus bytes of 0,2-3,9,15: 0d 82 (got %zu bytes)", n);
        tap_ok(cpu_set_from_bytes(bytes, n, &back) == 0 && cpu_set_equal(&a, &back), "and back");

        _cleanup_cpu_set_ CpuSet empty = {};
        _cleanup_free_ uint8_t *none = NULL;
        cpu_set_to_bytes(&empty, &none, &n);
        tap_is_int((long long) n, 0, "the empty set is zero bytes (systemd: AllowedCPUs unset)");

        uint8_t big[CPU_SET_MAX / 8 + 1] = {};
        tap_is_int(cpu_set_from_bytes(big, sizeof big, &back), -ERANGE, "more than 8192 CPUs of bytes: ERANGE");
}

int main(void) {
        test_parse();
        test_algebra();
        test_bytes();
        return tap_done();
}
