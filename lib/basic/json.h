/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A small strict JSON (RFC 8259) reader for what vxm reads (QEMU firmware descriptors and QMP messages), and the
 * builder and writer for what it prints (vxm --json). Values are trees; strings are NUL-terminated UTF-8 (an embedded
 * \u0000 or a byte sequence that is not UTF-8 is refused, so C strings stay honest); numbers are doubles (one beyond
 * their range is refused). */

typedef enum JsonType {
        JSON_NULL,
        JSON_BOOLEAN,
        JSON_NUMBER,
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
        JsonType type;
        union {
                bool boolean;
                double number;
                char *string;
                struct {
                        JsonValue **items;
                        size_t n;
                } array;
                struct {
                        char **keys;
                        JsonValue **values;
                        size_t n;
                } object;
        };
};

/* Parses exactly one value (surrounding whitespace allowed) from text[0..len). Returns 0, or -EINVAL with
 * *ret_error (if not NULL) set to a static reason and *ret_offset to the byte offset where parsing stopped;
 * -E2BIG when nested deeper than 64 levels. */
int json_parse(const char *text, size_t len, JsonValue **ret, const char **ret_error, size_t *ret_offset);
/* 1-based line and column of a byte offset, for messages. */
void json_offset_to_line(const char *text, size_t offset, unsigned *ret_line, unsigned *ret_column);

JsonValue *json_free(JsonValue *v);
static inline void json_freep(JsonValue **v) {
        json_free(*v);
}
#define _cleanup_json_free_ __attribute__((cleanup(json_freep)))

/* Lookups that tolerate NULL and wrong types, so a caller can chain them and check once. */
const JsonValue *json_get(const JsonValue *object, const char *key); /* last occurrence wins */
const char *json_get_string(const JsonValue *object, const char *key);
const char *json_string(const JsonValue *v);
size_t json_array_length(const JsonValue *v);
const JsonValue *json_array_item(const JsonValue *v, size_t i);
/* Does the array contain this string? */
bool json_array_has_string(const JsonValue *array, const char *s);

/* Building a tree to print. The json_new_*() never fail (allocation failure aborts, like xmalloc); the append
 * functions take ownership of the value. Object keys keep the order they were appended in. */
JsonValue *json_new_null(void);
JsonValue *json_new_boolean(bool b);
JsonValue *json_new_number(double n);      /* integers are exact up to 2^53 */
JsonValue *json_new_string(const char *s); /* NULL gives null */
JsonValue *json_new_strv(char *const *l);  /* an array of strings; NULL gives [] */
JsonValue *json_new_array(void);
JsonValue *json_new_object(void);
void json_array_append(JsonValue *array, JsonValue *v);
void json_object_append(JsonValue *object, const char *key, JsonValue *v);

/* Compact serialisation (one line); strings escaped per RFC 8259. malloc'd. */
char *json_format(const JsonValue *v);
/* The same, indented by 2 spaces per level, one member or item per line; empty arrays and objects stay "[]", "{}". */
char *json_format_pretty(const JsonValue *v);
/* s as a JSON string literal with its quotes, escaped per RFC 8259; "null" for NULL. malloc'd. For writers that print
 * their JSON directly (vxm gpus, vxm check). */
char *json_quote(const char *s);
/* The same, written to f. */
void json_print_string(FILE *f, const char *s);
