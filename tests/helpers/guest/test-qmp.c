/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/qemu/qmp.c against byte streams a QEMU could send (the other end of a socket pair): framing, events,
 * errors, a stream that ends early, and a line with a NUL byte in it (found by tests/fuzz/fuzz-qmp: the text after
 * the NUL used to vanish, so "return" followed by an error on the same line read as success). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp.h"
#include "tap.h"

#define GREETING "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"
#define NEGOTIATED GREETING "{\"return\": {}}\r\n"

/* Runs connect + query-status over a stream of n bytes; returns the first error or query-status' result, and the
 * status it reported. */
static int session(const char *stream, size_t n, char **ret_status) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0 ||
            write(sv[1], stream, n) != (ssize_t) n)
                abort();
        shutdown(sv[1], SHUT_WR);

        uint64_t deadline = now_usec() + 5 * 1000000ULL;
        _cleanup_qmp_free_ Qmp *q = NULL;
        int r = qmp_connect_fd(sv[0], deadline, &q);
        _cleanup_json_free_ JsonValue *ret = NULL;
        if (r == 0)
                r = qmp_execute(q, "query-status", NULL, deadline, &ret);
        if (r == 0 && ret_status)
                *ret_status = json_get_string(ret, "status") ? xstrdup(json_get_string(ret, "status")) : NULL;
        close(sv[1]);
        return r;
}

static void check(const char *what, const char *stream, size_t n, int want, const char *want_status) {
        _cleanup_free_ char *status = NULL;
        int r = session(stream, n, &status);
        if (tap_ok(r == want, "%s: %s", what, strerror(-want)))
                return;
        tap_diag("  got %d (%s)", r, strerror(-r));
        if (want == 0)
                tap_is_str(status, want_status, "  status");
}

#define CHECK(what, literal, want, status) check(what, literal, sizeof(literal) - 1, want, status)

int main(void) {
        log_set_max_level(LOG_CRIT);
        CHECK("a normal session", NEGOTIATED "{\"return\": {\"status\": \"running\"}}\r\n", 0, "running");
        CHECK("events are skipped",
              NEGOTIATED "{\"event\": \"RESUME\"}\r\n\r\n  \r\n{\"return\": {\"status\": \"paused\"}}\n", 0, "paused");
        CHECK("an error is -EREMOTEIO", NEGOTIATED "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}\n",
              -EREMOTEIO, NULL);
        CHECK("no greeting is -EPROTO", "{\"return\": {}}\r\n", -EPROTO, NULL);
        CHECK("a message that is not an object is -EPROTO", NEGOTIATED "[1]\r\n", -EPROTO, NULL);
        CHECK("an answer without return or error is -EPROTO", NEGOTIATED "{\"id\": 1}\r\n", -EPROTO, NULL);
        CHECK("the end of the stream before the answer is -ECONNRESET", NEGOTIATED "{\"return\"", -ECONNRESET, NULL);
        CHECK("a NUL byte in a line is -EPROTO, not the text before it",
              NEGOTIATED "{\"return\": {\"status\": \"running\"}}\0{\"error\": {}}\r\n", -EPROTO, NULL);
        CHECK("a line of a NUL byte is not a blank line", NEGOTIATED "\0\r\n{\"return\": {}}\r\n", -EPROTO, NULL);
        return tap_done();
}
