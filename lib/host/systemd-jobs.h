/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Which guests systemd is starting right now, asked of PID 1 itself.
 *
 * vxm-vfio@BDF.service is one unit shared by every guest that lists BDF, so when it runs it does not know which guest
 * pulled it in. systemd does: the guest's start job waits in the job queue (After=vxm-vfio@BDF.service) for as long
 * as the binding runs. This lists those jobs. */

/* The names of the guests whose vxm-guest@NAME.service has a job queued that starts it (start, restart,
 * try-restart, reload-or-start), sorted. Talks to PID 1 over its private socket, $VXM_ROOT/run/systemd/private
 * (root only; it answers even early at boot, before D-Bus runs). Returns 1 and the list (NULL when empty); 0 and NULL
 * when systemd is not running (no socket); -errno when it could not be asked (logged at debug level). */
int systemd_starting_guests(char ***ret);
