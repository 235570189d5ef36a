/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-vfio's record (host/vfio-record.h), what "vxm-vfio unbind" trusts to give a device back, against a model of
 * its keys written here from the comment in lib/host/vfio-record.c: VERSION=1 and BOUND_BY_VXM=<boolean> are
 * required; DRIVER= and DRIVER_OVERRIDE= are any text (empty: none); GROUP= a number up to 2^30 (decimal, or hex
 * after 0x); NODE_OWNER=UID:GID:MODE in decimal, decimal and octal, MODE at most 07777 and neither id the "no
 * change" value -1 of chown(2), which would leave the node to the guest's user; any other key is refused. A refusal
 * names the line of the offending key (0 for a missing one); what is accepted prints and reads back to the same. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "host/state-file.h"
#include "host/vfio-record.h"
#include "fuzz.h"

static bool digits_value(const char *s, unsigned base, unsigned long long max, unsigned long long *ret) {
        const char *alphabet = base == 8 ? "01234567" : base == 10 ? "0123456789" : "0123456789abcdefABCDEF";
        unsigned long long v = 0;
        if (!*s)
                return false;
        for (; *s; s++) {
                const char *d = strchr(alphabet, *s);
                if (!d)
                        return false;
                unsigned digit = (unsigned) (d - alphabet);
                if (digit >= 16)
                        digit -= 6; /* 'A'..'F' */
                if (v > (max - digit) / base)
                        return false;
                v = v * base + digit;
        }
        *ret = v;
        return true;
}

static bool boolean_value(const char *s, bool *ret) {
        static const char *const words[] = { "yes", "no", "true", "false", "on", "off", "1", "0", "y", "n", "t", "f" };
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (strcasecmp(s, words[i]) == 0) {
                        *ret = i % 2 == 0;
                        return true;
                }
        return false;
}

static bool owner_value(const char *s, VfioRecord *r) {
        _cleanup_free_ char *copy = xstrdup(s);
        char *gid = strchr(copy, ':'), *mode = gid ? strchr(gid + 1, ':') : NULL;
        if (!mode)
                return false;
        *gid++ = '\0';
        *mode++ = '\0';
        unsigned long long u, g, m;
        if (!digits_value(copy, 10, UINT32_MAX - 1, &u) || !digits_value(gid, 10, UINT32_MAX - 1, &g) ||
            !digits_value(mode, 8, 07777, &m))
                return false;
        r->node_changed = true;
        r->node_uid = (uid_t) u;
        r->node_gid = (gid_t) g;
        r->node_mode = (mode_t) m;
        return true;
}

static bool model_value(const char *key, const char *v, VfioRecord *r) {
        unsigned long long n;
        if (strcmp(key, "VERSION") == 0)
                return strcmp(v, "1") == 0;
        if (strcmp(key, "BOUND_BY_VXM") == 0)
                return boolean_value(v, &r->bound_by_vxm);
        if (strcmp(key, "DRIVER") == 0 || strcmp(key, "DRIVER_OVERRIDE") == 0) {
                char **field = key[6] ? &r->driver_override : &r->driver;
                *field = *v ? xstrdup(v) : NULL;
                return true;
        }
        if (strcmp(key, "GROUP") == 0) {
                bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
                if (!digits_value(hex ? v + 2 : v, hex ? 16 : 10, 1U << 30, &n))
                        return false;
                r->group = (int) n;
                return true;
        }
        if (strcmp(key, "NODE_OWNER") == 0)
                return owner_value(v, r);
        return false;
}

/* 0 and the record, or -EBADMSG and the line to blame. */
static int model(const char *text, VfioRecord *ret, unsigned *ret_line) {
        _cleanup_state_file_free_ StateFile *s = NULL;
        *ret_line = 0;
        if (state_file_parse(text, &s, ret_line) < 0)
                return -EBADMSG;
        if (!state_file_get(s, "VERSION") || !state_file_get(s, "BOUND_BY_VXM"))
                return -EBADMSG;
        VfioRecord r = VFIO_RECORD_INIT;
        for (size_t i = 0; i < s->n; i++)
                if (!model_value(s->keys[i], s->values[i], &r)) {
                        *ret_line = s->lines[i];
                        vfio_record_done(&r);
                        return -EBADMSG;
                }
        *ret = r;
        return 0;
}

static bool same_string(const char *a, const char *b) {
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_same(const VfioRecord *a, const VfioRecord *b, const char *what) {
        fuzz_check(a->bound_by_vxm == b->bound_by_vxm && same_string(a->driver, b->driver) &&
                           same_string(a->driver_override, b->driver_override) && a->group == b->group &&
                           a->node_changed == b->node_changed &&
                           (!a->node_changed ||
                            (a->node_uid == b->node_uid && a->node_gid == b->node_gid && a->node_mode == b->node_mode)),
                   "%s: records differ (driver %s/%s, override %s/%s, group %d/%d, owner %u:%u:%o/%u:%u:%o)", what,
                   a->driver, b->driver, a->driver_override, b->driver_override, a->group, b->group,
                   (unsigned) a->node_uid, (unsigned) a->node_gid, (unsigned) a->node_mode, (unsigned) b->node_uid,
                   (unsigned) b->node_gid, (unsigned) b->node_mode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = xstrndup((const char *) data, size);

        VfioRecord want = VFIO_RECORD_INIT, got = VFIO_RECORD_INIT;
        unsigned want_line, line = 12345;
        int want_r = model(text, &want, &want_line);
        int r = vfio_record_parse(text, &got, &line);
        fuzz_check(r == want_r, "vfio_record_parse() returned %d, the model %d (line %u)", r, want_r, want_line);
        if (r < 0) {
                fuzz_check(line == want_line, "blamed line %u, the model line %u", line, want_line);
                return 0;
        }
        check_same(&got, &want, "parsed");

        _cleanup_free_ char *printed = vfio_record_format(&got, "0000:01:00.0");
        VfioRecord back = VFIO_RECORD_INIT;
        fuzz_check(vfio_record_parse(printed, &back, NULL) == 0, "its print does not read back:\n%s", printed);
        check_same(&back, &got, "printed and read back");
        vfio_record_done(&want);
        vfio_record_done(&got);
        vfio_record_done(&back);
        return 0;
}
