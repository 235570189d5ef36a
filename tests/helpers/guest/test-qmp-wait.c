/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/qemu/qmp-wait.c against a fake QEMU (a child process) that makes its QMP socket late, listens late, leaves a
 * stale socket behind, dies before or after its socket appears, or never shows up. The wait must be woken by events,
 * not by a timer: a QEMU that takes a second to make its socket costs a handful of connection attempts, not one per
 * poll interval. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp-wait.h"
#include "tap.h"

#define MS 1000ULL

/* Retries after "connection refused" pause 1, 2, 4, ... ms, at most 100 ms: within T ms of waiting that is at most
 * about 8 + T / 100 attempts, however slow the machine (a loaded machine stretches T, not the count per T). A 1 ms
 * poll would make T of them. */
static bool few_attempts(unsigned attempts, uint64_t took_ms) {
        return attempts <= 10 + took_ms / 100;
}

static char dir[] = "/tmp/test-qmp-wait.XXXXXX";
static char sock[128];

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int bind_socket(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        strcpy(sa.sun_path, sock);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(sock); /* what QEMU does: a socket left by a killed QEMU is replaced */
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                _exit(90);
        return fd;
}

/* A fake QEMU: after before_bind ms it binds the socket, after before_listen ms more it listens, accepts one client,
 * and after before_greeting ms greets it and answers each command with an empty return, until the client leaves. With
 * die_at_greeting it exits instead of greeting. */
static pid_t fake_qemu(unsigned before_bind, unsigned before_listen, unsigned before_greeting, bool die_at_greeting) {
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        sleep_ms(before_bind);
        int fd = bind_socket();
        sleep_ms(before_listen);
        if (listen(fd, 1) < 0)
                _exit(91);
        int c = accept(fd, NULL, NULL);
        if (c < 0)
                _exit(92);
        sleep_ms(before_greeting);
        if (die_at_greeting)
                _exit(0);
        static const char greeting[] = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n";
        if (write(c, greeting, strlen(greeting)) < 0)
                _exit(93);
        char buf[512];
        ssize_t n;
        while ((n = read(c, buf, sizeof buf)) > 0)
                for (ssize_t i = 0; i < n; i++)
                        if (buf[i] == '\n' && write(c, "{\"return\": {}}\n", 15) < 0)
                                _exit(94);
        _exit(0);
}

/* A QEMU that never makes its socket: it exits after ms. */
static pid_t silent_qemu(unsigned ms) {
        pid_t pid = fork();
        if (pid == 0) {
                sleep_ms(ms);
                _exit(1);
        }
        return pid;
}

static void reap(pid_t pid) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        unlink(sock);
}

static int wait_for(pid_t pid, unsigned deadline_ms, unsigned *attempts, uint64_t *took) {
        _cleanup_(qmp_freep) Qmp *q = NULL;
        uint64_t t0 = now_usec();
        int r = qmp_connect_wait(sock, pid, t0 + deadline_ms * MS, attempts, &q);
        *took = (now_usec() - t0) / MS;
        if (r >= 0 && qmp_execute(q, "query-status", NULL, now_usec() + 5000 * MS, NULL) < 0)
                r = -EPROTO;
        return r;
}

static void test_late_socket(void) {
        pid_t pid = fake_qemu(1000, 0, 0, false);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, 0, "a socket made after 1 s: connected, QMP answers");
        /* One attempt before the socket exists, one after inotify said it does (and one more if that fell between
         * QEMU's bind() and listen()). A 100 ms poll would have made ten. */
        if (!tap_ok(attempts <= 4, "... woken by the socket's creation, not by a timer (%u connection attempts)",
                    attempts))
                tap_diag("  took %llu ms", (unsigned long long) took);
        reap(pid);
}

static void test_late_listen(void) {
        pid_t pid = fake_qemu(0, 300, 0, false);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, 0, "a socket that listens 300 ms after bind(): connected once it listens");
        tap_ok(attempts >= 2 && few_attempts(attempts, took),
               "... retried after growing pauses (%u attempts in %llu ms)", attempts, (unsigned long long) took);
        reap(pid);
}

static void test_late_greeting(void) {
        pid_t pid = fake_qemu(0, 0, 1000, false);
        struct stat st;
        while (stat(sock, &st) < 0)
                sleep_ms(1);
        sleep_ms(50); /* it listens right after bind() */
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, 0, "a QEMU that answers 1 s after the connection: connected");
        tap_is_int(attempts, 1, "... on the first attempt, waiting on the socket");
        reap(pid);
}

