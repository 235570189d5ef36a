/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "host/pci-holders.h"

/* Adds /dev/DEVNAME for every device node below sysfs directory dir (its entries' uevent files say DEVNAME=). */
static void nodes_below(const char *dir, char ***nodes) {
        _cleanup_closedir_ DIR *d = root_opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *ue = xasprintf("%s/%s/uevent", dir, de->d_name), *text = NULL;
                if (root_read_file(ue, &text, NULL) < 0)
                        continue;
                const char *name = strstr(text, "DEVNAME=");
                if (!name || (name != text && name[-1] != '\n'))
                        continue;
                name += strlen("DEVNAME=");
                _cleanup_free_ char *node = xasprintf("/dev/%.*s", (int) strcspn(name, "\n"), name);
                if (!strv_contains(*nodes, node)) /* a DRM card's connectors repeat its DEVNAME */
                        strv_consume(nodes, TAKE_PTR(node));
        }
}

void pci_device_holder_nodes(const PciDevice *d, char ***ret) {
        _cleanup_free_ char *drm = xasprintf("/sys/bus/pci/devices/%s/drm", d->bdf),
                            *sound = xasprintf("/sys/bus/pci/devices/%s/sound", d->bdf);
        char **nodes = NULL;
        nodes_below(drm, &nodes);

        _cleanup_closedir_ DIR *dir = root_opendir(sound);
        struct dirent *de;
        while (dir && (de = readdir(dir)))
                if (strncmp(de->d_name, "card", 4) == 0) {
                        _cleanup_free_ char *card = xasprintf("%s/%s", sound, de->d_name);
                        nodes_below(card, &nodes);
                }

        /* NVIDIA's driver makes no DRM node for compute-only use; its per-GPU node is /dev/nvidia<minor>. */
        _cleanup_free_ char *info = xasprintf("/proc/driver/nvidia/gpus/%s/information", d->bdf), *text = NULL;
        const char *m;
        unsigned minor;
        if (d->vendor == PCI_VENDOR_NVIDIA && d->driver && strcmp(d->driver, "nvidia") == 0 &&
            root_read_file(info, &text, NULL) >= 0 && (m = strstr(text, "Device Minor:")) &&
            sscanf(m, "Device Minor: %u", &minor) == 1)
                strv_consume(&nodes, xasprintf("/dev/nvidia%u", minor));
        *ret = nodes;
}

static bool is_number(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s);
}

char *proc_unit(pid_t pid) {
        _cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int) pid), *text = NULL;
        if (root_read_file(path, &text, NULL) < 0)
                return NULL;
        /* cgroup v2: "0::/system.slice/gdm.service"; v1: the name=systemd hierarchy has the same path. */
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *p = strstr(line, "::/");
                if (!p && !(p = strstr(line, ":name=systemd:/")))
                        continue;
                p = strchr(p, '/');
                char *last = strrchr(p, '/') + 1;
                size_t n = strlen(last);
                if (n > 6 && (strcmp(last + n - 6, ".scope") == 0 || (n > 8 && strcmp(last + n - 8, ".service") == 0)))
                        return xstrdup(last);
                return NULL;
        }
        return NULL;
}

static char *proc_comm(const char *pid) {
        _cleanup_free_ char *path = xasprintf("/proc/%s/comm", pid);
        char *comm = NULL;
        if (root_read_line(path, &comm) < 0)
                return xstrdup("?");
        return comm;
}

/* What readlink() of /proc/PID/fd/N shows for node: the node itself, or (a real process holding a node of a fake
 * tree in the tests) the node below VXM_ROOT. */
static int node_index(char *const *nodes, const char *target) {
        const char *prefix = root_prefix();
        size_t n = strlen(prefix);
        for (size_t i = 0; nodes[i]; i++)
                if (strcmp(target, nodes[i]) == 0 ||
                    (n > 0 && strncmp(target, prefix, n) == 0 && strcmp(target + n, nodes[i]) == 0))
                        return (int) i;
        return -1;
}

static void holders_of_pid(const char *pid, char *const *nodes, PciHolder **h, size_t *n, unsigned *hidden) {
        _cleanup_free_ char *fddir = xasprintf("/proc/%s/fd", pid);
        _cleanup_closedir_ DIR *fds = root_opendir(fddir);
        if (!fds) {
                if (errno == EACCES || errno == EPERM)
                        (*hidden)++;
                return;
        }
        size_t n_nodes = strv_length(nodes);
        _cleanup_free_ bool *seen = xmalloc(n_nodes * sizeof(bool));
        memset(seen, 0, n_nodes * sizeof(bool));
        struct dirent *fe;
        while ((fe = readdir(fds))) {
                if (!is_number(fe->d_name))
                        continue;
                _cleanup_free_ char *fd = xasprintf("%s/%s", fddir, fe->d_name), *target = NULL;
                if (root_readlink(fd, &target) < 0)
                        continue;
                int i = node_index(nodes, target);
                if (i < 0 || seen[i])
                        continue;
                seen[i] = true;
                *h = xrealloc(*h, (*n + 1) * sizeof **h);
                (*h)[(*n)++] = (PciHolder){
                        .pid = (pid_t) atol(pid),
                        .comm = proc_comm(pid),
                        .unit = proc_unit((pid_t) atol(pid)),
                        .node = xstrdup(nodes[i]),
                };
        }
}

static int holder_compare(const void *a, const void *b) {
        const PciHolder *x = a, *y = b;
        return x->pid != y->pid ? (x->pid > y->pid) - (x->pid < y->pid) : strcmp(x->node, y->node);
}

void proc_find_holders(char *const *nodes, PciHolder **ret, size_t *ret_n, unsigned *ret_hidden) {
        PciHolder *h = NULL;
        size_t n = 0;
        unsigned hidden = 0;

        _cleanup_closedir_ DIR *proc = nodes && nodes[0] ? root_opendir("/proc") : NULL;
        struct dirent *de;
        while (proc && (de = readdir(proc)))
                if (is_number(de->d_name) && (pid_t) atol(de->d_name) != getpid())
                        holders_of_pid(de->d_name, nodes, &h, &n, &hidden);
        if (n > 1)
                qsort(h, n, sizeof *h, holder_compare);
        *ret = h;
        *ret_n = n;
        if (ret_hidden)
                *ret_hidden = hidden;
}

void pci_holders_free(PciHolder *h, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(h[i].comm);
                free(h[i].unit);
                free(h[i].node);
        }
        free(h);
}

char *pci_holder_describe(const PciHolder *h) {
        if (h->unit)
                return xasprintf("pid %d (%s) has %s open (in %s)", (int) h->pid, h->comm, h->node, h->unit);
        return xasprintf("pid %d (%s) has %s open", (int) h->pid, h->comm, h->node);
}

static int pid_compare(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

void proc_find_by_comm(const char *comm, pid_t **ret, size_t *ret_n) {
        pid_t *pids = NULL;
        size_t n = 0;
        _cleanup_closedir_ DIR *proc = root_opendir("/proc");
        struct dirent *de;
        while (proc && (de = readdir(proc))) {
                if (!is_number(de->d_name))
                        continue;
                _cleanup_free_ char *c = proc_comm(de->d_name);
                if (strcmp(c, comm) != 0)
                        continue;
                pids = xrealloc(pids, (n + 1) * sizeof *pids);
                pids[n++] = (pid_t) atol(de->d_name);
        }
        if (n > 1)
                qsort(pids, n, sizeof *pids, pid_compare);
        *ret = pids;
        *ret_n = n;
}
