/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-hugepages' logic against a fake sysfs/procfs tree and a simulated kernel that hands out only as many pages as
 * it has memory for, and more after compaction. */
#include "config/config.h"
#include "host/hugepages.h"
#include "basic/macro.h"
#include "host/state-file.h"
#include "tap.h"

/* The simulated kernel: per pool, how many more pages it could allocate now, and how many compaction frees. */
static uint64_t avail_now, compact_gain, gain_each;
static unsigned compactions;

static int sim_write_count(const char *path, uint64_t count) {
        _cleanup_free_ char *dir = xstrdup(path);
        *strrchr(dir, '/') = '\0';
        _cleanup_free_ char *nr_path = xasprintf("%s/nr_hugepages", dir),
                            *free_path = xasprintf("%s/free_hugepages", dir);
        uint64_t nr = get_u64(nr_path), fr = get_u64(free_path);
        if (count > nr) {
                uint64_t grant = count - nr < avail_now ? count - nr : avail_now;
                nr += grant, fr += grant, avail_now -= grant;
        } else {
                uint64_t drop = nr - count < fr ? nr - count : fr; /* pages in use stay */
                nr -= drop, fr -= drop, avail_now += drop;
        }
        put(nr_path, "%" PRIu64 "\n", nr);
        put(free_path, "%" PRIu64 "\n", fr);
        return 0;
}

static int sim_compact(const char *path) {
        compactions++;
        avail_now += compact_gain + gain_each;
        compact_gain = 0;
        return 0;
}

static const HugepageKernel sim = { sim_write_count, sim_compact };
static const HugepageOptions fast = { .compact_retries = 3, .retry_delay_ms = 0 };

#define G2 "/sys/kernel/mm/hugepages/hugepages-2048kB"
#define N1 "/sys/devices/system/node/node1/hugepages/hugepages-2048kB"

static void pools(uint64_t nr, uint64_t fr) {
        put(G2 "/nr_hugepages", "%" PRIu64 "\n", nr);
        put(G2 "/free_hugepages", "%" PRIu64 "\n", fr);
}

static Guest *guest(const char *name, const char *extra) {
        _cleanup_free_ char *p = xasprintf("/etc/vxm/%s.conf", name);
        put(p, "[Guest]\nMemory=1G\n%s\n[Memory]\nHugepages=2M\n", extra);
        Guest *g = NULL;
        if (guest_load(name, &g) < 0)
                abort();
        return g;
}

static void test_math(void) {
        is_u64(hugepages_needed(16ULL << 30, 2ULL << 20), 8192, "16G in 2M pages");
        is_u64(hugepages_needed(16ULL << 30, 1ULL << 30), 16, "16G in 1G pages");
        is_u64(hugepages_needed((1ULL << 30) + 1, 1ULL << 30), 2, "a partial page rounds up");
        is_u64(hugepage_size_bytes(HUGEPAGES_2M), 2ULL << 20, "2M");
        is_u64(hugepage_size_bytes(HUGEPAGES_1G), 1ULL << 30, "1G");
        HugepagePool g = { -1, 1ULL << 30 }, n = { 1, 2ULL << 20 };
        _cleanup_free_ char *a = hugepage_pool_dir(&g), *b = hugepage_pool_dir(&n);
        ok(strcmp(a, "/sys/kernel/mm/hugepages/hugepages-1048576kB") == 0, "global 1G pool dir: %s", a);
        ok(strcmp(b, N1) == 0, "node 1 2M pool dir: %s", b);
}

static void test_reserve_release(void) {
        char *root = fake_root_new("hp");
        pools(10, 4);
        avail_now = 10000;
        _cleanup_guest_free_ Guest *g = guest("a", "");

        is_int(hugepages_reserve(g, &fast), 0, "reserve succeeds");
        is_u64(get_u64(G2 "/nr_hugepages"), 10 + 512 - 4, "only need - free pages added (4 were free)");
        _cleanup_state_file_free_ StateFile *s = NULL;
        ok(state_file_load("/run/vxm/.state/hugepages/a", &s) == 0, "record written");
        ok(s && strcmp(state_file_get(s, "ADDED"), "508") == 0 && strcmp(state_file_get(s, "BEFORE"), "10") == 0,
           "record says ADDED=508 BEFORE=10");
        is_int(hugepages_reserve(g, &fast), 0, "second reserve: no-op");
        is_u64(get_u64(G2 "/nr_hugepages"), 518, "still 518");

        /* QEMU takes its pages; stopping the guest returns them to the free pool first. */
        is_int(hugepages_release("a"), 0, "release succeeds");
        is_u64(get_u64(G2 "/nr_hugepages"), 10, "back to the 10 pages that were there before");
        ok(!root_exists("/run/vxm/.state/hugepages/a"), "record removed");
        is_int(hugepages_release("a"), 0, "second release: no-op");
        is_u64(get_u64(G2 "/nr_hugepages"), 10, "still 10");
        fake_root_free(root);
}

