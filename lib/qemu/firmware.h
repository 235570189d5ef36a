/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>

#include "config/config.h"
#include "qemu/image-format.h"

/* The UEFI firmware for a guest: chosen from QEMU's firmware descriptors (docs/interop/firmware.json), or given by
 * [Firmware] Code= and Vars=. */

typedef struct Firmware {
        char *descriptor;    /* the descriptor chosen; NULL for [Firmware] Code=/Vars= */
        char *code;          /* executable, read-only */
        char *vars_template; /* copied once per guest */
        ImageFormat code_format, vars_format;
        bool requires_smm; /* -> smm=on and the secure pflash */
        bool secure_boot;  /* descriptor advertises secure-boot (with keys enrolled when the guest asks for SB) */
} Firmware;

/* Descriptor directories in ascending precedence, without VXM_ROOT: a file in a later directory replaces the
 * same-named file of an earlier one, an empty one masks it. */
extern const char *const firmware_descriptor_dirs[];

/* Chooses the firmware for g. No side effects. Returns 0, -ENOENT when nothing matches (after logging every
 * descriptor that was considered and why it was rejected), or another -errno. */
int firmware_select(const Guest *g, Firmware **ret);

Firmware *firmware_free(Firmware *f);
static inline void firmware_freep(Firmware **f) {
        firmware_free(*f);
}
#define _cleanup_firmware_free_ __attribute__((cleanup(firmware_freep)))
