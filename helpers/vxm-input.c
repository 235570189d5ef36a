/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder until its issue lands: refuses loudly instead of pretending to work. */
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[]) {
        if (argc > 1 && strcmp(argv[1], "--help") == 0) {
                printf("vxm-input: not implemented yet (this build ships a placeholder that always fails).\n");
                return 0;
        }
        fprintf(stderr, "vxm-input: not implemented yet\n");
        return 1;
}
