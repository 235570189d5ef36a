/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-hugepages reserve|release NAME: run by vxm-hugepages@NAME.service (ExecStart= reserve, ExecStopPost= release). */
#include <errno.h>
#include <stdio.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "host/hugepages.h"
#include "basic/log.h"
#include "basic/parse-util.h"

static void help(void) {
        printf("Usage: vxm-hugepages reserve|release NAME\n"
               "\n"
               "Reserves the hugepages guest NAME needs ([Guest] Memory= / [Memory] Hugepages=) on the NUMA node of "
               "its\n"
               "first PCI device, or releases exactly the pages an earlier 'reserve' added. Only the pages that are\n"
               "not already free are added; on a shortfall memory is compacted and the allocation retried, and if the\n"
               "kernel still cannot provide them nr_hugepages is put back as it was. What was changed is recorded in\n"
               "/run/vxm/.state/hugepages/NAME, so 'release' works after a crash and is a no-op when nothing is "
               "recorded.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

int main(int argc, char *argv[]) {
        static const char *const verbs[] = { "reserve", "release", NULL };
        const char *name;

        log_setup("vxm-hugepages", LOG_TARGET_AUTO);
        int verb = helper_parse_args(argc, argv, verbs, help, &name);
        if (verb < 0)
                return verb == HELPER_SHOWED_HELP ? 0 : 2;
        if (verb == 1)
                return hugepages_release(name) < 0 ? 1 : 0;

        _cleanup_guest_free_ Guest *g = NULL;
        if (helper_load_guest(name, &g) < 0)
                return 1;
        return hugepages_reserve(g, NULL) < 0 ? 1 : 0;
}
