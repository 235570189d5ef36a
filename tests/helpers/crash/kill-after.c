/* SPDX-License-Identifier: BSD-3-Clause */
/* LD_PRELOAD shim for crash tests: SIGKILLs the process right after a call succeeded that changed the file whose path
 * contains $VXM_KILL_AFTER: write(2) to it (nr_hugepages), setxattr(2)/removexattr(2) on it (an ACL, also set through
 * /proc/self/fd/N), fchown(2)/fchownat(2) or ftruncate(2) of it, linkat(2) that gives it its name (the Looking Glass
 * file, made as an unnamed O_TMPFILE). That is the worst moment for a helper to die: the host has changed, and only
 * what the helper recorded before can undo it. $VXM_KILL_AFTER_LOG, when set, gets one line saying which call it was,
 * so the test knows the kill happened where it meant it to. */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#define REAL(name) ((__typeof__(&name)) dlsym(RTLD_NEXT, #name))

static void kill_if(const char *call, const char *path) {
        const char *want = getenv("VXM_KILL_AFTER");
        if (!want || !*want || !path || !strstr(path, want))
                return;
        const char *log = getenv("VXM_KILL_AFTER_LOG");
        if (log) {
                int fd = REAL(open)(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        dprintf(fd, "killed after %s %s\n", call, path);
                        close(fd);
                }
        }
        raise(SIGKILL);
}

static void kill_if_fd(const char *call, int fd) {
        if (!getenv("VXM_KILL_AFTER"))
                return;
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n <= 0)
                return;
        path[n] = '\0';
        kill_if(call, path);
}

/* A path of the form /proc/self/fd/N (how the helpers change an fd they opened without following links) names the
 * file that fd is open on. */
static void kill_if_path(const char *call, const char *path) {
        int fd;
        char end;
        if (path && sscanf(path, "/proc/self/fd/%d%c", &fd, &end) == 1)
                kill_if_fd(call, fd);
        else
                kill_if(call, path);
}

ssize_t write(int fd, const void *buf, size_t count) {
        ssize_t r = REAL(write)(fd, buf, count);
        if (r > 0)
                kill_if_fd("write", fd);
        return r;
}

int setxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
        int r = REAL(setxattr)(path, name, value, size, flags);
        if (r == 0)
                kill_if_path("setxattr", path);
        return r;
}

int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
        int r = REAL(lsetxattr)(path, name, value, size, flags);
        if (r == 0)
                kill_if_path("lsetxattr", path);
        return r;
}

int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) {
        int r = REAL(fsetxattr)(fd, name, value, size, flags);
        if (r == 0)
                kill_if_fd("fsetxattr", fd);
        return r;
}

int fchown(int fd, uid_t owner, gid_t group) {
        int r = REAL(fchown)(fd, owner, group);
        if (r == 0)
                kill_if_fd("fchown", fd);
        return r;
}

int ftruncate(int fd, off_t length) {
        int r = REAL(ftruncate)(fd, length);
        if (r == 0)
                kill_if_fd("ftruncate", fd);
        return r;
}

int removexattr(const char *path, const char *name) {
        int r = REAL(removexattr)(path, name);
        if (r == 0)
                kill_if_path("removexattr", path);
        return r;
}

int fchownat(int dirfd, const char *path, uid_t owner, gid_t group, int flags) {
        int r = REAL(fchownat)(dirfd, path, owner, group, flags);
        if (r == 0 && !*path && (flags & AT_EMPTY_PATH))
                kill_if_fd("fchownat", dirfd);
        else if (r == 0)
                kill_if_path("fchownat", path);
        return r;
}

int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags) {
        int r = REAL(linkat)(olddirfd, oldpath, newdirfd, newpath, flags);
        if (r == 0)
                kill_if("linkat", newpath);
        return r;
}
