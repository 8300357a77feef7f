/* test_log_excerpt.c: reading msiexec's logs (dispatcher/log_excerpt.h):
 * whatever the encoding of the file, what comes out is UTF-8, because it is
 * printed by `msiq log` and stored in the queue for `show --json`. */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "dispatcher/log_excerpt.h"

static char *decode(const char *bytes, size_t length) {
  char *text = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_log_decode((const unsigned char *)bytes, length, &text, &diag),
      MSIQ_OK);
  assert_non_null(text);
  assert_true(msiq_text_is_utf8(text));
  return text;
}

static void test_utf16_logs_become_utf8(void **state) {
  (void)state;
  /* "é€" in UTF-16LE and BE, with their marks. */
  char *text = decode("\xff\xfe\xe9\x00\xac\x20", 6);
  assert_string_equal(text, "\xc3\xa9\xe2\x82\xac");
  free(text);
  text = decode("\xfe\xff\x00\xe9\x20\xac", 6);
  assert_string_equal(text, "\xc3\xa9\xe2\x82\xac");
  free(text);
  /* A lone surrogate becomes U+FFFD rather than bytes that are not UTF-8. */
  text = decode("\xff\xfe\x00\xd8"
                "A\x00",
                6);
  assert_string_equal(text, "\xef\xbf\xbd"
                            "A");
  free(text);
}

static void test_utf8_logs_pass_unchanged(void **state) {
  (void)state;
  char *text = decode("caf\xc3\xa9\r\nok", 9);
  assert_string_equal(text, "caf\xc3\xa9\r\nok");
  free(text);
  text = decode("\xef\xbb\xbf"
                "caf\xc3\xa9",
                8);
  assert_string_equal(text, "caf\xc3\xa9");
  free(text);
}

/* A log that is not UTF-8 and has no mark is in the ANSI code page (the
 * simulation's is Windows-1252); with a UTF-8 mark, its bad bytes become
 * U+FFFD. Either way no byte that is not UTF-8 comes out. */
static void test_other_logs_are_converted(void **state) {
  (void)state;
  const char ansi[] = "MSI (s) caf\xe9 \x93quoted\x94 done";
  char *text = decode(ansi, sizeof ansi - 1);
  assert_memory_equal(text, "MSI (s) caf", 11);
  assert_non_null(strstr(text, " done"));
#ifndef _WIN32
  assert_string_equal(text, "MSI (s) caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d"
                            " done");
#endif
  free(text);

  text = decode("\xef\xbb\xbf"
                "caf\xe9!",
                8);
  assert_string_equal(text, "caf\xef\xbf\xbd!");
  free(text);

  /* NUL bytes are dropped in every case, so the text is not cut short. */
  text = decode("a\0\xe9\0b", 5);
  assert_int_equal(text[0], 'a');
  assert_int_equal(text[strlen(text) - 1], 'b');
  free(text);
}

/* The excerpt of a failed installation in an ANSI log is UTF-8 too: it is
 * what the job records as its error. */
static void test_failure_excerpt_of_an_ansi_log(void **state) {
  (void)state;
  const char ansi[] = "Action start: InstallFiles.\r\n"
                      "Error 1310. Cannot write C:\\Programme\\Caf\xe9.\r\n"
                      "Action ended: InstallFiles. Return value 3.\r\n";
  char *text = decode(ansi, sizeof ansi - 1);
  char *excerpt = msiq_log_failure_excerpt(text);
  assert_non_null(excerpt);
  assert_true(msiq_text_is_utf8(excerpt));
  assert_non_null(strstr(excerpt, "Error 1310"));
  assert_non_null(strstr(excerpt, "Return value 3."));
  free(excerpt);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf16_logs_become_utf8),
      cmocka_unit_test(test_utf8_logs_pass_unchanged),
      cmocka_unit_test(test_other_logs_are_converted),
      cmocka_unit_test(test_failure_excerpt_of_an_ansi_log),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
