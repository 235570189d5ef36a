/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/host/state-file.c, the one record format: reading (comments, blank lines, replaced keys, bad lines and their
 * numbers), writing (and refusing what would not read back: found by tests/fuzz/fuzz-state-file), numbers, and the
 * files under a fake root. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "basic/macro.h"
#include "fake-root.h"
#include "host/state-file.h"
#include "tap.h"

static void test_parse(void) {
        _cleanup_state_file_free_ StateFile *s = NULL;
        unsigned bad = 99;
        int r = state_file_parse("# what it is for\n\nA=1\nB==x=\nA=2\nC=", &s, &bad);
        tap_ok(r == 0 && s && s->n == 3, "comments and blank lines skipped, a later key replaces an earlier one");
        tap_is_str(state_file_get(s, "A"), "2", "A is the later value");
        tap_is_str(state_file_get(s, "B"), "=x=", "the value is everything after the first '='");
        tap_is_str(state_file_get(s, "C"), "", "the last line may lack its newline and be empty");
        tap_is_int(state_file_line(s, "A"), 5, "A's line is the later one");
        tap_ok(state_file_get(s, "#") == NULL && state_file_get(s, "D") == NULL, "absent keys are NULL");
        tap_ok(bad == 99, "no bad line reported on success");

        StateFile *t = NULL;
        r = state_file_parse("A=1\nno equals\n", &t, &bad);
        tap_ok(r == -EBADMSG && !t && bad == 2, "a line without '=' is -EBADMSG at its number");
        r = state_file_parse("\n\n=x\n", &t, &bad);
        tap_ok(r == -EBADMSG && !t && bad == 3, "an empty key is -EBADMSG at its number");
}

static StateFile *record(const char *key, const char *value) {
        StateFile *s = state_file_new();
        state_file_set(s, "OK", "1");
        state_file_set(s, key, value);
        return s;
}

static void test_format(void) {
        _cleanup_state_file_free_ StateFile *s = state_file_new();
        s->comment = xstrdup("first\nsecond");
        state_file_set(s, "K", "v w");
        state_file_setf(s, "N", "%d", 42);
        state_file_set(s, "K", "replaced");
        _cleanup_free_ char *text = NULL;
        tap_ok(state_file_format(s, &text) == 0, "a record prints");
        tap_is_str(text, "# first\n# second\nK=replaced\nN=42\n", "comment lines first, then one KEY=VALUE per line");

        static const struct {
                const char *key, *value, *what;
        } refused[] = {
                { "", "x", "an empty key" },
                { "#K", "x", "a key starting with '#' (it would read back as a comment)" },
                { "K=L", "x", "a key with '='" },
                { "K\nL", "x", "a key with a newline" },
                { "K", "x\ny", "a value with a newline" },
        };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                _cleanup_state_file_free_ StateFile *bad = record(refused[i].key, refused[i].value);
                _cleanup_free_ char *out = NULL;
                tap_ok(state_file_format(bad, &out) == -EINVAL && !out, "refuses to print %s", refused[i].what);
        }
        _cleanup_state_file_free_ StateFile *odd = record("K#", " =\r\t ");
        _cleanup_free_ char *out = NULL;
        _cleanup_state_file_free_ StateFile *back = NULL;
        tap_ok(state_file_format(odd, &out) == 0 && state_file_parse(out, &back, NULL) == 0 &&
                       strcmp(state_file_get(back, "K#"), " =\r\t ") == 0,
               "'#' inside a key, blanks, '=' and CR in a value read back unchanged");
}

static void test_numbers(void) {
        _cleanup_state_file_free_ StateFile *s = NULL;
        state_file_parse("U=18446744073709551615\nH=0x10\nNEG=-1\nBAD=12x\nI=-7\n", &s, NULL);
        uint64_t u = 0;
        int i = 0;
        tap_ok(state_file_get_u64(s, "U", &u) == 0 && u == UINT64_MAX, "u64: the largest value");
        tap_ok(state_file_get_u64(s, "H", &u) == 0 && u == 16, "u64: 0x hex");
        tap_ok(state_file_get_u64(s, "NEG", &u) == -EBADMSG, "u64: a negative number is -EBADMSG");
        tap_ok(state_file_get_u64(s, "BAD", &u) == -EBADMSG, "u64: trailing garbage is -EBADMSG");
        tap_ok(state_file_get_u64(s, "NONE", &u) == -ENOENT, "u64: absent is -ENOENT");
        tap_ok(state_file_get_int(s, "I", &i) == 0 && i == -7, "int: negative");
        tap_ok(state_file_get_int(s, "U", &i) == -EBADMSG, "int: out of range is -EBADMSG");
}

static void test_files(void) {
        fake_root_new();
        _cleanup_free_ char *path = state_file_path("kind", "guest");
        tap_is_str(path, "/run/vxm/.state/kind/guest", "records live under /run/vxm/.state/KIND/NAME");

        _cleanup_state_file_free_ StateFile *s = record("K", "v");
        tap_ok(state_file_save(path, s) == 0, "save creates the directories and the record");
        StateFile *l = NULL;
        tap_ok(state_file_load(path, &l) == 0 && strcmp(state_file_get(l, "K"), "v") == 0, "load reads it back");
        l = state_file_free(l);

        _cleanup_state_file_free_ StateFile *bad = record("#K", "v");
        tap_ok(state_file_save(path, bad) == -EINVAL, "a record that cannot be printed is not saved");
        tap_ok(state_file_load(path, &l) == 0 && strcmp(state_file_get(l, "K"), "v") == 0,
               "and the record on disk is unchanged");
        l = state_file_free(l);

        tap_ok(state_file_remove(path) == 0 && state_file_load(path, &l) == -ENOENT, "remove; then load is -ENOENT");
        tap_ok(state_file_remove(path) == 0, "removing a missing record is fine");

        /* a writer killed during the first write leaves only its temp file: the undo side removes it */
        fake_root_write("/run/vxm/.state/kind/.guest.vxm-tmp", "K=");
        tap_ok(state_file_load_for_undo(path, &l) == -ENOENT, "load_for_undo without a record is -ENOENT");
        tap_ok(!root_exists("/run/vxm/.state/kind/.guest.vxm-tmp"), "and the temp file is gone");
        fake_root_clear();
}

int main(void) {
        test_parse();
        test_format();
        test_numbers();
        test_files();
        return tap_done();
}
