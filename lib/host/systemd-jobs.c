/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/systemd-jobs.h"

/* PID 1 answers within milliseconds; this only bounds a wedged manager. */
#define JOBS_TIMEOUT_USEC (10ULL * 1000 * 1000)

static void bus_unrefp(sd_bus **b) {
        sd_bus_flush_close_unref(*b);
}

static void message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

/* A D-Bus address value: bytes outside [-0-9A-Za-z_/.\] are %-escaped. */
static char *bus_address_escape(const char *s) {
        char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (strchr("-_/.\\", c) || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                        *o++ = (char) c;
                else
                        o += sprintf(o, "%%%02x", c);
        }
        *o = '\0';
        return out;
}

static bool job_starts_unit(const char *type) {
        static const char *const starting[] = { "start", "restart", "try-restart", "reload-or-start" };
        for (size_t i = 0; i < ELEMENTSOF(starting); i++)
                if (strcmp(type, starting[i]) == 0)
                        return true;
        return false;
}

/* "vxm-guest@NAME.service" -> NAME, if NAME is a valid guest name. */
static char *guest_of_unit(const char *unit) {
        static const char prefix[] = "vxm-guest@", suffix[] = ".service";
        size_t n = strlen(unit), p = strlen(prefix), s = strlen(suffix);
        if (n <= p + s || strncmp(unit, prefix, p) != 0 || strcmp(unit + n - s, suffix) != 0)
                return NULL;
        _cleanup_free_ char *name = xstrndup(unit + p, n - p - s);
        return guest_name_is_valid(name, NULL) ? TAKE_PTR(name) : NULL;
}

static int list_jobs(sd_bus *bus, char ***names) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                   "org.freedesktop.systemd1.Manager", "ListJobs", &error, &reply, NULL);
        if (r < 0) {
                log_debug("ListJobs failed: %s", error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(usssoo)");
        if (r < 0)
                return r;
        uint32_t id;
        const char *unit, *type, *state, *job_path, *unit_path;
        while ((r = sd_bus_message_read(reply, "(usssoo)", &id, &unit, &type, &state, &job_path, &unit_path)) > 0) {
                if (!job_starts_unit(type))
                        continue;
                char *name = guest_of_unit(unit);
                if (name && !strv_contains(*names, name))
                        strv_push(names, name);
                free(name);
        }
        return r;
}

int systemd_starting_guests(char ***ret) {
        _cleanup_free_ char *socket = root_path("/run/systemd/private");
        _cleanup_strv_free_ char **names = NULL;
        *ret = NULL;

        if (access(socket, F_OK) < 0) {
                log_debug("%s does not exist: systemd is not running, no guest is being started.", socket);
                return 0;
        }

        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *escaped = bus_address_escape(socket);
        _cleanup_free_ char *address = xasprintf("unix:path=%s", escaped);
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, JOBS_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return log_debug_errno(r, "Failed to connect to systemd at %s: %m", socket);
        r = list_jobs(bus, &names);
        if (r < 0)
                return log_debug_errno(r, "Failed to list systemd's jobs: %m");
        if (names)
                strv_sort(names);
        *ret = TAKE_PTR(names);
        return 1;
}
