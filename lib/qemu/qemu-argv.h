/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"
#include "qemu/firmware.h"
#include "qemu/image-format.h"

/* The QEMU command line of a guest, as an argv array (never a shell string).
 *
 * Two steps: qemu_plan_prepare() looks at the host (firmware descriptors, option ROMs, disk image formats) and
 * changes nothing; qemu_argv_build() turns the guest and its plan into argv by calling one small function per concern,
 * in the order of the parts[] table in qemu-argv.c. A feature that adds QEMU arguments (Looking Glass, input, ...)
 * adds one function with the QemuArgvPart signature, in its own lib/qemu/qemu-argv-FEATURE.c, declares it at the end of
 * this header and lists it in parts[].
 *
 * Every value that can come from a configuration goes through OptString, which escapes QEMU's option separator ','
 * by doubling it (QemuOpts and keyval both read ",," as a literal comma), so no value can start another option. */

typedef struct QemuPlan {
        const Guest *guest;
        Firmware *firmware;        /* NULL for direct kernel boot ([Boot] Kernel=) */
        char *vars;                /* the guest's copy of the VARS template (host path); NULL without firmware */
        ImageFormat *disk_formats; /* one per guest->disks */
        /* Devices shared with the host, known only once vxm-vf@/vxm-mdev@ ran (lib/qemu/qemu-plan-shared.c): */
        char **vfs;        /* one per guest->vfs: the VF its hold names, NULL while none is held */
        char **mdev_uuids; /* one per guest->mdevs: its record's UUID, else uuid= or the derived one; NULL if none */
        uint64_t ovmf_mmio64_mb; /* X-PciMmio64Mb for OVMF's 64-bit PCI window; 0: its default (mmio-window.h) */
} QemuPlan;

/* Returns 0 or a negative errno after logging what is wrong with file:line where the config is at fault. */
int qemu_plan_prepare(const Guest *g, QemuPlan *ret);
void qemu_plan_done(QemuPlan *p);
/* For vxm-guest run: every VirtualFunction= line holds a VF and every Mdev= line's mdev exists (their units ran), or
 * an error with the line. vxm show does without: it prints what is not known yet as such. */
int qemu_plan_require_shared(const QemuPlan *p);

typedef struct QemuArgv {
        char **args;    /* everything after -machine */
        char **machine; /* "key=value" properties of -machine q35, collected from all parts */
} QemuArgv;

typedef int (*QemuArgvPart)(QemuArgv *a, const QemuPlan *p);

/* Builds argv: argv[0] is the QEMU binary ($VXM_QEMU, default qemu-system-x86_64), paths are prefixed with
 * VXM_ROOT like every other host path. Returns 0 or -errno (after logging). */
int qemu_argv_build(const QemuPlan *p, char ***ret);
const char *qemu_binary(void);

/* --- building blocks for parts --- */

/* "head,key=value,key=value": head is a literal (driver or backend name) or NULL (-blockdev). */
typedef struct OptString {
        char *s;
} OptString;

void opt_string_init(OptString *o, const char *head);
/* value is escaped. */
void opt_string_add(OptString *o, const char *key, const char *value);
void opt_string_addf(OptString *o, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A host path: VXM_ROOT-prefixed, then escaped. */
void opt_string_add_path(OptString *o, const char *key, const char *path);

/* A literal argument (an option name such as "-device", or a fixed value). */
void qemu_argv_add(QemuArgv *a, const char *arg);
/* flag, then the option string (consumed). */
void qemu_argv_add_opts(QemuArgv *a, const char *flag, OptString *o);
/* A -machine property; value escaped. */
void qemu_argv_add_machine(QemuArgv *a, const char *key, const char *value);

/* s with every ',' doubled. */
char *qemu_escape(const char *s);

/* The stable MAC of a guest without MACAddress=: 52:54:00 (QEMU's locally administered prefix) plus three bytes of
 * a hash of the name, so the guest keeps its DHCP lease and its Windows network profile across restarts. */
void guest_mac_address(const char *name, char buf[static 18]);

/* Fixed PCI slots on pcie.0, so devices never renumber in the guest when others are added or removed (Windows
 * treats a GPU at a new address as a new device). */
enum {
        QEMU_SLOT_NETWORK = 0x02,
        QEMU_SLOT_IVSHMEM = 0x03, /* Looking Glass */
        QEMU_SLOT_VF = 0x04,      /* VirtualFunction=: root ports 04.0..04.7, one per line, in line order */
        QEMU_SLOT_MDEV = 0x05,    /* Mdev=: root ports 05.0..05.7 */
        QEMU_SLOT_SHARED_PORTS = 8,
        QEMU_SLOT_DISK_FIRST = 0x08, /* 0x08..0x0f */
        QEMU_SLOTS_DISK = 8,
        QEMU_SLOT_PASSTHROUGH_FIRST = 0x10, /* 0x10..0x1e, one pcie-root-port per host slot */
        QEMU_SLOTS_PASSTHROUGH = 15,
};

/* --- parts implemented in other files --- */
/* issue 6 */
int qemu_argv_looking_glass(QemuArgv *a, const QemuPlan *p); /* lib/qemu/qemu-argv-looking-glass.c */
int qemu_argv_input(QemuArgv *a, const QemuPlan *p);         /* lib/qemu/qemu-argv-input.c */
/* issue 11 */
int qemu_argv_shared(QemuArgv *a, const QemuPlan *p); /* lib/qemu/qemu-argv-shared.c: VFs and mdevs */
/* lib/qemu/qemu-plan-shared.c: fills vfs and mdev_uuids, and frees them */
int qemu_plan_shared(const Guest *g, QemuPlan *p);
void qemu_plan_shared_done(QemuPlan *p);
/* issue 14 */
int qemu_argv_mmio_window(QemuArgv *a, const QemuPlan *p); /* lib/qemu/qemu-argv-mmio-window.c */