static void test_enough_free(void) {
        char *root = fake_root_new("hp");
        pools(600, 600);
        avail_now = 0;
        _cleanup_guest_free_ Guest *g = guest("a", "");
        is_int(hugepages_reserve(g, &fast), 0, "reserve with enough free pages");
        is_u64(get_u64(G2 "/nr_hugepages"), 600, "nothing added");
        ok(log_has("nothing to reserve"), "says nothing to reserve");
        is_int(hugepages_release("a"), 0, "release");
        is_u64(get_u64(G2 "/nr_hugepages"), 600, "pre-existing pages are never released");
        fake_root_free(root);
}

static void test_shortfall_rollback(void) {
        char *root = fake_root_new("hp");
        pools(7, 0);
        avail_now = 100;
        compact_gain = 50;
        compactions = 0;
        _cleanup_guest_free_ Guest *g = guest("a", "");
        is_int(hugepages_reserve(g, &fast), -ENOMEM, "reserve fails when the kernel has too few pages");
        is_u64(get_u64(G2 "/nr_hugepages"), 7, "rolled back to exactly the previous count");
        is_u64(compactions, 2, "compacted until a round brought nothing more (+50, then +0)");
        ok(log_has("could only provide 150 more: 362 pages (724 MiB) missing after 2 compaction rounds"),
           "says how many pages are missing");
        ok(log_has("reserve the pages at boot with \"hugepages=519\""), "says what to do, with the number");
        ok(!root_exists("/run/vxm/.state/hugepages/a"), "no record left after the rollback");
        fake_root_free(root);
}

static void test_compaction_bounded(void) {
        char *root = fake_root_new("hp");
        pools(0, 0);
        avail_now = 0;
        compact_gain = 0;
        compactions = 0;
        HugepageOptions forever = { .compact_retries = 3, .retry_delay_ms = 0 };
        _cleanup_guest_free_ Guest *g = guest("a", "");
        /* every round gains a page: the retries are still bounded */
        avail_now = 10;
        gain_each = 1;
        is_int(hugepages_reserve(g, &forever), -ENOMEM, "fails");
        gain_each = 0;
        is_u64(compactions, 3, "stopped after 3 compaction rounds although each one helped a little");
        is_u64(get_u64(G2 "/nr_hugepages"), 0, "rolled back to 0");
        fake_root_free(root);
}

static void test_compaction_helps(void) {
        char *root = fake_root_new("hp");
        pools(0, 0);
        avail_now = 300;
        compact_gain = 300;
        compactions = 0;
        _cleanup_guest_free_ Guest *g = guest("a", "");
        is_int(hugepages_reserve(g, &fast), 0, "reserve succeeds after compaction");
        is_u64(get_u64(G2 "/nr_hugepages"), 512, "all 512 pages");
        is_u64(compactions, 1, "one compaction round was enough");
        is_int(hugepages_release("a"), 0, "release");
        is_u64(get_u64(G2 "/nr_hugepages"), 0, "back to 0");
        fake_root_free(root);
}

static void test_two_guests(void) {
        char *root = fake_root_new("hp");
        pools(0, 0);
        avail_now = 10000;
        _cleanup_guest_free_ Guest *a = guest("a", ""), *b = guest("b", "");
        /* Both start before either QEMU maps its pages: b must not count a's pages as free. */
        is_int(hugepages_reserve(a, &fast), 0, "a reserves");
        is_int(hugepages_reserve(b, &fast), 0, "b reserves");
        is_u64(get_u64(G2 "/nr_hugepages"), 1024, "1024 pages for two 1G guests");
        /* a's QEMU maps its pages */
        put(G2 "/free_hugepages", "512\n");
        is_int(hugepages_release("b"), 0, "b stops");
        is_u64(get_u64(G2 "/nr_hugepages"), 512, "b's 512 pages released, a's kept");
        _cleanup_guest_free_ Guest *c = guest("c", "");
        is_int(hugepages_reserve(c, &fast), 0, "c reserves while a runs");
        is_u64(get_u64(G2 "/nr_hugepages"), 1024, "c added its own 512");
        put(G2 "/free_hugepages", "0\n"); /* c's QEMU maps too */
        /* a stops: QEMU gone, its pages free again */
        put(G2 "/free_hugepages", "512\n");
        is_int(hugepages_release("a"), 0, "a stops");
        is_u64(get_u64(G2 "/nr_hugepages"), 512, "a's pages released, c's in use");
        put(G2 "/free_hugepages", "512\n");
        is_int(hugepages_release("c"), 0, "c stops");
        is_u64(get_u64(G2 "/nr_hugepages"), 0, "all back to 0");
        fake_root_free(root);
}

