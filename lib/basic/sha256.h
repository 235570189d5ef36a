/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for deriving stable identifiers (mdev UUIDs) from the machine ID
 * the way systemd derives application-specific machine IDs. Not for secrets that must resist timing attacks. */

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

typedef struct Sha256 {
        uint32_t state[8];
        uint64_t length; /* bytes hashed so far */
        uint8_t block[SHA256_BLOCK_SIZE];
        size_t used; /* bytes in block */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t n);
void sha256_final(Sha256 *s, uint8_t out[static SHA256_DIGEST_SIZE]);

void hmac_sha256(const void *key, size_t key_size, const void *data, size_t size,
                 uint8_t out[static SHA256_DIGEST_SIZE]);
