/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Every file that could configure guest NAME, and what the precedence rules (vxm.conf(5): /etc/vxm over /run/vxm over
 * /usr/lib/vxm, a link to /dev/null masks, NAME.conf.d/ drop-ins merged by file name) make of it. For vxm check,
 * which explains why an edit "does nothing"; guest_load() applies the same rules. Paths without VXM_ROOT. */

typedef enum ConfigFileState {
        CONFIG_FILE_USED,     /* read */
        CONFIG_FILE_SHADOWED, /* a file of the same name in a directory of higher precedence is read instead */
        CONFIG_FILE_MASK,     /* a link to /dev/null: it and every same-named file below it are ignored */
} ConfigFileState;

typedef struct ConfigFile {
        char *path;
        bool dropin;
        size_t dir; /* index into config_dirs: lower wins */
        ConfigFileState state;
        char *winner; /* CONFIG_FILE_SHADOWED: the file of the same name that counts (or masks it) */
} ConfigFile;

/* The main files (in precedence order), then the drop-ins (by file name, then precedence). Returns 0 or -errno;
 * *ret_n is 0 when there is no such guest at all. */
int guest_config_files(const char *name, ConfigFile **ret, size_t *ret_n);
void config_files_free(ConfigFile *f, size_t n);
