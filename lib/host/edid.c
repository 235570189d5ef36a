/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/root-path.h"
#include "host/edid.h"

#define EDID_BLOCK 128

static const uint8_t edid_header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };

static bool block_checksum_ok(const uint8_t *b) {
        uint8_t sum = 0;
        for (size_t i = 0; i < EDID_BLOCK; i++)
                sum += b[i];
        return sum == 0;
}

static void consider(EdidMode *best, unsigned w, unsigned h) {
        if (w == 0 || h == 0)
                return;
        unsigned long long area = (unsigned long long) w * h,
                           best_area = (unsigned long long) best->width * best->height;
        if (area > best_area || (area == best_area && w > best->width))
                *best = (EdidMode){ w, h };
}

/* An 18-byte detailed timing descriptor; a zero pixel clock marks a display descriptor instead. */
static void detailed_timing(const uint8_t *d, EdidMode *best) {
        if (d[0] == 0 && d[1] == 0)
                return;
        unsigned w = d[2] | (d[4] & 0xf0) << 4, h = d[5] | (d[7] & 0xf0) << 4;
        if (d[17] & 0x80) /* interlaced: the lines of one field */
                h *= 2;
        consider(best, w, h);
}

/* A 2-byte standard timing: width/8 - 31, then the aspect ratio in the top two bits (16:10 from EDID 1.3 on). */
static void standard_timing(const uint8_t *t, bool before_1_3, EdidMode *best) {
        if ((t[0] == 0x01 && t[1] == 0x01) || t[0] == 0x00)
                return;
        unsigned w = (t[0] + 31u) * 8, h;
        switch (t[1] >> 6) {
        case 0:
                h = before_1_3 ? w : w * 10 / 16;
                break;
        case 1:
                h = w * 3 / 4;
                break;
        case 2:
                h = w * 4 / 5;
                break;
        default:
                h = w * 9 / 16;
                break;
        }
        consider(best, w, h);
}

/* Established timings I and II (bytes 35-37), bit 7 of byte 35 first. */
static const EdidMode established[17] = {
        { 720, 400 },  { 720, 400 },  { 640, 480 },  { 640, 480 },   { 640, 480 },  { 640, 480 },
        { 800, 600 },  { 800, 600 },  { 800, 600 },  { 800, 600 },   { 832, 624 },  { 1024, 768 },
        { 1024, 768 }, { 1024, 768 }, { 1024, 768 }, { 1280, 1024 }, { 1152, 870 },
};

/* Established timings III (display descriptor 0xf7, bytes 6-11), bit 7 of byte 6 first (VESA DMT). */
static const EdidMode established3[44] = {
        { 640, 350 },   { 640, 400 },   { 720, 400 },   { 640, 480 },   { 848, 480 },   { 800, 600 },   { 1024, 768 },
        { 1152, 864 },  { 1280, 768 },  { 1280, 768 },  { 1280, 768 },  { 1280, 768 },  { 1280, 960 },  { 1280, 960 },
        { 1280, 1024 }, { 1280, 1024 }, { 1360, 768 },  { 1440, 900 },  { 1440, 900 },  { 1440, 900 },  { 1440, 900 },
        { 1400, 1050 }, { 1400, 1050 }, { 1400, 1050 }, { 1400, 1050 }, { 1680, 1050 }, { 1680, 1050 }, { 1680, 1050 },
        { 1680, 1050 }, { 1600, 1200 }, { 1600, 1200 }, { 1600, 1200 }, { 1600, 1200 }, { 1600, 1200 }, { 1792, 1344 },
        { 1792, 1344 }, { 1856, 1392 }, { 1856, 1392 }, { 1920, 1200 }, { 1920, 1200 }, { 1920, 1200 }, { 1920, 1200 },
        { 1920, 1440 }, { 1920, 1440 },
};

static void bitmap(const uint8_t *bytes, size_t n_modes, const EdidMode *modes, EdidMode *best) {
        for (size_t i = 0; i < n_modes; i++)
                if (bytes[i / 8] & (0x80 >> (i % 8)))
                        consider(best, modes[i].width, modes[i].height);
}

/* CTA-861 video identification codes of 1920 pixels or more (smaller ones never win against the detailed timing
 * that every such monitor also has). */
static EdidMode cta_vic(unsigned vic) {
        static const struct {
                uint8_t first, last;
                EdidMode mode;
        } ranges[] = {
                { 16, 16, { 1920, 1080 } },   { 31, 34, { 1920, 1080 } },    { 63, 64, { 1920, 1080 } },
                { 86, 92, { 2560, 1080 } },   { 93, 97, { 3840, 2160 } },    { 98, 102, { 4096, 2160 } },
                { 103, 107, { 3840, 2160 } }, { 114, 114, { 3840, 2160 } },  { 115, 115, { 4096, 2160 } },
                { 116, 120, { 3840, 2160 } }, { 121, 127, { 5120, 2160 } },  { 193, 193, { 5120, 2160 } },
                { 194, 209, { 7680, 4320 } }, { 210, 217, { 10240, 4320 } }, { 218, 219, { 4096, 2160 } },
        };
        for (size_t i = 0; i < ELEMENTSOF(ranges); i++)
                if (vic >= ranges[i].first && vic <= ranges[i].last)
                        return ranges[i].mode;
        return (EdidMode){};
}

