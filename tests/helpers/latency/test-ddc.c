/* SPDX-License-Identifier: BSD-3-Clause */
/* The switching policy (ddc.c) against the fake display: start, stop, crash recovery, an unresponsive or hung monitor
 * within the timeout, no read-back, a wrong read-back, a monitor that is not there or does not answer. The same
 * sequences through the real libddcutil and an emulated monitor are in tests/helpers/ddc/. */
#include <time.h>

#include "host/ddc.h"
#include "basic/macro.h"
#include "host/state-file.h"
#include "tap.h"

static char *fake_path;
static const DdcPolicy fast = { .attempts = 3, .retry_ms = 10, .settle_ms = 100, .poll_ms = 20, .timeout_ms = 3000 };

static void fake_reset(const char *behaviour) {
        _cleanup_free_ char *logp = xasprintf("%s.log", fake_path);
        unlink(logp);
        FILE *f = fopen(fake_path, "we");
        if (!f)
                abort();
        fprintf(f, "bus=5\ndisplay=1\nmodel=U2720Q\nserial=ABC123\ninput=0x0f\ninputs=0x0f,0x11\nbehaviour=%s\n",
                behaviour);
        fclose(f);
}

static char *fake_log(void) {
        _cleanup_free_ char *logp = xasprintf("%s.log", fake_path);
        char buf[4096] = "";
        FILE *f = fopen(logp, "re");
        if (f) {
                size_t n = fread(buf, 1, sizeof buf - 1, f);
                buf[n] = '\0';
                fclose(f);
        }
        return xstrdup(buf);
}

