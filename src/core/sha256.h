/* sha256.h: SHA-256 (FIPS 180-4), for the staged copies of packages.
 *
 * `enqueue --stage` records the SHA-256 of the copy it makes and the
 * dispatcher checks it before the installer starts (docs/cli.md). None of
 * msiq's dependencies (SQLite, libuv, cmocka) offers SHA-256, so the
 * simulation host uses this small implementation; the Windows host uses
 * the operating system's (BCrypt) instead. Pure computation, no I/O.
 */
#ifndef MSIQ_SHA256_H
#define MSIQ_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSIQ_SHA256_DIGEST_SIZE 32
/* 64 lowercase hexadecimal digits and the terminating NUL. */
#define MSIQ_SHA256_HEX_SIZE 65

typedef struct msiq_sha256 {
  uint32_t state[8];
  uint64_t length; /* bytes hashed so far */
  uint8_t block[64];
  size_t block_used;
} msiq_sha256;

void msiq_sha256_init(msiq_sha256 *hash);
void msiq_sha256_update(msiq_sha256 *hash, const void *bytes, size_t count);
/* Writes the digest; hash must be initialised again before reuse. */
void msiq_sha256_final(msiq_sha256 *hash,
                       uint8_t digest[MSIQ_SHA256_DIGEST_SIZE]);

/* The digest as 64 lowercase hexadecimal digits. */
void msiq_sha256_hex(const uint8_t digest[MSIQ_SHA256_DIGEST_SIZE],
                     char hex[MSIQ_SHA256_HEX_SIZE]);

/* True when text is 64 lowercase hexadecimal digits, as msiq writes them. */
bool msiq_sha256_hex_is_valid(const char *text);

#endif /* MSIQ_SHA256_H */
