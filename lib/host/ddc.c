/* SPDX-License-Identifier: BSD-3-Clause */
/* Switching a monitor's input, the way a user would with ddcutil, but bounded and honest about what the monitor did:
 * find the monitor that Monitor= names, read its input, set the new one, and read it back until it holds. Monitors
 * differ: some report the old input for a second while they switch, some stop answering on the cable they left, some
 * go back by themselves when their automatic input scan finds no picture, some acknowledge and ignore the command,
 * some report a value that is not true. Each of these ends in its own result and message.
 *
 * Every exchange with the monitor runs in a child process that is killed at the deadline: an I2C transfer can hang in
 * the kernel, and neither a guest's start nor the host's shutdown may wait for a monitor. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/sha256.h"
#include "host/ddc.h"
#include "host/state-file.h"

#define RECORD_KIND "ddc"

static const char *const result_names[] = {
        [DDC_SWITCHED] = "switched",
        [DDC_SWITCHED_UNVERIFIED] = "switched (not verified)",
        [DDC_REVERTED] = "switched, then went back",
        [DDC_MISMATCH] = "reports another input",
        [DDC_NO_DISPLAY] = "no such display",
        [DDC_NO_ANSWER] = "display does not answer",
        [DDC_FAILED] = "failed",
        [DDC_TIMEOUT] = "timed out",
};

const char *ddc_result_to_string(DdcResult r) {
        return r < ELEMENTSOF(result_names) ? result_names[r] : "?";
}

const char *ddc_strerror(const DdcBackend *b, int r) {
        return b->error[0] ? b->error : strerror(r < 0 ? -r : r);
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* --- which display --- */

void ddc_display_edid_hash(const DdcDisplay *d, char ret[static 2 * 32 + 1]) {
        uint8_t digest[SHA256_DIGEST_SIZE];
        sha256(d->edid, sizeof d->edid, digest);
        sha256_hex(digest, ret);
}

static bool display_matches(const DdcDisplay *d, const MonitorSpec *spec) {
        char hash[2 * SHA256_DIGEST_SIZE + 1];
        switch (spec->by) {
        case MONITOR_BY_BUS:
                return d->bus == (int) spec->number;
        case MONITOR_BY_DISPLAY:
                return d->dispno == (int) spec->number;
        case MONITOR_BY_MODEL:
                return strcmp(d->model, spec->text) == 0;
        case MONITOR_BY_SERIAL:
                return strcmp(d->serial, spec->text) == 0;
        case MONITOR_BY_EDID:
                ddc_display_edid_hash(d, hash);
                return strncmp(hash, spec->text, strlen(spec->text)) == 0;
        }
        return false;
}

static void display_describe(const DdcDisplay *d, char *buf, size_t size) {
        const char *name = d->model[0] ? d->model : d->mfg[0] ? d->mfg : "monitor";
        char serial[EDID_STRING_MAX + 16] = "";
        if (d->serial[0])
                snprintf(serial, sizeof serial, " serial %s", d->serial);
        if (d->bus >= 0)
                snprintf(buf, size, "%s%s on /dev/i2c-%d", name, serial, d->bus);
        else
                snprintf(buf, size, "%s%s", name, serial);
}

/* Each display in the forms Monitor= takes, for "which one did you mean" messages and vxm check. */
static void displays_list(const DdcDisplay *ds, size_t n, const char *separator, char *buf, size_t size) {
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++) {
                char hash[2 * SHA256_DIGEST_SIZE + 1];
                ddc_display_edid_hash(&ds[i], hash);
                len += (size_t) snprintf(buf + len, size - len, "%sbus:%d model:%s serial:%s edid:%.16s%s",
                                         i ? separator : "", ds[i].bus, ds[i].model[0] ? ds[i].model : "-",
                                         ds[i].serial[0] ? ds[i].serial : "-", hash,
                                         ds[i].busy         ? " (busy)"
                                         : ds[i].dispno < 0 ? " (does not answer DDC/CI)"
                                                            : "");
        }
}

