/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"

/* The VFIO group nodes /dev/vfio/GROUP of a guest's devices belong to root alone (70-vxm.rules); while the guest runs,
 * its User= gets each of them by an ACL entry (host/node-lend.h), and when it stops they are given back exactly as
 * they were. Per guest, not per device: two guests that list the same device (and so never run together) each lend
 * it to their own user, and one guest's QEMU can never open another's group. The record is
 * /run/vxm/.state/vfio-lend/NAME. Run as root around QEMU: vxm-guest devices-up / devices-down.
 *
 * The devices are the guest's Device= lines, the virtual functions it holds (the holds vxm-vf@NAME wrote,
 * host/vf-alloc.h) and its mediated devices (the records vxm-mdev@NAME wrote, host/mdev.h): nothing else changes the
 * owner or the access of those nodes. A Device= that is a VF another running guest holds is refused. */

/* Logs; refuses (-ENODEV) when a device is not on vfio-pci, i.e. has no group node. */
int vfio_lend(const Guest *g);
/* From the record alone (the config may have changed); no record: nothing to do. */
int vfio_give_back(const char *name);
