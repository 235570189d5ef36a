/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "host/input-access.h"
#include "host/input-discovery.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "host/user-lookup.h"

#define RECORD_KIND "input"
#define XATTR_ACL "system.posix_acl_access"

/* The kernel's xattr format (include/uapi/linux/posix_acl_xattr.h): a version header, then entries sorted by tag and
 * id, little endian. */
#define ACL_XATTR_VERSION 2
enum {
        ACL_USER_OBJ = 0x01,
        ACL_USER = 0x02,
        ACL_GROUP_OBJ = 0x04,
        ACL_GROUP = 0x08,
        ACL_MASK = 0x10,
        ACL_OTHER = 0x20
};
#define ACL_UNDEFINED_ID ((uint32_t) -1)

typedef struct AclEntry {
        uint16_t tag, perm;
        uint32_t id;
} AclEntry;

typedef struct Acl {
        AclEntry e[64];
        size_t n;
} Acl;

/* Reads the ACL, or the three entries the mode implies when the file has none. */
static int acl_read(const char *path, Acl *acl) {
        _cleanup_free_ char *full = root_path(path);
        uint8_t buf[4 + 64 * 8];
        ssize_t n = getxattr(full, XATTR_ACL, buf, sizeof buf);
        acl->n = 0;
        if (n < 0) {
                if (errno != ENODATA && errno != EOPNOTSUPP)
                        return -errno;
                struct stat st;
                if (stat(full, &st) < 0)
                        return -errno;
                acl->e[0] = (AclEntry){ ACL_USER_OBJ, (st.st_mode >> 6) & 7, ACL_UNDEFINED_ID };
                acl->e[1] = (AclEntry){ ACL_GROUP_OBJ, (st.st_mode >> 3) & 7, ACL_UNDEFINED_ID };
                acl->e[2] = (AclEntry){ ACL_OTHER, st.st_mode & 7, ACL_UNDEFINED_ID };
                acl->n = 3;
                return 0;
        }
        uint32_t version;
        if (n < 4 || (n - 4) % 8 != 0)
                return -EBADMSG;
        memcpy(&version, buf, 4);
        if (le32toh(version) != ACL_XATTR_VERSION)
                return -EBADMSG;
        for (size_t off = 4; off < (size_t) n; off += 8) {
                uint16_t tag, perm;
                uint32_t id;
                memcpy(&tag, buf + off, 2);
                memcpy(&perm, buf + off + 2, 2);
                memcpy(&id, buf + off + 4, 4);
                acl->e[acl->n++] = (AclEntry){ le16toh(tag), le16toh(perm), le32toh(id) };
        }
        return 0;
}

