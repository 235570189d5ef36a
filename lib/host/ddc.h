/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/display-spec.h"

/* Switching a monitor's input over DDC/CI (the MCCS feature [Display] Feature=, 0x60 by default) behind a small
 * interface: the product uses libddcutil (ddc-ddcutil.c, loaded with dlopen() only when a monitor is switched or
 * probed), the tests of the policy use a fake display kept in a file (ddc-fake.c), and the tests of the product path
 * run the real libddcutil against an emulated monitor (tests/helpers/ddc/). */

/* One display the backend found (also one that does not answer DDC/CI). */
typedef struct DdcDisplay {
        int bus;    /* /dev/i2c-N, -1 when not on I2C */
        int dispno; /* ddcutil's display number, -1 when it does not answer DDC/CI */
        bool busy;  /* ... because another driver or program holds its DDC/CI address */
        char mfg[4];
        char model[EDID_STRING_MAX + 1];
        char serial[EDID_STRING_MAX + 1];
        uint8_t edid[128];
        void *ref; /* the backend's own reference, for open() */
} DdcDisplay;

typedef struct DdcBackend DdcBackend;
struct DdcBackend {
        const char *name;
        /* The displays connected now; rescan: look again rather than answer from what was found before. The array
         * stays owned by the backend until the next list() or free(). */
        int (*list)(DdcBackend *b, bool rescan, const DdcDisplay **ret, size_t *ret_n);
        /* How many I2C buses the backend could look at (for "no display" messages); -1 unknown. */
        int (*count_buses)(DdcBackend *b);
        int (*open)(DdcBackend *b, const DdcDisplay *d, void **ret_handle);
        int (*set_vcp)(DdcBackend *b, void *handle, uint8_t feature, uint16_t value);
        /* -EOPNOTSUPP when the monitor does not support the feature. */
        int (*get_vcp)(DdcBackend *b, void *handle, uint8_t feature, uint16_t *ret);
        /* The monitor's capabilities string (*ret_raw, may be NULL) and the values it lists for feature (-EOPNOTSUPP
         * when it does not list the feature). */
        int (*capabilities)(DdcBackend *b, void *handle, uint8_t feature, uint8_t **ret_values, size_t *ret_n,
                            char **ret_raw);
        void (*close)(DdcBackend *b, void *handle);
        void (*free)(DdcBackend *b);
        void *userdata;
        /* The last failure in words, set by the backend with the negative errno it returns ("" for none). */
        char error[256];
};

/* $VXM_DDC_FAKE names a fake display's state file (tests of the policy): the fake backend. */
DdcBackend *ddc_backend_fake_new(const char *state_path);
/* libddcutil; defined in ddc-ddcutil.c (only the programs that talk to monitors link it). */
DdcBackend *ddc_backend_ddcutil_new(void);
/* The fake when $VXM_DDC_FAKE is set, libddcutil otherwise. */
DdcBackend *ddc_backend_new(void);

/* What a failed backend call means, in words: the backend's message, or the errno's. */
const char *ddc_strerror(const DdcBackend *b, int r);

/* How hard to try. A monitor that is off, asleep or mute must never hold up a guest or a shutdown, so everything is
 * bounded by timeout_ms (a hung library call included: the attempt runs in a child that is killed). */
typedef struct DdcPolicy {
        unsigned attempts;   /* switch attempts (default 3) */
        unsigned retry_ms;   /* pause before another attempt (default 500) */
        unsigned settle_ms;  /* how long the new input must hold to count (default 2000): auto input scans revert */
        unsigned poll_ms;    /* read-back interval while it settles (default 250) */
        unsigned timeout_ms; /* the whole switch (default 10000) */
} DdcPolicy;
#define DDC_POLICY_DEFAULT                                                                                             \
        ((DdcPolicy){ .attempts = 3, .retry_ms = 500, .settle_ms = 2000, .poll_ms = 250, .timeout_ms = 10000 })

