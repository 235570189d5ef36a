/* SPDX-License-Identifier: BSD-3-Clause */
/* Mediated devices on a fake sysfs: parents and their types, why a parent cannot serve (with the vendor's reason), the
 * choice of a parent for Mdev=auto (NUMA node, then free instances, then name), the guest's NUMA node, the stable
 * UUID of a guest's mdev, an mdev's type and parent, and the records (issue 11). */
#include <syslog.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "basic/strv.h"
#include "fake-pci.h"
#include "host/mdev.h"
#include "host/numa-node.h"
#include "log-capture.h"
#include "tap.h"

#define MBOCHS "/sys/devices/virtual/mbochs/mbochs"
#define IGPU "/sys/devices/pci0000:00/0000:00:02.0"
#define IGPU2 "/sys/devices/pci0000:00/0000:80:02.0"

/* mbochs (virtual, no node), and two Intel GPUs with GVT-g types on nodes 1 and 0. */
static void host_with_parents(void) {
        fake_root_new();
        fake_mdev_type(MBOCHS, "mbochs-small", 64, "virtual display, 4 MB video memory\n");
        fake_mdev_type(MBOCHS, "mbochs-medium", 16, "virtual display, 16 MB video memory\n");
        fake_mdev_parent("mbochs", MBOCHS, -2);

        fake_pci_device("0000:00:02.0", "0x030000", "0x8086", "0x3e92", "i915");
        fake_mdev_type(IGPU, "i915-GVTg_V5_4", 2,
                       "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n");
        fake_mdev_type(IGPU, "i915-GVTg_V5_8", 3, NULL);
        fake_mdev_parent("0000:00:02.0", IGPU, 1);

        fake_pci_device("0000:80:02.0", "0x030000", "0x8086", "0x3e92", "i915");
        fake_mdev_type(IGPU2, "i915-GVTg_V5_4", 5, NULL);
        fake_mdev_parent("0000:80:02.0", IGPU2, 0);
}

static void test_parents(void) {
        host_with_parents();
        _cleanup_mdev_parents_free_ MdevParent **all = NULL;
        tap_ok(mdev_parents_load_all(&all) == 0, "parents load");
        tap_ok(all[0] && all[1] && all[2] && !all[3], "three parents");
        if (!all[2])
                return;
        tap_is_str(all[0]->name, "0000:00:02.0", "sorted by name");
        tap_is_int(all[0]->numa_node, 1, "numa_node of a PCI parent");
        tap_is_int(all[2]->numa_node, -1, "a virtual parent has none");
        tap_is_str(all[2]->name, "mbochs", "the virtual parent by its mdev_bus name");
        const MdevType *t = mdev_parent_find_type(all[0], "i915-GVTg_V5_4");
        if (tap_ok(t != NULL, "type found")) {
                tap_is_int(t->available, 2, "available_instances");
                tap_is_str(t->description,
                           "low_gm_size: 128MB; high_gm_size: 512MB; fence: 4; resolution: 1920x1200; weight: 4",
                           "a description of several lines becomes one");
                tap_is_str(t->device_api, "vfio-pci", "device_api");
        }
        tap_ok(!mdev_parent_find_type(all[2], "i915-GVTg_V5_4"), "mbochs has no GVT-g type");
        tap_is_str(all[2]->types[0].id, "mbochs-medium", "types sorted");

        _cleanup_free_ char *why = mdev_parent_problem("mbochs", all[2], "mbochs-large");
        tap_is_str(why,
                   "mbochs offers no type mbochs-large; its types are: mbochs-medium (virtual display, 16 MB video "
                   "memory), mbochs-small (virtual display, 4 MB video memory)",
                   "an unknown type lists the parent's types");
        free(why);
        why = mdev_parent_problem("mbochs", all[2], "mbochs-small");
        tap_is_str(why, NULL, "a known type with free instances: no problem");
}

