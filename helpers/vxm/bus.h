/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <systemd/sd-bus.h>

/* systemd over D-Bus, for the commands that show unit states. */

/* The system bus, or NULL (with a warning) when it cannot be reached: states are then unknown, not an error. */
sd_bus *bus_open_or_warn(void);
sd_bus *bus_close(sd_bus *bus);
static inline void bus_closep(sd_bus **b) {
        bus_close(*b);
}
#define _cleanup_bus_close_ __attribute__((cleanup(bus_closep)))

/* A unit's ActiveState ("active", "inactive", "failed", ...) without loading it: a unit systemd has not loaded is
 * inactive. NULL when systemd could not be asked. malloc'd. */
char *unit_active_state(sd_bus *bus, const char *unit);
