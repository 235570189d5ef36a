/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"

/* As many links as the kernel follows in one lookup (MAXSYMLINKS). */
#define SAFE_OPEN_LINKS_MAX 40

bool uid_is_trusted(uid_t uid) {
        return uid == 0 || (root_prefix()[0] != '\0' && uid == geteuid());
}

bool stat_is_root_only(const struct stat *st) {
        return uid_is_trusted(st->st_uid) && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

char *stat_why_not_root_only(const struct stat *st) {
        _cleanup_free_ char *owner = NULL;
        if (!uid_is_trusted(st->st_uid)) {
                struct passwd *pw = getpwuid(st->st_uid);
                owner = pw ? xasprintf("owned by uid %u (%s)", (unsigned) st->st_uid, pw->pw_name)
                           : xasprintf("owned by uid %u", (unsigned) st->st_uid);
        }
        bool g = st->st_mode & S_IWGRP, o = st->st_mode & S_IWOTH;
        const char *writable = g && o ? "writable by its group and by others"
                               : g    ? "writable by its group"
                               : o    ? "writable by others"
                                      : NULL;
        return xasprintf("is %s%s%s", owner ?: "", owner && writable ? " and " : "", writable ?: "");
}

const char *file_type_to_string(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFREG:
                return "a regular file";
        case S_IFDIR:
                return "a directory";
        case S_IFLNK:
                return "a symbolic link";
        case S_IFIFO:
                return "a FIFO";
        case S_IFSOCK:
                return "a socket";
        case S_IFCHR:
                return "a character device";
        case S_IFBLK:
                return "a block device";
        default:
                return "a file of unknown type";
        }
}

/* "where" + "/" + name, for messages; where is "" at the root. */
static char *path_join(const char *where, const char *name) {
        return xasprintf("%s/%s", where, name);
}

/* Opens the walk's starting point, VXM_ROOT or "/". */
static int open_root_dir(void) {
        const char *prefix = root_prefix();
        int fd = open(*prefix ? prefix : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* The target of the symbolic link that fd (O_PATH|O_NOFOLLOW) refers to. */
static int read_link_fd(int fd, char **ret) {
        char buf[PATH_MAX];
        ssize_t n = readlinkat(fd, "", buf, sizeof buf - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret = xstrdup(buf);
        return 0;
}

/* Reopens an O_PATH fd for reading. Through /proc/self/fd the very inode that was checked is opened; without /proc,
 * the name is opened again and must still be that inode. */
static int reopen_checked(int fd, int dir, const char *name, const struct stat *st) {
        _cleanup_free_ char *proc = xasprintf("/proc/self/fd/%d", fd);
        int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        int r = open(proc, flags);
        if (r >= 0 || errno != ENOENT)
                return r >= 0 ? r : -errno;

        _cleanup_close_ int again = openat(dir, name, flags | O_NOFOLLOW);
        struct stat now;
        if (again < 0)
                return -errno;
        if (fstat(again, &now) < 0)
                return -errno;
        if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
                return -EAGAIN; /* replaced while we looked */
        return TAKE_FD(again);
}

int root_open_safe(const char *path, SafeOpenFlags flags, char **ret_reason) {
        *ret_reason = NULL;
        if (path[0] != '/')
                return -EINVAL;

        _cleanup_free_ char *todo = xstrdup(path), *where = xstrdup("");
        _cleanup_close_ int dir = -1;
        unsigned links = 0;

        for (;;) {
                if (todo[0] == '/') {
                        /* The start, or an absolute link target: from the top again. */
                        closep(&dir);
                        dir = open_root_dir();
                        if (dir < 0)
                                return dir;
                        free(where);
                        where = xstrdup("");
                }

                char *name = todo + strspn(todo, "/");
                if (!*name) {
                        *ret_reason = xasprintf("%s is a directory, not a regular file", *where ? where : "/");
                        return -EBADMSG;
                }
                size_t len = strcspn(name, "/");
                char *rest = name + len + strspn(name + len, "/");
                bool last = *rest == '\0';
                name[len] = '\0';

                if (strcmp(name, ".") == 0 && !last) {
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }

                struct stat dir_st, st;
                if (fstat(dir, &dir_st) < 0)
                        return -errno;
                /* ".." at the top stays there, as the kernel does at "/" (and so a walk never leaves VXM_ROOT). */
                _cleanup_close_ int fd = strcmp(name, "..") == 0 && !*where
                                                 ? fcntl(dir, F_DUPFD_CLOEXEC, 3)
                                                 : openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;

                _cleanup_free_ char *here = strcmp(name, "..") == 0 ? NULL : path_join(where, name);
                if (!here) {
                        char *slash = strrchr(where, '/');
                        here = slash ? xstrndup(where, (size_t) (slash - where)) : xstrdup("");
                }

                if (S_ISLNK(st.st_mode)) {
                        if (last && (flags & SAFE_OPEN_NOFOLLOW)) {
                                *ret_reason = xasprintf("%s is a symbolic link", here);
                                return -ELOOP;
                        }
                        if (!stat_is_root_only(&dir_st)) {
                                _cleanup_free_ char *why = stat_why_not_root_only(&dir_st);
                                *ret_reason = xasprintf("%s is a symbolic link in %s, which %s: vxm does not follow "
                                                        "links that a user other than root can change",
                                                        here, *where ? where : "/", why);
                                return -ELOOP;
                        }
                        if (++links > SAFE_OPEN_LINKS_MAX)
                                return -ELOOP;
                        _cleanup_free_ char *target = NULL;
                        int r = read_link_fd(fd, &target);
                        if (r < 0)
                                return r;
                        /* The link's target takes its place; a relative one is resolved from the same directory. */
                        char *next = last ? xstrdup(target) : xasprintf("%s/%s", target, rest);
                        free(todo);
                        todo = next;
                        continue;
                }

                if (!last) {
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                        closep(&dir);
                        dir = TAKE_FD(fd);
                        free(where);
                        where = TAKE_PTR(here);
                        memmove(todo, rest, strlen(rest) + 1);
                        continue;
                }

                bool block = (flags & SAFE_OPEN_BLOCK_DEVICE) && S_ISBLK(st.st_mode);
                if (!S_ISREG(st.st_mode) && !block) {
                        *ret_reason = xasprintf("%s is %s, not a regular file%s", here, file_type_to_string(st.st_mode),
                                                flags & SAFE_OPEN_BLOCK_DEVICE ? " or a block device" : "");
                        return -EBADMSG;
                }
                return reopen_checked(fd, dir, name, &st);
        }
}
