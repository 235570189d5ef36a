/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pwd.h>
#include <unistd.h>

#include "config/guest-paths.h"
#include "host/guest-runtime.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"

int guest_check_user(const Guest *g) {
        uid_t uid = geteuid();
        if (uid == 0)
                return log_error_errno(EPERM,
                                       "Refusing to run guest %s as root: start it with systemctl start "
                                       "vxm-guest@%s.service, which runs it as User=%s.",
                                       g->name, g->name, g->user);
        errno = 0;
        struct passwd *pw = getpwnam(g->user);
        if (!pw)
                return log_error_errno(errno ? errno : ESRCH, "%s: [Guest] User=%s does not exist.", g->path, g->user);
        if (pw->pw_uid != uid)
                return log_error_errno(EPERM, "Running as uid %u, but guest %s runs as User=%s (uid %u) from %s.",
                                       (unsigned) uid, g->name, g->user, (unsigned) pw->pw_uid, g->path);
        return 0;
}

int guest_ensure_dirs(const Guest *g) {
        _cleanup_free_ char *run = guest_runtime_dir(g->name), *state = guest_state_dir(g->name);
        int r = root_mkdir_p(run, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", run);
        r = root_mkdir_p(state, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", state);
        return 0;
}
