/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake PCI kernel for the vxm-vfio tests, in the style of libvirt's tests/virpcimock.c: an LD_PRELOAD shim that
 * watches writes to the sysfs attributes of the fake tree under $VXM_ROOT and acts on them the way the kernel does,
 * so the helper runs its real sequence against regular files and symlinks.
 *
 *   devices/BDF/driver_override   stores the value ("(null)" when cleared with a lone newline)
 *   drivers/X/unbind              removes the driver link (EINVAL... ENODEV if not bound to X)
 *   drivers/X/bind                binds if X matches (override, or the device's native driver)
 *   drivers_probe                 binds an unbound device to its override, else to its native driver
 *   drivers/X/new_id, remove_id   accepted, ignored
 * Binding to vfio-pci creates $VXM_ROOT/dev/vfio/GROUP (root, 0600); the last group member leaving vfio-pci
 * removes it.
 *
 * SR-IOV and mediated devices (sriov_numvfs, mdev create/remove): pci-mock-shared.c.
 *
 * Fixture conventions (written by fake-sysfs.sh, never read by vxm):
 *   DEVDIR/.mock-driver                 the driver that claims the device by its IDs ("native" driver)
 *   drivers/X/.mock-fail-probe          X's probe fails: the device stays without a driver
 *   drivers/X/.mock-fail-unbind         unbind from X returns EBUSY
 * Environment:
 *   VXM_MOCK_LOG=FILE      one line per kernel action, for the tests to check the sequence
 *   VXM_MOCK_HANG=ACTION   after ACTION (override, unbind, probe) succeeds, create $VXM_MOCK_HANG_FILE and stop
 *                          forever (for SIGKILL tests)
 */
/* Both open() and open64() are interposed, so the 64-bit redirection of <fcntl.h> must not rename one into the
 * other (meson builds with -D_FILE_OFFSET_BITS=64; its off_t is 64-bit on the platforms vxm supports anyway). */
#undef _FILE_OFFSET_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pci-mock.h"

#define MAX_FDS 4096

int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
ssize_t (*real_write)(int, const void *, size_t);
int (*real_close)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);

static char *tracked[MAX_FDS];
static char root[PATH_MAX];
static size_t root_len;

void init(void) {
        if (real_write)
                return;
        real_open = dlsym(RTLD_NEXT, "open");
        real_open64 = dlsym(RTLD_NEXT, "open64");
        real_openat = dlsym(RTLD_NEXT, "openat");
        real_openat64 = dlsym(RTLD_NEXT, "openat64");
        real_close = dlsym(RTLD_NEXT, "close");
        real_write = dlsym(RTLD_NEXT, "write");
        real_dup2 = dlsym(RTLD_NEXT, "dup2");
        real_dup3 = dlsym(RTLD_NEXT, "dup3");
        const char *r = getenv("VXM_ROOT");
        if (r && *r && realpath(r, root))
                root_len = strlen(root);
}

void mock_log(const char *fmt, ...) {
        const char *p = getenv("VXM_MOCK_LOG");
        if (!p)
                return;
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof buf - 2)
                n = sizeof buf - 2;
        buf[n++] = '\n';
        int fd = real_open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
                if (real_write(fd, buf, (size_t) n) < 0) {
                }
                real_close(fd);
        }
}

static void maybe_hang(const char *action) {
        const char *h = getenv("VXM_MOCK_HANG"), *f = getenv("VXM_MOCK_HANG_FILE");
        if (!h || strcmp(h, action) != 0)
                return;
        mock_log("hang after %s", action);
        if (f) {
                int fd = real_open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (fd >= 0)
                        real_close(fd);
        }
        for (;;)
                pause();
}

