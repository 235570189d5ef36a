/* SPDX-License-Identifier: BSD-3-Clause */
/* The values inside records that are more than a number, read back by root helpers on stop: vxm-ddc's MONITOR= and
 * input values (config/display-spec.h, also [Display] Monitor=, HostInput=, GuestInput=) and the lent nodes' ACL=
 * (host/acl.h, the raw xattr as hex). The first byte chooses what the rest is:
 *   0  a Monitor= spec: monitor_spec_parse() against a model of the five forms; the canonical text parses back to
 *      the same spec
 *   1  an input value: vcp_input_from_string() against the MCCS names (case-insensitive) and numbers 1..0xffff in
 *      decimal or 0x hex; the name shown for a value reads back to it; vcp_value_format() fits its buffer
 *   2  an ACL= text: acl_raw_from_string() accepts "none" and lowercase hex of 1..ACL_XATTR_MAX bytes only, and
 *      acl_raw_to_string() gives the same text back
 *   3  raw xattr bytes: printed and read back unchanged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "config/display-spec.h"
#include "host/acl.h"
#include "fuzz.h"

/* A number as parse_unsigned() documents it: decimal digits, or 0x/0X and hex digits; leading zeros allowed; no sign,
 * no blanks. -1 when it is not one or exceeds max. */
