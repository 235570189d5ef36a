/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "host/hugepages.h"
#include "basic/log.h"
#include "basic/stop-point.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/placement.h"
#include "host/state-file.h"
#include "host/state-lock.h"

#define HUGEPAGES_LOCK "/run/vxm/.state/hugepages/.lock"
#define RECORD_KIND "hugepages"

static bool streq_ptr(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

/* O_TRUNC like the shell's "echo N >": a no-op on sysfs/procfs, and right for a fake tree of plain files. */
static int sysfs_write_count(const char *path, uint64_t count) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRIu64 "\n", count);
        _cleanup_close_ int fd = root_open(path, O_WRONLY | O_TRUNC | O_NOCTTY, 0);
        if (fd < 0)
                return fd;
        ssize_t k = write(fd, buf, (size_t) n);
        if (k < 0)
                return -errno;
        return k == n ? 0 : -EIO;
}

static int sysfs_compact(const char *path) {
        return root_write_string(path, "1");
}

static const HugepageKernel sysfs_kernel = { sysfs_write_count, sysfs_compact };
static const HugepageKernel *kernel = &sysfs_kernel;

void hugepages_set_kernel(const HugepageKernel *k) {
        kernel = k ? k : &sysfs_kernel;
}

uint64_t hugepages_needed(uint64_t memory, uint64_t page_size) {
        return memory / page_size + (memory % page_size != 0);
}

uint64_t hugepage_size_bytes(HugepageSize size) {
        return size == HUGEPAGES_1G ? 1ULL << 30 : size == HUGEPAGES_2M ? 2ULL << 20 : 0;
}

char *hugepage_pool_dir(const HugepagePool *pool) {
        uint64_t kb = pool->page_size >> 10;
        if (pool->node < 0)
                return xasprintf("/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB", kb);
        return xasprintf("/sys/devices/system/node/node%d/hugepages/hugepages-%" PRIu64 "kB", pool->node, kb);
}

static int pool_read(const HugepagePool *pool, const char *attr, uint64_t *ret) {
        _cleanup_free_ char *dir = hugepage_pool_dir(pool);
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, attr);
        _cleanup_free_ char *line = NULL;
        int r = root_read_line(path, &line);
        if (r < 0)
                return r;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(line, &end, 10);
        if (errno != 0 || end == line || *end != '\0')
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int pool_write_count(const HugepagePool *pool, uint64_t count) {
        _cleanup_free_ char *dir = hugepage_pool_dir(pool);
        _cleanup_free_ char *path = xasprintf("%s/nr_hugepages", dir);
        return kernel->write_count(path, count);
}

static const char *pool_name(const HugepagePool *pool, char buf[static 64]) {
        const char *size = pool->page_size >= 1ULL << 30 ? "1G" : "2M";
        if (pool->node < 0)
                snprintf(buf, 64, "%s pool", size);
        else
                snprintf(buf, 64, "%s pool of NUMA node %d", size, pool->node);
        return buf;
}

