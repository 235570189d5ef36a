/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "host/vfio-record.h"

/* A state-file record (host/state-file.h, the one record format), with these keys:
 *   VERSION=1
 *   BOUND_BY_VXM=yes|no
 *   DRIVER=bochs-drm            empty: no driver
 *   DRIVER_OVERRIDE=            empty: unset
 *   GROUP=5                     optional
 *   NODE_OWNER=0:992:0660       optional: uid:gid:octal mode of /dev/vfio/GROUP before vxm changed it
 */

void vfio_record_done(VfioRecord *r) {
        free(r->driver);
        free(r->driver_override);
        *r = (VfioRecord) VFIO_RECORD_INIT;
}

static StateFile *to_state(const VfioRecord *r, const char *bdf) {
        StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-vfio: what \"vxm-vfio unbind %s\" restores; written before the first change.", bdf);
        state_file_set(s, "VERSION", "1");
        state_file_set(s, "BOUND_BY_VXM", r->bound_by_vxm ? "yes" : "no");
        state_file_set(s, "DRIVER", r->driver ?: "");
        state_file_set(s, "DRIVER_OVERRIDE", r->driver_override ?: "");
        if (r->group >= 0)
                state_file_setf(s, "GROUP", "%d", r->group);
        if (r->node_changed)
                state_file_setf(s, "NODE_OWNER", "%u:%u:%04o", (unsigned) r->node_uid, (unsigned) r->node_gid,
                                (unsigned) (r->node_mode & 07777));
        return s;
}

char *vfio_record_format(const VfioRecord *r, const char *bdf) {
        _cleanup_state_file_free_ StateFile *s = to_state(r, bdf);
        char *text = NULL;
        if (state_file_format(s, &text) < 0) /* sysfs values never contain a newline */
                abort();
        return text;
}

/* One field of NODE_OWNER: digits only (sscanf's %u would take " +5" and "-1"), at most max, up to end. */
static int parse_owner_field(const char **p, char end, int base, unsigned long max, unsigned long *ret) {
        size_t n = strspn(*p, base == 8 ? "01234567" : "0123456789");
        if (n == 0 || (*p)[n] != end)
                return -EBADMSG;
        char *e;
        errno = 0;
        unsigned long v = strtoul(*p, &e, base);
        if (errno != 0 || e != *p + n || v > max)
                return -EBADMSG;
        *p += n + (end != '\0');
        *ret = v;
        return 0;
}

static int parse_owner(const char *v, VfioRecord *r) {
        unsigned long uid, gid, mode;
        /* (uid_t) -1 is chown(2)'s "leave it": restoring it would leave the node to the guest's user. */
        if (parse_owner_field(&v, ':', 10, UINT32_MAX - 1, &uid) < 0 ||
            parse_owner_field(&v, ':', 10, UINT32_MAX - 1, &gid) < 0 ||
            parse_owner_field(&v, '\0', 8, 07777, &mode) < 0)
                return -EBADMSG;
        r->node_changed = true;
        r->node_uid = (uid_t) uid;
        r->node_gid = (gid_t) gid;
        r->node_mode = (mode_t) mode;
        return 0;
}

static int parse_value(const char *key, const char *v, VfioRecord *r) {
        unsigned long u;
        if (strcmp(key, "VERSION") == 0)
                return strcmp(v, "1") == 0 ? 0 : -EBADMSG;
        if (strcmp(key, "BOUND_BY_VXM") == 0)
                return parse_boolean(v, &r->bound_by_vxm) < 0 ? -EBADMSG : 0;
        if (strcmp(key, "DRIVER") == 0) {
                r->driver = *v ? xstrdup(v) : NULL;
                return 0;
        }
        if (strcmp(key, "DRIVER_OVERRIDE") == 0) {
                r->driver_override = *v ? xstrdup(v) : NULL;
                return 0;
        }
        if (strcmp(key, "GROUP") == 0) {
                if (parse_unsigned(v, 1U << 30, &u) < 0)
                        return -EBADMSG;
                r->group = (int) u;
                return 0;
        }
        if (strcmp(key, "NODE_OWNER") == 0)
                return parse_owner(v, r);
        return -EBADMSG; /* a key this version does not know: do not guess what to undo */
}

int vfio_record_parse(const char *text, VfioRecord *ret, unsigned *line) {
        _cleanup_state_file_free_ StateFile *s = NULL;
        unsigned bad = 0;
        int k = state_file_parse(text, &s, &bad);
        if (k >= 0 && (!state_file_get(s, "VERSION") || !state_file_get(s, "BOUND_BY_VXM")))
                k = -EBADMSG; /* bad stays 0: a missing key has no line */

        VfioRecord r = VFIO_RECORD_INIT;
        for (size_t i = 0; k >= 0 && i < s->n; i++) {
                k = parse_value(s->keys[i], s->values[i], &r);
                bad = s->lines[i];
        }
        if (line)
                *line = bad;
        if (k < 0) {
                vfio_record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

static char *record_path(const char *bdf) {
        return state_file_path("vfio", bdf);
}

int vfio_record_read(const char *bdf, VfioRecord *ret) {
        _cleanup_free_ char *p = record_path(bdf), *text = NULL;
        int r = root_read_file(p, &text, NULL);
        if (r < 0)
                return r;
        return vfio_record_parse(text, ret, NULL);
}

int vfio_record_write(const char *bdf, const VfioRecord *rec) {
        _cleanup_free_ char *p = record_path(bdf);
        _cleanup_state_file_free_ StateFile *s = to_state(rec, bdf);
        return state_file_save(p, s);
}

int vfio_record_remove(const char *bdf) {
        _cleanup_free_ char *p = record_path(bdf);
        return state_file_remove(p);
}
