/* test_text.c: the shared text helpers (core/text.c). */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

static void test_duplicate_is_an_equal_separate_copy(void **state) {
  (void)state;
  const char *text = "C:\\Packages\\a.msi";
  char *copy = msiq_text_duplicate(text);
  assert_non_null(copy);
  assert_string_equal(copy, text);
  assert_ptr_not_equal(copy, text);
  free(copy);
  char *empty = msiq_text_duplicate("");
  assert_non_null(empty);
  assert_string_equal(empty, "");
  free(empty);
}

/* A list grows item by item, the separator only between items. */
static void test_list_append(void **state) {
  (void)state;
  char *list = NULL;
  assert_int_equal(msiq_text_list_append(&list, ';', "{A}"), MSIQ_OK);
  assert_string_equal(list, "{A}");
  assert_int_equal(msiq_text_list_append(&list, ';', "C:\\b.mst"), MSIQ_OK);
  assert_int_equal(msiq_text_list_append(&list, ';', ":embedded"), MSIQ_OK);
  assert_string_equal(list, "{A};C:\\b.mst;:embedded");
  free(list);
}

static void test_control_characters(void **state) {
  (void)state;
  for (int c = 0; c < 256; c++) {
    bool expected = c < 0x20 || c == 0x7f;
    assert_int_equal(msiq_character_is_control((unsigned char)c), expected);
  }
  assert_false(
      msiq_text_has_control_character("plain text, \xc3\xa9t\xc3\xa9"));
  assert_true(msiq_text_has_control_character("tab\there"));
  assert_true(msiq_text_has_control_character("del\x7f"));
  assert_false(msiq_text_has_control_character(""));
}

static void test_directory_length(void **state) {
  (void)state;
  char separator = 0;
  assert_int_equal(msiq_path_directory_length("C:\\msiq\\queue.db", &separator),
                   7);
  assert_int_equal(separator, '\\');
  assert_int_equal(msiq_path_directory_length("/var/lib/msiq/q.db", &separator),
                   13);
  assert_int_equal(separator, '/');
  /* Mixed separators: the last one counts. */
  assert_int_equal(msiq_path_directory_length("C:/a\\b/c.db", &separator), 6);
  assert_int_equal(separator, '/');
  assert_int_equal(msiq_path_directory_length("queue.db", &separator), 0);
  assert_int_equal(separator, '/');
  assert_int_equal(msiq_path_directory_length("/queue.db", NULL), 0);
}

/* Sequences at every boundary of RFC 3629's table, and every way to get
 * one wrong. */
static void test_utf8_sequences(void **state) {
  (void)state;
  static const struct {
    const char *bytes;
    size_t length;
    size_t expected;
  } cases[] = {
      {"A", 1, 1},
      {"\x7f", 1, 1},
      {"\xc2\x80", 2, 2},         /* U+0080 */
      {"\xdf\xbf", 2, 2},         /* U+07FF */
      {"\xe0\xa0\x80", 3, 3},     /* U+0800 */
      {"\xed\x9f\xbf", 3, 3},     /* U+D7FF */
      {"\xee\x80\x80", 3, 3},     /* U+E000 */
      {"\xef\xbf\xbf", 3, 3},     /* U+FFFF */
      {"\xf0\x90\x80\x80", 4, 4}, /* U+10000 */
      {"\xf4\x8f\xbf\xbf", 4, 4}, /* U+10FFFF */
      {"\x80", 1, 0},             /* a continuation byte alone */
      {"\xbf", 1, 0},
      {"\xc0\x80", 2, 0},         /* overlong NUL */
      {"\xc1\xbf", 2, 0},         /* overlong */
      {"\xe0\x9f\xbf", 3, 0},     /* overlong */
      {"\xf0\x8f\xbf\xbf", 4, 0}, /* overlong */
      {"\xed\xa0\x80", 3, 0},     /* U+D800, a surrogate */
      {"\xed\xbf\xbf", 3, 0},     /* U+DFFF */
      {"\xf4\x90\x80\x80", 4, 0}, /* U+110000 */
      {"\xf5\x80\x80\x80", 4, 0},
      {"\xff", 1, 0},
      {"\xc3", 1, 0}, /* cut short */
      {"\xe2\x82", 2, 0},
      {"\xf0\x9f\x98", 3, 0},
      {"\xc3\x41", 2, 0}, /* not followed by a continuation */
      {"\xe2\x82\x41", 3, 0},
      {"\xc3\xa9", 1, 0}, /* fewer bytes available than it needs */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t got = msiq_utf8_sequence_length(cases[i].bytes, cases[i].length);
    if (got != cases[i].expected) {
      fail_msg("case %zu: length %zu, expected %zu", i, got, cases[i].expected);
    }
  }
  assert_int_equal(msiq_utf8_sequence_length("", 0), 0);
}

