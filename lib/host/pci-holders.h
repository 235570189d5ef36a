/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "host/pci-sysfs.h"

/* Who on the host has a PCI device open: the processes whose /proc/PID/fd point at one of its /dev nodes. Unbinding
 * a driver while such a process runs hangs until it lets go, so vxm-vfio refuses and vxm check names them. */

typedef struct PciHolder {
        pid_t pid;
        char *comm; /* /proc/PID/comm; "?" when it is gone */
        char *unit; /* the systemd unit or scope it runs in (last part of /proc/PID/cgroup); NULL when none */
        char *node; /* the node it has open, e.g. /dev/dri/card1 */
} PciHolder;

/* The /dev nodes through which the host can hold d: its DRM card and render nodes, its sound card's nodes (HDMI
 * audio), and with NVIDIA's driver its /dev/nvidiaN. *ret is NULL when there are none. */
void pci_device_holder_nodes(const PciDevice *d, char ***ret);

/* The processes (other than this one) that have any of nodes open, one entry per process and node, by PID.
 * *ret_hidden counts processes whose open files could not be read (another user's, when not root). */
void proc_find_holders(char *const *nodes, PciHolder **ret, size_t *ret_n, unsigned *ret_hidden);
void pci_holders_free(PciHolder *h, size_t n);

/* "pid 1234 (Xorg) has /dev/dri/card1 open (in display-manager.service)", for messages. */
char *pci_holder_describe(const PciHolder *h);

/* The unit or scope of a process from /proc/PID/cgroup ("gdm.service", "session-2.scope"); NULL when none. */
char *proc_unit(pid_t pid);
/* PIDs of processes whose comm is exactly comm (the kernel cuts comm at 15 characters), ascending; *ret_n of them. */
void proc_find_by_comm(const char *comm, pid_t **ret, size_t *ret_n);
