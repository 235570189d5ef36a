/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <sys/types.h>

#include "config/config.h"
#include "host/placement.h"
#include "qemu/qmp.h"

/* vxm-guest's commands: run (ExecStart=; it forks the start watcher), stop (ExecStop=), and as root up
 * (ExecStartPre=+: devices-up, network-up) and down (ExecStopPost=+: finish, network-down, devices-down); started is
 * the watcher's wait by hand, for QEMU run outside systemd. */
int guest_run(const char *name);
int guest_stop(const char *name, const char *main_pid);
int guest_started(const char *name, const char *main_pid);
int guest_watch_start(const char *name, pid_t qemu);
int guest_finish(const char *name);
int guest_network_up(const char *name);
int guest_network_down(const char *name);
int guest_devices_up(const char *name);
int guest_devices_down(const char *name);
int guest_up(const char *name);
int guest_down(const char *name);

/* The start watcher: pins QEMU's threads (PID pid, QMP q) where pl says and reads the result back; 0 or -errno, logged.
 * In pin.c. */
int guest_pin_threads(const Guest *g, const Placement *pl, pid_t pid, Qmp *q);
