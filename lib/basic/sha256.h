/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4) of a small buffer, for identifying things by a digest that users can reproduce with
 * sha256sum(1) (a monitor's EDID), and HMAC-SHA256 (RFC 2104) on top of it, for deriving stable identifiers from the
 * machine ID the way systemd derives application-specific machine IDs (mdev UUIDs). Not for secrets: no care is taken
 * about timing or wiping. */
#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

void sha256(const void *data, size_t n, uint8_t ret[static SHA256_DIGEST_SIZE]);
/* The digest as 64 lowercase hex digits and a NUL. */
char *sha256_hex(const uint8_t digest[static SHA256_DIGEST_SIZE], char ret[static 2 * SHA256_DIGEST_SIZE + 1]);

void hmac_sha256(const void *key, size_t key_size, const void *data, size_t n, uint8_t ret[static SHA256_DIGEST_SIZE]);
