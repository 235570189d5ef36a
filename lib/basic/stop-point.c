/* SPDX-License-Identifier: BSD-3-Clause */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basic/log.h"
#include "basic/stop-point.h"

void stop_point(const char *point) {
        const char *at = getenv("VXM_TEST_STOP_AT");
        if (!at || strcmp(at, point) != 0)
                return;

        const char *mark = getenv("VXM_TEST_STOP_MARK");
        if (mark && mark[0]) {
                int fd = open(mark, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0 || dprintf(fd, "%s\n", point) < 0)
                        log_warning_errno(errno, "Failed to write the stop-point mark %s: %m", mark);
                if (fd >= 0)
                        close(fd);
        }
        log_notice("Stopping at \"%s\" (VXM_TEST_STOP_AT).", point);
        raise(SIGSTOP);
}
