/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-lookingglass create|remove NAME: run by vxm-lookingglass@NAME.service (ExecStart= create, ExecStopPost= remove).
 */
#include <errno.h>
#include <stdio.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "host/looking-glass.h"
#include "basic/parse-util.h"

static void help(void) {
        printf("Usage: vxm-lookingglass create|remove NAME\n"
               "\n"
               "Creates the Looking Glass shared memory for guest NAME before QEMU starts: the [LookingGlass] File=\n"
               "(default /dev/shm/looking-glass), sized from Resolution= (width x height x 4 x 2 + 10 MiB, rounded up "
               "to\n"
               "a power of two) or Size=. It belongs to root (mode 0600) and exactly two parties may map it, through\n"
               "POSIX ACL entries: the guest's User= (QEMU) and each [LookingGlass] Viewer= (the desktop user who "
               "runs\n"
               "looking-glass-client). When the kvmfr module provides /dev/kvmfrN, that device is lent to them the "
               "same\n"
               "way instead. A file that vxm did not create is never taken over. 'remove' deletes the file it created\n"
               "(that device and inode, nothing else under the name) or gives the device back with its owner, mode "
               "and\n"
               "ACL exactly as they were, as recorded in /run/vxm/.state/lookingglass/NAME; without a record it does\n"
               "nothing.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "create", "remove", NULL };
        const char *name;

        log_setup("vxm-lookingglass", LOG_TARGET_AUTO);
        int verb = helper_parse_args(argc, argv, verbs, help, &name);
        if (verb < 0)
                return verb == HELPER_SHOWED_HELP ? 0 : 2;
        if (verb == 1)
                return looking_glass_remove(name) < 0 ? 1 : 0;

        _cleanup_guest_free_ Guest *g = NULL;
        if (helper_load_guest(name, &g) < 0)
                return 1;
        return looking_glass_create(g) < 0 ? 1 : 0;
}
