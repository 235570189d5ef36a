/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/guest-runtime.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "qemu/qemu-argv.h"
#include "basic/root-path.h"
#include "basic/safe-open.h"
#include "basic/shell-quote.h"
#include "basic/strv.h"
#include "vxm-guest.h"

static int copy_file(int from, int to) {
        char buf[65536];
        for (;;) {
                ssize_t n = read(from, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t k = write(to, buf + off, (size_t) (n - off));
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        off += k;
                }
        }
}

/* The guest's variable store is created once from the firmware's template and then kept: boot entries and Secure
 * Boot keys the guest enrolled survive restarts. Written to a temporary file and renamed, so a crash half-way never
 * leaves a truncated store behind that would be taken for a real one next time. */
static int ensure_vars(const QemuPlan *p) {
        /* The store is in the guest's own directory: a link or a FIFO there is refused, not followed or waited on. */
        _cleanup_free_ char *reason = NULL;
        _cleanup_close_ int existing = root_open_safe(p->vars, 0, &reason);
        if (reason)
                return log_error_errno(existing, "The UEFI variable store %s cannot be used: %s.", p->vars, reason);
        if (existing >= 0) {
                log_debug("Using the existing UEFI variable store %s.", p->vars);
                return 0;
        }
        if (existing != -ENOENT)
                return log_error_errno(existing, "Failed to access %s: %m", p->vars);

        _cleanup_close_ int from = root_open_safe(p->firmware->vars_template, 0, &reason);
        if (reason)
                return log_error_errno(from, "The VARS template %s cannot be used: %s.", p->firmware->vars_template,
                                       reason);
        if (from < 0)
                return log_error_errno(from, "Failed to open the VARS template %s: %m", p->firmware->vars_template);

        _cleanup_free_ char *target = root_path(p->vars);
        _cleanup_free_ char *tmp = xasprintf("%s.vxm-tmp-XXXXXX", target);
        _cleanup_close_ int to = mkostemp(tmp, O_CLOEXEC);
        if (to < 0)
                return log_error_errno(errno, "Failed to create a file next to %s: %m", p->vars);
        int r = copy_file(from, to);
        if (r >= 0 && (fchmod(to, 0600) < 0 || fsync(to) < 0))
                r = -errno;
        if (r >= 0 && rename(tmp, target) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return log_error_errno(r, "Failed to create the UEFI variable store %s: %m", p->vars);
        }
        log_info("Created the UEFI variable store %s from %s.", p->vars, p->firmware->vars_template);
        return 0;
}

static void log_plan(const QemuPlan *p) {
        const Guest *g = p->guest;
        if (!p->firmware)
                log_info("Direct kernel boot of %s%s%s ([Boot] Kernel= in %s), no UEFI firmware.", g->kernel,
                         g->initrd ? " with " : "", g->initrd ? g->initrd : "", g->path);
        else if (p->firmware->descriptor)
                log_info("Firmware %s (from %s)%s%s.", p->firmware->code, p->firmware->descriptor,
                         p->firmware->secure_boot ? ", Secure Boot" : "", p->firmware->requires_smm ? ", SMM" : "");
        else
                log_info("Firmware %s ([Firmware] Code= in %s)%s.", p->firmware->code, g->path,
                         p->firmware->requires_smm ? ", SMM" : "");
}

/* Type=notify: the start job ends when the guest runs, and fails on everything before that (bad config, firmware,
 * ROM, a QEMU that exits or cannot be placed), so `systemctl start` reports what really happened. QEMU does not speak
 * sd_notify: this process starts it and stays the unit's main process as the start watcher (vxm-guest started, in the
 * same sandbox and as the same user), which says READY=1 and MAINPID=QEMU once the guest runs, and exits. That is
 * the unit's job, not one more process for systemd to fork and set up after QEMU (ExecStartPost=), which under
 * emulation costs more than the wait. Without $NOTIFY_SOCKET (not under systemd) QEMU is executed in this process and
 * `vxm-guest started` waits for it by hand. */
static int exec_qemu(const char *name, char **argv) {
        if (getenv("NOTIFY_SOCKET")) {
                /* QEMU is forked as this process's sibling, PID 1's own child (CLONE_PARENT): systemd waits for the
                 * exit of a main process it reaps itself, while one that is not its child is "alien" and is not
                 * waited for on stop, so ExecStopPost= (down, which gives the devices back) could run before QEMU
                 * has let go of them. */
                pid_t pid = (pid_t) syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
                if (pid < 0)
                        return log_error_errno(errno, "Failed to fork QEMU for guest %s: %m", name);
                if (pid > 0)
                        return guest_watch_start(name, pid);
                /* Only the watcher reports readiness: QEMU gets no socket to claim it early. */
                unsetenv("NOTIFY_SOCKET");
                execvp(argv[0], argv);
                log_error_errno(errno, "Failed to execute %s: %m", argv[0]);
                _exit(EXIT_FAILURE);
        }
        execvp(argv[0], argv);
        return log_error_errno(errno, "Failed to execute %s: %m", argv[0]);
}

int guest_run(const char *name) {
        log_set_guest(name);

        _cleanup_guest_free_ Guest *g = NULL;
        int r = helper_load_guest(name, &g);
        if (r == -EINVAL)
                return log_error_errno(r, "Guest %s has configuration errors (see above); not starting it.", name);
        if (r < 0)
                return r;
        log_info("Starting guest %s from %s.", name, g->path);

        r = guest_check_user(g);
        if (r < 0)
                return r;

        QemuPlan plan;
        r = qemu_plan_prepare(g, &plan);
        if (r < 0)
                return log_error_errno(r, "Guest %s cannot start (see above).", name);
        r = qemu_plan_require_shared(&plan);
        if (r < 0) {
                qemu_plan_done(&plan);
                return log_error_errno(r, "Guest %s cannot start (see above).", name);
        }
        log_plan(&plan);

        _cleanup_strv_free_ char **argv = NULL;
        r = guest_ensure_dirs(g);
        if (r >= 0 && plan.firmware)
                r = ensure_vars(&plan);
        if (r >= 0)
                r = qemu_argv_build(&plan, &argv);
        qemu_plan_done(&plan);
        if (r < 0)
                return r;

        _cleanup_free_ char *cmdline = shell_quote_argv(argv, " ");
        log_info("Executing QEMU: %s", cmdline);
        /* QEMU's stderr is the unit's journal stream: its last words land next to these lines. */
        return exec_qemu(name, argv);
}