static void test_not_a_parent(void) {
        host_with_parents();
        fake_pci_device("0000:00:02.1", "0x030000", "0x8086", "0xa780", "i915");
        fake_pci_device("0000:01:00.0", "0x030000", "0x10de", "0x2684", "nvidia");
        fake_pci_device("0000:05:00.0", "0x020000", "0x8086", "0x1533", "igb");
        _cleanup_free_ char *why = mdev_parent_problem("0000:00:02.1", NULL, "i915-GVTg_V5_4");
        tap_ok(why &&
                       strstr(why, "offers no mediated devices (no mdev_supported_types). Intel GVT-g exists only on "
                                   "Gen5 to Gen10") &&
                       strstr(why, "i915.enable_gvt=1") && strstr(why, "VirtualFunction="),
               "Intel: GVT-g's limits and i915.enable_gvt=1: %s", why);
        free(why);
        why = mdev_parent_problem("0000:01:00.0", NULL, "nvidia-63");
        tap_ok(why && strstr(why, "only releases before 17 offer mediated devices"), "NVIDIA: 17+ has no mdev: %s",
               why);
        free(why);
        why = mdev_parent_problem("0000:05:00.0", NULL, "x");
        tap_ok(why && strstr(why, "its driver (igb) does not create them"), "other: its driver: %s", why);
        free(why);
        why = mdev_parent_problem("mtty", NULL, "x");
        tap_is_str(why,
                   "there is no mediated device parent mtty on this host (the parents in /sys/class/mdev_bus: "
                   "0000:00:02.0, 0000:80:02.0, mbochs)",
                   "an unknown name lists the parents");
        free(why);

        fake_root_new();
        why = mdev_parent_problem("mtty", NULL, "x");
        tap_ok(why && strstr(why, "no driver offers mediated devices"), "no parents at all: %s", why);
}

static void test_auto(void) {
        host_with_parents();
        _cleanup_mdev_parents_free_ MdevParent **all = NULL;
        mdev_parents_load_all(&all);

        const MdevParent *p = mdev_choose_parent(all, "i915-GVTg_V5_4", 1);
        tap_is_str(p ? p->name : NULL, "0000:00:02.0", "node 1: the parent there, though it has fewer instances");
        p = mdev_choose_parent(all, "i915-GVTg_V5_4", 0);
        tap_is_str(p ? p->name : NULL, "0000:80:02.0", "node 0: the parent there");
        p = mdev_choose_parent(all, "i915-GVTg_V5_4", -1);
        tap_is_str(p ? p->name : NULL, "0000:80:02.0", "no node: the most free instances");
        p = mdev_choose_parent(all, "mbochs-medium", 1);
        tap_is_str(p ? p->name : NULL, "mbochs", "a parent without a node serves any node when it is the only one");

        /* The parent on the node has no free instance: the other one, though it is far. */
        fake_root_write(IGPU "/mdev_supported_types/i915-GVTg_V5_4/available_instances", "0\n");
        fake_root_write(IGPU2 "/mdev_supported_types/i915-GVTg_V5_4/available_instances", "1\n");
        mdev_parents_free(all);
        mdev_parents_load_all(&all);
        p = mdev_choose_parent(all, "i915-GVTg_V5_4", 1);
        tap_is_str(p ? p->name : NULL, "0000:80:02.0", "node 1 is full: node 0");

        /* Equal instances, no node: by name. */
        fake_root_write(IGPU "/mdev_supported_types/i915-GVTg_V5_4/available_instances", "1\n");
        mdev_parents_free(all);
        mdev_parents_load_all(&all);
        p = mdev_choose_parent(all, "i915-GVTg_V5_4", -1);
        tap_is_str(p ? p->name : NULL, "0000:00:02.0", "a tie: the first by name");

        fake_root_write(IGPU "/mdev_supported_types/i915-GVTg_V5_4/available_instances", "0\n");
        fake_root_write(IGPU2 "/mdev_supported_types/i915-GVTg_V5_4/available_instances", "0\n");
        mdev_parents_free(all);
        mdev_parents_load_all(&all);
        tap_ok(!mdev_choose_parent(all, "i915-GVTg_V5_4", 1), "all full: none");
        _cleanup_free_ char *why = mdev_auto_problem(all, "i915-GVTg_V5_4");
        tap_is_str(why,
                   "no parent has a free instance of type i915-GVTg_V5_4 (available_instances=0 on 0000:00:02.0, "
                   "0000:80:02.0). Stop a guest that uses one, or pick a smaller type.",
                   "says which parents are full");
        free(why);
        why = mdev_auto_problem(all, "nvidia-63");
        tap_is_str(why,
                   "no parent on this host offers type nvidia-63 (the parents are 0000:00:02.0, 0000:80:02.0, mbochs; "
                   "vxm gpus lists their types).",
                   "nobody offers the type");
        free(why);
        why = mdev_parent_problem("0000:00:02.0", all[0], "i915-GVTg_V5_4");
        tap_ok(why && strstr(why, "has no free instance (available_instances=0; 0 exist)"), "a full type: %s", why);
}

