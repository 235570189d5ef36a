/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm gpus: SR-IOV and mediated devices, per device, from the same probes vxm-sriov, vxm-vf and vxm-mdev use. */
#include <stdio.h>
#include <string.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/mdev.h"
#include "host/numa-node.h"
#include "host/pci-names.h"
#include "host/sriov.h"
#include "host/vf-alloc.h"
#include "gpus-shared.h"

typedef struct Sharing {
        SriovPf *pf;      /* NULL when the device could not be read */
        MdevParent *mdev; /* NULL: offers no mediated devices */
        int numa_node;
} Sharing;

static void sharing_load(const char *bdf, Sharing *s) {
        PciAddress a;
        *s = (Sharing){ .numa_node = -1 };
        if (pci_address_parse(bdf, &a, NULL) >= 0 && sriov_pf_load(&a, &s->pf) >= 0)
                s->numa_node = s->pf->numa_node;
        if (mdev_parent_load(bdf, &s->mdev) < 0)
                s->mdev = NULL;
}

static void sharing_done(Sharing *s) {
        sriov_pf_free(s->pf);
        mdev_parent_free(s->mdev);
}

/* Who has a VF: the guest whose hold names it, else its driver. */
static void vf_holder(const char *vf, char **ret_guest, char **ret_driver) {
        VfHold h;
        *ret_guest = NULL;
        if (vf_hold_read(vf, &h) >= 0) {
                *ret_guest = xstrdup(h.owner);
                vf_hold_done(&h);
        }
        if (pci_device_get_driver(vf, ret_driver) < 0)
                *ret_driver = NULL;
}

static void print_sriov(const SriovPf *pf) {
        if (!pf->capable) {
                printf("    SR-IOV:      no\n");
                return;
        }
        printf("    SR-IOV:      %u of %u virtual functions enabled (sriov_numvfs); new VFs get host drivers: %s\n",
               pf->numvfs, pf->totalvfs,
               pf->autoprobe == 0   ? "no"
               : pf->autoprobe == 1 ? "yes"
                                    : "?");
        for (size_t i = 0; i < pf->n_vfs; i++) {
                char vf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *guest = NULL, *driver = NULL;
                vf_holder(pci_address_format(&pf->vfs[i], vf), &guest, &driver);
                if (guest)
                        printf("      %s held by guest %s (%s)\n", vf, guest, driver ?: "no driver");
                else if (driver && strcmp(driver, "vfio-pci") == 0)
                        printf("      %s on vfio-pci, not by a VirtualFunction= line (Device=, or another VM)\n", vf);
                else
                        printf("      %s free (%s)\n", vf, driver ?: "no driver");
        }
}

static void print_mdev(const MdevParent *p) {
        if (!p || p->n_types == 0) {
                printf("    mdev types:  none\n");
                return;
        }
        printf("    mdev types:\n");
        for (size_t i = 0; i < p->n_types; i++) {
                const MdevType *t = &p->types[i];
                printf("      %s: %u available, %zu in use%s%s%s\n", t->id, t->available, strv_length(t->devices),
                       t->description ? " (" : "", t->description ?: "", t->description ? ")" : "");
        }
}

void gpus_print_sharing(const PciDevice *d, bool numa) {
        Sharing s;
        sharing_load(d->bdf, &s);
        if (numa && s.numa_node >= 0)
                printf("    NUMA node:   %d\n", s.numa_node);
        else if (numa)
                printf("    NUMA node:   unknown\n");
        if (s.pf)
                print_sriov(s.pf);
        print_mdev(s.mdev);
        sharing_done(&s);
}

static JsonValue *json_sriov(const SriovPf *pf) {
        if (!pf || !pf->capable)
                return json_new_null();
        JsonValue *o = json_new_object(), *vfs = json_new_array();
        json_object_append(o, "totalvfs", json_new_number(pf->totalvfs));
        json_object_append(o, "numvfs", json_new_number(pf->numvfs));
        json_object_append(o, "autoprobe", pf->autoprobe < 0 ? json_new_null() : json_new_boolean(pf->autoprobe == 1));
        for (size_t i = 0; i < pf->n_vfs; i++) {
                char vf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *guest = NULL, *driver = NULL;
                vf_holder(pci_address_format(&pf->vfs[i], vf), &guest, &driver);
                JsonValue *e = json_new_object();
                json_object_append(e, "address", json_new_string(vf));
                json_object_append(e, "driver", json_new_string(driver));
                json_object_append(e, "guest", json_new_string(guest));
                json_array_append(vfs, e);
        }
        json_object_append(o, "vfs", vfs);
        return o;
}

