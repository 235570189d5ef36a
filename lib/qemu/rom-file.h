/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* A PCI option ROM as QEMU's romfile= wants it: starts with 0x55 0xAA, and the 16-bit little-endian pointer at
 * offset 0x18 leads to a "PCIR" data structure inside the file. Checked before QEMU starts, because QEMU accepts
 * any file and the guest then fails to initialise the GPU without a useful message.
 * Reads through VXM_ROOT with root_open_safe() (a ROM may live where a guest's user can put a link or a FIFO): a
 * regular file only. Returns 0; -EBADMSG or -ELOOP with *ret_reason (malloc'd) saying why; or -errno from
 * open/read with *ret_reason NULL. */
int rom_file_validate(const char *path, char **ret_reason);
