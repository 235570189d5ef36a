/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "basic/sha256.h"
#include "basic/strv.h"
#include "config/pci-address.h"
#include "host/mdev.h"
#include "host/numa-node.h"
#include "host/pci-sysfs.h"
#include "host/state-file.h"

#define MDEV_BUS "/sys/class/mdev_bus"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

/* --- probing --- */

static char *read_attr(const char *dir, const char *attr) {
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, attr), *text = NULL;
        if (root_read_file(p, &text, NULL) < 0)
                return NULL;
        /* One line, trailing blanks dropped: descriptions span several lines (i915: one per property). */
        size_t n = strlen(text);
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
                text[--n] = '\0';
        char *out = xmalloc(2 * n + 1), *o = out;
        for (const char *c = text; *c; c++)
                if (*c == '\n')
                        o = stpcpy(o, "; ");
                else
                        *o++ = (unsigned char) *c < ' ' ? ' ' : *c;
        *o = '\0';
        return out;
}

static void type_done(MdevType *t) {
        free(t->id);
        free(t->name);
        free(t->description);
        free(t->device_api);
        strv_free(t->devices);
}

static int compare_types(const void *a, const void *b) {
        return strcmp(((const MdevType *) a)->id, ((const MdevType *) b)->id);
}

static void load_type(const char *types_dir, const char *id, MdevType *t) {
        _cleanup_free_ char *dir = xasprintf("%s/%s", types_dir, id), *avail = read_attr(dir, "available_instances");
        unsigned long v = 0;
        *t = (MdevType){ .id = xstrdup(id) };
        if (avail)
                (void) parse_unsigned(avail, 1U << 30, &v);
        t->available = (unsigned) v;
        t->name = read_attr(dir, "name");
        t->description = read_attr(dir, "description");
        t->device_api = read_attr(dir, "device_api");

        _cleanup_free_ char *devices = xasprintf("%s/devices", dir);
        _cleanup_closedir_ DIR *d = root_opendir(devices);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        strv_push(&t->devices, de->d_name);
        strv_sort(t->devices);
}

int mdev_parent_load(const char *name, MdevParent **ret) {
        _cleanup_free_ char *dir = xasprintf(MDEV_BUS "/%s", name), *types = xasprintf("%s/mdev_supported_types", dir);
        if (strchr(name, '/') || name[0] == '.' || !root_exists(dir))
                return -ENOENT;

        MdevParent *p = xmalloc(sizeof *p);
        *p = (MdevParent){ .name = xstrdup(name), .numa_node = sysfs_numa_node(dir) };
        _cleanup_closedir_ DIR *d = root_opendir(types);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                p->types = xrealloc(p->types, (p->n_types + 1) * sizeof *p->types);
                load_type(types, de->d_name, &p->types[p->n_types++]);
        }
        if (p->n_types > 1)
                qsort(p->types, p->n_types, sizeof *p->types, compare_types);
        *ret = p;
        return 0;
}

MdevParent *mdev_parent_free(MdevParent *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_types; i++)
                type_done(&p->types[i]);
        free(p->types);
        free(p->name);
        free(p);
        return NULL;
}

int mdev_parents_load_all(MdevParent ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_closedir_ DIR *d = root_opendir(MDEV_BUS);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        strv_push(&names, de->d_name);
        strv_sort(names);

        MdevParent **l = xmalloc((strv_length(names) + 1) * sizeof *l);
        size_t n = 0;
        for (size_t i = 0; names && names[i]; i++)
                if (mdev_parent_load(names[i], &l[n]) >= 0)
                        n++;
        l[n] = NULL;
        *ret = l;
        return 0;
}

void mdev_parents_free(MdevParent **l) {
        for (size_t i = 0; l && l[i]; i++)
                mdev_parent_free(l[i]);
        free(l);
}

const MdevType *mdev_parent_find_type(const MdevParent *p, const char *type) {
        for (size_t i = 0; p && i < p->n_types; i++)
                if (strcmp(p->types[i].id, type) == 0)
                        return &p->types[i];
        return NULL;
}

/* "a (description), b (description)" */
static char *type_list(const MdevParent *p) {
        char *s = xstrdup("");
        for (size_t i = 0; i < p->n_types; i++) {
                const MdevType *t = &p->types[i];
                char *n = xasprintf("%s%s%s%s%s%s", s, i ? ", " : "", t->id, t->description ? " (" : "",
                                    t->description ?: "", t->description ? ")" : "");
                free(s);
                s = n;
        }
        return s;
}