static bool log_is(const char *want, const char *what) {
        _cleanup_free_ char *got = fake_log();
        bool r = ok(strcmp(got, want) == 0, "%s", what);
        if (!r)
                printf("#   monitor saw:\n%s#   expected:\n%s", got, want);
        return r;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void test_start_stop(DdcBackend *b) {
        fake_reset("ok");
        DdcResult res;
        is_int(ddc_guest(b, "w", "bus:5", 0x60, 0x0f, 0x11, &fast, &res), 0, "start");
        is_int(res, DDC_SWITCHED, "switched and verified");
        log_is("set 0x60 0x11\n", "the monitor got one write: HDMI-1 (0x11)");
        _cleanup_state_file_free_ StateFile *s = NULL;
        ok(state_file_load("/run/vxm/.state/ddc/w", &s) == 0 && strcmp(state_file_get(s, "HOST_INPUT"), "0x0f") == 0,
           "record names the host input");
        is_int(ddc_host(b, "w", &fast, &res), 0, "stop");
        is_int(res, DDC_SWITCHED, "switched back");
        log_is("set 0x60 0x11\nset 0x60 0x0f\n", "then back to DP-1 (0x0f)");
        ok(!root_exists("/run/vxm/.state/ddc/w"), "record removed");
        is_int(ddc_host(b, "w", &fast, &res), 0, "stop again: no record, nothing sent");
        log_is("set 0x60 0x11\nset 0x60 0x0f\n", "no extra write");
}

static void test_crash(DdcBackend *b) {
        /* The guest ran and crashed: a new process (ExecStopPost) only has the record, with the host input from when
         * the guest started, even if the config was edited in between. */
        fake_reset("ok");
        put("/run/vxm/.state/ddc/c", "MONITOR=serial:ABC123\nHOST_INPUT=0x12\nGUEST_INPUT=0x11\n");
        DdcResult res;
        is_int(ddc_host(b, "c", &fast, &res), 0, "stop after a crash");
        is_int(res, DDC_SWITCHED, "switched");
        log_is("set 0x60 0x12\n", "to the recorded host input, found by serial");

        /* A damaged record: nothing is sent to the monitor, the user is told. */
        static const char *const bad[] = {
                "HOST_INPUT=0x0f\n",
                "MONITOR=bus:5\nHOST_INPUT=0\n",
                "MONITOR=bus:5\nHOST_INPUT=0x10000\n",
                "MONITOR=bus:5\nHOST_INPUT=0x0f\nFEATURE=0x100\n",
                "MONITOR=bus:5\nHOST_INPUT=0x0f\nFEATURE=input\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fake_reset("ok");
                log_clear();
                put("/run/vxm/.state/ddc/bad", "%s", bad[i]);
                is_int(ddc_host(b, "bad", &fast, &res), -EBADMSG, "a damaged record is refused");
                ok(log_has("/run/vxm/.state/ddc/bad is malformed; switch the monitor back by hand."), "  ... said so");
                log_is("", "  ... nothing sent");
        }
}

static void test_unresponsive(DdcBackend *b) {
        fake_reset("unresponsive");
        DdcResult res;
        log_clear();
        double t = now();
        is_int(ddc_guest(b, "u", "model:U2720Q", 0x60, 0x0f, 0x11, &fast, &res), 0,
               "start with a dead monitor still succeeds");
        is_int(res, DDC_FAILED, "result: failed");
        ok(now() - t < 2.0, "within the timeout (%.2f s)", now() - t);
        log_is("set-failed 0x60 0x11\nset-failed 0x60 0x11\nset-failed 0x60 0x11\n", "exactly 3 attempts");
        ok(log_has("Could not switch U2720Q serial ABC123 on /dev/i2c-5 to HDMI-1 (0x11): the fake monitor does not "
                   "answer. Switch it by hand."),
           "warns what to do");
        is_int(ddc_host(b, "u", &fast, &res), 0, "stop");
        ok(!root_exists("/run/vxm/.state/ddc/u"), "record removed: the attempt is not repeated forever");
}

static void test_hang(DdcBackend *b) {
        fake_reset("hang");
        const DdcPolicy p = { .attempts = 3, .retry_ms = 10, .timeout_ms = 300 };
        DdcResult res;
        log_clear();
        double t = now();
        is_int(ddc_guest(b, "h", "bus:5", 0x60, 0x0f, 0x11, &p, &res), 0, "a hung I2C transfer");
        double took = now() - t;
        is_int(res, DDC_TIMEOUT, "result: timed out");
        ok(took >= 0.29 && took < 1.0, "abandoned after the 300 ms timeout (%.2f s)", took);
        ok(log_has("did not finish within 300 ms"), "says so");
}

static void test_readback(DdcBackend *b) {
        DdcResult res;
        fake_reset("no-readback");
        log_clear();
        is_int(ddc_guest(b, "r", "display:1", 0x60, 0x0f, 0x11, &fast, &res), 0, "no read-back support");
        is_int(res, DDC_SWITCHED_UNVERIFIED, "result: switched, not verified");
        ok(log_has("does not report feature 0x60, so the switch is not verified"), "says the switch is not verified");

        fake_reset("wrong-readback");
        log_clear();
        is_int(ddc_guest(b, "r", "bus:5", 0x60, 0x0f, 0x11, &fast, &res), 0, "wrong read-back");
        is_int(res, DDC_MISMATCH, "result: mismatch");
        ok(log_has("was switched to HDMI-1 (0x11) but reports DP-2 (0x10)"), "names both inputs");
        log_is("set 0x60 0x11\nset 0x60 0x11\nset 0x60 0x11\n", "tried 3 times");

        fake_reset("flaky");
        is_int(ddc_guest(b, "r", "bus:5", 0x60, 0x0f, 0x11, &fast, &res), 0, "a monitor that fails once");
        is_int(res, DDC_SWITCHED, "switched on the second attempt");
        log_is("set-failed 0x60 0x11\nset 0x60 0x11\n", "one failed, one good write");
}

static void test_no_display(DdcBackend *b) {
        DdcResult res;
        fake_reset("ok");
        log_clear();
        is_int(ddc_guest(b, "n", "bus:6", 0x60, 0x0f, 0x11, &fast, &res), 0, "no display on bus 6");
        is_int(res, DDC_NO_DISPLAY, "result: no display");
        ok(log_has("No display answered for Monitor=bus:6: found only bus:5 model:U2720Q serial:ABC123 edid:"),
           "says which Monitor= matched nothing, and what there is");
        log_is("", "nothing written");

        fake_reset("absent");
        log_clear();
        is_int(ddc_guest(b, "n", "bus:5", 0x60, 0x0f, 0x11, &fast, &res), 0,
               "monitor switched off (gone from the bus)");
        is_int(res, DDC_NO_DISPLAY, "result: no display");
        ok(log_has("No display answered for Monitor=bus:5: the fake backend found no monitor on the I2C buses"),
           "says that no display answered");

        fake_reset("mute");
        log_clear();
        is_int(ddc_guest(b, "n", "serial:ABC123", 0x60, 0x0f, 0x11, &fast, &res), 0, "DDC/CI off in the menu");
        is_int(res, DDC_NO_ANSWER, "result: does not answer");
        ok(log_has("U2720Q serial ABC123 on /dev/i2c-5 is connected but does not answer DDC/CI"), "says so");
        log_is("", "nothing written");
}

static void test_feature(DdcBackend *b) {
        /* LG: another feature, values of its own; the record keeps the feature for the way back. */
        fake_reset("ok");
        DdcResult res;
        is_int(ddc_guest(b, "lg", "bus:5", 0xf4, 0xd0, 0x90, &fast, &res), 0, "start with Feature=0xf4");
        is_int(res, DDC_SWITCHED, "switched");
        _cleanup_state_file_free_ StateFile *s = NULL;
        ok(state_file_load("/run/vxm/.state/ddc/lg", &s) == 0 && strcmp(state_file_get(s, "FEATURE"), "0xf4") == 0,
           "the record names the feature");
        is_int(ddc_host(b, "lg", &fast, &res), 0, "stop");
        log_is("set 0xf4 0x90\nset 0xf4 0xd0\n", "feature 0xf4 both ways");
}

int main(void) {
        char *root = fake_root_new("ddc");
        fake_path = xasprintf("%s/fake-monitor", root);
        DdcBackend *b = ddc_backend_fake_new(fake_path);
        test_start_stop(b);
        test_crash(b);
        test_unresponsive(b);
        test_hang(b);
        test_readback(b);
        test_no_display(b);
        test_feature(b);
        b->free(b);
        free(fake_path);
        fake_root_free(root);
        return tap_done();
}
