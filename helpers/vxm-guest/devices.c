/* SPDX-License-Identifier: BSD-3-Clause */
/* The guest's VFIO group nodes, lent to its user as root around the unprivileged QEMU (ExecStartPre=+ and
 * ExecStopPost=+; host/vfio-lend.h). Per guest, after every vxm-vfio@ unit of the guest has bound its device. */
#include "basic/log.h"
#include "basic/macro.h"
#include "config/config.h"
#include "host/vfio-lend.h"
#include "vxm-guest.h"

int guest_devices_up(const char *name) {
        log_set_guest(name);
        _cleanup_guest_free_ Guest *g = NULL;
        if (guest_load(name, &g) < 0)
                return 0; /* vxm-guest run reports it, with every detail */
        return vfio_lend(g);
}

int guest_devices_down(const char *name) {
        log_set_guest(name);
        return vfio_give_back(name);
}