static int entry_cmp(const void *a, const void *b) {
        const AclEntry *x = a, *y = b;
        if (x->tag != y->tag)
                return x->tag < y->tag ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

/* Recomputes the mask (union of the group class) and writes the ACL. Without named entries only the three base entries
 * are written: the kernel then folds them into the mode and drops the xattr, which is exactly "no ACL". */
static int acl_write(const char *path, Acl *acl) {
        Acl out = { .n = 0 };
        uint16_t mask = 0;
        bool named = false;
        for (size_t i = 0; i < acl->n; i++) {
                if (acl->e[i].tag == ACL_MASK)
                        continue;
                if (acl->e[i].tag == ACL_USER || acl->e[i].tag == ACL_GROUP)
                        named = true;
                if (acl->e[i].tag & (ACL_USER | ACL_GROUP | ACL_GROUP_OBJ))
                        mask |= acl->e[i].perm;
                out.e[out.n++] = acl->e[i];
        }
        if (named)
                out.e[out.n++] = (AclEntry){ ACL_MASK, mask, ACL_UNDEFINED_ID };
        qsort(out.e, out.n, sizeof(AclEntry), entry_cmp);

        uint8_t buf[4 + 64 * 8];
        uint32_t version = htole32(ACL_XATTR_VERSION);
        memcpy(buf, &version, 4);
        for (size_t i = 0; i < out.n; i++) {
                uint16_t tag = htole16(out.e[i].tag), perm = htole16(out.e[i].perm);
                uint32_t id = htole32(out.e[i].id);
                memcpy(buf + 4 + i * 8, &tag, 2);
                memcpy(buf + 4 + i * 8 + 2, &perm, 2);
                memcpy(buf + 4 + i * 8 + 4, &id, 4);
        }
        _cleanup_free_ char *full = root_path(path);
        if (setxattr(full, XATTR_ACL, buf, 4 + out.n * 8, 0) < 0)
                return -errno;
        return 0;
}

int acl_get_user_perm(const char *path, uid_t uid) {
        Acl acl;
        int r = acl_read(path, &acl);
        if (r < 0)
                return r;
        for (size_t i = 0; i < acl.n; i++)
                if (acl.e[i].tag == ACL_USER && acl.e[i].id == (uint32_t) uid)
                        return acl.e[i].perm;
        return -ENODATA;
}

int acl_set_user_perm(const char *path, uid_t uid, int perm) {
        Acl acl;
        int r = acl_read(path, &acl);
        if (r < 0)
                return r;
        size_t i;
        for (i = 0; i < acl.n; i++)
                if (acl.e[i].tag == ACL_USER && acl.e[i].id == (uint32_t) uid)
                        break;
        if (perm < 0) {
                if (i == acl.n)
                        return 0;
                acl.e[i] = acl.e[--acl.n];
        } else if (i < acl.n)
                acl.e[i].perm = (uint16_t) perm;
        else {
                if (acl.n >= ELEMENTSOF(acl.e) - 1)
                        return -E2BIG;
                acl.e[acl.n++] = (AclEntry){ ACL_USER, (uint16_t) perm, (uint32_t) uid };
        }
        return acl_write(path, &acl);
}

static int revoke_record(const char *rec, StateFile *s) {
        uint64_t uid, count;
        if (state_file_get_u64(s, "UID", &uid) < 0 || state_file_get_u64(s, "NODES", &count) < 0)
                return log_error_errno(EBADMSG, "%s is malformed; not touching any device.", rec);

        int ret = 0;
        for (uint64_t i = 0; i < count; i++) {
                char key[32];
                snprintf(key, sizeof key, "NODE%" PRIu64, i);
                const char *node = state_file_get(s, key);
                snprintf(key, sizeof key, "BEFORE%" PRIu64, i);
                const char *before = state_file_get(s, key);
                if (!node || !before || node[0] != '/')
                        return log_error_errno(EBADMSG, "%s is malformed (entry %" PRIu64 "); not touching any device.",
                                               rec, i);
                int perm = strcmp(before, "none") == 0 ? -1 : atoi(before);
                int r = acl_set_user_perm(node, (uid_t) uid, perm);
                if (r == -ENOENT) {
                        log_info("%s is gone (unplugged), nothing to revoke on it.", node);
                        continue;
                }
                if (r < 0) {
                        ret = log_error_errno(r, "Failed to restore the ACL of %s: %m", node);
                        continue;
                }
                log_info("Revoked access to %s for uid %" PRIu64 "%s.", node, uid,
                         perm < 0 ? "" : " (restored the entry it had before)");
        }
        return ret;
}

/* The other guest whose record lists node, or NULL. Two guests cannot share an evdev device (QEMU grabs it), and with
 * one user for both, the first revoke would take the device away from the other. */
static bool record_lists_node(const StateFile *s, const void *node) {
        for (size_t i = 0; i < s->n; i++)
                if (strncmp(s->keys[i], "NODE", 4) == 0 && strcmp(s->keys[i], "NODES") != 0 &&
                    strcmp(s->values[i], node) == 0)
                        return true;
        return false;
}

static char *node_held_by_other(const char *self, const char *node) {
        return state_file_find_other(RECORD_KIND, self, record_lists_node, node);
}

int input_access_grant(const Guest *g) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, g->name);
        int r;

        /* A record means an earlier run was not revoked (crash): undo it first so BEFORE stays the host's state. */
        _cleanup_state_file_free_ StateFile *old = NULL;
        if (state_file_load(rec, &old) == 0) {
                log_info("Found an input record of an earlier run of guest %s; revoking it first.", g->name);
                if (revoke_record(rec, old) < 0)
                        return -EIO;
                (void) state_file_remove(rec);
        }

        InputDevices l = {};
        r = input_discover(g, &l);
        if (r < 0)
                return r;
        if (l.n == 0) {
                log_info("Guest %s gets no input devices.", g->name);
                input_devices_done(&l);
                return 0;
        }

        for (size_t i = 0; i < l.n; i++) {
                _cleanup_free_ char *other = node_held_by_other(g->name, l.devices[i].node);
                if (other) {
                        log_error("%s (%s) is in use by guest %s; a device can be given to one running guest only.",
                                  l.devices[i].path, l.devices[i].node, other);
                        input_devices_done(&l);
                        return -EBUSY;
                }
        }

        GuestIdentity id;
        r = guest_identity(g->user, &id);
        if (r < 0) {
                input_devices_done(&l);
                return r;
        }
        guest_identity_done(&id);

        /* Record everything first, then change. */
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        state_file_setf(s, "UID", "%u", (unsigned) id.uid);
        state_file_setf(s, "NODES", "%zu", l.n);
        for (size_t i = 0; i < l.n; i++) {
                char key[32];
                int perm = acl_get_user_perm(l.devices[i].node, id.uid);
                if (perm < 0 && perm != -ENODATA) {
                        r = log_error_errno(perm, "Failed to read the ACL of %s: %m", l.devices[i].node);
                        goto finish;
                }
                snprintf(key, sizeof key, "NODE%zu", i);
                state_file_set(s, key, l.devices[i].node);
                snprintf(key, sizeof key, "PATH%zu", i);
                state_file_set(s, key, l.devices[i].path);
                snprintf(key, sizeof key, "KEYBOARD%zu", i);
                state_file_set(s, key, l.devices[i].keyboard ? "1" : "0");
                snprintf(key, sizeof key, "BEFORE%zu", i);
                if (perm < 0)
                        state_file_set(s, key, "none");
                else
                        state_file_setf(s, key, "%d", perm);
        }
        r = state_file_save(rec, s);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s: %m", rec);
                goto finish;
        }

        for (size_t i = 0; i < l.n; i++) {
                r = acl_set_user_perm(l.devices[i].node, id.uid, 6);
                if (r < 0) {
                        log_error_errno(r, "Failed to give user %s access to %s: %m%s", g->user, l.devices[i].node,
                                        r == -EOPNOTSUPP ? " (the file system has no POSIX ACLs)" : "");
                        (void) revoke_record(rec, s);
                        (void) state_file_remove(rec);
                        goto finish;
                }
                log_info("User %s may now use %s (%s, %s).", g->user, l.devices[i].path, l.devices[i].node,
                         l.devices[i].keyboard ? "keyboard" : "mouse");
        }
        r = 0;
