/* test_job.c: the job model, its setters and its validation. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/job.h"
#include "core/timeparse.h"

#define HOUR INT64_C(3600000)
/* 2026-11-24T22:00:00Z */
#define EXAMPLE_UTC_MS INT64_C(1795557600000)

static const char valid_product_code[] =
    "{12345678-ABCD-ef01-2345-6789ABCDEF01}";

static void assert_spec_valid(const msiq_job_spec *spec) {
  msiq_diag diag = {{0}};
  if (msiq_job_spec_validate(spec, &diag) != MSIQ_OK) {
    fail_msg("valid spec refused: %s", diag.message);
  }
}

static void assert_spec_invalid(const msiq_job_spec *spec,
                                const char *fragment) {
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_spec_validate(spec, &diag), MSIQ_EINVAL);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
}

/* Validates a spec with only the action and target set. */
static void assert_target_valid(msiq_action action, const char *target) {
  msiq_job_spec spec;
  test_spec_init(&spec, action, target);
  assert_spec_valid(&spec);
  msiq_job_spec_cleanup(&spec);
}

static void assert_target_invalid(msiq_action action, const char *target,
                                  const char *fragment) {
  msiq_job_spec spec;
  test_spec_init(&spec, action, target);
  assert_spec_invalid(&spec, fragment);
  msiq_job_spec_cleanup(&spec);
}

static void test_outcome_names(void **state) {
  (void)state;
  static const char *const names[] = {"success", "reboot", "retry", "fail"};
  assert_int_equal(MSIQ_OUTCOME_COUNT, 4);
  for (int i = 0; i < MSIQ_OUTCOME_COUNT; i++) {
    msiq_outcome outcome = MSIQ_OUTCOME_COUNT;
    assert_string_equal(msiq_outcome_name((msiq_outcome)i), names[i]);
    assert_int_equal(msiq_outcome_parse(names[i], &outcome), MSIQ_OK);
    assert_int_equal(outcome, i);
  }
  assert_string_equal(msiq_outcome_name(MSIQ_OUTCOME_COUNT), "?");
}

static void test_outcome_parse_rejects_unknown(void **state) {
  (void)state;
  msiq_outcome outcome = MSIQ_OUTCOME_RETRY;
  assert_int_equal(msiq_outcome_parse("maybe", &outcome), MSIQ_EINVAL);
  assert_int_equal(msiq_outcome_parse("Succes", &outcome), MSIQ_EINVAL);
  assert_int_equal(msiq_outcome_parse("", &outcome), MSIQ_EINVAL);
  assert_int_equal(msiq_outcome_parse(NULL, &outcome), MSIQ_EINVAL);
  assert_int_equal(outcome, MSIQ_OUTCOME_RETRY);
}

/* Outcome names match in any case ("1603=Retry"). */
static void test_outcome_parse_ignores_case(void **state) {
  (void)state;
  msiq_outcome outcome = MSIQ_OUTCOME_FAIL;
  assert_int_equal(msiq_outcome_parse("Success", &outcome), MSIQ_OK);
  assert_int_equal(outcome, MSIQ_OUTCOME_SUCCESS);
  assert_int_equal(msiq_outcome_parse("RETRY", &outcome), MSIQ_OK);
  assert_int_equal(outcome, MSIQ_OUTCOME_RETRY);
}

static void test_spec_init_defaults(void **state) {
  (void)state;
  msiq_job_spec spec;
  memset(&spec, 0x5a, sizeof spec);
  msiq_job_spec_init(&spec);
  assert_int_equal(spec.action, MSIQ_ACTION_INSTALL);
  assert_null(spec.target);
  assert_null(spec.properties);
  assert_int_equal(spec.property_count, 0);
  assert_int_equal(spec.priority, 0);
  assert_true(spec.not_before == MSIQ_TIME_UNSET);
  assert_true(spec.deadline == MSIQ_TIME_UNSET);
  assert_int_equal(spec.max_attempts, MSIQ_DEFAULT_MAX_ATTEMPTS);
  assert_int_equal(spec.timeout_ms, 0);
  assert_null(spec.key);
  assert_null(spec.log_path);
  assert_null(spec.after);
  assert_int_equal(spec.after_count, 0);
  assert_null(spec.exit_code_rules);
  assert_int_equal(spec.exit_code_rule_count, 0);
  assert_false(spec.no_check);
  assert_null(spec.after_keys);
  assert_int_equal(spec.after_key_count, 0);
}

static void test_spec_setters_copy(void **state) {
  (void)state;
  msiq_job_spec spec;
  char target[] = "C:\\pkg\\app.msi";
  char key[] = "app-1.0";
  char log_path[] = "C:\\logs\\app.log";
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&spec, key), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, log_path), MSIQ_OK);
  /* The spec owns copies, so changing the caller's buffers changes
   * nothing. */
  target[0] = 'X';
  key[0] = 'X';
  log_path[0] = 'X';
  assert_string_equal(spec.target, "C:\\pkg\\app.msi");
  assert_string_equal(spec.key, "app-1.0");
  assert_string_equal(spec.log_path, "C:\\logs\\app.log");

  assert_int_equal(msiq_job_spec_set_target(&spec, "other.msi"), MSIQ_OK);
  assert_string_equal(spec.target, "other.msi");
  assert_int_equal(msiq_job_spec_set_key(&spec, NULL), MSIQ_OK);
  assert_null(spec.key);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, NULL), MSIQ_OK);
  assert_null(spec.log_path);
  msiq_job_spec_cleanup(&spec);
}