static void test_numa(void) {
        fake_root_new();
        tap_is_int(numa_node_most_free(), -1, "no NUMA information: -1");
        fake_root_write("/sys/devices/system/node/node0/meminfo",
                        "Node 0 MemTotal: 8000 kB\nNode 0 MemFree: 1000 kB\n");
        fake_root_write("/sys/devices/system/node/node0/cpulist", "0-3,8-11\n");
        fake_root_write("/sys/devices/system/node/node1/meminfo",
                        "Node 1 MemTotal: 8000 kB\nNode 1 MemFree: 5000 kB\n");
        fake_root_write("/sys/devices/system/node/node1/cpulist", "4-7,12-15\n");
        fake_root_mkdir("/sys/devices/system/node/possible-not-a-node");
        tap_is_int(numa_node_most_free(), 1, "node 1 has the most free memory");
        unsigned cpus[] = { 8, 9, 5 };
        tap_is_int(numa_node_of_cpus(cpus, 3), 0, "CPUs 8,9,5: most on node 0");
        unsigned far[] = { 12, 13 };
        tap_is_int(numa_node_of_cpus(far, 2), 1, "CPUs 12,13: node 1");
        unsigned none[] = { 40 };
        tap_is_int(numa_node_of_cpus(none, 1), -1, "an unknown CPU: no node");

        Guest g = { .name = (char *) "x" };
        tap_is_int(guest_numa_node(&g), 1, "a guest without pinned CPUs: the node with the most free memory");
}