static void test_stale_socket(void) {
        /* A socket of a QEMU killed with SIGKILL: bound, nobody listening; the new QEMU replaces it 500 ms later. */
        int stale = bind_socket();
        close(stale);
        pid_t pid = fake_qemu(500, 0, 0, false);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, 0, "a stale socket, replaced after 500 ms: connected to the new one");
        tap_ok(few_attempts(attempts, took), "... with %u attempts in %llu ms", attempts, (unsigned long long) took);
        reap(pid);
}

static void test_dies_first(void) {
        pid_t pid = silent_qemu(200);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, -ESRCH, "QEMU exits before its socket exists: -ESRCH");
        tap_ok(took < 10000, "... at once, not at the deadline (%llu ms)", (unsigned long long) took);
        reap(pid);

        /* Already gone (a zombie nobody reaped yet) when the wait begins. */
        pid = silent_qemu(0);
        sleep_ms(100);
        r = wait_for(pid, 20000, &attempts, &took);
        tap_is_int(r, -ESRCH, "QEMU exited before the wait began: -ESRCH");
        reap(pid);
}

static void test_dies_at_greeting(void) {
        pid_t pid = fake_qemu(0, 0, 200, true);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 20000, &attempts, &took);
        tap_ok(r == -ECONNRESET || r == -ESRCH, "QEMU exits after the connection, before it answers: %s", strerror(-r));
        tap_ok(took < 10000, "... at once, not at the deadline (%llu ms)", (unsigned long long) took);
        reap(pid);
}

static void test_never(void) {
        pid_t pid = silent_qemu(60000);
        unsigned attempts = 0;
        uint64_t took;
        int r = wait_for(pid, 500, &attempts, &took);
        tap_is_int(r, -ETIMEDOUT, "no socket within the deadline: -ETIMEDOUT");
        tap_ok(attempts <= 3, "... after %u attempts", attempts);
        reap(pid);

        /* Without a directory to watch (it does not exist): pauses instead of events, still the deadline. */
        char saved[sizeof sock];
        memcpy(saved, sock, sizeof sock);
        snprintf(sock, sizeof sock, "%s/missing/qmp.sock", dir);
        r = wait_for(0, 500, &attempts, &took);
        tap_is_int(r, -ETIMEDOUT, "no directory to watch: -ETIMEDOUT at the deadline");
        tap_ok(attempts >= 2 && attempts <= 10, "... after pauses (%u attempts)", attempts);
        memcpy(sock, saved, sizeof sock);
}

/* qemu_wait_exit(): the start watcher's wait for a QEMU that is its sibling, not its child (here: a child, which the
 * wait must not reap either). */
static void test_wait_exit(void) {
        pid_t pid = silent_qemu(200);
        uint64_t t0 = now_usec();
        int r = qemu_wait_exit(pid, t0 + 20000 * MS);
        uint64_t took = (now_usec() - t0) / MS;
        tap_is_int(r, 0, "a QEMU that exits after 200 ms: 0");
        tap_ok(took >= 150 && took < 10000, "... when it exited, not at the deadline (%llu ms)",
               (unsigned long long) took);
        tap_ok(waitpid(pid, NULL, WNOHANG) == pid, "... and left for its parent to reap");

        pid = silent_qemu(0);
        sleep_ms(100);
        tap_is_int(qemu_wait_exit(pid, now_usec() + 20000 * MS), 0, "a QEMU that exited before the wait (a zombie): 0");
        reap(pid);

        pid = silent_qemu(60000);
        t0 = now_usec();
        r = qemu_wait_exit(pid, t0 + 300 * MS);
        took = (now_usec() - t0) / MS;
        tap_is_int(r, -ETIMEDOUT, "a QEMU that does not exit: -ETIMEDOUT");
        tap_ok(took >= 300 && took < 5000, "... at the deadline (%llu ms)", (unsigned long long) took);
        reap(pid);
}

int main(void) {
        log_setup("test-qmp-wait", LOG_TARGET_STDERR);
        if (!mkdtemp(dir))
                return 1;
        snprintf(sock, sizeof sock, "%s/qmp.sock", dir);

        test_late_socket();
        test_late_listen();
        test_late_greeting();
        test_stale_socket();
        test_dies_first();
        test_dies_at_greeting();
        test_never();
        test_wait_exit();

        rmdir(dir);
        return tap_done();
}
