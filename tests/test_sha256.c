/* test_sha256.c: SHA-256 (core/sha256.h) against the examples of FIPS
 * 180-4 and digests from an independent implementation (coreutils'
 * sha256sum) at the lengths where the padding changes shape; and the
 * host's file hashing and staging (host.h), which natively use the core's
 * SHA-256 and under Wine the operating system's (BCrypt). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "host/host.h"

static void sha256_of(const void *bytes, size_t count,
                      char hex[MSIQ_SHA256_HEX_SIZE]) {
  msiq_sha256 hash;
  uint8_t digest[MSIQ_SHA256_DIGEST_SIZE];
  msiq_sha256_init(&hash);
  msiq_sha256_update(&hash, bytes, count);
  msiq_sha256_final(&hash, digest);
  msiq_sha256_hex(digest, hex);
}

/* count copies of 'a'. */
static char *test_run_of_a(size_t count) {
  char *text = malloc(count + 1);
  assert_non_null(text);
  memset(text, 'a', count);
  text[count] = '\0';
  return text;
}

static void test_fips_examples(void **state) {
  (void)state;
  char hex[MSIQ_SHA256_HEX_SIZE];
  sha256_of("", 0, hex);
  assert_string_equal(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha256_of("abc", 3, hex);
  assert_string_equal(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two_blocks =
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_of(two_blocks, strlen(two_blocks), hex);
  assert_string_equal(
      hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *long_message =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  sha256_of(long_message, strlen(long_message), hex);
  assert_string_equal(
      hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  char *million = test_run_of_a(1000000);
  sha256_of(million, 1000000, hex);
  assert_string_equal(
      hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(million);
}

/* 55 bytes leave room for the length in the last block, 56 do not; 64 is
 * a whole block; 119 and 120 the same edge one block later. */
static void test_padding_edges(void **state) {
  (void)state;
  static const struct {
    size_t count;
    const char *hex;
  } cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *text = test_run_of_a(cases[i].count);
    char hex[MSIQ_SHA256_HEX_SIZE];
    sha256_of(text, cases[i].count, hex);
    assert_string_equal(hex, cases[i].hex);
    free(text);
  }
}

/* However the input is cut into updates, the digest is the same. */
static void test_updates_in_pieces(void **state) {
  (void)state;
  char *text = test_run_of_a(1000);
  char whole[MSIQ_SHA256_HEX_SIZE];
  sha256_of(text, 1000, whole);
  for (size_t piece = 1; piece <= 130; piece += 7) {
    msiq_sha256 hash;
    uint8_t digest[MSIQ_SHA256_DIGEST_SIZE];
    char hex[MSIQ_SHA256_HEX_SIZE];
    msiq_sha256_init(&hash);
    for (size_t at = 0; at < 1000; at += piece) {
      msiq_sha256_update(&hash, text + at,
                         at + piece > 1000 ? 1000 - at : piece);
    }
    msiq_sha256_final(&hash, digest);
    msiq_sha256_hex(digest, hex);
    assert_string_equal(hex, whole);
  }
  free(text);
}

static void test_hex_validity(void **state) {
  (void)state;
  char hex[MSIQ_SHA256_HEX_SIZE];
  sha256_of("abc", 3, hex);
  assert_true(msiq_sha256_hex_is_valid(hex));
  hex[10] = 'A'; /* msiq writes lowercase only */
  assert_false(msiq_sha256_hex_is_valid(hex));
  hex[10] = 'g';
  assert_false(msiq_sha256_hex_is_valid(hex));
  hex[10] = '0';
  hex[63] = '\0';
  assert_false(msiq_sha256_hex_is_valid(hex));
  assert_false(msiq_sha256_hex_is_valid(""));
}

/* The host's hash of a file, the size of several of its read chunks plus a
 * remainder, equals the core's of the same bytes. */
static void test_host_hashes_a_file(void **state) {
  (void)state;
  char path[512];
  test_unique_path(path, sizeof path, "sha256-file");
  size_t count = 3 * 65536 + 17;
  char *text = test_run_of_a(count);
  text[100] = 'b';
  test_write_file(path, text);
  char expected[MSIQ_SHA256_HEX_SIZE];
  char found[MSIQ_SHA256_HEX_SIZE];
  sha256_of(text, count, expected);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_file_sha256(path, found, &diag), MSIQ_OK);
  assert_string_equal(found, expected);
  remove(path);
  assert_int_equal(msiq_host_file_sha256(path, found, &diag), MSIQ_EIO);
  assert_message_contains(diag.message, path);
  free(text);
}

/* Staging copies the file under a new name ending in its own into a new
 * private folder, returns the copy's digest, and never replaces a file. */
static void test_host_stages_a_copy(void **state) {
  (void)state;
  char source[512];
  char directory[512];
  test_unique_path(source, sizeof source, "stage-source");
  test_unique_path(directory, sizeof directory, "stage-folder");
  test_write_file(source, "the package bytes");
  char *absolute_directory = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_host_absolute_path(directory, &absolute_directory, &diag), MSIQ_OK);
  char *first = NULL;
  char *second = NULL;
  char hex[MSIQ_SHA256_HEX_SIZE];
  char again[MSIQ_SHA256_HEX_SIZE];
  int status =
      msiq_host_stage_file(source, absolute_directory, &first, hex, &diag);
  if (status != MSIQ_OK) {
    print_error("%s\n", diag.message);
  }
  assert_int_equal(status, MSIQ_OK);
  char expected[MSIQ_SHA256_HEX_SIZE];
  sha256_of("the package bytes", strlen("the package bytes"), expected);
  assert_string_equal(hex, expected);
  long size = 0;
  char *copied = test_read_file(first, &size);
  assert_string_equal(copied, "the package bytes");
  free(copied);
  const char *base = strrchr(source, '/');
  const char *windows_base = strrchr(source, '\\');
  base = windows_base != NULL && (base == NULL || windows_base > base)
             ? windows_base
             : base;
  assert_non_null(base);
  size_t base_length = strlen(base + 1);
  assert_true(strlen(first) > base_length);
  assert_string_equal(first + strlen(first) - base_length, base + 1);
  assert_int_equal(
      strncmp(first, absolute_directory, strlen(absolute_directory)), 0);
  /* The same source again: a second copy, the first one untouched. */
  test_write_file(source, "other bytes");
  assert_int_equal(
      msiq_host_stage_file(source, absolute_directory, &second, again, &diag),
      MSIQ_OK);
  assert_string_not_equal(first, second);
  assert_string_not_equal(hex, again);
  copied = test_read_file(first, &size);
  assert_string_equal(copied, "the package bytes");
  free(copied);
  /* A source that is gone stages nothing. */
  remove(source);
  char *none = NULL;
  assert_int_equal(
      msiq_host_stage_file(source, absolute_directory, &none, hex, &diag),
      MSIQ_EIO);
  assert_null(none);
  remove(first);
  remove(second);
  remove(source);
  /* The folder is empty now: POSIX remove() takes it (Windows' leaves it in
   * the build tree's temporary folder). */
  remove(absolute_directory);
  free(first);
  free(second);
  free(absolute_directory);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fips_examples),
      cmocka_unit_test(test_padding_edges),
      cmocka_unit_test(test_updates_in_pieces),
      cmocka_unit_test(test_hex_validity),
      cmocka_unit_test(test_host_hashes_a_file),
      cmocka_unit_test(test_host_stages_a_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