static void test_boot_reserved_shared(void) {
        char *root = fake_root_new("hp");
        /* The admin reserved 1024 pages at boot for two guests; a is running and uses 512. */
        pools(1024, 1024);
        avail_now = 0;
        _cleanup_guest_free_ Guest *a = guest("a", ""), *b = guest("b", "");
        is_int(hugepages_reserve(a, &fast), 0, "a uses boot pages");
        put(G2 "/free_hugepages", "512\n");
        is_int(hugepages_reserve(b, &fast), 0, "b uses the remaining boot pages");
        is_u64(get_u64(G2 "/nr_hugepages"), 1024, "no page added");
        is_int(hugepages_release("a"), 0, "a stops");
        is_int(hugepages_release("b"), 0, "b stops");
        is_u64(get_u64(G2 "/nr_hugepages"), 1024, "boot pages stay");
        fake_root_free(root);
}

static void test_in_use_by_others(void) {
        char *root = fake_root_new("hp");
        pools(0, 0);
        avail_now = 10000;
        _cleanup_guest_free_ Guest *a = guest("a", "");
        is_int(hugepages_reserve(a, &fast), 0, "a reserves 512");
        /* meanwhile someone else raised the pool by 100 and uses 600 pages in total */
        pools(612, 12);
        is_int(hugepages_release("a"), 0, "a releases");
        is_u64(get_u64(G2 "/nr_hugepages"), 600, "never below what is in use");
        ok(log_has("still in use"), "says pages are still in use");
        fake_root_free(root);
}

static void test_crash_record(void) {
        char *root = fake_root_new("hp");
        pools(20, 0);
        /* killed after the record, before the kernel answered: STATE=adding, ADDED is the intent */
        put("/run/vxm/.state/hugepages/a",
            "NODE=-1\nPAGE_SIZE=2097152\nNEED=512\nBEFORE=20\nADDED=512\nSTATE=adding\n");
        put(G2 "/nr_hugepages", "220\n"); /* the kernel had given 200 when we died */
        put(G2 "/free_hugepages", "200\n");
        is_int(hugepages_release("a"), 0, "release from a half-done record");
        is_u64(get_u64(G2 "/nr_hugepages"), 20, "exactly the 20 pages from before");

        put("/run/vxm/.state/hugepages/b", "garbage\n");
        is_int(hugepages_release("b"), -EBADMSG, "a malformed record is refused");
        ok(root_exists("/run/vxm/.state/hugepages/b"), "and kept for a human");
        fake_root_free(root);
}

/* A reserve killed while the kernel allocated leaves an "adding" record whose ADDED is only the intent. The next
 * reserve, by another guest, must settle it under the lock from what the pool shows now: counted later, the pool
 * would also hold that guest's pages, and the dead guest's cleanup would release them (or the admin's). */
static void test_stale_adding_settled(void) {
        char *root = fake_root_new("hp");
        /* The admin keeps 10 pages; a's helper asked for 512 more, got 5, and was killed. */
        pools(15, 15);
        avail_now = 10000;
        put("/run/vxm/.state/hugepages/a",
            "NODE=-1\nPAGE_SIZE=2097152\nNEED=512\nBEFORE=10\nADDED=512\nSTATE=adding\n");
        _cleanup_guest_free_ Guest *b = guest("b", "");
        is_int(hugepages_reserve(b, &fast), 0, "b reserves after a's helper died");
        _cleanup_state_file_free_ StateFile *s = NULL;
        ok(state_file_load("/run/vxm/.state/hugepages/a", &s) == 0 && state_file_get(s, "STATE") &&
                   strcmp(state_file_get(s, "STATE"), "reserved") == 0 && strcmp(state_file_get(s, "ADDED"), "5") == 0,
           "a's stale record is settled: ADDED=5 (what the pool shows beyond BEFORE), STATE=reserved");
        ok(log_has("Settled /run/vxm/.state/hugepages/a"), "says it settled a stale record");
        uint64_t nr = get_u64(G2 "/nr_hugepages");
        ok(nr >= 15 + 512 - 15 && nr <= 15 + 512, "b got its own pages (nr_hugepages %" PRIu64 ")", nr);
        /* b's QEMU maps its 512 pages, then a's unit is cleaned up */
        put(G2 "/free_hugepages", "%" PRIu64 "\n", nr - 512);
        is_int(hugepages_release("a"), 0, "a's cleanup");
        is_u64(get_u64(G2 "/nr_hugepages"), nr - 5, "a releases exactly its 5 pages, not b's nor the admin's");
        put(G2 "/free_hugepages", "%" PRIu64 "\n", nr - 5); /* b stops */
        is_int(hugepages_release("b"), 0, "b stops");
        is_u64(get_u64(G2 "/nr_hugepages"), 10, "the admin's 10 pages are still there");
        fake_root_free(root);
}

