/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/parse-util.h"
#include "basic/root-path.h"
#include "host/thread-affinity.h"

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

int process_threads(pid_t pid, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *dir = xasprintf("/proc/%d/task", (int) pid);
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        if (!d)
                return errno == ENOENT ? -ESRCH : -errno;
        _cleanup_free_ pid_t *tids = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                unsigned long v;
                if (parse_unsigned(de->d_name, 4194304, &v) < 0 || v == 0)
                        continue;
                tids = xrealloc(tids, (n + 1) * sizeof *tids);
                tids[n++] = (pid_t) v;
        }
        if (n == 0)
                return -ESRCH;
        qsort(tids, n, sizeof *tids, pid_compare);
        *ret = TAKE_PTR(tids);
        *ret_n = n;
        return 0;
}

static char *task_path(pid_t pid, pid_t tid, const char *file) {
        return xasprintf("/proc/%d/task/%d/%s", (int) pid, (int) tid, file);
}

int thread_name(pid_t pid, pid_t tid, char **ret) {
        _cleanup_free_ char *p = task_path(pid, tid, "comm");
        return root_read_line(p, ret);
}

int thread_affinity(pid_t pid, pid_t tid, CpuSet *ret) {
        _cleanup_free_ char *p = task_path(pid, tid, "status"), *text = NULL;
        int r = root_read_file(p, &text, NULL);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        const char *key = "\nCpus_allowed_list:";
        char *v = strstr(text, key);
        if (!v)
                return -EBADMSG;
        v += strlen(key);
        v[strcspn(v, "\n")] = '\0';
        return cpu_set_parse(v, ret, NULL) < 0 ? -EBADMSG : 0;
}

int thread_last_cpu(pid_t pid, pid_t tid, int *ret) {
        _cleanup_free_ char *p = task_path(pid, tid, "stat"), *line = NULL;
        int r = root_read_line(p, &line);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        /* The name (field 2) is in parentheses and may hold blanks and ')': count fields after the last ')'. */
        const char *s = strrchr(line, ')');
        if (!s)
                return -EBADMSG;
        unsigned field = 2;
        for (s++; *s; s++)
                if (*s == ' ' && ++field == 39) {
                        int cpu;
                        if (sscanf(s + 1, "%d", &cpu) != 1)
                                return -EBADMSG;
                        *ret = cpu;
                        return 0;
                }
        return -EBADMSG;
}

int thread_set_affinity(pid_t tid, const CpuSet *s) {
        cpu_set_t *set = CPU_ALLOC(CPU_SET_MAX);
        if (!set)
                return -ENOMEM;
        size_t size = CPU_ALLOC_SIZE(CPU_SET_MAX);
        CPU_ZERO_S(size, set);
        for (int c = cpu_set_next(s, 0); c >= 0; c = cpu_set_next(s, (unsigned) c + 1))
                CPU_SET_S((size_t) c, size, set);
        int r = sched_setaffinity(tid, size, set) < 0 ? -errno : 0;
        CPU_FREE(set);
        return r;
}
