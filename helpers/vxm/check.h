/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* vxm check: the doctor's findings.
 *
 * A finding is {id, verdict, subject, message, hint}: the stable id of the check that made it (a bug report cites
 * it; vxm(1) lists every id with its fix), ok/warn/fail, what it is about (a PCI address, a file:line, a guest, a
 * path, "host"), what was found, and what to do (NULL for ok). `vxm check` prints them as text or, with --json, as
 * {"findings":[...]} (schema in vxm(1)); it exits 1 when any finding is a fail.
 *
 * Adding a check (one id) takes one file and one line:
 *   1. helpers/vxm/check-TOPIC.c (or a new function in the file of its peers), with
 *          static void run_ddc(CheckContext *c) {
 *                  ...
 *                  check_fail(c, "monitor bus:5", "set GuestInput= to one of its inputs", "input %s ...", ...);
 *          }
 *          const Check check_ddc = { "ddc", CHECK_GUEST, run_ddc, "the monitor answers and can switch inputs" };
 *      and the file in vxm_cli_sources (helpers/meson.build);
 *   2. CHECK(ddc) at its place in check-list.h, the one registration line;
 *   then describe the id and its fix in man/vxm.1.in (tests/helpers/check fails when an id is missing there).
 * A check reads the host through VXM_ROOT only, changes nothing, and makes as many findings as it has subjects (none
 * when it does not apply). Its test builds a fake tree where it fails and asserts the verdict and the hint.
 * What lib/ logs while a check runs is captured: check_take_log() hands it to the check (to put into a message);
 * what the check leaves is printed on stderr afterwards. */

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "host/pci-sysfs.h"
#include "output.h"

typedef enum Verdict {
        VERDICT_OK,
        VERDICT_WARN,
        VERDICT_FAIL,
} Verdict;

typedef enum CheckScope {
        CHECK_HOST,   /* once */
        CHECK_CONFIG, /* once per guest name, also when its configuration does not load: c->guest may be NULL */
        CHECK_GUEST,  /* once per guest that loaded */
        CHECK_DEVICE, /* once per Device= of a guest that exists on the host: c->device and c->dev are set */
} CheckScope;

typedef struct CheckContext CheckContext;

typedef struct Check {
        const char *id; /* stable: lowercase words joined by '-' */
        CheckScope scope;
        void (*run)(CheckContext *c);
        const char *about; /* what it checks, one line, for vxm check --list */
} Check;

struct CheckContext {
        const Check *check;
        const char *guest_name;    /* CHECK_CONFIG and below */
        const Guest *guest;        /* CHECK_GUEST, CHECK_DEVICE; NULL in CHECK_CONFIG when the load failed */
        char **load_log;           /* CHECK_CONFIG: what the loader said, "LEVEL\tmessage" */
        int load_error;            /* CHECK_CONFIG: guest_load()'s result */
        const GuestDevice *device; /* CHECK_DEVICE */
        const PciDevice *dev;      /* CHECK_DEVICE: the device as the host shows it */
        const char *label;         /* CHECK_DEVICE: "0000:03:00.0 NVIDIA ..." for messages */
        struct CheckRun *run;      /* the framework's, opaque to checks */
};

/* One finding of the running check. subject NULL means "host" (CHECK_HOST) or the guest's name. hint may be NULL
 * (and is dropped for ok). */
void check_finding(CheckContext *c, Verdict v, const char *subject, const char *hint, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
#define check_ok(c, subject, ...) check_finding(c, VERDICT_OK, subject, NULL, __VA_ARGS__)
#define check_warn(c, subject, hint, ...) check_finding(c, VERDICT_WARN, subject, hint, __VA_ARGS__)
#define check_fail(c, subject, hint, ...) check_finding(c, VERDICT_FAIL, subject, hint, __VA_ARGS__)

/* The messages lib/ logged (warning and worse) since the check started or since the last call, one per line, or
 * NULL; the caller owns the string, and they are not printed again. */
char *check_take_log(CheckContext *c);

/* The registry (check-list.h), in report order, NULL-terminated. */
extern const Check *const check_registry[];

/* Runs every check for the host and the named guests (all guests when names is NULL); prints text or JSON on
 * stdout. Returns the exit status: 0 no fail, 1 a fail. */
int check_run_all(char **names, JsonMode json);
/* vxm check --list */
void check_print_list(void);
