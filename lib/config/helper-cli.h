/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "config/config.h"

/* The command line the per-guest helpers share: "PROG VERB NAME", -h/--help, exit status 0 ok, 1 failure, 2 usage. */

#define HELPER_SHOWED_HELP (-1) /* exit 0 */
#define HELPER_BAD_USAGE (-2)   /* exit 2; the message was printed */

/* Returns the index of argv[1] in verbs (NULL-terminated) and sets *ret_name (a valid guest name, also set as the
 * journal's VXM_GUEST=), or HELPER_SHOWED_HELP / HELPER_BAD_USAGE. */
int helper_parse_args(int argc, char *argv[], const char *const *verbs, void (*help)(void), const char **ret_name);

/* guest_load() for a helper: a missing guest is an error that says where it was looked for. 0 or -errno, logged. */
int helper_load_guest(const char *name, Guest **ret);
