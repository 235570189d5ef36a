/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

/* Finding the programs vxm runs (QEMU, swtpm, swtpm_setup) and asking them for their version. */

typedef struct ProgramVersion {
        unsigned major, minor, micro;
        char *line; /* the first line of the output, e.g. "QEMU emulator version 7.2.9 (Debian 1:7.2+dfsg-7)" */
} ProgramVersion;

/* The first of /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin (below VXM_ROOT) that has an
 * executable name; the path without VXM_ROOT, or NULL. */
char *program_find(const char *name);

/* Runs PATH (below VXM_ROOT) with args (NULL-terminated, without argv[0]), stdin from /dev/null, for at most 5 s,
 * and returns what it wrote on stdout and stderr (at most 4 KiB). -ETIME when it did not finish in time, -ENOEXEC
 * when it could not be run. */
int program_output(const char *path, const char *const *args, char **ret);

/* Runs "PATH --version" (PATH below VXM_ROOT) with a 5 s limit and takes the first dotted number of its output.
 * -ETIME when it did not answer in time, -EBADMSG when it printed no version, other -errno when it could not run. */
int program_version(const char *path, ProgramVersion *ret);
void program_version_done(ProgramVersion *v);

/* <0, 0, >0 as v is older than, equal to or newer than major.minor. */
int program_version_compare(const ProgramVersion *v, unsigned major, unsigned minor);
