/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-input grant|revoke|list NAME: run by vxm-input@NAME.service (ExecStart= grant, ExecStopPost= revoke). */
#include <errno.h>
#include <stdio.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "host/input-access.h"
#include "host/input-discovery.h"
#include "basic/log.h"
#include "basic/parse-util.h"

static void help(void) {
        printf("Usage: vxm-input grant|revoke|list NAME\n"
               "\n"
               "Gives the user of guest NAME ([Guest] User=) read/write access to exactly the evdev devices its "
               "[Input]\n"
               "section names, for QEMU's input-linux: Keyboard=auto / Mouse=auto take /dev/input/by-id/ *-event-kbd "
               "and\n"
               "*-event-mouse (with the extra interfaces of the same USB device that NKRO keyboards use), explicit "
               "paths\n"
               "must be evdev devices. Access is a POSIX ACL entry; what the user had before is recorded in\n"
               "/run/vxm/.state/input/NAME and 'revoke' restores exactly that (after a crash too). Nothing is "
               "chowned.\n"
               "'list' prints the devices, one 'keyboard|mouse PATH NODE' per line, and changes nothing.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

static int list_devices(const Guest *g) {
        InputDevices l = {};
        if (input_discover(g, &l) < 0)
                return 1;
        for (size_t i = 0; i < l.n; i++)
                printf("%s %s %s\n", l.devices[i].keyboard ? "keyboard" : "mouse", l.devices[i].path,
                       l.devices[i].node);
        input_devices_done(&l);
        return 0;
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "grant", "revoke", "list", NULL };
        const char *name;

        log_setup("vxm-input", LOG_TARGET_AUTO);
        int verb = helper_parse_args(argc, argv, verbs, help, &name);
        if (verb < 0)
                return verb == HELPER_SHOWED_HELP ? 0 : 2;
        if (verb == 1)
                return input_access_revoke(name) < 0 ? 1 : 0;

        _cleanup_guest_free_ Guest *g = NULL;
        if (helper_load_guest(name, &g) < 0)
                return 1;
        if (verb == 2)
                return list_devices(g);
        return input_access_grant(g) < 0 ? 1 : 0;
}
