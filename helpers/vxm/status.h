/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "config/config.h"

/* vxm status, shared by its files (cmd-status.c, status-shared.c). */

/* "  UNIT   STATE   what" */
void print_unit(sd_bus *bus, const char *unit, const char *what);
/* One record of kind/name, under a heading printed before the first one; returns the new "first". */
bool print_record(const char *kind, const char *name, bool first);

/* status-shared.c: the units and records of VirtualFunction= and Mdev= (issue 11), and what the guest holds. */
void status_shared_units(sd_bus *bus, const Guest *g);
bool status_shared_records(const Guest *g, bool first);
