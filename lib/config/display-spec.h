/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The values of [Display]: which monitor (Monitor=), which feature selects its input (Feature=) and the input values
 * (HostInput=, GuestInput=), as typed values. The config loader and the DDC code (which re-reads a record written at
 * start) parse them with the same functions. */

/* MCCS "Input Select": the feature that switches a monitor's input, unless the monitor uses its own (LG: 0xf4). */
#define VCP_INPUT_SOURCE 0x60

typedef enum MonitorBy {
        MONITOR_BY_BUS,     /* bus:N, the I2C bus /dev/i2c-N */
        MONITOR_BY_DISPLAY, /* display:N, ddcutil's display number */
        MONITOR_BY_MODEL,   /* model:NAME, the EDID's monitor name */
        MONITOR_BY_SERIAL,  /* serial:SERIAL, the EDID's serial number string */
        MONITOR_BY_EDID,    /* edid:HEX, the start of the SHA-256 of the 128-byte EDID */
} MonitorBy;

/* EDID strings (name, serial) hold at most 13 characters. */
#define EDID_STRING_MAX 13
#define EDID_HASH_MIN 8
#define EDID_HASH_MAX 64

typedef struct MonitorSpec {
        MonitorBy by;
        unsigned number;              /* bus:, display: */
        char text[EDID_HASH_MAX + 1]; /* model:, serial:, edid: (lowercase hex) */
} MonitorSpec;

/* Parses bus:N, display:N, model:NAME, serial:SERIAL or edid:HEX. -EINVAL with *reason set (without the value). */
int monitor_spec_parse(const char *s, MonitorSpec *ret, const char **reason);
/* The canonical spelling (edid: in lowercase), for records and messages. */
char *monitor_spec_to_string(const MonitorSpec *spec);

/* An input value: a number (decimal or 0x hex, 1 to 0xffff) or an MCCS 0x60 name (DP-1, HDMI-1, USB-C, ...). Returns
 * the value and sets *ret_named for a name, or -EINVAL. */
int vcp_input_from_string(const char *s, bool *ret_named);
/* The MCCS 0x60 name of a value, or NULL. */
const char *vcp_input_to_string(int value);
/* For messages: "HDMI-1 (0x11)" for feature 0x60, "0x0090" for any other feature. */
const char *vcp_value_format(uint8_t feature, int value, char buf[static 32]);
/* The names, comma-separated, for help and error messages. */
const char *vcp_input_names(void);
