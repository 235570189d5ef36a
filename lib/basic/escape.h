/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* C-style escaping of text that must fit on one line (a value in a KEY=VALUE record): '\\' becomes "\\\\", a newline
 * "\\n", a tab "\\t", other control characters "\\xNN"; everything else (UTF-8 included) stays. unescape is the exact
 * inverse: -EINVAL on a sequence escape never writes. Both malloc'd. */
char *escape_line(const char *s);
int unescape_line(const char *s, char **ret);
