/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/host/edid.c: the largest mode of a monitor, from every timing section an EDID can hold, and the connected
 * monitor of a PCI display controller found through /sys/class/drm on a fake tree. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "basic/macro.h"
#include "fake-root.h"
#include "host/edid.h"
#include "tap.h"

static void checksum(uint8_t *b) {
        uint8_t sum = 0;
        for (int i = 0; i < 127; i++)
                sum += b[i];
        b[127] = (uint8_t) (0x100 - sum);
}

/* An EDID 1.4 base block with nothing in it: no established or standard timings, four dummy descriptors. */
static void base_block(uint8_t *b) {
        static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
        memset(b, 0, 128);
        memcpy(b, header, 8);
        b[18] = 1, b[19] = 4;
        for (int i = 38; i < 54; i++)
                b[i] = 0x01;
        for (int d = 54; d < 126; d += 18)
                b[d + 3] = 0x10;
}

static void dtd(uint8_t *d, unsigned w, unsigned h, bool interlaced) {
        memset(d, 0, 18);
        d[0] = 0x01, d[1] = 0x1d; /* any non-zero pixel clock */
        d[2] = w & 0xff, d[4] = (w >> 8) << 4;
        d[5] = h & 0xff, d[7] = (h >> 8) << 4;
        d[17] = interlaced ? 0x80 : 0x18;
}

static void expect(const uint8_t *edid, size_t size, unsigned w, unsigned h, const char *what) {
        EdidMode m = {};
        int r = edid_largest_mode(edid, size, &m);
        char got[64];
        snprintf(got, sizeof got, "%d %ux%u", r, m.width, m.height);
        char want[64];
        snprintf(want, sizeof want, "0 %ux%u", w, h);
        tap_is_str(got, want, what);
}

static void test_base_block(void) {
        uint8_t e[128];

        base_block(e);
        dtd(e + 54, 2560, 1440, false);
        checksum(e);
        expect(e, sizeof e, 2560, 1440, "the preferred detailed timing");

        /* A second detailed timing that is larger wins; the first is not simply taken. */
        base_block(e);
        dtd(e + 54, 1920, 1080, false);
        dtd(e + 72, 3440, 1440, false);
        checksum(e);
        expect(e, sizeof e, 3440, 1440, "the largest of two detailed timings, not the first");

        base_block(e);
        dtd(e + 54, 1920, 540, true);
        checksum(e);
        expect(e, sizeof e, 1920, 1080, "an interlaced timing counts both fields");

        /* Standard timings: (width/8 - 31), aspect ratio in the top bits (0 = 16:10, 1 = 4:3, 2 = 5:4, 3 = 16:9). */
        base_block(e);
        e[38] = 2048 / 8 - 31, e[39] = 3 << 6;
        e[40] = 1600 / 8 - 31, e[41] = 1 << 6;
        checksum(e);
        expect(e, sizeof e, 2048, 1152, "standard timings (16:9 beats 4:3)");

        base_block(e);
        e[18] = 1, e[19] = 2;
        e[38] = 1280 / 8 - 31, e[39] = 0;
        checksum(e);
        expect(e, sizeof e, 1280, 1280, "EDID 1.2: aspect bits 00 are 1:1, not 16:10");

        base_block(e);
        e[36] = 0x01; /* 1280x1024@75 */
        e[35] = 0xff;
        checksum(e);
        expect(e, sizeof e, 1280, 1024, "established timings");

        /* Established timings III: 1920x1440 is bit 5 of the descriptor's byte 11. */
        base_block(e);
        e[90 + 3] = 0xf7, e[90 + 5] = 10, e[90 + 11] = 1 << 5, e[90 + 10] = 1 << 0;
        checksum(e);
        expect(e, sizeof e, 1920, 1440, "established timings III (0xf7)");

        base_block(e);
        e[108 + 3] = 0xfa, e[108 + 5] = 2048 / 8 - 31, e[108 + 6] = 0 << 6;
        checksum(e);
        expect(e, sizeof e, 2048, 1280, "standard timings in a 0xfa descriptor (16:10)");
}

static void test_extensions(void) {
        uint8_t e[384];

        /* A 4K television: 1080p as detailed timing, 3840x2160 only as VIC 97 and 4096x2160 as VIC 102 (native
         * flag, 8-bit form), and a 4K detailed timing in the CTA block. */
        base_block(e);
        dtd(e + 54, 1920, 1080, false);
        e[126] = 1;
        checksum(e);
        uint8_t *c = e + 128;
        memset(c, 0, 128);
        c[0] = 0x02, c[1] = 0x03;
        c[4] = 2 << 5 | 3, c[5] = 16, c[6] = 97, c[7] = 0x80 | 31;
        c[2] = 8;
        checksum(c);
        expect(e, 256, 3840, 2160, "CTA-861 video data block: VIC 97 is 3840x2160");

        c[5] = 102;
        checksum(c);
        expect(e, 256, 4096, 2160, "CTA-861: VIC 102 is 4096x2160");

        c[5] = 16;
        dtd(c + 8, 3840, 2400, false); /* a detailed timing holds at most 4095x4095 */
        checksum(c);
        expect(e, 256, 3840, 2400, "CTA-861 detailed timing");

        c[20] ^= 0xff; /* the extension's checksum no longer matches: skipped, the base block stands */
        expect(e, 256, 1920, 1080, "an extension with a bad checksum is skipped");

        /* DisplayID 1.3 type I timing for 7680x4320 in the second extension. */
        base_block(e);
        dtd(e + 54, 3840, 2160, false);
        e[126] = 2;
        checksum(e);
        memset(e + 128, 0, 128);
        e[128] = 0x02, e[129] = 0x03, e[130] = 4;
        checksum(e + 128);
        uint8_t *d = e + 256;
        memset(d, 0, 128);
        d[0] = 0x70, d[1] = 0x13, d[2] = 23;
        d[5] = 0x03, d[6] = 0, d[7] = 20;
        d[8 + 4] = (7680 - 1) & 0xff, d[8 + 5] = (7680 - 1) >> 8;
        d[8 + 12] = (4320 - 1) & 0xff, d[8 + 13] = (4320 - 1) >> 8;
        checksum(d);
        expect(e, sizeof e, 7680, 4320, "DisplayID type I timing");
        expect(e, 256, 3840, 2160, "an extension the data does not hold is not read");
}

