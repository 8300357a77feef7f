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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duplicate_is_an_equal_separate_copy),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_directory_length),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
