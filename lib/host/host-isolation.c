/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/stop-point.h"
#include "basic/strv.h"
#include "host/host-isolation.h"
#include "host/state-file.h"
#include "host/state-lock.h"

#define KIND "isolate"
#define ORIGINAL_KIND "isolate-host"
#define ORIGINAL_NAME "original"
/* systemd applies a new AllowedCPUs= to the cgroup right after answering the call. */
#define CGROUP_WAIT_MS 3000

static const char *const units[] = HOST_ISOLATION_UNITS;
#define UNITS_TEXT "system.slice, user.slice and init.scope"

/* Stop-points (basic/stop-point.h) right after each step, e.g. apply:user.slice, release:system.slice. */
static void test_stop_point(const char *verb, const char *step) {
        _cleanup_free_ char *point = xasprintf("%s:%s", verb, step);
        stop_point(point);
}

static char *key(const char *what, const char *unit) {
        return xasprintf("%s.%s", what, unit);
}

static int online_cpus(CpuSet *ret) {
        _cleanup_free_ char *line = NULL;
        int r = root_read_line("/sys/devices/system/cpu/online", &line);
        if (r < 0)
                return log_error_errno(r, "Cannot read /sys/devices/system/cpu/online: %m");
        if (cpu_set_parse(line, ret, NULL) < 0)
                return log_error_errno(EBADMSG, "Cannot parse /sys/devices/system/cpu/online: \"%s\"", line);
        return 0;
}

static int record_cpus(const StateFile *s, CpuSet *ret) {
        const char *v = state_file_get(s, "CPUS");
        return v && cpu_set_parse(v, ret, NULL) == 0 && !cpu_set_is_empty(ret) ? 0 : -EBADMSG;
}

/* The guests with a record, but skip, and the union of their CPUs. A malformed record counts as holding nothing, with
 * a warning: it cannot say which CPUs it kept free. */
