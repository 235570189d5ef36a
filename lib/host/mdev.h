/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/uuid-util.h"

/* Mediated devices (Documentation/driver-api/vfio-mediated-device.rst): parents in /sys/class/mdev_bus/NAME with
 * their mdev_supported_types/TYPE/{available_instances,create,name,description,device_api,devices/}, and the devices
 * in /sys/bus/mdev/devices/UUID. Probing, the choice of a parent for Mdev=auto, the stable UUID of a guest's mdev,
 * creation and removal, and the records of what vxm created. */

typedef struct MdevType {
        char *id;          /* the directory name: "i915-GVTg_V5_4", "mbochs-medium" */
        char *name;        /* its name attribute, NULL when absent */
        char *description; /* NULL when absent; line breaks become "; " */
        char *device_api;  /* "vfio-pci" */
        unsigned available;
        char **devices; /* UUIDs of the mdevs of this type that exist, sorted */
} MdevType;

typedef struct MdevParent {
        char *name;    /* the entry in /sys/class/mdev_bus: a PCI address, or e.g. "mbochs" for a virtual parent */
        int numa_node; /* -1 unknown (virtual parents, single-node hosts) */
        MdevType *types;
        size_t n_types; /* sorted by id */
} MdevParent;

/* -ENOENT when name is not in /sys/class/mdev_bus. */
int mdev_parent_load(const char *name, MdevParent **ret);
MdevParent *mdev_parent_free(MdevParent *p);
static inline void mdev_parent_freep(MdevParent **p) {
        mdev_parent_free(*p);
}
#define _cleanup_mdev_parent_free_ __attribute__((cleanup(mdev_parent_freep)))
/* Every parent, sorted by name; a NULL-terminated array. */
int mdev_parents_load_all(MdevParent ***ret);
void mdev_parents_free(MdevParent **l);
static inline void mdev_parents_freep(MdevParent ***l) {
        mdev_parents_free(*l);
}
#define _cleanup_mdev_parents_free_ __attribute__((cleanup(mdev_parents_freep)))

const MdevType *mdev_parent_find_type(const MdevParent *p, const char *type);

/* Why parent cannot give this guest an mdev of type (not a parent: with the vendor's reason, e.g. i915.enable_gvt=1;
 * no such type: the list of its types; no free instance); NULL when it can. p is the loaded parent or NULL when
 * parent is not in /sys/class/mdev_bus. */
char *mdev_parent_problem(const char *parent, const MdevParent *p, const char *type);

/* Mdev=auto: among the parents offering type with a free instance, the one on node (when node >= 0), then the one with
 * the most free instances, then the first by name. NULL when there is none; mdev_auto_problem() then says why. */
const MdevParent *mdev_choose_parent(MdevParent *const *parents, const char *type, int node);
char *mdev_auto_problem(MdevParent *const *parents, const char *type);

/* The UUID of the index-th Mdev= line of guest, stable for this host: HMAC-SHA256 keyed with /etc/machine-id over a
 * vxm constant, the guest's name and the index, made a version 4 UUID (the scheme of systemd's
 * sd_id128_get_machine_app_specific()). Another host, guest or line gets another UUID; the same one every time. */
int mdev_uuid_derive(const char *guest, unsigned index, char ret[static UUID_STRLEN]);

/* NVIDIA's vGPU types (nvidia-NNN) need the VM's UUID to be the mdev's (QEMU -uuid). */
bool mdev_type_wants_vm_uuid(const char *type);

/* /sys/bus/mdev/devices/UUID */
char *mdev_device_path(const char *uuid);
bool mdev_exists(const char *uuid);
/* Its type (the mdev_type link) and parent (the directory it lives in); either pointer may be NULL. */
int mdev_device_info(const char *uuid, char **ret_type, char **ret_parent);
/* Its IOMMU group, or -errno. */
int mdev_device_group(const char *uuid);
/* Writes uuid to the type's create and checks that /sys/bus/mdev/devices/UUID then exists: a create the kernel
 * accepted but that made no device is an error here, not a riddle in QEMU later. Returns 0 or -errno (not logged). */
int mdev_create(const char *parent, const char *type, const char *uuid);
/* Writes 1 to its remove. The kernel holds that write until whoever has the device open (QEMU) lets go; this waits at
 * most timeout_ms for it, and returns -ETIMEDOUT after (the removal then still happens once it is let go). */
int mdev_remove(const char *uuid, unsigned timeout_ms);

/* What vxm-mdev did for one mdev, /run/vxm/.state/mdev/UUID, written before the change:
 *   VERSION=1  OWNER=NAME  INDEX=0  PARENT=mbochs  TYPE=mbochs-medium
 *   CREATED=yes|no       no: it existed already (mdevctl, by hand) and is left in place
 *   GROUP=12             its IOMMU group, once known: vxm-guest devices-up lends /dev/vfio/GROUP to the guest's
 *                        user (host/vfio-lend.h), as it does the groups of the guest's PCI devices */
typedef struct MdevRecord {
        char uuid[UUID_STRLEN];
        char *owner;
        unsigned index;
        char *parent;
        char *type;
        bool created;
        int group; /* -1 unknown */
} MdevRecord;

void mdev_record_done(MdevRecord *r);
void mdev_records_free(MdevRecord *l, size_t n);
int mdev_record_read(const char *uuid, MdevRecord *ret);
int mdev_record_write(const MdevRecord *r);
int mdev_record_remove(const char *uuid);
/* Every record of owner, by index. */
int mdev_records_of(const char *owner, MdevRecord **ret, size_t *ret_n);
