/* SPDX-License-Identifier: BSD-3-Clause */
/* QEMU arguments for a 64-bit PCI window larger than OVMF's default, when the guest's BARs need it (mmio-window.h). */
#include "qemu/qemu-argv.h"

int qemu_argv_mmio_window(QemuArgv *a, const QemuPlan *p) {
        if (p->ovmf_mmio64_mb == 0)
                return 0;
        OptString o;
        opt_string_init(&o, NULL);
        opt_string_add(&o, "name", "opt/ovmf/X-PciMmio64Mb");
        opt_string_addf(&o, "string", "%llu", (unsigned long long) p->ovmf_mmio64_mb);
        qemu_argv_add_opts(a, "-fw_cfg", &o);
        return 0;
}
