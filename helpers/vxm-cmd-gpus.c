/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until its issue lands. */
#include <stdio.h>

#include "vxm-commands.h"

int cmd_gpus(int argc, char *argv[]) {
        fprintf(stderr, "vxm gpus: not implemented yet\n");
        return 1;
}
