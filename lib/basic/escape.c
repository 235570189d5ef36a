/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "basic/macro.h"

char *escape_line(const char *s) {
        char *out = xmalloc(strlen(s) * 4 + 1), *o = out;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c == '\\')
                        o = stpcpy(o, "\\\\");
                else if (*c == '\n')
                        o = stpcpy(o, "\\n");
                else if (*c == '\t')
                        o = stpcpy(o, "\\t");
                else if (*c < ' ' || *c == 0x7f)
                        o += sprintf(o, "\\x%02x", *c);
                else
                        *o++ = (char) *c;
        *o = '\0';
        return out;
}

static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int unescape_line(const char *s, char **ret) {
        _cleanup_free_ char *out = xmalloc(strlen(s) + 1);
        char *o = out;
        for (const char *c = s; *c; c++) {
                if (*c != '\\') {
                        *o++ = *c;
                        continue;
                }
                c++;
                if (*c == '\\')
                        *o++ = '\\';
                else if (*c == 'n')
                        *o++ = '\n';
                else if (*c == 't')
                        *o++ = '\t';
                else if (*c == 'x' && hex(c[1]) >= 0 && hex(c[2]) >= 0 && (hex(c[1]) << 4 | hex(c[2])) != 0) {
                        *o++ = (char) (hex(c[1]) << 4 | hex(c[2]));
                        c += 2;
                } else
                        return -EINVAL;
        }
        *o = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}
