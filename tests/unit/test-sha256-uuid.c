/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA-256 and HMAC-SHA256 against the published test vectors (FIPS 180-4 examples, RFC 4231), and UUID parsing and
 * formatting: the mdev UUIDs that vxm derives must be the same on every build and every host architecture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sha256.h"
#include "basic/uuid-util.h"
#include "tap.h"

static void check_sha256(const char *what, const void *data, size_t n, const char *want) {
        uint8_t d[SHA256_DIGEST_SIZE];
        char got[2 * SHA256_DIGEST_SIZE + 1];
        sha256(data, n, d);
        tap_is_str(sha256_hex(d, got), want, what);
}

static void test_sha256(void) {
        check_sha256("SHA-256 of \"\"", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check_sha256("SHA-256 of \"abc\"", "abc", 3,
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        check_sha256("SHA-256 of the two-block message", two, strlen(two),
                     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

        /* One million 'a' (FIPS 180-4's long message): many whole blocks before the tail. */
        char *a = malloc(1000000);
        if (!a)
                abort();
        memset(a, 'a', 1000000);
        check_sha256("SHA-256 of a million 'a'", a, 1000000,
                     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(a);
}

static void check_hmac(const char *what, const void *key, size_t key_size, const void *data, size_t n,
                       const char *want) {
        uint8_t d[SHA256_DIGEST_SIZE];
        char got[2 * SHA256_DIGEST_SIZE + 1];
        hmac_sha256(key, key_size, data, n, d);
        tap_is_str(sha256_hex(d, got), want, what);
}

static void test_hmac(void) {
        uint8_t key[131];
        memset(key, 0x0b, 20);
        check_hmac("RFC 4231 test case 1", key, 20, "Hi There", 8,
                   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        check_hmac("RFC 4231 test case 2", "Jefe", 4, "what do ya want for nothing?", 28,
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        memset(key, 0xaa, sizeof key);
        const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
        check_hmac("RFC 4231 test case 6 (key longer than a block)", key, sizeof key, msg, strlen(msg),
                   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_uuid(void) {
        uint8_t u[16];
        char buf[UUID_STRLEN];
        tap_ok(uuid_parse("F0E1D2C3-B4A5-4697-8879-6A5B4C3D2E1F", u) == 0, "uppercase UUID parses");
        tap_is_str(uuid_format(u, buf), "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f", "formatted in lowercase");
        const char *bad[] = {
                "",
                "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1",   /* short */
                "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f0", /* long */
                "f0e1d2c3b4a5-4697-8879-6a5b4c3d2e1f-",  /* dashes misplaced */
                "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1g",  /* not hex */
                "f0e1d2c3b4a546978879 6a5b4c3d2e1f",
                "f0e1d2c3b4a5469788796a5b4c3d2e1f", /* plain: not a UUID */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                tap_ok(uuid_parse(bad[i], u) < 0, "not a UUID: \"%s\"", bad[i]);

        tap_ok(id128_parse_plain("f0e1d2c3b4a5469788796a5b4c3d2e1f", u) == 0, "a machine ID parses");
        tap_is_str(uuid_format(u, buf), "f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f", "and has the same bytes");
        tap_ok(id128_parse_plain("f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f", u) < 0, "a UUID is not a machine ID");
        tap_ok(id128_parse_plain("f0e1d2c3b4a5469788796a5b4c3d2e1", u) < 0, "31 digits are not a machine ID");

        memset(u, 0xff, sizeof u);
        uuid_make_v4(u);
        tap_is_str(uuid_format(u, buf), "ffffffff-ffff-4fff-bfff-ffffffffffff", "version 4, variant 10 (all ones)");
        memset(u, 0, sizeof u);
        uuid_make_v4(u);
        tap_is_str(uuid_format(u, buf), "00000000-0000-4000-8000-000000000000", "version 4, variant 10 (all zeros)");
}

int main(void) {
        test_sha256();
        test_hmac();
        test_uuid();
        return tap_done();
}
