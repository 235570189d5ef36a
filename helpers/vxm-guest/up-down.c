/* SPDX-License-Identifier: BSD-3-Clause */
/* The guest's root steps around the unprivileged QEMU, one process each way (ExecStartPre=+ and ExecStopPost=+):
 * every command of a unit is a process that systemd forks and sets up, which costs more than the step itself, and
 * the stop of the guest's vxm-vfio@ units waits for all of them. */
#include "vxm-guest.h"

/* Devices first: a start that cannot lend them fails before a tap device exists. On failure, ExecStopPost= (down)
 * undoes whatever the part that ran recorded. */
int guest_up(const char *name) {
        int r = guest_devices_up(name);
        if (r < 0)
                return r;
        return guest_network_up(name);
}

/* Every step runs, whatever the one before it did: a tap device that cannot be deleted must not keep the VFIO group
 * nodes lent to the guest's user (separate ExecStopPost= lines would stop at the first failure). Returns the first
 * error; each record that could not be undone is kept, so stopping again retries it. */
int guest_down(const char *name) {
        int r = guest_finish(name);
        int k = guest_network_down(name);
        if (k < 0 && r >= 0)
                r = k;
        k = guest_devices_down(name);
        if (k < 0 && r >= 0)
                r = k;
        return r;
}
