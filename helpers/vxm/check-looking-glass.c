/* SPDX-License-Identifier: BSD-3-Clause */
/* Looking Glass: the shared memory is big enough for the resolution, the kvmfr module (when vxm would use it) was
 * loaded with a large enough static_size_mb, /dev/shm/looking-glass is not someone else's file that
 * vxm-lookingglass@ would refuse to take over, and a viewer is named to lend it to. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <systemd/sd-login.h>

#include "basic/format-util.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "check.h"
#include "host/kmod.h"
#include "host/looking-glass.h"
#include "host/state-file.h"

static void run_looking_glass(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->looking_glass)
                return;
        _cleanup_free_ char *size = format_bytes(g->lg_size);
        if (g->lg_width == 0) {
                check_ok(c, NULL, "Size=%s (no Resolution= to check it against)", size);
                return;
        }
        uint64_t need = looking_glass_size(g->lg_width, g->lg_height);
        _cleanup_free_ char *want = format_bytes(need);
        const ConfigSource *src = guest_key_source(g, "LookingGlass", "Size");
        if (g->lg_size < need) {
                _cleanup_free_ char *where = src ? xasprintf("%s:%u", src->file, src->line) : xstrdup(g->path);
                _cleanup_free_ char *hint =
                        xasprintf("raise Size= to %llu M at %s, or remove it (vxm then sizes it from "
                                  "Resolution=)",
                                  (unsigned long long) (need >> 20), where);
                check_fail(c, where, hint,
                           "Size=%s is too small for %ux%u: two frames of 4 bytes per pixel and 10 MiB for the "
                           "cursor and headers need %s; the Looking Glass client shows nothing",
                           size, g->lg_width, g->lg_height, want);
                return;
        }
        check_ok(c, NULL, "%s of shared memory for %ux%u (needs %s)", size, g->lg_width, g->lg_height, want);
}
const Check check_looking_glass = { "looking-glass", CHECK_GUEST, run_looking_glass,
                                    "the Looking Glass shared memory is large enough for Resolution=" };

static void run_kvmfr(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->looking_glass)
                return;
        if (!kmod_loaded("kvmfr")) {
                check_ok(c, NULL, "kvmfr is not loaded: vxm shares %s", g->lg_file);
                return;
        }
        _cleanup_free_ char *path = looking_glass_path(g);
        if (strncmp(path, "/dev/kvmfr", 10) != 0) {
                check_warn(c, NULL,
                           "load kvmfr with a size for each device: options kvmfr static_size_mb=N in "
                           "/etc/modprobe.d/kvmfr.conf, then reload it",
                           "kvmfr is loaded, but has no free /dev/kvmfrN: vxm falls back to %s", g->lg_file);
                return;
        }
        unsigned index = (unsigned) atoi(path + 10);
        _cleanup_free_ char *sizes = NULL;
        unsigned long long mb = 0;
        if (kmod_parameter("kvmfr", "static_size_mb", &sizes) >= 0) {
                const char *p = sizes;
                for (unsigned i = 0; i < index && p; i++)
                        p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
                if (p)
                        mb = strtoull(p, NULL, 10);
        }
        _cleanup_free_ char *need = format_bytes(g->lg_size);
        if (mb > 0 && (mb << 20) < g->lg_size) {
                _cleanup_free_ char *hint =
                        xasprintf("options kvmfr static_size_mb=%llu in /etc/modprobe.d/kvmfr.conf, "
                                  "then reload kvmfr (rmmod kvmfr; modprobe kvmfr)",
                                  (unsigned long long) (g->lg_size >> 20));
                check_fail(c, path, hint, "kvmfr made it %llu MiB (static_size_mb), the guest needs %s", mb, need);
        } else if (mb > 0)
                check_ok(c, path, "%llu MiB (kvmfr static_size_mb), the guest needs %s", mb, need);
        else
                check_ok(c, path, "the guest gets it (kvmfr)");
}
const Check check_kvmfr = { "kvmfr", CHECK_GUEST, run_kvmfr,
                            "a loaded kvmfr module has a device as large as the guest needs (static_size_mb)" };

static bool record_claims(const StateFile *s, const void *path) {
        const char *p = state_file_get(s, "PATH");
        return p && strcmp(p, path) == 0;
}

static void run_looking_glass_shm(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->looking_glass)
                return;
        _cleanup_free_ char *path = looking_glass_path(g);
        if (strncmp(path, "/dev/kvmfr", 10) == 0)
                return;

        _cleanup_free_ char *other = state_file_find_other("lookingglass", g->name, record_claims, path);
        if (other) {
                _cleanup_free_ char *hint = xasprintf("give guest %s or this one another [LookingGlass] File=", other);
                check_fail(c, path, hint, "is guest %s's Looking Glass memory: only one guest can run at a time",
                           other);
                return;
        }
        _cleanup_free_ char *rec = state_file_path("lookingglass", g->name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        if (state_file_load(rec, &s) >= 0 && record_claims(s, path)) {
                check_ok(c, path, "created by vxm for the running guest");
                return;
        }
        struct stat st;
        if (root_lstat(path, &st) < 0) {
                check_ok(c, path, "does not exist: vxm-lookingglass@%s creates it for user %s", g->name, g->user);
                return;
        }
        struct passwd *pw = getpwuid(st.st_uid);
        _cleanup_free_ char *owner = pw ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned) st.st_uid);
        _cleanup_free_ char *hint = xasprintf(
                "remove it (rm %s) if no Looking Glass client or QEMU uses it any more, or set [LookingGlass] File= "
                "to another name in /dev/shm",
                path);
        check_fail(c, path, hint,
                   "already exists (%s, owned by %s%s, mode %04o) and was not created by vxm: "
                   "vxm-lookingglass@%s refuses to take it over",
                   S_ISREG(st.st_mode) ? "a file" : "not a regular file", owner,
                   pw && strcmp(pw->pw_name, g->user) == 0 ? ", the guest's user" : "", (unsigned) (st.st_mode & 07777),
                   g->name);
}
const Check check_looking_glass_shm = { "looking-glass-shm", CHECK_GUEST, run_looking_glass_shm,
                                        "no foreign /dev/shm/looking-glass in the way" };

/* The user of the active session on seat0, the likely Looking Glass viewer, for the hint; NULL when there is none. */
static char *seat_user(void) {
        uid_t uid;
        if (sd_seat_get_active("seat0", NULL, &uid) < 0)
                return NULL;
        struct passwd *pw = getpwuid(uid);
        return pw ? xstrdup(pw->pw_name) : NULL;
}