static long model_number(const char *s, unsigned long max) {
        bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        const char *p = hex ? s + 2 : s;
        const char *digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
        if (!*p || strspn(p, digits) != strlen(p))
                return -1;
        unsigned long v = 0;
        for (; *p; p++) {
                unsigned d = (unsigned) (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
                v = v * (hex ? 16 : 10) + d;
                if (v > max)
                        return -1;
        }
        return (long) v;
}

static void check_monitor(const char *s) {
        MonitorSpec spec, want = { 0 };
        const char *reason = NULL;
        int r = monitor_spec_parse(s, &spec, &reason);

        bool ok = false;
        size_t len;
        long v;
        if (strncmp(s, "bus:", 4) == 0) {
                v = model_number(s + 4, 127);
                ok = v >= 0;
                want = (MonitorSpec){ .by = MONITOR_BY_BUS, .number = (unsigned) v };
        } else if (strncmp(s, "display:", 8) == 0) {
                v = model_number(s + 8, 99);
                ok = v >= 1;
                want = (MonitorSpec){ .by = MONITOR_BY_DISPLAY, .number = (unsigned) v };
        } else if (strncmp(s, "model:", 6) == 0 || strncmp(s, "serial:", 7) == 0) {
                const char *arg = strchr(s, ':') + 1;
                len = strlen(arg);
                ok = len >= 1 && len <= 13;
                want.by = s[0] == 'm' ? MONITOR_BY_MODEL : MONITOR_BY_SERIAL;
                if (ok)
                        memcpy(want.text, arg, len + 1);
        } else if (strncmp(s, "edid:", 5) == 0) {
                len = strlen(s + 5);
                ok = len >= 8 && len <= 64 && strspn(s + 5, "0123456789abcdefABCDEF") == len;
                want.by = MONITOR_BY_EDID;
                for (size_t i = 0; ok && i <= len; i++)
                        want.text[i] = (char) (s[5 + i] >= 'A' && s[5 + i] <= 'F' ? s[5 + i] + 32 : s[5 + i]);
        }

        fuzz_check((r == 0) == ok, "monitor_spec_parse(\"%s\") returned %d, the model says %s", s, r,
                   ok ? "valid" : "invalid");
        if (!ok) {
                fuzz_check(r == -EINVAL && reason && *reason, "\"%s\": refused without a reason", s);
                return;
        }
        fuzz_check(spec.by == want.by, "\"%s\": form %d, expected %d", s, spec.by, want.by);
        if (want.by == MONITOR_BY_BUS || want.by == MONITOR_BY_DISPLAY)
                fuzz_check(spec.number == want.number, "\"%s\": number %u, expected %u", s, spec.number, want.number);
        else
                fuzz_check(strcmp(spec.text, want.text) == 0, "\"%s\": text \"%s\", expected \"%s\"", s, spec.text,
                           want.text);

        /* The canonical text (what a record holds) reads back to the same spec. */
        _cleanup_free_ char *text = monitor_spec_to_string(&spec);
        MonitorSpec again;
        fuzz_check(monitor_spec_parse(text, &again, &reason) == 0 && again.by == spec.by &&
                           again.number == spec.number && strcmp(again.text, spec.text) == 0,
                   "\"%s\" prints as \"%s\", which does not read back", s, text);
}

/* MCCS 2.2a feature 0x60 names, and the aliases vxm accepts. */
static const struct {
        const char *name;
        int value;
} names[] = {
        { "VGA-1", 1 },          { "VGA-2", 2 },          { "DVI-1", 3 },     { "DVI-2", 4 },
        { "Composite-1", 5 },    { "Composite-2", 6 },    { "S-Video-1", 7 }, { "S-Video-2", 8 },
        { "Tuner-1", 9 },        { "Tuner-2", 10 },       { "Tuner-3", 11 },  { "Component-1", 12 },
        { "Component-2", 13 },   { "Component-3", 14 },   { "DP-1", 15 },     { "DP-2", 16 },
        { "HDMI-1", 17 },        { "HDMI-2", 18 },        { "USB-C", 27 },    { "USB-C-1", 27 },
        { "DisplayPort-1", 15 }, { "DisplayPort-2", 16 },
};

static void check_input(const char *s) {
        bool named = false;
        int r = vcp_input_from_string(s, &named);

        int want = -1;
        bool want_named = false;
        for (size_t i = 0; i < ELEMENTSOF(names) && want < 0; i++)
                if (strcasecmp(s, names[i].name) == 0)
                        want = names[i].value, want_named = true;
        if (want < 0) {
                long v = model_number(s, 0xffff);
                want = v >= 1 ? (int) v : -1;
        }

        fuzz_check(want < 0 ? r == -EINVAL : r == want && named == want_named,
                   "vcp_input_from_string(\"%s\") returned %d (named %d), expected %d (named %d)", s, r, named, want,
                   want_named);
        if (r < 0)
                return;

        const char *name = vcp_input_to_string(r);
        bool again_named;
        fuzz_check(!name || vcp_input_from_string(name, &again_named) == r,
                   "value %d is shown as %s, which reads as %d", r, name, vcp_input_from_string(name, &again_named));
        for (unsigned feature = 0x5f; feature <= 0x61; feature++) {
                char buf[32];
                const char *f = vcp_value_format((uint8_t) feature, r, buf);
                fuzz_check(f == buf && strlen(buf) < sizeof buf && *buf, "vcp_value_format(0x%02x, %d)", feature, r);
        }
}

static void check_acl_text(const char *s) {
        uint8_t buf[ACL_XATTR_MAX];
        size_t size = 99999;
        int r = acl_raw_from_string(s, buf, &size);

        size_t len = strlen(s);
        bool none = strcmp(s, "none") == 0;
        bool ok =
                none || (len >= 2 && len % 2 == 0 && len / 2 <= ACL_XATTR_MAX && strspn(s, "0123456789abcdef") == len);
        fuzz_check(ok ? r == 0 : r == -EBADMSG, "acl_raw_from_string(\"%s\") returned %d, the model says %s", s, r,
                   ok ? "valid" : "invalid");
        if (!ok)
                return;
        fuzz_check(size == (none ? 0 : len / 2), "\"%s\": %zu bytes", s, size);
        for (size_t i = 0; i < size; i++) {
                unsigned v;
                fuzz_check(sscanf(s + 2 * i, "%2x", &v) == 1 && buf[i] == v, "\"%s\": byte %zu is 0x%02x", s, i,
                           buf[i]);
        }
        _cleanup_free_ char *back = acl_raw_to_string(buf, size);
        fuzz_check(strcmp(back, s) == 0, "\"%s\" prints back as \"%s\"", s, back);
}

static void check_acl_raw(const uint8_t *data, size_t size) {
        if (size > ACL_XATTR_MAX)
                size = ACL_XATTR_MAX;
        _cleanup_free_ char *text = acl_raw_to_string(data, size);
        uint8_t buf[ACL_XATTR_MAX];
        size_t n;
        fuzz_check(acl_raw_from_string(text, buf, &n) == 0 && n == size && memcmp(buf, data, size) == 0,
                   "%zu raw bytes print as \"%s\", which does not read back", size, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > 4096)
                return 0;
        if (data[0] % 4 == 3) {
                check_acl_raw(data + 1, size - 1);
                return 0;
        }
        _cleanup_free_ char *s = xstrndup((const char *) data + 1, size - 1); /* up to a NUL, as in a record */
        switch (data[0] % 4) {
        case 0:
                check_monitor(s);
                break;
        case 1:
                check_input(s);
                break;
        case 2:
                check_acl_text(s);
                break;
        }
        return 0;
}