/* Finds the one display spec names; -ENODEV (none), -ENOTUNIQ (several) or the backend's error, *why in words. */
static int find_display(DdcBackend *b, const MonitorSpec *spec, bool rescan, const DdcDisplay **ret, char *why,
                        size_t why_size) {
        const DdcDisplay *ds = NULL;
        size_t n = 0, found = 0;
        b->error[0] = '\0';
        int r = b->list(b, rescan, &ds, &n);
        if (r < 0) {
                snprintf(why, why_size, "%s", ddc_strerror(b, r));
                return r;
        }
        for (size_t i = 0; i < n; i++)
                if (display_matches(&ds[i], spec)) {
                        if (found++ == 0)
                                *ret = &ds[i];
                }
        if (found == 1)
                return 0;

        char list[1024];
        displays_list(ds, n, "; ", list, sizeof list);
        if (found > 1) {
                snprintf(why, why_size, "it matches %zu displays (%s); name one with bus:, serial: or edid:", found,
                         list);
                return -ENOTUNIQ;
        }
        if (n > 0) {
                snprintf(why, why_size, "found only %s", list);
                return -ENODEV;
        }
        int buses = b->count_buses ? b->count_buses(b) : -1;
        if (buses == 0)
                snprintf(why, why_size,
                         "there is no I2C bus (/dev/i2c-*) at all: is the i2c-dev kernel module loaded "
                         "(modprobe i2c-dev)?");
        else
                snprintf(why, why_size,
                         "%s found no monitor on the I2C buses%s (is the monitor on and connected to this "
                         "computer's GPU, and DDC/CI enabled in its on-screen menu?)",
                         b->name, buses > 0 ? "" : " it could look at");
        return -ENODEV;
}

/* --- running a step bounded in time --- */

/* Runs fn in a child with a shared result of size bytes, kills it at timeout_ms. Returns 0, -ETIMEDOUT, -ECHILD
 * (it died), or -errno (fork, mmap); the result (ret) is copied back in every case. */
static int run_bounded(unsigned timeout_ms, void (*fn)(void *shared, void *userdata), void *userdata, void *ret,
                       size_t size) {
        void *shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED)
                return -errno;
        memcpy(shared, ret, size);

        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                munmap(shared, size);
                return r;
        }
        if (pid == 0) {
                fn(shared, userdata);
                _exit(0);
        }

        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        uint64_t deadline = now_ms() + timeout_ms;
        int status, r = 0;
        for (;;) {
                if (waitpid(pid, &status, WNOHANG) == pid)
                        break;
                uint64_t now = now_ms();
                if (now >= deadline) {
                        kill(pid, SIGKILL);
                        (void) waitpid(pid, &status, 0);
                        r = -ETIMEDOUT;
                        break;
                }
                if (pidfd >= 0) {
                        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
                        (void) poll(&pfd, 1, (int) (deadline - now));
                } else
                        sleep_ms(10);
        }
        if (pidfd >= 0)
                close(pidfd);
        if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
                log_warning("The DDC/CI step died (%s %d).", WIFSIGNALED(status) ? "signal" : "status",
                            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                r = -ECHILD;
        }
        memcpy(ret, shared, size);
        munmap(shared, size);
        return r;
}

/* --- switching --- */

typedef struct Switch {
        DdcBackend *b;
        MonitorSpec spec;
        const char *monitor;
        uint8_t feature;
        uint16_t value;
        int away;
        DdcPolicy policy;
        uint64_t deadline; /* CLOCK_MONOTONIC ms: the child plans its attempts to end before it is killed */
} Switch;

typedef enum Watch {
        WATCH_HELD,        /* reported the new input for settle_ms */
        WATCH_REVERTED,    /* reported it, then another one */
        WATCH_STAYED,      /* never reported it */
        WATCH_MUTE,        /* stopped answering (many monitors do on a cable that is no longer shown) */
        WATCH_UNREADABLE,  /* answers, but the read-back fails otherwise (garbled replies) */
        WATCH_UNSUPPORTED, /* does not report the feature */
} Watch;