static int load_guests(const char *skip, char ***ret_names, CpuSet *ret_union) {
        _cleanup_free_ char *dir = state_file_dir(KIND);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        _cleanup_strv_free_ char **names = NULL;
        cpu_set_done(ret_union);
        if (!d) {
                *ret_names = NULL;
                return errno == ENOENT ? 0 : -errno;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || (skip && strcmp(de->d_name, skip) == 0))
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                _cleanup_state_file_free_ StateFile *s = NULL;
                _cleanup_cpu_set_ CpuSet cpus = {};
                if (state_file_load(p, &s) < 0 || record_cpus(s, &cpus) < 0)
                        log_warning("%s is malformed, ignoring it.", p);
                cpu_set_add_all(ret_union, &cpus);
                strv_push(&names, de->d_name);
        }
        strv_sort(names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

static int remove_guest_record(const char *name) {
        _cleanup_free_ char *p = state_file_path(KIND, name);
        int r = state_file_remove(p);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", p);
        return 0;
}

/* Records of guests whose isolation unit is not running: their helper was killed while releasing, or they are from
 * before a reboot that kept /run. */
static int sweep_stale(UnitBackend *b, const char *self) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_cpu_set_ CpuSet all = {};
        int r = load_guests(self, &names, &all);
        if (r < 0)
                return log_error_errno(r, "Cannot list the isolation records: %m");
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_free_ char *unit = xasprintf("vxm-isolate@%s.service", names[i]);
                bool busy = true;
                r = b->unit_busy(b, unit, &busy);
                if (r < 0)
                        return log_error_errno(r, "Cannot ask systemd about %s: %m", unit);
                if (busy)
                        continue;
                log_notice("Guest %s keeps CPUs free, but %s is not running: dropping its record.", names[i], unit);
                r = remove_guest_record(names[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* AllowedCPUs= needs the cgroup v2 cpuset controller; without it systemd accepts the setting and nothing happens. */
int host_isolation_supported(void) {
        _cleanup_free_ char *controllers = NULL;
        if (root_read_line("/sys/fs/cgroup/cgroup.controllers", &controllers) < 0)
                return -ENOENT;
        for (char *w = strtok(controllers, " "); w; w = strtok(NULL, " "))
                if (strcmp(w, "cpuset") == 0)
                        return 0;
        return -EOPNOTSUPP;
}

static int check_cpuset(void) {
        int r = host_isolation_supported();
        if (r == -ENOENT)
                return log_error_errno(EOPNOTSUPP,
                                       "IsolateHost=yes needs the unified cgroup hierarchy (cgroup v2), and "
                                       "/sys/fs/cgroup/cgroup.controllers does not exist.");
        if (r < 0)
                return log_error_errno(r, "IsolateHost=yes needs the cpuset cgroup controller, and this kernel does "
                                          "not offer it (/sys/fs/cgroup/cgroup.controllers).");
        return 0;
}

/* What each unit is before vxm changes it, all of it recorded before the first change. */
static int capture_original(UnitBackend *b, StateFile *s) {
        s->comment = xstrdup("What vxm-isolate changed on system.slice, user.slice and init.scope, as it was before:\n"
                             "restored exactly when no isolating guest runs any more.");
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_cpu_set_ CpuSet cpus = {};
                bool pending = false;
                int r = b->get_allowed_cpus(b, units[i], &cpus);
                if (r >= 0)
                        r = b->need_daemon_reload(b, units[i], &pending);
                if (r < 0)
                        return log_error_errno(r, "Cannot read AllowedCPUs= of %s from systemd: %m", units[i]);
                _cleanup_free_ char *v = cpu_set_format(&cpus), *k_before = key("BEFORE", units[i]),
                                    *k_pending = key("RELOAD_PENDING", units[i]), *k_dir = key("DROPIN_DIR", units[i]),
                                    *k_dropin = key("DROPIN", units[i]), *dir = unit_runtime_dropin_dir(units[i]),
                                    *path = unit_runtime_dropin_path(units[i], "AllowedCPUs"), *text = NULL;
                state_file_set(s, k_before, v);
                state_file_set(s, k_pending, pending ? "yes" : "no");
                state_file_set(s, k_dir, root_exists(dir) ? "present" : "absent");
                r = root_read_file(path, &text, NULL);
                if (r == -ENOENT)
                        state_file_set(s, k_dropin, "absent");
                else if (r < 0)
                        return log_error_errno(r, "Cannot read %s: %m", path);
                else {
                        _cleanup_free_ char *e = escape_line(text), *v2 = xasprintf("file:%s", e);
                        state_file_set(s, k_dropin, v2);
                }
        }
        return 0;
}

/* What unit had before, as a set: empty means unset (every CPU). */
static int original_cpus(const StateFile *s, const char *unit, CpuSet *ret) {
        _cleanup_free_ char *k = key("BEFORE", unit);
        const char *v = state_file_get(s, k);
        return v && cpu_set_parse(v, ret, NULL) == 0 ? 0 : -EBADMSG;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The CPUs the kernel lets the processes of unit's cgroup use. Without a cpuset file the cgroup has no cpuset of its
 * own (systemd enables the controller only while some unit sets AllowedCPUs=): it inherits the root's. */
static int cgroup_effective(const char *unit, const CpuSet *online, CpuSet *ret) {
        _cleanup_free_ char *dir = unit_cgroup_dir(unit), *p = xasprintf("%s/cpuset.cpus.effective", dir), *line = NULL;
        int r = root_read_line(p, &line);
        if (r == -ENOENT)
                r = root_read_line("/sys/fs/cgroup/cpuset.cpus.effective", &line);
        if (r == -ENOENT) {
                cpu_set_copy(ret, online);
                return 0;
        }
        if (r < 0)
                return r;
        return cpu_set_parse(line, ret, NULL) < 0 ? -EBADMSG : 0;
}

/* The kernel's view, once systemd has applied everything: each unit's cgroup allows exactly its AllowedCPUs= (every
 * online CPU when unset). systemd applies a property asynchronously, and enabling or disabling the cpuset controller
 * depends on all three units, so this is checked after the last one was set. */
static int verify_cgroups(const CpuSet *targets, const CpuSet *online) {
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_cpu_set_ CpuSet want = {}, got = {};
                cpu_set_copy(&want, cpu_set_is_empty(&targets[i]) ? online : &targets[i]);
                cpu_set_intersect(&want, online);
                int k = 0;
                for (unsigned waited = 0;; waited += 50) {
                        k = cgroup_effective(units[i], online, &got);
                        if ((k >= 0 && cpu_set_equal(&got, &want)) || waited >= CGROUP_WAIT_MS)
                                break;
                        sleep_ms(50);
                }
                _cleanup_free_ char *w = cpu_set_format(&want), *g = cpu_set_format(&got);
                if (k < 0)
                        r = log_error_errno(k, "Cannot read the cpuset of %s: %m", units[i]);
                else if (!cpu_set_equal(&got, &want))
                        r = log_error_errno(
                                EXDEV,
                                "systemd has AllowedCPUs= of %s, but the kernel lets its processes use CPUs "
                                "%s instead of %s.",
                                units[i], g, w);
        }
        return r;
}

/* Sets unit to cpus and checks that systemd says so. */
static int set_unit(UnitBackend *b, const char *unit, const CpuSet *cpus) {
        _cleanup_free_ char *v = cpu_set_format(cpus);
        int r = b->set_allowed_cpus(b, unit, cpus);
        if (r < 0)
                return log_error_errno(r, "Cannot set AllowedCPUs=%s on %s through systemd: %m", v, unit);
        _cleanup_cpu_set_ CpuSet got = {};
        r = b->get_allowed_cpus(b, unit, &got);
        if (r < 0)
                return log_error_errno(r, "Cannot read AllowedCPUs= of %s back: %m", unit);
        if (!cpu_set_equal(&got, cpus)) {
                _cleanup_free_ char *g = cpu_set_format(&got);
                return log_error_errno(EXDEV, "systemd reports AllowedCPUs=%s for %s after setting %s.", g, unit, v);
        }
        return 0;
}

/* Each unit keeps what it had (every online CPU when unset) minus what the guests take. */
static int narrow(UnitBackend *b, const char *verb, const char *orig_path, StateFile *orig, const CpuSet *taken) {
        _cleanup_cpu_set_ CpuSet online = {};
        int r = online_cpus(&online);
        if (r < 0)
                return r;
        CpuSet targets[ELEMENTSOF(units)] = {};
        for (size_t i = 0; i < ELEMENTSOF(units) && r >= 0; i++) {
                r = original_cpus(orig, units[i], &targets[i]);
                if (r < 0) {
                        log_error_errno(r, "%s is malformed (BEFORE.%s); not touching the host.", orig_path, units[i]);
                        break;
                }
                if (cpu_set_is_empty(&targets[i]))
                        cpu_set_copy(&targets[i], &online);
                cpu_set_remove_all(&targets[i], taken);
                cpu_set_intersect(&targets[i], &online);
                if (cpu_set_is_empty(&targets[i])) {
                        _cleanup_free_ char *t = cpu_set_format(taken);
                        r = log_error_errno(
                                ENOSPC,
                                "The isolating guests keep CPUs %s free, which leaves no CPU to %s: refusing "
                                "to starve the host.",
                                t, units[i]);
                }
                _cleanup_free_ char *k = key("NOW", units[i]), *v = cpu_set_format(&targets[i]);
                state_file_set(orig, k, v);
        }
        if (r >= 0) {
                r = state_file_save(orig_path, orig);
                if (r < 0)
                        log_error_errno(r, "Failed to write %s: %m", orig_path);
        }
        for (size_t i = 0; i < ELEMENTSOF(units) && r >= 0; i++) {
                r = set_unit(b, units[i], &targets[i]);
                test_stop_point(verb, units[i]);
        }
        if (r >= 0)
                r = verify_cgroups(targets, &online);
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                cpu_set_done(&targets[i]);
        return r;
}

/* The runtime drop-in systemd wrote for AllowedCPUs=, put back as it was: removed (with its directory, if that was
 * new), or rewritten with the content it had. */
static int restore_dropin(const StateFile *orig, const char *unit) {
        _cleanup_free_ char *k_dropin = key("DROPIN", unit), *k_dir = key("DROPIN_DIR", unit),
                            *path = unit_runtime_dropin_path(unit, "AllowedCPUs"), *dir = unit_runtime_dropin_dir(unit);
        const char *was = state_file_get(orig, k_dropin), *dir_was = state_file_get(orig, k_dir);
        if (!was || !dir_was)
                return -EBADMSG;
        int r;
        if (strcmp(was, "absent") == 0) {
                r = root_unlink(path);
                if (r < 0 && r != -ENOENT)
                        return log_error_errno(r, "Failed to remove %s: %m", path);
                if (strcmp(dir_was, "absent") == 0) {
                        _cleanup_free_ char *full = root_path(dir);
                        if (rmdir(full) < 0 && errno != ENOENT && errno != ENOTEMPTY)
                                return log_error_errno(errno, "Failed to remove %s: %m", dir);
                }
                return 0;
        }
        _cleanup_free_ char *text = NULL;
        if (strncmp(was, "file:", 5) != 0 || unescape_line(was + 5, &text) < 0)
                return -EBADMSG;
        r = root_write_file_atomic(path, text, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to restore %s: %m", path);
        return 0;
}

/* The runtime drop-ins as they were, and systemd's view of them. */
static int restore_files(UnitBackend *b, const char *orig_path, const StateFile *orig, bool pending_before) {
        int r;
        bool need = false;
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                r = restore_dropin(orig, units[i]);
                if (r == -EBADMSG)
                        return log_error_errno(r, "%s is malformed (DROPIN.%s).", orig_path, units[i]);
                if (r < 0)
                        return r;
                bool n = false;
                if (b->need_daemon_reload(b, units[i], &n) >= 0)
                        need = need || n;
        }
        test_stop_point("release", "dropins");
        /* systemd still has the drop-ins it wrote in mind; a reload makes it see the files as they are again, unless
         * someone else's edits were waiting for their own reload: those are not ours to activate. */
        if (need && !pending_before) {
                r = b->reload(b);
                if (r < 0)
                        return log_error_errno(r, "Failed to make systemd reload its units: %m");
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        _cleanup_cpu_set_ CpuSet before = {}, got = {};
                        (void) original_cpus(orig, units[i], &before);
                        if (b->get_allowed_cpus(b, units[i], &got) >= 0 && !cpu_set_equal(&got, &before))
                                log_warning("After the reload, %s has another AllowedCPUs= than before vxm changed "
                                            "it: its unit files changed meanwhile.",
                                            units[i]);
                }
        } else if (need)
                log_notice("The units had changes waiting for a daemon-reload before vxm isolated the host; not "
                           "reloading now, systemctl daemon-reload applies them.");
        return 0;
}

/* Everything as it was before the first isolating guest: the values (in effect at once), the drop-in files, and
 * systemd's view of them. */
static int restore_all(UnitBackend *b, const char *orig_path, const StateFile *orig) {
        _cleanup_cpu_set_ CpuSet online = {};
        int r = online_cpus(&online);
        if (r < 0)
                return r;
        bool pending_before = false;
        CpuSet befores[ELEMENTSOF(units)] = {};
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                CpuSet *before = &befores[i];
                _cleanup_free_ char *kp = key("RELOAD_PENDING", units[i]);
                const char *p = state_file_get(orig, kp);
                if (original_cpus(orig, units[i], before) < 0 || !p) {
                        r = log_error_errno(EBADMSG,
                                            "%s is malformed; restore AllowedCPUs= of " UNITS_TEXT " by hand "
                                            "(systemctl set-property --runtime UNIT AllowedCPUs=), then remove it.",
                                            orig_path);
                        break;
                }
                pending_before = pending_before || strcmp(p, "yes") == 0;
                /* A unit whose change never happened (a failure half-way) is left alone; one that cannot be restored
                 * does not keep the others from being restored. The record stays for another try then. */
                _cleanup_cpu_set_ CpuSet now = {};
                if (b->get_allowed_cpus(b, units[i], &now) >= 0 && cpu_set_equal(&now, before))
                        continue;
                /* systemd writes cpuset.cpus only for a unit that sets AllowedCPUs=: one that goes back to unset
                 * while a sibling keeps a value (an administrator's, another unit's), and so keeps the controller
                 * enabled, would keep the narrowed cpuset in the kernel. Every online CPU first, then unset: the kernel
                 * then lets it use every CPU, as before. */
                int k = cpu_set_is_empty(before) ? set_unit(b, units[i], &online) : 0;
                if (k >= 0)
                        k = set_unit(b, units[i], before);
                if (k < 0 && r >= 0)
                        r = k;
                test_stop_point("release", units[i]);
        }
        if (r >= 0)
                r = restore_files(b, orig_path, orig, pending_before);
        if (r >= 0)
                r = verify_cgroups(befores, &online);
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                cpu_set_done(&befores[i]);
        return r;
}

