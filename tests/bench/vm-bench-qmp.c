/* SPDX-License-Identifier: BSD-3-Clause */
/* The QMP side of the bare sequence in the start/stop benchmark (tests/vm/scenarios/62-start-stop-bench), as fast as a
 * client can be: it looks for QEMU's socket every millisecond, so what it measures is QEMU and the kernel, not its own
 * waiting. Times are CLOCK_MONOTONIC microseconds, the clock of the journal, of systemd's unit timestamps and of
 * `udevadm monitor`, so the benchmark can put them all on one line.
 *
 *   vm-bench-qmp clocks                   CLOCK_REALTIME and CLOCK_MONOTONIC now, in µs (bash has only the first)
 *   vm-bench-qmp running SOCKET [SECONDS] wait until QEMU answers on SOCKET and reports "running":
 *                                         prints "qmp=T running=T" (T of the answer to qmp_capabilities, of running)
 *   vm-bench-qmp quit SOCKET              QMP quit, wait until QEMU closes the socket: prints "closed=T"
 *   vm-bench-qmp exited PID [SECONDS]     wait (without polling: a pidfd) until PID exits: prints "exited=T"
 * Exit 0, or 1 with a message. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp.h"

#define USEC_PER_SEC 1000000ULL

static int wait_running(const char *sock, unsigned seconds) {
        uint64_t deadline = now_usec() + seconds * USEC_PER_SEC;
        _cleanup_(qmp_freep) Qmp *q = NULL;
        int r;
        for (;;) {
                r = qmp_connect(sock, deadline, &q);
                if (r >= 0)
                        break;
                if ((r != -ENOENT && r != -ECONNREFUSED) || now_usec() >= deadline)
                        return log_error_errno(r, "No QMP on %s: %m", sock);
                nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
        uint64_t qmp = now_usec();
        for (;;) {
                _cleanup_(json_freep) JsonValue *status = NULL;
                r = qmp_execute(q, "query-status", NULL, deadline, &status);
                if (r < 0)
                        return log_error_errno(r, "query-status on %s: %m", sock);
                const char *s = json_get_string(status, "status");
                if (s && strcmp(s, "running") == 0)
                        break;
                if (now_usec() >= deadline)
                        return log_error_errno(ETIMEDOUT, "QEMU on %s is %s, not running", sock, s ?: "?");
                nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
        }
        printf("qmp=%llu running=%llu\n", (unsigned long long) qmp, (unsigned long long) now_usec());
        return 0;
}

static int quit(const char *sock) {
        uint64_t deadline = now_usec() + 30 * USEC_PER_SEC;
        _cleanup_(qmp_freep) Qmp *q = NULL;
        int r = qmp_connect(sock, deadline, &q);
        if (r < 0)
                return log_error_errno(r, "No QMP on %s: %m", sock);
        r = qmp_execute(q, "quit", NULL, deadline, NULL);
        if (r >= 0 || r == -ECONNRESET)
                r = qmp_wait_closed(q, deadline);
        if (r < 0)
                return log_error_errno(r, "QEMU on %s did not quit: %m", sock);
        printf("closed=%llu\n", (unsigned long long) now_usec());
        return 0;
}

static int exited(const char *pid_s, unsigned seconds) {
        int pid = atoi(pid_s);
        _cleanup_close_ int fd = pid > 1 ? (int) syscall(SYS_pidfd_open, pid, 0) : -1;
        if (fd < 0)
                return log_error_errno(errno ?: EINVAL, "No process %s: %m", pid_s);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r;
        while ((r = poll(&p, 1, (int) (seconds * 1000))) < 0 && errno == EINTR)
                ;
        if (r <= 0)
                return log_error_errno(r < 0 ? errno : ETIMEDOUT, "PID %d did not exit: %m", pid);
        printf("exited=%llu\n", (unsigned long long) now_usec());
        return 0;
}

int main(int argc, char *argv[]) {
        log_setup("vm-bench-qmp", LOG_TARGET_STDERR);
        int r;
        if (argc == 2 && strcmp(argv[1], "clocks") == 0) {
                struct timespec rt;
                clock_gettime(CLOCK_REALTIME, &rt);
                uint64_t mono = now_usec();
                printf("%llu %llu\n",
                       (unsigned long long) rt.tv_sec * USEC_PER_SEC + (unsigned long long) rt.tv_nsec / 1000,
                       (unsigned long long) mono);
                r = 0;
        } else if ((argc == 3 || argc == 4) && strcmp(argv[1], "running") == 0)
                r = wait_running(argv[2], argc == 4 ? (unsigned) atoi(argv[3]) : 60);
        else if (argc == 3 && strcmp(argv[1], "quit") == 0)
                r = quit(argv[2]);
        else if ((argc == 3 || argc == 4) && strcmp(argv[1], "exited") == 0)
                r = exited(argv[2], argc == 4 ? (unsigned) atoi(argv[3]) : 60);
        else {
                fprintf(stderr,
                        "Usage: vm-bench-qmp clocks | running SOCKET [SECONDS] | quit SOCKET | exited PID [SECONDS]\n");
                return 2;
        }
        return r < 0 ? 1 : 0;
}
