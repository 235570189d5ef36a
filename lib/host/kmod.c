/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/kmod.h"

static char *with(const char *name, char from, char to) {
        char *s = xstrdup(name);
        for (char *p = s; *p; p++)
                if (*p == from)
                        *p = to;
        return s;
}

bool kmod_loaded(const char *name) {
        _cleanup_free_ char *u = with(name, '-', '_');
        _cleanup_free_ char *path = xasprintf("/sys/module/%s", u);
        return root_exists(path);
}

/* "/NAME.ko" anywhere in text, NAME spelt with '-' or '_' (module files use either). */
static bool lists(const char *text, const char *name) {
        _cleanup_free_ char *dash = with(name, '_', '-'), *under = with(name, '-', '_');
        _cleanup_free_ char *a = xasprintf("/%s.ko", dash), *b = xasprintf("/%s.ko", under);
        return text && (strstr(text, a) || strstr(text, b));
}

bool kmod_available(const char *name) {
        if (kmod_loaded(name))
                return true;
        _cleanup_free_ char *release = NULL;
        if (root_read_line("/proc/sys/kernel/osrelease", &release) < 0)
                return false;
        static const char *const lists_files[] = { "modules.dep", "modules.builtin" };
        for (size_t i = 0; i < ELEMENTSOF(lists_files); i++) {
                _cleanup_free_ char *path = xasprintf("/lib/modules/%s/%s", release, lists_files[i]), *text = NULL;
                if (root_read_file(path, &text, NULL) >= 0 && lists(text, name))
                        return true;
        }
        return false;
}

int kmod_parameter(const char *name, const char *param, char **ret) {
        _cleanup_free_ char *u = with(name, '-', '_');
        _cleanup_free_ char *path = xasprintf("/sys/module/%s/parameters/%s", u, param);
        return root_read_line(path, ret);
}
