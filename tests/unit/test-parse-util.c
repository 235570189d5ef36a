/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "basic/parse-util.h"
#include "tap.h"

static void boolean(const char *s, int want_r, bool want) {
        bool b = !want;
        int r = parse_boolean(s, &b);
        if (want_r == 0)
                tap_ok(r == 0 && b == want, "parse_boolean(\"%s\") = %s", s, want ? "true" : "false");
        else
                tap_ok(r == want_r && b == !want, "parse_boolean(\"%s\") refused, value untouched", s);
}

static void size(const char *s, int want_r, uint64_t want) {
        uint64_t v = 4242;
        int r = parse_size(s, &v);
        if (want_r == 0) {
                if (!tap_ok(r == 0 && v == want, "parse_size(\"%s\") = %llu", s, (unsigned long long) want))
                        tap_diag("  r=%d v=%llu", r, (unsigned long long) v);
        } else if (!tap_ok(r == want_r && v == 4242, "parse_size(\"%s\") -> %s", s,
                           want_r == -ERANGE ? "ERANGE" : "EINVAL"))
                tap_diag("  r=%d v=%llu", r, (unsigned long long) v);
}

static void seconds(const char *s, int want_r, unsigned want) {
        unsigned v = 4242;
        int r = parse_seconds(s, &v);
        if (want_r == 0) {
                if (!tap_ok(r == 0 && v == want, "parse_seconds(\"%s\") = %u", s, want))
                        tap_diag("  r=%d v=%u", r, v);
        } else if (!tap_ok(r == want_r && v == 4242, "parse_seconds(\"%s\") -> %s", s,
                           want_r == -ERANGE ? "ERANGE" : "EINVAL"))
                tap_diag("  r=%d v=%u", r, v);
}

static void unsig(const char *s, unsigned long max, int want_r, unsigned long want) {
        unsigned long v = 4242;
        int r = parse_unsigned(s, max, &v);
        if (want_r == 0)
                tap_ok(r == 0 && v == want, "parse_unsigned(\"%s\", %lu) = %lu", s, max, want);
        else if (!tap_ok(r == want_r && v == 4242, "parse_unsigned(\"%s\", %lu) -> %s", s, max,
                         want_r == -ERANGE ? "ERANGE" : "EINVAL"))
                tap_diag("  r=%d v=%lu", r, v);
}

static void name(const char *s, bool valid, const char *reason_part) {
        const char *why = NULL;
        bool ok = guest_name_is_valid(s, &why);
        if (valid)
                tap_ok(ok, "guest name \"%s\" is valid", s);
        else {
                tap_ok(!ok, "guest name \"%.20s%s\" is refused", s, strlen(s) > 20 ? "..." : "");
                tap_ok(why && strstr(why, reason_part), "  ... because %s (got: %s)", reason_part,
                       why ? why : "(null)");
        }
}

