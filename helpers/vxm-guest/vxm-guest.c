/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-guest: the guest's QEMU, as the guest's unprivileged user. Run by vxm-guest@NAME.service. */
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "vxm-config.h"
#include "vxm-guest.h"

static void help(FILE *f) {
        fprintf(f, "Usage: vxm-guest COMMAND NAME\n"
                   "\n"
                   "Runs the QEMU of guest NAME (/etc/vxm/NAME.conf) for vxm-guest@NAME.service.\n"
                   "\n"
                   "Commands:\n"
                   "  run NAME         Choose the firmware, create the guest's UEFI variable store once,\n"
                   "                   build the QEMU command line and execute QEMU (ExecStart=). Under\n"
                   "                   systemd ($NOTIFY_SOCKET) QEMU is forked and this process does what\n"
                   "                   started does, then says READY=1 and MAINPID=QEMU and exits, or\n"
                   "                   stops QEMU if the guest cannot run\n"
                   "  started NAME [PID]\n"
                   "                   Wait until QEMU answers QMP; fail if it exits first. With CPUAffinity=\n"
                   "                   or EmulatorCPUs=, pin QEMU's threads, read them back, then let the\n"
                   "                   guest run; fail if the pinning cannot be applied (for QEMU run by\n"
                   "                   hand)\n"
                   "  stop NAME [PID]  ACPI shutdown over QMP; after ShutdownTimeout= QMP quit, then\n"
                   "                   SIGTERM to PID (ExecStop=)\n"
                   "  up NAME          As root: devices-up, then network-up (ExecStartPre=+)\n"
                   "  down NAME        As root: finish, network-down and devices-down, each one even\n"
                   "                   if one before it failed (ExecStopPost=+)\n"
                   "  finish NAME      Log how the guest ended\n"
                   "  network-up NAME  As root: create the tap device of a Mode=bridge guest\n"
                   "  network-down NAME\n"
                   "                   As root: remove it again\n"
                   "  devices-up NAME  As root: lend the VFIO group nodes of the guest's devices to its\n"
                   "                   user by an ACL entry, recorded\n"
                   "  devices-down NAME\n"
                   "                   As root: give them back exactly as they were\n"
                   "\n"
                   "Options:\n"
                   "  -h --help        Show this help\n"
                   "     --version     Show the version\n"
                   "\n"
                   "Environment: VXM_QEMU overrides the QEMU binary (default qemu-system-x86_64);\n"
                   "VXM_ROOT prefixes every host path (tests). `vxm show NAME` prints the command line.\n");
}

int main(int argc, char *argv[]) {
        log_setup("vxm-guest", LOG_TARGET_AUTO);

        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                help(stdout);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
                printf("vxm-guest %s\n", VXM_VERSION);
                return 0;
        }

        int r;
        if (argc == 3 && strcmp(argv[1], "run") == 0)
                r = guest_run(argv[2]);
        else if ((argc == 3 || argc == 4) && strcmp(argv[1], "stop") == 0)
                r = guest_stop(argv[2], argc == 4 ? argv[3] : NULL);
        else if ((argc == 3 || argc == 4) && strcmp(argv[1], "started") == 0)
                r = guest_started(argv[2], argc == 4 ? argv[3] : NULL);
        else if (argc == 3 && strcmp(argv[1], "up") == 0)
                r = guest_up(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "down") == 0)
                r = guest_down(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "finish") == 0)
                r = guest_finish(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "network-up") == 0)
                r = guest_network_up(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "network-down") == 0)
                r = guest_network_down(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "devices-up") == 0)
                r = guest_devices_up(argv[2]);
        else if (argc == 3 && strcmp(argv[1], "devices-down") == 0)
                r = guest_devices_down(argv[2]);
        else {
                help(stderr);
                return 2;
        }
        return r < 0 ? 1 : 0;
}
