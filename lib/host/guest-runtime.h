/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"

/* What vxm-guest and vxm-swtpm check and prepare before they start the guest's processes. */

/* The process must already be the guest's unprivileged User= (the unit's User= line, from the generator); never
 * root. Logs and returns -EPERM otherwise. */
int guest_check_user(const Guest *g);

/* /run/vxm/guests/NAME and /var/lib/vxm/NAME (mode 0700), which the units create as RuntimeDirectory= and
 * StateDirectory=; created here too for runs outside systemd. */
int guest_ensure_dirs(const Guest *g);