int hugepage_pool_for_guest(const Guest *g, HugepagePool *ret) {
        HugepagePool pool = { .node = -1, .page_size = hugepage_size_bytes(g->hugepages) };
        if (pool.page_size == 0)
                return -EINVAL;

        /* The node guest RAM is bound to ([Memory] Node=, by default the GPU's): QEMU takes the pages from there. */
        pool.node = placement_memory_node(g);
        if (pool.node >= 0) {
                _cleanup_free_ char *dir = hugepage_pool_dir(&pool);
                if (!root_exists(dir)) {
                        log_debug("%s does not exist, using the global pool.", dir);
                        pool.node = -1;
                }
        }
        *ret = pool;
        return 0;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Held for the whole read-decide-write sequence; released when the fd closes (also when we are killed). */
static int take_lock(void) {
        int fd = state_lock_take(RECORD_KIND);
        if (fd < 0)
                return log_error_errno(fd, "Failed to lock %s: %m", HUGEPAGES_LOCK);
        return fd;
}

static void record_pool(StateFile *s, const HugepagePool *pool) {
        state_file_setf(s, "NODE", "%d", pool->node);
        state_file_setf(s, "PAGE_SIZE", "%" PRIu64, pool->page_size);
}

static int record_get_pool(const StateFile *s, HugepagePool *ret) {
        HugepagePool p;
        if (state_file_get_int(s, "NODE", &p.node) < 0 || state_file_get_u64(s, "PAGE_SIZE", &p.page_size) < 0 ||
            (p.page_size != 2ULL << 20 && p.page_size != 1ULL << 30))
                return -EBADMSG;
        *ret = p;
        return 0;
}

/* Under the lock nobody is adding pages, so a record still "adding" is the leftover of a helper that was killed
 * while the kernel allocated; its ADDED is only what it asked for. What it really got is what the pool shows beyond
 * its BEFORE now, before anyone else changes the pool: record that, so neither this computation nor that guest's
 * later release mistakes pages added after it (another guest's, the admin's) for the dead helper's. */
static int settle_record(const char *path, StateFile *s) {
        HugepagePool pool;
        uint64_t added, before, nr, releasing_from;
        const char *state = state_file_get(s, "STATE");
        if (streq_ptr(state, "reserved"))
                return 0;
        if (record_get_pool(s, &pool) < 0 || state_file_get_u64(s, "ADDED", &added) < 0 ||
            state_file_get_u64(s, "BEFORE", &before) < 0)
                return 0; /* malformed: its own release refuses it with a message */
        int r = pool_read(&pool, "nr_hugepages", &nr);
        if (r < 0)
                return log_error_errno(r, "Failed to read nr_hugepages to settle %s: %m", path);

        /* A helper killed while releasing: if the pool moved from where it found it, its write went through and the
         * pages are given back (releasing them again would take another guest's); if not, the release is still to
         * be done, by the next stop. */
        if (streq_ptr(state, "releasing") && state_file_get_u64(s, "RELEASING_FROM", &releasing_from) == 0) {
                if (nr != releasing_from) {
                        r = state_file_remove(path);
                        if (r < 0)
                                return log_error_errno(r, "Failed to remove %s: %m", path);
                        log_notice("Removed %s, left by a helper killed right after it released the pages "
                                   "(nr_hugepages %" PRIu64 " -> %" PRIu64 ").",
                                   path, releasing_from, nr);
                        return 0;
                }
                state_file_set(s, "STATE", "reserved");
                r = state_file_save(path, s);
                if (r < 0)
                        return log_error_errno(r, "Failed to settle %s: %m", path);
                log_notice("Settled %s, left by a helper killed before it released the pages: releasing is still to "
                           "be done.",
                           path);
                return 0;
        }
        uint64_t got = nr > before ? nr - before : 0;
        if (got > added)
                got = added;
        state_file_setf(s, "ADDED", "%" PRIu64, got);
        state_file_set(s, "STATE", "reserved");
        r = state_file_save(path, s);
        if (r < 0)
                return log_error_errno(r, "Failed to settle %s: %m", path);
        log_notice("Settled %s, left by a helper killed while reserving: it had added %" PRIu64 " of the %" PRIu64
                   " pages it asked for.",
                   path, got, added);
        return 0;
}

static int settle_stale_records(void) {
        _cleanup_free_ char *dir = state_file_dir(RECORD_KIND);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        if (!d)
                return 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
                _cleanup_state_file_free_ StateFile *s = NULL;
                if (state_file_load(path, &s) < 0)
                        continue;
                int r = settle_record(path, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Pages other vxm guests were promised on this pool and may not have mapped yet. Their QEMU may already use them
 * (then they are no longer free) or not (then they still look free): count as pending only what the pool's in-use
 * count does not already explain, so a guest never leans on pages another guest is about to take. */
static uint64_t pending_for_others(const char *self, const HugepagePool *pool, uint64_t nr, uint64_t free_pages) {
        _cleanup_free_ char *dir = state_file_dir(RECORD_KIND);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        if (!d)
                return 0;

        uint64_t promised = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || strcmp(de->d_name, self) == 0)
                        continue;
                _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
                _cleanup_state_file_free_ StateFile *s = NULL;
                HugepagePool p;
                uint64_t need;
                if (state_file_load(path, &s) < 0 || record_get_pool(s, &p) < 0 || p.node != pool->node ||
                    p.page_size != pool->page_size || state_file_get_u64(s, "NEED", &need) < 0)
                        continue;
                promised += need;
        }
        uint64_t in_use = nr > free_pages ? nr - free_pages : 0;
        return promised > in_use ? promised - in_use : 0;
}

static int reserve_locked(const Guest *g, const HugepagePool *pool, uint64_t need, const HugepageOptions *opts) {
        _cleanup_free_ char *path = state_file_path(RECORD_KIND, g->name);
        char pname[64];
        pool_name(pool, pname);
        uint64_t nr, free_pages;
        int r;

        _cleanup_state_file_free_ StateFile *old = NULL;
        if (state_file_load(path, &old) == 0) {
                HugepagePool p;
                uint64_t old_need;
                if (record_get_pool(old, &p) == 0 && p.node == pool->node && p.page_size == pool->page_size &&
                    state_file_get_u64(old, "NEED", &old_need) == 0 && old_need == need &&
                    streq_ptr(state_file_get(old, "STATE"), "reserved")) {
                        log_info("%" PRIu64 " pages on the %s are already reserved for guest %s, nothing to do.", need,
                                 pname, g->name);
                        return 0;
                }
                return -EEXIST; /* the caller releases the stale record first */
        }

        _cleanup_free_ char *dir = hugepage_pool_dir(pool);
        if ((r = pool_read(pool, "nr_hugepages", &nr)) < 0 || (r = pool_read(pool, "free_hugepages", &free_pages)) < 0)
                return log_error_errno(r, "Failed to read %s/{nr,free}_hugepages: %m%s", dir,
                                       r == -ENOENT ? " (does the kernel support this page size?)" : "");

        uint64_t pending = pending_for_others(g->name, pool, nr, free_pages);
        uint64_t available = free_pages > pending ? free_pages - pending : 0;
        uint64_t add = need > available ? need - available : 0;

        _cleanup_state_file_free_ StateFile *s = state_file_new();
        record_pool(s, pool);
        state_file_setf(s, "NEED", "%" PRIu64, need);
        state_file_setf(s, "BEFORE", "%" PRIu64, nr);
        state_file_setf(s, "ADDED", "%" PRIu64, add);
        /* "adding" until the kernel has answered: release then trusts only what nr_hugepages shows beyond BEFORE. */
        state_file_set(s, "STATE", add > 0 ? "adding" : "reserved");
        r = state_file_save(path, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        stop_point("reserve:recorded");

        if (add == 0) {
                log_info("Guest %s needs %" PRIu64 " pages on the %s; %" PRIu64 " are free (%" PRIu64
                         " of them promised to other guests), nothing to reserve.",
                         g->name, need, pname, free_pages, pending);
                return 0;
        }

        uint64_t target = nr + add, got = nr, before_round = nr;
        unsigned rounds = 0;
        for (unsigned attempt = 0;; attempt++) {
                r = pool_write_count(pool, target);
                if (r < 0 && r != -ENOMEM && r != -EINVAL)
                        log_warning_errno(r, "Writing %" PRIu64 " to %s/nr_hugepages failed: %m", target, dir);
                if (pool_read(pool, "nr_hugepages", &got) < 0)
                        got = nr;
                /* Each write already makes the kernel reclaim and compact on its own; a round of compact_memory that
                 * brought nothing new will not bring anything the next time either, and each round can take seconds. */
                if (got >= target || attempt >= opts->compact_retries || (attempt > 0 && got <= before_round))
                        break;
                before_round = got;
                rounds++;
                log_info("The kernel gave %" PRIu64 " of %" PRIu64
                         " pages on the %s, compacting memory (round %u of %u).",
                         got > nr ? got - nr : 0, add, pname, attempt + 1, opts->compact_retries);
                _cleanup_free_ char *compact =
                        pool->node < 0 ? xstrdup("/proc/sys/vm/compact_memory")
                                       : xasprintf("/sys/devices/system/node/node%d/compact", pool->node);
                r = kernel->compact(compact);
                if (r < 0)
                        log_warning_errno(r, "Failed to write %s: %m", compact);
                sleep_ms(opts->retry_delay_ms);
        }

        if (got < target) {
                uint64_t missing = target - got;
                int k = pool_write_count(pool, nr);
                uint64_t now = got;
                (void) pool_read(pool, "nr_hugepages", &now);
                bool rolled_back = k >= 0 && now == nr;
                if (!rolled_back)
                        log_error("Failed to roll %s/nr_hugepages back to %" PRIu64 " (it is %" PRIu64
                                  "); the record %s is kept so that stopping the unit retries.",
                                  dir, nr, now, path);
                else
                        (void) state_file_remove(path);
                bool gig = pool->page_size >= 1ULL << 30;
                _cleanup_free_ char *hint =
                        gig ? xasprintf("1G pages can rarely be found once the system runs: reserve them at boot with "
                                        "\"hugepagesz=1G hugepages=%" PRIu64 "\" on the kernel command line, or use "
                                        "[Memory] Hugepages=2M.",
                                        target)
                            : xasprintf("Free some memory and start the guest again, reserve the pages at boot with "
                                        "\"hugepages=%" PRIu64
                                        "\" on the kernel command line, or lower [Guest] Memory=.",
                                        target);
                return log_error_errno(ENOMEM,
                                       "Guest %s needs %" PRIu64 " pages on the %s, but the kernel could only provide "
                                       "%" PRIu64 " more: %" PRIu64 " pages (%" PRIu64 " MiB) missing after %u "
                                       "compaction round%s.%s %s",
                                       g->name, need, pname, got > nr ? got - nr : 0, missing,
                                       missing * (pool->page_size >> 20), rounds, rounds == 1 ? "" : "s",
                                       rolled_back ? " nr_hugepages is back where it was." : "", hint);
        }

        stop_point("reserve:written");
        state_file_set(s, "STATE", "reserved");
        r = state_file_save(path, s);
        if (r < 0)
                log_warning_errno(r, "Failed to update %s: %m", path);
        log_info("Reserved %" PRIu64 " pages on the %s for guest %s (nr_hugepages %" PRIu64 " -> %" PRIu64 ", %" PRIu64
                 " were free).",
                 add, pname, g->name, nr, got, free_pages);
        return 0;
}

static int release_locked(const char *name) {
        _cleanup_free_ char *path = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        HugepagePool pool;
        uint64_t added, before, nr, free_pages;
        char pname[64];

        int r = state_file_load_for_undo(path, &s);
        if (r == -ENOENT) {
                log_debug("No hugepage record for guest %s, nothing to release.", name);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        if (record_get_pool(s, &pool) < 0 || state_file_get_u64(s, "ADDED", &added) < 0 ||
            state_file_get_u64(s, "BEFORE", &before) < 0)
                return log_error_errno(EBADMSG,
                                       "%s is malformed; not touching nr_hugepages. Remove it once the pool is "
                                       "as it should be.",
                                       path);
        pool_name(&pool, pname);
        _cleanup_free_ char *dir = hugepage_pool_dir(&pool);

        if (added > 0) {
                if ((r = pool_read(&pool, "nr_hugepages", &nr)) < 0 ||
                    (r = pool_read(&pool, "free_hugepages", &free_pages)) < 0)
                        return log_error_errno(r, "Failed to read %s: %m", dir);

                uint64_t in_use = nr - (free_pages < nr ? free_pages : nr);
                uint64_t target = nr > added ? nr - added : 0;
                if (target < in_use) {
                        log_warning("%" PRIu64 " pages of the %s are still in use; releasing down to %" PRIu64
                                    " instead of %" PRIu64 ".",
                                    in_use, pname, in_use, target);
                        target = in_use;
                }
                if (target != nr) {
                        /* Should we be killed around the write, the next helper to take the lock can tell whether it
                         * happened (settle_record()). */
                        state_file_set(s, "STATE", "releasing");
                        state_file_setf(s, "RELEASING_FROM", "%" PRIu64, nr);
                        r = state_file_save(path, s);
                        if (r < 0)
                                return log_error_errno(r, "Failed to update %s: %m", path);
                        stop_point("release:recorded");
                        r = pool_write_count(&pool, target);
                        if (r < 0)
                                return log_error_errno(r, "Failed to write %" PRIu64 " to %s/nr_hugepages: %m", target,
                                                       dir);
                }
                log_info("Released %" PRIu64 " pages on the %s for guest %s (nr_hugepages %" PRIu64 " -> %" PRIu64 ").",
                         nr - target, pname, name, nr, target);
        } else
                log_info("Guest %s used pages that were already reserved on the %s; nothing to release.", name, pname);
        stop_point("release:written");

        r = state_file_remove(path);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", path);
        return 0;
}

int hugepages_reserve(const Guest *g, const HugepageOptions *opts) {
        HugepagePool pool;
        if (g->hugepages == HUGEPAGES_NO) {
                log_info("Guest %s does not use hugepages ([Memory] Hugepages=no), nothing to do.", g->name);
                return 0;
        }
        int r = hugepage_pool_for_guest(g, &pool);
        if (r < 0)
                return log_error_errno(r, "Cannot determine the hugepage pool for guest %s: %m", g->name);
        uint64_t need = hugepages_needed(g->memory, pool.page_size);

        _cleanup_close_ int lock = take_lock();
        if (lock < 0)
                return lock;
        r = settle_stale_records();
        if (r < 0)
                return r;
        const HugepageOptions defaults = HUGEPAGE_OPTIONS_DEFAULT;
        if (!opts)
                opts = &defaults;
        r = reserve_locked(g, &pool, need, opts);
        if (r == -EEXIST) {
                log_info("Found a hugepage record for guest %s from an earlier run that does not match; releasing it "
                         "first.",
                         g->name);
                r = release_locked(g->name);
                if (r < 0)
                        return r;
                r = reserve_locked(g, &pool, need, opts);
        }
        return r;
}

int hugepages_release(const char *name) {
        _cleanup_close_ int lock = take_lock();
        if (lock < 0)
                return lock;
        int r = settle_stale_records();
        if (r < 0)
                return r;
        return release_locked(name);
}