static char *original_path(void) {
        return state_file_path(ORIGINAL_KIND, ORIGINAL_NAME);
}

/* After a guest's record is gone (or never counted): narrow to the others, or restore everything. */
static int settle_locked(UnitBackend *b, const char *verb) {
        _cleanup_free_ char *orig_path = original_path();
        _cleanup_state_file_free_ StateFile *orig = NULL;
        int r = state_file_load_for_undo(orig_path, &orig);
        if (r == -ENOENT)
                return 0; /* nothing was ever changed */
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", orig_path);

        _cleanup_strv_free_ char **names = NULL;
        _cleanup_cpu_set_ CpuSet taken = {};
        r = load_guests(NULL, &names, &taken);
        if (r < 0)
                return log_error_errno(r, "Cannot list the isolation records: %m");
        if (names) {
                _cleanup_free_ char *t = cpu_set_format(&taken);
                r = narrow(b, verb, orig_path, orig, &taken);
                if (r < 0)
                        return r;
                _cleanup_free_ char *now = key("NOW", units[0]);
                log_info("Host processes now run on CPUs %s: the isolating guests left keep CPUs %s free.",
                         state_file_get(orig, now), t);
                return 0;
        }
        r = restore_all(b, orig_path, orig);
        if (r < 0)
                return r;
        r = state_file_remove(orig_path);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", orig_path);
        log_info("No guest isolates the host any more: AllowedCPUs= of " UNITS_TEXT " restored as they were.");
        return 0;
}

