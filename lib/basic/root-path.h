/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Every absolute path that a vxm program reads or writes on the host (/etc, /run, /usr/lib/vxm, /proc, /sys, /dev,
 * /var/lib) goes through these, so that $VXM_ROOT points the whole program at a fake tree in tests. */

/* "" when VXM_ROOT is unset or empty, else VXM_ROOT without trailing slashes. */
const char *root_prefix(void);
/* Re-reads VXM_ROOT (tests that change it mid-process). */
void root_reset(void);
/* malloc'd VXM_ROOT + path. path must be absolute. */
char *root_path(const char *path);

int root_open(const char *path, int flags, mode_t mode);
FILE *root_fopen(const char *path, const char *mode);
DIR *root_opendir(const char *path);
bool root_exists(const char *path);
int root_stat(const char *path, struct stat *st);
int root_lstat(const char *path, struct stat *st);

/* First line without its newline. Returns 0 or -errno. */
int root_read_line(const char *path, char **ret);
/* Whole file (small files only: sysfs, procfs, state). */
int root_read_file(const char *path, char **ret, size_t *size);
/* The rest of an open file, NUL-terminated (at most 16 MiB, else -EFBIG). */
int read_full_fd(int fd, char **ret, size_t *size);
/* One write(2) of s, the way sysfs attributes want it. Returns 0 or -errno (the kernel's answer). */
int root_write_string(const char *path, const char *s);
/* Atomically replaces path (write to a temp file, fsync, rename). */
int root_write_file_atomic(const char *path, const char *content, mode_t mode);
/* Removes a file written by root_write_file_atomic(), and the temp file a writer killed half-way may have left. */
int root_unlink_atomic(const char *path);
/* Target of a symlink, as stored. */
int root_readlink(const char *path, char **ret);
/* Last path component of the symlink target (e.g. the driver name from .../driver). */
int root_readlink_basename(const char *path, char **ret);
int root_mkdir_p(const char *path, mode_t mode);
int root_unlink(const char *path);
