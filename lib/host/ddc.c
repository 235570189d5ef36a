/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "host/ddc.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "host/state-file.h"

#define RECORD_KIND "ddc"

static const char *const result_names[] = {
        [DDC_SWITCHED] = "switched",
        [DDC_SWITCHED_UNVERIFIED] = "switched (not verified)",
        [DDC_MISMATCH] = "read-back mismatch",
        [DDC_NO_DISPLAY] = "no such display",
        [DDC_FAILED] = "failed",
        [DDC_TIMEOUT] = "timed out",
};

const char *ddc_result_to_string(DdcResult r) {
        return r < ELEMENTSOF(result_names) ? result_names[r] : "?";
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static const char *input_name(uint8_t v, char buf[static 16]) {
        const char *n = vcp_input_to_string(v);
        if (n)
                snprintf(buf, 16, "%s", n);
        else
                snprintf(buf, 16, "0x%02x", v);
        return buf;
}

/* The sequence itself, run in the child. */
static DdcResult switch_once(DdcBackend *b, const char *spec, uint8_t value, const DdcPolicy *p) {
        void *display = NULL;
        _cleanup_free_ char *desc = NULL;
        char want[16], got_name[16];
        int r = -EIO;
        input_name(value, want);

        for (unsigned attempt = 1; attempt <= p->attempts; attempt++) {
                if (attempt > 1)
                        sleep_ms(p->retry_ms);
                if (!display) {
                        free(desc);
                        desc = NULL;
                        r = b->open(b, spec, &display, &desc);
                        if (r == -ENODEV || r == -EINVAL) {
                                log_warning_errno(r, "No display matches Monitor=%s%s", spec,
                                                  r == -EINVAL ? " (the backend cannot use this form)" : "");
                                return DDC_NO_DISPLAY;
                        }
                        if (r < 0) {
                                log_warning_errno(r, "Attempt %u/%u: cannot open the display %s: %m", attempt,
                                                  p->attempts, spec);
                                continue;
                        }
                }
                r = b->set_input(b, display, value);
                if (r < 0) {
                        log_warning_errno(r, "Attempt %u/%u: setting the input of %s to %s failed: %m", attempt,
                                          p->attempts, desc, want);
                        continue;
                }
                break;
        }
        if (r < 0) {
                if (display)
                        b->close(b, display);
                log_warning("Could not switch %s to %s after %u attempts; switch it by hand.", desc ? desc : spec, want,
                            p->attempts);
                return DDC_FAILED;
        }

        uint8_t got;
        r = b->get_input(b, display, &got);
        b->close(b, display);
        if (r == -EOPNOTSUPP || r < 0) {
                /* After a switch many monitors stop answering on the port they left: not an error. */
                log_info("Switched %s to %s; the monitor %s, so the switch is not verified.", desc, want,
                         r == -EOPNOTSUPP ? "does not report its input" : "did not answer the read-back");
                return DDC_SWITCHED_UNVERIFIED;
        }
        if (got != value) {
                log_warning("Switched %s to %s, but it now reports %s: check HostInput=/GuestInput= against the "
                            "monitor's inputs (ddcutil capabilities shows them).",
                            desc, want, input_name(got, got_name));
                return DDC_MISMATCH;
        }
        log_info("Switched %s to %s.", desc, want);
        return DDC_SWITCHED;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

DdcResult ddc_switch_input(DdcBackend *b, const char *spec, uint8_t value, const DdcPolicy *policy) {
        const DdcPolicy defaults = DDC_POLICY_DEFAULT;
        const DdcPolicy *p = policy ? policy : &defaults;

        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
                log_warning_errno(errno, "Failed to fork for the DDC switch: %m");
                return DDC_FAILED;
        }
        if (pid == 0)
                _exit(switch_once(b, spec, value, p));

        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        uint64_t deadline = now_ms() + p->timeout_ms;
        int status;
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                uint64_t now = now_ms();
                if (now >= deadline) {
                        kill(pid, SIGKILL);
                        (void) waitpid(pid, &status, 0);
                        if (pidfd >= 0)
                                close(pidfd);
                        log_warning("Switching the input of %s did not finish within %u ms (monitor off or not "
                                    "answering?); gave up so the guest is not held up.",
                                    spec, p->timeout_ms);
                        return DDC_TIMEOUT;
                }
                if (pidfd >= 0) {
                        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
                        (void) poll(&pfd, 1, (int) (deadline - now));
                } else
                        sleep_ms(10);
        }
        if (pidfd >= 0)
                close(pidfd);
        if (WIFEXITED(status) && WEXITSTATUS(status) <= DDC_TIMEOUT)
                return (DdcResult) WEXITSTATUS(status);
        log_warning("The DDC switch of %s died (%s %d).", spec, WIFSIGNALED(status) ? "signal" : "status",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return DDC_FAILED;
}

int ddc_guest(DdcBackend *b, const char *name, const char *monitor, int host_input, int guest_input,
              const DdcPolicy *policy, DdcResult *ret) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        state_file_set(s, "MONITOR", monitor);
        state_file_setf(s, "HOST_INPUT", "0x%02x", host_input);
        state_file_setf(s, "GUEST_INPUT", "0x%02x", guest_input);
        int r = state_file_save(rec, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", rec);

        DdcResult res = ddc_switch_input(b, monitor, (uint8_t) guest_input, policy);
        if (ret)
                *ret = res;
        return 0;
}

int ddc_host(DdcBackend *b, const char *name, const DdcPolicy *policy, DdcResult *ret) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int host;
        int r = state_file_load_for_undo(rec, &s);
        if (r == -ENOENT) {
                log_info("The monitor was not switched for guest %s, nothing to switch back.", name);
                if (ret)
                        *ret = DDC_SWITCHED;
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", rec);
        const char *monitor = state_file_get(s, "MONITOR");
        if (!monitor || state_file_get_int(s, "HOST_INPUT", &host) < 0 || host <= 0 || host > 0xff)
                return log_error_errno(EBADMSG, "%s is malformed; switch the monitor back by hand.", rec);

        DdcResult res = ddc_switch_input(b, monitor, (uint8_t) host, policy);
        if (ret)
                *ret = res;
        /* The attempt was made (a monitor that is off now will be on the host's input when it wakes, or the user
         * switches it): keeping the record would only repeat the attempt at the next stop. */
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}
