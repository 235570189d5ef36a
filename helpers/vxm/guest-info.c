/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/strv.h"
#include "bus.h"
#include "guest-info.h"
#include "output.h"

void guest_info_load(const char *name, sd_bus *bus, bool capture, GuestInfo *ret) {
        *ret = (GuestInfo){ .name = xstrdup(name) };
        if (capture)
                log_capture_begin(&ret->errors, &ret->warnings);
        int r = guest_load(name, &ret->guest);
        if (capture)
                log_capture_end();
        if (r == -ENOENT)
                ret->missing = true;
        if (r < 0)
                ret->guest = NULL;

        _cleanup_free_ char *unit = xasprintf("vxm-guest@%s.service", name);
        ret->state = unit_active_state(bus, unit);
}

void guest_info_done(GuestInfo *gi) {
        free(gi->name);
        guest_free(gi->guest);
        free(gi->state);
        strv_free(gi->errors);
        strv_free(gi->warnings);
}

JsonValue *guest_info_json(const GuestInfo *gi) {
        const Guest *g = gi->guest;
        JsonValue *o = json_new_object();

        json_object_append(o, "name", json_new_string(gi->name));
        json_object_append(o, "valid", json_new_boolean(g != NULL));
        json_object_append(o, "description", json_new_string(g ? g->description : NULL));
        json_object_append(o, "path", json_new_string(g ? g->path : NULL));
        json_object_append(o, "dropins", json_new_strv(g ? g->dropins : NULL));
        json_object_append(o, "autostart", g ? json_new_boolean(g->autostart) : json_new_null());
        json_object_append(o, "state", json_new_string(gi->state));
        json_object_append(o, "errors", json_new_strv(gi->errors));
        json_object_append(o, "warnings", json_new_strv(gi->warnings));
        return o;
}

char *config_dirs_text(const char *last_sep) {
        char *s = xstrdup(config_dirs[0]);
        for (size_t i = 1; config_dirs[i]; i++) {
                char *n = xasprintf("%s%s%s", s, config_dirs[i + 1] ? ", " : last_sep, config_dirs[i]);
                free(s);
                s = n;
        }
        return s;
}

void print_no_guests(void) {
        _cleanup_free_ char *dirs = config_dirs_text(" or ");
        printf("No guests: there is no NAME.conf in %s.\n"
               "Create one with: vxm new NAME [--gpu BDF] (see vxm.conf(5)).\n",
               dirs);
}
