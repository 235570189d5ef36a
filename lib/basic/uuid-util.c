/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "basic/uuid-util.h"

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* 32 hex digits; with_dashes: in the 8-4-4-4-12 layout. The string must end right after. */
static int parse_hex128(const char *s, bool with_dashes, uint8_t ret[static 16]) {
        uint8_t out[16];
        for (size_t i = 0; i < 16; i++) {
                if (with_dashes && (i == 4 || i == 6 || i == 8 || i == 10) && *s++ != '-')
                        return -EINVAL;
                int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);
                if (lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t) (hi << 4 | lo);
                s += 2;
        }
        if (*s != '\0')
                return -EINVAL;
        memcpy(ret, out, sizeof out);
        return 0;
}

int uuid_parse(const char *s, uint8_t ret[static 16]) {
        return parse_hex128(s, true, ret);
}

int id128_parse_plain(const char *s, uint8_t ret[static 16]) {
        return parse_hex128(s, false, ret);
}

char *uuid_format(const uint8_t u[static 16], char buf[static UUID_STRLEN]) {
        snprintf(buf, UUID_STRLEN, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        return buf;
}

void uuid_make_v4(uint8_t u[static 16]) {
        u[6] = (u[6] & 0x0f) | 0x40;
        u[8] = (u[8] & 0x3f) | 0x80;
}
