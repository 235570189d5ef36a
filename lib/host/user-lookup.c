/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pwd.h>

#include "basic/log.h"
#include "host/user-lookup.h"

int user_lookup_uid(const char *user, const char *key, uid_t *ret) {
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return log_error_errno(errno ? errno : ESRCH, "User %s (%s) does not exist%s; create it or fix %s.",
                                       user, key, errno ? " or cannot be looked up" : "", key);
        *ret = pw->pw_uid;
        return 0;
}