typedef enum DdcResult {
        DDC_SWITCHED,            /* set, and the monitor reported the new input for settle_ms */
        DDC_SWITCHED_UNVERIFIED, /* set; the monitor does not report its input (or no longer answers on this cable) */
        DDC_REVERTED,            /* switched, but went back by itself each time (automatic input scan) */
        DDC_MISMATCH,            /* set, but the monitor kept reporting another input (ignored it, or lies) */
        DDC_NO_DISPLAY,          /* no display matches Monitor= (or more than one does) */
        DDC_NO_ANSWER,           /* the display is there (EDID), but does not answer DDC/CI */
        DDC_FAILED,              /* every attempt failed */
        DDC_TIMEOUT,             /* did not finish within timeout_ms; the attempt was killed */
        _DDC_RESULT_MAX,
} DdcResult;

const char *ddc_result_to_string(DdcResult r);

/* What one switch found out, beyond its result. */
typedef struct DdcOutcome {
        DdcResult result;
        int before;           /* the input the monitor reported before the switch, -1 unknown */
        int reported;         /* the last input it reported, -1 none */
        unsigned reverted_ms; /* how long the new input held before the monitor went back, 0 if it did not */
        char display[160];    /* which monitor, for messages ("VXM-27 serial SN0001 on /dev/i2c-5") */
} DdcOutcome;

/* Switches the monitor that Monitor= names to value of feature, reads it back until it holds for settle_ms, retries
 * within the policy's bounds, and logs what the monitor did (problems as warnings: a monitor that is off or asleep is
 * normal and must not block a guest). away: the input it is expected to leave (-1 unknown), to tell an ignored command
 * from a slow one. */
DdcResult ddc_switch_input(DdcBackend *b, const char *monitor, uint8_t feature, uint16_t value, int away,
                           const DdcPolicy *policy, DdcOutcome *ret);

/* The guest-facing steps. The record /run/vxm/.state/ddc/NAME (monitor, feature, both inputs) is written before the
 * switch to the guest and read on the way back, so the host's input comes back after a crash even if the config
 * changed. Return 0, or a negative errno for local problems (record, config); monitor trouble is a warning only. */
int ddc_guest(DdcBackend *b, const char *name, const char *monitor, uint8_t feature, int host_input, int guest_input,
              const DdcPolicy *policy, DdcResult *ret);
int ddc_host(DdcBackend *b, const char *name, const DdcPolicy *policy, DdcResult *ret);

/* What `vxm check` shows about a monitor: found? answering? current input? does it list the inputs? */
typedef struct DdcProbe {
        DdcResult result; /* DDC_SWITCHED: found and answering; DDC_NO_DISPLAY, DDC_NO_ANSWER, DDC_TIMEOUT, DDC_FAILED
                           * (could not look: libddcutil missing) */
        char display[160];
        char edid_hash[2 * 32 + 1];
        char why[1200];   /* for NO_DISPLAY/NO_ANSWER/TIMEOUT/FAILED: the reason in words */
        bool ambiguous;   /* NO_DISPLAY because Monitor= matches several */
        bool busy;        /* NO_ANSWER because another driver or program holds it */
        char found[1024]; /* every display found, one "bus:N model:M serial:S edid:HASH" per line */
        int buses;        /* I2C buses looked at, -1 unknown */
        int current;      /* the input now, -1 when it could not be read (current_error) */
        int current_r;    /* 0, or why it could not be read: -EOPNOTSUPP, ... */
        char current_error[256];
        int caps_r; /* 0: capabilities read; -EOPNOTSUPP: the feature is not listed; <0: caps_error */
        char caps_error[256];
        uint8_t values[64]; /* the values listed for the feature */
        size_t n_values;
} DdcProbe;

/* Finds the monitor and reads its current input and capabilities, bounded by timeout_ms. Changes nothing. */
void ddc_probe(DdcBackend *b, const char *monitor, uint8_t feature, unsigned timeout_ms, DdcProbe *ret);

/* The form of Monitor= that names d unambiguously by its EDID: "edid:" and the first 16 hex digits of the SHA-256. */
void ddc_display_edid_hash(const DdcDisplay *d, char ret[static 2 * 32 + 1]);
