/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm check NAME, [Display]: is the monitor there, does it answer DDC/CI, which input does it show, and does it list
 * the inputs of HostInput= and GuestInput= for Feature=, i.e. can the configured switch work? A monitor never stops a
 * guest (vxm-ddc only warns), so what is wrong here is a warning, not a problem. Reads, never switches. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "check-display.h"
#include "host/ddc.h"

#define PROBE_TIMEOUT_MS 15000
#define LG_HINT                                                                                                        \
        "some monitors switch with a feature of their own (many LG models: Feature=0xf4, with values of their own); "  \
        "see vxm.conf(5)"

/* For feature 0x60 the input is the low byte; some monitors fill the high one with noise (as vxm-ddc compares). */
static bool same_input(int reported, int value) {
        return value <= 0xff ? (reported & 0xff) == value : reported == value;
}

enum { VERDICT_OK, VERDICT_WARN, VERDICT_FAIL };

static void reportf(DisplayReport report, int verdict, const char *hint, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void reportf(DisplayReport report, int verdict, const char *hint, const char *fmt, ...) {
        char text[1400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        report(verdict, hint, text);
}

static bool listed(const DdcProbe *p, int value) {
        for (size_t i = 0; i < p->n_values; i++)
                if (p->values[i] == value)
                        return true;
        return false;
}

static void check_listed(const Guest *g, const DdcProbe *p, DisplayReport report) {
        char values[512] = "", buf[32];
        size_t len = 0;
        for (size_t i = 0; i < p->n_values && len < sizeof values; i++)
                len += (size_t) snprintf(values + len, sizeof values - len, "%s%s", i ? ", " : "",
                                         vcp_value_format(g->ddc_feature, p->values[i], buf));

        if (p->caps_r == -EOPNOTSUPP) {
                reportf(report, VERDICT_WARN, g->ddc_feature == VCP_INPUT_SOURCE ? LG_HINT : NULL,
                        "monitor input: its capabilities do not list feature 0x%02x, so the switch may not work",
                        g->ddc_feature);
                return;
        }
        if (p->caps_r < 0) {
                reportf(report, VERDICT_WARN, NULL, "monitor input: cannot read its capabilities: %s", p->caps_error);
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
                reportf(report, VERDICT_WARN, hint, "monitor input: feature 0x%02x lists %s, not %s=%s", g->ddc_feature,
                        values[0] ? values : "no values", inputs[i].key,
                        vcp_value_format(g->ddc_feature, inputs[i].value, buf));
        }
        if (all)
                reportf(report, VERDICT_OK, NULL,
                        "monitor input: feature 0x%02x lists %s, including HostInput= and GuestInput=: the switch can "
                        "work",
                        g->ddc_feature, values);
}

/* "fix Monitor= ...; found:" and one display per line, indented under the hint. */
static char *found_hint(const char *where, const char *found) {
        size_t lines = 1;
        for (const char *c = found; *c; c++)
                lines += *c == '\n';
        char *hint = xmalloc(strlen(where) + strlen(found) + 16 * lines + 32);
        size_t len = (size_t) sprintf(hint, "fix Monitor=%s; found:\n            ", where);
        for (const char *c = found; *c; c++)
                len += (size_t) (*c == '\n' ? sprintf(hint + len, "\n            ") : sprintf(hint + len, "%c", *c));
        return hint;
}

void check_display(const Guest *g, DisplayReport report) {
        if (!g->monitor)
                return;

        DdcBackend *b = ddc_backend_new();
        DdcProbe p;
        char buf[32];
        ddc_probe(b, g->monitor, g->ddc_feature, PROBE_TIMEOUT_MS, &p);
        b->free(b);

        const ConfigSource *src = guest_key_source(g, "Display", "Monitor");
        _cleanup_free_ char *where = src ? xasprintf(" at %s:%u", src->file, src->line) : xstrdup("");
        switch (p.result) {
        case DDC_NO_DISPLAY: {
                _cleanup_free_ char *hint = p.found[0] ? found_hint(where, p.found) : NULL;
                if (p.ambiguous)
                        reportf(report, VERDICT_WARN, hint,
                                "monitor: Monitor=%s matches more than one display; none will be switched", g->monitor);
                else if (p.found[0])
                        reportf(report, VERDICT_WARN, hint,
                                "monitor: no display matches Monitor=%s; the input will not be switched", g->monitor);
                else
                        reportf(report, VERDICT_WARN,
                                p.buses > 0 && geteuid() != 0
                                        ? "run vxm check as root: vxm-ddc does, and /dev/i2c-* are usually root's"
                                        : NULL,
                                "monitor: no display answered for Monitor=%s: %s; the input will not be switched",
                                g->monitor, p.why);
                return;
        }
        case DDC_NO_ANSWER:
                reportf(report, VERDICT_WARN,
                        p.busy ? "see what holds it: lsmod | grep ddcci, fuser -v /dev/i2c-*"
                               : "enable DDC/CI in the monitor's on-screen menu, and wake it up",
                        "monitor: %s: %s; the input will not be switched", p.display, p.why);
                return;
        case DDC_TIMEOUT:
                reportf(report, VERDICT_WARN, NULL, "monitor: Monitor=%s: %s; the input will not be switched",
                        g->monitor, p.why);
                return;
        case DDC_FAILED:
                reportf(report, VERDICT_WARN, NULL,
                        "monitor: cannot look for the monitor of Monitor=%s: %s; the input will not be switched",
                        g->monitor, p.why);
                return;
        default:
                break;
        }
        reportf(report, VERDICT_OK, NULL, "monitor: %s (Monitor=edid:%.16s names it by its EDID)", p.display,
                p.edid_hash);
        if (p.current >= 0) {
                const char *which = same_input(p.current, g->host_input)    ? " (HostInput=)"
                                    : same_input(p.current, g->guest_input) ? " (GuestInput=)"
                                                                            : "";
                reportf(report, VERDICT_OK, NULL, "monitor input: now %s%s",
                        vcp_value_format(g->ddc_feature, p.current, buf), which);
        } else if (p.current_r == -EOPNOTSUPP)
                reportf(report, VERDICT_WARN, g->ddc_feature == VCP_INPUT_SOURCE ? LG_HINT : NULL,
                        "monitor input: the monitor says it does not support feature 0x%02x", g->ddc_feature);
        else
                reportf(report, VERDICT_WARN, "vxm-ddc switches all the same, but cannot verify the switch",
                        "monitor input: cannot read feature 0x%02x: %s", g->ddc_feature, p.current_error);
        check_listed(g, &p, report);
}