/* The canonical path of what is being opened: symlinks in the directory part resolved, as the kernel would. */
static char *canonical(int dirfd, const char *path) {
        if (path[0] != '/' && dirfd != AT_FDCWD)
                return NULL; /* vxm only opens absolute paths */
        char *copy = strdup(path);
        if (!copy)
                return NULL;
        char *slash = strrchr(copy, '/'), dir[PATH_MAX], *out = NULL;
        const char *base = slash ? slash + 1 : copy;
        const char *parent = !slash ? "." : slash == copy ? "/" : copy;
        if (slash && slash != copy)
                *slash = '\0';
        if (realpath(parent, dir) && asprintf(&out, "%s/%s", dir, base) < 0)
                out = NULL;
        free(copy);
        return out;
}

static bool under_root(const char *p, const char *sub) {
        size_t n = strlen(sub);
        return root_len > 0 && strncmp(p, root, root_len) == 0 && strncmp(p + root_len, sub, n) == 0;
}

static void track(int fd, int dirfd, const char *path, int flags) {
        init();
        if (fd < 0 || fd >= MAX_FDS || (flags & O_ACCMODE) == O_RDONLY || root_len == 0)
                return;
        char *c = canonical(dirfd, path);
        if (!c)
                return;
        if (under_root(c, "/sys/")) {
                free(tracked[fd]);
                tracked[fd] = c;
        } else
                free(c);
}

#define OPEN_MODE(flags, mode)                                                                                         \
        do {                                                                                                           \
                if ((flags) & (O_CREAT | O_TMPFILE)) {                                                                 \
                        va_list ap;                                                                                    \
                        va_start(ap, flags);                                                                           \
                        mode = va_arg(ap, int);                                                                        \
                        va_end(ap);                                                                                    \
                }                                                                                                      \
        } while (0)

int open(const char *path, int flags, ...) {
        int mode = 0;
        init();
        OPEN_MODE(flags, mode);
        int fd = real_open(path, flags, mode);
        track(fd, AT_FDCWD, path, flags);
        return fd;
}

int open64(const char *path, int flags, ...) {
        int mode = 0;
        init();
        OPEN_MODE(flags, mode);
        int fd = real_open64(path, flags, mode);
        track(fd, AT_FDCWD, path, flags);
        return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
        int mode = 0;
        init();
        OPEN_MODE(flags, mode);
        int fd = real_openat(dirfd, path, flags, mode);
        track(fd, dirfd, path, flags);
        return fd;
}

int openat64(int dirfd, const char *path, int flags, ...) {
        int mode = 0;
        init();
        OPEN_MODE(flags, mode);
        int fd = real_openat64(dirfd, path, flags, mode);
        track(fd, dirfd, path, flags);
        return fd;
}

/* A shell redirection (and dd) opens the attribute, then writes through a duplicate of that descriptor. */
static void track_dup(int from, int to) {
        if (from < 0 || from >= MAX_FDS || to < 0 || to >= MAX_FDS || from == to)
                return;
        free(tracked[to]);
        tracked[to] = tracked[from] ? strdup(tracked[from]) : NULL;
}

int dup2(int from, int to) {
        init();
        int r = real_dup2(from, to);
        if (r >= 0)
                track_dup(from, r);
        return r;
}

int dup3(int from, int to, int flags) {
        init();
        int r = real_dup3(from, to, flags);
        if (r >= 0)
                track_dup(from, r);
        return r;
}

int close(int fd) {
        init();
        if (fd >= 0 && fd < MAX_FDS) {
                free(tracked[fd]);
                tracked[fd] = NULL;
        }
        return real_close(fd);
}

/* ---- the fake kernel ---- */

char *rootp(const char *fmt, ...) {
        char rel[PATH_MAX], *out;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rel, sizeof rel, fmt, ap);
        va_end(ap);
        if (asprintf(&out, "%s%s", root, rel) < 0)
                abort();
        return out;
}

