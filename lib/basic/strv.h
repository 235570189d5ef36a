/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated arrays of malloc'd strings. */
size_t strv_length(char *const *l);
/* Appends a copy of s; *l may be NULL. */
void strv_push(char ***l, const char *s);
/* Appends s itself (takes ownership). */
void strv_consume(char ***l, char *s);
bool strv_contains(char *const *l, const char *s);
void strv_sort(char **l);
/* The strings joined with sep between them; "" for an empty or NULL list. */
char *strv_join(char *const *l, const char *sep);
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))
