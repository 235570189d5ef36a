/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* What pci-mock.c shares with pci-mock-shared.c (the fake kernel's SR-IOV and mdev parts). Hidden: the shim is
 * preloaded into vxm's programs, whose own symbols these names must never shadow. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MOCK_INTERNAL __attribute__((visibility("hidden")))

MOCK_INTERNAL extern int (*real_open)(const char *, int, ...);
MOCK_INTERNAL extern ssize_t (*real_write)(int, const void *, size_t);
MOCK_INTERNAL extern int (*real_close)(int);

MOCK_INTERNAL void init(void);
MOCK_INTERNAL void mock_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* malloc'd $VXM_ROOT + the formatted path */
MOCK_INTERNAL char *rootp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
MOCK_INTERNAL int read_small(const char *path, char *buf, size_t size);
MOCK_INTERNAL int write_small(const char *path, const char *s);
/* the real directory of PCI device bdf, or NULL */
MOCK_INTERNAL char *device_dir(const char *bdf);
MOCK_INTERNAL bool file_exists(const char *p);
MOCK_INTERNAL void current_driver(const char *devdir, char *buf, size_t size);
MOCK_INTERNAL int do_bind(const char *bdf, const char *devdir, const char *driver);
MOCK_INTERNAL void vfio_node_update(const char *devdir);

/* pci-mock-shared.c: makes /dev/vfio/GROUP (root, 0600) as the kernel does, or removes it. */
MOCK_INTERNAL void mock_vfio_node(int group, bool present);
/* pci-mock-shared.c: acts on a write of value to dir/file (rel: the path below $VXM_ROOT) when it is an SR-IOV or
 * mdev attribute; returns 1 when it is not. */
MOCK_INTERNAL int mock_shared_write(const char *rel, const char *dir, const char *file, const char *value);
