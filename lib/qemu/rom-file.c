/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macro.h"
#include "qemu/rom-file.h"
#include "basic/safe-open.h"

/* Option ROMs are at most 16 MiB (the expansion ROM BAR of real GPUs is far smaller). */
#define ROM_SIZE_MAX (16U << 20)

static int rom_check(int fd, const char **reason) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size > ROM_SIZE_MAX) {
                *reason = "larger than 16 MiB, not an option ROM";
                return -EBADMSG;
        }

        unsigned char hdr[0x1a];
        ssize_t n = pread(fd, hdr, sizeof hdr, 0);
        if (n < 0)
                return -errno;
        if (n < 2 || hdr[0] != 0x55 || hdr[1] != 0xaa) {
                *reason = "no 0x55AA option ROM signature at offset 0 (is this a vendor firmware update with a "
                          "header? extract the ROM image first)";
                return -EBADMSG;
        }
        if (n < (ssize_t) sizeof hdr) {
                *reason = "truncated: the file ends before the PCI data structure pointer at 0x18";
                return -EBADMSG;
        }

        unsigned off = hdr[0x18] | (unsigned) hdr[0x19] << 8;
        char pcir[4];
        if (off + sizeof pcir > (unsigned long long) st.st_size ||
            pread(fd, pcir, sizeof pcir, off) != (ssize_t) sizeof pcir || memcmp(pcir, "PCIR", 4) != 0) {
                *reason = "the pointer at 0x18 does not lead to a \"PCIR\" PCI data structure";
                return -EBADMSG;
        }
        return 0;
}

int rom_file_validate(const char *path, char **ret_reason) {
        _cleanup_close_ int fd = root_open_safe(path, 0, ret_reason);
        if (fd < 0)
                return fd;
        const char *reason = NULL;
        int r = rom_check(fd, &reason);
        if (reason)
                *ret_reason = xstrdup(reason);
        return r;
}
