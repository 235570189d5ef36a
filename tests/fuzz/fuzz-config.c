/* SPDX-License-Identifier: BSD-3-Clause */
/* The config loader (config/config.h) on a guest with drop-ins in three directories (see fuzz-guest.h). Checked:
 * a refusal comes with errors that each name one of the files and a line in it; an accepted guest keeps every
 * promise of the model (ranges, no control characters, sources within the files); the drop-in that a same-named
 * file in a higher directory shadows has no effect at all; and loading is repeatable (same guest, same messages).
 * Ownership: with one of the files, or one of their directories, writable by its group (which file: the input's
 * size decides), the guest is refused with an error that names that file or directory and says
 * "chmod go-w PATH", whatever the files say; only the shadowed drop-in's own mode changes nothing, as it is never
 * read (its directory still counts: whoever can write it could add a drop-in). */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "basic/macro.h"
#include "config/config.h"
#include "fuzz-guest.h"
#include "fuzz.h"

static int load(const FuzzGuestFiles *files, char **ret_dump, char **ret_messages) {
        fuzz_log_reset();
        Guest *g = NULL;
        int r = guest_load("fuzz", &g);
        fuzz_check(r == 0 || r == -EINVAL, "guest_load() returned %d", r);
        fuzz_guest_check_errors(files, r < 0);
        if (r == 0)
                fuzz_guest_check(g, files);
        *ret_dump = g ? fuzz_guest_dump(g) : xstrdup("refused");
        guest_free(g);

        size_t len = 0;
        for (size_t i = 0; i < fuzz_log_n; i++)
                len += strlen(fuzz_log_messages[i]) + 1;
        char *m = xmalloc(len + 1), *p = m;
        for (size_t i = 0; i < fuzz_log_n; i++)
                p = stpcpy(stpcpy(p, fuzz_log_messages[i]), "\n");
        *ret_messages = m;
        return r;
}

static char *dirname_of(const char *path) {
        char *d = xstrdup(path);
        *strrchr(d, '/') = '\0';
        return d;
}

/* Loads once more with one file or directory (chosen by the input's size) writable by its group. */
static void check_ownership(const FuzzGuestFiles *files, size_t size, int r, const char *dump, const char *messages) {
        size_t k = size % (2 * files->n), piece = k / 2;
        bool dir = k % 2;
        _cleanup_free_ char *path = dir ? dirname_of(fuzz_guest_paths[piece]) : xstrdup(fuzz_guest_paths[piece]);
        mode_t mode = dir ? 0755 : 0644;

        fuzz_guest_chmod(path, mode | 0020);
        _cleanup_free_ char *dump3 = NULL, *messages3 = NULL;
        fuzz_log_reset();
        Guest *g = NULL;
        int r3 = guest_load("fuzz", &g);
        if (g)
                dump3 = fuzz_guest_dump(g);
        guest_free(g);
        fuzz_guest_chmod(path, mode);

        if (piece == 3 && !dir && files->n > 3) { /* shadowed by piece 1: never opened */
                size_t len = 0;
                for (size_t i = 0; i < fuzz_log_n; i++)
                        len += strlen(fuzz_log_messages[i]) + 1;
                messages3 = xmalloc(len + 1);
                char *p = messages3;
                *p = '\0';
                for (size_t i = 0; i < fuzz_log_n; i++)
                        p = stpcpy(stpcpy(p, fuzz_log_messages[i]), "\n");
                fuzz_check(r3 == r && strcmp(dump3 ? dump3 : "refused", dump) == 0 && strcmp(messages3, messages) == 0,
                           "the shadowed drop-in's mode changed the result:\n%s%s---\n%s%s", dump, messages,
                           dump3 ? dump3 : "refused\n", messages3);
                return;
        }
        fuzz_check(r3 == -EINVAL, "%s writable by its group, and guest_load() returned %d", path, r3);
        _cleanup_free_ char *start = xasprintf("%s is owned by ", path), *fix = xasprintf("Run: chmod go-w %s", path);
        bool said = false;
        for (size_t i = 0; i < fuzz_log_n && !said; i++)
                said = fuzz_log_levels[i] <= LOG_ERR && strncmp(fuzz_log_messages[i], start, strlen(start)) == 0 &&
                       strstr(fuzz_log_messages[i], fix);
        fuzz_check(said, "%s writable by its group: no error that names it and says \"%s\" (%zu messages, first: %s)",
                   path, fix, fuzz_log_n, fuzz_log_n ? fuzz_log_messages[0] : "none");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 16384)
                return 0;
        fuzz_root();
        fuzz_log_capture();

        FuzzGuestFiles files;
        fuzz_guest_write(data, size, &files);
        _cleanup_free_ char *dump = NULL, *messages = NULL, *dump2 = NULL, *messages2 = NULL;
        int r = load(&files, &dump, &messages);
        check_ownership(&files, size, r, dump, messages);

        /* Without the shadowed drop-in, or simply a second time: the same. */
        if (files.n > 3)
                fuzz_guest_remove_shadowed();
        int r2 = load(&files, &dump2, &messages2);
        fuzz_check(r == r2 && strcmp(dump, dump2) == 0 && strcmp(messages, messages2) == 0,
                   "a second load (%s) differs:\n%s%s---\n%s%s",
                   files.n > 3 ? "without the shadowed drop-in" : "same files", dump, messages, dump2, messages2);
        return 0;
}
