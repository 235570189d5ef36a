/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

/* Kernel modules as sysfs and the module directory of the running kernel show them (through VXM_ROOT). Names may be
 * given with '-' or '_': the kernel treats them alike. */

/* Loaded or built in: /sys/module/NAME exists. */
bool kmod_loaded(const char *name);
/* Could be loaded: listed in /lib/modules/$(uname -r)/modules.dep or modules.builtin. */
bool kmod_available(const char *name);
/* /sys/module/NAME/parameters/PARAM, first line. -ENOENT when the module or the parameter is not there. */
int kmod_parameter(const char *name, const char *param, char **ret);
