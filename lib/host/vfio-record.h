/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* What vxm-vfio changed for one device, in /run/vxm/.state/vfio/BDF. It is written before the first change, so that
 * "vxm-vfio unbind" restores the host's state after a failed bind, a crash, or a SIGKILL half-way. A device without a
 * record was not bound by vxm and is never touched by unbind. */

#define VFIO_RECORD_DIR "/run/vxm/.state/vfio"

typedef struct VfioRecord {
        bool bound_by_vxm;     /* false: it was on vfio-pci before vxm came along; unbind leaves the binding alone */
        char *driver;          /* the driver before, NULL: none */
        char *driver_override; /* driver_override before, NULL: unset */
        int group;             /* IOMMU group, -1 unknown */
        bool node_changed;     /* vxm changed the owner of /dev/vfio/GROUP; the values below were there before */
        uid_t node_uid;
        gid_t node_gid;
        mode_t node_mode;
} VfioRecord;

#define VFIO_RECORD_INIT                                                                                               \
        { .group = -1 }

void vfio_record_done(VfioRecord *r);

/* The file's text. bdf goes into a comment only. */
char *vfio_record_format(const VfioRecord *r, const char *bdf);
/* Parses the text; -EBADMSG (with *line set to the bad line number, 0 for a missing key) on anything unexpected. */
int vfio_record_parse(const char *text, VfioRecord *ret, unsigned *line);

/* -ENOENT when there is no record; -EBADMSG when it cannot be parsed. */
int vfio_record_read(const char *bdf, VfioRecord *ret);
/* Creates /run/vxm/.state/vfio if needed and replaces the record atomically. */
int vfio_record_write(const char *bdf, const VfioRecord *r);
/* 0 also when there is none. */
int vfio_record_remove(const char *bdf);
