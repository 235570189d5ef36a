/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "host/user-lookup.h"

int guest_identity(const char *user, GuestIdentity *ret) {
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return log_error_errno(errno ? errno : ESRCH,
                                       "User %s ([Guest] User=) does not exist%s; create it (the vxm package's "
                                       "sysusers.d snippet creates 'vxm') or change User=.",
                                       user, errno ? " or cannot be looked up" : "");
        ret->uid = pw->pw_uid;
        ret->gid = pw->pw_gid;

        struct group *gr = getgrnam("kvm");
        if (gr) {
                ret->gid = gr->gr_gid;
                ret->group_name = xstrdup("kvm");
                return 0;
        }
        gr = getgrgid(pw->pw_gid);
        ret->group_name = gr ? xstrdup(gr->gr_name) : xasprintf("%u", (unsigned) pw->pw_gid);
        return 0;
}

void guest_identity_done(GuestIdentity *id) {
        free(id->group_name);
        id->group_name = NULL;
}

int user_lookup_uid(const char *user, const char *key, uid_t *ret) {
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw)
                return log_error_errno(errno ? errno : ESRCH, "User %s (%s) does not exist%s; create it or fix %s.",
                                       user, key, errno ? " or cannot be looked up" : "", key);
        *ret = pw->pw_uid;
        return 0;
}