finish:
        input_devices_done(&l);
        return r;
}

int input_devices_granted(const char *name, InputDevices *ret) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        uint64_t count;
        int r = state_file_load(rec, &s);
        if (r < 0)
                return r;
        if (state_file_get_u64(s, "NODES", &count) < 0)
                return -EBADMSG;
        InputDevices l = {};
        for (uint64_t i = 0; i < count; i++) {
                char kp[32], kn[32], kk[32];
                snprintf(kp, sizeof kp, "PATH%" PRIu64, i);
                snprintf(kn, sizeof kn, "NODE%" PRIu64, i);
                snprintf(kk, sizeof kk, "KEYBOARD%" PRIu64, i);
                const char *path = state_file_get(s, kp), *node = state_file_get(s, kn), *kbd = state_file_get(s, kk);
                if (!path || !node || !kbd) {
                        input_devices_done(&l);
                        return -EBADMSG;
                }
                l.devices = xrealloc(l.devices, (l.n + 1) * sizeof *l.devices);
                l.devices[l.n++] = (InputDevice){ .path = xstrdup(path),
                                                  .node = xstrdup(node),
                                                  .keyboard = strcmp(kbd, "1") == 0 };
        }
        *ret = l;
        return 0;
}

int input_access_revoke(const char *name) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load_for_undo(rec, &s);
        if (r == -ENOENT) {
                log_debug("No input record for guest %s, nothing to revoke.", name);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", rec);
        r = revoke_record(rec, s);
        if (r < 0)
                return r; /* keep the record: stopping again retries */
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
