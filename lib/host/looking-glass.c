/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "host/looking-glass.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "basic/strv.h"
#include "host/user-lookup.h"

#define RECORD_KIND "lookingglass"
#define KVMFR_MAX 16

static bool streq_ptr(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static bool record_claims_path(const StateFile *s, const void *path) {
        return streq_ptr(state_file_get(s, "PATH"), path);
}

/* Another guest's record that claims path, or NULL. */
static char *path_claimed_by_other(const char *self, const char *path) {
        return state_file_find_other(RECORD_KIND, self, record_claims_path, path);
}

/* The first /dev/kvmfrN no other guest holds, or NULL when the module is not loaded. */
static char *pick_kvmfr(const char *self) {
        for (int i = 0; i < KVMFR_MAX; i++) {
                _cleanup_free_ char *p = xasprintf("/dev/kvmfr%d", i);
                struct stat st;
                if (root_stat(p, &st) < 0)
                        break;
                _cleanup_free_ char *other = path_claimed_by_other(self, p);
                if (!other)
                        return TAKE_PTR(p);
        }
        return NULL;
}

char *looking_glass_path(const Guest *g) {
        if (!g->looking_glass)
                return NULL;
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        if (state_file_load(rec, &s) == 0 && state_file_get(s, "PATH"))
                return xstrdup(state_file_get(s, "PATH"));
        char *kvmfr = pick_kvmfr(g->name);
        return kvmfr ? kvmfr : xstrdup(g->lg_file);
}

static int record_save(const char *rec, const StateFile *s) {
        int r = state_file_save(rec, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", rec);
        return 0;
}

static int lend_kvmfr(const Guest *g, const char *path, const GuestIdentity *id, const char *rec) {
        struct stat st;
        int r = root_stat(path, &st);
        if (r < 0)
                return log_error_errno(r, "Failed to stat %s: %m", path);

        _cleanup_state_file_free_ StateFile *s = NULL;
        if (state_file_load(rec, &s) < 0) {
                s = state_file_new();
                state_file_set(s, "PATH", path);
                state_file_set(s, "KIND", "kvmfr");
                state_file_setf(s, "UID", "%u", (unsigned) st.st_uid);
                state_file_setf(s, "GID", "%u", (unsigned) st.st_gid);
                state_file_setf(s, "MODE", "0%o", (unsigned) (st.st_mode & 07777));
                if ((r = record_save(rec, s)) < 0)
                        return r;
        }
        _cleanup_free_ char *full = root_path(path);
        if (chown(full, id->uid, id->gid) < 0 || chmod(full, 0660) < 0)
                return log_error_errno(errno, "Failed to give %s to user %s: %m", path, g->user);

        /* kvmfr's size is fixed when the module loads (static_size_mb=); say so instead of failing in QEMU later. */
        _cleanup_free_ char *mb = NULL;
        unsigned long long size_mb;
        if (root_read_line("/sys/module/kvmfr/parameters/static_size_mb", &mb) == 0 &&
            sscanf(mb, "%llu", &size_mb) == 1 && size_mb > 0 && (size_mb << 20) < g->lg_size)
                log_warning("%s has %llu MiB but [LookingGlass] needs %" PRIu64 " MiB; load kvmfr with "
                            "static_size_mb=%" PRIu64 ".",
                            path, size_mb, g->lg_size >> 20, g->lg_size >> 20);
        log_info("Lent %s (kvmfr) to user %s for guest %s.", path, g->user, g->name);
        return 0;
}

static int create_shm(const Guest *g, const char *path, const GuestIdentity *id, const char *rec) {
        _cleanup_state_file_free_ StateFile *s = NULL;
        bool ours = state_file_load(rec, &s) == 0 && streq_ptr(state_file_get(s, "PATH"), path);

        struct stat st;
        if (root_lstat(path, &st) == 0 && !ours)
                return log_error_errno(
                        EEXIST,
                        "%s already exists and was not created by vxm for guest %s; refusing to take it "
                        "over. Remove it if nothing uses it, or set [LookingGlass] File= to another name.",
                        path, g->name);

        if (!s) {
                s = state_file_new();
                state_file_set(s, "PATH", path);
                state_file_set(s, "KIND", "shm");
                int r = record_save(rec, s);
                if (r < 0)
                        return r;
        }

        /* O_NOFOLLOW + no O_CREAT for a leftover of ours: a symlink planted in /dev/shm is never followed. */
        _cleanup_close_ int fd = root_open(path, O_RDWR | O_NOFOLLOW | O_CREAT | (ours ? 0 : O_EXCL), 0600);
        if (fd < 0) {
                if (!ours) /* we did not create it: the record must not make "remove" delete someone else's file */
                        (void) state_file_remove(rec);
                return log_error_errno(fd, "Failed to create %s: %m", path);
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return log_error_errno(fstat(fd, &st) < 0 ? errno : EBADFD, "%s is not a regular file, refusing.",
                                       path);
        if (fchown(fd, id->uid, id->gid) < 0 || fchmod(fd, 0660) < 0)
                return log_error_errno(errno, "Failed to give %s to %s:%s: %m", path, g->user, id->group_name);
        if (ftruncate(fd, (off_t) g->lg_size) < 0)
                return log_error_errno(errno, "Failed to size %s to %" PRIu64 " bytes: %m", path, g->lg_size);

        log_info("Created %s (%" PRIu64 " MiB, %s:%s 0660) for guest %s%s.", path, g->lg_size >> 20, g->user,
                 id->group_name, g->name, ours ? ", reusing the file of an earlier run" : "");
        return 0;
}

int looking_glass_create(const Guest *g) {
        if (!g->looking_glass) {
                log_info("Guest %s has no [LookingGlass] section, nothing to do.", g->name);
                return 0;
        }
        _cleanup_(guest_identity_done) GuestIdentity id = {};
        int r = guest_identity(g->user, &id);
        if (r < 0)
                return r;

        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        _cleanup_free_ char *path = looking_glass_path(g);
        _cleanup_free_ char *other = path_claimed_by_other(g->name, path);
        if (other)
                return log_error_errno(
                        EBUSY, "%s is in use by guest %s; give one of them another [LookingGlass] File=.", path, other);

        if (strncmp(path, "/dev/kvmfr", 10) == 0)
                r = lend_kvmfr(g, path, &id, rec);
        else
                r = create_shm(g, path, &id, rec);
        return r;
}

int looking_glass_remove(const char *name) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load_for_undo(rec, &s);
        if (r == -ENOENT) {
                log_debug("No Looking Glass record for guest %s, nothing to remove.", name);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", rec);
        const char *path = state_file_get(s, "PATH"), *kind = state_file_get(s, "KIND");
        if (!path || !kind || path[0] != '/')
                return log_error_errno(EBADMSG, "%s is malformed; not touching anything.", rec);

        if (strcmp(kind, "kvmfr") == 0) {
                uint64_t uid, gid, mode;
                if (state_file_get_u64(s, "UID", &uid) < 0 || state_file_get_u64(s, "GID", &gid) < 0 ||
                    state_file_get_u64(s, "MODE", &mode) < 0)
                        return log_error_errno(EBADMSG, "%s is malformed; not touching %s.", rec, path);
                _cleanup_free_ char *full = root_path(path);
                if (access(full, F_OK) == 0 &&
                    (chown(full, (uid_t) uid, (gid_t) gid) < 0 || chmod(full, (mode_t) mode) < 0))
                        return log_error_errno(errno, "Failed to give %s back to %" PRIu64 ":%" PRIu64 ": %m", path,
                                               uid, gid);
                log_info("Gave %s back (%" PRIu64 ":%" PRIu64 " 0%" PRIo64 ").", path, uid, gid, mode);
        } else {
                r = root_unlink(path);
                if (r < 0 && r != -ENOENT)
                        return log_error_errno(r, "Failed to remove %s: %m", path);
                log_info("Removed %s.", path);
        }
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
