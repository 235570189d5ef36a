/* SPDX-License-Identifier: BSD-3-Clause */
/* A stand-in for PID 1's private bus socket, for the vxm-vfio tests: answers org.freedesktop.systemd1.Manager.ListJobs
 * with the jobs given on the command line, to every client, until killed.
 *
 *   fake-systemd SOCKET [UNIT:TYPE]...     e.g. fake-systemd $R/run/systemd/private vxm-guest@win.service:start
 *
 * The socket appears (by rename) only once it listens, so a test can wait for the path. Each call is logged on stdout
 * as "ListJobs". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

static char **jobs;
static int n_jobs;

static int list_jobs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(usssoo)");
        for (int i = 0; r >= 0 && i < n_jobs; i++) {
                char unit[256], path[64];
                const char *colon = strrchr(jobs[i], ':');
                if (!colon || (size_t) (colon - jobs[i]) >= sizeof unit)
                        return -EINVAL;
                snprintf(unit, sizeof unit, "%.*s", (int) (colon - jobs[i]), jobs[i]);
                snprintf(path, sizeof path, "/org/freedesktop/systemd1/job/%d", 100 + i);
                r = sd_bus_message_append(reply, "(usssoo)", (uint32_t) (100 + i), unit, colon + 1, "waiting", path,
                                          "/org/freedesktop/systemd1/unit/fake");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        printf("ListJobs\n");
        fflush(stdout);
        return r < 0 ? r : 1;
}

static const sd_bus_vtable manager[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ListJobs", "", "a(usssoo)", list_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static void serve(int fd) {
        sd_bus *bus = NULL;
        sd_id128_t id;
        int r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_fd(bus, fd, fd);
        if (r >= 0)
                r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_set_server(bus, 1, id);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                             manager, NULL);
        if (r >= 0)
                r = sd_bus_start(bus);
        while (r >= 0 && sd_bus_is_open(bus) > 0) {
                r = sd_bus_process(bus, NULL);
                if (r == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        }
        sd_bus_flush_close_unref(bus);
}

int main(int argc, char *argv[]) {
        if (argc < 2) {
                fprintf(stderr, "usage: fake-systemd SOCKET [UNIT:TYPE]...\n");
                return 2;
        }
        jobs = argv + 2;
        n_jobs = argc - 2;

        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char tmp[sizeof sa.sun_path];
        if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]) >= (int) sizeof tmp) {
                fprintf(stderr, "socket path too long\n");
                return 1;
        }
        memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0 || bind(s, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(s, 8) < 0 || rename(tmp, argv[1]) < 0) {
                perror(argv[1]);
                return 1;
        }
        for (;;) {
                int fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("accept");
                        return 1;
                }
                serve(fd);
        }
}
