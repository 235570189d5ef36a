/* SPDX-License-Identifier: BSD-3-Clause */
/* qmp-call SOCKET COMMAND [ARGUMENTS-JSON]: runs one QMP command with lib/qemu/qmp.c and prints its "return" as compact
 * JSON. Exit 0 on success, 1 on a QMP error or timeout (10 s). For the tests. */
#include <stdio.h>

#include "basic/json.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qmp.h"

int main(int argc, char *argv[]) {
        log_setup("qmp-call", LOG_TARGET_STDERR);
        if (argc < 3 || argc > 4) {
                fprintf(stderr, "Usage: qmp-call SOCKET COMMAND [ARGUMENTS-JSON]\n");
                return 2;
        }
        uint64_t deadline = now_usec() + 10 * 1000000ULL;
        _cleanup_(qmp_freep) Qmp *q = NULL;
        int r = qmp_connect(argv[1], deadline, &q);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to %s: %m", argv[1]);
                return 1;
        }
        _cleanup_(json_freep) JsonValue *ret = NULL;
        r = qmp_execute(q, argv[2], argc == 4 ? argv[3] : NULL, deadline, &ret);
        if (r < 0) {
                log_error_errno(r, "%s: %m", argv[2]);
                return 1;
        }
        _cleanup_free_ char *s = json_format(ret);
        printf("%s\n", s);
        return 0;
}
