/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The modes a monitor advertises in its EDID (VESA E-EDID 1.4 with CTA-861 and DisplayID extensions), as far as
 * vxm new needs them: the largest one sizes Looking Glass's shared memory. */

typedef struct EdidMode {
        unsigned width, height;
} EdidMode;

/* The largest mode by area (the wider one on a tie) in any of the EDID's timing sections: detailed timings,
 * standard and established timings, additional standard timings (0xf7), CTA-861 video data blocks and detailed
 * timings, DisplayID type I/VII timings. Extension blocks with a bad checksum are skipped.
 * Returns 0, -EBADMSG when data is not an EDID (header, size or base block checksum), -ENODATA when it lists no
 * mode. */
int edid_largest_mode(const uint8_t *data, size_t size, EdidMode *ret);

/* The monitor connected to PCI display controller bdf: of its DRM connectors (/sys/class/drm/cardN-NAME) whose
 * status is "connected" and whose edid is valid, the largest mode. *ret_connector (may be NULL) is the connector's
 * name, e.g. "card1-DP-1". -ENOENT when no such monitor is known (no DRM driver bound, nothing connected). */
int edid_monitor_of_pci(const char *bdf, EdidMode *ret, char **ret_connector);
