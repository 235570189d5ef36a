/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME, [Display] (finding "monitor"): is the monitor there, does it answer DDC/CI, which input does it
 * show, and does it list the inputs of HostInput= and GuestInput= for Feature=, i.e. can the configured switch work?
 * A monitor never stops a guest (vxm-ddc only warns), so what is wrong here is a warning, not a problem. Reads, never
 * switches; a mute monitor costs up to 15 s. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "check.h"
#include "host/ddc.h"

#define PROBE_TIMEOUT_MS 15000
#define LG_HINT                                                                                                        \
        "some monitors switch with a feature of their own (many LG models: Feature=0xf4, with values of their own); "  \
        "see vxm.conf(5)"

/* For feature 0x60 the input is the low byte; some monitors fill the high one with noise (as vxm-ddc compares). */
static bool same_input(int reported, int value) {
        return value <= 0xff ? (reported & 0xff) == value : reported == value;
}

static bool listed(const DdcProbe *p, int value) {
        for (size_t i = 0; i < p->n_values; i++)
                if (p->values[i] == value)
                        return true;
        return false;
}

static void check_listed(CheckContext *c, const Guest *g, const DdcProbe *p) {
        char values[512] = "", buf[32];
        size_t len = 0;
        for (size_t i = 0; i < p->n_values && len < sizeof values; i++)
                len += (size_t) snprintf(values + len, sizeof values - len, "%s%s", i ? ", " : "",
                                         vcp_value_format(g->ddc_feature, p->values[i], buf));

        if (p->caps_r == -EOPNOTSUPP) {
                check_finding(c, VERDICT_WARN, NULL, g->ddc_feature == VCP_INPUT_SOURCE ? LG_HINT : NULL,
                              "input: its capabilities do not list feature 0x%02x, so the switch may not work",
                              g->ddc_feature);
                return;
        }
        if (p->caps_r < 0) {
                check_finding(c, VERDICT_WARN, NULL, NULL, "input: cannot read its capabilities: %s", p->caps_error);
                return;
        }
        const struct {
                const char *key;
                int value;
        } inputs[] = { { "GuestInput", g->guest_input }, { "HostInput", g->host_input } };
        bool all = true;
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                /* Capabilities list one byte per value: a 16-bit value cannot be listed. */
                if (inputs[i].value > 0xff || listed(p, inputs[i].value))
                        continue;
                all = false;
                _cleanup_free_ char *hint =
                        xasprintf("set %s= to one of the listed values, unless the monitor's manual says otherwise "
                                  "(some monitors do not list all their inputs)",
                                  inputs[i].key);
                check_finding(c, VERDICT_WARN, NULL, hint, "input: feature 0x%02x lists %s, not %s=%s", g->ddc_feature,
                              values[0] ? values : "no values", inputs[i].key,
                              vcp_value_format(g->ddc_feature, inputs[i].value, buf));
        }
        if (all)
                check_finding(c, VERDICT_OK, NULL, NULL,
                              "input: feature 0x%02x lists %s, including HostInput= and GuestInput=: the switch can "
                              "work",
                              g->ddc_feature, values);
}

/* "fix Monitor= ...; found:" and one display per line (the text output indents them under the hint). */
static char *found_hint(const char *where, const char *found) {
        return xasprintf("fix Monitor=%s; found:\n%s", where, found);
}

static void run_monitor(CheckContext *c) {
        const Guest *g = c->guest;
        if (!g->monitor) {
                check_ok(c, NULL, "no [Display] Monitor=: vxm switches no monitor's input for this guest");
                return;
        }
        DdcProbe p_;
        DdcBackend *b = ddc_backend_new();
        ddc_probe(b, g->monitor, g->ddc_feature, PROBE_TIMEOUT_MS, &p_);
        b->free(b);
        const DdcProbe *p = &p_;

        const ConfigSource *src = guest_key_source(g, "Display", "Monitor");
        _cleanup_free_ char *where = src ? xasprintf(" at %s:%u", src->file, src->line) : xstrdup("");
        switch (p->result) {
        case DDC_NO_DISPLAY: {
                _cleanup_free_ char *hint = p->found[0] ? found_hint(where, p->found) : NULL;
                if (p->ambiguous)
                        check_finding(c, VERDICT_WARN, NULL, hint,
                                      "Monitor=%s matches more than one display; none will be switched", g->monitor);
                else if (p->found[0])
                        check_finding(c, VERDICT_WARN, NULL, hint,
                                      "no display matches Monitor=%s; the input will not be switched", g->monitor);
                else
                        check_finding(c, VERDICT_WARN, NULL,
                                      p->buses > 0 && geteuid() != 0
                                              ? "run vxm check as root: vxm-ddc does, and /dev/i2c-* are usually root's"
                                              : NULL,
                                      "no display answered for Monitor=%s: %s; the input will not be switched",
                                      g->monitor, p->why);
                return;
        }
        case DDC_NO_ANSWER:
                check_finding(c, VERDICT_WARN, NULL,
                              p->busy ? "see what holds it: lsmod | grep ddcci, fuser -v /dev/i2c-*"
                                      : "enable DDC/CI in the monitor's on-screen menu, and wake it up",
                              "%s: %s; the input will not be switched", p->display, p->why);
                return;
        case DDC_TIMEOUT:
                check_finding(c, VERDICT_WARN, NULL, NULL, "Monitor=%s: %s; the input will not be switched", g->monitor,
                              p->why);
                return;
        case DDC_FAILED:
                check_finding(c, VERDICT_WARN, NULL, NULL,
                              "cannot look for the monitor of Monitor=%s: %s; the input will not be switched",
                              g->monitor, p->why);
                return;
        default:
                break;
        }
        check_finding(c, VERDICT_OK, NULL, NULL, "%s (Monitor=edid:%.16s names it by its EDID)", p->display,
                      p->edid_hash);

        char buf[32];
        if (p->current >= 0) {
                const char *which = same_input(p->current, g->host_input)    ? " (HostInput=)"
                                    : same_input(p->current, g->guest_input) ? " (GuestInput=)"
                                                                             : "";
                check_finding(c, VERDICT_OK, NULL, NULL, "input: now %s%s",
                              vcp_value_format(g->ddc_feature, p->current, buf), which);
        } else if (p->current_r == -EOPNOTSUPP)
                check_finding(c, VERDICT_WARN, NULL, g->ddc_feature == VCP_INPUT_SOURCE ? LG_HINT : NULL,
                              "input: the monitor says it does not support feature 0x%02x", g->ddc_feature);
        else
                check_finding(c, VERDICT_WARN, NULL, "vxm-ddc switches all the same, but cannot verify the switch",
                              "input: cannot read feature 0x%02x: %s", g->ddc_feature, p->current_error);
        check_listed(c, g, p);
}
const Check check_monitor = { "monitor", CHECK_GUEST, run_monitor,
                              "the monitor of [Display] Monitor= answers DDC/CI and lists HostInput= and GuestInput=" };
