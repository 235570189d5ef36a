/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "basic/macro.h"
#include "host/unit-cpus.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
/* A daemon-reload on a big system takes seconds; PID 1 answers the call when it is done. */
#define RELOAD_TIMEOUT_USEC (90ULL * 1000000ULL)

char *unit_runtime_dropin_dir(const char *unit) {
        return xasprintf("/run/systemd/system.control/%s.d", unit);
}

char *unit_runtime_dropin_path(const char *unit, const char *property) {
        return xasprintf("/run/systemd/system.control/%s.d/50-%s.conf", unit, property);
}

char *unit_cgroup_dir(const char *unit) {
        return xasprintf("/sys/fs/cgroup/%s", unit);
}

static sd_bus *bus_of(UnitBackend *b) {
        return b->userdata;
}

/* The end of every call: the error systemd sent (as -errno) or r, and everything freed. */
static int call_done(int r, sd_bus_error *e, sd_bus_message *m) {
        if (r < 0) {
                int k = sd_bus_error_get_errno(e);
                if (k > 0)
                        r = -k;
        }
        sd_bus_error_free(e);
        sd_bus_message_unref(m);
        return r;
}

/* The unit's object path, loading the unit if systemd has not. */
static int unit_path(sd_bus *bus, const char *unit, char **ret) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *path;
        int r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "LoadUnit", &e, &reply, "s", unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0)
                *ret = xstrdup(path);
        return call_done(r, &e, reply);
}

static const char *cgroup_iface(const char *unit) {
        size_t n = strlen(unit);
        if (n > 6 && strcmp(unit + n - 6, ".scope") == 0)
                return "org.freedesktop.systemd1.Scope";
        if (n > 8 && strcmp(unit + n - 8, ".service") == 0)
                return "org.freedesktop.systemd1.Service";
        return "org.freedesktop.systemd1.Slice";
}

static int bus_get_allowed_cpus(UnitBackend *b, const char *unit, CpuSet *ret) {
        _cleanup_free_ char *path = NULL;
        int r = unit_path(bus_of(b), unit, &path);
        if (r < 0)
                return r;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const void *bytes = NULL;
        size_t n = 0;
        r = sd_bus_get_property(bus_of(b), SYSTEMD_DEST, path, cgroup_iface(unit), "AllowedCPUs", &e, &reply, "ay");
        if (r >= 0)
                r = sd_bus_message_read_array(reply, 'y', &bytes, &n);
        if (r >= 0)
                r = cpu_set_from_bytes(bytes, n, ret);
        return call_done(r, &e, reply);
}

static int bus_set_allowed_cpus(UnitBackend *b, const char *unit, const CpuSet *s) {
        sd_bus *bus = bus_of(b);
        sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n;
        cpu_set_to_bytes(s, &bytes, &n);

        int r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "SetUnitProperties");
        if (r >= 0)
                r = sd_bus_message_append(m, "sb", unit, 1);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", "AllowedCPUs");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "ay");
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', bytes, n);
        for (int i = 0; i < 3 && r >= 0; i++)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, NULL);
        return call_done(r, &e, m);
}

static int bus_need_daemon_reload(UnitBackend *b, const char *unit, bool *ret) {
        _cleanup_free_ char *path = NULL;
        int r = unit_path(bus_of(b), unit, &path);
        if (r < 0)
                return r;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        int v = 0;
        r = sd_bus_get_property(bus_of(b), SYSTEMD_DEST, path, "org.freedesktop.systemd1.Unit", "NeedDaemonReload", &e,
                                &reply, "b");
        if (r >= 0)
                r = sd_bus_message_read(reply, "b", &v);
        if (r >= 0)
                *ret = v;
        return call_done(r, &e, reply);
}

static int bus_reload(UnitBackend *b) {
        sd_bus *bus = bus_of(b);
        sd_bus_message *m = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "Reload");
        if (r >= 0)
                r = sd_bus_call(bus, m, RELOAD_TIMEOUT_USEC, &e, NULL);
        return call_done(r, &e, m);
}

static int bus_unit_busy(UnitBackend *b, const char *unit, bool *ret) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *object;
        char *state = NULL;
        int r = sd_bus_call_method(bus_of(b), SYSTEMD_DEST, SYSTEMD_PATH, MANAGER_IFACE, "GetUnit", &e, &reply, "s",
                                   unit);
        if (r < 0 && sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
                sd_bus_error_free(&e);
                *ret = false; /* not loaded: inactive by definition */
                return 0;
        }
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &object);
        if (r >= 0)
                r = sd_bus_get_property_string(bus_of(b), SYSTEMD_DEST, object, "org.freedesktop.systemd1.Unit",
                                               "ActiveState", &e, &state);
        if (r >= 0)
                *ret = strcmp(state, "inactive") != 0 && strcmp(state, "failed") != 0;
        free(state);
        return call_done(r, &e, reply);
}

static void bus_free(UnitBackend *b) {
        sd_bus_flush_close_unref(bus_of(b));
}

/* PID 1's private socket needs no dbus-daemon: it works before dbus.service has started and after it has stopped. */
static int connect_private(sd_bus **ret) {
        sd_bus *bus = NULL;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

UnitBackend *unit_backend_systemd_new(int *ret_error) {
        sd_bus *bus = NULL;
        int r = geteuid() == 0 ? connect_private(&bus) : -EPERM;
        if (r < 0)
                r = sd_bus_open_system(&bus);
        if (r < 0) {
                if (ret_error)
                        *ret_error = r;
                return NULL;
        }
        UnitBackend *b = xmalloc(sizeof *b);
        *b = (UnitBackend){
                .get_allowed_cpus = bus_get_allowed_cpus,
                .set_allowed_cpus = bus_set_allowed_cpus,
                .need_daemon_reload = bus_need_daemon_reload,
                .reload = bus_reload,
                .unit_busy = bus_unit_busy,
                .free = bus_free,
                .userdata = bus,
        };
        return b;
}

UnitBackend *unit_backend_new(int *ret_error) {
        const char *fake = getenv("VXM_ISOLATE_FAKE_SYSTEMD");
        if (fake && *fake)
                return unit_backend_fake_new(fake);
        return unit_backend_systemd_new(ret_error);
}

void unit_backend_free(UnitBackend *b) {
        if (!b)
                return;
        if (b->free)
                b->free(b);
        free(b);
}
