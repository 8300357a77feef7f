/* test_worker_link.c: what the dispatcher hears from a job's worker
 * (src/dispatcher/worker_link.c). */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "dispatcher/worker_link.h"

static unsigned feed(msiq_worker_link *link, const char *text) {
  return msiq_worker_link_feed(link, text, strlen(text));
}

static void test_a_whole_conversation(void **state) {
  (void)state;
  static msiq_worker_link link;
  msiq_worker_link_init(&link);
  assert_false(link.speaks_protocol);
  assert_int_equal(link.percent, -1);
  assert_true(link.cancellable);

  assert_int_equal(feed(&link, "hello\t1\t4242\n"), MSIQ_WORKER_LINK_HELLO);
  assert_true(link.speaks_protocol);
  assert_int_equal(link.worker_pid, 4242);
  assert_int_equal(feed(&link, "operation\tMsiInstallProductW(\"C:\\\\a.msi\", "
                               "\"\")\n"),
                   MSIQ_WORKER_LINK_OPERATION);
  assert_string_equal(link.operation,
                      "MsiInstallProductW(\"C:\\a.msi\", \"\")");

  /* Progress and action arrive in any pieces; one feed may hold several
   * lines and end in the middle of one. */
  assert_int_equal(feed(&link, "progress\t10\naction\tInstallFiles\tCopy"),
                   MSIQ_WORKER_LINK_PROGRESS);
  assert_int_equal(link.percent, 10);
  assert_string_equal(link.action, "");
  assert_int_equal(feed(&link, "ing new files\n"), MSIQ_WORKER_LINK_PROGRESS);
  assert_string_equal(link.action, "InstallFiles: Copying new files");
  /* The same values again change nothing. */
  assert_int_equal(
      feed(&link, "progress\t10\naction\tInstallFiles\tCopying new files\n"),
      0);
  assert_int_equal(feed(&link, "action\tStartServices\n"),
                   MSIQ_WORKER_LINK_PROGRESS);
  assert_string_equal(link.action, "StartServices");

  assert_int_equal(feed(&link, "cancellable\t0\n"), 0);
  assert_false(link.cancellable);
  assert_int_equal(feed(&link, "error\t1722\tline one\\nline two\tCA_Run\n"
                               "files-in-use\tNotepad\n"),
                   MSIQ_WORKER_LINK_ERROR | MSIQ_WORKER_LINK_FILES_IN_USE);
  msiq_worker_error error;
  assert_ptr_equal(msiq_worker_link_error(&link, &error), &error);
  assert_int_equal(error.number, 1722);
  assert_string_equal(error.text, "line one\nline two");
  assert_string_equal(error.action, "CA_Run");
  assert_string_equal(link.files_in_use, "Notepad");
  /* The last error record counts. */
  feed(&link, "error\t2203\tCannot open\n");
  assert_int_equal(msiq_worker_link_error(&link, &error)->number, 2203);
  assert_string_equal(error.action, "");

  assert_int_equal(feed(&link, "cancelling\n"), MSIQ_WORKER_LINK_CANCELLING);
  assert_int_equal(feed(&link, "cancelling\n"), 0);
  assert_int_equal(feed(&link, "progress\t100\nresult\t1602\n"),
                   MSIQ_WORKER_LINK_PROGRESS | MSIQ_WORKER_LINK_RESULT);
  assert_true(link.has_result);
  assert_int_equal(link.result, 1602);
  /* Only the first result counts. */
  assert_int_equal(feed(&link, "result\t0\n"), 0);
  assert_int_equal(link.result, 1602);
  assert_int_equal(link.bad_line_count, 0);
}

