/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON reader (basic/json.h) that reads firmware descriptors and QMP messages, against a validator written here
 * from RFC 8259 plus the reader's documented limits: strings are UTF-8 without \u0000, at most 64 nested containers,
 * numbers within the range of a double. The validator is a loop over an explicit stack, not a recursive descent like
 * the reader, and checks UTF-8 by the well-formed byte sequences of Unicode's table 3-7. Both must accept and refuse
 * the same texts; an accepted value prints (json_format) to text that reads back to the same print. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "fuzz.h"

#define DEPTH_MAX 64

typedef struct Text {
        const unsigned char *s;
        size_t len, pos;
} Text;

static int peek(const Text *t) {
        return t->pos < t->len ? t->s[t->pos] : -1;
}

static void skip_blanks(Text *t) {
        while (peek(t) == ' ' || peek(t) == '\t' || peek(t) == '\n' || peek(t) == '\r')
                t->pos++;
}

/* Unicode 15, table 3-7: the well-formed UTF-8 byte sequences. Returns the length at s, 0 if ill-formed. */
static size_t utf8_sequence(const unsigned char *s, size_t avail) {
        static const struct {
                unsigned char lo[4], hi[4];
                size_t n;
        } forms[] = {
                { { 0x00 }, { 0x7f }, 1 },
                { { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
                { { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
                { { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
                { { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
                { { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
                { { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
                { { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
                { { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
        };
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                if (forms[i].n > avail)
                        continue;
                size_t k = 0;
                while (k < forms[i].n && s[k] >= forms[i].lo[k] && s[k] <= forms[i].hi[k])
                        k++;
                if (k == forms[i].n)
                        return k;
        }
        return 0;
}

static bool is_hex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex4_at(const Text *t, size_t at) {
        unsigned v = 0;
        for (size_t i = at; i < at + 4; i++)
                v = v * 16 + (unsigned) (t->s[i] <= '9' ? t->s[i] - '0' : (t->s[i] | 0x20) - 'a' + 10);
        return v;
}

static bool string_ok(Text *t) {
        t->pos++; /* '"' */
        for (;;) {
                int c = peek(t);
                if (c < 0 || c < 0x20)
                        return false;
                if (c == '"') {
                        t->pos++;
                        return true;
                }
                if (c != '\\') {
                        size_t n = utf8_sequence(t->s + t->pos, t->len - t->pos);
                        if (n == 0)
                                return false;
                        t->pos += n;
                        continue;
                }
                t->pos++;
                c = peek(t);
                if (c < 0)
                        return false;
                if (strchr("\"\\/bfnrt", c) && c != 0) {
                        t->pos++;
                        continue;
                }
                if (c != 'u' || t->len - t->pos < 5)
                        return false;
                for (size_t i = 1; i <= 4; i++)
                        if (!is_hex(t->s[t->pos + i]))
                                return false;
                unsigned u = hex4_at(t, t->pos + 1);
                t->pos += 5;
                if (u == 0 || (u >= 0xdc00 && u <= 0xdfff))
                        return false;
                if (u >= 0xd800 && u <= 0xdbff) {
                        /* a high surrogate must be followed by the escape of a low one */
                        if (t->len - t->pos < 6 || t->s[t->pos] != '\\' || t->s[t->pos + 1] != 'u')
                                return false;
                        for (size_t i = 2; i <= 5; i++)
                                if (!is_hex(t->s[t->pos + i]))
                                        return false;
                        unsigned lo = hex4_at(t, t->pos + 2);
                        if (lo < 0xdc00 || lo > 0xdfff)
                                return false;
                        t->pos += 6;
                }
        }
}

static size_t digits(Text *t) {
        size_t n = 0;
        while (peek(t) >= '0' && peek(t) <= '9')
                t->pos++, n++;
        return n;
}

static bool number_ok(Text *t) {
        size_t start = t->pos;
        if (peek(t) == '-')
                t->pos++;
        if (peek(t) == '0')
                t->pos++;
        else if (digits(t) == 0)
                return false;
        if (peek(t) == '.') {
                t->pos++;
                if (digits(t) == 0)
                        return false;
        }
        if (peek(t) == 'e' || peek(t) == 'E') {
                t->pos++;
                if (peek(t) == '+' || peek(t) == '-')
                        t->pos++;
                if (digits(t) == 0)
                        return false;
        }
        _cleanup_free_ char *copy = xstrndup((const char *) t->s + start, t->pos - start);
        return isfinite(strtod(copy, NULL)); /* the reader's limit: a double */
}

static bool word_ok(Text *t, const char *w) {
        size_t n = strlen(w);
        if (t->len - t->pos < n || memcmp(t->s + t->pos, w, n) != 0)
                return false;
        t->pos += n;
        return true;
}

/* Containers open on an explicit stack; after each value the top says what may follow. */
static bool reference_valid(const unsigned char *s, size_t len) {
        Text t = { s, len, 0 };
        char stack[DEPTH_MAX + 1];
        size_t depth = 0;
        enum { VALUE, KEY_OR_END, VALUE_OR_END, KEY, AFTER } want = VALUE;

        for (;;) {
                skip_blanks(&t);
                int c = peek(&t);
                switch (want) {
                case KEY_OR_END:
                case KEY:
                        if (want == KEY_OR_END && c == '}') {
                                t.pos++, depth--, want = AFTER;
                                break;
                        }
                        if (c != '"' || !string_ok(&t))
                                return false;
                        skip_blanks(&t);
                        if (peek(&t) != ':')
                                return false;
                        t.pos++;
                        want = VALUE;
                        break;
                case VALUE_OR_END:
                        if (c == ']') {
                                t.pos++, depth--, want = AFTER;
                                break;
                        }
                        __attribute__((fallthrough));
                case VALUE:
                        if (c == '{' || c == '[') {
                                if (depth == DEPTH_MAX)
                                        return false;
                                stack[depth++] = (char) c;
                                t.pos++;
                                want = c == '{' ? KEY_OR_END : VALUE_OR_END;
                                break;
                        }
                        if (c == '"' ? !string_ok(&t)
                            : c == '-' || (c >= '0' && c <= '9')
                                    ? !number_ok(&t)
                                    : !(word_ok(&t, "true") || word_ok(&t, "false") || word_ok(&t, "null")))
                                return false;
                        want = AFTER;
                        break;
                case AFTER:
                        if (depth == 0)
                                return c < 0;
                        if (c == ',') {
                                t.pos++;
                                want = stack[depth - 1] == '{' ? KEY : VALUE;
                        } else if (c == (stack[depth - 1] == '{' ? '}' : ']')) {
                                t.pos++;
                                depth--;
                        } else
                                return false;
                        break;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_free_ JsonValue *v = NULL;
        const char *error = NULL;
        size_t offset = SIZE_MAX;
        int r = json_parse((const char *) data, size, &v, &error, &offset);
        bool ref = reference_valid(data, size);

        fuzz_check((r == 0) == ref, "the reader %s (%s at %zu), the reference %s", r == 0 ? "accepts" : "refuses",
                   error ? error : "-", offset, ref ? "accepts" : "refuses");
        if (r < 0) {
                fuzz_check(r == -EINVAL || r == -E2BIG, "json_parse returned %d", r);
                fuzz_check(error && *error, "refused without a reason");
                fuzz_check(offset <= size, "error offset %zu past the end (%zu)", offset, size);
                unsigned line, column;
                json_offset_to_line((const char *) data, offset, &line, &column);
                fuzz_check(line >= 1 && column >= 1, "line %u column %u", line, column);
                return 0;
        }

        _cleanup_free_ char *once = json_format(v);
        _cleanup_json_free_ JsonValue *back = NULL;
        const char *why = NULL;
        fuzz_check(json_parse(once, strlen(once), &back, &why, NULL) == 0, "its print does not read back (%s): %s", why,
                   once);
        _cleanup_free_ char *twice = json_format(back);
        fuzz_check(strcmp(once, twice) == 0, "print, read, print differs:\n  %s\n  %s", once, twice);
        return 0;
}
