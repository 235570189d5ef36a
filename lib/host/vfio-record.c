/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "host/vfio-record.h"

/* Format (key=value, one per line, '#' comments; sysfs values never contain a newline):
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

char *vfio_record_format(const VfioRecord *r, const char *bdf) {
        char *s = xasprintf("# vxm-vfio: what \"vxm-vfio unbind %s\" restores; written before the first change.\n"
                            "VERSION=1\nBOUND_BY_VXM=%s\nDRIVER=%s\nDRIVER_OVERRIDE=%s\n",
                            bdf, r->bound_by_vxm ? "yes" : "no", r->driver ?: "", r->driver_override ?: "");
        if (r->group >= 0) {
                char *t = xasprintf("%sGROUP=%d\n", s, r->group);
                free(s);
                s = t;
        }
        if (r->node_changed) {
                char *t = xasprintf("%sNODE_OWNER=%u:%u:%04o\n", s, (unsigned) r->node_uid, (unsigned) r->node_gid,
                                    (unsigned) (r->node_mode & 07777));
                free(s);
                s = t;
        }
        return s;
}

static int parse_owner(const char *v, VfioRecord *r) {
        unsigned uid, gid, mode;
        int n = -1;
        if (sscanf(v, "%u:%u:%o%n", &uid, &gid, &mode, &n) != 3 || n < 0 || v[n] != '\0' || mode > 07777)
                return -EBADMSG;
        r->node_changed = true;
        r->node_uid = (uid_t) uid;
        r->node_gid = (gid_t) gid;
        r->node_mode = (mode_t) mode;
        return 0;
}

static int parse_line(const char *key, const char *v, VfioRecord *r, bool *seen_version, bool *seen_bound) {
        unsigned long u;
        if (strcmp(key, "VERSION") == 0) {
                if (strcmp(v, "1") != 0)
                        return -EBADMSG;
                *seen_version = true;
        } else if (strcmp(key, "BOUND_BY_VXM") == 0) {
                if (parse_boolean(v, &r->bound_by_vxm) < 0)
                        return -EBADMSG;
                *seen_bound = true;
        } else if (strcmp(key, "DRIVER") == 0) {
                free(r->driver);
                r->driver = *v ? xstrdup(v) : NULL;
        } else if (strcmp(key, "DRIVER_OVERRIDE") == 0) {
                free(r->driver_override);
                r->driver_override = *v ? xstrdup(v) : NULL;
        } else if (strcmp(key, "GROUP") == 0) {
                if (parse_unsigned(v, 1U << 30, &u) < 0)
                        return -EBADMSG;
                r->group = (int) u;
        } else if (strcmp(key, "NODE_OWNER") == 0)
                return parse_owner(v, r);
        else
                return -EBADMSG;
        return 0;
}

int vfio_record_parse(const char *text, VfioRecord *ret, unsigned *line) {
        VfioRecord r = VFIO_RECORD_INIT;
        bool seen_version = false, seen_bound = false;
        unsigned n = 0;
        int k = 0;

        for (const char *p = text; *p && k >= 0;) {
                size_t len = strcspn(p, "\n");
                _cleanup_free_ char *l = xstrndup(p, len);
                p += len + (p[len] == '\n');
                n++;
                if (l[0] == '\0' || l[0] == '#')
                        continue;
                char *eq = strchr(l, '=');
                if (!eq) {
                        k = -EBADMSG;
                        break;
                }
                *eq = '\0';
                k = parse_line(l, eq + 1, &r, &seen_version, &seen_bound);
        }
        if (k >= 0 && (!seen_version || !seen_bound)) {
                k = -EBADMSG;
                n = 0;
        }
        if (line)
                *line = n;
        if (k < 0) {
                vfio_record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

static char *record_path(const char *bdf) {
        return xasprintf(VFIO_RECORD_DIR "/%s", bdf);
}

int vfio_record_read(const char *bdf, VfioRecord *ret) {
        _cleanup_free_ char *p = record_path(bdf), *text = NULL;
        int r = root_read_file(p, &text, NULL);
        if (r < 0)
                return r;
        return vfio_record_parse(text, ret, NULL);
}

int vfio_record_write(const char *bdf, const VfioRecord *rec) {
        int r = root_mkdir_p(VFIO_RECORD_DIR, 0755);
        if (r < 0)
                return r;
        _cleanup_free_ char *p = record_path(bdf), *text = vfio_record_format(rec, bdf);
        return root_write_file_atomic(p, text, 0644);
}

int vfio_record_remove(const char *bdf) {
        _cleanup_free_ char *p = record_path(bdf);
        int r = root_unlink_atomic(p);
        return r == -ENOENT ? 0 : r;
}