/* --reinstall adds REINSTALL=ALL and REINSTALLMODE=vomus to an install,
 * and is refused beside either property or with another action. */
static void test_spec_add_reinstall(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", &diag), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_reinstall(&spec, &diag), MSIQ_OK);
  assert_int_equal(spec.property_count, 3);
  assert_string_equal(spec.properties[1].name, "REINSTALL");
  assert_string_equal(spec.properties[1].value, "ALL");
  assert_string_equal(spec.properties[2].name, "REINSTALLMODE");
  assert_string_equal(spec.properties[2].value, "vomus");
  /* Twice is the job setting REINSTALL already. */
  assert_int_equal(msiq_job_spec_add_reinstall(&spec, &diag), MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "already sets REINSTALL"));
  assert_int_equal(spec.property_count, 3);
  msiq_job_spec_cleanup(&spec);

  msiq_job_spec_init(&spec);
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "REINSTALLMODE", "omus", &diag),
      MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_reinstall(&spec, &diag), MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "already sets REINSTALLMODE"));
  assert_int_equal(spec.property_count, 1);
  msiq_job_spec_cleanup(&spec);

  msiq_job_spec_init(&spec);
  spec.action = MSIQ_ACTION_UNINSTALL;
  assert_int_equal(msiq_job_spec_add_reinstall(&spec, &diag), MSIQ_EUSAGE);
  assert_non_null(strstr(diag.message, "not uninstall"));
  assert_int_equal(spec.property_count, 0);
  msiq_job_spec_cleanup(&spec);
}

static void test_spec_cleanup_reinitialises(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  spec.action = MSIQ_ACTION_PATCH;
  spec.priority = 7;
  spec.max_attempts = 3;
  spec.not_before = 1;
  assert_int_equal(msiq_job_spec_set_target(&spec, "a.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&spec, "k"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "l.log"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 4), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "base"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1=fail", NULL),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  assert_int_equal(spec.action, MSIQ_ACTION_INSTALL);
  assert_int_equal(spec.priority, 0);
  assert_int_equal(spec.max_attempts, MSIQ_DEFAULT_MAX_ATTEMPTS);
  assert_true(spec.not_before == MSIQ_TIME_UNSET);
  assert_null(spec.target);
  assert_null(spec.key);
  assert_null(spec.log_path);
  assert_null(spec.properties);
  assert_int_equal(spec.property_count, 0);
  assert_null(spec.after);
  assert_int_equal(spec.after_count, 0);
  assert_null(spec.after_keys);
  assert_int_equal(spec.after_key_count, 0);
  assert_null(spec.exit_code_rules);
  assert_int_equal(spec.exit_code_rule_count, 0);
  /* A second cleanup of the re-initialised spec is harmless. */
  msiq_job_spec_cleanup(&spec);
  assert_null(spec.target);
}

static void test_property_name_rule(void **state) {
  (void)state;
  static const char *const valid[] = {
      "INSTALLDIR", "_private", "a.b", "A1", "x", "Installed_Version.2"};
  static const char *const invalid[] = {
      "9X", "", "A-B", "A B", "A=B", ".A", "\xc3\x89T\xc3\x89", "A\n"};
  for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
    if (!msiq_property_name_is_valid(valid[i])) {
      fail_msg("'%s' should be a valid property name", valid[i]);
    }
  }
  for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    if (msiq_property_name_is_valid(invalid[i])) {
      fail_msg("'%s' should be an invalid property name", invalid[i]);
    }
  }
  assert_false(msiq_property_name_is_valid(NULL));
}

static void test_property_value_rule(void **state) {
  (void)state;
  assert_true(msiq_property_value_is_valid("", 0));
  assert_true(msiq_property_value_is_valid("C:\\Program Files\\App", 20));
  assert_true(msiq_property_value_is_valid("a=b;c=\"d\"", 9));
  assert_false(msiq_property_value_is_valid("a\nb", 3));
  assert_false(msiq_property_value_is_valid("a\rb", 3));
  /* An explicit length beyond strlen() means an embedded NUL. */
  assert_false(msiq_property_value_is_valid("ab\0c", 4));
  assert_true(msiq_property_value_is_valid("ab\0c", 2));
  assert_false(msiq_property_value_is_valid(NULL, 0));
  /* UTF-8 only: what msiq stores it prints as UTF-8 JSON. */
  assert_true(msiq_property_value_is_valid("caf\xc3\xa9", 5));
  assert_false(msiq_property_value_is_valid("caf\xe9", 4));
  assert_false(msiq_property_value_is_valid("\xed\xa0\x80", 3));
}

/* Text that is not UTF-8 is refused in every field that holds text, and a
 * property's value (perhaps a password) is never shown. */
