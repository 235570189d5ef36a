/* SPDX-License-Identifier: BSD-3-Clause */
/* edid-read N: prints the 128-byte EDID of the monitor on /dev/i2c-N, read the way the kernel's DRM drivers read it
 * (offset 0 written to 0x50, then 128 bytes read in one I2C_RDWR transfer), for the emulated machine's sysfs. */
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "Usage: edid-read N\n");
                return 2;
        }
        char path[64];
        snprintf(path, sizeof path, "/dev/i2c-%d", atoi(argv[1]));
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                perror(path);
                return 1;
        }
        uint8_t offset = 0, edid[128];
        struct i2c_msg msgs[2] = {
                { .addr = 0x50, .flags = 0, .len = 1, .buf = &offset },
                { .addr = 0x50, .flags = I2C_M_RD, .len = sizeof edid, .buf = edid },
        };
        struct i2c_rdwr_ioctl_data data = { .msgs = msgs, .nmsgs = 2 };
        if (ioctl(fd, I2C_RDWR, &data) != 2) {
                perror("I2C_RDWR");
                return 1;
        }
        close(fd);
        return fwrite(edid, 1, sizeof edid, stdout) == sizeof edid ? 0 : 1;
}
