/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp.h"

/* query-pci of a big guest is tens of KiB; anything beyond this is not QEMU talking. */
#define QMP_MESSAGE_MAX (4U << 20)

struct Qmp {
        int fd;
        char *buf;
        size_t len, cap;
        bool closed;
};

uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                uint64_t ms = (deadline - now + 999) / 1000;
                struct pollfd p = { .fd = fd, .events = events };
                int r = poll(&p, 1, ms > 60000 ? 60000 : (int) ms);
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

/* Reads until one complete line (QMP sends one JSON object per line) is in the buffer; returns it, malloc'd, and
 * its length (a NUL byte in it is data, not its end). */
static int read_line(Qmp *q, uint64_t deadline, char **ret, size_t *ret_len) {
        for (;;) {
                char *nl = q->buf ? memchr(q->buf, '\n', q->len) : NULL;
                if (nl) {
                        size_t n = (size_t) (nl - q->buf);
                        char *line = xmalloc(n + 1);
                        memcpy(line, q->buf, n);
                        *ret = line;
                        if (ret_len)
                                *ret_len = n;
                        memmove(q->buf, nl + 1, q->len - n - 1);
                        q->len -= n + 1;
                        return 0;
                }
                if (q->closed)
                        return -ECONNRESET;
                if (q->len >= QMP_MESSAGE_MAX)
                        return -EPROTO;
                if (q->cap - q->len < 4096) {
                        q->cap = q->cap ? q->cap * 2 : 8192;
                        q->buf = xrealloc(q->buf, q->cap);
                }
                int r = wait_fd(q->fd, POLLIN, deadline);
                if (r < 0)
                        return r;
                ssize_t k = read(q->fd, q->buf + q->len, q->cap - q->len);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        if (errno == ECONNRESET) {
                                q->closed = true;
                                continue;
                        }
                        return -errno;
                }
                if (k == 0)
                        q->closed = true;
                q->len += (size_t) k;
        }
}

static int read_message(Qmp *q, uint64_t deadline, JsonValue **ret) {
        for (;;) {
                _cleanup_free_ char *line = NULL;
                size_t n;
                int r = read_line(q, deadline, &line, &n);
                if (r < 0)
                        return r;
                if (strspn(line, " \t\r") == n)
                        continue;
                /* The whole line: text after a NUL byte must not vanish (it could be the error after a "return"). */
                if (json_parse(line, n, ret, NULL, NULL) < 0 || (*ret)->type != JSON_OBJECT)
                        return -EPROTO;
                return 0;
        }
}

static int write_all(Qmp *q, const char *s, uint64_t deadline) {
        size_t n = strlen(s);
        while (n > 0) {
                int r = wait_fd(q->fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
                ssize_t k = send(q->fd, s, n, MSG_NOSIGNAL);
                if (k < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return errno == EPIPE ? -ECONNRESET : -errno;
                }
                s += k;
                n -= (size_t) k;
        }
        return 0;
}

int qmp_connect(const char *path, uint64_t deadline, Qmp **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno; /* a UNIX socket connects at once or not at all */
        return qmp_connect_fd(TAKE_FD(fd), deadline, ret);
}

int qmp_connect_fd(int fd, uint64_t deadline, Qmp **ret) {
        Qmp *q = xmalloc(sizeof *q);
        *q = (Qmp){ .fd = fd };
        _cleanup_qmp_free_ Qmp *guard = q;

        _cleanup_json_free_ JsonValue *greeting = NULL;
        int r = read_message(q, deadline, &greeting);
        if (r < 0)
                return r;
        if (!json_get(greeting, "QMP"))
                return -EPROTO;
        r = qmp_execute(q, "qmp_capabilities", NULL, deadline, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(guard);
        return 0;
}

int qmp_execute(Qmp *q, const char *command, const char *arguments_json, uint64_t deadline, JsonValue **ret_return) {
        /* command names are [a-z_-] literals from our own code, never from a config */
        _cleanup_free_ char *msg =
                arguments_json ? xasprintf("{\"execute\":\"%s\",\"arguments\":%s}\n", command, arguments_json)
                               : xasprintf("{\"execute\":\"%s\"}\n", command);
        int r = write_all(q, msg, deadline);
        if (r < 0)
                return r;

        for (;;) {
                _cleanup_json_free_ JsonValue *m = NULL;
                r = read_message(q, deadline, &m);
                if (r < 0)
                        return r;
                if (json_get(m, "event"))
                        continue;
                const JsonValue *err = json_get(m, "error");
                if (err) {
                        const char *desc = json_get_string(err, "desc");
                        return log_error_errno(EREMOTEIO, "QMP %s failed: %s", command,
                                               desc ? desc : "(no description)");
                }
                const JsonValue *ret = json_get(m, "return");
                if (!ret)
                        return -EPROTO;
                if (ret_return) {
                        /* Detach "return" from its message. */
                        for (size_t i = 0; i < m->object.n; i++)
                                if (m->object.values[i] == ret)
                                        m->object.values[i] = NULL;
                        *ret_return = (JsonValue *) ret;
                }
                return 0;
        }
}

int qmp_wait_closed(Qmp *q, uint64_t deadline) {
        for (;;) {
                _cleanup_free_ char *line = NULL;
                int r = read_line(q, deadline, &line, NULL);
                if (r == -ECONNRESET)
                        return 0;
                if (r < 0)
                        return r;
        }
}

Qmp *qmp_free(Qmp *q) {
        if (!q)
                return NULL;
        if (q->fd >= 0)
                close(q->fd);
        free(q->buf);
        free(q);
        return NULL;
}
