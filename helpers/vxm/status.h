/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>

#include "config/config.h"

/* vxm status, shared by its files (cmd-status.c, status-shared.c). */

/* A unit of the guest and what it does for it. */
typedef struct GuestUnit {
        char *unit;
        const char *role;
} GuestUnit;

/* status-shared.c: the units and records of VirtualFunction= and Mdev= (issue 11), and what the guest holds. */
size_t status_shared_max_units(const Guest *g);
/* Fills at most status_shared_max_units(g) entries of u; returns how many. */
size_t status_shared_units(const Guest *g, GuestUnit *u);
/* Appends the paths of the records those units may have written. */
void status_shared_record_paths(const Guest *g, char ***paths);
/* "Shared devices held:" and one line per VirtualFunction= and Mdev=; nothing when the guest has neither. */
void status_shared_print_holds(const Guest *g);
