/* SPDX-License-Identifier: BSD-3-Clause */
/* vxm-swtpm: the guest's TPM 2.0 emulator, as the guest's user. Run by vxm-swtpm@NAME.service (Type=notify).
 *
 * First start: swtpm_setup manufactures the TPM (EK and platform certificates from a CA private to this guest) in
 * /var/lib/vxm/NAME/tpm. Every start: this helper binds the control socket /run/vxm/guests/NAME/swtpm.sock itself,
 * tells systemd it is ready, and execs swtpm with the listening socket as --ctrl fd=. So the socket exists before
 * vxm-guest@NAME (ordered after this unit) starts QEMU, with no polling, and swtpm keeps the same PID. swtpm runs
 * with --terminate: it exits when QEMU's connection goes away, so a QEMU that died leaves no swtpm behind; the
 * unit's StopWhenUnneeded=yes covers a guest unit that stops before QEMU ever connected. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "config/config.h"
#include "config/guest-paths.h"
#include "host/guest-runtime.h"
#include "config/helper-cli.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "vxm-config.h"

/* The first file descriptor after stdin/out/err: what swtpm gets as --ctrl type=unixio,fd=3. */
#define CTRL_FD 3

/* swtpm_setup's defaults (/etc/swtpm_setup.conf, /var/lib/swtpm-localca) belong to root or tss; the guest's user
 * gets its own CA next to its TPM state. */
