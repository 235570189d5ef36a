/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "basic/macro.h"
#include "host/unit-liveness.h"

static void bus_unrefp(sd_bus **b) {
        sd_bus_unref(*b);
}
static void message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

static int unit_invocation(sd_bus *bus, const char *object, char ret[static 33]) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_get_property(bus, "org.freedesktop.systemd1", object, "org.freedesktop.systemd1.Unit",
                                    "InvocationID", &error, &reply, "ay");
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        const void *p;
        size_t n;
        r = sd_bus_message_read_array(reply, 'y', &p, &n);
        if (r < 0)
                return r;
        ret[0] = '\0';
        for (size_t i = 0; i < n && i < 16; i++)
                sprintf(ret + 2 * i, "%02x", ((const unsigned char *) p)[i]);
        return 0;
}

int unit_is_running(const char *unit, const char *invocation) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        const char *object;

        int r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;
        /* GetUnit, not LoadUnit: a unit systemd has not loaded is not running, and asking must not load it. */
        r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "GetUnit", &error, &reply, "s", unit);
        if (r < 0) {
                bool missing = sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit");
                sd_bus_error_free(&error);
                return missing ? 0 : r;
        }
        r = sd_bus_message_read(reply, "o", &object);
        if (r < 0)
                return r;

        _cleanup_free_ char *state = NULL;
        r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", object, "org.freedesktop.systemd1.Unit",
                                       "ActiveState", &error, &state);
        sd_bus_error_free(&error);
        if (r < 0)
                return r;
        if (strcmp(state, "active") != 0 && strcmp(state, "activating") != 0 && strcmp(state, "deactivating") != 0 &&
            strcmp(state, "reloading") != 0)
                return 0;
        if (!invocation)
                return 1;

        char id[33];
        r = unit_invocation(bus, object, id);
        if (r < 0)
                return r;
        return strcmp(id, invocation) == 0;
}