static void test_validate_refuses_text_that_is_not_utf8(void **state) {
  (void)state;
  assert_target_invalid(MSIQ_ACTION_INSTALL, "caf\xe9.msi",
                        "install target 'caf\\xe9.msi' is not valid UTF-8");
  assert_target_invalid(MSIQ_ACTION_UNINSTALL, "\xed\xa0\x80.msi",
                        "is not valid UTF-8");
  assert_target_valid(MSIQ_ACTION_INSTALL, "caf\xc3\xa9.msi");

  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "PASSWORD", "s3cr\xe9t", &diag),
      MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "property 'PASSWORD' has bytes that are not UTF-8 in its "
                      "value");
  assert_null(strstr(diag.message, "s3cr"));
  assert_int_equal(spec.property_count, 0);
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "NAME", "Z\xc3\xbcrich", &diag),
      MSIQ_OK);

  assert_int_equal(msiq_job_spec_set_key(&spec, "key-\xff"), MSIQ_OK);
  assert_spec_invalid(&spec, "idempotency key 'key-\\xff' is not valid UTF-8");
  assert_int_equal(msiq_job_spec_set_key(&spec, "key-\xc3\xa9"), MSIQ_OK);
  assert_spec_valid(&spec);

  assert_int_equal(msiq_job_spec_set_log_path(&spec, "/logs/\xc3.log"),
                   MSIQ_OK);
  assert_spec_invalid(&spec, "log path '/logs/\\xc3.log' is not valid UTF-8");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "/logs/a.log"), MSIQ_OK);

  assert_int_equal(msiq_job_spec_add_after_key(&spec, "\xc0\x80"), MSIQ_OK);
  assert_spec_invalid(&spec, "dependency key '\\xc0\\x80' is not valid UTF-8");
  msiq_job_spec_cleanup(&spec);
}

static void test_product_code_rule(void **state) {
  (void)state;
  assert_true(msiq_product_code_is_valid(valid_product_code));
  assert_true(
      msiq_product_code_is_valid("{abcdefab-cdef-abcd-efab-cdefabcdefab}"));
  assert_false(
      msiq_product_code_is_valid("12345678-ABCD-EF01-2345-6789ABCDEF01"));
  assert_false(msiq_product_code_is_valid("{123}"));
  assert_false(msiq_product_code_is_valid("{}"));
  assert_false(
      msiq_product_code_is_valid("{12345678-ABCD-EF01-2345-6789ABCDEF0G}"));
  assert_false(
      msiq_product_code_is_valid("{1234567-8ABCD-EF01-2345-6789ABCDEF01}"));
  assert_false(
      msiq_product_code_is_valid("{12345678-ABCD-EF01-2345-6789ABCDEF01}x"));
  assert_false(
      msiq_product_code_is_valid("(12345678-ABCD-EF01-2345-6789ABCDEF01)"));
  assert_false(msiq_product_code_is_valid(""));
  assert_false(msiq_product_code_is_valid(NULL));
}

static void test_add_property(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "INSTALLDIR", "C:\\App", &diag),
      MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "EMPTY", "", &diag),
                   MSIQ_OK);
  /* MSI property names are case-sensitive: these are different. */
  assert_int_equal(msiq_job_spec_add_property(&spec, "installdir", "x", &diag),
                   MSIQ_OK);
  assert_int_equal(spec.property_count, 3);
  assert_string_equal(spec.properties[0].name, "INSTALLDIR");
  assert_string_equal(spec.properties[0].value, "C:\\App");
  assert_string_equal(spec.properties[1].name, "EMPTY");
  assert_string_equal(spec.properties[1].value, "");
  assert_string_equal(spec.properties[2].name, "installdir");
  msiq_job_spec_cleanup(&spec);
}