int read_small(const char *path, char *buf, size_t size) {
        int fd = real_open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        real_close(fd);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int write_small(const char *path, const char *s) {
        int fd = real_open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        ssize_t n = real_write(fd, s, strlen(s));
        real_close(fd);
        return n < 0 ? -errno : 0;
}

/* The real directory of device BDF, or NULL. */
char *device_dir(const char *bdf) {
        char *p = rootp("/sys/bus/pci/devices/%s", bdf), *r = realpath(p, NULL);
        free(p);
        return r;
}

bool file_exists(const char *p) {
        return access(p, F_OK) == 0;
}

/* Name of the driver bound to devdir, into buf; "" if none. */
void current_driver(const char *devdir, char *buf, size_t size) {
        char link[PATH_MAX], target[PATH_MAX];
        snprintf(link, sizeof link, "%s/driver", devdir);
        ssize_t n = readlink(link, target, sizeof target - 1);
        buf[0] = '\0';
        if (n <= 0)
                return;
        target[n] = '\0';
        snprintf(buf, size, "%s", basename(target));
}

static int iommu_group(const char *devdir) {
        char link[PATH_MAX], target[PATH_MAX];
        snprintf(link, sizeof link, "%s/iommu_group", devdir);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
                return -1;
        target[n] = '\0';
        return atoi(basename(target));
}

/* Is any device of the group on vfio-pci? */
static bool group_on_vfio(int group) {
        char *dir = rootp("/sys/kernel/iommu_groups/%d/devices", group);
        DIR *d = opendir(dir);
        bool found = false;
        struct dirent *de;
        while (d && !found && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char *dev = device_dir(de->d_name), drv[256];
                if (dev) {
                        current_driver(dev, drv, sizeof drv);
                        found = strcmp(drv, "vfio-pci") == 0;
                        free(dev);
                }
        }
        if (d)
                closedir(d);
        free(dir);
        return found;
}

void vfio_node_update(const char *devdir) {
        int g = iommu_group(devdir);
        if (g < 0)
                return;
        char *node = rootp("/dev/vfio/%d", g);
        bool want = group_on_vfio(g);
        if (want != file_exists(node))
                mock_vfio_node(g, want);
        free(node);
}

int do_bind(const char *bdf, const char *devdir, const char *driver) {
        char *drvdir = rootp("/sys/bus/pci/drivers/%s", driver);
        char *fail = rootp("/sys/bus/pci/drivers/%s/.mock-fail-probe", driver);
        int r = 0;
        if (!file_exists(drvdir))
                r = -ENODEV;
        else if (file_exists(fail)) {
                mock_log("probe %s by %s failed", bdf, driver);
                r = -ENXIO;
        } else {
                char link[PATH_MAX], back[PATH_MAX];
                snprintf(link, sizeof link, "%s/driver", devdir);
                snprintf(back, sizeof back, "%s/%s", drvdir, bdf);
                if (symlink(drvdir, link) < 0 || symlink(devdir, back) < 0)
                        r = -errno;
                else {
                        mock_log("bind %s %s", bdf, driver);
                        if (strcmp(driver, "vfio-pci") == 0)
                                vfio_node_update(devdir);
                }
        }
        free(drvdir);
        free(fail);
        return r;
}

/* Which driver takes the device: driver_override if set, else the one that matches its IDs. */
static void matching_driver(const char *devdir, char *buf, size_t size) {
        char p[PATH_MAX], v[256];
        snprintf(p, sizeof p, "%s/driver_override", devdir);
        if (read_small(p, v, sizeof v) >= 0 && strcmp(v, "(null)") != 0 && *v) {
                snprintf(buf, size, "%s", v);
                return;
        }
        snprintf(p, sizeof p, "%s/.mock-driver", devdir);
        if (read_small(p, v, sizeof v) < 0)
                v[0] = '\0';
        snprintf(buf, size, "%s", v);
}

static int kernel_override(const char *devdir, const char *value) {
        char p[PATH_MAX], *bdf = basename((char *) devdir);
        snprintf(p, sizeof p, "%s/driver_override", devdir);
        int r = write_small(p, *value ? value : "(null)");
        (void) r;
        mock_log("override %s %s", bdf, *value ? value : "(null)");
        maybe_hang("override");
        return 0;
}

static int kernel_unbind(const char *driver, const char *bdf) {
        char *devdir = device_dir(bdf), drv[256];
        int r = 0;
        if (!devdir)
                return -ENODEV;
        current_driver(devdir, drv, sizeof drv);
        char *fail = rootp("/sys/bus/pci/drivers/%s/.mock-fail-unbind", driver);
        if (strcmp(drv, driver) != 0)
                r = -ENODEV;
        else if (file_exists(fail))
                r = -EBUSY;
        else {
                char link[PATH_MAX];
                snprintf(link, sizeof link, "%s/driver", devdir);
                unlink(link);
                char *back = rootp("/sys/bus/pci/drivers/%s/%s", driver, bdf);
                unlink(back);
                free(back);
                mock_log("unbind %s %s", bdf, driver);
                if (strcmp(driver, "vfio-pci") == 0)
                        vfio_node_update(devdir);
        }
        free(fail);
        free(devdir);
        if (r == 0)
                maybe_hang("unbind");
        return r;
}

static int kernel_bind(const char *driver, const char *bdf) {
        char *devdir = device_dir(bdf), drv[256], match[256];
        int r;
        if (!devdir)
                return -ENODEV;
        current_driver(devdir, drv, sizeof drv);
        matching_driver(devdir, match, sizeof match);
        if (*drv)
                r = -EBUSY;
        else if (strcmp(match, driver) != 0)
                r = -ENODEV;
        else
                r = do_bind(bdf, devdir, driver);
        free(devdir);
        return r;
}

static int kernel_probe(const char *bdf) {
        char *devdir = device_dir(bdf), drv[256], match[256];
        if (!devdir)
                return -ENODEV;
        current_driver(devdir, drv, sizeof drv);
        mock_log("probe %s", bdf);
        if (!*drv) {
                matching_driver(devdir, match, sizeof match);
                if (*match)
                        (void) do_bind(bdf, devdir, match); /* a failing probe is not the writer's error */
        }
        free(devdir);
        maybe_hang("probe");
        return 0;
}

static int kernel_write(const char *path, const char *buf, size_t n) {
        char value[256];
        if (n >= sizeof value)
                return -EINVAL;
        memcpy(value, buf, n);
        value[n] = '\0';
        value[strcspn(value, "\n")] = '\0';

        const char *rel = path + root_len;
        char dir[PATH_MAX], file[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        *slash = '\0';
        snprintf(file, sizeof file, "%s", slash + 1);

        if (strcmp(rel, "/sys/bus/pci/drivers_probe") == 0)
                return kernel_probe(value);
        if (strcmp(file, "driver_override") == 0)
                return kernel_override(dir, value);
        int r = mock_shared_write(rel, dir, file, value);
        if (r != 1)
                return r;
        if (strncmp(rel, "/sys/bus/pci/drivers/", 21) == 0) {
                const char *driver = basename(dir);
                if (strcmp(file, "unbind") == 0)
                        return kernel_unbind(driver, value);
                if (strcmp(file, "bind") == 0)
                        return kernel_bind(driver, value);
                if (strcmp(file, "new_id") == 0 || strcmp(file, "remove_id") == 0)
                        return 0;
        }
        return 1; /* not a kernel attribute: a plain write */
}

ssize_t write(int fd, const void *buf, size_t n) {
        init();
        if (fd >= 0 && fd < MAX_FDS && tracked[fd]) {
                int r = kernel_write(tracked[fd], buf, n);
                if (r < 0) {
                        errno = -r;
                        return -1;
                }
                if (r == 0)
                        return (ssize_t) n;
        }
        return real_write(fd, buf, n);
}