static void cta_block(const uint8_t *b, EdidMode *best) {
        unsigned dtd = b[2];
        if (dtd >= 4 && dtd <= EDID_BLOCK - 1) {
                /* Data blocks from byte 4 to the first detailed timing: a tag (3 bits) and a length (5 bits) each. */
                for (unsigned p = 4; p < dtd;) {
                        unsigned tag = b[p] >> 5, len = b[p] & 0x1f;
                        if (p + 1 + len > dtd)
                                break;
                        if (tag == 2) /* video data block: short video descriptors */
                                for (unsigned i = 0; i < len; i++) {
                                        unsigned svd = b[p + 1 + i];
                                        /* 129-192: VIC 1-64 flagged native; everything else is the VIC itself. */
                                        unsigned vic = svd >= 129 && svd <= 192 ? svd & 0x7f : svd;
                                        EdidMode m = cta_vic(vic);
                                        consider(best, m.width, m.height);
                                }
                        p += 1 + len;
                }
        }
        if (dtd >= 4)
                for (unsigned p = dtd; p + 18 <= EDID_BLOCK - 1; p += 18)
                        detailed_timing(b + p, best);
}

/* DisplayID 1.3 type I (tag 0x03) and 2.0 type VII (tag 0x22) timings: 20 bytes each, active pixels minus one as
 * little-endian 16-bit numbers at bytes 4 and 12. */
static void displayid_block(const uint8_t *b, EdidMode *best) {
        unsigned end = 5 + b[2];
        if (end > EDID_BLOCK - 1)
                end = EDID_BLOCK - 1;
        for (unsigned p = 5; p + 3 <= end;) {
                unsigned tag = b[p], len = b[p + 2];
                if (p + 3 + len > end)
                        break;
                if (tag == 0x03 || tag == 0x22)
                        for (unsigned t = p + 3; t + 20 <= p + 3 + len; t += 20)
                                consider(best, (b[t + 4] | b[t + 5] << 8) + 1u, (b[t + 12] | b[t + 13] << 8) + 1u);
                p += 3 + len;
        }
}

int edid_largest_mode(const uint8_t *data, size_t size, EdidMode *ret) {
        if (size < EDID_BLOCK || memcmp(data, edid_header, sizeof edid_header) != 0 || !block_checksum_ok(data))
                return -EBADMSG;

        EdidMode best = {};
        bool before_1_3 = data[18] == 1 && data[19] < 3;
        bitmap(data + 35, ELEMENTSOF(established), established, &best);
        for (size_t i = 38; i < 54; i += 2)
                standard_timing(data + i, before_1_3, &best);
        for (size_t i = 54; i < 126; i += 18) {
                const uint8_t *d = data + i;
                if (d[0] || d[1])
                        detailed_timing(d, &best);
                else if (d[3] == 0xfa) /* more standard timings */
                        for (size_t k = 5; k + 2 <= 17; k += 2)
                                standard_timing(d + k, before_1_3, &best);
                else if (d[3] == 0xf7)
                        bitmap(d + 6, ELEMENTSOF(established3), established3, &best);
        }

        size_t n_ext = data[126];
        for (size_t i = 1; i <= n_ext && (i + 1) * EDID_BLOCK <= size; i++) {
                const uint8_t *b = data + i * EDID_BLOCK;
                if (!block_checksum_ok(b))
                        continue;
                if (b[0] == 0x02)
                        cta_block(b, &best);
                else if (b[0] == 0x70)
                        displayid_block(b, &best);
        }
        if (best.width == 0)
                return -ENODATA;
        *ret = best;
        return 0;
}

/* Does /sys/class/drm/NAME belong to PCI device bdf? Its real path is .../BDF/drm/cardN/NAME. */
static bool connector_of_pci(const char *name, const char *bdf) {
        _cleanup_free_ char *link = xasprintf("/sys/class/drm/%s", name), *path = root_path(link);
        _cleanup_free_ char *real = realpath(path, NULL);
        if (!real)
                return false;
        char *drm = strstr(real, "/drm/card");
        if (!drm)
                return false;
        *drm = '\0';
        const char *parent = strrchr(real, '/');
        return parent && strcmp(parent + 1, bdf) == 0;
}

int edid_monitor_of_pci(const char *bdf, EdidMode *ret, char **ret_connector) {
        _cleanup_closedir_ DIR *d = root_opendir("/sys/class/drm");
        if (!d)
                return -ENOENT;

        EdidMode best = {};
        _cleanup_free_ char *best_connector = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                /* Connectors are cardN-NAME; cardN itself and renderDN are the device nodes. */
                if (strncmp(de->d_name, "card", 4) != 0 || !strchr(de->d_name, '-') ||
                    !connector_of_pci(de->d_name, bdf))
                        continue;
                _cleanup_free_ char *status_path = xasprintf("/sys/class/drm/%s/status", de->d_name);
                _cleanup_free_ char *edid_path = xasprintf("/sys/class/drm/%s/edid", de->d_name);
                _cleanup_free_ char *status = NULL, *edid = NULL;
                size_t size = 0;
                EdidMode m;
                if (root_read_line(status_path, &status) < 0 || strcmp(status, "connected") != 0 ||
                    root_read_file(edid_path, &edid, &size) < 0 ||
                    edid_largest_mode((const uint8_t *) edid, size, &m) < 0)
                        continue;
                unsigned long long area = (unsigned long long) m.width * m.height;
                if (area > (unsigned long long) best.width * best.height) {
                        best = m;
                        free(best_connector);
                        best_connector = xstrdup(de->d_name);
                }
        }
        if (!best_connector)
                return -ENOENT;
        *ret = best;
        if (ret_connector)
                *ret_connector = TAKE_PTR(best_connector);
        return 0;
}