static void test_add_property_errors(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);

  assert_int_equal(msiq_job_spec_add_property(&spec, "9X", "1", &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "invalid property name '9X': must match "
                                    "[A-Za-z_][A-Za-z0-9_.]*");
  assert_int_equal(msiq_job_spec_add_property(&spec, "", "1", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid property name ''");
  assert_int_equal(msiq_job_spec_add_property(&spec, NULL, "1", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid property name");

  assert_int_equal(msiq_job_spec_add_property(&spec, "X", "a\nb", &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "property 'X' has a newline in its value");
  assert_int_equal(msiq_job_spec_add_property(&spec, "X", "a\rb", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "property 'X' has a carriage return");
  assert_int_equal(msiq_job_spec_add_property(&spec, "X", "a\tb", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "control character (0x09)");
  assert_false(msiq_property_value_is_valid("a\x1b", 2));
  assert_true(msiq_property_value_is_valid("caf\xc3\xa9 \"x\"", 8));
  assert_int_equal(msiq_job_spec_add_property(&spec, "X", NULL, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "property 'X' has no value");
  assert_int_equal(spec.property_count, 0);

  /* A repeated name is appended, and refused by validation. */
  assert_int_equal(msiq_job_spec_set_target(&spec, "app.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "X", "1", &diag), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "X", "2", &diag), MSIQ_OK);
  assert_int_equal(spec.property_count, 2);
  assert_int_equal(msiq_job_spec_validate(&spec, &diag), MSIQ_EINVAL);
  assert_string_equal(diag.message, "property 'X' given twice");
  msiq_job_spec_cleanup(&spec);
}

static void test_add_property_name_with_newline_stays_one_line(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_add_property(&spec, "A\nB", "1", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid property name 'A\\x0aB'");
  assert_message_is_one_line(diag.message);
  msiq_job_spec_cleanup(&spec);
}

static void test_add_property_assignment(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);
  assert_int_equal(
      msiq_job_spec_add_property_assignment(&spec, "FOO=bar", &diag), MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_property_assignment(&spec, "CONN=Server=x;Db=y", &diag),
      MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_property_assignment(&spec, "EMPTY=", &diag), MSIQ_OK);
  assert_int_equal(spec.property_count, 3);
  assert_string_equal(spec.properties[0].name, "FOO");
  assert_string_equal(spec.properties[0].value, "bar");
  assert_string_equal(spec.properties[1].name, "CONN");
  assert_string_equal(spec.properties[1].value, "Server=x;Db=y");
  assert_string_equal(spec.properties[2].name, "EMPTY");
  assert_string_equal(spec.properties[2].value, "");
  msiq_job_spec_cleanup(&spec);
}

static void test_add_property_assignment_errors(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, "FOO", &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "invalid property 'FOO': expected NAME=VALUE");
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, "=x", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid property '=x'");
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, NULL, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "expected NAME=VALUE");
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, "9X=1", &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "invalid property name '9X'");
  assert_int_equal(
      msiq_job_spec_add_property_assignment(&spec, "X=a\nb", &diag),
      MSIQ_EINVAL);
  assert_message_contains(diag.message, "property 'X' has a newline");
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, "X=1", &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property_assignment(&spec, "X=2", &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_target(&spec, "app.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_validate(&spec, &diag), MSIQ_EINVAL);
  assert_string_equal(diag.message, "property 'X' given twice");
  msiq_job_spec_cleanup(&spec);
}

/* The documented limits (job.h): MSIQ_JOB_PROPERTY_COUNT_MAX properties
 * and values of MSIQ_PROPERTY_VALUE_SIZE_MAX bytes are accepted, one more
 * of either is refused with one line, and the spec keeps what it had. */
static void test_property_limits(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  char name[32];
  for (int i = 0; i < MSIQ_JOB_PROPERTY_COUNT_MAX; i++) {
    snprintf(name, sizeof name, "P%d", i);
    assert_int_equal(msiq_job_spec_add_property(&spec, name, "v", &diag),
                     MSIQ_OK);
  }
  assert_spec_valid(&spec);
  assert_int_equal(msiq_job_spec_add_property(&spec, "ONE_MORE", "v", &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "too many properties: a job may set at most 1000");
  assert_int_equal(spec.property_count, MSIQ_JOB_PROPERTY_COUNT_MAX);
  msiq_job_spec_cleanup(&spec);

  char *value = malloc(MSIQ_PROPERTY_VALUE_SIZE_MAX + 2);
  assert_non_null(value);
  memset(value, 'x', MSIQ_PROPERTY_VALUE_SIZE_MAX + 1);
  value[MSIQ_PROPERTY_VALUE_SIZE_MAX + 1] = '\0';
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "BIG", value, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message, "property 'BIG' has a value of 8001 "
                                    "bytes; at most 8000 are allowed");
  assert_message_is_one_line(diag.message);
  assert_int_equal(spec.property_count, 0);
  value[MSIQ_PROPERTY_VALUE_SIZE_MAX] = '\0';
  assert_int_equal(msiq_job_spec_add_property(&spec, "BIG", value, &diag),
                   MSIQ_OK);
  assert_spec_valid(&spec);
  free(value);
  msiq_job_spec_cleanup(&spec);
}

/* Validation sorts the names once: a duplicate is found wherever it is
 * (first and last of a full list here), and a spec filled in directly
 * with more properties than the limit is refused with the count. */
static void test_validate_finds_duplicates_anywhere(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  char name[32];
  for (int i = 0; i < MSIQ_JOB_PROPERTY_COUNT_MAX - 1; i++) {
    snprintf(name, sizeof name, "NAME_%04d", MSIQ_JOB_PROPERTY_COUNT_MAX - i);
    assert_int_equal(msiq_job_spec_add_property(&spec, name, "v", NULL),
                     MSIQ_OK);
  }
  assert_spec_valid(&spec);
  /* The first name again, at the end. */
  assert_int_equal(msiq_job_spec_add_property(&spec, "NAME_1000", "w", NULL),
                   MSIQ_OK);
  assert_spec_invalid(&spec, "property 'NAME_1000' given twice");
  /* Case matters: NAME_1000 and name_1000 are two properties. */
  free(spec.properties[spec.property_count - 1].name);
  spec.properties[spec.property_count - 1].name = test_text_copy("name_1000");
  assert_spec_valid(&spec);

  /* One more than the limit, filled in past the setter. */
  msiq_property *grown = realloc(spec.properties, (spec.property_count + 1) *
                                                      sizeof *spec.properties);
  assert_non_null(grown);
  spec.properties = grown;
  spec.properties[spec.property_count].name = test_text_copy("EXTRA");
  spec.properties[spec.property_count].value = test_text_copy("v");
  spec.property_count++;
  assert_spec_invalid(&spec, "too many properties: 1001 given, a job may set "
                             "at most 1000");
  msiq_job_spec_cleanup(&spec);
}

static void test_add_after(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_add_after(&spec, 3), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 9), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 3), MSIQ_OK);
  assert_int_equal(spec.after_count, 2);
  assert_int_equal(spec.after[0], 3);
  assert_int_equal(spec.after[1], 9);

  assert_int_equal(msiq_job_spec_add_after_key(&spec, "base"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "runtime"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "base"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, NULL), MSIQ_EINVAL);
  assert_int_equal(spec.after_key_count, 2);
  assert_string_equal(spec.after_keys[0], "base");
  assert_string_equal(spec.after_keys[1], "runtime");
  msiq_job_spec_cleanup(&spec);
}

static void test_add_exit_code_rule(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1603=retry", &diag),
                   MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_exit_code_rule(&spec, "3010=reboot", &diag), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "0=success", &diag),
                   MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_exit_code_rule(&spec, "4294967295=fail", &diag),
      MSIQ_OK);
  assert_int_equal(spec.exit_code_rule_count, 4);
  assert_int_equal(spec.exit_code_rules[0].code, 1603);
  assert_int_equal(spec.exit_code_rules[0].outcome, MSIQ_OUTCOME_RETRY);
  assert_int_equal(spec.exit_code_rules[1].code, 3010);
  assert_int_equal(spec.exit_code_rules[1].outcome, MSIQ_OUTCOME_REBOOT);
  assert_int_equal(spec.exit_code_rules[2].code, 0);
  assert_int_equal(spec.exit_code_rules[2].outcome, MSIQ_OUTCOME_SUCCESS);
  assert_true(spec.exit_code_rules[3].code == INT64_C(4294967295));
  assert_int_equal(spec.exit_code_rules[3].outcome, MSIQ_OUTCOME_FAIL);
  msiq_job_spec_cleanup(&spec);
}

static void assert_exit_code_rule_error(msiq_job_spec *spec, const char *text,
                                        const char *fragment) {
  msiq_diag diag = {{0}};
  size_t count = spec->exit_code_rule_count;
  assert_int_equal(msiq_job_spec_add_exit_code_rule(spec, text, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
  assert_int_equal(spec->exit_code_rule_count, count);
}

static void test_add_exit_code_rule_errors(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_exit_code_rule_error(&spec, "1603",
                              "invalid --exit-code '1603': expected "
                              "CODE=success|reboot|retry|fail");
  assert_exit_code_rule_error(&spec, "=retry", "invalid --exit-code '=retry'");
  assert_exit_code_rule_error(&spec, "-1=fail",
                              "invalid --exit-code '-1=fail': the exit code "
                              "must be a non-negative whole number");
  assert_exit_code_rule_error(&spec, "abc=retry",
                              "invalid --exit-code 'abc=retry'");
  assert_exit_code_rule_error(&spec, "0x10=retry",
                              "invalid --exit-code '0x10=retry'");
  assert_exit_code_rule_error(&spec, " 1=retry",
                              "invalid --exit-code ' 1=retry'");
  assert_exit_code_rule_error(&spec, "4294967296=fail",
                              "invalid --exit-code '4294967296=fail': exit "
                              "code out of range (0-4294967295)");
  assert_exit_code_rule_error(&spec, "99999999999999999999999=fail",
                              "out of range");
  assert_exit_code_rule_error(&spec, "1603=maybe",
                              "invalid --exit-code '1603=maybe': unknown "
                              "outcome 'maybe' (use success, reboot, retry or "
                              "fail)");
  assert_exit_code_rule_error(&spec, "1603=", "unknown outcome ''");
  assert_exit_code_rule_error(&spec, "1603=Retri", "unknown outcome 'Retri'");
  assert_exit_code_rule_error(&spec, NULL, "expected CODE=");

  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1603=retry", &diag),
                   MSIQ_OK);
  assert_exit_code_rule_error(&spec, "1603=fail", "exit code 1603 given twice");
  assert_int_equal(spec.exit_code_rules[0].outcome, MSIQ_OUTCOME_RETRY);
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_install_target(void **state) {
  (void)state;
  msiq_diag diag = {{0}};
  msiq_job_spec spec;
  assert_target_valid(MSIQ_ACTION_INSTALL, "C:\\pkg\\app.msi");
  assert_target_valid(MSIQ_ACTION_INSTALL, "\\\\server\\share\\APP.MSI");
  assert_target_valid(MSIQ_ACTION_INSTALL, "app.Msi");

  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "x.txt");
  assert_int_equal(msiq_job_spec_validate(&spec, &diag), MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "install target 'x.txt' must be a .msi package");
  msiq_job_spec_cleanup(&spec);

  assert_target_invalid(MSIQ_ACTION_INSTALL, "fix.msp",
                        "install target 'fix.msp' must be a .msi package");
  assert_target_invalid(MSIQ_ACTION_INSTALL, ".msi", "install target '.msi'");
  assert_target_invalid(MSIQ_ACTION_INSTALL, "app.msi.txt",
                        "install target 'app.msi.txt'");
  /* msiexec /i {CODE} reconfigures an installed product. */
  assert_target_valid(MSIQ_ACTION_INSTALL, valid_product_code);
  assert_target_invalid(MSIQ_ACTION_INSTALL, "{1234}",
                        "invalid product code '{1234}'");
}

/* --related: an uninstall whose target is an UpgradeCode. */
static void test_validate_related_uninstall(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_UNINSTALL, valid_product_code);
  spec.related = true;
  assert_spec_valid(&spec);
  msiq_job_spec_cleanup(&spec);
  /* A package, or a malformed code, is no UpgradeCode. */
  test_spec_init(&spec, MSIQ_ACTION_UNINSTALL, "C:\\pkg\\app.msi");
  spec.related = true;
  assert_spec_invalid(&spec, "invalid upgrade code 'C:\\pkg\\app.msi'");
  msiq_job_spec_cleanup(&spec);
  /* Only an uninstall removes a family of products. */
  test_spec_init(&spec, MSIQ_ACTION_REPAIR, valid_product_code);
  spec.related = true;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_spec_validate(&spec, &diag), MSIQ_EUSAGE);
  assert_message_contains(diag.message,
                          "--related removes every product of an "
                          "UpgradeCode, so it goes only with --action "
                          "uninstall, not repair");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_patch_target(void **state) {
  (void)state;
  assert_target_valid(MSIQ_ACTION_PATCH, "C:\\pkg\\fix.msp");
  assert_target_valid(MSIQ_ACTION_PATCH, "FIX.MSP");
  assert_target_invalid(MSIQ_ACTION_PATCH, "app.msi",
                        "patch target 'app.msi' must be a .msp package");
  assert_target_invalid(MSIQ_ACTION_PATCH, valid_product_code,
                        "must be a .msp package");
}

static void test_validate_uninstall_and_repair_targets(void **state) {
  (void)state;
  static const msiq_action actions[] = {MSIQ_ACTION_UNINSTALL,
                                        MSIQ_ACTION_REPAIR};
  for (size_t i = 0; i < 2; i++) {
    assert_target_valid(actions[i], valid_product_code);
    assert_target_valid(actions[i], "C:\\pkg\\app.msi");
    assert_target_invalid(actions[i], "{123}",
                          "invalid product code '{123}': expected "
                          "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}");
    assert_target_invalid(actions[i],
                          "{12345678-ABCD-EF01-2345-6789ABCDEF01}.msi",
                          "invalid product code");
    assert_target_invalid(actions[i], "app.exe",
                          "target 'app.exe' must be a .msi package or a "
                          "product code");
    assert_target_invalid(actions[i], "fix.msp", "target 'fix.msp'");
  }
  assert_target_invalid(MSIQ_ACTION_UNINSTALL, "app.exe",
                        "uninstall target 'app.exe'");
  assert_target_invalid(MSIQ_ACTION_REPAIR, "app.exe",
                        "repair target 'app.exe'");
}

static void test_validate_empty_target(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_spec_invalid(&spec, "install target is empty");
  assert_int_equal(msiq_job_spec_set_target(&spec, ""), MSIQ_OK);
  assert_spec_invalid(&spec, "install target is empty");
  spec.action = MSIQ_ACTION_UNINSTALL;
  assert_spec_invalid(&spec, "uninstall target is empty");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_target_characters(void **state) {
  (void)state;
  assert_target_invalid(MSIQ_ACTION_INSTALL, "a\nb.msi",
                        "install target 'a\\x0ab.msi' has a control "
                        "character");
  assert_target_invalid(MSIQ_ACTION_INSTALL, "a\"b.msi",
                        "install target 'a\"b.msi' has a double quote");
}

static void test_validate_unknown_action(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.action = MSIQ_ACTION_COUNT;
  assert_spec_invalid(&spec, "unknown action");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_max_attempts(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.max_attempts = 1;
  assert_spec_valid(&spec);
  spec.max_attempts = 1000;
  assert_spec_valid(&spec);
  spec.max_attempts = 0;
  assert_spec_invalid(&spec, "max attempts 0 out of range (1-1000)");
  spec.max_attempts = 1001;
  assert_spec_invalid(&spec, "max attempts 1001 out of range");
  spec.max_attempts = -5;
  assert_spec_invalid(&spec, "max attempts -5 out of range");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_priority_unrestricted(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.priority = INT64_MIN;
  assert_spec_valid(&spec);
  spec.priority = INT64_MAX;
  assert_spec_valid(&spec);
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_timeout(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.timeout_ms = 0;
  assert_spec_valid(&spec);
  spec.timeout_ms = 2 * HOUR;
  assert_spec_valid(&spec);
  spec.timeout_ms = -1;
  assert_spec_invalid(&spec, "timeout -1 ms is negative");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_deadline_order(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.not_before = EXAMPLE_UTC_MS;
  assert_spec_valid(&spec);
  spec.deadline = EXAMPLE_UTC_MS;
  assert_spec_valid(&spec);
  spec.deadline = EXAMPLE_UTC_MS + HOUR;
  assert_spec_valid(&spec);
  spec.deadline = EXAMPLE_UTC_MS - HOUR;
  /* Both times in local time with their offset, as people read them. */
  char deadline[40];
  char not_before[40];
  char expected[128];
  msiq_time_format_local(EXAMPLE_UTC_MS - HOUR, deadline, sizeof deadline);
  msiq_time_format_local(EXAMPLE_UTC_MS, not_before, sizeof not_before);
  snprintf(expected, sizeof expected, "deadline %s is before not-before %s",
           deadline, not_before);
  assert_spec_invalid(&spec, expected);
  spec.not_before = MSIQ_TIME_UNSET;
  assert_spec_valid(&spec);
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_key(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_key(&spec, "office-2026 rollout"),
                   MSIQ_OK);
  assert_spec_valid(&spec);
  assert_int_equal(msiq_job_spec_set_key(&spec, ""), MSIQ_OK);
  assert_spec_invalid(&spec, "idempotency key is empty");
  assert_int_equal(msiq_job_spec_set_key(&spec, "a\tb"), MSIQ_OK);
  assert_spec_invalid(&spec, "idempotency key 'a\\x09b' has a control "
                             "character");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_log_path(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "C:\\logs\\a.log"),
                   MSIQ_OK);
  assert_spec_valid(&spec);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, ""), MSIQ_OK);
  assert_spec_invalid(&spec, "log path is empty");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "a\nb.log"), MSIQ_OK);
  assert_spec_invalid(&spec, "log path 'a\\x0ab.log' has a newline");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "a\rb.log"), MSIQ_OK);
  assert_spec_invalid(&spec, "log path 'a\\x0db.log' has a newline");
  /* The msiexec command line cannot carry these in a path either. */
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "a\"b.log"), MSIQ_OK);
  assert_spec_invalid(&spec, "has a double quote");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "a\tb.log"), MSIQ_OK);
  assert_spec_invalid(&spec, "has a control character");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_after(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_add_after(&spec, 1), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "base"), MSIQ_OK);
  assert_spec_valid(&spec);
  assert_int_equal(msiq_job_spec_add_after(&spec, 0), MSIQ_OK);
  assert_spec_invalid(&spec, "dependency id 0 is not a job id");
  spec.after[1] = -3;
  assert_spec_invalid(&spec, "dependency id -3 is not a job id");
  spec.after_count = 1;
  assert_spec_valid(&spec);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, ""), MSIQ_OK);
  assert_spec_invalid(&spec, "dependency key is empty");
  msiq_job_spec_cleanup(&spec);
}

