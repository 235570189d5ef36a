/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Looks up KEY in $VXM_ROOT/proc/cmdline ("key=value" or bare "key"; quotes honoured; the last one wins).
 * Returns 1 and *ret (malloc'd; "" for a bare key) when found, 0 when absent, -errno on read errors. */
int kernel_cmdline_get(const char *key, char **ret);