static void test_numa(void) {
        char *root = fake_root_new("hp");
        pools(0, 0);
        put(N1 "/nr_hugepages", "0\n");
        put(N1 "/free_hugepages", "0\n");
        put("/sys/bus/pci/devices/0000:03:00.0/numa_node", "1\n");
        put("/sys/bus/pci/devices/0000:04:00.0/numa_node", "-1\n");
        avail_now = 10000;
        _cleanup_guest_free_ Guest *g = guest("n", "[PCI]\nDevice=03:00.0\n");
        HugepagePool p;
        ok(hugepage_pool_for_guest(g, &p) == 0 && p.node == 1, "the GPU's node 1");
        is_int(hugepages_reserve(g, &fast), 0, "reserve on node 1");
        is_u64(get_u64(N1 "/nr_hugepages"), 512, "pages on node 1");
        is_u64(get_u64(G2 "/nr_hugepages"), 0, "global pool untouched (the fake does not sum nodes)");
        is_int(hugepages_release("n"), 0, "release");
        is_u64(get_u64(N1 "/nr_hugepages"), 0, "node 1 back to 0");

        _cleanup_guest_free_ Guest *h = guest("h", "[PCI]\nDevice=04:00.0\n");
        ok(hugepage_pool_for_guest(h, &p) == 0 && p.node == -1, "numa_node -1: global pool");
        _cleanup_guest_free_ Guest *i = guest("i", "[PCI]\nDevice=05:00.0\n");
        ok(hugepage_pool_for_guest(i, &p) == 0 && p.node == -1, "no numa_node file: global pool");

        /* [Memory] Node= (issue 12) decides where the guest's RAM is bound, and so the pool. */
        put("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
        _cleanup_guest_free_ Guest *j = guest("j", "[PCI]\nDevice=03:00.0\n[Memory]\nNode=0\n");
        ok(hugepage_pool_for_guest(j, &p) == 0 && p.node == 0, "Node=0 overrides the GPU's node 1");
        _cleanup_guest_free_ Guest *k = guest("k", "[PCI]\nDevice=03:00.0\n[Memory]\nNode=none\n");
        ok(hugepage_pool_for_guest(k, &p) == 0 && p.node == -1, "Node=none: global pool");
        fake_root_free(root);
}

static void test_no_hugepages(void) {
        char *root = fake_root_new("hp");
        put("/etc/vxm/x.conf", "[Guest]\nMemory=1G\n");
        _cleanup_guest_free_ Guest *g = NULL;
        ok(guest_load("x", &g) == 0, "load");
        is_int(hugepages_reserve(g, &fast), 0, "Hugepages=no: nothing to do");
        ok(!root_exists("/run/vxm/.state/hugepages/x"), "no record");

        put("/etc/vxm/y.conf", "[Guest]\nMemory=1G\n[Memory]\nHugepages=1G\n");
        _cleanup_guest_free_ Guest *y = NULL;
        ok(guest_load("y", &y) == 0, "load 1G guest");
        is_int(hugepages_reserve(y, &fast), -ENOENT, "no 1G pool in sysfs: refused");
        ok(log_has("does the kernel support this page size?"), "says why");
        ok(!root_exists("/run/vxm/.state/hugepages/y"), "no record");
        fake_root_free(root);
}

int main(void) {
        hugepages_set_kernel(&sim);
        test_math();
        test_reserve_release();
        test_enough_free();
        test_shortfall_rollback();
        test_compaction_bounded();
        test_compaction_helps();
        test_two_guests();
        test_boot_reserved_shared();
        test_in_use_by_others();
        test_crash_record();
        test_stale_adding_settled();
        test_numa();
        test_no_hugepages();
        return tap_done();
}