/* For feature 0x60 MCCS puts the input in the low byte; some monitors fill the high byte with noise. A value that needs
 * both bytes (another feature's) is compared whole. */
static bool same_value(uint16_t reported, uint16_t value) {
        return value <= 0xff ? (reported & 0xff) == value : reported == value;
}

/* No acknowledge on the bus: the monitor is not listening on this cable (any more). */
static bool is_no_answer(int r) {
        return r == -ENXIO || r == -EREMOTEIO || r == -ENODEV || r == -ETIMEDOUT;
}

/* Reads the input back until it has held for settle_ms, or clearly did not switch or went back. */
static Watch settle(Switch *s, void *h, DdcOutcome *o, unsigned *ret_held_ms) {
        const DdcPolicy *p = &s->policy;
        uint64_t start = now_ms(), seen = 0;
        unsigned answers = 0, failures = 0;
        int last = 0;
        for (;;) {
                sleep_ms(p->poll_ms);
                uint16_t v;
                s->b->error[0] = '\0';
                int r = s->b->get_vcp(s->b, h, s->feature, &v);
                uint64_t now = now_ms();
                if (r == -EOPNOTSUPP)
                        return WATCH_UNSUPPORTED;
                /* A monitor that answers every read with a Null Message does not tell its input either. */
                if (r == -ENODATA && answers == 0 && failures > 0)
                        return WATCH_UNSUPPORTED;
                if (r < 0) {
                        log_debug("Read-back: %s", ddc_strerror(s->b, r));
                        last = r;
                        /* No answer since the switch: it left this cable. After answers, a failed read is noise. */
                        if (++failures >= 2 && answers == 0)
                                return is_no_answer(r) ? WATCH_MUTE : WATCH_UNREADABLE;
                } else {
                        answers++;
                        o->reported = v;
                        if (same_value(v, s->value)) {
                                if (seen == 0)
                                        seen = now;
                                if (now - seen >= p->settle_ms)
                                        return WATCH_HELD;
                        } else if (seen > 0) {
                                *ret_held_ms = (unsigned) (now - seen);
                                return WATCH_REVERTED;
                        }
                }
                /* Not there within settle_ms: it will not come (or the monitor does not say). */
                if (seen == 0 && now - start >= p->settle_ms)
                        return answers > 0 ? WATCH_STAYED : is_no_answer(last) ? WATCH_MUTE : WATCH_UNREADABLE;
                if (now + p->poll_ms >= s->deadline)
                        return seen > 0 ? WATCH_HELD : answers > 0 ? WATCH_STAYED : WATCH_MUTE;
        }
}

static const char *display_not_answering(const DdcDisplay *d, const char *desc, char *buf, size_t size) {
        if (d->busy)
                snprintf(buf, size,
                         "%s is connected, but its DDC/CI address is held by a kernel driver or another program "
                         "(display busy: the ddcci module? another ddcutil?)",
                         desc);
        else
                snprintf(buf, size,
                         "%s is connected but does not answer DDC/CI (it is asleep, DDC/CI is disabled in its "
                         "on-screen menu, or its answers are garbled)",
                         desc);
        return buf;
}

