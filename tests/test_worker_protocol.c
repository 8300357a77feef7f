/* test_worker_protocol.c: the dispatcher-worker lines
 * (core/worker_protocol.c). */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "core/worker_protocol.h"

static void parse_ok(const char *line, msiq_worker_message *message) {
  msiq_diag diag = {{0}};
  int status = msiq_worker_message_parse(line, strlen(line), message, &diag);
  if (status != MSIQ_OK) {
    fail_msg("'%s' refused: %s", line, diag.message);
  }
}

static void parse_refused(const char *line, const char *expected) {
  msiq_worker_message message;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_worker_message_parse(line, strlen(line), &message, &diag),
      MSIQ_EINVAL);
  if (strstr(diag.message, expected) == NULL) {
    fail_msg("'%s': expected '%s' in '%s'", line, expected, diag.message);
  }
}

static void test_round_trip_of_every_escape(void **state) {
  (void)state;
  const char *fields[] = {"1722", "line one\nline\ttwo\\ end\r", "CA_Run"};
  char line[MSIQ_WORKER_LINE_MAX];
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_ERROR, fields, 3,
                                              line, sizeof line, NULL),
                   MSIQ_OK);
  assert_string_equal(
      line, "error\t1722\tline one\\nline\\ttwo\\\\ end\\r\tCA_Run\n");
  msiq_worker_message message;
  parse_ok(line, &message);
  assert_int_equal(message.kind, MSIQ_WORKER_ERROR);
  assert_int_equal(message.field_count, 3);
  assert_string_equal(message.fields[0], "1722");
  assert_string_equal(message.fields[1], fields[1]);
  assert_string_equal(message.fields[2], "CA_Run");
  assert_int_equal(msiq_worker_field_integer(message.fields[0]), 1722);
}

static void test_every_kind_formats_and_parses(void **state) {
  (void)state;
  const char *fields[] = {"1", "0", "1"};
  for (int kind = 0; kind < MSIQ_WORKER_MESSAGE_COUNT; kind++) {
    char line[256];
    size_t count = 0;
    /* The fewest fields each kind takes. */
    while (msiq_worker_message_format((msiq_worker_message_kind)kind, fields,
                                      count, line, sizeof line,
                                      NULL) != MSIQ_OK) {
      count++;
      assert_true(count <= MSIQ_WORKER_FIELDS_MAX);
    }
    msiq_worker_message message;
    parse_ok(line, &message);
    assert_int_equal(message.kind, kind);
    assert_int_equal(message.field_count, count);
    const char *keyword =
        msiq_worker_message_keyword((msiq_worker_message_kind)kind);
    assert_memory_equal(line, keyword, strlen(keyword));
  }
}

static void test_carriage_return_and_missing_line_feed(void **state) {
  (void)state;
  msiq_worker_message message;
  parse_ok("progress\t42\r\n", &message);
  assert_int_equal(message.kind, MSIQ_WORKER_PROGRESS);
  assert_string_equal(message.fields[0], "42");
  parse_ok("start", &message);
  assert_int_equal(message.kind, MSIQ_WORKER_START);
  assert_int_equal(message.field_count, 0);
  parse_ok("action\tInstallFiles\t", &message);
  assert_int_equal(message.field_count, 2);
  assert_string_equal(message.fields[1], "");
}

static void test_bad_lines_are_refused(void **state) {
  (void)state;
  parse_refused("", "unknown worker message ''");
  parse_refused("bogus\t1", "unknown worker message 'bogus'");
  parse_refused("progress", "at least 1 field");
  parse_refused("progress\t101", "from 0 to 100");
  parse_refused("progress\t-1", "from 0 to 100");
  parse_refused("progress\t5x", "not a number");
  parse_refused("progress\t1\t2", "more than 1 field");
  parse_refused("cancellable\t2", "from 0 to 1");
  parse_refused("result\t4294967296", "not a number");
  parse_refused("hello\t0", "not a number");
  parse_refused("error\tx\ttext", "not a number");
  parse_refused("action\tbad\\qescape", "bad escape");
  parse_refused("action\tends with\\", "bad escape");
  parse_refused("cancel\tnow", "more than 0 fields");
  /* A NUL inside the line is refused, not silently cut. */
  msiq_worker_message message;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_worker_message_parse("progress\t1\0x", 12, &message, &diag),
      MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "NUL"));
}

