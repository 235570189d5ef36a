/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/acl.h"
#include "host/node-lend.h"

#define LEND_PERM 6 /* read and write: QEMU and the Looking Glass client open their files O_RDWR */

static const char *get(const StateFile *s, const char *prefix, const char *key) {
        char k[64];
        snprintf(k, sizeof k, "%s%s", prefix, key);
        return state_file_get(s, k);
}

static void set(StateFile *s, const char *prefix, const char *key, const char *value) {
        char k[64];
        snprintf(k, sizeof k, "%s%s", prefix, key);
        state_file_set(s, k, value);
}

bool node_lend_recorded(const StateFile *s, const char *prefix) {
        return get(s, prefix, "PATH") != NULL;
}

static int parse_inode(const char *v, dev_t *dev, ino_t *ino) {
        unsigned long long d, i;
        int n = -1;
        if (!v || sscanf(v, "%llu:%llu%n", &d, &i, &n) != 2 || n < 0 || v[n] != '\0')
                return -EBADMSG;
        *dev = (dev_t) d;
        *ino = (ino_t) i;
        return 0;
}

bool node_lend_same(const StateFile *s, const char *prefix, int fd) {
        struct stat st;
        dev_t dev;
        ino_t ino;
        return parse_inode(get(s, prefix, "INODE"), &dev, &ino) == 0 && fstat(fd, &st) == 0 && st.st_dev == dev &&
               st.st_ino == ino;
}

int node_lend_record(StateFile *s, const char *prefix, int fd, const char *path, const uid_t *uids, size_t n_uids) {
        if (node_lend_recorded(s, prefix) && node_lend_same(s, prefix, fd))
                return 0;

        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        uint8_t raw[ACL_XATTR_MAX];
        size_t size;
        int r = acl_get_raw_fd(fd, raw, &size);
        if (r < 0)
                return r;

        _cleanup_free_ char *acl = acl_raw_to_string(raw, size);
        _cleanup_free_ char *inode =
                xasprintf("%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
        _cleanup_free_ char *owner =
                xasprintf("%u:%u:%04o", (unsigned) st.st_uid, (unsigned) st.st_gid, (unsigned) (st.st_mode & 07777));
        _cleanup_free_ char *users = xstrdup("");
        for (size_t i = 0; i < n_uids; i++) {
                char *u = xasprintf("%s%s%u", users, i ? "," : "", (unsigned) uids[i]);
                free(users);
                users = u;
        }
        set(s, prefix, "PATH", path);
        set(s, prefix, "INODE", inode);
        set(s, prefix, "OWNER", owner);
        set(s, prefix, "ACL", acl);
        set(s, prefix, "USERS", users);
        return 0;
}

int node_lend_grant(int fd, const uid_t *uids, size_t n_uids) {
        Acl acl;
        int r = acl_read_fd(fd, &acl);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_uids; i++) {
                AclEntry *e = acl_find(&acl, ACL_TAG_USER, (uint32_t) uids[i]);
                r = acl_put(&acl, ACL_TAG_USER, (uint32_t) uids[i], (e ? e->perm : 0) | LEND_PERM);
                if (r < 0)
                        return r;
        }
        AclEntry *mask = acl_find(&acl, ACL_TAG_MASK, 0);
        if (mask)
                mask->perm |= LEND_PERM;
        else if ((r = acl_put(&acl, ACL_TAG_MASK, ACL_NO_ID, acl_group_class(&acl))) < 0)
                return r;
        return acl_write_fd(fd, &acl);
}

static int parse_owner(const char *v, uid_t *uid, gid_t *gid, mode_t *mode) {
        unsigned u, g, m;
        int n = -1;
        if (!v || sscanf(v, "%u:%u:%o%n", &u, &g, &m, &n) != 3 || n < 0 || v[n] != '\0' || m > 07777)
                return -EBADMSG;
        *uid = (uid_t) u;
        *gid = (gid_t) g;
        *mode = (mode_t) m;
        return 0;
}

/* Owner, then mode, then the ACL: chmod rewrites the mask and the base entries, the ACL then sets exactly the recorded
 * ones (and with them the mode's permission bits, which are the recorded ones too). */
static int put_back(int fd, uid_t uid, gid_t gid, mode_t mode, const uint8_t *raw, size_t size) {
        struct stat st;
        char p[32];
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        if (fstat(fd, &st) < 0)
                return -errno;
        /* chown only when needed: giving root's node back to root needs no CAP_CHOWN then */
        if ((st.st_uid != uid || st.st_gid != gid) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return -errno;
        if (size == 0) {
                int r = acl_set_raw_fd(fd, NULL, 0);
                if (r < 0)
                        return r;
        }
        if (chmod(p, mode) < 0)
                return -errno;
        return size > 0 ? acl_set_raw_fd(fd, raw, size) : 0;
}

static bool reads_back(int fd, uid_t uid, gid_t gid, mode_t mode, const uint8_t *raw, size_t size) {
        struct stat st;
        uint8_t now[ACL_XATTR_MAX];
        size_t n;
        return fstat(fd, &st) == 0 && st.st_uid == uid && st.st_gid == gid && (st.st_mode & 07777) == mode &&
               acl_get_raw_fd(fd, now, &n) == 0 && n == size && memcmp(now, raw, n) == 0;
}

int node_lend_return(const StateFile *s, const char *prefix) {
        const char *path = get(s, prefix, "PATH"), *acl = get(s, prefix, "ACL");
        uint8_t raw[ACL_XATTR_MAX];
        size_t size;
        uid_t uid;
        gid_t gid;
        mode_t mode;
        dev_t dev;
        ino_t ino;
        if (!path || path[0] != '/' || !acl || acl_raw_from_string(acl, raw, &size) < 0 ||
            parse_owner(get(s, prefix, "OWNER"), &uid, &gid, &mode) < 0 ||
            parse_inode(get(s, prefix, "INODE"), &dev, &ino) < 0)
                return -EBADMSG;

        _cleanup_close_ int fd = root_open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd == -ENOENT) {
                log_info("%s is gone, nothing to give back.", path);
                return 0;
        }
        if (fd < 0)
                return log_error_errno(fd, "Failed to open %s: %m", path);
        if (!node_lend_same(s, prefix, fd)) {
                log_notice("%s is another file now than the one vxm lent (device and inode differ), leaving it alone.",
                           path);
                return 0;
        }
        int r = put_back(fd, uid, gid, mode, raw, size);
        if (r < 0)
                return log_error_errno(r, "Failed to give %s back (owner %u:%u, mode %04o, ACL %s): %m", path,
                                       (unsigned) uid, (unsigned) gid, (unsigned) mode, acl);
        if (!reads_back(fd, uid, gid, mode, raw, size))
                return log_error_errno(EIO, "%s does not read back as recorded after giving it back.", path);
        log_info("Gave %s back: owner %u:%u, mode %04o and its ACL exactly as before.", path, (unsigned) uid,
                 (unsigned) gid, (unsigned) mode);
        return 0;
}
