/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Image formats vxm hands to QEMU (disks, firmware flash). A disk's format is detected from its first bytes, never
 * from its name, so a raw image cannot be declared qcow2 or the other way round. */
typedef enum ImageFormat {
        IMAGE_FORMAT_RAW,
        IMAGE_FORMAT_QCOW2,
} ImageFormat;

const char *image_format_to_string(ImageFormat f);
/* "raw" or "qcow2" (QEMU's block driver names); -EINVAL otherwise. */
int image_format_from_string(const char *s, ImageFormat *ret);

/* Reads the first bytes of an image opened by the caller (with root_open_safe(): images often live in a directory
 * that the guest's user owns). Returns 0 and *ret; -EMEDIUMTYPE for a format QEMU knows but vxm does not pass on
 * (vmdk, vdi, vhdx, vpc, qed), with *ret_name set to it; or -errno from read. */
int image_format_probe_fd(int fd, ImageFormat *ret, const char **ret_name);