static void test_format_refuses_wrong_counts_and_overlong(void **state) {
  (void)state;
  char line[32];
  const char *fields[] = {"a", "b", "c"};
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_CANCEL, fields, 1,
                                              line, sizeof line, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "takes 0 to 0 fields, not 1"));
  const char *long_field[] = {"a path that is far too long for 32 bytes"};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_INSTALL, long_field,
                                              1, line, sizeof line, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(line, "");
  /* Exactly fitting: keyword, tab, field, line feed and NUL. */
  const char *fits[] = {"0123456789012345678901"};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_INSTALL, fits, 1,
                                              line, sizeof line, &diag),
                   MSIQ_OK);
  assert_int_equal(strlen(line), 31);
  const char *one_more[] = {"01234567890123456789012"};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_INSTALL, one_more, 1,
                                              line, sizeof line, &diag),
                   MSIQ_EINVAL);
}

typedef struct collected {
  char lines[8][64];
  bool truncated[8];
  size_t count;
} collected;

static void collect(void *context, const char *line, size_t length,
                    bool truncated) {
  collected *seen = context;
  assert_true(seen->count < 8);
  assert_int_equal(strlen(line), length);
  snprintf(seen->lines[seen->count], sizeof seen->lines[0], "%.60s", line);
  seen->truncated[seen->count] = truncated;
  seen->count++;
}

static void test_line_reader_splits_any_chunks(void **state) {
  (void)state;
  static msiq_worker_line_reader reader;
  msiq_worker_line_reader_init(&reader);
  collected seen = {0};
  const char *stream = "hello\t1\nprogress\t5\n\nresult\t0\npartial";
  /* Fed one byte at a time, the lines come out whole. */
  for (const char *c = stream; *c != '\0'; c++) {
    msiq_worker_line_reader_feed(&reader, c, 1, collect, &seen);
  }
  assert_int_equal(seen.count, 4);
  assert_string_equal(seen.lines[0], "hello\t1");
  assert_string_equal(seen.lines[1], "progress\t5");
  assert_string_equal(seen.lines[2], "");
  assert_string_equal(seen.lines[3], "result\t0");
  msiq_worker_line_reader_feed(&reader, "\n", 1, collect, &seen);
  assert_int_equal(seen.count, 5);
  assert_string_equal(seen.lines[4], "partial");
}

static void test_line_reader_cuts_overlong_lines_once(void **state) {
  (void)state;
  static msiq_worker_line_reader reader;
  static char big[MSIQ_WORKER_LINE_MAX * 2 + 16];
  msiq_worker_line_reader_init(&reader);
  memset(big, 'x', sizeof big);
  big[sizeof big - 8] = '\n';
  memcpy(big + sizeof big - 7, "start\n", 6);
  collected seen = {0};
  msiq_worker_line_reader_feed(&reader, big, sizeof big - 1, collect, &seen);
  assert_int_equal(seen.count, 2);
  assert_true(seen.truncated[0]);
  assert_false(seen.truncated[1]);
  assert_string_equal(seen.lines[1], "start");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_of_every_escape),
      cmocka_unit_test(test_every_kind_formats_and_parses),
      cmocka_unit_test(test_carriage_return_and_missing_line_feed),
      cmocka_unit_test(test_bad_lines_are_refused),
      cmocka_unit_test(test_format_refuses_wrong_counts_and_overlong),
      cmocka_unit_test(test_line_reader_splits_any_chunks),
      cmocka_unit_test(test_line_reader_cuts_overlong_lines_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
