/* sha256.c: SHA-256 as FIPS 180-4 defines it (section 6.2). See
 * sha256.h. */
#include "core/sha256.h"

#include <stdbool.h>
#include <string.h>

/* The first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t sha256_round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha256_rotate_right(uint32_t value, unsigned count) {
  return (value >> count) | (value << (32 - count));
}

/* One 64-byte block into the state (FIPS 180-4, 6.2.2). */
static void sha256_compress(uint32_t state[8], const uint8_t block[64]) {
  uint32_t schedule[64];
  for (int t = 0; t < 16; t++) {
    schedule[t] = (uint32_t)block[4 * t] << 24 |
                  (uint32_t)block[4 * t + 1] << 16 |
                  (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
  }
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = sha256_rotate_right(schedule[t - 15], 7) ^
                  sha256_rotate_right(schedule[t - 15], 18) ^
                  (schedule[t - 15] >> 3);
    uint32_t s1 = sha256_rotate_right(schedule[t - 2], 17) ^
                  sha256_rotate_right(schedule[t - 2], 19) ^
                  (schedule[t - 2] >> 10);
    schedule[t] = schedule[t - 16] + s0 + schedule[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; t++) {
    uint32_t sum1 = sha256_rotate_right(e, 6) ^ sha256_rotate_right(e, 11) ^
                    sha256_rotate_right(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t temporary1 =
        h + sum1 + choose + sha256_round_constants[t] + schedule[t];
    uint32_t sum0 = sha256_rotate_right(a, 2) ^ sha256_rotate_right(a, 13) ^
                    sha256_rotate_right(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t temporary2 = sum0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + temporary1;
    d = c;
    c = b;
    b = a;
    a = temporary1 + temporary2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

void msiq_sha256_init(msiq_sha256 *hash) {
  /* The first 32 bits of the fractional parts of the square roots of the
   * first 8 primes (FIPS 180-4, 5.3.3). */
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                      0xa54ff53a, 0x510e527f, 0x9b05688c,
                                      0x1f83d9ab, 0x5be0cd19};
  memcpy(hash->state, initial, sizeof initial);
  hash->length = 0;
  hash->block_used = 0;
}

void msiq_sha256_update(msiq_sha256 *hash, const void *bytes, size_t count) {
  const uint8_t *input = bytes;
  hash->length += count;
  while (count > 0) {
    size_t room = sizeof hash->block - hash->block_used;
    size_t take = count < room ? count : room;
    memcpy(hash->block + hash->block_used, input, take);
    hash->block_used += take;
    input += take;
    count -= take;
    if (hash->block_used == sizeof hash->block) {
      sha256_compress(hash->state, hash->block);
      hash->block_used = 0;
    }
  }
}

void msiq_sha256_final(msiq_sha256 *hash,
                       uint8_t digest[MSIQ_SHA256_DIGEST_SIZE]) {
  /* Padding (FIPS 180-4, 5.1.1): a 1 bit, zeros up to 56 bytes into a
   * block, then the message length in bits as a 64-bit big-endian
   * number. */
  uint64_t bits = hash->length * 8;
  hash->block[hash->block_used++] = 0x80;
  if (hash->block_used > 56) {
    memset(hash->block + hash->block_used, 0,
           sizeof hash->block - hash->block_used);
    sha256_compress(hash->state, hash->block);
    hash->block_used = 0;
  }
  memset(hash->block + hash->block_used, 0, 56 - hash->block_used);
  for (int i = 0; i < 8; i++) {
    hash->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
  }
  sha256_compress(hash->state, hash->block);
  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(hash->state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(hash->state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(hash->state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)hash->state[i];
  }
}

void msiq_sha256_hex(const uint8_t digest[MSIQ_SHA256_DIGEST_SIZE],
                     char hex[MSIQ_SHA256_HEX_SIZE]) {
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < MSIQ_SHA256_DIGEST_SIZE; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0x0f];
  }
  hex[2 * MSIQ_SHA256_DIGEST_SIZE] = '\0';
}

bool msiq_sha256_hex_is_valid(const char *text) {
  size_t length = 0;
  for (; text[length] != '\0'; length++) {
    char c = text[length];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return length == 2 * MSIQ_SHA256_DIGEST_SIZE;
}