static int write_setup_config(const char *state, char **ret_config) {
        _cleanup_free_ char *ca = xasprintf("%s/swtpm-localca", state);
        int r = root_mkdir_p(ca, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", ca);

        _cleanup_free_ char *ca_root = root_path(ca);
        _cleanup_free_ char *localca = xasprintf("statedir = %s\n"
                                                 "signingkey = %s/signkey.pem\n"
                                                 "issuercert = %s/issuercert.pem\n"
                                                 "certserial = %s/certserial\n",
                                                 ca_root, ca_root, ca_root, ca_root);
        _cleanup_free_ char *options = xstrdup("--platform-manufacturer vxm\n--platform-version 2.1\n"
                                               "--platform-model QEMU\n");
        _cleanup_free_ char *setup = xasprintf("create_certs_tool = %s\n"
                                               "create_certs_tool_config = %s/swtpm-localca.conf\n"
                                               "create_certs_tool_options = %s/swtpm-localca.options\n"
                                               "active_pcr_banks = sha256\n",
                                               "/usr/bin/swtpm_localca", ca_root, ca_root);
        const struct {
                const char *name, *content;
        } files[] = {
                { "swtpm-localca.conf", localca },
                { "swtpm-localca.options", options },
                { "swtpm_setup.conf", setup },
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", ca, files[i].name);
                r = root_write_file_atomic(p, files[i].content, 0600);
                if (r < 0)
                        return log_error_errno(r, "Failed to write %s: %m", p);
        }
        *ret_config = xasprintf("%s/swtpm_setup.conf", ca_root);
        return 0;
}

static int run_and_wait(char *const argv[]) {
        pid_t pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid == 0) {
                execvp(argv[0], argv);
                fprintf(stderr, "vxm-swtpm: failed to execute %s: %m\n", argv[0]);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(errno, "Failed to wait for %s: %m", argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return log_error_errno(EIO, "%s failed with exit status %d (its output is above).", argv[0],
                                       WEXITSTATUS(status));
        return log_error_errno(EIO, "%s was killed by signal %d.", argv[0], WTERMSIG(status));
}

static int manufacture(const char *state, const char *tpm) {
        _cleanup_free_ char *permall = xasprintf("%s/tpm2-00.permall", tpm);
        if (root_exists(permall)) {
                log_debug("TPM state %s exists.", permall);
                return 0;
        }

        _cleanup_free_ char *config = NULL;
        int r = write_setup_config(state, &config);
        if (r < 0)
                return r;

        _cleanup_free_ char *tpm_root = root_path(tpm);
        log_info("Manufacturing the TPM in %s (EK and platform certificates).", tpm);
        char *argv[] = {
                (char *) "swtpm_setup",
                (char *) "--tpm2",
                (char *) "--tpmstate",
                tpm_root,
                (char *) "--create-ek-cert",
                (char *) "--create-platform-cert",
                (char *) "--not-overwrite",
                (char *) "--pcr-banks",
                (char *) "sha256",
                (char *) "--config",
                config,
                NULL,
        };
        r = run_and_wait(argv);
        if (r < 0)
                return r;
        if (!root_exists(permall))
                return log_error_errno(ENOENT, "swtpm_setup succeeded but left no %s.", permall);
        return 0;
}

/* Binds a fresh listening socket (a stale one from a crash is replaced) at CTRL_FD, without O_CLOEXEC. */
static int bind_ctrl_socket(const char *sock) {
        _cleanup_free_ char *p = root_path(sock);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(p) >= sizeof sa.sun_path)
                return log_error_errno(ENAMETOOLONG, "Socket path %s is too long.", p);
        strcpy(sa.sun_path, p);

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket: %m");
        if (unlink(p) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove the stale %s: %m", sock);
        mode_t old = umask(0177);
        int r = bind(fd, (struct sockaddr *) &sa, sizeof sa);
        umask(old);
        if (r < 0)
                return log_error_errno(errno, "Failed to bind %s: %m", sock);
        if (listen(fd, 1) < 0)
                return log_error_errno(errno, "Failed to listen on %s: %m", sock);
        if (fd == CTRL_FD) {
                if (fcntl(fd, F_SETFD, 0) < 0)
                        return log_error_errno(errno, "Failed to clear FD_CLOEXEC: %m");
                TAKE_FD(fd);
                return 0;
        }
        /* The copy has no FD_CLOEXEC; the original is closed on return. */
        if (dup2(fd, CTRL_FD) < 0)
                return log_error_errno(errno, "Failed to move the socket to fd %d: %m", CTRL_FD);
        return 0;
}

static int swtpm_run(const char *name) {
        log_set_guest(name);
        _cleanup_guest_free_ Guest *g = NULL;
        int r = helper_load_guest(name, &g);
        if (r == -EINVAL)
                return log_error_errno(r, "Guest %s has configuration errors (see above).", name);
        if (r < 0)
                return r;
        if (!g->tpm)
                return log_error_errno(EINVAL, "%s: guest %s has no [TPM] Enable=yes.", g->path, name);
        r = guest_check_user(g);
        if (r < 0)
                return r;
        r = guest_ensure_dirs(g);
        if (r < 0)
                return r;

        _cleanup_free_ char *state = guest_state_dir(name), *tpm = guest_tpm_state_dir(name),
                            *sock = guest_swtpm_socket(name);
        r = root_mkdir_p(tpm, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", tpm);
        r = manufacture(state, tpm);
        if (r < 0)
                return r;
        r = bind_ctrl_socket(sock);
        if (r < 0)
                return r;

        /* TPM_PATH instead of --tpmstate dir=: swtpm's option parser has no escape for ',' in a path. */
        _cleanup_free_ char *tpm_root = root_path(tpm);
        if (setenv("TPM_PATH", tpm_root, 1) < 0)
                return log_error_errno(errno, "Failed to set TPM_PATH: %m");
        char ctrl[32];
        snprintf(ctrl, sizeof ctrl, "type=unixio,fd=%d", CTRL_FD);
        char *argv[] = {
                (char *) "swtpm",
                (char *) "socket",
                (char *) "--tpm2",
                (char *) "--terminate",
                (char *) "--ctrl",
                ctrl,
                NULL,
        };

        log_info("TPM of guest %s listening on %s.", name, sock);
        sd_notify(0, "READY=1\nSTATUS=Listening on the control socket");
        execvp(argv[0], argv);
        return log_error_errno(errno, "Failed to execute %s: %m", argv[0]);
}

static void help(FILE *f) {
        fprintf(f, "Usage: vxm-swtpm run NAME\n"
                   "\n"
                   "Runs the software TPM 2.0 of guest NAME for vxm-swtpm@NAME.service: manufactures it with\n"
                   "swtpm_setup on first start (state in /var/lib/vxm/NAME/tpm), then executes swtpm on the\n"
                   "control socket /run/vxm/guests/NAME/swtpm.sock, which QEMU connects to.\n"
                   "\n"
                   "Options:\n"
                   "  -h --help      Show this help\n"
                   "     --version   Show the version\n");
}

int main(int argc, char *argv[]) {
        log_setup("vxm-swtpm", LOG_TARGET_AUTO);
        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                help(stdout);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "--version") == 0) {
                printf("vxm-swtpm %s\n", VXM_VERSION);
                return 0;
        }
        if (argc != 3 || strcmp(argv[1], "run") != 0) {
                help(stderr);
                return 2;
        }
        return swtpm_run(argv[2]) < 0 ? 1 : 0;
}
