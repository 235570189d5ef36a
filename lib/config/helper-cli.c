/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/strv.h"

static void usage(const char *const *verbs) {
        fprintf(stderr, "Usage: %s ", program_invocation_short_name);
        for (size_t i = 0; verbs[i]; i++)
                fprintf(stderr, "%s%s", i ? "|" : "", verbs[i]);
        fprintf(stderr, " NAME (see --help)\n");
}

int helper_parse_args(int argc, char *argv[], const char *const *verbs, void (*help)(void), const char **ret_name) {
        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                help();
                return HELPER_SHOWED_HELP;
        }

        int verb = -1;
        for (int i = 0; argc == 3 && verbs[i]; i++)
                if (strcmp(argv[1], verbs[i]) == 0)
                        verb = i;
        if (verb < 0) {
                usage(verbs);
                return HELPER_BAD_USAGE;
        }

        const char *why;
        if (!guest_name_is_valid(argv[2], &why)) {
                log_error("Invalid guest name \"%s\": %s", argv[2], why);
                return HELPER_BAD_USAGE;
        }
        log_set_guest(argv[2]);
        *ret_name = argv[2];
        return verb;
}

int helper_load_guest(const char *name, Guest **ret) {
        int r = guest_load(name, ret);
        if (r == -ENOENT)
                return log_error_errno(ENOENT,
                                       "No guest %s: no %s.conf in /etc/vxm, /run/vxm or /usr/lib/vxm (or it "
                                       "is masked).",
                                       name, name);
        return r; /* the loader said what is wrong, with file:line */
}

int helper_load_all_guests(Guest ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        int r = guest_list(&names);
        if (r < 0)
                return r;

        Guest **l = xmalloc((strv_length(names) + 1) * sizeof *l);
        size_t n = 0;
        for (size_t i = 0; names && names[i]; i++) {
                int level = log_get_max_level();
                log_set_max_level(LOG_CRIT);
                r = guest_load(names[i], &l[n]);
                log_set_max_level(level);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        log_warning("Guest %s has configuration errors (see \"vxm check %s\"), ignoring it.", names[i],
                                    names[i]);
                        continue;
                }
                n++;
        }
        l[n] = NULL;
        *ret = l;
        return 0;
}

void guests_free(Guest **l) {
        for (size_t i = 0; l && l[i]; i++)
                guest_free(l[i]);
        free(l);
}