/* Why a PCI device offers no mediated devices, in the terms of its vendor. */
static char *no_mdev_reason(const char *parent) {
        PciAddress a;
        _cleanup_pci_device_free_ PciDevice *d = NULL;
        if (pci_address_parse(parent, &a, NULL) < 0 || pci_device_load(&a, &d) < 0) {
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_closedir_ DIR *dir = root_opendir(MDEV_BUS);
                struct dirent *de;
                _cleanup_free_ char *list = xstrdup("");
                while (dir && (de = readdir(dir)))
                        if (de->d_name[0] != '.')
                                strv_push(&names, de->d_name);
                strv_sort(names);
                for (size_t i = 0; names && names[i]; i++) {
                        char *n = xasprintf("%s%s%s", list, i ? ", " : "", names[i]);
                        free(list);
                        list = n;
                }
                return names ? xasprintf("there is no mediated device parent %s on this host (the parents in "
                                         "/sys/class/mdev_bus: %s)",
                                         parent, list)
                             : xasprintf("there is no mediated device parent %s on this host: no driver offers "
                                         "mediated devices (/sys/class/mdev_bus is empty or missing)",
                                         parent);
        }
        if (d->vendor == 0x8086 && pci_device_is_display(d))
                return xasprintf("%s %s offers no mediated devices (no mdev_supported_types). Intel GVT-g exists "
                                 "only on Gen5 to Gen10 graphics (Broadwell to Comet Lake) and needs "
                                 "i915.enable_gvt=1 on the kernel command line and the kvmgt module; Gen11 and later "
                                 "are shared through SR-IOV instead (VirtualFunction=).",
                                 d->bdf, d->name);
        if (d->vendor == PCI_VENDOR_NVIDIA)
                return xasprintf("%s %s offers no mediated devices (no mdev_supported_types). NVIDIA vGPU needs "
                                 "NVIDIA's vGPU host driver, and only releases before 17 offer mediated devices; from "
                                 "17 on a vGPU is an SR-IOV virtual function (VirtualFunction=).",
                                 d->bdf, d->name);
        return xasprintf("%s %s offers no mediated devices (no mdev_supported_types): its driver (%s) does not "
                         "create them.",
                         d->bdf, d->name, d->driver ?: "none bound");
}

char *mdev_parent_problem(const char *parent, const MdevParent *p, const char *type) {
        if (!p || p->n_types == 0)
                return no_mdev_reason(parent);
        const MdevType *t = mdev_parent_find_type(p, type);
        if (!t) {
                _cleanup_free_ char *list = type_list(p);
                return xasprintf("%s offers no type %s; its types are: %s", parent, type, list);
        }
        if (t->available == 0)
                return xasprintf("type %s of %s has no free instance (available_instances=0; %zu exist%s%s). Stop a "
                                 "guest that uses one, remove an unused one, or pick a smaller type.",
                                 type, parent, strv_length(t->devices), t->devices ? ": " : "",
                                 t->devices ? t->devices[0] : "");
        return NULL;
}

/* Better first: on the guest's node, then more free instances, then the name. */
static bool parent_better(const MdevParent *a, const MdevType *ta, const MdevParent *b, const MdevType *tb, int node) {
        if (node >= 0 && (a->numa_node == node) != (b->numa_node == node))
                return a->numa_node == node;
        if (ta->available != tb->available)
                return ta->available > tb->available;
        return strcmp(a->name, b->name) < 0;
}

const MdevParent *mdev_choose_parent(MdevParent *const *parents, const char *type, int node) {
        const MdevParent *best = NULL;
        const MdevType *best_type = NULL;
        for (size_t i = 0; parents && parents[i]; i++) {
                const MdevType *t = mdev_parent_find_type(parents[i], type);
                if (!t || t->available == 0)
                        continue;
                if (!best || parent_better(parents[i], t, best, best_type, node)) {
                        best = parents[i];
                        best_type = t;
                }
        }
        return best;
}

