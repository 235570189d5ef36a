/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/program-version.h"

#define VERSION_TIMEOUT_MS 5000
#define OUTPUT_MAX 4096

char *program_find(const char *name) {
        static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                            "/usr/bin",        "/sbin",          "/bin" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                char *p = xasprintf("%s/%s", dirs[i], name);
                _cleanup_free_ char *full = root_path(p);
                if (access(full, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}

static long long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Reads the child's output until EOF, the limit or the deadline. 0, or -ETIME. */
static int read_output(int fd, char *buf, size_t size, size_t *ret_n) {
        size_t n = 0;
        long long deadline = now_ms() + VERSION_TIMEOUT_MS;
        for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIME;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int k = poll(&p, 1, (int) left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -ETIME;
                ssize_t m = read(fd, buf + n, size - 1 - n);
                if (m < 0 && errno == EINTR)
                        continue;
                if (m <= 0)
                        break;
                n += (size_t) m;
                if (n == size - 1)
                        break;
        }
        buf[n] = '\0';
        *ret_n = n;
        return 0;
}

static int parse_version(const char *out, ProgramVersion *v) {
        for (const char *p = out; *p; p++) {
                if (*p < '0' || *p > '9' || (p > out && ((p[-1] >= '0' && p[-1] <= '9') || p[-1] == '.')))
                        continue;
                unsigned a, b, c = 0;
                int k = sscanf(p, "%u.%u.%u", &a, &b, &c);
                if (k >= 2) {
                        *v = (ProgramVersion){ .major = a, .minor = b, .micro = k == 3 ? c : 0 };
                        return 0;
                }
        }
        return -EBADMSG;
}

int program_output(const char *path, const char *const *args, char **ret) {
        _cleanup_free_ char *full = root_path(path);
        size_t n_args = 0;
        while (args && args[n_args])
                n_args++;
        _cleanup_free_ char **argv = xmalloc((n_args + 2) * sizeof *argv);
        argv[0] = full;
        for (size_t i = 0; i < n_args; i++)
                argv[i + 1] = (char *) args[i];
        argv[n_args + 1] = NULL;

        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(pipefd[1], STDOUT_FILENO) < 0 ||
                    dup2(pipefd[1], STDERR_FILENO) < 0)
                        _exit(127);
                execv(full, argv);
                _exit(127);
        }
        close(pipefd[1]);

        char buf[OUTPUT_MAX];
        size_t n = 0;
        int r = read_output(pipefd[0], buf, sizeof buf, &n);
        close(pipefd[0]);
        if (r < 0)
                (void) kill(pid, SIGKILL);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && n == 0)
                return -ENOEXEC;
        *ret = xstrndup(buf, n);
        return 0;
}

int program_version(const char *path, ProgramVersion *ret) {
        static const char *const args[] = { "--version", NULL };
        _cleanup_free_ char *out = NULL;
        int r = program_output(path, args, &out);
        if (r < 0)
                return r;
        ProgramVersion v;
        r = parse_version(out, &v);
        if (r < 0)
                return r;
        v.line = xstrndup(out, strcspn(out, "\n"));
        *ret = v;
        return 0;
}

void program_version_done(ProgramVersion *v) {
        free(v->line);
        *v = (ProgramVersion){};
}

int program_version_compare(const ProgramVersion *v, unsigned major, unsigned minor) {
        if (v->major != major)
                return v->major < major ? -1 : 1;
        if (v->minor != minor)
                return v->minor < minor ? -1 : 1;
        return 0;
}
