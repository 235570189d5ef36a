/* SPDX-License-Identifier: BSD-3-Clause */
#include <pci/pci.h>
#include <stdarg.h>
#include <stdlib.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/pci-names.h"

static struct pci_access *pacc;

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

char *pci_name_device(uint16_t vendor, uint16_t device) {
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
}
