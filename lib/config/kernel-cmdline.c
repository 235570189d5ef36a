/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "config/kernel-cmdline.h"
#include "basic/macro.h"
#include "basic/root-path.h"

/* Splits off the next word, removing double quotes the way the kernel does ("a b"=c and a="b c"). */
static char *next_word(const char **p) {
        const char *s = *p + strspn(*p, " \t\n");
        if (!*s)
                return NULL;

        char *word = xmalloc(strlen(s) + 1), *w = word;
        bool quoted = false;
        for (; *s && (quoted || !strchr(" \t\n", *s)); s++)
                if (*s == '"')
                        quoted = !quoted;
                else
                        *w++ = *s;
        *w = '\0';
        *p = s;
        return word;
}

int kernel_cmdline_get(const char *key, char **ret) {
        _cleanup_free_ char *cmdline = NULL;
        int r = root_read_file("/proc/cmdline", &cmdline, NULL);
        if (r < 0)
                return r;

        size_t n = strlen(key);
        char *found = NULL;
        const char *p = cmdline;
        for (char *word; (word = next_word(&p)); free(word)) {
                if (strncmp(word, key, n) != 0 || (word[n] != '=' && word[n] != '\0'))
                        continue;
                free(found);
                found = xstrdup(word[n] == '=' ? word + n + 1 : "");
        }
        if (!found)
                return 0;
        *ret = found;
        return 1;
}