static JsonValue *json_mdev_types(const MdevParent *p) {
        JsonValue *a = json_new_array();
        for (size_t i = 0; p && i < p->n_types; i++) {
                const MdevType *t = &p->types[i];
                JsonValue *o = json_new_object();
                json_object_append(o, "type", json_new_string(t->id));
                json_object_append(o, "name", json_new_string(t->name));
                json_object_append(o, "description", json_new_string(t->description));
                json_object_append(o, "device_api", json_new_string(t->device_api));
                json_object_append(o, "available_instances", json_new_number(t->available));
                json_object_append(o, "devices", json_new_strv(t->devices));
                json_array_append(a, o);
        }
        return a;
}

static void json_members(const Sharing *s, JsonValue *o, bool numa) {
        if (numa)
                json_object_append(o, "numa_node", s->numa_node < 0 ? json_new_null() : json_new_number(s->numa_node));
        json_object_append(o, "sriov", json_sriov(s->pf));
        json_object_append(o, "mdev_types", json_mdev_types(s->mdev));
}

void gpus_json_sharing(const PciDevice *d, JsonValue *o) {
        Sharing s;
        sharing_load(d->bdf, &s);
        json_members(&s, o, false);
        sharing_done(&s);
}

/* Not a GPU, but shareable: an SR-IOV PF, or an mdev parent. */
static bool other_shareable(const PciDevice *d) {
        if (pci_device_is_display(d))
                return false;
        _cleanup_free_ char *p = xasprintf("/sys/bus/pci/devices/%s/sriov_totalvfs", d->bdf),
                            *m = xasprintf("/sys/class/mdev_bus/%s", d->bdf);
        return root_exists(p) || root_exists(m);
}

JsonValue *gpus_json_other_shareable(PciDevice *const *all) {
        _cleanup_mdev_parents_free_ MdevParent **parents = NULL;
        (void) mdev_parents_load_all(&parents);
        JsonValue *a = json_new_array();

        for (size_t i = 0; all && all[i]; i++) {
                if (!other_shareable(all[i]))
                        continue;
                Sharing s;
                sharing_load(all[i]->bdf, &s);
                JsonValue *o = json_new_object();
                json_object_append(o, "address", json_new_string(all[i]->bdf));
                json_object_append(o, "name", json_new_string(all[i]->name));
                json_object_append(o, "driver", json_new_string(all[i]->driver));
                json_members(&s, o, true);
                json_array_append(a, o);
                sharing_done(&s);
        }
        /* Parents that are no PCI device at all (the kernel's sample drivers, some vendors' virtual parents). */
        for (size_t i = 0; parents && parents[i]; i++) {
                PciAddress addr;
                if (pci_address_parse(parents[i]->name, &addr, NULL) == 0)
                        continue;
                JsonValue *o = json_new_object();
                json_object_append(o, "address", json_new_null());
                json_object_append(o, "name", json_new_string(parents[i]->name));
                json_object_append(o, "driver", json_new_null());
                json_object_append(o, "numa_node", json_new_null());
                json_object_append(o, "sriov", json_new_null());
                json_object_append(o, "mdev_types", json_mdev_types(parents[i]));
                json_array_append(a, o);
        }
        return a;
}

void gpus_print_other_shareable(PciDevice *const *all) {
        _cleanup_mdev_parents_free_ MdevParent **parents = NULL;
        (void) mdev_parents_load_all(&parents);
        size_t n = 0;

        for (size_t i = 0; all && all[i]; i++) {
                if (!other_shareable(all[i]))
                        continue;
                printf("%s%s %s\n    driver:      %s\n", n ? "\n" : "\nOther devices guests can share:\n\n",
                       all[i]->bdf, all[i]->name, all[i]->driver ?: "none");
                gpus_print_sharing(all[i], true);
                n++;
        }
        /* Parents that are no PCI device at all (the kernel's sample drivers, some vendors' virtual parents). */
        for (size_t i = 0; parents && parents[i]; i++) {
                PciAddress addr;
                if (pci_address_parse(parents[i]->name, &addr, NULL) == 0)
                        continue;
                printf("%s%s (a virtual mdev parent: Mdev=%s,type=...)\n",
                       n ? "\n" : "\nOther devices guests can share:\n\n", parents[i]->name, parents[i]->name);
                print_mdev(parents[i]);
                n++;
        }
}
