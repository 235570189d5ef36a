/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake systemd for the tests of host isolation, kept in a state file so that separate helper runs (apply, a kill,
 * release, recover) see one systemd. It behaves like PID 1 where vxm depends on it:
 *
 *   system.slice=0-1          the unit's AllowedCPUs= now ("" unset)
 *   system.slice.config=      what the unit files say (what a daemon-reload gives without a runtime drop-in)
 *   system.slice.loaded=...   the runtime drop-in as systemd last wrote or loaded it (escaped), or "absent":
 *                             the file differing from this is NeedDaemonReload=yes, as in systemd
 *   busy=vxm-isolate@a.service ...   units that are active (or activating, deactivating)
 *   fail-set=user.slice       SetUnitProperties on this unit fails (EIO)
 *
 * A set writes the runtime drop-in /run/systemd/system.control/UNIT.d/50-AllowedCPUs.conf and the cgroup's
 * cpuset.cpus.effective under VXM_ROOT, as systemd and the kernel would. Every call is appended to PATH.log
 * ("set system.slice 0-1", "reload"), so tests check the sequence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/host-isolation.h"
#include "host/state-file.h"
#include "host/unit-cpus.h"

static const char *fake_path(UnitBackend *b) {
        return b->userdata;
}

/* The fake's files are test files, not host paths: not under VXM_ROOT, so plain stdio. */
static StateFile *fake_load(UnitBackend *b) {
        _cleanup_fclose_ FILE *f = fopen(fake_path(b), "re");
        char *text = NULL;
        size_t size = 0;
        StateFile *s = NULL;
        if (f && getdelim(&text, &size, '\0', f) >= 0 && state_file_parse(text, &s, NULL) == 0) {
                free(text);
                return s;
        }
        free(text);
        return state_file_new();
}

static void fake_save(UnitBackend *b, const StateFile *s) {
        _cleanup_free_ char *text = NULL;
        if (state_file_format(s, &text) < 0)
                abort();
        _cleanup_fclose_ FILE *f = fopen(fake_path(b), "we");
        if (!f || fputs(text, f) < 0)
                abort();
}

/* One line: the call, and its unit and CPUs if it has them. */
static void fake_log(UnitBackend *b, const char *call, const char *unit, const char *cpus, const char *result) {
        _cleanup_free_ char *p = xasprintf("%s.log", fake_path(b));
        _cleanup_fclose_ FILE *f = fopen(p, "ae");
        if (f)
                fprintf(f, "%s%s%s%s%s%s\n", call, unit ? " " : "", unit ? unit : "", cpus ? " " : "", cpus ? cpus : "",
                        result ? result : "");
}

static char *key(const char *unit, const char *suffix) {
        return xasprintf("%s%s", unit, suffix);
}

static int get_set(const StateFile *s, const char *k, CpuSet *ret) {
        const char *v = state_file_get(s, k);
        return cpu_set_parse(v ? v : "", ret, NULL) < 0 ? -EBADMSG : 0;
}

static int fake_get_allowed_cpus(UnitBackend *b, const char *unit, CpuSet *ret) {
        StateFile *s = fake_load(b);
        int r = get_set(s, unit, ret);
        state_file_free(s);
        return r;
}

/* The runtime drop-in as it is on disk now (escaped), or "absent". */
static char *dropin_now(const char *unit) {
        _cleanup_free_ char *p = unit_runtime_dropin_path(unit, "AllowedCPUs"), *text = NULL;
        if (root_read_file(p, &text, NULL) < 0)
                return xstrdup("absent");
        return escape_line(text);
}

static void write_effective(const char *unit, const CpuSet *s) {
        _cleanup_cpu_set_ CpuSet eff = {};
        _cleanup_free_ char *online = NULL;
        if (cpu_set_is_empty(s) && root_read_line("/sys/devices/system/cpu/online", &online) == 0)
                (void) cpu_set_parse(online, &eff, NULL);
        else
                cpu_set_copy(&eff, s);
        _cleanup_free_ char *dir = unit_cgroup_dir(unit), *p = xasprintf("%s/cpuset.cpus.effective", dir),
                            *v = cpu_set_format(&eff), *line = xasprintf("%s\n", v);
        (void) root_mkdir_p(dir, 0755);
        (void) root_write_file_atomic(p, line, 0644);
}

/* Sets the unit's value and what systemd has loaded for it, and the kernel's cpusets as systemd leaves them: it writes
 * cpuset.cpus only for units that set AllowedCPUs=, and enables the controller for the three units only while one
 * of them sets it. So a unit that goes back to unset while a sibling keeps a value keeps its old cpuset in the
 * kernel; once none sets one, every cgroup gets all online CPUs again. */
