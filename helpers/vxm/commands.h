/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* One function per `vxm` command, each in its own file (cmd-NAME.c). argv[0] is the command name.
 * Return the exit status: 0 ok, 1 runtime failure, 2 usage error. */
int cmd_list(int argc, char *argv[]);
int cmd_status(int argc, char *argv[]);
int cmd_check(int argc, char *argv[]);
int cmd_gpus(int argc, char *argv[]);
int cmd_show(int argc, char *argv[]);
int cmd_new(int argc, char *argv[]);
