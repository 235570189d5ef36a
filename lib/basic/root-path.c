/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/root-path.h"

static char *prefix;

const char *root_prefix(void) {
        if (!prefix) {
                const char *e = getenv("VXM_ROOT");
                prefix = xstrdup(e ? e : "");
                size_t n = strlen(prefix);
                while (n > 0 && prefix[n - 1] == '/')
                        prefix[--n] = '\0';
        }
        return prefix;
}

void root_reset(void) {
        free(prefix);
        prefix = NULL;
}

char *root_path(const char *path) {
        return xasprintf("%s%s", root_prefix(), path);
}

int root_open(const char *path, int flags, mode_t mode) {
        _cleanup_free_ char *p = root_path(path);
        int fd = open(p, flags | O_CLOEXEC, mode);
        return fd < 0 ? -errno : fd;
}

FILE *root_fopen(const char *path, const char *mode) {
        _cleanup_free_ char *p = root_path(path);
        return fopen(p, mode);
}

DIR *root_opendir(const char *path) {
        _cleanup_free_ char *p = root_path(path);
        return opendir(p);
}

/* stat(), not access(F_OK): in a unit with DevicePolicy=closed, systemd's device filter refuses access() on any device
 * node it does not allow, whatever the mode asked, and a node that exists would look missing. */
bool root_exists(const char *path) {
        _cleanup_free_ char *p = root_path(path);
        struct stat st;
        return stat(p, &st) == 0;
}

int root_stat(const char *path, struct stat *st) {
        _cleanup_free_ char *p = root_path(path);
        return stat(p, st) < 0 ? -errno : 0;
}

int root_lstat(const char *path, struct stat *st) {
        _cleanup_free_ char *p = root_path(path);
        return lstat(p, st) < 0 ? -errno : 0;
}

int root_read_file(const char *path, char **ret, size_t *size) {
        _cleanup_close_ int fd = root_open(path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
        return read_full_fd(fd, ret, size);
}

int read_full_fd(int fd, char **ret, size_t *size) {
        size_t n = 0, cap = 4096;
        _cleanup_free_ char *buf = xrealloc(NULL, cap + 1); /* not zeroed: read() fills it */
        for (;;) {
                ssize_t k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n == cap) {
                        if (cap >= 16 * 1024 * 1024)
                                return -EFBIG;
                        cap *= 2;
                        buf = xrealloc(buf, cap + 1);
                }
        }
        buf[n] = '\0';
        if (size)
                *size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

int root_read_line(const char *path, char **ret) {
        char *s;
        int r = root_read_file(path, &s, NULL);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        *ret = s;
        return 0;
}

int root_write_string(const char *path, const char *s) {
        _cleanup_close_ int fd = root_open(path, O_WRONLY | O_NOCTTY, 0);
        if (fd < 0)
                return fd;
        size_t n = strlen(s);
        ssize_t k = write(fd, s, n);
        if (k < 0)
                return -errno;
        return (size_t) k == n ? 0 : -EIO;
}

/* The temp file of path: hidden (readers of record directories skip dot files) and always the same name, so a writer
 * killed between write and rename leaves one file that the next write replaces and root_unlink_atomic() removes. */
static char *atomic_temp_path(const char *p) {
        const char *slash = strrchr(p, '/');
        return slash ? xasprintf("%.*s/.%s.vxm-tmp", (int) (slash - p), p, slash + 1) : xasprintf(".%s.vxm-tmp", p);
}

int root_write_file_atomic(const char *path, const char *content, mode_t mode) {
        _cleanup_free_ char *p = root_path(path);
        _cleanup_free_ char *tmp = atomic_temp_path(p);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return -errno;

        size_t n = strlen(content);
        int r = 0;
        if (fchmod(fd, mode) < 0 || write(fd, content, n) != (ssize_t) n || fsync(fd) < 0)
                r = errno ? -errno : -EIO;
        else if (rename(tmp, p) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

int root_unlink_atomic(const char *path) {
        _cleanup_free_ char *p = root_path(path);
        _cleanup_free_ char *tmp = atomic_temp_path(p);
        (void) unlink(tmp);
        return unlink(p) < 0 ? -errno : 0;
}

int root_readlink(const char *path, char **ret) {
        _cleanup_free_ char *p = root_path(path);
        char buf[4096];
        ssize_t n = readlink(p, buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret = xstrdup(buf);
        return 0;
}

int root_readlink_basename(const char *path, char **ret) {
        _cleanup_free_ char *target = NULL;
        int r = root_readlink(path, &target);
        if (r < 0)
                return r;
        const char *slash = strrchr(target, '/');
        *ret = xstrdup(slash ? slash + 1 : target);
        return 0;
}

int root_mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = root_path(path);
        size_t skip = strlen(root_prefix());

        for (char *s = p + skip + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = c;
                if (c == '\0')
                        break;
        }
        return 0;
}

int root_unlink(const char *path) {
        _cleanup_free_ char *p = root_path(path);
        return unlink(p) < 0 ? -errno : 0;
}
