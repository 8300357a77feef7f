/* test_worker_protocol.c: the dispatcher-worker lines
 * (core/worker_protocol.c). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/worker_protocol.h"
#include "core/worker_request.h"

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
  /* What a worker says ends up in --json output: not UTF-8 is refused. */
  parse_refused("action\tInstall\xe9"
                "Files",
                "not valid UTF-8 (byte 0xe9 at "
                "position 15)");
  parse_refused("error\t1722\t\xed\xa0\x80", "not valid UTF-8");
  parse_refused("action\tcut \xe2\x82", "not valid UTF-8");
  assert_int_equal(
      msiq_worker_message_parse("action\tcaf\xc3\xa9", 12, &message, &diag),
      MSIQ_OK);
  assert_string_equal(message.fields[0], "caf\xc3\xa9");
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
  /* The same edge with an escape inside: plain runs are copied whole, the
   * escape counts two bytes. */
  const char *fits_escaped[] = {"0123456789012345678\t9"};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_INSTALL, fits_escaped,
                                              1, line, sizeof line, &diag),
                   MSIQ_OK);
  assert_int_equal(strlen(line), 31);
  assert_non_null(strstr(line, "678\\t9\n"));
  const char *escaped_one_more[] = {"0123456789012345678\t90"};
  assert_int_equal(msiq_worker_message_format(MSIQ_WORKER_INSTALL,
                                              escaped_one_more, 1, line,
                                              sizeof line, &diag),
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

/* The request. */

/* A job as the store hands it to the dispatcher; the caller frees it with
 * msiq_job_cleanup(). */
static void job_with(msiq_job *job, msiq_action action, const char *target,
                     const char *const *properties, size_t property_count) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  for (size_t i = 0; i < property_count; i++) {
    assert_int_equal(
        msiq_job_spec_add_property_assignment(&spec, properties[i], NULL),
        MSIQ_OK);
  }
  msiq_job_init(job);
  job->action = action;
  job->target = spec.target;
  job->properties = spec.properties;
  job->property_count = spec.property_count;
  spec.target = NULL;
  spec.properties = NULL;
  spec.property_count = 0;
  msiq_job_spec_cleanup(&spec);
}

static void test_request_for_an_install(void **state) {
  (void)state;
  msiq_job job;
  const char *properties[] = {"ALLUSERS=1", "INSTALLDIR=C:\\Program Files\\A"};
  job_with(&job, MSIQ_ACTION_INSTALL, "C:\\pkg\\a b.msi", properties, 2);
  char *text = NULL;
  size_t length = 0;
  bool suppressed = false;
  assert_int_equal(msiq_worker_request_build(&job, "C:\\logs\\job-3.log", &text,
                                             &length, &suppressed, NULL),
                   MSIQ_OK);
  /* Backslashes are escaped; the properties keep their order and REBOOT
   * comes after them. */
  assert_string_equal(text, "request\t1\n"
                            "install\tC:\\\\pkg\\\\a b.msi\n"
                            "property\tALLUSERS\t1\n"
                            "property\tINSTALLDIR\tC:\\\\Program Files\\\\A\n"
                            "property\tREBOOT\tReallySuppress\n"
                            "log\tC:\\\\logs\\\\job-3.log\n"
                            "start\n");
  assert_int_equal(length, strlen(text));
  assert_true(suppressed);
  /* Every line is one the protocol reads back to the same fields. */
  msiq_worker_line_reader reader;
  msiq_worker_line_reader_init(&reader);
  collected seen = {0};
  msiq_worker_line_reader_feed(&reader, text, length, collect, &seen);
  assert_int_equal(seen.count, 7);
  msiq_worker_message message;
  parse_ok(seen.lines[3], &message);
  assert_int_equal(message.kind, MSIQ_WORKER_PROPERTY);
  assert_string_equal(message.fields[1], "C:\\Program Files\\A");
  parse_ok(seen.lines[6], &message);
  assert_int_equal(message.kind, MSIQ_WORKER_START);
  free(text);
  msiq_job_cleanup(&job);
}

