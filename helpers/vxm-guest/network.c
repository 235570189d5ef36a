/* SPDX-License-Identifier: BSD-3-Clause */
/* [Network] Mode=bridge: the tap device QEMU opens, made and removed as root around the unprivileged QEMU
 * (ExecStartPre=+ and ExecStopPost=+). A no-op for other modes. */
#include <errno.h>
#include <pwd.h>

#include "config/config.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "host/tap.h"
#include "vxm-guest.h"

int guest_network_up(const char *name) {
        log_set_guest(name);
        _cleanup_guest_free_ Guest *g = NULL;
        int r = guest_load(name, &g);
        if (r < 0)
                return 0; /* vxm-guest run reports it, with every detail */
        if (g->network != NETWORK_BRIDGE)
                return 0;

        errno = 0;
        struct passwd *pw = getpwnam(g->user);
        if (!pw)
                return log_error_errno(errno ?: ESRCH, "%s: [Guest] User=%s does not exist.", g->path, g->user);

        char tap[TAP_NAME_MAX];
        guest_tap_name(name, tap);
        r = tap_up(name, pw->pw_uid, g->bridge);
        if (r < 0)
                return log_error_errno(r, "%s: no tap device %s on bridge %s ([Network] Bridge=) for guest %s.",
                                       g->path, tap, g->bridge, name);
        log_info("Created tap device %s on bridge %s for guest %s (owner %s).", tap, g->bridge, name, g->user);
        return 0;
}

int guest_network_down(const char *name) {
        log_set_guest(name);
        /* From the record alone: the tap goes even if the config changed meanwhile. */
        return tap_down(name);
}
