/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory the guest pins and reserves: the RLIMIT_MEMLOCK its unit will really get (the generator's drop-in, unless
 * an administrator's drop-in or a stale generation overrides it) against what VFIO pins, and the huge pages the
 * host can give now on the GPU's NUMA node. */
#include <errno.h>
#include <string.h>

#include "basic/format-util.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "check.h"
#include "config/guest-limits.h"
#include "host/hugepage-supply.h"
#include "host/state-file.h"
#include "host/systemd-unit.h"

#define GENERATOR_DIR "/run/systemd/generator"

/* systemd's LimitMEMLOCK=: "infinity", or a size (1024-based suffixes), optionally "soft:hard"; the soft one counts.
 * UINT64_MAX for infinity, 0 when it cannot be parsed. */
static uint64_t parse_limit(const char *value) {
        _cleanup_free_ char *soft = xstrndup(value, strcspn(value, ":"));
        uint64_t v;
        if (strcmp(soft, "infinity") == 0)
                return UINT64_MAX;
        return parse_size(soft, &v) >= 0 ? v : 0;
}

static void run_memlock(CheckContext *c) {
        const Guest *g = c->guest;
        uint64_t needed = guest_memlock_needed(g);
        if (needed == 0) {
                check_ok(c, NULL, "no device is passed through: VFIO pins no memory");
                return;
        }
        _cleanup_free_ char *unit = xasprintf("vxm-guest@%s.service", g->name);
        _cleanup_free_ char *generated = xasprintf(GENERATOR_DIR "/%s.d/50-vxm-generator.conf", unit);
        _cleanup_(unit_setting_done) UnitSetting s = {};
        if (systemd_unit_setting(unit, "Service", "LimitMEMLOCK", &s) < 0) {
                check_warn(c, unit, NULL, "cannot read the unit files of %s", unit);
                return;
        }
        _cleanup_free_ char *need = format_bytes(needed);
        _cleanup_free_ char *reload =
                xasprintf("systemctl daemon-reload: vxm-generator then writes LimitMEMLOCK=%llu "
                          "for Memory=%llu MiB",
                          (unsigned long long) guest_memlock_limit(g), (unsigned long long) (g->memory >> 20));
        bool ours = s.file && strcmp(s.file, generated) == 0;

        if (!s.value) {
                if (s.file) {
                        _cleanup_free_ char *hint = xasprintf("remove the empty LimitMEMLOCK= from %s", s.file);
                        check_fail(c, unit, hint,
                                   "LimitMEMLOCK= is reset at %s:%u: QEMU gets systemd's default (8 MiB), VFIO pins %s",
                                   s.file, s.line, need);
                } else
                        check_fail(c, unit, reload,
                                   "%s has no LimitMEMLOCK= (vxm-generator has not run since the guest was "
                                   "configured): QEMU would get systemd's default (8 MiB), VFIO pins %s",
                                   unit, need);
                return;
        }
        uint64_t limit = parse_limit(s.value);
        _cleanup_free_ char *have = limit == UINT64_MAX ? xstrdup("infinity") : format_bytes(limit);
        _cleanup_free_ char *where = xasprintf("%s:%u", s.file, s.line);
        if (limit < needed) {
                _cleanup_free_ char *hint =
                        ours ? xstrdup(reload)
                             : xasprintf("remove LimitMEMLOCK= from %s or raise it to %llu (what vxm-generator sets)",
                                         s.file, (unsigned long long) guest_memlock_limit(g));
                check_fail(c, unit, hint,
                           "QEMU gets LimitMEMLOCK=%s (%s, set at %s), but VFIO pins %s (guest memory%s and QEMU's "
                           "own regions): the guest fails to start (\"VFIO_MAP_DMA failed: Cannot allocate memory\")",
                           s.value, have, where, need, g->looking_glass ? ", Looking Glass" : "");
                return;
        }
        if (ours && limit != guest_memlock_limit(g)) {
                check_warn(c, unit, reload,
                           "the generated LimitMEMLOCK=%s (%s) is from an older configuration: the units do not match "
                           "%s yet",
                           s.value, where, g->path);
                return;
        }
        check_ok(c, unit, "LimitMEMLOCK=%s (%s, set at %s) covers the %s VFIO pins", s.value, have, where, need);
}
const Check check_memlock = { "memlock", CHECK_GUEST, run_memlock,
                              "the guest unit's LimitMEMLOCK= covers the memory VFIO pins" };

static bool hugepages_reserved(const Guest *g) {
        _cleanup_free_ char *path = state_file_path("hugepages", g->name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        const char *state;
        return state_file_load(path, &s) >= 0 && (state = state_file_get(s, "STATE")) && strcmp(state, "reserved") == 0;
}

static void run_hugepages(CheckContext *c) {
        const Guest *g = c->guest;
        if (g->hugepages == HUGEPAGES_NO)
                return;
        HugepagePool pool;
        if (hugepage_pool_for_guest(g, &pool) < 0)
                return;
        bool gig = pool.page_size >= 1ULL << 30;
        uint64_t need = hugepages_needed(g->memory, pool.page_size);
        char where[48] = "";
        if (pool.node >= 0)
                snprintf(where, sizeof where, " on NUMA node %d", pool.node);

        if (hugepages_reserved(g)) {
                check_ok(c, NULL, "%llu %s pages are reserved%s for the running guest", (unsigned long long) need,
                         gig ? "1G" : "2M", where);
                return;
        }
        HugepageSupply s;
        int r = hugepage_supply(&pool, &s);
        if (r == -ENOENT) {
                check_fail(c, NULL, "use Hugepages=2M", "Hugepages=%s, but this CPU or kernel has no %s pages%s",
                           gig ? "1G" : "2M", gig ? "1G" : "2M", where);
                return;
        }
        if (r < 0) {
                check_warn(c, NULL, NULL, "cannot read the hugepage pool%s: %s", where, strerror(-r));
                return;
        }

        uint64_t ready = s.free_pages + s.block_pages;
        uint64_t could = s.free_pages + (s.free_bytes + s.reclaimable_bytes) / pool.page_size;
        _cleanup_free_ char *boot =
                gig ? xasprintf(
                              "reserve them at boot: default_hugepagesz=1G hugepagesz=1G hugepages=%llu on the kernel "
                              "command line",
                              (unsigned long long) (s.nr_pages + need))
                    : xasprintf("reserve them at boot (hugepages=%llu on the kernel command line, or vm.nr_hugepages "
                                "in /etc/sysctl.d/), or start the guest soon after boot",
                                (unsigned long long) (s.nr_pages + need));
        if (need <= ready)
                check_ok(c, NULL, "%llu %s pages needed%s: %llu free in the pool, %llu more free as whole blocks",
                         (unsigned long long) need, gig ? "1G" : "2M", where, (unsigned long long) s.free_pages,
                         (unsigned long long) s.block_pages);
        else if (need <= could)
                check_warn(c, NULL, boot,
                           "%llu %s pages needed%s, only %llu can be had now (%llu free in the pool, %llu free "
                           "blocks): the rest must come from compaction, which %s",
                           (unsigned long long) need, gig ? "1G" : "2M", where, (unsigned long long) ready,
                           (unsigned long long) s.free_pages, (unsigned long long) s.block_pages,
                           gig ? "rarely finds 1 GiB of contiguous memory once the system runs"
                               : "vxm-hugepages tries, but fragmented memory may not give");
        else {
                _cleanup_free_ char *want = format_bytes(need * pool.page_size),
                                    *free_ = format_bytes(s.free_pages * pool.page_size + s.free_bytes +
                                                          s.reclaimable_bytes);
                _cleanup_free_ char *hint = xasprintf("lower Memory= or free memory on the node; or %s", boot);
                check_fail(c, NULL, hint, "%llu %s pages (%s) needed%s, but only %s is free or reclaimable",
                           (unsigned long long) need, gig ? "1G" : "2M", want, where, free_);
        }
}
const Check check_hugepages = { "hugepages", CHECK_GUEST, run_hugepages,
                                "the huge pages the guest needs can be had now on the GPU's NUMA node" };
