/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "config/config-files.h"
#include "config/config.h"

static bool is_mask(const char *path) {
        _cleanup_free_ char *target = NULL;
        return root_readlink(path, &target) == 0 && strcmp(target, "/dev/null") == 0;
}

static void add(ConfigFile **f, size_t *n, const char *path, bool dropin, size_t dir, const char *winner) {
        *f = xrealloc(*f, (*n + 1) * sizeof **f);
        ConfigFileState state = winner ? CONFIG_FILE_SHADOWED : is_mask(path) ? CONFIG_FILE_MASK : CONFIG_FILE_USED;
        (*f)[(*n)++] = (ConfigFile){
                .path = xstrdup(path),
                .dropin = dropin,
                .dir = dir,
                .state = state,
                .winner = winner ? xstrdup(winner) : NULL,
        };
}

static const char *basename_of(const char *path) {
        return strrchr(path, '/') + 1;
}

/* Drop-ins by name, each name's files in precedence order (the one that counts first). */
static int dropin_compare(const void *a, const void *b) {
        const ConfigFile *x = a, *y = b;
        int r = strcmp(basename_of(x->path), basename_of(y->path));
        return r != 0 ? r : (x->dir > y->dir) - (x->dir < y->dir);
}

int guest_config_files(const char *name, ConfigFile **ret, size_t *ret_n) {
        if (!*name || strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
                return -EINVAL;
        ConfigFile *f = NULL;
        size_t n = 0;

        _cleanup_free_ char *first = NULL;
        for (size_t i = 0; config_dirs[i]; i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s.conf", config_dirs[i], name);
                struct stat st;
                if (root_lstat(p, &st) < 0)
                        continue;
                add(&f, &n, p, false, i, first);
                if (!first)
                        first = TAKE_PTR(p);
        }

        /* Drop-ins: the first file of each name over the directories in precedence order counts. */
        size_t n_main = n;
        for (size_t i = 0; config_dirs[i]; i++) {
                _cleanup_free_ char *dir = xasprintf("%s/%s.conf.d", config_dirs[i], name);
                _cleanup_closedir_ DIR *d = root_opendir(dir);
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        size_t len = strlen(de->d_name);
                        if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
                                continue;
                        _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                        const char *winner = NULL;
                        for (size_t k = n_main; k < n && !winner; k++)
                                if (!f[k].winner && strcmp(basename_of(f[k].path), de->d_name) == 0)
                                        winner = f[k].path;
                        _cleanup_free_ char *w = winner ? xstrdup(winner) : NULL; /* add() may move f */
                        add(&f, &n, p, true, i, w);
                }
        }
        if (n - n_main > 1)
                qsort(f + n_main, n - n_main, sizeof *f, dropin_compare);
        *ret = f;
        *ret_n = n;
        return 0;
}

void config_files_free(ConfigFile *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].path);
                free(f[i].winner);
        }
        free(f);
}
