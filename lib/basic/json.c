/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "basic/parse-util.h"

#define JSON_DEPTH_MAX 64

typedef struct Reader {
        const char *s;
        size_t len, pos;
        const char *error;
        unsigned depth;
} Reader;

static int fail(Reader *r, const char *why) {
        if (!r->error)
                r->error = why;
        return -EINVAL;
}

static void skip_ws(Reader *r) {
        while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos] != '\0')
                r->pos++;
}

static bool consume(Reader *r, char c) {
        if (r->pos < r->len && r->s[r->pos] == c) {
                r->pos++;
                return true;
        }
        return false;
}

static bool consume_word(Reader *r, const char *w) {
        size_t n = strlen(w);
        if (r->len - r->pos >= n && memcmp(r->s + r->pos, w, n) == 0) {
                r->pos += n;
                return true;
        }
        return false;
}

static JsonValue *value_new(JsonType type) {
        JsonValue *v = xmalloc(sizeof *v);
        memset(v, 0, sizeof *v);
        v->type = type;
        return v;
}

static int hex4(Reader *r, unsigned *ret) {
        unsigned v = 0;
        if (r->len - r->pos < 4)
                return fail(r, "truncated \\u escape");
        for (int i = 0; i < 4; i++) {
                char c = r->s[r->pos++];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned) (c - 'A' + 10);
                else
                        return fail(r, "invalid hex digit in \\u escape");
        }
        *ret = v;
        return 0;
}

static size_t utf8_put(char *out, unsigned cp) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | cp >> 6);
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | cp >> 12);
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | cp >> 18);
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

