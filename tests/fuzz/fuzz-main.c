/* SPDX-License-Identifier: BSD-3-Clause */
/* The replayer linked into every harness when libFuzzer is not used (the ordinary gcc and ASan builds): each argument
 * is a file, or a directory whose files are run, through LLVMFuzzerTestOneInput() once, as libFuzzer's -runs=0 would.
 * So the seed corpus and every input that once crashed a fuzzer (tests/fuzz/regressions/) are tests in every build. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "basic/strv.h"
#include "fuzz.h"

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        /* root_read_file() takes a path under VXM_ROOT, which a harness may have set: read it plainly. */
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        size_t cap = 4096;
        data = xmalloc(cap);
        size = 0;
        for (size_t k; (k = fread(data + size, 1, cap - size, f)) > 0;) {
                size += k;
                if (size == cap)
                        data = xrealloc(data, cap *= 2);
        }
        if (ferror(f)) {
                fprintf(stderr, "%s: read error\n", path);
                return -EIO;
        }
        printf("%s (%zu bytes)\n", path, size);
        fflush(stdout);
        /* A copy of exactly size bytes, so ASan sees any read past the end as libFuzzer's run would. */
        _cleanup_free_ uint8_t *exact = xmalloc(size);
        memcpy(exact, data, size);
        LLVMFuzzerTestOneInput(exact, size);
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned n = 0;
        int r = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = run_file(argv[i]) < 0 ? -1 : r;
                        n++;
                        continue;
                }
                /* Sorted, so a failure is reported at the same input every time. */
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_closedir_ DIR *d = opendir(argv[i]);
                struct dirent *de;
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.')
                                strv_push(&names, de->d_name);
                strv_sort(names);
                for (size_t j = 0; names && names[j]; j++) {
                        _cleanup_free_ char *p = xasprintf("%s/%s", argv[i], names[j]);
                        r = run_file(p) < 0 ? -1 : r;
                        n++;
                }
        }
        printf("%u inputs replayed\n", n);
        return r < 0 ? 1 : 0;
}