/* Finds the display, with one more look if it is not there (a monitor that is waking up appears late). */
static DdcResult switch_find(Switch *s, DdcOutcome *o, const DdcDisplay **ret) {
        char why[1200];
        int r = -ENODEV;
        for (unsigned attempt = 1; attempt <= 2; attempt++) {
                if (attempt > 1) {
                        if (now_ms() + s->policy.retry_ms + 1000 >= s->deadline)
                                break;
                        sleep_ms(s->policy.retry_ms);
                }
                r = find_display(s->b, &s->spec, attempt > 1, ret, why, sizeof why);
                if (r != -ENODEV)
                        break;
        }
        if (r == -ENOTUNIQ) {
                log_warning("Monitor=%s is ambiguous: %s. Not switching.", s->monitor, why);
                return DDC_NO_DISPLAY;
        }
        if (r == -ENODEV) {
                log_warning("No display answered for Monitor=%s: %s. Not switching.", s->monitor, why);
                return DDC_NO_DISPLAY;
        }
        if (r < 0) {
                log_warning("Could not look for the display of Monitor=%s: %s. Not switching.", s->monitor, why);
                return DDC_FAILED;
        }
        display_describe(*ret, o->display, sizeof o->display);
        return _DDC_RESULT_MAX;
}

static DdcResult switch_attempts(Switch *s, void *h, DdcOutcome *o) {
        const DdcPolicy *p = &s->policy;
        char want[32], got[32], away[32];
        unsigned sets = 0, reverts = 0, stays = 0;
        int r = 0;

        vcp_value_format(s->feature, s->value, want);
        for (unsigned attempt = 1; attempt <= p->attempts; attempt++) {
                if (attempt > 1) {
                        /* Another attempt only if it can be watched to the end before the deadline. */
                        if (now_ms() + p->retry_ms + 2 * p->settle_ms >= s->deadline) {
                                log_warning("No time left for attempt %u/%u within the time limit.", attempt,
                                            p->attempts);
                                break;
                        }
                        sleep_ms(p->retry_ms);
                }
                s->b->error[0] = '\0';
                r = s->b->set_vcp(s->b, h, s->feature, s->value);
                if (r < 0) {
                        log_warning("Attempt %u/%u: setting %s to %s failed: %s", attempt, p->attempts, o->display,
                                    want, ddc_strerror(s->b, r));
                        continue;
                }
                sets++;
                unsigned held_ms = 0;
                switch (settle(s, h, o, &held_ms)) {
                case WATCH_HELD:
                        log_info("Switched %s to %s; it reports %s.", o->display, want,
                                 vcp_value_format(s->feature, o->reported, got));
                        return DDC_SWITCHED;
                case WATCH_UNSUPPORTED:
                        log_info("Switched %s to %s; the monitor does not report feature 0x%02x, so the switch is "
                                 "not verified.",
                                 o->display, want, s->feature);
                        return DDC_SWITCHED_UNVERIFIED;
                case WATCH_MUTE:
                        log_info("Switched %s to %s; the monitor stopped answering on this connection (many only "
                                 "listen on the input they show), so the switch is not verified.",
                                 o->display, want);
                        return DDC_SWITCHED_UNVERIFIED;
                case WATCH_UNREADABLE:
                        log_warning("Switched %s to %s, but reading it back failed (%s), so the switch is not "
                                    "verified.",
                                    o->display, want, ddc_strerror(s->b, -EIO));
                        return DDC_SWITCHED_UNVERIFIED;
                case WATCH_REVERTED:
                        reverts++;
                        o->reverted_ms = held_ms;
                        log_warning("Attempt %u/%u: %s switched to %s, then went back to %s after %.1f s.", attempt,
                                    p->attempts, o->display, want, vcp_value_format(s->feature, o->reported, got),
                                    held_ms / 1000.0);
                        break;
                case WATCH_STAYED:
                        stays++;
                        log_warning("Attempt %u/%u: %s acknowledged %s but still reports %s after %.1f s.", attempt,
                                    p->attempts, o->display, want, vcp_value_format(s->feature, o->reported, got),
                                    p->settle_ms / 1000.0);
                        break;
                }
        }

        if (sets == 0) {
                log_warning("Could not switch %s to %s: %s. Switch it by hand.", o->display, want,
                            ddc_strerror(s->b, r));
                return DDC_FAILED;
        }
        vcp_value_format(s->feature, o->reported, got);
        if (reverts > 0) {
                log_warning("%s does not stay on %s: it went back to %s by itself (after %.1f s). Its automatic input "
                            "selection (\"auto source\", \"input scan\") probably found no picture there: turn it off "
                            "in the monitor's menu, or make sure the GPU on %s sends a picture.",
                            o->display, want, got, o->reverted_ms / 1000.0, want);
                return DDC_REVERTED;
        }
        if (s->away >= 0 && same_value((uint16_t) o->reported, (uint16_t) s->away))
                log_warning("%s acknowledged the switch to %s %u time%s but still reports %s: it ignored the "
                            "command%s, or it does not report its input truthfully (then check the screen).",
                            o->display, want, stays, stays == 1 ? "" : "s", vcp_value_format(s->feature, s->away, away),
                            s->feature == 0xf4 ? " (some LG models take feature 0xf4 only from the DDC/CI source "
                                                 "address 0x50, which libddcutil 1.4 cannot send)"
                                               : "");
        else
                log_warning("%s was switched to %s but reports %s: compare HostInput=/GuestInput= with the values "
                            "the monitor lists (vxm check NAME shows them).",
                            o->display, want, got);
        return DDC_MISMATCH;
}

