/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* s as one POSIX shell word: unchanged when it has only safe characters, else in single quotes with each ' written
 * as '\''. Printing an argv this way lets a user paste it into a shell and get exactly the same argv. malloc'd. */
char *shell_quote(const char *s);
/* All of argv, quoted, joined by sep ("\n" or " "). */
char *shell_quote_argv(char *const *argv, const char *sep);