char *mdev_auto_problem(MdevParent *const *parents, const char *type) {
        _cleanup_free_ char *with = xstrdup(""), *all = xstrdup("");
        for (size_t i = 0; parents && parents[i]; i++) {
                const MdevType *t = mdev_parent_find_type(parents[i], type);
                char *n = xasprintf("%s%s%s", t ? with : all, *(t ? with : all) ? ", " : "", parents[i]->name);
                if (t) {
                        free(with);
                        with = n;
                } else {
                        free(all);
                        all = n;
                }
        }
        if (*with)
                return xasprintf("no parent has a free instance of type %s (available_instances=0 on %s). Stop a "
                                 "guest that uses one, or pick a smaller type.",
                                 type, with);
        if (*all)
                return xasprintf("no parent on this host offers type %s (the parents are %s; vxm gpus lists their "
                                 "types).",
                                 type, all);
        return xasprintf("no driver on this host offers mediated devices (/sys/class/mdev_bus is empty or missing): "
                         "for Intel GVT-g boot with i915.enable_gvt=1 and load kvmgt (Gen5 to Gen10 graphics only); "
                         "NVIDIA vGPU needs NVIDIA's vGPU host driver before release 17.");
}

/* --- the stable UUID --- */

/* Random once, fixed forever: the application ID of vxm's mdev UUIDs (never change it: every UUID would change). */
static const uint8_t mdev_app_id[16] = { 0x6e, 0x2b, 0x9d, 0x41, 0xc7, 0x05, 0x4a, 0x8e,
                                         0x93, 0x1f, 0x5c, 0xd2, 0x77, 0x08, 0xa6, 0x3b };

int mdev_uuid_derive(const char *guest, unsigned index, char ret[static UUID_STRLEN]) {
        _cleanup_free_ char *line = NULL;
        uint8_t machine[16];
        int r = root_read_line("/etc/machine-id", &line);
        if (r < 0)
                return r;
        if (id128_parse_plain(line, machine) < 0)
                return -EBADMSG;

        size_t n = strlen(guest);
        _cleanup_free_ uint8_t *msg = xmalloc(sizeof mdev_app_id + n + 1 + 4);
        memcpy(msg, mdev_app_id, sizeof mdev_app_id);
        memcpy(msg + sizeof mdev_app_id, guest, n + 1); /* with its NUL: "ab"+1 never equals "a"+... */
        for (unsigned i = 0; i < 4; i++)
                msg[sizeof mdev_app_id + n + 1 + i] = (uint8_t) (index >> (24 - 8 * i));

        uint8_t mac[SHA256_DIGEST_SIZE];
        hmac_sha256(machine, sizeof machine, msg, sizeof mdev_app_id + n + 1 + 4, mac);
        uuid_make_v4(mac);
        uuid_format(mac, ret);
        return 0;
}

bool mdev_type_wants_vm_uuid(const char *type) {
        return strncmp(type, "nvidia-", 7) == 0;
}

/* --- devices --- */

char *mdev_device_path(const char *uuid) {
        return xasprintf(MDEV_DEVICES "/%s", uuid);
}

bool mdev_exists(const char *uuid) {
        _cleanup_free_ char *p = mdev_device_path(uuid);
        return root_exists(p);
}

int mdev_device_info(const char *uuid, char **ret_type, char **ret_parent) {
        _cleanup_free_ char *dev = mdev_device_path(uuid), *type_link = xasprintf("%s/mdev_type", dev);
        _cleanup_free_ char *type = NULL, *target = NULL;
        int r = root_readlink_basename(type_link, &type);
        if (r < 0)
                return r;
        /* .../devices/virtual/mbochs/mbochs/UUID: the parent is the directory the mdev lives in. */
        r = root_readlink(dev, &target);
        if (r < 0)
                return r;
        char *slash = strrchr(target, '/');
        if (!slash)
                return -EBADMSG;
        *slash = '\0';
        slash = strrchr(target, '/');
        if (ret_type)
                *ret_type = TAKE_PTR(type);
        if (ret_parent)
                *ret_parent = xstrdup(slash ? slash + 1 : target);
        return 0;
}

int mdev_device_group(const char *uuid) {
        _cleanup_free_ char *p = xasprintf(MDEV_DEVICES "/%s/iommu_group", uuid), *g = NULL;
        int r = root_readlink_basename(p, &g);
        if (r < 0)
                return r;
        unsigned long v;
        if (parse_unsigned(g, 1U << 30, &v) < 0)
                return -EBADMSG;
        return (int) v;
}

