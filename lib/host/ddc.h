/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Switching a monitor's input (MCCS VCP feature 0x60) over DDC/CI, behind a small interface: the product uses
 * libddcutil (ddc-ddcutil.c, linked into vxm-ddc only), tests use a fake display kept in a file (ddc-fake.c). */

#define VCP_INPUT_SOURCE 0x60

typedef struct DdcBackend DdcBackend;
struct DdcBackend {
        const char *name;
        /* Finds the display that Monitor= names (bus:N, display:N, model:NAME, serial:SERIAL, edid:HEX) and opens it.
         * -ENODEV when there is no such display, -EINVAL for a spec it cannot use. *ret_desc: for messages. */
        int (*open)(DdcBackend *b, const char *spec, void **ret_display, char **ret_desc);
        int (*set_input)(DdcBackend *b, void *display, uint8_t value);
        /* -EOPNOTSUPP when the monitor does not report the feature. */
        int (*get_input)(DdcBackend *b, void *display, uint8_t *ret);
        void (*close)(DdcBackend *b, void *display);
        void (*free)(DdcBackend *b);
        void *userdata;
};

/* $VXM_DDC_FAKE names a fake display's state file: the fake backend; otherwise NULL (use the real one). */
DdcBackend *ddc_backend_fake_new(const char *state_path);
/* Real backend; defined in ddc-ddcutil.c. */
DdcBackend *ddc_backend_ddcutil_new(void);

typedef struct DdcPolicy {
        unsigned attempts;   /* set attempts (default 3) */
        unsigned retry_ms;   /* pause between attempts (default 500) */
        unsigned timeout_ms; /* the whole switch, including a hung library call (default 10000) */
} DdcPolicy;
#define DDC_POLICY_DEFAULT ((DdcPolicy){ .attempts = 3, .retry_ms = 500, .timeout_ms = 10000 })

typedef enum DdcResult {
        DDC_SWITCHED,            /* set, and read back the same value */
        DDC_SWITCHED_UNVERIFIED, /* set; the monitor does not report (or no longer answers on this input) */
        DDC_MISMATCH,            /* set, but the monitor reports another input */
        DDC_NO_DISPLAY,          /* no display matches Monitor= */
        DDC_FAILED,              /* every attempt failed */
        DDC_TIMEOUT,             /* did not finish within timeout_ms; the attempt was killed */
} DdcResult;

const char *ddc_result_to_string(DdcResult r);

/* Switches the input, in a child process so that a hung I2C transfer cannot outlive timeout_ms. Logs each problem as a
 * warning (a monitor that is off or asleep is normal and must not block a guest) and returns what happened. */
DdcResult ddc_switch_input(DdcBackend *b, const char *spec, uint8_t value, const DdcPolicy *policy);

/* The guest-facing steps (record under /run/vxm/.state/ddc/NAME written before the switch to the guest, read on the way
 * back, so the host input comes back after a crash even if the config changed). Return 0, or a negative errno for
 * local problems (record, config); monitor trouble is a warning only. */
int ddc_guest(DdcBackend *b, const char *name, const char *monitor, int host_input, int guest_input,
              const DdcPolicy *policy, DdcResult *ret);
int ddc_host(DdcBackend *b, const char *name, const DdcPolicy *policy, DdcResult *ret);