/* Every code point encodes to a sequence the checker takes whole, and no
 * surrogate or value past U+10FFFF encodes at all. */
static void test_utf8_encode_agrees_with_the_checker(void **state) {
  (void)state;
  for (unsigned long code_point = 0; code_point <= 0x110000; code_point++) {
    char bytes[4];
    size_t count = msiq_utf8_encode(code_point, bytes);
    bool has_one = code_point <= 0x10ffff &&
                   !(code_point >= 0xd800 && code_point <= 0xdfff);
    if (!has_one) {
      assert_int_equal(count, 0);
      continue;
    }
    size_t expected = code_point < 0x80      ? 1
                      : code_point < 0x800   ? 2
                      : code_point < 0x10000 ? 3
                                             : 4;
    assert_int_equal(count, expected);
    assert_int_equal(msiq_utf8_sequence_length(bytes, count), count);
  }
}

static void test_utf8_valid_prefix_and_whole_texts(void **state) {
  (void)state;
  const char *text = "caf\xc3\xa9 \xe2\x82\xac\xff rest";
  assert_int_equal(msiq_utf8_valid_prefix(text, strlen(text)), 9);
  assert_int_equal(msiq_utf8_valid_prefix(text, 9), 9);
  assert_int_equal(msiq_utf8_valid_prefix(text, 8), 6); /* inside the euro */
  assert_int_equal(msiq_utf8_valid_prefix("", 0), 0);
  /* A NUL is a character: counted text may hold one. */
  assert_int_equal(msiq_utf8_valid_prefix("a\0b", 3), 3);
  assert_true(msiq_text_is_utf8(""));
  assert_true(msiq_text_is_utf8("plain"));
  assert_true(msiq_text_is_utf8("\xf0\x9f\x98\x80 caf\xc3\xa9"));
  assert_false(msiq_text_is_utf8("caf\xe9"));
  assert_false(msiq_text_is_utf8("\xed\xa0\x80"));
  assert_false(msiq_text_is_utf8("trailing \xc3"));
}

/* ASCII letters match in any case; nothing else is folded. */
static void test_text_equal_ignoring_case(void **state) {
  (void)state;
  assert_true(msiq_text_equal_ignoring_case("failed", "Failed"));
  assert_true(msiq_text_equal_ignoring_case("FAILED", "failed"));
  assert_true(msiq_text_equal_ignoring_case("", ""));
  assert_false(msiq_text_equal_ignoring_case("failed", "faile"));
  assert_false(msiq_text_equal_ignoring_case("faile", "failed"));
  assert_false(msiq_text_equal_ignoring_case("a[", "A{"));
  assert_false(msiq_text_equal_ignoring_case("\xc3\xa9", "\xc3\x89"));
}

static void test_text_position_counts_lines_and_characters(void **state) {
  (void)state;
  size_t line = 0;
  size_t column = 0;
  const char *text = "ab\n\xc3\xa9\xc3\xa9x\ny";
  msiq_text_position(text, 0, &line, &column);
  assert_int_equal(line, 1);
  assert_int_equal(column, 1);
  msiq_text_position(text, 2, &line, &column);
  assert_int_equal(line, 1);
  assert_int_equal(column, 3);
  /* "x" on line 2 comes after two two-byte characters. */
  msiq_text_position(text, 7, &line, &column);
  assert_int_equal(line, 2);
  assert_int_equal(column, 3);
  msiq_text_position(text, 9, &line, &column);
  assert_int_equal(line, 3);
  assert_int_equal(column, 1);
}

/* Decodes bytes, expecting text. */
static void assert_decodes(const char *bytes, size_t length,
                           const char *expected) {
  char *text = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_text_decode_file(bytes, length, "m.json", &text, &diag),
                   MSIQ_OK);
  assert_non_null(text);
  assert_string_equal(text, expected);
  free(text);
}

/* Decodes bytes, expecting a refusal whose message holds expected. */
static void assert_decode_refused(const char *bytes, size_t length,
                                  const char *expected) {
  char *text = (char *)"untouched";
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_text_decode_file(bytes, length, "m.json", &text, &diag),
                   MSIQ_EINVAL);
  assert_null(text);
  if (strstr(diag.message, expected) == NULL) {
    fail_msg("message '%s' lacks '%s'", diag.message, expected);
  }
  assert_non_null(strstr(diag.message, "m.json"));
  assert_null(strchr(diag.message, '\n'));
}

