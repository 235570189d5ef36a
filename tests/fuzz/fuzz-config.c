/* SPDX-License-Identifier: BSD-3-Clause */
/* The config loader (config/config.h) on a guest with drop-ins in three directories (see fuzz-guest.h). Checked:
 * a refusal comes with errors that each name one of the files and a line in it; an accepted guest keeps every
 * promise of the model (ranges, no control characters, sources within the files); the drop-in that a same-named
 * file in a higher directory shadows has no effect at all; and loading is repeatable (same guest, same messages). */
#include <errno.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 16384)
                return 0;
        fuzz_root();
        fuzz_log_capture();

        FuzzGuestFiles files;
        fuzz_guest_write(data, size, &files);
        _cleanup_free_ char *dump = NULL, *messages = NULL, *dump2 = NULL, *messages2 = NULL;
        int r = load(&files, &dump, &messages);

        /* Without the shadowed drop-in, or simply a second time: the same. */
        if (files.n > 3)
                fuzz_guest_remove_shadowed();
        int r2 = load(&files, &dump2, &messages2);
        fuzz_check(r == r2 && strcmp(dump, dump2) == 0 && strcmp(messages, messages2) == 0,
                   "a second load (%s) differs:\n%s%s---\n%s%s",
                   files.n > 3 ? "without the shadowed drop-in" : "same files", dump, messages, dump2, messages2);
        return 0;
}
