/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/state-file.h"
#include "host/state-lock.h"

int state_lock_take(const char *kind) {
        _cleanup_free_ char *dir = state_file_dir(kind), *path = xasprintf("%s/.lock", dir);
        int r = root_mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        /* A dot file: readers of the record directory skip it. Never follow a link planted in its place. */
        _cleanup_close_ int fd = root_open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return fd;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        return TAKE_FD(fd);
}