static void switch_child(void *shared, void *userdata) {
        Switch *s = userdata;
        DdcOutcome *o = shared;
        const DdcDisplay *d;
        void *h = NULL;
        char buf[32], buf2[400];

        o->result = switch_find(s, o, &d);
        if (o->result != _DDC_RESULT_MAX)
                return;
        if (d->dispno < 0) {
                log_warning("%s. Not switching.", display_not_answering(d, o->display, buf2, sizeof buf2));
                o->result = DDC_NO_ANSWER;
                return;
        }
        s->b->error[0] = '\0';
        int r = s->b->open(s->b, d, &h);
        if (r < 0) {
                log_warning("Could not open %s: %s. Not switching.", o->display, ddc_strerror(s->b, r));
                o->result = r == -ENODEV ? DDC_NO_ANSWER : DDC_FAILED;
                return;
        }
        uint16_t v;
        r = s->b->get_vcp(s->b, h, s->feature, &v);
        if (r >= 0) {
                o->before = v;
                log_debug("%s is on %s.", o->display, vcp_value_format(s->feature, v, buf));
        } else if (r == -EOPNOTSUPP)
                /* Some monitors say so and switch all the same: try anyway. */
                log_warning("%s says it does not support feature 0x%02x%s; trying anyway.", o->display, s->feature,
                            s->feature == VCP_INPUT_SOURCE
                                    ? " (some monitors switch inputs with a feature of their own: LG's is 0xf4, "
                                      "see Feature= in vxm.conf(5))"
                                    : "");
        o->result = switch_attempts(s, h, o);
        s->b->close(s->b, h);
}

DdcResult ddc_switch_input(DdcBackend *b, const char *monitor, uint8_t feature, uint16_t value, int away,
                           const DdcPolicy *policy, DdcOutcome *ret) {
        Switch s = { .b = b, .monitor = monitor, .feature = feature, .value = value, .away = away };
        DdcOutcome o = { .result = DDC_FAILED, .before = -1, .reported = -1 };
        const char *why;

        s.policy = policy ? *policy : DDC_POLICY_DEFAULT;
        if (monitor_spec_parse(monitor, &s.spec, &why) < 0) {
                log_warning("Monitor=%s: %s. Not switching.", monitor, why);
                o.result = DDC_NO_DISPLAY;
        } else {
                /* The child stops planning 200 ms before it would be killed, to report what it saw. */
                s.deadline = now_ms() + s.policy.timeout_ms - (s.policy.timeout_ms > 1000 ? 200 : 0);
                int r = run_bounded(s.policy.timeout_ms, switch_child, &s, &o, sizeof o);
                if (r == -ETIMEDOUT) {
                        log_warning("Switching %s did not finish within %u ms (monitor off or not answering?); gave "
                                    "up so that nothing waits for it.",
                                    o.display[0] ? o.display : monitor, s.policy.timeout_ms);
                        o.result = DDC_TIMEOUT;
                } else if (r < 0) {
                        if (r != -ECHILD)
                                log_warning_errno(r, "Could not run the DDC/CI switch: %m");
                        o.result = DDC_FAILED;
                }
        }
        if (ret)
                *ret = o;
        return o.result;
}