/* A related uninstall names its UpgradeCode with its own keyword, which
 * the request reads back as a related uninstall. */
static void test_request_for_a_related_uninstall(void **state) {
  (void)state;
  msiq_job job;
  job_with(&job, MSIQ_ACTION_UNINSTALL,
           "{12345678-1234-1234-1234-123456789ABC}", NULL, 0);
  job.related = true;
  char *text = NULL;
  size_t length = 0;
  assert_int_equal(
      msiq_worker_request_build(&job, "/l.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_string_equal(
      text, "request\t1\n"
            "uninstall-related\t{12345678-1234-1234-1234-123456789ABC}\n"
            "property\tREBOOT\tReallySuppress\n"
            "log\t/l.log\n"
            "start\n");
  msiq_worker_line_reader reader;
  msiq_worker_line_reader_init(&reader);
  collected seen = {0};
  msiq_worker_line_reader_feed(&reader, text, length, collect, &seen);
  msiq_worker_request request;
  msiq_worker_request_init(&request);
  for (size_t i = 0; i < seen.count; i++) {
    msiq_worker_message message;
    parse_ok(seen.lines[i], &message);
    assert_int_equal(msiq_worker_request_add(&request, &message, NULL),
                     MSIQ_OK);
  }
  assert_true(msiq_worker_request_is_complete(&request));
  assert_int_equal(request.job.action, MSIQ_ACTION_UNINSTALL);
  assert_true(request.job.related);
  assert_string_equal(request.job.target,
                      "{12345678-1234-1234-1234-123456789ABC}");
  msiq_worker_request_cleanup(&request);
  free(text);
  msiq_job_cleanup(&job);
}

static void test_request_keeps_the_jobs_own_reboot(void **state) {
  (void)state;
  msiq_job job;
  const char *properties[] = {"REBOOT=Force"};
  job_with(&job, MSIQ_ACTION_UNINSTALL,
           "{12345678-1234-1234-1234-123456789ABC}", properties, 1);
  char *text = NULL;
  size_t length = 0;
  bool suppressed = true;
  assert_int_equal(msiq_worker_request_build(&job, "/l.log", &text, &length,
                                             &suppressed, NULL),
                   MSIQ_OK);
  assert_string_equal(text,
                      "request\t1\n"
                      "uninstall\t{12345678-1234-1234-1234-123456789ABC}\n"
                      "property\tREBOOT\tForce\n"
                      "log\t/l.log\n"
                      "start\n");
  assert_false(suppressed);
  free(text);
  msiq_job_cleanup(&job);

  /* A property named differently is not the job's REBOOT. */
  const char *lower[] = {"reboot=Force"};
  job_with(&job, MSIQ_ACTION_PATCH, "/fix.msp", lower, 1);
  assert_int_equal(msiq_worker_request_build(&job, "/l.log", &text, &length,
                                             &suppressed, NULL),
                   MSIQ_OK);
  assert_true(suppressed);
  assert_non_null(strstr(text, "patch\t/fix.msp\n"));
  assert_non_null(strstr(text, "property\treboot\tForce\n"
                               "property\tREBOOT\tReallySuppress\n"));
  free(text);
  msiq_job_cleanup(&job);
}

static void test_request_for_an_unpatch(void **state) {
  (void)state;
  /* The product is the operation's target, the patch to remove a
   * property like any other, which the worker's MsiConfigureProductExW
   * reads. */
  msiq_job job;
  const char *properties[] = {
      "MSIPATCHREMOVE={5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}"};
  job_with(&job, MSIQ_ACTION_UNPATCH, "{12345678-1234-1234-1234-123456789ABC}",
           properties, 1);
  char *text = NULL;
  size_t length = 0;
  assert_int_equal(
      msiq_worker_request_build(&job, "/l.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_string_equal(
      text, "request\t1\n"
            "unpatch\t{12345678-1234-1234-1234-123456789ABC}\n"
            "property\tMSIPATCHREMOVE\t{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}\n"
            "property\tREBOOT\tReallySuppress\n"
            "log\t/l.log\n"
            "start\n");
  free(text);
  msiq_job_cleanup(&job);
}

static void test_request_for_a_repair(void **state) {
  (void)state;
  msiq_job job;
  job_with(&job, MSIQ_ACTION_REPAIR, "/a.msi", NULL, 0);
  char *text = NULL;
  size_t length = 0;
  assert_int_equal(
      msiq_worker_request_build(&job, "/l.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_non_null(strstr(text, "\nrepair\t/a.msi\tomus\n"));
  free(text);
  msiq_job_cleanup(&job);

  /* The job's own REINSTALLMODE is the request's mode. */
  const char *mode[] = {"REINSTALLMODE=vamus"};
  job_with(&job, MSIQ_ACTION_REPAIR, "/a.msi", mode, 1);
  assert_int_equal(
      msiq_worker_request_build(&job, "/l.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_non_null(strstr(text, "\nrepair\t/a.msi\tvamus\n"));
  free(text);
  msiq_job_cleanup(&job);
}

static void test_request_refuses_what_does_not_fit(void **state) {
  (void)state;
  msiq_job job;
  job_with(&job, MSIQ_ACTION_INSTALL, "/a.msi", NULL, 0);
  char *text = (char *)"not touched";
  size_t length = 1;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_worker_request_build(&job, "", &text, &length, NULL, &diag),
      MSIQ_EINVAL);
  assert_null(text);
  assert_int_equal(length, 0);
  assert_non_null(strstr(diag.message, "log path"));
  msiq_job_cleanup(&job);

  /* A value longer than a line: the name is said, the value never. (The
   * job is made past the setters, whose value limit would refuse it:
   * admission builds this request too, to refuse such a job at enqueue.) */
  static char value[MSIQ_WORKER_LINE_MAX + 32];
  memset(value, 'p', sizeof value - 1);
  value[sizeof value - 1] = '\0';
  test_job_init(&job, MSIQ_ACTION_INSTALL, "/a.msi");
  test_job_add_property(&job, "SECRET", value);
  assert_int_equal(
      msiq_worker_request_build(&job, "/l.log", &text, &length, NULL, &diag),
      MSIQ_EINVAL);
  assert_null(text);
  assert_non_null(strstr(diag.message, "property 'SECRET' is too long"));
  assert_null(strstr(diag.message, "ppp"));
  msiq_job_cleanup(&job);
}

static void test_operation_says_what_msiq_added(void **state) {
  (void)state;
  char text[256];
  msiq_worker_operation_describe("MsiInstallProductW(\"C:\\a.msi\", \"A=1 "
                                 "REBOOT=ReallySuppress\")",
                                 true, text, sizeof text);
  assert_string_equal(text, "MsiInstallProductW(\"C:\\a.msi\", \"A=1 "
                            "REBOOT=ReallySuppress\"); REBOOT=ReallySuppress "
                            "was added by msiq (the job does not set REBOOT)");
  msiq_worker_operation_describe("MsiApplyMultiplePatchesW(...)", false, text,
                                 sizeof text);
  assert_string_equal(text, "MsiApplyMultiplePatchesW(...)");
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
      cmocka_unit_test(test_request_for_an_install),
      cmocka_unit_test(test_request_for_a_related_uninstall),
      cmocka_unit_test(test_request_keeps_the_jobs_own_reboot),
      cmocka_unit_test(test_request_for_a_repair),
      cmocka_unit_test(test_request_for_an_unpatch),
      cmocka_unit_test(test_request_refuses_what_does_not_fit),
      cmocka_unit_test(test_operation_says_what_msiq_added),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