int main(void) {
        boolean("yes", 0, true);
        boolean("YES", 0, true);
        boolean("true", 0, true);
        boolean("1", 0, true);
        boolean("on", 0, true);
        boolean("no", 0, false);
        boolean("false", 0, false);
        boolean("0", 0, false);
        boolean("off", 0, false);
        boolean("Off", 0, false);
        boolean("", -EINVAL, false);
        boolean("2", -EINVAL, false);
        boolean("yes ", -EINVAL, true);
        boolean("enable", -EINVAL, true);
        boolean("nope", -EINVAL, false);

        size("0", 0, 0);
        size("512", 0, 512);
        size("512B", 0, 512);
        size("4K", 0, 4096);
        size("4k", 0, 4096);
        size("4KiB", 0, 4096);
        size("16M", 0, 16ULL << 20);
        size("16MB", 0, 16ULL << 20);
        size("16G", 0, 16ULL << 30);
        size("16g", 0, 16ULL << 30);
        size("16GiB", 0, 16ULL << 30);
        size("2T", 0, 2ULL << 40);
        size("16777215T", 0, 16777215ULL << 40);
        size("18446744073709551615", 0, UINT64_MAX);
        size("18446744073709551616", -ERANGE, 0);
        size("16777216T", -ERANGE, 0); /* 2^24 TiB = 2^64 bytes */
        size("17179869184G", -ERANGE, 0);
        size("99999999999999999999999G", -ERANGE, 0);
        size("", -EINVAL, 0);
        size("G", -EINVAL, 0);
        size("-1G", -EINVAL, 0);
        size("+1G", -EINVAL, 0);
        size(" 1G", -EINVAL, 0);
        size("1 G", -EINVAL, 0);
        size("1.5G", -EINVAL, 0);
        size("1GG", -EINVAL, 0);
        size("1P", -EINVAL, 0);
        size("0x10", -EINVAL, 0);

        unsig("0", 10, 0, 0);
        unsig("10", 10, 0, 10);
        unsig("0x0f", 255, 0, 15);
        unsig("0X1F", 255, 0, 31);
        unsig("011", 255, 0, 11); /* decimal, not octal */
        unsig("11", 10, -ERANGE, 0);
        unsig("99999999999999999999999", ULONG_MAX, -ERANGE, 0);
        unsig("", 10, -EINVAL, 0);
        unsig("-1", 10, -EINVAL, 0);
        unsig(" 1", 10, -EINVAL, 0);
        unsig("1 ", 10, -EINVAL, 0);
        unsig("1x", 10, -EINVAL, 0);
        unsig("0x", 10, -EINVAL, 0);
        unsig("lots", 10, -EINVAL, 0);

        seconds("0", 0, 0);
        seconds("90", 0, 90);
        seconds("90s", 0, 90);
        seconds("90sec", 0, 90);
        seconds("2min", 0, 120);
        seconds("2m", 0, 120);
        seconds("1h", 0, 3600);
        seconds("1min 30s", 0, 90);
        seconds("1h 1min 1s", 0, 3661);
        seconds("168h", 0, 7 * 24 * 3600);
        seconds("169h", -ERANGE, 0);
        seconds("604801", -ERANGE, 0);
        seconds("99999999999999999999", -ERANGE, 0);
        seconds("5124095576030432h", -ERANGE, 0); /* * 3600 wraps to 3584 in 64 bits */
        seconds("", -EINVAL, 0);
        seconds("s", -EINVAL, 0);
        seconds("-5", -EINVAL, 0);
        seconds("5ms", -EINVAL, 0);
        seconds("5 min", -EINVAL, 0);
        seconds("2days", -EINVAL, 0);
        seconds("1.5s", -EINVAL, 0);

        name("windows", true, NULL);
        name("Win_11.test-2", true, NULL);
        name("a", true, NULL);
        name("0123456789012345678901234567890123456789012345678901234567890123", true, NULL); /* 64 */
        name("01234567890123456789012345678901234567890123456789012345678901234", false, "longer than 64");
        name("", false, "empty");
        name("a@b", false, "only letters");
        name("../x", false, "must not start");
        name("x/y", false, "only letters");
        name("-x", false, "must not start");
        name(".hidden", false, "must not start");
        name("a b", false, "only letters");
        name("a\\x2db", false, "only letters");
        name("a%ib", false, "only letters");
        name("caf\xc3\xa9", false, "only letters");
        /* Names of configuration files and drop-in directories: a guest's directories must never look like them. */
        name("win.conf.d", false, "must not end in \".conf\" or \".conf.d\"");
        name("win.conf", false, "must not end in \".conf\" or \".conf.d\"");
        name(".conf", false, "must not start");
        name("x.conf.d.conf", false, "must not end in");
        name("win.config", true, NULL);
        name("conf", true, NULL);
        name("win.conf.dd", true, NULL);
        name("guests", true, NULL); /* /run/vxm/guests/guests, and /run/vxm/guests.conf(.d) is root's */

        tap_ok(!string_has_cc("plain text: yes, no"), "string_has_cc: plain text");
        tap_ok(string_has_cc("a\tb"), "string_has_cc: tab");
        tap_ok(string_has_cc("a\rb"), "string_has_cc: carriage return");
        tap_ok(string_has_cc("a\nb"), "string_has_cc: newline");
        tap_ok(string_has_cc("a\x7f"), "string_has_cc: DEL");
        tap_ok(!string_has_cc("caf\xc3\xa9 %i"), "string_has_cc: UTF-8 and %% are not control characters");

        static const struct {
                const char *s;
                bool valid;
        } utf8[] = {
                { "plain ASCII", true },
                { "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8e\xae", true }, /* 2-, 3- and 4-byte forms */
                { "\xef\xbb\xbf", true },                              /* BOM */
                { "\xf4\x8f\xbf\xbf", true },                          /* U+10FFFF */
                { "caf\xe9", false },                                  /* Latin-1 */
                { "\xc3", false },                                     /* truncated */
                { "\xe2\x80", false },
                { "\xc0\xaf", false }, /* overlong '/' */
                { "\xe0\x80\xaf", false },
                { "\xed\xa0\x80", false },         /* surrogate U+D800 */
                { "\xf4\x90\x80\x80", false },     /* U+110000 */
                { "\xf8\x88\x80\x80\x80", false }, /* 5-byte form */
                { "\x80", false },                 /* lone continuation */
                { "a\xc3\x28", false },            /* bad continuation */
        };
        for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
                tap_ok(utf8_is_valid_n(utf8[i].s, strlen(utf8[i].s)) == utf8[i].valid, "utf8_is_valid_n #%zu is %s", i,
                       utf8[i].valid ? "valid" : "invalid");
        tap_ok(utf8_is_valid_n("caf\xc3\xa9", 4) == false, "utf8_is_valid_n stops at n (cuts a sequence)");

        /* as systemd's path_simplify() reads a path setting; ".." is refused as systemd refuses it */
        static const struct {
                const char *in, *out;
                int r;
        } paths[] = {
                { "/srv/disks/a.img", "/srv/disks/a.img", 0 },
                { "//srv///disks//a.img", "/srv/disks/a.img", 0 },
                { "/srv/./disks/.", "/srv/disks", 0 },
                { "/srv/disks/", "/srv/disks", 0 },
                { "/", "/", 0 },
                { "//./", "/", 0 },
                { "/srv/.hidden/..a/a..", "/srv/.hidden/..a/a..", 0 },
                { "/srv/../etc", NULL, -EBADMSG },
                { "/srv/..", NULL, -EBADMSG },
                { "srv/a", NULL, -EINVAL },
                { "", NULL, -EINVAL },
        };
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
                char *out = NULL;
                int r = path_simplify_absolute(paths[i].in, &out);
                tap_ok(r == paths[i].r && (r < 0 ? !out : strcmp(out, paths[i].out) == 0),
                       "path_simplify_absolute(\"%s\") = %d \"%s\"", paths[i].in, r, out ? out : "-");
                free(out);
        }

        return tap_done();
}
