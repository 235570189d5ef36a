/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "host/input-discovery.h"
#include "basic/log.h"
#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"

#define INPUT_MAJOR 13
#define BY_ID "/dev/input/by-id"

void input_devices_done(InputDevices *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->devices[i].path);
                free(l->devices[i].node);
        }
        free(l->devices);
        l->devices = NULL;
        l->n = 0;
}

static bool has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

int input_check_evdev(const char *path) {
        struct stat st;
        int r = root_stat(path, &st);
        if (r < 0)
                return r;
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != INPUT_MAJOR)
                return -ENOTTY;
        /* Minors 64..95 are evdev's fixed range; beyond 255 the kernel allocates dynamically for evdev and joydev
         * alike, so ask sysfs which one it is. */
        unsigned mi = minor(st.st_rdev);
        if (mi >= 64 && mi < 96)
                return 0;
        _cleanup_free_ char *link = xasprintf("/sys/dev/char/%u:%u", INPUT_MAJOR, mi), *name = NULL;
        if (root_readlink_basename(link, &name) == 0 && strncmp(name, "event", 5) == 0)
                return 0;
        return -ENOTTY;
}

/* /dev/input/by-id/NAME -> /dev/input/eventN (links are relative, "../eventN"); the result is unprefixed. */
static int resolve_node(const char *path, char **ret) {
        _cleanup_free_ char *cur = xstrdup(path);
        for (int depth = 0; depth < 8; depth++) {
                _cleanup_free_ char *target = NULL;
                int r = root_readlink(cur, &target);
                if (r == -EINVAL) { /* not a link: done */
                        *ret = TAKE_PTR(cur);
                        return 0;
                }
                if (r < 0)
                        return r;
                char *next;
                if (target[0] == '/')
                        next = xstrdup(target);
                else {
                        char *slash = strrchr(cur, '/');
                        next = xasprintf("%.*s/%s", (int) (slash - cur), cur, target);
                }
                /* Normalise "dir/../x" so the node name is canonical for de-duplication. */
                char *dd;
                while ((dd = strstr(next, "/../"))) {
                        char *start = dd;
                        while (start > next && start[-1] != '/')
                                start--;
                        if (start == next)
                                break;
                        memmove(start, dd + 4, strlen(dd + 4) + 1);
                }
                free(cur);
                cur = next;
        }
        return -ELOOP;
}

static bool node_listed(const InputDevices *l, const char *node) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->devices[i].node, node) == 0)
                        return true;
        return false;
}

static void add(InputDevices *l, const char *path, const char *node, bool keyboard) {
        l->devices = xrealloc(l->devices, (l->n + 1) * sizeof *l->devices);
        l->devices[l->n++] = (InputDevice){ .path = xstrdup(path), .node = xstrdup(node), .keyboard = keyboard };
}

static int add_explicit(InputDevices *l, const char *key, const char *path, bool keyboard, const Guest *g) {
        _cleanup_free_ char *node = NULL;
        int r = resolve_node(path, &node);
        if (r >= 0)
                r = input_check_evdev(node);
        struct stat st;
        if (r == -ENOENT)
                return log_error_errno(r, "%s: [Input] %s=%s: no such device%s.", g->path, key, path,
                                       root_lstat(path, &st) == 0 ? " (the link is dangling)" : " (is it plugged in?)");
        if (r == -ENOTTY)
                return log_error_errno(r,
                                       "%s: [Input] %s=%s: not an evdev device (expected a /dev/input/eventN node or a "
                                       "link to one, e.g. /dev/input/by-id/...-event-kbd).",
                                       g->path, key, path);
        if (r < 0)
                return log_error_errno(r, "%s: [Input] %s=%s: %m", g->path, key, path);
        if (node_listed(l, node))
                log_info("[Input] %s=%s is %s, which is already listed; using it once.", key, path, node);
        else
                add(l, path, node, keyboard);
        return 0;
}

/* The "usb-VENDOR_MODEL_SERIAL" part of a by-id name: everything before "-event-" or "-ifNN-event-". */
static char *by_id_device_prefix(const char *name) {
        const char *e = strstr(name, "-event-");
        if (!e)
                return NULL;
        const char *f = e;
        /* strip "-ifNN" */
        if (f - name > 5 && strncmp(f - 5, "-if", 3) == 0)
                f -= 5;
        return xstrndup(name, (size_t) (f - name));
}

static int discover(InputDevices *l, bool keyboard) {
        _cleanup_closedir_ DIR *d = root_opendir(BY_ID);
        if (!d) {
                if (errno == ENOENT) {
                        log_warning("%s does not exist: no USB %s found for %s=auto.", BY_ID,
                                    keyboard ? "keyboard" : "mouse", keyboard ? "Keyboard" : "Mouse");
                        return 0;
                }
                return log_error_errno(errno, "Failed to read %s: %m", BY_ID);
        }
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        strv_push(&names, de->d_name);
        strv_sort(names);

        const char *suffix = keyboard ? "-event-kbd" : "-event-mouse";
        _cleanup_strv_free_ char **prefixes = NULL;
        size_t found = 0;
        /* Pass 1: the classified interfaces; pass 2: the unclassified extra interfaces of the same devices. */
        for (int pass = 1; pass <= 2; pass++)
                for (size_t i = 0; names && names[i]; i++) {
                        const char *n = names[i];
                        _cleanup_free_ char *prefix = by_id_device_prefix(n);
                        if (!prefix)
                                continue;
                        if (pass == 1 && !has_suffix(n, suffix))
                                continue;
                        if (pass == 2 && (!strstr(n, "-event-if") || !strv_contains(prefixes, prefix)))
                                continue;

                        _cleanup_free_ char *path = xasprintf("%s/%s", BY_ID, n), *node = NULL;
                        int r = resolve_node(path, &node);
                        if (r >= 0)
                                r = input_check_evdev(node);
                        if (r < 0) {
                                log_warning_errno(r, "Skipping %s: %s.", path,
                                                  r == -ENOENT ? "the link is dangling (device unplugged?)"
                                                               : "not an evdev device");
                                continue;
                        }
                        if (pass == 1 && !strv_contains(prefixes, prefix))
                                strv_push(&prefixes, prefix);
                        if (node_listed(l, node)) {
                                log_debug("%s is %s, already listed.", path, node);
                                continue;
                        }
                        add(l, path, node, keyboard);
                        found++;
                }
        if (found == 0)
                log_warning("%s=auto: no %s found in %s.", keyboard ? "Keyboard" : "Mouse",
                            keyboard ? "keyboard" : "mouse", BY_ID);
        return 0;
}

int input_discover(const Guest *g, InputDevices *ret) {
        InputDevices l = {};
        int r = 0;

        for (size_t i = 0; g->keyboards && g->keyboards[i]; i++)
                if (add_explicit(&l, "Keyboard", g->keyboards[i], true, g) < 0)
                        r = -EINVAL;
        if (g->keyboard_auto && discover(&l, true) < 0)
                r = -EIO;
        for (size_t i = 0; g->mice && g->mice[i]; i++)
                if (add_explicit(&l, "Mouse", g->mice[i], false, g) < 0)
                        r = -EINVAL;
        if (g->mouse_auto && discover(&l, false) < 0)
                r = -EIO;

        if (r < 0) {
                input_devices_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}
