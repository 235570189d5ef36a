/* SPDX-License-Identifier: BSD-3-Clause */
/* QEMU arguments for [LookingGlass]: the shared memory vxm-lookingglass@ prepared, as an ivshmem-plain device. */
#include <inttypes.h>

#include "host/looking-glass.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"

int qemu_argv_looking_glass(QemuArgv *a, const QemuPlan *p) {
        const Guest *g = p->guest;
        _cleanup_free_ char *path = looking_glass_path(g);
        if (!path)
                return 0;

        /* share=on: the host's Looking Glass client maps the same pages; a private mapping would copy them. */
        OptString o;
        opt_string_init(&o, "memory-backend-file");
        opt_string_add(&o, "id", "vxm-looking-glass");
        opt_string_add_path(&o, "mem-path", path);
        opt_string_addf(&o, "size", "%" PRIu64, g->lg_size);
        opt_string_add(&o, "share", "on");
        qemu_argv_add_opts(a, "-object", &o);

        opt_string_init(&o, "ivshmem-plain");
        opt_string_add(&o, "id", "vxm-looking-glass");
        opt_string_add(&o, "memdev", "vxm-looking-glass");
        opt_string_add(&o, "bus", "pcie.0");
        opt_string_addf(&o, "addr", "%02x.0", QEMU_SLOT_IVSHMEM);
        qemu_argv_add_opts(a, "-device", &o);
        return 0;
}
