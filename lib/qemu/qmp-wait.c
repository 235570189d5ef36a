/* SPDX-License-Identifier: BSD-3-Clause */
/* Waiting for a QEMU that is starting to answer QMP, woken by the events that matter instead of by a timer: inotify on
 * the socket's directory says when QEMU has made its socket, a pidfd when QEMU died first, and the connected socket
 * itself when QEMU answers (which it does once its devices are set up). Only the moment between QEMU's bind() and
 * its listen() has no event; that is retried after a pause that starts at a millisecond. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp-wait.h"

/* The pause after "connection refused" (a socket that does not listen yet, or a stale one of a QEMU that was killed),
 * doubled up to this cap. Also the pause when an event source is missing (no inotify, no pidfd). */
#define REFUSED_PAUSE_FIRST_MS 1
#define PAUSE_MAX_MS 100

static int pidfd_open_or_none(pid_t pid) {
        if (pid <= 0)
                return -1;
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0 && errno == ESRCH)
                return -ESRCH;
        if (fd < 0)
                log_debug_errno(errno, "pidfd_open(%d) failed, checking the process with kill() instead: %m",
                                (int) pid);
        return fd < 0 ? -1 : fd;
}

static bool process_gone(pid_t pid, int pidfd) {
        if (pid <= 0)
                return false;
        if (pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                return poll(&p, 1, 0) > 0;
        }
        return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Watches the socket's directory; -1 if it cannot (then the caller pauses and retries). */
static int watch_directory(const char *path) {
        const char *slash = strrchr(path, '/');
        if (!slash)
                return -1;
        _cleanup_free_ char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t) (slash - path));
        _cleanup_close_ int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
                log_debug_errno(errno, "Cannot watch %s, retrying the connection after pauses instead: %m", dir);
                return -1;
        }
        return TAKE_FD(fd);
}

static void drain(int fd) {
        char buf[4096];
        while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
                ;
}

int qmp_connect_wait(const char *path, pid_t pid, uint64_t deadline, unsigned *ret_attempts, Qmp **ret) {
        _cleanup_close_ int pidfd = pidfd_open_or_none(pid);
        if (pidfd == -ESRCH)
                return -ESRCH;
        _cleanup_close_ int watch = watch_directory(path);
        unsigned refused_pause = REFUSED_PAUSE_FIRST_MS;

        for (unsigned attempt = 1;; attempt++) {
                if (ret_attempts)
                        *ret_attempts = attempt;
                /* Set up before the attempt, so a socket made right after a failed one still wakes us. */
                drain(watch);
                if (process_gone(pid, pidfd))
                        return -ESRCH;

                int r = qmp_connect(path, deadline, ret);
                if (r >= 0)
                        return 0;
                log_debug_errno(r, "QMP on %s, attempt %u: %m", path, attempt);
                if (r != -ENOENT && r != -ECONNREFUSED)
                        return r;

                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                uint64_t left_ms = (deadline - now + 999) / 1000;
                int timeout = left_ms > PAUSE_MAX_MS * 100 ? PAUSE_MAX_MS * 100 : (int) left_ms;
                if (r == -ECONNREFUSED) {
                        /* No event says when a socket starts listening. */
                        if (timeout > (int) refused_pause)
                                timeout = (int) refused_pause;
                        refused_pause = refused_pause * 2 > PAUSE_MAX_MS ? PAUSE_MAX_MS : refused_pause * 2;
                }
                if ((watch < 0 || (pid > 0 && pidfd < 0)) && timeout > PAUSE_MAX_MS)
                        timeout = PAUSE_MAX_MS;

                struct pollfd p[2] = { { .fd = watch, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        return -errno;
        }
}

int qemu_wait_exit(pid_t pid, uint64_t deadline) {
        _cleanup_close_ int pidfd = pidfd_open_or_none(pid);
        if (pidfd == -ESRCH)
                return 0;
        for (;;) {
                if (process_gone(pid, pidfd))
                        return 0;
                uint64_t now = now_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                uint64_t left_ms = (deadline - now + 999) / 1000;
                /* Without a pidfd the process is looked at again after a pause (poll() skips a negative fd). */
                uint64_t cap = pidfd >= 0 ? PAUSE_MAX_MS * 100 : PAUSE_MAX_MS;
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                if (poll(&p, 1, (int) (left_ms < cap ? left_ms : cap)) < 0 && errno != EINTR)
                        return -errno;
        }
}
