/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-isolate apply|release NAME, vxm-isolate recover: run by vxm-isolate@NAME.service (ExecStart= apply,
 * ExecStopPost= release) and vxm-isolate-recover.service (at boot, and when a release was interrupted). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "config/config.h"
#include "config/helper-cli.h"
#include "host/host-isolation.h"
#include "host/placement.h"
#include "host/unit-cpus.h"

static void help(void) {
        printf("Usage: vxm-isolate apply|release NAME\n"
               "       vxm-isolate recover\n"
               "\n"
               "IsolateHost=yes: while guest NAME runs, host processes are kept off the CPUs its vCPUs are pinned to\n"
               "([Guest] CPUAffinity=): AllowedCPUs= of system.slice, user.slice and init.scope is narrowed at\n"
               "runtime through systemd. With several isolating guests the union of their CPUs stays free.\n"
               "\n"
               "  apply NAME    record the units' settings (once), then narrow them\n"
               "  release NAME  give NAME's CPUs back; when no isolating guest is left, restore the units\n"
               "                exactly as recorded: value, runtime drop-in file, systemd's view of it\n"
               "  recover       release the guests whose vxm-isolate@NAME.service is not running (after an\n"
               "                interrupted release, or at boot when /run survived)\n"
               "  -h --help     show this help\n"
               "\n"
               "Records: /run/vxm/.state/isolate/NAME and /run/vxm/.state/isolate-host/original, written before\n"
               "each change, so release and recover work after a crash and do nothing when nothing is recorded.\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), VXM_ISOLATE_FAKE_SYSTEMD (a fake\n"
               "systemd's state file, for tests), SYSTEMD_LOG_LEVEL.\n");
}

static int apply(UnitBackend *b, const char *name) {
        _cleanup_guest_free_ Guest *g = NULL;
        int r = helper_load_guest(name, &g);
        if (r < 0)
                return r;
        if (!g->placement.isolate_host) {
                log_info("Guest %s does not isolate the host ([Guest] IsolateHost=no), nothing to do.", name);
                return 0;
        }
        Placement p;
        r = placement_for_guest(g, &p);
        if (r < 0)
                return log_error_errno(r, "Guest %s cannot be placed (see above); not isolating the host.", name);
        r = host_isolation_apply(b, name, &p.isolated);
        placement_done(&p);
        return r;
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "apply", "release", NULL };
        const char *name = NULL;
        int verb = -1;

        log_setup("vxm-isolate", LOG_TARGET_AUTO);
        if (argc == 2 && strcmp(argv[1], "recover") == 0)
                verb = 2;
        else {
                verb = helper_parse_args(argc, argv, verbs, help, &name);
                if (verb < 0)
                        return verb == HELPER_SHOWED_HELP ? 0 : 2;
        }

        int r = 0;
        _cleanup_unit_backend_free_ UnitBackend *b = unit_backend_new(&r);
        if (!b) {
                log_error_errno(r, "Cannot talk to systemd (/run/systemd/private, the system bus): %m");
                return 1;
        }
        if (verb == 0)
                r = apply(b, name);
        else if (verb == 1)
                r = host_isolation_release(b, name);
        else
                r = host_isolation_recover(b);
        return r < 0 ? 1 : 0;
}
