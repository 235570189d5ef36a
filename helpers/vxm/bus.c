/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "bus.h"

sd_bus *bus_open_or_warn(void) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);
        if (r < 0) {
                log_warning_errno(r, "Cannot reach systemd over D-Bus, unit states are unknown: %m");
                return NULL;
        }
        return bus;
}

sd_bus *bus_close(sd_bus *bus) {
        return sd_bus_flush_close_unref(bus);
}

char *unit_active_state(sd_bus *bus, const char *unit) {
        if (!bus)
                return NULL;

        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *object;
        char *state = NULL;

        int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                bool missing = sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit");
                sd_bus_error_free(&error);
                return missing ? xstrdup("inactive") : NULL;
        }
        if (sd_bus_message_read(reply, "o", &object) >= 0 &&
            sd_bus_get_property_string(bus, "org.freedesktop.systemd1", object, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error, &state) < 0)
                state = NULL;
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return state;
}
