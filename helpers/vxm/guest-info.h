/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "basic/json.h"
#include "config/config.h"

/* One guest as vxm list and vxm status show it: its config (or why it has none that loads) and its unit's state. */
typedef struct GuestInfo {
        char *name;
        Guest *guest;  /* NULL when missing or invalid */
        bool missing;  /* no NAME.conf in any config dir (or masked) */
        char *state;   /* ActiveState of vxm-guest@NAME.service; NULL when systemd could not be asked */
        char **errors; /* the loader's messages, when loaded with capture */
        char **warnings;
} GuestInfo;

/* Loads guest name and asks bus (may be NULL) for its state. With capture, the loader's messages are kept in
 * errors/warnings (and still printed on stderr). Never fails: a missing or invalid guest is part of the answer. */
void guest_info_load(const char *name, sd_bus *bus, bool capture, GuestInfo *ret);
void guest_info_done(GuestInfo *gi);

/* The keys list and status share: name, valid, description, path, dropins, autostart, state, errors, warnings. */
JsonValue *guest_info_json(const GuestInfo *gi);
/* What list and status say when there is no guest: where they looked, and how to make one. */
void print_no_guests(void);
/* The config directories, for messages: "/etc/vxm, /run/vxm or /usr/lib/vxm". malloc'd. */
char *config_dirs_text(const char *last_sep);
