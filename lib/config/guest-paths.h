/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Where a guest's files live on the host, without VXM_ROOT (wrap in root_path() to touch them). The units create the
 * two directories for the guest's user: RuntimeDirectory=vxm/guests/%i and StateDirectory=vxm/%i. All malloc'd.
 *
 * The runtime directories are below /run/vxm/guests/, never directly in /run/vxm: /run/vxm is a configuration
 * directory (NAME.conf, NAME.conf.d/), and a directory that a guest's user owns must never be read as
 * configuration (a guest named "win.conf.d" would otherwise own the drop-ins of guest win). */

#define GUEST_RUNTIME_ROOT "/run/vxm/guests"

char *guest_runtime_dir(const char *name);   /* /run/vxm/guests/NAME: sockets, gone at reboot */
char *guest_state_dir(const char *name);     /* /var/lib/vxm/NAME: kept, owned by the guest's user */
char *guest_qmp_socket(const char *name);    /* /run/vxm/guests/NAME/qmp.sock */
char *guest_swtpm_socket(const char *name);  /* /run/vxm/guests/NAME/swtpm.sock */
char *guest_tpm_state_dir(const char *name); /* /var/lib/vxm/NAME/tpm */
char *guest_serial_log(const char *name);    /* /var/lib/vxm/NAME/serial.log */
/* The guest's copy of a VARS template: /var/lib/vxm/NAME/ + the template's file name, so that a guest switched to
 * other firmware (say SecureBoot= toggled) never boots a CODE with the other build's variable store. */
char *guest_vars_path(const char *name, const char *template);
