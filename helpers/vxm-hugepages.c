/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-hugepages reserve|release NAME: run by vxm-hugepages@NAME.service (ExecStart= reserve, ExecStopPost= release). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hugepages.h"
#include "log.h"
#include "parse-util.h"

static void help(void) {
        printf("Usage: vxm-hugepages reserve|release NAME\n"
               "\n"
               "Reserves the hugepages guest NAME needs ([Guest] Memory= / [Memory] Hugepages=) on the NUMA node of "
               "its\n"
               "first PCI device, or releases exactly the pages an earlier 'reserve' added. Only the pages that are\n"
               "not already free are added; on a shortfall memory is compacted and the allocation retried, and if the\n"
               "kernel still cannot provide them nr_hugepages is put back as it was. What was changed is recorded in\n"
               "/run/vxm/.state/hugepages/NAME, so 'release' works after a crash and is a no-op when nothing is recorded.\n"
               "\n"
               "  -h --help  show this help\n"
               "\n"
               "Exit status: 0 success, 1 failure (see the message), 2 usage error.\n"
               "Environment: VXM_ROOT (prefix for every host path, for tests), SYSTEMD_LOG_LEVEL.\n");
}

int main(int argc, char *argv[]) {
        log_setup("vxm-hugepages", LOG_TARGET_AUTO);

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                help();
                return 0;
        }
        if (argc != 3 || (strcmp(argv[1], "reserve") != 0 && strcmp(argv[1], "release") != 0)) {
                fprintf(stderr, "Usage: vxm-hugepages reserve|release NAME (see --help)\n");
                return 2;
        }
        const char *verb = argv[1], *name = argv[2], *why;
        if (!guest_name_is_valid(name, &why)) {
                log_error("Invalid guest name \"%s\": %s", name, why);
                return 2;
        }
        log_set_guest(name);

        if (strcmp(verb, "release") == 0)
                return hugepages_release(name) < 0 ? 1 : 0;

        _cleanup_guest_free_ Guest *g = NULL;
        int r = guest_load(name, &g);
        if (r == -ENOENT) {
                log_error("No configuration for guest %s (looked for %s.conf in /etc/vxm, /run/vxm, /usr/lib/vxm).",
                          name, name);
                return 1;
        }
        if (r < 0)
                return 1; /* the loader said what is wrong, with file:line */
        return hugepages_reserve(g, NULL) < 0 ? 1 : 0;
}
