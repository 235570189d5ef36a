/* SPDX-License-Identifier: BSD-3-Clause */
/* Who gets /dev/vfio/GROUP: QEMU runs as the guest's User=, and needs the group node read-write. udev makes the node
 * root:vxm 0660, which every guest user could open; vxm-vfio narrows it to the one user whose guest owns the device. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "vxm-vfio.h"

void vfio_access_done(VfioAccess *a) {
        free(a->who);
        *a = (VfioAccess){};
}

int vfio_access_plan(const VfioTarget *t, VfioAccess *ret) {
        *ret = (VfioAccess){};
        if (t->n_guests == 0)
                return 0; /* bound by hand: the node stays as udev made it (group vxm, 0660) */

        const char *user = t->guests[0]->user;
        bool same = true;
        for (size_t i = 1; i < t->n_guests; i++)
                same = same && strcmp(t->guests[i]->user, user) == 0;

        if (same) {
                errno = 0;
                struct passwd *pw = getpwnam(user);
                if (!pw)
                        return log_error_errno(errno ?: ENOENT,
                                               "%s: user %s (User= in %s) does not exist, so nobody could open "
                                               "/dev/vfio for it. Create it (systemd-sysusers creates \"vxm\") or "
                                               "fix User=.",
                                               t->label, user, t->guests[0]->path);
                *ret = (VfioAccess){ .change = true,
                                     .uid = pw->pw_uid,
                                     .gid = (gid_t) -1,
                                     .mode = 0600,
                                     .who = xasprintf("user %s", user) };
                return 0;
        }

        /* Guests that share a device conflict, so only one runs at a time; the shared group lets each of them in. */
        errno = 0;
        struct group *gr = getgrnam("vxm");
        if (!gr)
                return log_error_errno(errno ?: ENOENT,
                                       "%s is listed by guests with different users, so /dev/vfio goes to group "
                                       "vxm, which does not exist. Create it (systemd-sysusers does) or give the "
                                       "guests the same User=.",
                                       t->label);
        *ret = (VfioAccess){ .change = true, .uid = 0, .gid = gr->gr_gid, .mode = 0660, .who = xstrdup("group vxm") };
        return 0;
}
