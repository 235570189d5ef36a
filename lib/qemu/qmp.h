/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdint.h>

#include "basic/json.h"

/* A minimal QMP client: connect, negotiate, run a command, wait for QEMU to go away. Blocking, with deadlines in
 * CLOCK_MONOTONIC microseconds, because vxm-guest stop must finish within the unit's TimeoutStopSec=. */

typedef struct Qmp Qmp;

uint64_t now_usec(void);

/* Connects to the socket (path is used as is: callers root_path() it), reads the greeting and leaves capability
 * negotiation mode. -ECONNREFUSED/-ENOENT when nobody listens, -ETIMEDOUT, -EPROTO on a malformed greeting. */
int qmp_connect(const char *path, uint64_t deadline, Qmp **ret);
/* The same over a connected non-blocking stream socket, which it takes over (closed on error too). */
int qmp_connect_fd(int fd, uint64_t deadline, Qmp **ret);
/* Runs command (a QMP command name; arguments_json a JSON object or NULL) and waits for its answer, skipping
 * events. Returns 0 with *ret_return (if not NULL) owning "return", -EREMOTEIO after logging QEMU's error
 * description, -ECONNRESET if QEMU closed the connection, -ETIMEDOUT. */
int qmp_execute(Qmp *q, const char *command, const char *arguments_json, uint64_t deadline, JsonValue **ret_return);
/* Waits until QEMU closes the connection (it exits). 0, or -ETIMEDOUT. */
int qmp_wait_closed(Qmp *q, uint64_t deadline);

Qmp *qmp_free(Qmp *q);
static inline void qmp_freep(Qmp **q) {
        qmp_free(*q);
}
#define _cleanup_qmp_free_ __attribute__((cleanup(qmp_freep)))
