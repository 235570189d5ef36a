/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* The evdev nodes a guest gets through QEMU's input-linux: [Input] Keyboard=/Mouse= resolved to real devices. */

typedef struct InputDevice {
        char *path;    /* what QEMU opens: the configured or discovered /dev/input/... path (a stable link) */
        char *node;    /* the character device it resolves to, /dev/input/eventN: what access is granted on */
        bool keyboard; /* keyboard (or an extra interface of one), else mouse */
} InputDevice;

typedef struct InputDevices {
        InputDevice *devices;
        size_t n;
} InputDevices;

void input_devices_done(InputDevices *l);

/* Keyboards first (explicit paths in config order, then discovered ones sorted by name), then mice. Auto discovery
 * takes /dev/input/by-id/ *-event-kbd and *-event-mouse, plus the classless *-event-ifNN interfaces of the same USB
 * device (the second interface NKRO keyboards and gaming mice use for the extra keys); dangling links are skipped
 * with a warning, and a node reached through two names is listed once. An explicit path that does not exist or is not
 * an evdev character device is an error (logged with the config key). Returns 0 or a negative errno. */
int input_discover(const Guest *g, InputDevices *ret);

/* Is path (unprefixed) an evdev character device? -ENOENT, -ENOTTY (not evdev) or 0. */
int input_check_evdev(const char *path);
