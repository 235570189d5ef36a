/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Captures the formatted log messages of the code under test as "E: text" / "W: text" / "N: text" / "I: text", so a
 * test can require exactly the messages a user would see. Call log_set_sink(sink, NULL) first. */

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "basic/strv.h"
#include "tap.h"

static char **messages;

static inline __attribute__((unused)) void sink(int level, const char *message, void *userdata) {
        char *s;
        if (asprintf(&s, "%c: %s",
                     level <= LOG_ERR       ? 'E'
                     : level == LOG_WARNING ? 'W'
                     : level == LOG_NOTICE  ? 'N'
                                            : 'I',
                     message) < 0)
                abort();
        strv_consume(&messages, s);
}

static inline __attribute__((unused)) void messages_clear(void) {
        messages = strv_free(messages);
}

/* Exactly these messages, in this order (NULL-terminated list). */
static inline __attribute__((unused)) bool expect_messages(const char *what, const char *const *want) {
        size_t n = 0;
        bool same = true;
        while (want[n])
                n++;
        if (strv_length(messages) != n)
                same = false;
        for (size_t i = 0; same && i < n; i++)
                if (strcmp(messages[i], want[i]) != 0)
                        same = false;
        if (!tap_ok(same, "%s: messages", what)) {
                for (size_t i = 0; messages && messages[i]; i++)
                        tap_diag("  got:  %s", messages[i]);
                for (size_t i = 0; i < n; i++)
                        tap_diag("  want: %s", want[i]);
        }
        messages_clear();
        return same;
}
#define EXPECT_MESSAGES(what, ...) expect_messages(what, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_NO_MESSAGES(what) expect_messages(what, (const char *const[]){ NULL })