static void test_uuid(void) {
        fake_root_new();
        char u[UUID_STRLEN], v[UUID_STRLEN];
        tap_is_int(mdev_uuid_derive("win", 0, u), -ENOENT, "no /etc/machine-id: -ENOENT");
        fake_root_write("/etc/machine-id", "not-an-id\n");
        tap_is_int(mdev_uuid_derive("win", 0, u), -EBADMSG, "a bad machine ID: -EBADMSG");

        fake_root_write("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        tap_ok(mdev_uuid_derive("win", 0, u) == 0, "derived");
        /* Pinned: a change of the derivation would give every existing guest a new mdev. */
        tap_is_str(u, "389728dd-aea3-486d-a9ce-d7488353e9dd",
                   "the UUID of win, line 1, on this machine ID (checked with Python's hmac)");
        tap_ok(u[14] == '4' && strchr("89ab", u[19]), "a version 4 UUID, variant 10");
        mdev_uuid_derive("win", 0, v);
        tap_is_str(v, u, "the same every time");
        mdev_uuid_derive("win", 1, v);
        tap_ok(strcmp(u, v) != 0, "another line, another UUID");
        mdev_uuid_derive("wi", 0, v);
        tap_ok(strcmp(u, v) != 0, "another guest, another UUID");
        fake_root_write("/etc/machine-id", "fedcba9876543210fedcba9876543210\n");
        mdev_uuid_derive("win", 0, v);
        tap_ok(strcmp(u, v) != 0, "another host, another UUID");

        tap_ok(mdev_type_wants_vm_uuid("nvidia-63"), "NVIDIA's types want -uuid");
        tap_ok(!mdev_type_wants_vm_uuid("i915-GVTg_V5_4") && !mdev_type_wants_vm_uuid("mbochs-medium"),
               "the others do not");
}

static void test_devices_and_records(void) {
        host_with_parents();
        const char *uuid = "6e2b9d41-c705-4a8e-931f-5cd27708a63b";
        tap_ok(!mdev_exists(uuid), "no such mdev yet");
        fake_mdev_device(MBOCHS, "mbochs-medium", uuid, 14);
        tap_ok(mdev_exists(uuid), "it exists");
        _cleanup_free_ char *type = NULL, *parent = NULL;
        tap_ok(mdev_device_info(uuid, &type, &parent) == 0, "info");
        tap_is_str(type, "mbochs-medium", "its type from mdev_type");
        tap_is_str(parent, "mbochs", "its parent from where it lives");
        tap_is_int(mdev_device_group(uuid), 14, "its IOMMU group");
        _cleanup_mdev_parent_free_ MdevParent *p = NULL;
        tap_ok(mdev_parent_load("mbochs", &p) == 0, "mbochs loads");
        const MdevType *t = mdev_parent_find_type(p, "mbochs-medium");
        tap_ok(t && t->devices && strcmp(t->devices[0], uuid) == 0 && !t->devices[1], "the type lists the mdev");
        tap_is_int(mdev_parent_load("../x", &p), -ENOENT, "no parent by a path");

        MdevRecord r = { .owner = xstrdup("win"),
                         .index = 1,
                         .parent = xstrdup("mbochs"),
                         .type = xstrdup("mbochs-medium"),
                         .created = true,
                         .group = 14 };
        snprintf(r.uuid, sizeof r.uuid, "%s", uuid);
        tap_ok(mdev_record_write(&r) == 0, "record written");
        MdevRecord back;
        tap_ok(mdev_record_read(uuid, &back) == 0, "and read back");
        tap_ok(strcmp(back.owner, "win") == 0 && back.index == 1 && strcmp(back.parent, "mbochs") == 0 &&
                       strcmp(back.type, "mbochs-medium") == 0 && back.created && back.group == 14,
               "every field survives");
        mdev_record_done(&back);

        snprintf(r.uuid, sizeof r.uuid, "%s", "00000000-0000-4000-8000-000000000000");
        r.index = 0;
        r.created = false;
        mdev_record_write(&r);
        MdevRecord *l;
        size_t n;
        tap_ok(mdev_records_of("win", &l, &n) == 0 && n == 2, "two records of win");
        if (n == 2)
                tap_ok(l[0].index == 0 && !l[0].created && l[1].index == 1, "by index; the first existed before");
        mdev_records_free(l, n);
        mdev_record_done(&r);

        fake_root_write("/run/vxm/.state/mdev/11111111-1111-4111-8111-111111111111",
                        "VERSION=1\nOWNER=win\nINDEX=2\nPARENT=mbochs\nTYPE=mbochs-small\nCREATED=maybe\n");
        tap_is_int(mdev_record_read("11111111-1111-4111-8111-111111111111", &back), -EBADMSG,
                   "a damaged record is refused");
        tap_ok(mdev_records_of("win", &l, &n) == 0 && n == 2, "and not listed");
        mdev_records_free(l, n);
}

int main(void) {
        log_set_max_level(LOG_NOTICE);
        log_set_sink(sink, NULL);

        test_parents();
        test_not_a_parent();
        test_auto();
        test_numa();
        test_uuid();
        test_devices_and_records();

        fake_root_clear();
        messages_clear();
        return tap_done();
}
