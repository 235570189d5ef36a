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

/* Every guest whose configuration loads, for helpers that must know what all guests ask for (who lists a device,
 * which VFs are reserved). Another guest's mistakes are not the helper's to report in detail ("vxm check NAME" does):
 * each invalid guest gets one warning and is left out. A NULL-terminated array; 0 or -errno. */
int helper_load_all_guests(Guest ***ret);
void guests_free(Guest **l);
static inline void guests_freep(Guest ***l) {
        guests_free(*l);
}
#define _cleanup_guests_free_ __attribute__((cleanup(guests_freep)))
