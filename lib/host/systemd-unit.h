/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* What a setting of a system unit will be when systemd loads it: the unit file and its drop-ins (including the ones
 * vxm-generator writes), found and ordered as systemd does. For vxm check, which must say what the guest's unit will
 * really get (LimitMEMLOCK=), also when an administrator's drop-in overrides the generator's. Read through VXM_ROOT. */

typedef struct UnitSetting {
        char *value;   /* NULL when never set, or reset by an empty assignment */
        char *file;    /* the file of the assignment that counts (the reset, for a reset) */
        unsigned line; /* its line */
} UnitSetting;

/* The directories systemd searches for system units, in precedence order, without VXM_ROOT. */
extern const char *const systemd_unit_dirs[];

/* [section] key= of unit ("vxm-guest@win.service"): the last assignment over its fragment and drop-ins in systemd's
 * order. *ret is zeroed when the unit has no file at all. Returns 0 or -errno. */
int systemd_unit_setting(const char *unit, const char *section, const char *key, UnitSetting *ret);
void unit_setting_done(UnitSetting *s);