/* The memory is lent to QEMU and to the Viewer= users only (ACL entries): without a viewer no client can map it. */
static void run_looking_glass_viewer(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->looking_glass)
                return;
        const ConfigSource *src = guest_key_source(g, "LookingGlass", "Viewer");
        for (size_t i = 0; g->lg_viewers && g->lg_viewers[i]; i++)
                if (!getpwnam(g->lg_viewers[i])) {
                        _cleanup_free_ char *where = xasprintf("%s:%u", src ? src->file : g->path, src ? src->line : 0);
                        _cleanup_free_ char *hint = xasprintf("create the user, or fix Viewer= at %s", where);
                        check_fail(c, where, hint, "viewer %s does not exist", g->lg_viewers[i]);
                        return;
                }
        if (g->lg_viewers) {
                _cleanup_free_ char *viewers = strv_join(g->lg_viewers, ", ");
                check_ok(c, NULL, "mapped by QEMU (%s) and the client of %s, nobody else", g->user, viewers);
                return;
        }
        _cleanup_free_ char *who = seat_user();
        _cleanup_free_ char *hint =
                xasprintf("add Viewer=%s to [LookingGlass] in %s: the desktop user who runs looking-glass-client%s",
                          who ?: "USER", g->path, who ? " (the active session on seat0 is theirs)" : "");
        check_warn(c, NULL, hint,
                   "no Viewer=, so only QEMU may map the shared memory and no client can show the guest");
}
const Check check_looking_glass_viewer = { "looking-glass-viewer", CHECK_GUEST, run_looking_glass_viewer,
                                           "the Looking Glass memory is lent to the desktop user who views it" };
