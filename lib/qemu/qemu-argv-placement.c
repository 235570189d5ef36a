/* SPDX-License-Identifier: BSD-3-Clause */
/* QEMU arguments for the placement: a guest whose threads are pinned starts paused. QEMU creates its vCPU threads
 * before it would run the first guest instruction; the start watcher of `vxm-guest run` pins them, reads the
 * affinity back, and only then lets the guest run (QMP cont). So a guest never runs unpinned, not even for the moment
 * between QEMU's start and the pinning; and a pinning that cannot be applied fails the start before the guest ran.
 * The -smp topology and the memory binding are in part_cpu and part_memory (qemu-argv.c). */
#include "qemu/qemu-argv.h"

int qemu_argv_placement(QemuArgv *a, const QemuPlan *p) {
        if (placement_pins_threads(&p->placement))
                qemu_argv_add(a, "-S");
        return 0;
}
