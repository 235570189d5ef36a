/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-ddc guest|host NAME: run by vxm-ddc@NAME.service (ExecStart= guest, ExecStopPost= host). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/helper-cli.h"
#include "host/ddc.h"
#include "basic/log.h"
#include "basic/parse-util.h"

static void help(void) {
        printf("Usage: vxm-ddc [--timeout=SECONDS] guest|host NAME\n"
               "\n"
               "Switches the monitor of guest NAME ([Display] Monitor=) to GuestInput= ('guest', when the guest has\n"
               "started) or back to HostInput= ('host', when it stops or crashed) over DDC/CI (VCP feature 0x60), "
               "with\n"
               "libddcutil. 'guest' records the monitor and the host input in /run/vxm/.state/ddc/NAME first; 'host' "
               "works "
               "from\n"
               "that record, and does nothing without one. The value is read back where the monitor supports it.\n"
               "\n"
               "A monitor that is off, asleep or not answering never holds up the guest: each switch makes at most 3\n"
               "attempts and is abandoned after the timeout, with a warning in the journal, and the exit status stays\n"
               "0. Only local problems (configuration, the record) make it fail.\n"
               "\n"
               "  --timeout=SECONDS  give up on the monitor after this long (default 10)\n"
               "  -h --help          show this help\n"
               "\n"
               "Exit status: 0 success or monitor trouble (warned), 1 failure, 2 usage error.\n"
               "Environment: VXM_DDC_FAKE=FILE uses a fake display kept in FILE instead of libddcutil (tests);\n"
               "VXM_ROOT, SYSTEMD_LOG_LEVEL.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "timeout", required_argument, NULL, 't' },
                {},
        };
        DdcPolicy policy = DDC_POLICY_DEFAULT;
        int c;

        log_setup("vxm-ddc", LOG_TARGET_AUTO);
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 't': {
                        unsigned s;
                        if (parse_seconds(optarg, &s) < 0 || s == 0 || s > 600) {
                                fprintf(stderr, "vxm-ddc: --timeout=%s: expected seconds between 1 and 600\n", optarg);
                                return 2;
                        }
                        policy.timeout_ms = s * 1000;
                        break;
                }
                default:
                        fprintf(stderr, "Usage: vxm-ddc [--timeout=SECONDS] guest|host NAME (see --help)\n");
                        return 2;
                }
        if (argc - optind != 2 || (strcmp(argv[optind], "guest") != 0 && strcmp(argv[optind], "host") != 0)) {
                fprintf(stderr, "Usage: vxm-ddc [--timeout=SECONDS] guest|host NAME (see --help)\n");
                return 2;
        }
        const char *verb = argv[optind], *name = argv[optind + 1], *why;
        if (!guest_name_is_valid(name, &why)) {
                log_error("Invalid guest name \"%s\": %s", name, why);
                return 2;
        }
        log_set_guest(name);

        _cleanup_guest_free_ Guest *g = NULL;
        if (strcmp(verb, "guest") == 0) {
                if (helper_load_guest(name, &g) < 0)
                        return 1;
                if (!g->monitor) {
                        log_info("Guest %s has no [Display] Monitor=, nothing to switch.", name);
                        return 0;
                }
        }

        const char *fake = getenv("VXM_DDC_FAKE");
        DdcBackend *b = fake && *fake ? ddc_backend_fake_new(fake) : ddc_backend_ddcutil_new();
        DdcResult res;
        int r = g ? ddc_guest(b, name, g->monitor, g->host_input, g->guest_input, &policy, &res)
                  : ddc_host(b, name, &policy, &res);
        b->free(b);
        return r < 0 ? 1 : 0;
}
