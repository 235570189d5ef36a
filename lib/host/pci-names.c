/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-hwdb.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/pci-names.h"

static struct pci_access *pacc;
static sd_hwdb *hwdb;
static bool hwdb_failed;

static void PCI_PRINTF(1, 2) pci_msg_ignore(char *msg, ...) {
}

static void PCI_PRINTF(1, 2) pci_msg_warning(char *msg, ...) {
        char buf[512];
        va_list ap;
        va_start(ap, msg);
        vsnprintf(buf, sizeof buf, msg, ap);
        va_end(ap);
        log_debug("libpci: %s", buf);
}

/* libpci insists that its error handler does not return; it only calls it for allocation failures here. */
static void PCI_PRINTF(1, 2) __attribute__((noreturn)) pci_msg_error(char *msg, ...) {
        char buf[512];
        va_list ap;
        va_start(ap, msg);
        vsnprintf(buf, sizeof buf, msg, ap);
        va_end(ap);
        log_error("libpci: %s", buf);
        abort();
}

/* No pci_init(): that would probe for an access method (and exit when none works, e.g. in a container), and we only
 * need the name databases, which libpci loads lazily on the first lookup. */
static struct pci_access *names(void) {
        if (!pacc) {
                pacc = pci_alloc();
                pacc->error = pci_msg_error;
                pacc->warning = pci_msg_warning;
                pacc->debug = pci_msg_ignore;
        }
        return pacc;
}

/* udev's hardware database (built from pci.ids by systemd) is an index that is mapped, not read: a lookup costs
 * microseconds. libpci parses all of pci.ids (1.3 MB) on its first lookup, even for an ID that the hwdb knows: tens
 * of milliseconds, about half a second in the test VM, which vxm-vfio paid on every bind and unbind of a guest's
 * start and stop. So device names come from the hwdb alone where there is one; an ID it lacks reads as lspci prints
 * an unknown one. */
static int hwdb_name(uint16_t vendor, uint16_t device, char **ret) {
        if (!hwdb && !hwdb_failed && sd_hwdb_new(&hwdb) < 0) {
                log_debug("No udev hardware database, naming PCI devices from pci.ids.");
                hwdb_failed = true;
        }
        if (!hwdb)
                return -ENOENT;
        char modalias[32];
        const char *v = NULL, *m = NULL;
        snprintf(modalias, sizeof modalias, "pci:v%08Xd%08X", vendor, device);
        (void) sd_hwdb_get(hwdb, modalias, "ID_VENDOR_FROM_DATABASE", &v);
        (void) sd_hwdb_get(hwdb, modalias, "ID_MODEL_FROM_DATABASE", &m);
        if (v && m)
                *ret = xasprintf("%s %s", v, m);
        else if (v)
                *ret = xasprintf("%s Device %04x", v, device);
        else
                *ret = xasprintf("Device %04x:%04x", vendor, device);
        return 0;
}

bool pci_names_read_pci_ids(void) {
        return pacc != NULL;
}

char *pci_name_device(uint16_t vendor, uint16_t device) {
        char *name;
        if (hwdb_name(vendor, device, &name) >= 0)
                return name;

        char buf[256];
        const char *s =
                pci_lookup_name(names(), buf, sizeof buf, PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, vendor, device);
        return s ? xstrdup(s) : xasprintf("Device %04x:%04x", vendor, device);
}

char *pci_name_class(uint32_t class_code) {
        char buf[128];
        const char *s = pci_lookup_name(names(), buf, sizeof buf, PCI_LOOKUP_CLASS, (int) (class_code >> 8));
        return s ? xstrdup(s) : xasprintf("Class %04x", class_code >> 8);
}

void pci_names_done(void) {
        if (pacc)
                pci_cleanup(pacc);
        pacc = NULL;
        hwdb = sd_hwdb_unref(hwdb);
        hwdb_failed = false;
}
