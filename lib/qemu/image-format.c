/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qemu/image-format.h"
#include "basic/macro.h"

const char *image_format_to_string(ImageFormat f) {
        return f == IMAGE_FORMAT_QCOW2 ? "qcow2" : "raw";
}

int image_format_from_string(const char *s, ImageFormat *ret) {
        if (strcmp(s, "raw") == 0)
                *ret = IMAGE_FORMAT_RAW;
        else if (strcmp(s, "qcow2") == 0)
                *ret = IMAGE_FORMAT_QCOW2;
        else
                return -EINVAL;
        return 0;
}

/* Magic numbers from QEMU's block drivers. A raw image is whatever matches none of them. */
static const struct {
        const char *name;
        size_t offset;
        const char *magic;
        size_t len;
} foreign[] = {
        { "vmdk", 0, "KDMV", 4 },
        { "vmdk", 0, "# Disk DescriptorFile", 21 },
        { "vdi", 0x40, "\x7f\x10\xda\xbe", 4 },
        { "vhdx", 0, "vhdxfile", 8 },
        { "vpc", 0, "conectix", 8 },
        { "qed", 0, "QED\0", 4 },
        { "qcow", 0, "QFI\xfb\0\0\0\x01", 8 },
};

int image_format_probe_fd(int fd, ImageFormat *ret, const char **ret_name) {
        unsigned char buf[512] = {};
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        if (n < 0)
                return -errno;

        for (size_t i = 0; i < ELEMENTSOF(foreign); i++)
                if ((size_t) n >= foreign[i].offset + foreign[i].len &&
                    memcmp(buf + foreign[i].offset, foreign[i].magic, foreign[i].len) == 0) {
                        if (ret_name)
                                *ret_name = foreign[i].name;
                        return -EMEDIUMTYPE;
                }
        /* "QFI\xfb" then a big-endian version 2 or 3. */
        *ret = n >= 8 && memcmp(buf, "QFI\xfb", 4) == 0 ? IMAGE_FORMAT_QCOW2 : IMAGE_FORMAT_RAW;
        return 0;
}