static int parse_escape(Reader *r, char *out, size_t *n) {
        if (r->pos >= r->len)
                return fail(r, "truncated escape");
        char c = r->s[r->pos++];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *p = c ? strchr(from, c) : NULL;
        if (p) {
                out[(*n)++] = to[p - from];
                return 0;
        }
        if (c != 'u')
                return fail(r, "invalid escape");

        unsigned cp;
        if (hex4(r, &cp) < 0)
                return -EINVAL;
        if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(r, "lone low surrogate in \\u escape");
        if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (!consume_word(r, "\\u") || hex4(r, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                        return fail(r, "high surrogate without its low surrogate");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (cp == 0)
                return fail(r, "\\u0000 is not supported");
        *n += utf8_put(out + *n, cp);
        return 0;
}

/* Raw bytes are passed through; control characters must be escaped (RFC 8259 §7). */
static int parse_string_raw(Reader *r, char **ret) {
        if (!consume(r, '"'))
                return fail(r, "expected a string");
        /* The decoded string is never longer than the encoded one: size the buffer by the encoded length (up to
         * the closing quote), not by the rest of the input. */
        size_t start = r->pos, n = 0, end = start;
        while (end < r->len && r->s[end] != '"')
                end += r->s[end] == '\\' ? 2 : 1;
        _cleanup_free_ char *out = xmalloc((end < r->len ? end : r->len) - start + 1);
        for (;;) {
                if (r->pos >= r->len)
                        return fail(r, "unterminated string");
                unsigned char c = (unsigned char) r->s[r->pos];
                if (c == '"') {
                        r->pos++;
                        break;
                }
                if (c < 0x20)
                        return fail(r, "control character in string");
                r->pos++;
                if (c == '\\') {
                        if (parse_escape(r, out, &n) < 0)
                                return -EINVAL;
                } else
                        out[n++] = (char) c;
        }
        out[n] = '\0';
        /* The escapes produced UTF-8; the raw bytes must be UTF-8 too (RFC 8259 section 8.1). */
        if (!utf8_is_valid_n(out, n))
                return fail(r, "string is not valid UTF-8");
        *ret = TAKE_PTR(out);
        return 0;
}

static int parse_number(Reader *r, JsonValue **ret) {
        size_t start = r->pos;
        consume(r, '-');
        if (consume(r, '0')) {
        } else if (r->pos < r->len && r->s[r->pos] >= '1' && r->s[r->pos] <= '9') {
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
        } else
                return fail(r, "invalid number");
        if (consume(r, '.')) {
                size_t d = r->pos;
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
                if (d == r->pos)
                        return fail(r, "invalid number: no digits after '.'");
        }
        if (consume(r, 'e') || consume(r, 'E')) {
                if (!consume(r, '+'))
                        consume(r, '-');
                size_t d = r->pos;
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
                if (d == r->pos)
                        return fail(r, "invalid number: no digits in exponent");
        }
        _cleanup_free_ char *copy = xstrndup(r->s + start, r->pos - start);
        double d = strtod(copy, NULL);
        /* 1e999 would become infinity, which JSON cannot even print back. */
        if (!isfinite(d))
                return fail(r, "number out of range");
        JsonValue *v = value_new(JSON_NUMBER);
        v->number = d;
        *ret = v;
        return 0;
}

static int parse_value(Reader *r, JsonValue **ret);

static int parse_array(Reader *r, JsonValue **ret) {
        JsonValue *v = value_new(JSON_ARRAY);
        int e = 0;
        r->pos++; /* '[' */
        skip_ws(r);
        if (!consume(r, ']'))
                for (;;) {
                        JsonValue *item;
                        if ((e = parse_value(r, &item)) < 0)
                                break;
                        v->array.items = xrealloc(v->array.items, (v->array.n + 1) * sizeof(JsonValue *));
                        v->array.items[v->array.n++] = item;
                        skip_ws(r);
                        if (consume(r, ']'))
                                break;
                        if (!consume(r, ',')) {
                                e = fail(r, "expected ',' or ']' in array");
                                break;
                        }
                }
        if (e < 0) {
                json_free(v);
                return e;
        }
        *ret = v;
        return 0;
}

static int parse_object(Reader *r, JsonValue **ret) {
        JsonValue *v = value_new(JSON_OBJECT);
        int e = 0;
        r->pos++; /* '{' */
        skip_ws(r);
        if (!consume(r, '}'))
                for (;;) {
                        char *key;
                        JsonValue *item;
                        skip_ws(r);
                        if ((e = parse_string_raw(r, &key)) < 0)
                                break;
                        skip_ws(r);
                        if (!consume(r, ':')) {
                                free(key);
                                e = fail(r, "expected ':' after object key");
                                break;
                        }
                        if ((e = parse_value(r, &item)) < 0) {
                                free(key);
                                break;
                        }
                        size_t n = v->object.n;
                        v->object.keys = xrealloc(v->object.keys, (n + 1) * sizeof(char *));
                        v->object.values = xrealloc(v->object.values, (n + 1) * sizeof(JsonValue *));
                        v->object.keys[n] = key;
                        v->object.values[n] = item;
                        v->object.n++;
                        skip_ws(r);
                        if (consume(r, '}'))
                                break;
                        if (!consume(r, ',')) {
                                e = fail(r, "expected ',' or '}' in object");
                                break;
                        }
                }
        if (e < 0) {
                json_free(v);
                return e;
        }
        *ret = v;
        return 0;
}

static int parse_value(Reader *r, JsonValue **ret) {
        skip_ws(r);
        if (r->pos >= r->len)
                return fail(r, "unexpected end of input");

        char c = r->s[r->pos];
        if (c == '{' || c == '[') {
                if (r->depth >= JSON_DEPTH_MAX) {
                        fail(r, "nested too deeply");
                        return -E2BIG;
                }
                r->depth++;
                int e = c == '{' ? parse_object(r, ret) : parse_array(r, ret);
                r->depth--;
                return e;
        }
        if (c == '"') {
                char *s;
                if (parse_string_raw(r, &s) < 0)
                        return -EINVAL;
                *ret = value_new(JSON_STRING);
                (*ret)->string = s;
                return 0;
        }
        if (c == '-' || (c >= '0' && c <= '9'))
                return parse_number(r, ret);
        if (consume_word(r, "true") || consume_word(r, "false")) {
                *ret = value_new(JSON_BOOLEAN);
                (*ret)->boolean = c == 't';
                return 0;
        }
        if (consume_word(r, "null")) {
                *ret = value_new(JSON_NULL);
                return 0;
        }
        return fail(r, "unexpected character");
}

int json_parse(const char *text, size_t len, JsonValue **ret, const char **ret_error, size_t *ret_offset) {
        Reader r = { .s = text, .len = len };
        JsonValue *v = NULL;
        int e = parse_value(&r, &v);
        if (e >= 0) {
                skip_ws(&r);
                if (r.pos != r.len) {
                        json_free(v);
                        e = fail(&r, "trailing data after the value");
                }
        }
        if (e < 0) {
                if (ret_error)
                        *ret_error = r.error;
                if (ret_offset)
                        *ret_offset = r.pos;
                return e;
        }
        *ret = v;
        return 0;
}

void json_offset_to_line(const char *text, size_t offset, unsigned *ret_line, unsigned *ret_column) {
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < offset && text[i]; i++)
                if (text[i] == '\n')
                        line++, col = 1;
                else
                        col++;
        *ret_line = line;
        *ret_column = col;
}

JsonValue *json_free(JsonValue *v) {
        if (!v)
                return NULL;
        switch (v->type) {
        case JSON_STRING:
                free(v->string);
                break;
        case JSON_ARRAY:
                for (size_t i = 0; i < v->array.n; i++)
                        json_free(v->array.items[i]);
                free(v->array.items);
                break;
        case JSON_OBJECT:
                for (size_t i = 0; i < v->object.n; i++) {
                        free(v->object.keys[i]);
                        json_free(v->object.values[i]);
                }
                free(v->object.keys);
                free(v->object.values);
                break;
        default:
                break;
        }
        free(v);
        return NULL;
}

const JsonValue *json_get(const JsonValue *object, const char *key) {
        if (!object || object->type != JSON_OBJECT)
                return NULL;
        for (size_t i = object->object.n; i > 0; i--)
                if (strcmp(object->object.keys[i - 1], key) == 0)
                        return object->object.values[i - 1];
        return NULL;
}

const char *json_string(const JsonValue *v) {
        return v && v->type == JSON_STRING ? v->string : NULL;
}

const char *json_get_string(const JsonValue *object, const char *key) {
        return json_string(json_get(object, key));
}

size_t json_array_length(const JsonValue *v) {
        return v && v->type == JSON_ARRAY ? v->array.n : 0;
}

const JsonValue *json_array_item(const JsonValue *v, size_t i) {
        return i < json_array_length(v) ? v->array.items[i] : NULL;
}

bool json_array_has_string(const JsonValue *array, const char *s) {
        for (size_t i = 0; i < json_array_length(array); i++) {
                const char *t = json_string(array->array.items[i]);
                if (t && strcmp(t, s) == 0)
                        return true;
        }
        return false;
}

typedef struct Buffer {
        char *s;
        size_t len, cap;
} Buffer;

static void buf_put(Buffer *b, const char *s, size_t n) {
        if (b->len + n + 1 > b->cap) {
                b->cap = (b->len + n + 1) * 2;
                b->s = xrealloc(b->s, b->cap);
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void buf_puts(Buffer *b, const char *s) {
        buf_put(b, s, strlen(s));
}

static void format_string(Buffer *b, const char *s) {
        buf_puts(b, "\"");
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                char esc[8];
                if (c == '"' || c == '\\') {
                        esc[0] = '\\', esc[1] = (char) c, esc[2] = '\0';
                        buf_puts(b, esc);
                } else if (c < 0x20) {
                        snprintf(esc, sizeof esc, "\\u%04x", c);
                        buf_puts(b, esc);
                } else
                        buf_put(b, s, 1);
        }
        buf_puts(b, "\"");
}

/* indent < 0: compact; else the current nesting level, 2 spaces each. */
static void format_newline(Buffer *b, int indent) {
        if (indent < 0)
                return;
        buf_puts(b, "\n");
        for (int i = 0; i < indent; i++)
                buf_puts(b, "  ");
}

static void format_value(Buffer *b, const JsonValue *v, int indent) {
        char num[64];
        int inner = indent < 0 ? -1 : indent + 1;
        switch (v ? v->type : JSON_NULL) {
        case JSON_NULL:
                buf_puts(b, "null");
                break;
        case JSON_BOOLEAN:
                buf_puts(b, v->boolean ? "true" : "false");
                break;
        case JSON_NUMBER:
                snprintf(num, sizeof num, "%.17g", v->number);
                buf_puts(b, num);
                break;
        case JSON_STRING:
                format_string(b, v->string);
                break;
        case JSON_ARRAY:
                buf_puts(b, "[");
                for (size_t i = 0; i < v->array.n; i++) {
                        if (i > 0)
                                buf_puts(b, ",");
                        format_newline(b, inner);
                        format_value(b, v->array.items[i], inner);
                }
                if (v->array.n > 0)
                        format_newline(b, indent);
                buf_puts(b, "]");
                break;
        case JSON_OBJECT:
                buf_puts(b, "{");
                for (size_t i = 0; i < v->object.n; i++) {
                        if (i > 0)
                                buf_puts(b, ",");
                        format_newline(b, inner);
                        format_string(b, v->object.keys[i]);
                        buf_puts(b, indent < 0 ? ":" : ": ");
                        format_value(b, v->object.values[i], inner);
                }
                if (v->object.n > 0)
                        format_newline(b, indent);
                buf_puts(b, "}");
                break;
        }
}

char *json_format(const JsonValue *v) {
        Buffer b = {};
        format_value(&b, v, -1);
        return b.s;
}

char *json_format_pretty(const JsonValue *v) {
        Buffer b = {};
        format_value(&b, v, 0);
        return b.s;
}

JsonValue *json_new_null(void) {
        return value_new(JSON_NULL);
}

JsonValue *json_new_boolean(bool b) {
        JsonValue *v = value_new(JSON_BOOLEAN);
        v->boolean = b;
        return v;
}

JsonValue *json_new_number(double n) {
        JsonValue *v = value_new(JSON_NUMBER);
        v->number = n;
        return v;
}

JsonValue *json_new_string(const char *s) {
        if (!s)
                return json_new_null();
        JsonValue *v = value_new(JSON_STRING);
        v->string = xstrdup(s);
        return v;
}

JsonValue *json_new_array(void) {
        return value_new(JSON_ARRAY);
}

JsonValue *json_new_object(void) {
        return value_new(JSON_OBJECT);
}

JsonValue *json_new_strv(char *const *l) {
        JsonValue *a = json_new_array();
        for (size_t i = 0; l && l[i]; i++)
                json_array_append(a, json_new_string(l[i]));
        return a;
}

void json_array_append(JsonValue *array, JsonValue *v) {
        array->array.items = xrealloc(array->array.items, (array->array.n + 1) * sizeof *array->array.items);
        array->array.items[array->array.n++] = v;
}

void json_object_append(JsonValue *object, const char *key, JsonValue *v) {
        size_t n = object->object.n + 1;
        object->object.keys = xrealloc(object->object.keys, n * sizeof *object->object.keys);
        object->object.values = xrealloc(object->object.values, n * sizeof *object->object.values);
        object->object.keys[n - 1] = xstrdup(key);
        object->object.values[n - 1] = v;
        object->object.n = n;
}
char *json_quote(const char *s) {
        if (!s)
                return xstrdup("null");
        Buffer b = {};
        format_string(&b, s);
        return b.s;
}

void json_print_string(FILE *f, const char *s) {
        _cleanup_free_ char *q = json_quote(s);
        fputs(q, f);
}
