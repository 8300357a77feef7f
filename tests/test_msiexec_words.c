/* test_msiexec_words.c: msiexec's command-line words (issue 13, `msiq exec`
 * as a drop-in): quotes, doubled quotes, backslashes as ordinary
 * characters, unbalanced quotes refused; joining words back; and where the
 * C runtime's first words end in a raw Windows command line. */
#include "msiexec_split.h"
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "core/msiexec_words.h"

#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

static void assert_words(const char *line, const char *const *expected,
                         size_t count) {
  msiq_msiexec_words words;
  msiq_msiexec_words_init(&words);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msiexec_words_split(line, &words, &diag), MSIQ_OK);
  assert_int_equal(words.count, count);
  for (size_t i = 0; i < count; i++) {
    assert_string_equal(words.words[i], expected[i]);
  }
  msiq_msiexec_words_cleanup(&words);
}

static void test_a_backslash_before_a_quote_is_ordinary(void **state) {
  (void)state;
  /* The C runtime reads \" as a literal quote and swallows the rest. */
  const char *const expected[] = {"INSTALLDIR=C:\\Program Files\\App\\", "/qn",
                                  "X=1"};
  assert_words("INSTALLDIR=\"C:\\Program Files\\App\\\" /qn X=1", expected,
               ARRAY_SIZE(expected));
}

static void test_quotes_spaces_and_tabs(void **state) {
  (void)state;
  const char *const expected[] = {"/i", "C:\\My Packages\\a b.msi", "/qn",
                                  "P=x y", "Q="};
  assert_words("  /i \"C:\\My Packages\\a b.msi\"\t/qn   P=\"x y\" Q=\"\"  ",
               expected, ARRAY_SIZE(expected));
  /* Quotes may start anywhere in a word and end anywhere. */
  const char *const glued[] = {"ab cd", "e"};
  assert_words("a\"b c\"d e", glued, ARRAY_SIZE(glued));
}

static void test_a_doubled_quote_inside_quotes_is_one_quote(void **state) {
  (void)state;
  const char *const expected[] = {"MSG=say \"hi\"", "/qn"};
  assert_words("MSG=\"say \"\"hi\"\"\" /qn", expected, ARRAY_SIZE(expected));
  const char *const lone[] = {"Q=\""};
  assert_words("Q=\"\"\"\"", lone, ARRAY_SIZE(lone));
}

static void test_an_empty_pair_of_quotes_is_an_empty_word(void **state) {
  (void)state;
  const char *const expected[] = {"/i", ""};
  assert_words("/i \"\"", expected, ARRAY_SIZE(expected));
  assert_words("", NULL, 0);
  assert_words(" \t ", NULL, 0);
}

static void test_unbalanced_quotes_are_refused(void **state) {
  (void)state;
  const char *const bad[] = {
      "/i a.msi P=\"open",
      "\"",
      "/i \"C:\\x\\\" /qn \"",
      "MSG=\"a\"\"",
  };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    msiq_msiexec_words words;
    msiq_msiexec_words_init(&words);
    msiq_diag diag = {{0}};
    assert_int_equal(msiq_msiexec_words_split(bad[i], &words, &diag),
                     MSIQ_EUSAGE);
    assert_non_null(strstr(diag.message, "never closed"));
    assert_int_equal(words.count, 0);
    assert_null(words.words);
  }
}

static void test_control_characters_are_refused(void **state) {
  (void)state;
  msiq_msiexec_words words;
  msiq_msiexec_words_init(&words);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msiexec_words_split("/i a.msi\nX=1", &words, &diag),
                   MSIQ_EUSAGE);
  assert_non_null(strstr(diag.message, "control character"));
  assert_int_equal(words.count, 0);
}

