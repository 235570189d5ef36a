/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "config/display-spec.h"

static const struct {
        const char *prefix;
        MonitorBy by;
} monitor_forms[] = {
        { "bus:", MONITOR_BY_BUS },       { "display:", MONITOR_BY_DISPLAY }, { "model:", MONITOR_BY_MODEL },
        { "serial:", MONITOR_BY_SERIAL }, { "edid:", MONITOR_BY_EDID },
};

int monitor_spec_parse(const char *s, MonitorSpec *ret, const char **reason) {
        for (size_t i = 0; i < ELEMENTSOF(monitor_forms); i++) {
                size_t n = strlen(monitor_forms[i].prefix);
                if (strncmp(s, monitor_forms[i].prefix, n) != 0)
                        continue;
                const char *arg = s + n;
                MonitorSpec spec = { .by = monitor_forms[i].by };
                unsigned long v;
                size_t len = strlen(arg);
                switch (spec.by) {
                case MONITOR_BY_BUS:
                case MONITOR_BY_DISPLAY:
                        /* ddcutil numbers buses below 128 and displays from 1 */
                        if (parse_unsigned(arg, spec.by == MONITOR_BY_BUS ? 127 : 99, &v) < 0 ||
                            (spec.by == MONITOR_BY_DISPLAY && v == 0)) {
                                *reason = spec.by == MONITOR_BY_BUS
                                                  ? "bus: takes the number N of /dev/i2c-N (0 to 127)"
                                                  : "display: takes ddcutil's display number (1 to 99)";
                                return -EINVAL;
                        }
                        spec.number = (unsigned) v;
                        break;
                case MONITOR_BY_MODEL:
                case MONITOR_BY_SERIAL:
                        if (len == 0 || len > EDID_STRING_MAX) {
                                *reason = len == 0 ? "model: and serial: take the monitor's name or serial number as "
                                                     "its EDID has them (vxm check shows them)"
                                                   : "an EDID holds at most 13 characters for the model and serial";
                                return -EINVAL;
                        }
                        memcpy(spec.text, arg, len + 1);
                        break;
                case MONITOR_BY_EDID:
                        if (len < EDID_HASH_MIN || len > EDID_HASH_MAX ||
                            strspn(arg, "0123456789abcdefABCDEF") != len) {
                                *reason = "edid: takes the first 8 to 64 hex digits of the SHA-256 of the monitor's "
                                          "128-byte EDID (vxm check shows it)";
                                return -EINVAL;
                        }
                        for (size_t j = 0; j <= len; j++)
                                spec.text[j] = (char) (arg[j] >= 'A' && arg[j] <= 'F' ? arg[j] - 'A' + 'a' : arg[j]);
                        break;
                }
                *ret = spec;
                return 0;
        }
        *reason = "expected bus:N, display:N, model:NAME, serial:SERIAL or edid:HASH";
        return -EINVAL;
}

char *monitor_spec_to_string(const MonitorSpec *spec) {
        for (size_t i = 0; i < ELEMENTSOF(monitor_forms); i++) {
                if (monitor_forms[i].by != spec->by)
                        continue;
                if (spec->by == MONITOR_BY_BUS || spec->by == MONITOR_BY_DISPLAY)
                        return xasprintf("%s%u", monitor_forms[i].prefix, spec->number);
                return xasprintf("%s%s", monitor_forms[i].prefix, spec->text);
        }
        return xstrdup("?");
}

/* MCCS 2.2a, feature 0x60; 0x1b (USB-C) is what monitors commonly use beyond the standard's list. The first name of a
 * value is the one shown; the others are accepted (ddcutil prints "DisplayPort-1"). */
static const struct {
        const char *name;
        int value;
} vcp_inputs[] = {
        { "VGA-1", 0x01 },         { "VGA-2", 0x02 },         { "DVI-1", 0x03 },     { "DVI-2", 0x04 },
        { "Composite-1", 0x05 },   { "Composite-2", 0x06 },   { "S-Video-1", 0x07 }, { "S-Video-2", 0x08 },
        { "Tuner-1", 0x09 },       { "Tuner-2", 0x0a },       { "Tuner-3", 0x0b },   { "Component-1", 0x0c },
        { "Component-2", 0x0d },   { "Component-3", 0x0e },   { "DP-1", 0x0f },      { "DP-2", 0x10 },
        { "HDMI-1", 0x11 },        { "HDMI-2", 0x12 },        { "USB-C", 0x1b },     { "USB-C-1", 0x1b },
        { "DisplayPort-1", 0x0f }, { "DisplayPort-2", 0x10 },
};

int vcp_input_from_string(const char *s, bool *ret_named) {
        for (size_t i = 0; i < ELEMENTSOF(vcp_inputs); i++)
                if (strcasecmp(s, vcp_inputs[i].name) == 0) {
                        *ret_named = true;
                        return vcp_inputs[i].value;
                }
        unsigned long v;
        if (parse_unsigned(s, 0xffff, &v) < 0 || v == 0)
                return -EINVAL;
        *ret_named = false;
        return (int) v;
}

const char *vcp_input_to_string(int value) {
        for (size_t i = 0; i < ELEMENTSOF(vcp_inputs); i++)
                if (vcp_inputs[i].value == value)
                        return vcp_inputs[i].name;
        return NULL;
}

const char *vcp_value_format(uint8_t feature, int value, char buf[static 32]) {
        const char *name = feature == VCP_INPUT_SOURCE ? vcp_input_to_string(value) : NULL;
        if (name)
                snprintf(buf, 32, "%s (0x%02x)", name, (unsigned) value);
        else if (feature == VCP_INPUT_SOURCE)
                snprintf(buf, 32, "0x%02x", (unsigned) value);
        else
                snprintf(buf, 32, "0x%04x", (unsigned) value);
        return buf;
}

const char *vcp_input_names(void) {
        return "DP-1, DP-2, HDMI-1, HDMI-2, USB-C, DVI-1, DVI-2, VGA-1, VGA-2";
}