/* Validation re-checks properties, because import may fill a spec without
 * the setters. */
static void test_validate_rechecks_properties(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "2", NULL), MSIQ_OK);
  assert_spec_valid(&spec);

  free(spec.properties[1].name);
  spec.properties[1].name = test_text_copy("A");
  assert_spec_invalid(&spec, "property 'A' given twice");

  free(spec.properties[1].name);
  spec.properties[1].name = test_text_copy("1B");
  assert_spec_invalid(&spec, "invalid property name '1B'");

  free(spec.properties[1].name);
  spec.properties[1].name = test_text_copy("B");
  free(spec.properties[1].value);
  spec.properties[1].value = test_text_copy("x\ny");
  assert_spec_invalid(&spec, "property 'B' has a newline in its value");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_rechecks_exit_code_rules(void **state) {
  (void)state;
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1=retry", NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "2=fail", NULL),
                   MSIQ_OK);
  assert_spec_valid(&spec);
  spec.exit_code_rules[1].code = 1;
  assert_spec_invalid(&spec, "exit code 1 given twice");
  spec.exit_code_rules[1].code = -1;
  assert_spec_invalid(&spec, "exit code -1 out of range");
  spec.exit_code_rules[1].code = INT64_C(4294967296);
  assert_spec_invalid(&spec, "exit code 4294967296 out of range");
  spec.exit_code_rules[1].code = 2;
  spec.exit_code_rules[1].outcome = MSIQ_OUTCOME_COUNT;
  assert_spec_invalid(&spec, "exit code 2 has an unknown outcome");
  msiq_job_spec_cleanup(&spec);
}

