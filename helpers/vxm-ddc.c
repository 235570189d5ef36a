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
        printf("Usage: vxm-ddc [OPTIONS] guest|host NAME\n"
               "\n"
               "Switches the monitor of guest NAME ([Display] Monitor=) to GuestInput= ('guest', once the guest has\n"
               "started) or back to HostInput= ('host', when it stops or crashed) over DDC/CI, with libddcutil: the\n"
               "feature [Display] Feature= (default 0x60, Input Select) is set and read back until the new input has\n"
               "held for a while, so a monitor that ignores the command or goes back by itself (automatic input scan)\n"
               "is retried and then reported as such. 'guest' records the monitor, the feature and both inputs in\n"
               "/run/vxm/.state/ddc/NAME first; 'host' works from that record, and does nothing without one.\n"
               "\n"
               "A monitor that is off, asleep or not answering never holds up the guest or the shutdown: a switch\n"
               "makes at most 3 attempts and is abandoned after the timeout, with a warning in the journal, and the\n"
               "exit status stays 0. Only local problems (configuration, the record) make it fail.\n"
               "\n"
               "  --timeout=SECONDS  give up on the monitor after this long (default 10)\n"
               "  --settle-ms=MS     how long the new input must hold to count as switched (default 2000)\n"
               "  -h --help          show this help\n"
               "\n"
               "Exit status: 0 success or monitor trouble (warned), 1 failure, 2 usage error.\n"
               "Environment: VXM_DDC_FAKE=FILE uses a fake display kept in FILE instead of libddcutil (tests);\n"
               "VXM_ROOT, SYSTEMD_LOG_LEVEL (debug also shows libddcutil's own messages).\n");
}

static int usage_error(void) {
        fprintf(stderr, "Usage: vxm-ddc [OPTIONS] guest|host NAME (see --help)\n");
        return 2;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "timeout", required_argument, NULL, 't' },
                { "settle-ms", required_argument, NULL, 's' },
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
                case 's': {
                        unsigned long ms;
                        if (parse_unsigned(optarg, 60000, &ms) < 0 || ms < 100) {
                                fprintf(stderr, "vxm-ddc: --settle-ms=%s: expected milliseconds from 100 to 60000\n",
                                        optarg);
                                return 2;
                        }
                        policy.settle_ms = (unsigned) ms;
                        break;
                }
                default:
                        return usage_error();
                }
        if (argc - optind != 2 || (strcmp(argv[optind], "guest") != 0 && strcmp(argv[optind], "host") != 0))
                return usage_error();
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

        DdcBackend *b = ddc_backend_new();
        DdcResult res;
        int r = g ? ddc_guest(b, name, g->monitor, g->ddc_feature, g->host_input, g->guest_input, &policy, &res)
                  : ddc_host(b, name, &policy, &res);
        b->free(b);
        return r < 0 ? 1 : 0;
}