static void test_refused(void) {
        uint8_t e[128];
        EdidMode m = { 1, 1 };

        base_block(e);
        dtd(e + 54, 1920, 1080, false);
        checksum(e);
        tap_is_int(edid_largest_mode(e, 100, &m), -EBADMSG, "shorter than a block: not an EDID");
        e[0] = 0x01;
        tap_is_int(edid_largest_mode(e, sizeof e, &m), -EBADMSG, "wrong header: not an EDID");
        e[0] = 0x00;
        e[60] ^= 0x01;
        tap_is_int(edid_largest_mode(e, sizeof e, &m), -EBADMSG, "bad base block checksum: not an EDID");
        base_block(e);
        checksum(e);
        tap_is_int(edid_largest_mode(e, sizeof e, &m), -ENODATA, "no mode at all");
        tap_ok(m.width == 1 && m.height == 1, "  ... and *ret is left alone");
}

/* A GPU at 0000:01:00.0 with connectors card1-DP-1 and card1-HDMI-A-1, another GPU at 0000:00:02.0 (card0-eDP-1),
 * laid out like the kernel does: /sys/class/drm/NAME -> ../../devices/.../BDF/drm/cardN/NAME. */
static void fake_connector(const char *pci_path, const char *card, const char *name, const char *status, unsigned w,
                           unsigned h) {
        char dir[512], path[600], link[600];
        snprintf(dir, sizeof dir, "/sys/devices/pci0000:00/%s/drm/%s/%s", pci_path, card, name);
        snprintf(path, sizeof path, "%s/status", dir);
        fake_root_write(path, status);
        snprintf(path, sizeof path, "%s/edid", dir);
        if (w) {
                uint8_t e[128];
                base_block(e);
                dtd(e + 54, w, h, false);
                checksum(e);
                fake_root_write_n(path, (const char *) e, sizeof e);
        } else
                fake_root_write_n(path, "", 0);
        snprintf(link, sizeof link, "../../devices/pci0000:00/%s/drm/%s/%s", pci_path, card, name);
        snprintf(path, sizeof path, "/sys/class/drm/%s", name);
        fake_root_symlink(link, path);
}

static void test_sysfs(void) {
        EdidMode m = {};
        char *connector = NULL;

        fake_root_new();
        tap_is_int(edid_monitor_of_pci("0000:01:00.0", &m, &connector), -ENOENT, "no /sys/class/drm: unknown");

        fake_connector("0000:00:02.0", "card0", "card0-eDP-1", "connected\n", 3840, 2400);
        fake_connector("0000:00:01.0/0000:01:00.0", "card1", "card1-DP-1", "connected\n", 2560, 1440);
        fake_connector("0000:00:01.0/0000:01:00.0", "card1", "card1-DP-2", "disconnected\n", 0, 0);
        fake_connector("0000:00:01.0/0000:01:00.0", "card1", "card1-HDMI-A-1", "connected\n", 1920, 1080);
        fake_root_write("/sys/class/drm/version", "drm 1.1.0 20060810\n");
        fake_root_mkdir("/sys/class/drm/card1");

        tap_is_int(edid_monitor_of_pci("0000:01:00.0", &m, &connector), 0, "the GPU at 0000:01:00.0 has a monitor");
        tap_is_str(connector, "card1-DP-1", "  ... on its largest connected connector, not the other GPU's eDP");
        tap_ok(m.width == 2560 && m.height == 1440, "  ... 2560x1440 (got %ux%u)", m.width, m.height);
        free(connector);

        tap_is_int(edid_monitor_of_pci("0000:00:02.0", &m, NULL), 0, "the other GPU has its own");
        tap_ok(m.width == 3840 && m.height == 2400, "  ... 3840x2400 (got %ux%u)", m.width, m.height);
        tap_is_int(edid_monitor_of_pci("0000:03:00.0", &m, NULL), -ENOENT, "a GPU without connectors: unknown");

        /* Connected, but an empty edid file (a monitor without DDC): unknown. */
        fake_root_clear();
        fake_root_new();
        fake_connector("0000:00:01.0/0000:01:00.0", "card1", "card1-DP-1", "connected\n", 0, 0);
        tap_is_int(edid_monitor_of_pci("0000:01:00.0", &m, NULL), -ENOENT, "connected without an EDID: unknown");
        fake_root_clear();
}

int main(void) {
        test_base_block();
        test_extensions();
        test_refused();
        test_sysfs();
        return tap_done();
}
