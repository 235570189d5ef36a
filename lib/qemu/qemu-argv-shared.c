/* SPDX-License-Identifier: BSD-3-Clause */
/* QEMU arguments for [PCI] VirtualFunction= and Mdev=: each device on its own pcie-root-port at a fixed place (VFs at
 * 04.N, mdevs at 05.N, N = the line's index), so the guest sees it at the same address on every start whichever VF
 * or parent it got. */
#include <stdio.h>

#include "basic/macro.h"
#include "host/mdev.h"
#include "qemu/qemu-argv.h"

/* Root ports are functions of one multifunction slot; chassis numbers follow those of the passthrough ports. */
static void add_root_port(QemuArgv *a, const char *id, unsigned slot, size_t function, unsigned chassis) {
        OptString o;
        opt_string_init(&o, "pcie-root-port");
        opt_string_add(&o, "id", id);
        opt_string_add(&o, "bus", "pcie.0");
        opt_string_addf(&o, "chassis", "%u", chassis);
        opt_string_addf(&o, "addr", "%02x.%zu", slot, function);
        if (function == 0)
                opt_string_add(&o, "multifunction", "on");
        qemu_argv_add_opts(a, "-device", &o);
}

int qemu_argv_shared(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        OptString o;
        char port[32];

        for (size_t i = 0; i < g->n_vfs; i++) {
                snprintf(port, sizeof port, "vxm-vf%zu", i);
                add_root_port(a, port, QEMU_SLOT_VF, i, QEMU_SLOTS_PASSTHROUGH + 1 + (unsigned) i);
                char bdf[PCI_ADDRESS_STRLEN];
                _cleanup_free_ char *unknown =
                        xasprintf("<VF of %s allocated at start>", pci_address_format(&g->vfs[i].pf, bdf));
                opt_string_init(&o, "vfio-pci");
                opt_string_add(&o, "host", p->vfs[i] ?: unknown);
                opt_string_add(&o, "bus", port);
                opt_string_add(&o, "addr", "00.0");
                qemu_argv_add_opts(a, "-device", &o);
        }

        const char *vm_uuid = NULL;
        for (size_t i = 0; i < g->n_mdevs; i++) {
                snprintf(port, sizeof port, "vxm-mdev%zu", i);
                add_root_port(a, port, QEMU_SLOT_MDEV, i,
                              QEMU_SLOTS_PASSTHROUGH + QEMU_SLOT_SHARED_PORTS + 1 + (unsigned) i);
                const char *uuid = p->mdev_uuids[i] ?: "<UUID chosen at start>";
                _cleanup_free_ char *dev = mdev_device_path(uuid);
                opt_string_init(&o, "vfio-pci");
                opt_string_add_path(&o, "sysfsdev", dev);
                /* display=on needs a QEMU display with OpenGL; vxm guests have none (Looking Glass is the display). */
                opt_string_add(&o, "display", "off");
                opt_string_add(&o, "bus", port);
                opt_string_add(&o, "addr", "00.0");
                qemu_argv_add_opts(a, "-device", &o);
                if (!vm_uuid && mdev_type_wants_vm_uuid(g->mdevs[i].type))
                        vm_uuid = uuid;
        }
        /* NVIDIA's vGPU driver refuses a VM whose UUID is not its mdev's. */
        if (vm_uuid) {
                qemu_argv_add(a, "-uuid");
                qemu_argv_add(a, vm_uuid);
        }
        return 0;
}