static void test_nothing_counts_before_hello(void **state) {
  (void)state;
  static msiq_worker_link link;
  msiq_worker_link_init(&link);
  /* A stand-in that prints something else is no worker, and its lines are
   * neither protocol nor errors. */
  assert_int_equal(feed(&link, "Installing...\nprogress\t50\nresult\t0\n"), 0);
  assert_false(link.speaks_protocol);
  assert_int_equal(link.percent, -1);
  assert_false(link.has_result);
  assert_int_equal(link.bad_line_count, 0);
  assert_null(msiq_worker_link_error(&link, &(msiq_worker_error){0}));
  /* A hello of another version is no worker either, and is reported. */
  assert_int_equal(feed(&link, "hello\t2\n"), MSIQ_WORKER_LINK_BAD_LINE);
  assert_false(link.speaks_protocol);
  assert_non_null(strstr(link.bad_line, "protocol version 2"));
  /* Then one of the right version is heard. */
  assert_int_equal(feed(&link, "hello\t1\n"), MSIQ_WORKER_LINK_HELLO);
  assert_int_equal(link.worker_pid, 0);
}

static void test_bad_lines_are_noted_once(void **state) {
  (void)state;
  static msiq_worker_link link;
  msiq_worker_link_init(&link);
  feed(&link, "hello\t1\n");
  assert_int_equal(feed(&link, "progress\t150\nprogress\t20\n"),
                   MSIQ_WORKER_LINK_BAD_LINE | MSIQ_WORKER_LINK_PROGRESS);
  assert_non_null(strstr(link.bad_line, "from 0 to 100"));
  assert_int_equal(link.percent, 20);
  /* Later bad lines are counted, not reported again, and the first
   * problem is kept. */
  assert_int_equal(feed(&link, "bogus\n"), 0);
  assert_int_equal(feed(&link, "cancel\n"), 0);
  assert_int_equal(link.bad_line_count, 3);
  assert_non_null(strstr(link.bad_line, "from 0 to 100"));

  /* A message only the dispatcher sends is a bad line of its own kind. */
  msiq_worker_link_init(&link);
  feed(&link, "hello\t1\n");
  assert_int_equal(feed(&link, "start\n"), MSIQ_WORKER_LINK_BAD_LINE);
  assert_non_null(strstr(link.bad_line, "'start', which only the dispatcher"));

  /* An overlong line is cut, noted and skipped to its end. */
  msiq_worker_link_init(&link);
  feed(&link, "hello\t1\n");
  static char big[MSIQ_WORKER_LINE_MAX + 100];
  memcpy(big, "operation\t", 10);
  memset(big + 10, 'x', sizeof big - 10);
  assert_int_equal(msiq_worker_link_feed(&link, big, sizeof big),
                   MSIQ_WORKER_LINK_BAD_LINE);
  assert_non_null(strstr(link.bad_line, "longer than"));
  assert_int_equal(feed(&link, "xxx\nprogress\t5\n"),
                   MSIQ_WORKER_LINK_PROGRESS);
  assert_string_equal(link.operation, "");
}

static void test_long_texts_are_cut_whole_characters(void **state) {
  (void)state;
  static msiq_worker_link link;
  msiq_worker_link_init(&link);
  feed(&link, "hello\t1\n");
  /* An error text of two-byte characters longer than the field. */
  static char line[MSIQ_WORKER_LINK_TEXT_SIZE * 2 + 64];
  size_t used = (size_t)snprintf(line, sizeof line, "error\t1603\t");
  while (used + 4 < sizeof line) {
    line[used++] = '\xc3';
    line[used++] = '\xa9'; /* e acute */
  }
  line[used++] = '\n';
  line[used] = '\0';
  assert_int_equal(feed(&link, line), MSIQ_WORKER_LINK_ERROR);
  size_t length = strlen(link.error_text);
  assert_true(length < MSIQ_WORKER_LINK_TEXT_SIZE);
  assert_int_equal(length % 2, 0);
  assert_int_equal((unsigned char)link.error_text[length - 1], 0xa9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_whole_conversation),
      cmocka_unit_test(test_nothing_counts_before_hello),
      cmocka_unit_test(test_bad_lines_are_noted_once),
      cmocka_unit_test(test_long_texts_are_cut_whole_characters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
