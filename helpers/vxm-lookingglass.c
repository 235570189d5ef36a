/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-lookingglass create|remove NAME: run by vxm-lookingglass@NAME.service (ExecStart= create, ExecStopPost= remove).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "looking-glass.h"
#include "parse-util.h"

static void help(void) {
        printf("Usage: vxm-lookingglass create|remove NAME\n"
               "\n"
               "Creates the Looking Glass shared memory for guest NAME before QEMU starts: the [LookingGlass] File=\n"
               "(default /dev/shm/looking-glass), sized from Resolution= (width x height x 4 x 2 + 10 MiB, rounded up "
               "to\n"
               "a power of two) or Size=, owned by the guest's User= and group kvm (or the user's group), mode 0660.\n"
               "When the kvmfr module provides /dev/kvmfrN, that device is lent to the user instead. A file that vxm\n"
               "did not create is never taken over. 'remove' deletes the file (or gives the device back) as recorded\n"
               "in /run/vxm/.state/lookingglass/NAME; without a record it does nothing.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

int main(int argc, char *argv[]) {
        log_setup("vxm-lookingglass", LOG_TARGET_AUTO);

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                help();
                return 0;
        }
        if (argc != 3 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "remove") != 0)) {
                fprintf(stderr, "Usage: vxm-lookingglass create|remove NAME (see --help)\n");
                return 2;
        }
        const char *verb = argv[1], *name = argv[2], *why;
        if (!guest_name_is_valid(name, &why)) {
                log_error("Invalid guest name \"%s\": %s", name, why);
                return 2;
        }
        log_set_guest(name);

        if (strcmp(verb, "remove") == 0)
                return looking_glass_remove(name) < 0 ? 1 : 0;

        _cleanup_guest_free_ Guest *g = NULL;
        int r = guest_load(name, &g);
        if (r == -ENOENT) {
                log_error("No configuration for guest %s (looked for %s.conf in /etc/vxm, /run/vxm, /usr/lib/vxm).",
                          name, name);
                return 1;
        }
        if (r < 0)
                return 1;
        return looking_glass_create(g) < 0 ? 1 : 0;
}
