/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/looking-glass.h"
#include "host/node-lend.h"
#include "host/state-file.h"
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

/* Exactly two parties map the memory: the guest's QEMU and the Looking Glass client of each Viewer=. */
static int lend_uids(const Guest *g, uid_t **ret, size_t *ret_n) {
        size_t n = 1 + strv_length(g->lg_viewers);
        _cleanup_free_ uid_t *uids = xmalloc(n * sizeof(uid_t));
        int r = user_lookup_uid(g->user, "[Guest] User=", &uids[0]);
        if (r < 0)
                return r;
        for (size_t i = 1; i < n; i++) {
                r = user_lookup_uid(g->lg_viewers[i - 1], "[LookingGlass] Viewer=", &uids[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(uids);
        *ret_n = n;
        return 0;
}

static char *who(const Guest *g) {
        if (!g->lg_viewers)
                return xasprintf("user %s (no Viewer= yet)", g->user);
        _cleanup_free_ char *viewers = strv_join(g->lg_viewers, ", ");
        return xasprintf("user %s and viewer%s %s", g->user, g->lg_viewers[1] ? "s" : "", viewers);
}

static int lend_kvmfr(const Guest *g, const char *path, const uid_t *uids, size_t n, const char *rec) {
        _cleanup_close_ int fd = root_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", path);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
                return log_error_errno(ENOTTY, "%s is not a character device, refusing.", path);

        /* A record of an earlier run that died keeps what was there before it: that is what goes back. */
        _cleanup_state_file_free_ StateFile *s = NULL;
        if (state_file_load(rec, &s) < 0)
                s = state_file_new();
        s->comment = xasprintf("vxm-lookingglass: %s lent to guest %s; \"vxm-lookingglass remove %s\" gives it back.",
                               path, g->name, g->name);
        state_file_set(s, "KIND", "kvmfr");
        int r = node_lend_record(s, "", fd, path, uids, n);
        if (r < 0)
                return log_error_errno(r, "Failed to read the owner, mode and ACL of %s: %m", path);
        if ((r = record_save(rec, s)) < 0)
                return r;
        r = node_lend_grant(fd, uids, n);
        if (r < 0)
                return log_error_errno(r, "Failed to lend %s: %m%s", path,
                                       r == -EOPNOTSUPP ? " (no POSIX ACLs on /dev)" : "");

        /* kvmfr's size is fixed when the module loads (static_size_mb=); say so instead of failing in QEMU later. */
        _cleanup_free_ char *mb = NULL;
        unsigned long long size_mb;
        if (root_read_line("/sys/module/kvmfr/parameters/static_size_mb", &mb) == 0 &&
            sscanf(mb, "%llu", &size_mb) == 1 && size_mb > 0 && (size_mb << 20) < g->lg_size)
                log_warning("%s has %llu MiB but [LookingGlass] needs %" PRIu64 " MiB; load kvmfr with "
                            "static_size_mb=%" PRIu64 ".",
                            path, size_mb, g->lg_size >> 20, g->lg_size >> 20);
        _cleanup_free_ char *to = who(g);
        log_info("Lent %s (kvmfr) to %s for guest %s.", path, to, g->name);
        return 0;
}

/* The file is made complete (size, ACL) as an unnamed O_TMPFILE, recorded with its device and inode, and only then
 * linked in under its name, which fails if anything is there: the name never shows a half-made file, a file vxm did
 * not make is never taken over, and a helper killed before the link leaves nothing behind. It belongs to root, so in
 * the sticky /dev/shm nobody else can unlink or replace it, and its borrowers cannot change its ACL. */
static int create_shm(const Guest *g, const char *path, const uid_t *uids, size_t n, const char *rec) {
        struct stat st;
        if (root_lstat(path, &st) == 0)
                return log_error_errno(EEXIST,
                                       "%s already exists and was not created by vxm for guest %s; refusing to take "
                                       "it over. Remove it if nothing uses it, or set [LookingGlass] File= to "
                                       "another name.",
                                       path, g->name);

        _cleanup_free_ char *full = root_path(path), *dir = xstrdup(full);
        *strrchr(dir, '/') = '\0';
        _cleanup_close_ int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a file in %s: %m", dir);
        if (ftruncate(fd, (off_t) g->lg_size) < 0)
                return log_error_errno(errno, "Failed to size the shared memory to %" PRIu64 " bytes: %m", g->lg_size);
        int r = node_lend_grant(fd, uids, n);
        if (r < 0)
                return log_error_errno(r, "Failed to give the shared memory an ACL: %m%s",
                                       r == -EOPNOTSUPP ? " (no POSIX ACLs on /dev/shm)" : "");
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat the shared memory: %m");

        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-lookingglass: %s made for guest %s; \"vxm-lookingglass remove %s\" removes this "
                               "file (this device and inode) only.",
                               path, g->name, g->name);
        state_file_set(s, "KIND", "shm");
        state_file_set(s, "PATH", path);
        state_file_setf(s, "INODE", "%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        if ((r = record_save(rec, s)) < 0)
                return r;

        char proc[32];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, full, AT_SYMLINK_FOLLOW) < 0) {
                r = -errno;
                (void) state_file_remove(rec); /* nothing was linked: nothing to undo */
                return log_error_errno(r, "Failed to create %s: %m", path);
        }
        _cleanup_free_ char *to = who(g);
        log_info("Created %s (%" PRIu64 " MiB, root 0600, read-write for %s) for guest %s.", path, g->lg_size >> 20, to,
                 g->name);
        return 0;
}

int looking_glass_create(const Guest *g) {
        if (!g->looking_glass) {
                log_info("Guest %s has no [LookingGlass] section, nothing to do.", g->name);
                return 0;
        }
        _cleanup_free_ uid_t *uids = NULL;
        size_t n;
        int r = lend_uids(g, &uids, &n);
        if (r < 0)
                return r;
        if (!g->lg_viewers)
                log_warning("Guest %s has no [LookingGlass] Viewer=: only its QEMU may map the shared memory, so no "
                            "Looking Glass client can show the guest. Add Viewer=USER (the desktop user who runs "
                            "looking-glass-client) to [LookingGlass].",
                            g->name);

        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        _cleanup_state_file_free_ StateFile *old = NULL;
        if (state_file_load(rec, &old) == 0 && streq_ptr(state_file_get(old, "KIND"), "shm")) {
                log_info("Found the Looking Glass record of an earlier run of guest %s; removing its file first.",
                         g->name);
                r = looking_glass_remove(g->name);
                if (r < 0)
                        return r;
        }

        _cleanup_free_ char *path = looking_glass_path(g);
        _cleanup_free_ char *other = path_claimed_by_other(g->name, path);
        if (other)
                return log_error_errno(
                        EBUSY, "%s is in use by guest %s; give one of them another [LookingGlass] File=.", path, other);

        if (strncmp(path, "/dev/kvmfr", 10) == 0)
                return lend_kvmfr(g, path, uids, n, rec);
        return create_shm(g, path, uids, n, rec);
}

/* Only the file vxm made: a file someone else put under the name after ours went away stays. In the sticky /dev/shm
 * only root can unlink or rename root's file, so the one checked is the one unlinked. */
static int remove_shm(const StateFile *s, const char *path) {
        _cleanup_close_ int fd = root_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd == -ENOENT) {
                log_info("%s is gone already.", path);
                return 0;
        }
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", path);
        if (!node_lend_same(s, "", fd)) {
                log_notice("%s is not the file vxm created (device and inode differ), leaving it alone.", path);
                return 0;
        }
        int r = root_unlink(path);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to remove %s: %m", path);
        log_info("Removed %s.", path);
        return 0;
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

        if (strcmp(kind, "kvmfr") == 0)
                r = node_lend_return(s, "");
        else if (strcmp(kind, "shm") == 0 && state_file_get(s, "INODE"))
                r = remove_shm(s, path);
        else
                r = -EBADMSG;
        if (r == -EBADMSG)
                return log_error_errno(r,
                                       "%s is malformed; not touching %s. Remove the record once %s is as it "
                                       "should be.",
                                       rec, path, path);
        if (r < 0)
                return r; /* keep the record: stopping again retries */
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