/* --- the guest's steps, with the record --- */

/* Did the monitor (probably) leave the host's input? */
static bool switched_to_guest(DdcResult r) {
        return r == DDC_SWITCHED || r == DDC_SWITCHED_UNVERIFIED || r == DDC_MISMATCH;
}

int ddc_guest(DdcBackend *b, const char *name, const char *monitor, uint8_t feature, int host_input, int guest_input,
              const DdcPolicy *policy, DdcResult *ret) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        char before[32], host[32];

        s->comment = xstrdup("vxm-ddc: the monitor was switched to the guest's input; stop switches it to HOST_INPUT");
        state_file_set(s, "MONITOR", monitor);
        state_file_setf(s, "FEATURE", "0x%02x", feature);
        state_file_setf(s, "HOST_INPUT", "0x%02x", host_input);
        state_file_setf(s, "GUEST_INPUT", "0x%02x", guest_input);
        int r = state_file_save(rec, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", rec);

        DdcOutcome o;
        DdcResult res = ddc_switch_input(b, monitor, feature, (uint16_t) guest_input, host_input, policy, &o);
        if (o.before >= 0 && !same_value((uint16_t) o.before, (uint16_t) host_input) &&
            !same_value((uint16_t) o.before, (uint16_t) guest_input)) {
                /* Worth knowing at stop: the host's input is what comes back, not what was shown before. */
                log_notice("%s showed %s before the guest started, not HostInput=%s; it goes to HostInput= when the "
                           "guest stops.",
                           o.display, vcp_value_format(feature, o.before, before),
                           vcp_value_format(feature, host_input, host));
                state_file_setf(s, "BEFORE", "0x%02x", o.before);
        }
        /* What happened, for the way back (and for whoever reads the record). */
        state_file_set(s, "SWITCHED", switched_to_guest(res) ? "yes" : "no");
        r = state_file_save(rec, s);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", rec);
        if (ret)
                *ret = res;
        return 0;
}

