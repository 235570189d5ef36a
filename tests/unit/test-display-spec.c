/* SPDX-License-Identifier: BSD-3-Clause */
/* [Display] values (Monitor=, the input names and numbers) and the SHA-256 that edid: names a monitor by. The
 * expected digests were computed with coreutils' sha256sum, so users can compute edid: themselves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/sha256.h"
#include "config/display-spec.h"
#include "tap.h"

static void test_sha256(void) {
        static const struct {
                char byte;
                size_t n;
                const char *text, *hex;
        } vectors[] = {
                { 0, 0, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
                { 0, 0, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
                { 0, 0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
                /* the padding's edges: 55 bytes fit one block with the length, 56 need two, 64 is a whole block */
                { 0x5a, 55, NULL, "5f25f149aa92e3e13093aed8216072fae623f35e26ca605b6cce17e04b7ccf44" },
                { 0x5a, 56, NULL, "301c69927f1603720c9f847b7e5e3bef77a7b9f75344490fe9039f13c36b842a" },
                { 0x5a, 64, NULL, "cc7321cce5e4409bd8077d58422e1214969059bbd40b4eeb0de0a642f40f7282" },
                { 'a', 1000, NULL, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3" },
        };
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                char buf[1000], hex[2 * SHA256_DIGEST_SIZE + 1], what[64];
                uint8_t digest[SHA256_DIGEST_SIZE];
                size_t n = vectors[i].text ? strlen(vectors[i].text) : vectors[i].n;
                if (vectors[i].text)
                        memcpy(buf, vectors[i].text, n);
                else
                        memset(buf, vectors[i].byte, n);
                sha256(buf, n, digest);
                snprintf(what, sizeof what, "sha256 of %zu bytes", n);
                tap_is_str(sha256_hex(digest, hex), vectors[i].hex, what);
        }
}

static void test_monitor_spec(void) {
        static const struct {
                const char *s, *canonical;
                MonitorBy by;
        } good[] = {
                { "bus:0", "bus:0", MONITOR_BY_BUS },
                { "bus:127", "bus:127", MONITOR_BY_BUS },
                { "bus:0x7", "bus:7", MONITOR_BY_BUS },
                { "display:1", "display:1", MONITOR_BY_DISPLAY },
                { "model:DELL U2720Q", "model:DELL U2720Q", MONITOR_BY_MODEL },
                { "serial:ABCDEFGHIJKLM", "serial:ABCDEFGHIJKLM", MONITOR_BY_SERIAL },
                { "edid:0123ABCD", "edid:0123abcd", MONITOR_BY_EDID },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                MonitorSpec spec;
                const char *why = NULL;
                char what[80];
                snprintf(what, sizeof what, "Monitor=%s parses", good[i].s);
                if (tap_ok(monitor_spec_parse(good[i].s, &spec, &why) == 0 && spec.by == good[i].by, "%s", what)) {
                        _cleanup_free_ char *s = monitor_spec_to_string(&spec);
                        snprintf(what, sizeof what, "  ... and reads %s", good[i].canonical);
                        tap_is_str(s, good[i].canonical, what);
                }
        }
        static const char *const bad[] = {
                "5",
                "bus:",
                "bus:-1",
                "bus:128",
                "bus: 5",
                "display:0",
                "display:100",
                "model:",
                "serial:ABCDEFGHIJKLMN",
                "edid:0123456",
                "edid:0123456g",
                /* 65 characters: longer than a SHA-256 in hex */
                ("edid:"
                 "00ffffffffffff0000ffffffffffff0000ffffffffffff0000ffffffffffff00x"),
                "Bus:5",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                MonitorSpec spec;
                const char *why = NULL;
                tap_ok(monitor_spec_parse(bad[i], &spec, &why) == -EINVAL && why, "Monitor=%s is refused (%s)", bad[i],
                       why ? why : "no reason");
        }
}

static void test_inputs(void) {
        static const struct {
                const char *s;
                int v;
                bool named;
        } vcp[] = {
                { "VGA-1", 0x01, true },         { "DVI-1", 0x03, true },       { "DP-1", 0x0f, true },
                { "DP-2", 0x10, true },          { "HDMI-1", 0x11, true },      { "HDMI-2", 0x12, true },
                { "hdmi-1", 0x11, true },        { "USB-C", 0x1b, true },       { "USB-C-1", 0x1b, true },
                { "DisplayPort-1", 0x0f, true }, { "0x0f", 0x0f, false },       { "15", 15, false },
                { "0xff", 0xff, false },         { "0x0090", 0x90, false },     { "0xffff", 0xffff, false },
                { "0", -EINVAL, false },         { "0x10000", -EINVAL, false }, { "DP-3", -EINVAL, false },
                { "", -EINVAL, false },          { "DP", -EINVAL, false },      { "-1", -EINVAL, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(vcp); i++) {
                char what[64];
                bool named = !vcp[i].named;
                snprintf(what, sizeof what, "vcp_input_from_string(\"%s\")", vcp[i].s);
                int v = vcp_input_from_string(vcp[i].s, &named);
                if (tap_is_int(v, vcp[i].v, what) && v >= 0)
                        tap_ok(named == vcp[i].named, "  ... %s", vcp[i].named ? "a name" : "a number");
        }
        char buf[32];
        tap_is_str(vcp_input_to_string(0x0f), "DP-1", "vcp_input_to_string(0x0f)");
        tap_is_str(vcp_input_to_string(0x1b), "USB-C", "vcp_input_to_string(0x1b)");
        tap_is_str(vcp_input_to_string(0x55), NULL, "vcp_input_to_string(0x55) is NULL");
        tap_is_str(vcp_value_format(0x60, 0x11, buf), "HDMI-1 (0x11)", "feature 0x60 values by name");
        tap_is_str(vcp_value_format(0x60, 0x55, buf), "0x55", "an unnamed 0x60 value");
        tap_is_str(vcp_value_format(0xf4, 0x11, buf), "0x0011", "other features: no names, 16 bits");
}

int main(void) {
        test_sha256();
        test_monitor_spec();
        test_inputs();
        return tap_done();
}