static void test_decode_file_encodings(void **state) {
  (void)state;
  assert_decodes("[1]", 3, "[1]");
  assert_decodes("", 0, "");
  assert_decodes("\xef\xbb\xbf[\"caf\xc3\xa9\"]", 12, "[\"caf\xc3\xa9\"]");
  /* UTF-16LE and BE with their marks, with a pair for U+1F600. */
  assert_decodes("\xff\xfe[\0\xe9\0=\xd8\0\xde]\0", 12,
                 "[\xc3\xa9\xf0\x9f\x98\x80]");
  assert_decodes("\xfe\xff\0[\0\xe9\xd8=\xde\0\0]", 12,
                 "[\xc3\xa9\xf0\x9f\x98\x80]");
  assert_decodes("\xff\xfe", 2, "");

  assert_decode_refused("[\"caf\xe9\"]", 8,
                        "not valid UTF-8 (byte 0xe9 at line 1, column 6)");
  assert_decode_refused("[\n\"\xc0\x80\"]", 7, "byte 0xc0 at line 2, column 2");
  assert_decode_refused("\xef\xbb\xbf\xff", 4, "byte 0xff at line 1, column 1");
  assert_decode_refused("[1]\0", 4, "NUL byte (at byte 3)");
  assert_decode_refused("\xff\xfe[\0", 5, "odd number of bytes");
  assert_decode_refused("\xff\xfe[\0\0\xd8]\0", 8,
                        "unpaired surrogate (0xd800) at byte 4");
  assert_decode_refused("\xff\xfe\0\xdc", 4, "unpaired surrogate (0xdc00)");
  assert_decode_refused("\xff\xfe\0\xd8", 4, "unpaired surrogate (0xd800)");
  assert_decode_refused("\xfe\xff\0[\0\0", 6, "NUL character (at byte 4)");
}

static void test_windows_1252(void **state) {
  (void)state;
  char *text =
      msiq_text_from_windows_1252("caf\xe9 \x80 \x93x\x94 \x81\0!", 14);
  assert_non_null(text);
  assert_string_equal(text,
                      "caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d "
                      "\xef\xbf\xbd!");
  assert_true(msiq_text_is_utf8(text));
  free(text);
  /* Every byte gives UTF-8. */
  char all[255];
  for (int i = 1; i < 256; i++) {
    all[i - 1] = (char)i;
  }
  text = msiq_text_from_windows_1252(all, sizeof all);
  assert_non_null(text);
  assert_true(msiq_text_is_utf8(text));
  free(text);
}

static void test_utf8_repair(void **state) {
  (void)state;
  char *text =
      msiq_text_utf8_repair("ok \xc3\xa9 \xff\xc3 \xed\xa0\x80 a\0b", 16);
  assert_non_null(text);
  assert_string_equal(text, "ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd "
                            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ab");
  assert_true(msiq_text_is_utf8(text));
  free(text);
  text = msiq_text_utf8_repair("", 0);
  assert_non_null(text);
  assert_string_equal(text, "");
  free(text);
}

/* What belongs to a queue lies beside it, with the path's own separator;
 * the root is a folder; a bare name has none; too long is refused. */
static void test_path_beside(void **state) {
  (void)state;
  char buffer[64];
  assert_true(msiq_path_beside("C:\\ProgramData\\msiq\\queue.db", "logs",
                               buffer, sizeof buffer));
  assert_string_equal(buffer, "C:\\ProgramData\\msiq\\logs");
  assert_true(
      msiq_path_beside("/var/lib/msiq/q.db", "staged", buffer, sizeof buffer));
  assert_string_equal(buffer, "/var/lib/msiq/staged");
  assert_true(msiq_path_beside("/queue.db", "logs", buffer, sizeof buffer));
  assert_string_equal(buffer, "/logs");
  assert_true(
      msiq_path_beside("queue.db", "msiq-service.log", buffer, sizeof buffer));
  assert_string_equal(buffer, "msiq-service.log");
  assert_true(msiq_path_beside("/var/lib/msiq/q.db", "logs", buffer, 19));
  assert_false(msiq_path_beside("/var/lib/msiq/q.db", "logs", buffer, 18));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duplicate_is_an_equal_separate_copy),
      cmocka_unit_test(test_list_append),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_directory_length),
      cmocka_unit_test(test_path_beside),
      cmocka_unit_test(test_utf8_sequences),
      cmocka_unit_test(test_utf8_encode_agrees_with_the_checker),
      cmocka_unit_test(test_utf8_valid_prefix_and_whole_texts),
      cmocka_unit_test(test_text_equal_ignoring_case),
      cmocka_unit_test(test_text_position_counts_lines_and_characters),
      cmocka_unit_test(test_decode_file_encodings),
      cmocka_unit_test(test_windows_1252),
      cmocka_unit_test(test_utf8_repair),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
