/* SPDX-License-Identifier: BSD-3-Clause */
/* Stopping a guest the way a user would: press the power button and wait; only then pull the plug. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config/config.h"
#include "config/guest-paths.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "qemu/qmp.h"
#include "qemu/qmp-wait.h"
#include "basic/root-path.h"
#include "vxm-guest.h"

#define USEC_PER_SEC 1000000ULL
/* QEMU answers QMP at once; a QEMU that does not is hung, and the unit's SIGTERM/SIGKILL takes over. */
#define QMP_CONNECT_TIMEOUT (5 * USEC_PER_SEC)
/* After quit, QEMU tears down VFIO devices; that takes well under a second on real hardware. */
#define QUIT_TIMEOUT (10 * USEC_PER_SEC)
/* QEMU creates the QMP socket before it sets up devices; allow for a slow TCG start and big VFIO devices. */
#define START_TIMEOUT (60 * USEC_PER_SEC)
/* Without a readable config (edited since the start), the default of ShutdownTimeout=. */
#define SHUTDOWN_TIMEOUT_DEFAULT 120

static pid_t parse_pid(const char *s) {
        unsigned long v;
        if (!s || !*s || parse_unsigned(s, 4194304, &v) < 0 || v <= 1)
                return 0;
        return (pid_t) v;
}

static void terminate(pid_t pid, const char *why) {
        if (pid <= 0) {
                log_warning("%s; leaving it to the unit's KillSignal=.", why);
                return;
        }
        log_warning("%s; sending SIGTERM to QEMU (PID %d).", why, (int) pid);
        if (kill(pid, SIGTERM) < 0 && errno != ESRCH)
                log_warning_errno(errno, "Failed to send SIGTERM to PID %d: %m", (int) pid);
}

/* The power button, and the wait of ShutdownTimeout= for the guest to turn itself off. > 0 if QEMU is gone, 0 if it
 * must be told to quit. ShutdownTimeout=0 gives the guest's OS no say: for guests that do not answer the power button,
 * or whose state does not matter. */
static int power_button(Qmp *q, const char *name, unsigned timeout, uint64_t start) {
        if (timeout == 0) {
                log_info("Stopping guest %s without the ACPI power button (ShutdownTimeout=0): quitting QEMU.", name);
                return 0;
        }
        log_info("Shutting down guest %s: ACPI power button, waiting up to %us.", name, timeout);
        int r = qmp_execute(q, "system_powerdown", NULL, now_usec() + QMP_CONNECT_TIMEOUT, NULL);
        if (r == -ECONNRESET) {
                log_info("QEMU of guest %s exited.", name);
                return 1;
        }
        if (r < 0)
                return 0;
        r = qmp_wait_closed(q, start + timeout * USEC_PER_SEC);
        if (r >= 0) {
                log_info("Guest %s shut down after %.1fs.", name, (now_usec() - start) / 1e6);
                return 1;
        }
        log_warning("Guest %s did not shut down within %us (ShutdownTimeout=); quitting QEMU.", name, timeout);
        return 0;
}

int guest_stop(const char *name, const char *main_pid) {
        log_set_guest(name);
        pid_t pid = parse_pid(main_pid);

        /* Stopping must work even if the config was broken after the start: fall back to the default timeout. */
        unsigned timeout = SHUTDOWN_TIMEOUT_DEFAULT;
        _cleanup_guest_free_ Guest *g = NULL;
        if (guest_load(name, &g) >= 0)
                timeout = g->shutdown_timeout;
        else
                log_warning("Cannot read the configuration of guest %s, using ShutdownTimeout=%u.", name, timeout);

        _cleanup_free_ char *sock = guest_qmp_socket(name);
        _cleanup_free_ char *path = root_path(sock);
        _cleanup_qmp_free_ Qmp *q = NULL;
        uint64_t start = now_usec();
        int r = qmp_connect(path, start + QMP_CONNECT_TIMEOUT, &q);
        if (r == -ENOENT || r == -ECONNREFUSED) {
                /* ExecStop= also runs after QEMU exited on its own: nothing to do then. */
                log_info("QEMU of guest %s is not running (%s: %s).", name, sock, strerror(-r));
                return 0;
        }
        if (r < 0) {
                terminate(pid, "Cannot talk to QEMU over QMP");
                return 0;
        }

        if (power_button(q, name, timeout, start) > 0)
                return 0;

        uint64_t deadline = now_usec() + QUIT_TIMEOUT;
        r = qmp_execute(q, "quit", NULL, deadline, NULL);
        if (r >= 0 || r == -ECONNRESET)
                r = qmp_wait_closed(q, deadline);
        if (r >= 0) {
                log_info("QEMU of guest %s quit after %.1fs.", name, (now_usec() - start) / 1e6);
                return 0;
        }
        terminate(pid, "QEMU did not quit");
        return 0;
}

/* The placement the guest declared, applied before its first instruction: `run` started QEMU paused (-S,
 * "prelaunch") exactly when its threads are to be pinned. A paused QEMU is let go only after pinning, also when the
 * config changed since `run` and no longer pins anything, so no guest waits forever; a running one was not to be
 * pinned. */
