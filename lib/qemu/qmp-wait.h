/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

#include "qemu/qmp.h"

/* Connects to the QMP socket at path (used as is) of a QEMU that is starting, as soon as QEMU answers there: woken by
 * inotify when the socket appears and by a pidfd when process pid (if > 0) exits, not by a timer. Returns 0 with *ret
 * negotiated (qmp_connect()), -ESRCH if pid exited first, -ETIMEDOUT at deadline (CLOCK_MONOTONIC µs), or another
 * error of qmp_connect() (-ECONNRESET: QEMU closed the connection before it answered). *ret_attempts (if not NULL)
 * counts the connection attempts: a handful, however long QEMU takes. */
int qmp_connect_wait(const char *path, pid_t pid, uint64_t deadline, unsigned *ret_attempts, Qmp **ret);

/* Waits until process pid (QEMU; it need not be this process's child) has exited, woken by a pidfd (by a short pause
 * and kill() where there is none). 0 once it has exited (a zombie counts), -ETIMEDOUT at deadline (CLOCK_MONOTONIC
 * µs). */
int qemu_wait_exit(pid_t pid, uint64_t deadline);