static void test_a_refused_line_keeps_the_old_words(void **state) {
  (void)state;
  msiq_msiexec_words words;
  msiq_msiexec_words_init(&words);
  assert_int_equal(msiq_msiexec_words_split("/x b.msi", &words, NULL), MSIQ_OK);
  assert_int_equal(msiq_msiexec_words_split("/i \"a", &words, NULL),
                   MSIQ_EUSAGE);
  assert_int_equal(words.count, 2);
  assert_string_equal(words.words[1], "b.msi");
  msiq_msiexec_words_cleanup(&words);
}

/* Splitting agrees with the tests' reference reader on every line that is
 * balanced. */
static void test_split_agrees_with_the_reference_reader(void **state) {
  (void)state;
  const char *const lines[] = {
      "/i a.msi /qn",
      "P=\"a \"\" b\" \"\" x",
      "a\"\"b \"c\"\"\"\"d\" e\\\\\"f g\"",
      "\\\\server\\share\\app.msi",
  };
  for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
    msiexec_split reference;
    assert_true(msiexec_split_line(lines[i], &reference));
    assert_words(lines[i], (const char *const *)reference.tokens,
                 reference.count);
    msiexec_split_cleanup(&reference);
  }
}

static void test_join_then_split_gives_the_words_back(void **state) {
  (void)state;
  const char *const words[] = {
      "/i",   "C:\\Program Files\\a.msi", "", "P=say \"hi\"", "D=C:\\x\\", "\"",
      "a\tb",
  };
  char *line = NULL;
  assert_int_equal(
      msiq_msiexec_words_join(words, ARRAY_SIZE(words), &line, NULL), MSIQ_OK);
  assert_string_equal(line, "/i \"C:\\Program Files\\a.msi\" \"\" \"P=say "
                            "\"\"hi\"\"\" D=C:\\x\\ \"\"\"\" \"a\tb\"");
  assert_words(line, words, ARRAY_SIZE(words));
  free(line);
  const char *const bad[] = {"/i", "a\nb"};
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_msiexec_words_join(bad, 2, &line, &diag), MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "control character"));
}

static void test_c_runtime_words_skip(void **state) {
  (void)state;
  const char *line = "\"C:\\Program Files\\msiq\\msiq.exe\" --db "
                     "\"C:\\q dir\\queue.db\" exec /i "
                     "\"C:\\a\\\" /qn";
  size_t offset = msiq_c_runtime_words_skip(line, 4);
  assert_string_equal(line + offset, "/i \"C:\\a\\\" /qn");
  /* The program name has no backslash escapes; later words do. */
  const char *escaped = "C:\\x\\msiq.exe \"a\\\" b\" exec  X=1";
  assert_string_equal(escaped + msiq_c_runtime_words_skip(escaped, 3), "X=1");
  const char *doubled = "msiq \"a\"\"b c\" exec X";
  assert_string_equal(doubled + msiq_c_runtime_words_skip(doubled, 3), "X");
  const char *backslashes = "msiq a\\\\\"b c\" exec X";
  assert_string_equal(backslashes + msiq_c_runtime_words_skip(backslashes, 3),
                      "X");
  const char *short_line = "msiq exec";
  assert_int_equal(msiq_c_runtime_words_skip(short_line, 2),
                   strlen(short_line));
  assert_int_equal(msiq_c_runtime_words_skip(short_line, 5),
                   strlen(short_line));
  assert_int_equal(msiq_c_runtime_words_skip("  msiq", 0), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_backslash_before_a_quote_is_ordinary),
      cmocka_unit_test(test_quotes_spaces_and_tabs),
      cmocka_unit_test(test_a_doubled_quote_inside_quotes_is_one_quote),
      cmocka_unit_test(test_an_empty_pair_of_quotes_is_an_empty_word),
      cmocka_unit_test(test_unbalanced_quotes_are_refused),
      cmocka_unit_test(test_control_characters_are_refused),
      cmocka_unit_test(test_a_refused_line_keeps_the_old_words),
      cmocka_unit_test(test_split_agrees_with_the_reference_reader),
      cmocka_unit_test(test_join_then_split_gives_the_words_back),
      cmocka_unit_test(test_c_runtime_words_skip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