static int release_locked(UnitBackend *b, const char *name) {
        _cleanup_free_ char *path = state_file_path(KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load_for_undo(path, &s);
        if (r < 0 && r != -ENOENT && r != -EBADMSG)
                return log_error_errno(r, "Failed to read %s: %m", path);
        if (r == -ENOENT)
                log_debug("Guest %s keeps no CPUs free.", name);
        else {
                r = remove_guest_record(name);
                if (r < 0)
                        return r;
                log_info("Guest %s no longer keeps CPUs free.", name);
        }
        /* Also without our record: a release killed after removing it still has to finish the restore. */
        return settle_locked(b, "release");
}

/* One isolation at a time: the records, the union of the guests' CPUs and the units' values are read, decided and
 * written under the lock of the isolate records (/run/vxm/.state/isolate/.lock). */
static int take_lock(void) {
        int fd = state_lock_take(KIND);
        if (fd < 0)
                return log_error_errno(fd, "Cannot take the lock of the isolation records (%s/.lock): %m", KIND);
        return fd;
}

int host_isolation_release(UnitBackend *b, const char *name) {
        _cleanup_close_ int lock = take_lock();
        if (lock < 0)
                return lock;
        return release_locked(b, name);
}

int host_isolation_apply(UnitBackend *b, const char *name, const CpuSet *cpus) {
        _cleanup_close_ int lock = take_lock();
        if (lock < 0)
                return lock;
        int r = check_cpuset();
        if (r < 0)
                return r;
        r = sweep_stale(b, name);
        if (r < 0)
                return r;

        _cleanup_free_ char *path = state_file_path(KIND, name), *v = cpu_set_format(cpus);
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment =
                xasprintf("The CPUs guest %s keeps free of host processes while it runs (vxm-isolate@%s).", name, name);
        state_file_set(s, "CPUS", v);
        r = state_file_save(path, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", path);
        test_stop_point("apply", "record");

        _cleanup_free_ char *orig_path = original_path();
        _cleanup_state_file_free_ StateFile *orig = NULL;
        r = state_file_load(orig_path, &orig);
        if (r == -ENOENT) {
                orig = state_file_new();
                r = capture_original(b, orig);
                if (r >= 0) {
                        r = state_file_save(orig_path, orig);
                        if (r < 0)
                                log_error_errno(r, "Failed to write %s: %m", orig_path);
                }
                test_stop_point("apply", "original");
        } else if (r < 0)
                log_error_errno(r, "Failed to read %s: %m", orig_path);
        if (r < 0) {
                (void) release_locked(b, name);
                return r;
        }

        _cleanup_strv_free_ char **names = NULL;
        _cleanup_cpu_set_ CpuSet taken = {};
        r = load_guests(NULL, &names, &taken);
        if (r >= 0)
                r = narrow(b, "apply", orig_path, orig, &taken);
        if (r < 0) {
                log_error("Giving guest %s's CPUs back to the host after the failure.", name);
                (void) release_locked(b, name);
                return r;
        }
        _cleanup_free_ char *now = key("NOW", units[0]), *t = cpu_set_format(&taken);
        log_info("Host processes (" UNITS_TEXT ") now run on CPUs %s: guest %s keeps CPUs %s free%s%s.",
                 state_file_get(orig, now), name, v, strv_length(names) > 1 ? ", all isolating guests " : "",
                 strv_length(names) > 1 ? t : "");
        return 0;
}

int host_isolation_recover(UnitBackend *b) {
        _cleanup_close_ int lock = take_lock();
        if (lock < 0)
                return lock;
        int r = sweep_stale(b, NULL);
        if (r < 0)
                return r;
        return settle_locked(b, "recover");
}

int host_isolation_state(CpuSet *ret_host_cpus, char ***ret_guests) {
        _cleanup_free_ char *orig_path = original_path();
        _cleanup_state_file_free_ StateFile *orig = NULL;
        int r = state_file_load(orig_path, &orig);
        if (r < 0)
                return r;
        _cleanup_free_ char *k = key("NOW", units[0]);
        const char *now = state_file_get(orig, k);
        if (!now || cpu_set_parse(now, ret_host_cpus, NULL) < 0)
                return -EBADMSG;
        _cleanup_cpu_set_ CpuSet taken = {};
        return load_guests(NULL, ret_guests, &taken);
}
