/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/acl.h"
#include "host/input-access.h"
#include "host/input-discovery.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "host/user-lookup.h"

#define RECORD_KIND "input"
/* What vxm gives the guest's user on each node: read and write (QEMU's input-linux opens the device O_RDWR). */
#define GRANT_PERM 6

static void perm_string(int perm, char buf[static 16]) {
        if (perm < 0)
                snprintf(buf, 16, "none");
        else
                snprintf(buf, 16, "%d", perm);
}

static int perm_parse(const char *s) {
        if (!s)
                return -EBADMSG;
        if (strcmp(s, "none") == 0)
                return -1;
        if (strlen(s) != 1 || s[0] < '0' || s[0] > '7')
                return -EBADMSG;
        return s[0] - '0';
}

/* Puts one node back: the guest user's entry only if it is still the one vxm wrote (logind may have given the seat
 * user, who can be the guest's user, an entry of its own meanwhile: that one is not ours to take), and the mask
 * only if it is still the one vxm set (never recomputed: a narrow mask stays narrow). */
static int revoke_node(const char *node, uid_t uid, int before, int mask_before, int mask_set) {
        Acl acl;
        _cleanup_close_ int fd = acl_open_read(node, &acl);
        if (fd < 0)
                return fd;

        AclEntry *e = acl_find(&acl, ACL_TAG_USER, (uint32_t) uid);
        if (!e || e->perm != GRANT_PERM) {
                char now[16];
                perm_string(e ? e->perm : -1, now);
                log_notice("%s: the entry of uid %u was changed by someone else while the guest ran (now %s), "
                           "leaving it as it is.",
                           node, (unsigned) uid, now);
        } else if (before < 0)
                acl_drop(&acl, ACL_TAG_USER, (uint32_t) uid);
        else
                e->perm = (uint16_t) before;

        AclEntry *mask = acl_find(&acl, ACL_TAG_MASK, 0);
        if (mask && (mask_set < 0 || mask->perm == mask_set)) {
                if (mask_before >= 0)
                        mask->perm = (uint16_t) mask_before;
                else if (!acl_has_named(&acl))
                        acl_drop(&acl, ACL_TAG_MASK, 0);
        }
        return acl_write_fd(fd, &acl);
}

static int revoke_record(const char *rec, StateFile *s) {
        uint64_t uid, count;
        if (state_file_get_u64(s, "UID", &uid) < 0 || state_file_get_u64(s, "NODES", &count) < 0)
                return log_error_errno(EBADMSG, "%s is malformed; not touching any device.", rec);

        int ret = 0;
        for (uint64_t i = 0; i < count; i++) {
                char kn[32], kb[32], kmb[32], kms[32];
                snprintf(kn, sizeof kn, "NODE%" PRIu64, i);
                snprintf(kb, sizeof kb, "BEFORE%" PRIu64, i);
                snprintf(kmb, sizeof kmb, "MASK_BEFORE%" PRIu64, i);
                snprintf(kms, sizeof kms, "MASK_SET%" PRIu64, i);
                const char *node = state_file_get(s, kn);
                int before = perm_parse(state_file_get(s, kb));
                /* records of vxm before the masks were kept have neither: the mask is then left as it is */
                const char *mb = state_file_get(s, kmb), *ms = state_file_get(s, kms);
                int mask_before = mb ? perm_parse(mb) : -1, mask_set = ms ? perm_parse(ms) : -1;
                if (!node || node[0] != '/' || before < -1 || mask_before < -1 || mask_set < -1)
                        return log_error_errno(EBADMSG, "%s is malformed (entry %" PRIu64 "); not touching any device.",
                                               rec, i);
                int r = revoke_node(node, (uid_t) uid, before, mask_before, mask_set);
                if (r == -ENOENT) {
                        log_info("%s is gone (unplugged), nothing to revoke on it.", node);
                        continue;
                }
                if (r < 0) {
                        ret = log_error_errno(r, "Failed to restore the ACL of %s: %m", node);
                        continue;
                }
                log_info("Revoked access to %s for uid %" PRIu64 ".", node, uid);
        }
        return ret;
}

/* What the user's entry and the mask are now, and the mask that lets GRANT_PERM through while widening it no more
 * than that (a mask is the union of the group class only when there was none). */
static int plan_node(const char *node, uid_t uid, int *ret_before, int *ret_mask_before, int *ret_mask_set) {
        Acl acl;
        _cleanup_close_ int fd = acl_open_read(node, &acl);
        if (fd < 0)
                return fd;
        AclEntry *e = acl_find(&acl, ACL_TAG_USER, (uint32_t) uid), *mask = acl_find(&acl, ACL_TAG_MASK, 0);
        *ret_before = e ? e->perm : -1;
        *ret_mask_before = mask ? mask->perm : -1;
        if (mask)
                *ret_mask_set = mask->perm | GRANT_PERM;
        else {
                int r = acl_put(&acl, ACL_TAG_USER, (uint32_t) uid, GRANT_PERM);
                if (r < 0)
                        return r;
                *ret_mask_set = acl_group_class(&acl);
        }
        return 0;
}

static int grant_node(const char *node, uid_t uid, int mask_set) {
        Acl acl;
        _cleanup_close_ int fd = acl_open_read(node, &acl);
        if (fd < 0)
                return fd;
        int r = acl_put(&acl, ACL_TAG_USER, (uint32_t) uid, GRANT_PERM);
        if (r >= 0)
                r = acl_put(&acl, ACL_TAG_MASK, ACL_NO_ID, (uint16_t) mask_set);
        return r < 0 ? r : acl_write_fd(fd, &acl);
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

        uid_t uid;
        r = user_lookup_uid(g->user, "[Guest] User=", &uid);
        if (r < 0) {
                input_devices_done(&l);
                return r;
        }

        /* Record everything first, then change. */
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        state_file_setf(s, "UID", "%u", (unsigned) uid);
        state_file_setf(s, "NODES", "%zu", l.n);
        int *mask_set = xmalloc(l.n * sizeof(int));
        for (size_t i = 0; i < l.n; i++) {
                char key[32], v[16];
                int before, mask_before;
                r = plan_node(l.devices[i].node, uid, &before, &mask_before, &mask_set[i]);
                if (r < 0) {
                        log_error_errno(r, "Failed to read the ACL of %s: %m", l.devices[i].node);
                        goto finish;
                }
                snprintf(key, sizeof key, "NODE%zu", i);
                state_file_set(s, key, l.devices[i].node);
                snprintf(key, sizeof key, "PATH%zu", i);
                state_file_set(s, key, l.devices[i].path);
                snprintf(key, sizeof key, "KEYBOARD%zu", i);
                state_file_set(s, key, l.devices[i].keyboard ? "1" : "0");
                snprintf(key, sizeof key, "BEFORE%zu", i);
                perm_string(before, v);
                state_file_set(s, key, v);
                snprintf(key, sizeof key, "MASK_BEFORE%zu", i);
                perm_string(mask_before, v);
                state_file_set(s, key, v);
                snprintf(key, sizeof key, "MASK_SET%zu", i);
                state_file_setf(s, key, "%d", mask_set[i]);
        }
        r = state_file_save(rec, s);
        if (r < 0) {
                log_error_errno(r, "Failed to write %s: %m", rec);
                goto finish;
        }

        for (size_t i = 0; i < l.n; i++) {
                r = grant_node(l.devices[i].node, uid, mask_set[i]);
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
        free(mask_set);
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
