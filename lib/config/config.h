/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/display-spec.h"
#include "config/pci-address.h"

/* The typed model of one guest, /etc/vxm/NAME.conf plus drop-ins. Everything is parsed and validated here; the
 * generator and the helpers never see raw strings from the file. */

typedef enum Accelerator {
        ACCELERATOR_KVM,
        ACCELERATOR_TCG,
} Accelerator;

typedef enum HugepageSize {
        HUGEPAGES_NO,
        HUGEPAGES_2M,
        HUGEPAGES_1G,
} HugepageSize;

typedef enum NetworkMode {
        NETWORK_USER,
        NETWORK_BRIDGE,
        NETWORK_NONE,
} NetworkMode;

typedef enum DiskBus {
        DISK_BUS_VIRTIO,
        DISK_BUS_NVME,
} DiskBus;

/* Where a setting came from, for messages that tell the user which line to change. */
typedef struct ConfigSource {
        char *file;
        unsigned line;
} ConfigSource;

typedef struct GuestDevice {
        PciAddress address;
        char *rom_file; /* Device=BDF,romfile=PATH; NULL if unset */
        ConfigSource source;
} GuestDevice;

/* [PCI] VirtualFunction=PF[,vfs=N]: one SR-IOV virtual function of PF, chosen when the guest starts. */
typedef struct GuestVirtualFunction {
        PciAddress pf;
        unsigned vfs; /* vfs=N: how many VFs to enable when the PF has none; 0 when not set */
        ConfigSource source;
} GuestVirtualFunction;

/* [PCI] Mdev=PARENT|auto,type=TYPE[,uuid=UUID]: a mediated device, created when the guest starts. */
typedef struct GuestMdev {
        char *parent; /* NULL: auto; else a normalised PCI address or a name in /sys/class/mdev_bus */
        char *type;   /* the mdev_supported_types directory name, e.g. i915-GVTg_V5_4 */
        char *uuid;   /* uuid=, lowercase; NULL: derived from the machine ID, the guest's name and the line's index */
        ConfigSource source;
} GuestMdev;

typedef struct GuestDisk {
        char *path;
        DiskBus bus;    /* Disk=PATH[,bus=virtio|nvme] */
        bool read_only; /* Disk=PATH,readonly=yes */
        ConfigSource source;
} GuestDisk;

typedef struct Guest {
        char *name;
        char *path;     /* the main file that was used (SourcePath=) */
        char **dropins; /* drop-ins applied, in order */

        /* [Guest] */
        char *description;         /* default: "vxm guest NAME" */
        uint64_t memory;           /* bytes; default 4 GiB */
        unsigned cpus;             /* default 2 */
        bool autostart;            /* default no */
        char *user;                /* default "vxm" */
        Accelerator accelerator;   /* default kvm */
        unsigned shutdown_timeout; /* ShutdownTimeout=, seconds; default 120 */

        /* [PCI] */
        GuestDevice *devices;
        size_t n_devices;
        GuestVirtualFunction *vfs; /* VirtualFunction= */
        size_t n_vfs;
        GuestMdev *mdevs; /* Mdev= */
        size_t n_mdevs;

        /* [Firmware] */
        bool secure_boot;    /* default no */
        char *firmware_code; /* Code=, overrides descriptor lookup; needs Vars= too */
        char *firmware_vars; /* Vars= template */

        /* [TPM] */
        bool tpm; /* Enable=, default no */

        /* [Boot]: direct kernel boot (QEMU loads the kernel, no UEFI firmware) when Kernel= is set */
        char *kernel; /* Kernel=, absolute path */
        char *initrd; /* Initrd=, needs Kernel= */
        char *append; /* Append=, the kernel command line; needs Kernel= */

        /* [Memory] */
        HugepageSize hugepages; /* default no */

        /* [LookingGlass]: enabled when the section sets Resolution= or Size= */
        bool looking_glass;
        unsigned lg_width, lg_height;
        uint64_t lg_size;  /* Size=, 0 = from resolution */
        char *lg_file;     /* File=, default /dev/shm/looking-glass */
        char **lg_viewers; /* Viewer=: the users whose Looking Glass client may map it, besides QEMU's */

        /* [Input] */
        bool keyboard_auto, mouse_auto;
        char **keyboards; /* explicit paths */
        char **mice;
        char *grab_toggle; /* GrabToggle=, default "ctrl-ctrl" */

        /* [Display]: DDC/CI switching when Monitor= is set */
        char *monitor;       /* Monitor=, canonical (monitor_spec_to_string) */
        uint8_t ddc_feature; /* Feature=, default 0x60 */
        int host_input;      /* value of ddc_feature, -1 unset */
        int guest_input;
        bool host_input_named, guest_input_named; /* given by an MCCS 0x60 name (DP-1) */

        /* [Storage] */
        GuestDisk *disks;
        size_t n_disks;

        /* [Network] */
        NetworkMode network; /* default user */
        char *bridge;        /* Bridge=, required for Mode=bridge */
        char *mac;           /* MACAddress=, default derived from the name */

        /* Where each key was last set (file, line), for messages about combinations of keys. */
        ConfigSource *key_sources;
} Guest;

/* The configuration directories in precedence order, without VXM_ROOT. */
extern const char *const config_dirs[];

/* Loads guest NAME. Every problem is logged with file:line, key and why; returns 0, -ENOENT when no such guest
 * (or masked: then *ret is NULL and 0 is returned with *masked set), -EINVAL when any error was found. */
int guest_load(const char *name, Guest **ret);
/* Between these, guest_load() trusts one listing of each config dir taken at begin (for callers that load every
 * guest at once and must be fast: the generator). */
void config_cache_begin(void);
void config_cache_end(void);
/* Same, but from one explicit file (no drop-ins): vxm check FILE. */
int guest_load_file(const char *name, const char *path, Guest **ret);
Guest *guest_free(Guest *g);
static inline void guest_freep(Guest **g) {
        guest_free(*g);
}
#define _cleanup_guest_free_ __attribute__((cleanup(guest_freep)))

/* Names of all guests that have a main file in any config dir and are not masked, sorted. Invalid names are included
 * (guest_load refuses them with a message). Returns 0 or -errno. */
int guest_list(char ***ret);

/* Where [section] key= was last set for this guest; NULL when it was not set (the default applies). */
const ConfigSource *guest_key_source(const Guest *g, const char *section, const char *key);

/* Has the guest this exact function? */
bool guest_has_device(const Guest *g, const PciAddress *a);
/* Does the guest share this device with the host: a VirtualFunction= of this PF, or an Mdev= on this PCI parent? */
bool guest_shares_device(const Guest *g, const PciAddress *a);
/* vfs= of the guest's VirtualFunction= lines for pf (they agree), and where it was set; 0 when none sets it. */
unsigned guest_vfs_wanted(const Guest *g, const PciAddress *pf, const ConfigSource **ret_source);

/* Looking Glass shared memory size for a resolution: w*h*4*2 + 10 MiB, rounded up to a power of two. */
uint64_t looking_glass_size(unsigned width, unsigned height);
