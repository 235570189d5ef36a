/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until its issue lands. */
#include <stdio.h>

#include "vxm-commands.h"

int cmd_status(int argc, char *argv[]) {
        fprintf(stderr, "vxm status: not implemented yet\n");
        return 1;
}