int mdev_create(const char *parent, const char *type, const char *uuid) {
        _cleanup_free_ char *create = xasprintf(MDEV_BUS "/%s/mdev_supported_types/%s/create", parent, type);
        _cleanup_free_ char *dev = mdev_device_path(uuid);
        int r = root_write_string(create, uuid);
        if (r < 0)
                return r;
        /* The kernel adds the device before the write returns; the short wait only covers a slow sysfs. */
        return pci_wait_path(dev, true, 2000) < 0 ? -ENODEV : 0;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

int mdev_remove(const char *uuid, unsigned timeout_ms) {
        _cleanup_free_ char *dev = mdev_device_path(uuid), *remove = xasprintf("%s/remove", dev);
        /* The write blocks in the kernel while the device is open, and a signal does not end it: do it in a child, so
         * that this process can give up waiting and say so. */
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int r = root_write_string(remove, "1");
                _exit(r < 0 ? (-r > 0 && -r < 255 ? -r : 255) : 0);
        }
        for (unsigned waited = 0;; waited += 20) {
                int status;
                pid_t k = waitpid(pid, &status, WNOHANG);
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k == pid) {
                        if (!WIFEXITED(status))
                                return -EIO;
                        if (WEXITSTATUS(status) != 0)
                                return -WEXITSTATUS(status);
                        return pci_wait_path(dev, false, 2000) < 0 ? -EBUSY : 0;
                }
                if (waited >= timeout_ms)
                        return -ETIMEDOUT;
                sleep_ms(20);
        }
}

/* --- records --- */

void mdev_record_done(MdevRecord *r) {
        free(r->owner);
        free(r->parent);
        free(r->type);
        *r = (MdevRecord){ .group = -1 };
}

void mdev_records_free(MdevRecord *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                mdev_record_done(&l[i]);
        free(l);
}

int mdev_record_read(const char *uuid, MdevRecord *ret) {
        _cleanup_free_ char *path = state_file_path("mdev", uuid);
        _cleanup_state_file_free_ StateFile *s = NULL;
        int r = state_file_load(path, &s);
        if (r < 0)
                return r;

        const char *version = state_file_get(s, "VERSION"), *owner = state_file_get(s, "OWNER"),
                   *parent = state_file_get(s, "PARENT"), *type = state_file_get(s, "TYPE"),
                   *created = state_file_get(s, "CREATED");
        uint64_t index;
        int group = -1;
        bool c;
        uint8_t u[16];
        MdevRecord rec = { .group = -1 };
        if (!version || strcmp(version, "1") != 0 || !owner || !guest_name_is_valid(owner, NULL) || !parent || !type ||
            !created || parse_boolean(created, &c) < 0 || state_file_get_u64(s, "INDEX", &index) < 0 || index > 1024 ||
            uuid_parse(uuid, u) < 0 || (state_file_get(s, "GROUP") && state_file_get_int(s, "GROUP", &group) < 0))
                return -EBADMSG;
        uuid_format(u, rec.uuid);
        rec.owner = xstrdup(owner);
        rec.index = (unsigned) index;
        rec.parent = xstrdup(parent);
        rec.type = xstrdup(type);
        rec.created = c;
        rec.group = group;
        *ret = rec;
        return 0;
}

int mdev_record_write(const MdevRecord *rec) {
        _cleanup_free_ char *path = state_file_path("mdev", rec->uuid);
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xasprintf("vxm-mdev: mediated device %s of guest %s (its Mdev= line %u); \"vxm-mdev remove %s\" "
                               "%s. Written before the change.",
                               rec->uuid, rec->owner, rec->index + 1, rec->owner,
                               rec->created ? "removes it" : "leaves it in place (it existed before)");
        state_file_set(s, "VERSION", "1");
        state_file_set(s, "OWNER", rec->owner);
        state_file_setf(s, "INDEX", "%u", rec->index);
        state_file_set(s, "PARENT", rec->parent);
        state_file_set(s, "TYPE", rec->type);
        state_file_set(s, "CREATED", rec->created ? "yes" : "no");
        if (rec->group >= 0)
                state_file_setf(s, "GROUP", "%d", rec->group);
        return state_file_save(path, s);
}

int mdev_record_remove(const char *uuid) {
        _cleanup_free_ char *path = state_file_path("mdev", uuid);
        return state_file_remove(path);
}

static int compare_index(const void *a, const void *b) {
        const MdevRecord *x = a, *y = b;
        return (x->index > y->index) - (x->index < y->index);
}

int mdev_records_of(const char *owner, MdevRecord **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **names = state_file_find_all("mdev", state_file_owned_by, owner);
        MdevRecord *l = xmalloc((strv_length(names) + 1) * sizeof *l);
        size_t n = 0;
        for (size_t i = 0; names && names[i]; i++)
                if (mdev_record_read(names[i], &l[n]) >= 0)
                        n++;
        qsort(l, n, sizeof *l, compare_index);
        *ret = l;
        *ret_n = n;
        return 0;
}
