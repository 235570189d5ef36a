/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/basic/json.c: the subset QEMU's firmware descriptors and QMP use, everything a strict parser must refuse, and the
 * builder and writers behind vxm --json. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/json.h"
#include "basic/macro.h"
#include "tap.h"

static JsonValue *parse(const char *s) {
        JsonValue *v = NULL;
        return json_parse(s, strlen(s), &v, NULL, NULL) < 0 ? NULL : v;
}

static void test_roundtrip(const char *in, const char *want) {
        _cleanup_(json_freep) JsonValue *v = parse(in);
        _cleanup_free_ char *out = v ? json_format(v) : NULL;
        tap_is_str(out, want, in);
}

static void test_refused(const char *in, const char *why) {
        JsonValue *v = NULL;
        const char *reason = NULL;
        size_t off = 0;
        int r = json_parse(in, strlen(in), &v, &reason, &off);
        tap_ok(r < 0 && !v && reason, "refuses %s (%s): %s at %zu", why, in, reason ? reason : "-", off);
}

static void test_values(void) {
        test_roundtrip("{}", "{}");
        test_roundtrip(" [ ] ", "[]");
        test_roundtrip("{\"a\": [1, -2.5, 3e2, true, false, null], \"b\": {\"c\": \"d\"}}",
                       "{\"a\":[1,-2.5,300,true,false,null],\"b\":{\"c\":\"d\"}}");
        test_roundtrip("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\"");
        test_roundtrip("\"\\u00e9\\u20ac\\ud83d\\ude00\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
        test_roundtrip("\"raw \xc3\xa9 utf-8\"", "\"raw \xc3\xa9 utf-8\"");
        test_roundtrip("0", "0");
        test_roundtrip("-0.5e-1", "-0.050000000000000003");
}

static void test_errors(void) {
        test_refused("", "empty input");
        test_refused("{", "unterminated object");
        test_refused("[1,]", "trailing comma");
        test_refused("{\"a\" 1}", "missing colon");
        test_refused("{a: 1}", "unquoted key");
        test_refused("\"abc", "unterminated string");
        test_refused("\"a\nb\"", "raw newline in a string");
        test_refused("\"\\x41\"", "unknown escape");
        test_refused("\"\\u00\"", "short \\u escape");
        test_refused("\"\\ud800\"", "lone high surrogate");
        test_refused("\"\\udc00\"", "lone low surrogate");
        test_refused("\"\\u0000\"", "embedded NUL");
        test_refused("01", "leading zero");
        test_refused("1.", "no fraction digits");
        test_refused("1e", "no exponent digits");
        test_refused("+1", "plus sign");
        test_refused("tru", "truncated literal");
        test_refused("{} {}", "two values");
        test_refused("[1] x", "trailing garbage");
        test_refused("nul", "truncated null");
        /* found by tests/fuzz/fuzz-json: raw bytes that are not UTF-8 passed through into "UTF-8" strings, and a
         * number beyond a double became infinity, which json_format() printed as the non-JSON "inf" */
        test_refused("\"caf\xa9\xc3\"", "a string that is not UTF-8");
        test_refused("\"\xed\xa0\x80\"", "a raw UTF-16 surrogate");
        test_refused("{\"k\xff\": 1}", "a key that is not UTF-8");
        test_refused("1e999", "a number beyond a double");
        test_refused("[-1e400]", "a negative number beyond a double");

        /* Depth is bounded: a hostile QMP peer cannot exhaust the stack. */
        char deep[200];
        memset(deep, '[', 100);
        memset(deep + 100, ']', 99);
        deep[199] = '\0';
        JsonValue *v = NULL;
        tap_is_int(json_parse(deep, strlen(deep), &v, NULL, NULL), -E2BIG, "100 nested arrays: -E2BIG");

        /* A NUL byte inside the given length is data, and not valid JSON. */
        v = NULL;
        tap_ok(json_parse("[1]\0[2]", 7, &v, NULL, NULL) < 0, "NUL byte inside the length is refused");
}

static void test_lookup(void) {
        _cleanup_(json_freep) JsonValue *v =
                parse("{\"k\": \"first\", \"arr\": [\"uefi\", 3], \"k\": \"last\", \"n\": 1}");
        tap_is_str(json_get_string(v, "k"), "last", "duplicate key: the last one wins");
        tap_ok(json_array_has_string(json_get(v, "arr"), "uefi"), "array contains \"uefi\"");
        tap_ok(!json_array_has_string(json_get(v, "arr"), "3"), "a number is not the string \"3\"");
        tap_ok(json_get_string(v, "n") == NULL, "a number is not a string");
        tap_ok(json_get(json_get(v, "missing"), "x") == NULL, "lookups chain through NULL");
        tap_is_int((long long) json_array_length(json_get(v, "k")), 0, "a string has no array length");

        unsigned line, col;
        const char *text = "{\n  \"a\": x\n}";
        size_t off = 0;
        JsonValue *bad = NULL;
        json_parse(text, strlen(text), &bad, NULL, &off);
        json_offset_to_line(text, off, &line, &col);
        tap_ok(line == 2 && col == 8, "error position is line 2, column 8 (got %u:%u)", line, col);
}

/* Mutations of a real descriptor and a QMP answer: the parser must never read out of bounds (ASan) or accept
 * something it cannot format back. Deterministic (fixed seed), so a failure reproduces. */
static void test_mutations(void) {
        static const char *const seeds[] = {
                "{\"interface-types\": [\"uefi\"], \"mapping\": {\"device\": \"flash\", \"executable\": "
                "{\"filename\": \"/usr/share/OVMF/OVMF_CODE_4M.fd\", \"format\": \"raw\"}}, \"targets\": "
                "[{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}], \"features\": []}",
                "{\"return\": [{\"bus\": 0, \"devices\": [{\"id\": {\"vendor\": 4660, \"device\": 4369}, "
                "\"qdev_id\": \"\\u00e9\", \"x\": -1.5e3, \"y\": null, \"z\": true}]}]}",
        };
        static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfn \n\x01\xff";
        unsigned long long state = 42;
        unsigned accepted = 0, refused = 0, roundtrip_ok = 0;
        for (int i = 0; i < 20000; i++) {
                const char *seed = seeds[i % 2];
                size_t n = strlen(seed);
                char *buf = xmalloc(n); /* no NUL terminator: the parser must respect the length */
                memcpy(buf, seed, n);
                for (int k = 0; k < 1 + i % 4; k++) {
                        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                        buf[(state >> 33) % n] = alphabet[(state >> 17) % (sizeof alphabet - 1)];
                }
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t len = (state >> 33) % 8 == 0 ? (state >> 40) % n : n; /* sometimes truncated */
                JsonValue *v = NULL;
                if (json_parse(buf, len, &v, NULL, NULL) == 0) {
                        accepted++;
                        char *out = json_format(v);
                        JsonValue *again = NULL;
                        if (json_parse(out, strlen(out), &again, NULL, NULL) == 0) {
                                char *out2 = json_format(again);
                                roundtrip_ok += strcmp(out, out2) == 0;
                                free(out2);
                                json_free(again);
                        }
                        free(out);
                        json_free(v);
                } else
                        refused++;
                free(buf);
        }
        tap_ok(roundtrip_ok == accepted,
               "20000 mutations: %u accepted (all format and re-parse identically), %u refused", accepted, refused);
}

/* What vxm --json builds: every type, escaping, key order, and both layouts parse back to the same tree. */
static void test_build(void) {
        char *strv[] = { (char *) "a", (char *) "tab\there \"quoted\"", NULL };
        _cleanup_(json_freep) JsonValue *o = json_new_object();
        json_object_append(o, "name", json_new_string("win"));
        json_object_append(o, "missing", json_new_string(NULL));
        json_object_append(o, "valid", json_new_boolean(true));
        json_object_append(o, "memory", json_new_number(17179869184.0));
        json_object_append(o, "list", json_new_strv(strv));
        json_object_append(o, "none", json_new_strv(NULL));
        json_object_append(o, "empty", json_new_object());
        JsonValue *a = json_new_array();
        json_array_append(a, json_new_null());
        json_array_append(a, json_new_number(-1));
        json_object_append(o, "items", a);

        const char *compact = "{\"name\":\"win\",\"missing\":null,\"valid\":true,\"memory\":17179869184,"
                              "\"list\":[\"a\",\"tab\\u0009here \\\"quoted\\\"\"],\"none\":[],\"empty\":{},"
                              "\"items\":[null,-1]}";
        _cleanup_free_ char *out = json_format(o);
        tap_is_str(out, compact, "built tree, compact");

        const char *pretty = "{\n"
                             "  \"name\": \"win\",\n"
                             "  \"missing\": null,\n"
                             "  \"valid\": true,\n"
                             "  \"memory\": 17179869184,\n"
                             "  \"list\": [\n"
                             "    \"a\",\n"
                             "    \"tab\\u0009here \\\"quoted\\\"\"\n"
                             "  ],\n"
                             "  \"none\": [],\n"
                             "  \"empty\": {},\n"
                             "  \"items\": [\n"
                             "    null,\n"
                             "    -1\n"
                             "  ]\n"
                             "}";
        _cleanup_free_ char *pout = json_format_pretty(o);
        tap_is_str(pout, pretty, "built tree, pretty");

        _cleanup_(json_freep) JsonValue *back = parse(pout);
        _cleanup_free_ char *again = back ? json_format(back) : NULL;
        tap_is_str(again, compact, "the pretty form parses back to the same tree");
}

int main(void) {
        test_build();
        test_mutations();
        test_values();
        test_errors();
        test_lookup();
        return tap_done();
}
