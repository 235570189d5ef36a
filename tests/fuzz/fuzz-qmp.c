/* SPDX-License-Identifier: BSD-3-Clause */
/* The QMP client (qemu/qmp.h) reading what a QEMU sends: the input is the whole byte stream from the other end of a
 * socket pair, then end of file. The client connects (greeting, qmp_capabilities), runs query-status like vxm-guest
 * stop does, then waits for the close. Every return code is compared with a model of the protocol written here:
 * messages are lines ending in '\n'; a line of only blanks is skipped; any other line must be one JSON object
 * (the whole line, every byte of it); the greeting must have "QMP"; the answer to a command is the first message
 * that is not an "event": with "error" it failed (-EREMOTEIO), with "return" it succeeded, anything else is
 * -EPROTO; the end of the stream before an answer is -ECONNRESET. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp.h"
#include "fuzz.h"

typedef struct Stream {
        const char *s;
        size_t len, pos;
} Stream;

/* The next message as the model sees it: 0 and the parsed object, -EPROTO, or -ECONNRESET at the end. */
static int model_next(Stream *st, JsonValue **ret) {
        for (;;) {
                const char *nl = memchr(st->s + st->pos, '\n', st->len - st->pos);
                if (!nl)
                        return -ECONNRESET;
                const char *line = st->s + st->pos;
                size_t n = (size_t) (nl - line);
                st->pos += n + 1;
                size_t blanks = 0;
                while (blanks < n && (line[blanks] == ' ' || line[blanks] == '\t' || line[blanks] == '\r'))
                        blanks++;
                if (blanks == n)
                        continue;
                JsonValue *v = NULL;
                if (json_parse(line, n, &v, NULL, NULL) < 0)
                        return -EPROTO;
                if (v->type != JSON_OBJECT) {
                        json_free(v);
                        return -EPROTO;
                }
                *ret = v;
                return 0;
        }
}

static int model_answer(Stream *st, char **ret_status) {
        for (;;) {
                _cleanup_json_free_ JsonValue *m = NULL;
                int r = model_next(st, &m);
                if (r < 0)
                        return r;
                if (json_get(m, "event"))
                        continue;
                if (json_get(m, "error"))
                        return -EREMOTEIO;
                const JsonValue *ret = json_get(m, "return");
                if (!ret)
                        return -EPROTO;
                if (ret_status) {
                        const char *s = json_get_string(ret, "status");
                        *ret_status = s ? xstrdup(s) : NULL;
                }
                return 0;
        }
}

static void model(const char *data, size_t size, int *connect_r, int *query_r, char **status) {
        Stream st = { data, size, 0 };
        _cleanup_json_free_ JsonValue *greeting = NULL;
        *query_r = 1; /* not reached */
        *connect_r = model_next(&st, &greeting);
        if (*connect_r == 0 && !json_get(greeting, "QMP"))
                *connect_r = -EPROTO;
        if (*connect_r == 0)
                *connect_r = model_answer(&st, NULL);
        if (*connect_r == 0)
                *query_r = model_answer(&st, status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 65536)
                return 0; /* stay below the socket buffer: the writer below must not block */
        static bool setup;
        if (!setup) {
                log_set_max_level(LOG_CRIT); /* QEMU's error descriptions would flood the output */
                setup = true;
        }

        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        int sndbuf = 256 * 1024;
        (void) setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        if (size > 0 && write(sv[1], data, size) != (ssize_t) size)
                abort();
        shutdown(sv[1], SHUT_WR);

        int want_connect, want_query;
        _cleanup_free_ char *want_status = NULL;
        model((const char *) data, size, &want_connect, &want_query, &want_status);

        uint64_t deadline = now_usec() + 5 * 1000000ULL;
        Qmp *q = NULL;
        int r = qmp_connect_fd(sv[0], deadline, &q);
        fuzz_check(r == want_connect, "connect: %d (%s), the model says %d (%s)", r, strerror(-r), want_connect,
                   strerror(-want_connect));
        if (r == 0) {
                _cleanup_json_free_ JsonValue *ret = NULL;
                r = qmp_execute(q, "query-status", NULL, deadline, &ret);
                fuzz_check(r == want_query, "query-status: %d (%s), the model says %d (%s)", r, strerror(-r),
                           want_query, strerror(-want_query));
                if (r == 0) {
                        const char *status = json_get_string(ret, "status");
                        fuzz_check(!!status == !!want_status && (!status || strcmp(status, want_status) == 0),
                                   "status \"%s\", the model says \"%s\"", status, want_status);
                }
                /* Whatever follows is read until the end: closed, or a line that is too long. */
                r = qmp_wait_closed(q, deadline);
                fuzz_check(r == 0, "qmp_wait_closed: %d (%s)", r, strerror(-r));
                qmp_free(q);
        }
        close(sv[1]);
        return 0;
}
