/* SPDX-License-Identifier: BSD-3-Clause */
/* One-line escaping for record values (a systemd drop-in's text in vxm-isolate's record): exact round trips, and
 * nothing that escape_line() never writes is accepted back. */
#include <errno.h>

#include "basic/escape.h"
#include "basic/macro.h"
#include "tap.h"

static void round_trip(const char *s, const char *want, const char *what) {
        _cleanup_free_ char *e = escape_line(s), *back = NULL;
        tap_is_str(e, want, what);
        tap_ok(unescape_line(e, &back) == 0 && strcmp(back, s) == 0, "%s: and back", what);
        tap_ok(!strchr(e, '\n'), "%s: one line", what);
}

static void refused(const char *s, const char *what) {
        char *back = NULL;
        tap_ok(unescape_line(s, &back) == -EINVAL && !back, "%s is refused", what);
}

int main(void) {
        round_trip("", "", "empty");
        round_trip("AllowedCPUs=0-1", "AllowedCPUs=0-1", "plain text unchanged");
        round_trip("# created\n[Slice]\nAllowedCPUs=\nAllowedCPUs=0-5\n",
                   "# created\\n[Slice]\\nAllowedCPUs=\\nAllowedCPUs=0-5\\n", "a drop-in");
        round_trip("back\\slash\\n", "back\\\\slash\\\\n", "backslashes, also before n");
        round_trip("tab\there\r\x01\x7f", "tab\\there\\x0d\\x01\\x7f", "other control characters");
        round_trip("caf\xc3\xa9", "caf\xc3\xa9", "UTF-8 stays");
        refused("trailing\\", "a trailing backslash");
        refused("\\q", "an unknown escape");
        refused("\\x0", "a short \\x");
        refused("\\x00", "a NUL byte");
        refused("\\xZZ", "a bad \\x");
        return tap_done();
}
