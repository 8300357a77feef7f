/* test_worker_request.c: the request a worker reads before it starts.
 *
 * Each case feeds protocol lines, as the dispatcher writes them, through the
 * line parser into the request and checks what was collected or why it was
 * refused. The Windows worker answers a refusal with result 1639; here the
 * rules are checked without Windows.
 */
#include "test_support.h"

#include <string.h>

#include "core/log_mode.h"
#include "core/worker_request.h"

#define PRODUCT_CODE "{12345678-1234-1234-1234-123456789ABC}"

/* Feeds one line; returns the status of parsing and adding it. */
static int request_feed(msiq_worker_request *request, const char *line,
                        msiq_diag *diag) {
  msiq_worker_message message;
  int status = msiq_worker_message_parse(line, strlen(line), &message, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  return msiq_worker_request_add(request, &message, diag);
}

/* Feeds lines that must all be accepted. */
static void request_feed_all(msiq_worker_request *request,
                             const char *const *lines, size_t count) {
  for (size_t i = 0; i < count; i++) {
    msiq_diag diag = {{0}};
    if (request_feed(request, lines[i], &diag) != MSIQ_OK) {
      fail_msg("line %lu [%s] refused: %s", (unsigned long)i + 1, lines[i],
               diag.message);
    }
  }
}

/* Feeds lines of which the last must be refused with a diagnostic holding
 * fragment; the request must then stay refused. */
static void assert_refused_at_last(const char *const *lines, size_t count,
                                   const char *fragment) {
  msiq_worker_request request;
  msiq_worker_request_init(&request);
  request_feed_all(&request, lines, count - 1);
  msiq_diag diag = {{0}};
  assert_int_equal(request_feed(&request, lines[count - 1], &diag),
                   MSIQ_EINVAL);
  if (strstr(diag.message, fragment) == NULL) {
    fail_msg("diagnostic \"%s\" does not contain \"%s\"", diag.message,
             fragment);
  }
  assert_null(strchr(diag.message, '\n'));
  assert_false(msiq_worker_request_is_complete(&request));
  /* Nothing repairs a refused request, not even `start`. */
  assert_int_equal(request_feed(&request, "start", NULL), MSIQ_EINVAL);
  assert_false(msiq_worker_request_is_complete(&request));
  msiq_worker_request_cleanup(&request);
}

#define REFUSED_AT_LAST(fragment, ...)                                         \
  do {                                                                         \
    const char *const lines[] = {__VA_ARGS__};                                 \
    assert_refused_at_last(lines, sizeof lines / sizeof lines[0], fragment);   \
  } while (0)

static void test_install_request(void **state) {
  (void)state;
  msiq_worker_request request;
  msiq_worker_request_init(&request);
  const char *const lines[] = {
      "request\t1",
      "install\tC:\\\\Mise \xc3\xa0 jour\\\\p.msi",
      "property\tALLUSERS\t1",
      "property\tNOTE\ta \"quoted\" C:\\\\value",
      "log\tC:\\\\logs\\\\job-7.log",
  };
  request_feed_all(&request, lines, sizeof lines / sizeof lines[0]);
  assert_false(msiq_worker_request_is_complete(&request));
  request_feed_all(&request, (const char *const[]){"start"}, 1);
  assert_true(msiq_worker_request_is_complete(&request));

  assert_int_equal(request.job.action, MSIQ_ACTION_INSTALL);
  assert_string_equal(request.job.target, "C:\\Mise \xc3\xa0 jour\\p.msi");
  assert_int_equal(request.job.property_count, 2);
  assert_string_equal(request.job.properties[0].name, "ALLUSERS");
  assert_string_equal(request.job.properties[0].value, "1");
  assert_string_equal(request.job.properties[1].name, "NOTE");
  assert_string_equal(request.job.properties[1].value,
                      "a \"quoted\" C:\\value");
  assert_string_equal(request.job.log_path, "C:\\logs\\job-7.log");
  assert_false(request.log_mode_given);
  assert_null(request.repair_mode);
  msiq_worker_request_cleanup(&request);
  assert_null(request.job.target);
}

static void test_each_operation(void **state) {
  (void)state;
  static const struct {
    const char *line;
    msiq_action action;
    const char *target;
    const char *mode;
  } cases[] = {
      {"uninstall\t" PRODUCT_CODE, MSIQ_ACTION_UNINSTALL, PRODUCT_CODE, NULL},
      {"uninstall\tC:\\\\p.msi", MSIQ_ACTION_UNINSTALL, "C:\\p.msi", NULL},
      {"patch\tC:\\\\fix.msp", MSIQ_ACTION_PATCH, "C:\\fix.msp", NULL},
      {"repair\t" PRODUCT_CODE "\tvomus", MSIQ_ACTION_REPAIR, PRODUCT_CODE,
       "vomus"},
      /* The patch to remove comes as the MSIPATCHREMOVE property line. */
      {"unpatch\t" PRODUCT_CODE, MSIQ_ACTION_UNPATCH, PRODUCT_CODE, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    msiq_worker_request request;
    msiq_worker_request_init(&request);
    const char *const lines[] = {"request\t1", cases[i].line, "start"};
    request_feed_all(&request, lines, 3);
    assert_true(msiq_worker_request_is_complete(&request));
    assert_int_equal(request.job.action, cases[i].action);
    assert_string_equal(request.job.target, cases[i].target);
    if (cases[i].mode == NULL) {
      assert_null(request.repair_mode);
    } else {
      assert_string_equal(request.repair_mode, cases[i].mode);
    }
    assert_int_equal(request.job.property_count, 0);
    assert_null(request.job.log_path);
    msiq_worker_request_cleanup(&request);
  }
}

/* uninstall-related: an uninstall of every product of an UpgradeCode,
 * which must be a braced GUID. */
static void test_related_uninstall_request(void **state) {
  (void)state;
  msiq_worker_request request;
  msiq_worker_request_init(&request);
  const char *const related[] = {"request\t1",
                                 "uninstall-related\t" PRODUCT_CODE, "start"};
  request_feed_all(&request, related, 3);
  assert_int_equal(request.job.action, MSIQ_ACTION_UNINSTALL);
  assert_true(request.job.related);
  assert_string_equal(request.job.target, PRODUCT_CODE);
  msiq_worker_request_cleanup(&request);
  /* A plain uninstall is not related. */
  msiq_worker_request_init(&request);
  const char *const plain[] = {"request\t1", "uninstall\t" PRODUCT_CODE,
                               "start"};
  request_feed_all(&request, plain, 3);
  assert_false(request.job.related);
  msiq_worker_request_cleanup(&request);
  REFUSED_AT_LAST("upgrade code 'C:\\p.msi' is not a braced GUID", "request\t1",
                  "uninstall-related\tC:\\\\p.msi");
}

static void test_log_mode(void **state) {
  (void)state;
  msiq_worker_request request;
  msiq_worker_request_init(&request);
  const char *const lines[] = {"request\t1", "install\tC:\\\\p.msi",
                               "log\tC:\\\\a.log\t*vx+!", "start"};
  request_feed_all(&request, lines, 4);
  assert_string_equal(request.job.log_path, "C:\\a.log");
  assert_true(request.log_mode_given);
  assert_int_equal(request.log_flags, MSIQ_LOG_ALL_KINDS | MSIQ_LOG_VERBOSE |
                                          MSIQ_LOG_EXTRADEBUG |
                                          MSIQ_LOG_APPEND | MSIQ_LOG_FLUSH);
  msiq_worker_request_cleanup(&request);
}

static void test_refused_out_of_order(void **state) {
  (void)state;
  REFUSED_AT_LAST("'install' before 'request'", "install\tC:\\\\p.msi");
  REFUSED_AT_LAST("'start' before 'request'", "start");
  REFUSED_AT_LAST("'property' before the operation", "request\t1",
                  "property\tA\t1");
  REFUSED_AT_LAST("'start' before the operation", "request\t1", "start");
  REFUSED_AT_LAST("'request' before the operation", "request\t1", "request\t1");
  REFUSED_AT_LAST("'uninstall' is not expected after the operation",
                  "request\t1", "install\tC:\\\\p.msi",
                  "uninstall\t" PRODUCT_CODE);
  REFUSED_AT_LAST("'cancel' is not expected after the operation", "request\t1",
                  "install\tC:\\\\p.msi", "cancel");
  /* A line only the worker sends is no part of a request. */
  REFUSED_AT_LAST("'hello' before 'request'", "hello\t1\t42");
  REFUSED_AT_LAST("'result' is not expected", "request\t1",
                  "install\tC:\\\\p.msi", "result\t0");
}

static void test_refused_after_start(void **state) {
  (void)state;
  REFUSED_AT_LAST("'property' after 'start'", "request\t1",
                  "install\tC:\\\\p.msi", "start", "property\tA\t1");
}

static void test_refused_bad_values(void **state) {
  (void)state;
  REFUSED_AT_LAST("protocol version 2", "request\t2");
  REFUSED_AT_LAST("install target is empty", "request\t1", "install\t");
  REFUSED_AT_LAST("repair mode 'xyz'", "request\t1",
                  "repair\t" PRODUCT_CODE "\txyz");
  REFUSED_AT_LAST("repair mode ''", "request\t1", "repair\t" PRODUCT_CODE "\t");
  REFUSED_AT_LAST("given twice", "request\t1", "install\tC:\\\\p.msi",
                  "property\tA\t1", "property\tA\t2");
  REFUSED_AT_LAST("'9A'", "request\t1", "install\tC:\\\\p.msi",
                  "property\t9A\t1");
  REFUSED_AT_LAST("the log is named twice", "request\t1",
                  "install\tC:\\\\p.msi", "log\tC:\\\\a.log",
                  "log\tC:\\\\b.log");
  REFUSED_AT_LAST("log mode 'append' is not msiexec's /l letters", "request\t1",
                  "install\tC:\\\\p.msi", "log\tC:\\\\a.log\tappend");
  REFUSED_AT_LAST("empty log path", "request\t1", "install\tC:\\\\p.msi",
                  "log\t");
}

/* The line format can carry a line end or a tab in a field, but a property
 * value may not hold one: the job model's rule applies, as at enqueue. */
static void test_refused_line_end_in_value(void **state) {
  (void)state;
  REFUSED_AT_LAST("PASSWORD", "request\t1", "install\tC:\\\\p.msi",
                  "property\tPASSWORD\tsecret\\nmore");
  REFUSED_AT_LAST("control character", "request\t1", "install\tC:\\\\p.msi",
                  "property\tNOTE\ta\\tb");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_install_request),
      cmocka_unit_test(test_each_operation),
      cmocka_unit_test(test_related_uninstall_request),
      cmocka_unit_test(test_log_mode),
      cmocka_unit_test(test_refused_out_of_order),
      cmocka_unit_test(test_refused_after_start),
      cmocka_unit_test(test_refused_bad_values),
      cmocka_unit_test(test_refused_line_end_in_value),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
