/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* A minimal TAP producer for meson's `protocol : 'tap'`. Each check prints one "ok N - ..." or "not ok N - ..."
 * line; tap_done() prints the plan and returns the exit status. Header-only so each test is one file. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static unsigned tap_n, tap_failed;

static inline __attribute__((unused, format(printf, 2, 3))) bool tap_ok(bool cond, const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        printf("%s %u - ", cond ? "ok" : "not ok", ++tap_n);
        /* A description is one line: show control characters C-style. */
        for (const char *c = buf; *c; c++)
                if (*c == '\n')
                        fputs("\\n", stdout);
                else if (*c == '\r')
                        fputs("\\r", stdout);
                else if (*c == '\t')
                        fputs("\\t", stdout);
                else if ((unsigned char) *c < ' ')
                        printf("\\x%02x", (unsigned char) *c);
                else
                        putchar(*c);
        putchar('\n');
        fflush(stdout);
        if (!cond)
                tap_failed++;
        return cond;
}

static inline __attribute__((unused, format(printf, 1, 2))) void tap_diag(const char *fmt, ...) {
        va_list ap;
        fputs("# ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static inline __attribute__((unused)) bool tap_is_str(const char *got, const char *want, const char *what) {
        bool same = (!got && !want) || (got && want && strcmp(got, want) == 0);
        if (!tap_ok(same, "%s", what))
                tap_diag("  got:  %s%s%s\n#   want: %s%s%s", got ? "\"" : "", got ? got : "(null)", got ? "\"" : "",
                         want ? "\"" : "", want ? want : "(null)", want ? "\"" : "");
        return same;
}

static inline __attribute__((unused)) bool tap_is_int(long long got, long long want, const char *what) {
        if (!tap_ok(got == want, "%s", what))
                tap_diag("  got: %lld, want: %lld", got, want);
        return got == want;
}

static inline __attribute__((unused)) int tap_done(void) {
        printf("1..%u\n", tap_n);
        return tap_failed > 0 ? 1 : 0;
}