static int record_value(const StateFile *s, const char *key, int max, int *ret) {
        int v;
        if (state_file_get_int(s, key, &v) < 0 || v <= 0 || v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int ddc_host(DdcBackend *b, const char *name, const DdcPolicy *policy, DdcResult *ret) {
        _cleanup_free_ char *rec = state_file_path(RECORD_KIND, name);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int host, guest = -1, feature = VCP_INPUT_SOURCE;
        char want[32], there[32];

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
        /* Records from before Feature= have no FEATURE: they were 0x60. */
        if (!monitor || record_value(s, "HOST_INPUT", 0xffff, &host) < 0 ||
            (state_file_get(s, "FEATURE") && record_value(s, "FEATURE", 0xff, &feature) < 0))
                return log_error_errno(EBADMSG, "%s is malformed; switch the monitor back by hand.", rec);
        (void) record_value(s, "GUEST_INPUT", 0xffff, &guest);

        DdcOutcome o;
        DdcResult res = ddc_switch_input(b, monitor, (uint8_t) feature, (uint16_t) host, guest, policy, &o);
        vcp_value_format((uint8_t) feature, host, want);
        /* The usual reason a switch back fails while the switch to the guest worked. */
        const char *switched = state_file_get(s, "SWITCHED");
        if (guest > 0 && (!switched || strcmp(switched, "yes") == 0) &&
            (res == DDC_NO_ANSWER || res == DDC_FAILED ||
             (res == DDC_MISMATCH && same_value((uint16_t) o.reported, (uint16_t) guest))))
                log_warning("%s shows the guest's input (%s) now, and many monitors take commands only over the "
                            "cable of the input they show: switch it to %s with its buttons, or from inside the "
                            "guest.",
                            o.display[0] ? o.display : monitor, vcp_value_format((uint8_t) feature, guest, there),
                            want);
        if (ret)
                *ret = res;
        /* The attempt was made (a monitor that is off now will be on the host's input when it wakes, or the user
         * switches it): keeping the record would only repeat the attempt at the next stop. */
        r = state_file_remove(rec);
        if (r < 0)
                return log_error_errno(r, "Failed to remove %s: %m", rec);
        return 0;
}

/* --- vxm check --- */

typedef struct Probe {
        DdcBackend *b;
        MonitorSpec spec;
        uint8_t feature;
} Probe;

static void probe_child(void *shared, void *userdata) {
        Probe *p = userdata;
        DdcProbe *ret = shared;
        const DdcDisplay *ds = NULL, *d = NULL;
        size_t n = 0;
        void *h = NULL;

        ret->buses = p->b->count_buses ? p->b->count_buses(p->b) : -1;
        int r = find_display(p->b, &p->spec, false, &d, ret->why, sizeof ret->why);
        if (r != -ENODEV && r != -ENOTUNIQ && r < 0) {
                ret->result = DDC_FAILED;
                return;
        }
        ret->ambiguous = r == -ENOTUNIQ;
        if (p->b->list(p->b, false, &ds, &n) >= 0)
                displays_list(ds, n, "\n", ret->found, sizeof ret->found);
        if (r < 0)
                return;
        display_describe(d, ret->display, sizeof ret->display);
        ddc_display_edid_hash(d, ret->edid_hash);
        if (d->dispno < 0) {
                ret->result = DDC_NO_ANSWER;
                ret->busy = d->busy;
                display_not_answering(d, "it", ret->why, sizeof ret->why);
                return;
        }
        p->b->error[0] = '\0';
        r = p->b->open(p->b, d, &h);
        if (r < 0) {
                ret->result = DDC_NO_ANSWER;
                snprintf(ret->why, sizeof ret->why, "%s", ddc_strerror(p->b, r));
                return;
        }
        ret->result = DDC_SWITCHED;
        uint16_t v;
        p->b->error[0] = '\0';
        r = p->b->get_vcp(p->b, h, p->feature, &v);
        if (r >= 0)
                ret->current = v;
        else
                snprintf(ret->current_error, sizeof ret->current_error, "%s", ddc_strerror(p->b, r));
        ret->current_r = r < 0 ? r : 0;

        _cleanup_free_ uint8_t *values = NULL;
        p->b->error[0] = '\0';
        ret->caps_r = p->b->capabilities(p->b, h, p->feature, &values, &ret->n_values, NULL);
        if (ret->caps_r >= 0) {
                if (ret->n_values > sizeof ret->values)
                        ret->n_values = sizeof ret->values;
                memcpy(ret->values, values, ret->n_values);
        } else
                snprintf(ret->caps_error, sizeof ret->caps_error, "%s", ddc_strerror(p->b, ret->caps_r));
        p->b->close(p->b, h);
}

void ddc_probe(DdcBackend *b, const char *monitor, uint8_t feature, unsigned timeout_ms, DdcProbe *ret) {
        Probe p = { .b = b, .feature = feature };
        const char *why;

        *ret = (DdcProbe){ .result = DDC_NO_DISPLAY, .buses = -1, .current = -1 };
        if (monitor_spec_parse(monitor, &p.spec, &why) < 0) {
                snprintf(ret->why, sizeof ret->why, "%s", why);
                return;
        }
        int r = run_bounded(timeout_ms, probe_child, &p, ret, sizeof *ret);
        if (r == -ETIMEDOUT) {
                ret->result = DDC_TIMEOUT;
                snprintf(ret->why, sizeof ret->why, "it did not answer within %u ms", timeout_ms);
        } else if (r < 0 && ret->why[0] == '\0')
                snprintf(ret->why, sizeof ret->why, "the probe failed: %s", strerror(-r));
}
