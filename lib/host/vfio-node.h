/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The owner of a VFIO group node (/dev/vfio/N), which decides which guest user's QEMU may open the group. Used by
 * vxm-vfio for PCI devices and by vxm-mdev for mediated devices, each recording the owner before changing it. */

typedef struct VfioNodeOwner {
        uid_t uid;
        gid_t gid;
        mode_t mode; /* permission bits only */
} VfioNodeOwner;

/* udev applies its permissions to a new node after the kernel made it; changing the owner before udev is done would
 * be undone. Waits (bounded) until udev has a database entry for the node; no-op without udev. */
void vfio_node_wait_udev(const char *node);
int vfio_node_get_owner(const char *node, VfioNodeOwner *ret);
int vfio_node_set_owner(const char *node, const VfioNodeOwner *o);
bool vfio_node_owner_equal(const VfioNodeOwner *a, const VfioNodeOwner *b);

/* "0:992:0660" (uid:gid:octal mode), the form records keep; parse returns 0 or -EBADMSG. */
char *vfio_node_owner_format(const VfioNodeOwner *o);
int vfio_node_owner_parse(const char *s, VfioNodeOwner *ret);