static int place_and_go(const char *name, pid_t pid, Qmp *q, const char *status) {
        if (!status || strcmp(status, "prelaunch") != 0)
                return 0;
        _cleanup_guest_free_ Guest *g = NULL;
        int r = guest_load(name, &g);
        if (r < 0)
                return log_error_errno(r, "Cannot read the configuration of guest %s to place it: %m", name);
        Placement pl;
        r = placement_for_guest(g, &pl);
        if (r < 0)
                return log_error_errno(r, "Guest %s cannot be placed as its configuration says (see above).", name);
        r = guest_pin_threads(g, &pl, pid, q);
        placement_done(&pl);
        if (r < 0)
                return log_error_errno(r, "Pinning guest %s failed; not letting it run unpinned.", name);
        r = qmp_execute(q, "cont", NULL, now_usec() + QMP_CONNECT_TIMEOUT, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot start the vCPUs of guest %s (QMP cont): %m", name);
        return 0;
}

/* The wait for a started QEMU: done when QEMU answers QMP (and its threads are where the placement says), failed
 * when QEMU exits before that (a VFIO group that is not viable, a missing TPM socket, ...) or cannot be placed. No
 * polling: the wait wakes when the socket appears, when QEMU answers, or when QEMU dies (qemu/qmp-wait.h). */
static int wait_started(const char *name, pid_t pid) {
        _cleanup_free_ char *sock = guest_qmp_socket(name);
        _cleanup_free_ char *path = root_path(sock);
        uint64_t start = now_usec();
        _cleanup_qmp_free_ Qmp *q = NULL;
        _cleanup_json_free_ JsonValue *status = NULL;

        int r = qmp_connect_wait(path, pid, start + START_TIMEOUT, NULL, &q);
        uint64_t answered = now_usec();
        if (r >= 0)
                r = qmp_execute(q, "query-status", NULL, now_usec() + QMP_CONNECT_TIMEOUT, &status);
        if (r == -ESRCH || (r < 0 && pid > 0 && kill(pid, 0) < 0 && errno == ESRCH))
                return log_error_errno(ECHILD, "QEMU of guest %s exited during start (its messages are above).", name);
        if (r == -ETIMEDOUT)
                return log_error_errno(r, "QEMU of guest %s did not answer on %s within %llus: %m", name, sock,
                                       (unsigned long long) (START_TIMEOUT / USEC_PER_SEC));
        if (r < 0)
                return log_error_errno(r, "QEMU of guest %s does not answer on %s: %m", name, sock);

        r = place_and_go(name, pid, q, json_get_string(status, "status"));
        if (r < 0)
                return r;
        _cleanup_json_free_ JsonValue *now = NULL;
        if (qmp_execute(q, "query-status", NULL, now_usec() + QMP_CONNECT_TIMEOUT, &now) < 0)
                now = NULL;

        /* Both times, to the millisecond: the start/stop benchmark reads them from here. */
        const char *state = json_get_string(now, "status") ?: "up";
        log_info("Guest %s is %s (QEMU PID %d; QMP answered after %.3fs, %s after %.3fs).", name, state, (int) pid,
                 (answered - start) / 1e6, state, (now_usec() - start) / 1e6);
        return 0;
}

int guest_started(const char *name, const char *main_pid) {
        log_set_guest(name);
        return wait_started(name, parse_pid(main_pid));
}

static volatile sig_atomic_t watched_qemu = 0, stop_requested = 0;

/* Stopped during start: systemd's SIGTERM (KillMode=mixed) reaches only this, the main process. QEMU gets it too and
 * quits; the wait sees it go. */
static void forward_sigterm(int sig) {
        stop_requested = 1;
        if (watched_qemu > 0)
                kill(watched_qemu, sig);
}

/* The start watcher, `vxm-guest run`'s main process under systemd, QEMU (PID qemu) its sibling: READY=1 and
 * MAINPID=QEMU once the guest runs, then it exits and QEMU is the main process. A QEMU that cannot be placed is still
 * paused before its first instruction: it is told to quit, and this fails, so the start fails. */
int guest_watch_start(const char *name, pid_t qemu) {
        log_set_guest(name);
        watched_qemu = qemu;
        struct sigaction sa = { .sa_handler = forward_sigterm, .sa_flags = SA_RESTART };
        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGTERM, &sa, NULL);

        int r = wait_started(name, qemu);
        if (r >= 0 && !stop_requested) {
                sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=Running", (int) qemu);
                /* systemd must know the new main process before this one, the old, is gone. */
                r = sd_notify_barrier(0, 5 * USEC_PER_SEC);
                if (r >= 0)
                        return 0;
                log_error_errno(r, "systemd did not take QEMU as the main process of guest %s: %m", name);
        } else if (stop_requested)
                log_info("Guest %s was stopped while it was starting.", name);
        kill(qemu, SIGTERM);
        /* QEMU is not this process's child (PID 1 reaps it): its pidfd says when it has exited. */
        if (qemu_wait_exit(qemu, now_usec() + QUIT_TIMEOUT) < 0) {
                log_warning("QEMU (PID %d) did not quit; sending SIGKILL.", (int) qemu);
                (void) kill(qemu, SIGKILL);
        }
        return r < 0 ? r : -ECANCELED;
}

/* ExecStopPost=: systemd tells us how the main process ended (systemd.exec(5), "Environment variables in spawned
 * processes"). QEMU's own last words are already in this unit's journal, just above. */
int guest_finish(const char *name) {
        log_set_guest(name);
        const char *result = getenv("SERVICE_RESULT"), *code = getenv("EXIT_CODE"), *status = getenv("EXIT_STATUS");

        if (!result || strcmp(result, "success") == 0) {
                log_info("Guest %s stopped.", name);
                return 0;
        }
        log_error("Guest %s failed (%s): QEMU %s%s%s; its last messages are above in this unit's journal "
                  "(journalctl -u vxm-guest@%s).",
                  name, result, code ? code : "ended", status ? " with " : "", status ? status : "", name);
        return 0;
}