static void test_validate_full_spec(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_diag diag = {{0}};
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "\\\\srv\\pkg\\office.msi");
  assert_int_equal(
      msiq_job_spec_add_property_assignment(&spec, "INSTALLDIR=C:\\O", &diag),
      MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property_assignment(
                       &spec, "REBOOT=ReallySuppress", &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1618=retry", &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&spec, "office"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "C:\\l\\o.log"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 12), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "runtime"), MSIQ_OK);
  spec.priority = -3;
  spec.not_before = EXAMPLE_UTC_MS;
  spec.deadline = EXAMPLE_UTC_MS + 4 * HOUR;
  spec.max_attempts = 3;
  spec.timeout_ms = HOUR;
  assert_int_equal(msiq_job_spec_validate(&spec, &diag), MSIQ_OK);
  /* A NULL diagnostic is allowed for both outcomes. */
  assert_int_equal(msiq_job_spec_validate(&spec, NULL), MSIQ_OK);
  spec.max_attempts = 0;
  assert_int_equal(msiq_job_spec_validate(&spec, NULL), MSIQ_EINVAL);
  msiq_job_spec_cleanup(&spec);
}

static void test_job_init_and_cleanup(void **state) {
  (void)state;
  msiq_job job;
  memset(&job, 0x5a, sizeof job);
  msiq_job_init(&job);
  assert_int_equal(job.id, 0);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_int_equal(job.action, MSIQ_ACTION_INSTALL);
  assert_null(job.target);
  assert_int_equal(job.max_attempts, MSIQ_DEFAULT_MAX_ATTEMPTS);
  assert_true(job.not_before == MSIQ_TIME_UNSET);
  assert_true(job.deadline == MSIQ_TIME_UNSET);
  assert_true(job.started_at == MSIQ_TIME_UNSET);
  assert_true(job.finished_at == MSIQ_TIME_UNSET);
  assert_true(job.retry_at == MSIQ_TIME_UNSET);
  assert_false(job.has_exit_code);
  assert_false(job.cancel_requested);
  assert_null(job.last_error);

  /* Fill every owned field the way the store does; the sanitizer build
   * reports anything cleanup forgets. */
  job.id = 5;
  job.target = test_text_copy("app.msi");
  job.key = test_text_copy("k");
  job.log_path = test_text_copy("a.log");
  job.last_error = test_text_copy("exit code 1603");
  job.properties = calloc(1, sizeof *job.properties);
  assert_non_null(job.properties);
  job.properties[0].name = test_text_copy("A");
  job.properties[0].value = test_text_copy("1");
  job.property_count = 1;
  job.after = calloc(2, sizeof *job.after);
  assert_non_null(job.after);
  job.after_count = 2;
  job.exit_code_rules = calloc(1, sizeof *job.exit_code_rules);
  assert_non_null(job.exit_code_rules);
  job.exit_code_rule_count = 1;
  job.state = MSIQ_STATE_FAILED;
  msiq_job_cleanup(&job);

  assert_int_equal(job.id, 0);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_null(job.target);
  assert_null(job.key);
  assert_null(job.log_path);
  assert_null(job.last_error);
  assert_null(job.properties);
  assert_int_equal(job.property_count, 0);
  assert_null(job.after);
  assert_int_equal(job.after_count, 0);
  assert_null(job.exit_code_rules);
  assert_int_equal(job.exit_code_rule_count, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_outcome_names),
      cmocka_unit_test(test_outcome_parse_rejects_unknown),
      cmocka_unit_test(test_outcome_parse_ignores_case),
      cmocka_unit_test(test_spec_init_defaults),
      cmocka_unit_test(test_spec_setters_copy),
      cmocka_unit_test(test_spec_add_reinstall),
      cmocka_unit_test(test_spec_cleanup_reinitialises),
      cmocka_unit_test(test_property_name_rule),
      cmocka_unit_test(test_property_value_rule),
      cmocka_unit_test(test_product_code_rule),
      cmocka_unit_test(test_add_property),
      cmocka_unit_test(test_add_property_errors),
      cmocka_unit_test(test_add_property_name_with_newline_stays_one_line),
      cmocka_unit_test(test_add_property_assignment),
      cmocka_unit_test(test_add_property_assignment_errors),
      cmocka_unit_test(test_property_limits),
      cmocka_unit_test(test_validate_finds_duplicates_anywhere),
      cmocka_unit_test(test_add_after),
      cmocka_unit_test(test_add_exit_code_rule),
      cmocka_unit_test(test_add_exit_code_rule_errors),
      cmocka_unit_test(test_validate_install_target),
      cmocka_unit_test(test_validate_patch_target),
      cmocka_unit_test(test_validate_related_uninstall),
      cmocka_unit_test(test_validate_uninstall_and_repair_targets),
      cmocka_unit_test(test_validate_empty_target),
      cmocka_unit_test(test_validate_target_characters),
      cmocka_unit_test(test_validate_unknown_action),
      cmocka_unit_test(test_validate_max_attempts),
      cmocka_unit_test(test_validate_priority_unrestricted),
      cmocka_unit_test(test_validate_timeout),
      cmocka_unit_test(test_validate_deadline_order),
      cmocka_unit_test(test_validate_key),
      cmocka_unit_test(test_validate_log_path),
      cmocka_unit_test(test_validate_refuses_text_that_is_not_utf8),
      cmocka_unit_test(test_validate_after),
      cmocka_unit_test(test_validate_rechecks_properties),
      cmocka_unit_test(test_validate_rechecks_exit_code_rules),
      cmocka_unit_test(test_validate_full_spec),
      cmocka_unit_test(test_job_init_and_cleanup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