static void apply(StateFile *s, const char *unit, const CpuSet *cpus) {
        static const char *const units[] = HOST_ISOLATION_UNITS;
        _cleanup_free_ char *v = cpu_set_format(cpus), *loaded = key(unit, ".loaded"), *now = dropin_now(unit);
        state_file_set(s, unit, v);
        state_file_set(s, loaded, now);
        if (!cpu_set_is_empty(cpus)) {
                write_effective(unit, cpus);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                const char *w = state_file_get(s, units[i]);
                if (w && *w)
                        return;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                write_effective(units[i], cpus);
}

static int fake_set_allowed_cpus(UnitBackend *b, const char *unit, const CpuSet *cpus) {
        _cleanup_state_file_free_ StateFile *s = fake_load(b);
        _cleanup_free_ char *v = cpu_set_format(cpus);
        const char *fail = state_file_get(s, "fail-set");
        if (fail && strcmp(fail, unit) == 0) {
                fake_log(b, "set", unit, *v ? v : "(unset)", ": failed");
                return -EIO;
        }
        /* What systemd writes for a runtime property: a header, the section, a reset and the value. */
        size_t n = strlen(unit);
        const char *section = n > 6 && strcmp(unit + n - 6, ".scope") == 0 ? "Scope" : "Slice";
        _cleanup_free_ char *dir = unit_runtime_dropin_dir(unit), *p = unit_runtime_dropin_path(unit, "AllowedCPUs"),
                            *text = xasprintf("# This is a drop-in unit file extension, created via \"systemctl "
                                              "set-property\"\n# or an equivalent operation. Do not edit.\n[%s]\n"
                                              "AllowedCPUs=\nAllowedCPUs=%s\n",
                                              section, v);
        if (root_mkdir_p(dir, 0755) < 0 || root_write_file_atomic(p, text, 0644) < 0)
                return -EIO;
        apply(s, unit, cpus);
        fake_save(b, s);
        fake_log(b, "set", unit, *v ? v : "(unset)", NULL);
        return 0;
}

static int fake_need_daemon_reload(UnitBackend *b, const char *unit, bool *ret) {
        _cleanup_state_file_free_ StateFile *s = fake_load(b);
        _cleanup_free_ char *loaded = key(unit, ".loaded"), *now = dropin_now(unit);
        const char *was = state_file_get(s, loaded);
        *ret = strcmp(was ? was : "absent", now) != 0;
        return 0;
}

/* Like PID 1: every unit's value from its files again, the runtime drop-in (if any) last. */
static int fake_reload(UnitBackend *b) {
        _cleanup_state_file_free_ StateFile *s = fake_load(b);
        static const char *const units[] = { "system.slice", "user.slice", "init.scope" };
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                _cleanup_free_ char *p = unit_runtime_dropin_path(units[i], "AllowedCPUs"), *text = NULL,
                                    *config = key(units[i], ".config");
                _cleanup_cpu_set_ CpuSet cpus = {};
                if (get_set(s, config, &cpus) < 0)
                        return -EBADMSG;
                if (root_read_file(p, &text, NULL) == 0)
                        for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
                                if (strncmp(l, "AllowedCPUs=", 12) == 0 && cpu_set_parse(l + 12, &cpus, NULL) < 0)
                                        return -EBADMSG;
                apply(s, units[i], &cpus);
        }
        fake_save(b, s);
        fake_log(b, "reload", NULL, NULL, NULL);
        return 0;
}

static int fake_unit_busy(UnitBackend *b, const char *unit, bool *ret) {
        _cleanup_state_file_free_ StateFile *s = fake_load(b);
        const char *busy = state_file_get(s, "busy");
        *ret = false;
        if (!busy)
                return 0;
        _cleanup_free_ char *copy = xstrdup(busy);
        for (char *w = strtok(copy, " "); w && !*ret; w = strtok(NULL, " "))
                *ret = strcmp(w, unit) == 0;
        return 0;
}

static void fake_free(UnitBackend *b) {
        free(b->userdata);
}

UnitBackend *unit_backend_fake_new(const char *state_path) {
        UnitBackend *b = xmalloc(sizeof *b);
        *b = (UnitBackend){
                .get_allowed_cpus = fake_get_allowed_cpus,
                .set_allowed_cpus = fake_set_allowed_cpus,
                .need_daemon_reload = fake_need_daemon_reload,
                .reload = fake_reload,
                .unit_busy = fake_unit_busy,
                .free = fake_free,
                .userdata = xstrdup(state_path),
        };
        return b;
}
