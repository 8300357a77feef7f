/* test_outcome.c: the exit-code table, exit-code classification and names,
 * retry backoff, and the exit code of `msiq wait`. */
#include "test_support.h"

#include <string.h>

#include "core/outcome.h"

#define SECOND INT64_C(1000)

typedef struct default_row {
  int64_t code;
  msiq_outcome outcome;
  bool reboot_initiated;
  const char *meaning;
} default_row;

/* The default table, as msiq applies it to an install. */
static const default_row install_defaults[] = {
    {0, MSIQ_OUTCOME_SUCCESS, false, "success"},
    {1707, MSIQ_OUTCOME_SUCCESS, false, "success"},
    {3010, MSIQ_OUTCOME_REBOOT, false, "success, reboot required"},
    {3011, MSIQ_OUTCOME_REBOOT, false, "success, restart required"},
    {1641, MSIQ_OUTCOME_REBOOT, true, "success, reboot initiated"},
    {1618, MSIQ_OUTCOME_RETRY, false, "another installation is in progress"},
    {1601, MSIQ_OUTCOME_RETRY, false,
     "Windows Installer service could not be reached"},
    {1603, MSIQ_OUTCOME_FAIL, false, "failed"},
    {1602, MSIQ_OUTCOME_FAIL, false, "failed"},
    {1605, MSIQ_OUTCOME_FAIL, false, "failed"},
    {1614, MSIQ_OUTCOME_FAIL, false, "failed"},
    {1619, MSIQ_OUTCOME_FAIL, false, "failed"},
    {1638, MSIQ_OUTCOME_FAIL, false,
     "another version of this product is already installed"},
    {1, MSIQ_OUTCOME_FAIL, false, "failed"},
    {-1, MSIQ_OUTCOME_FAIL, false, "failed"},
    {INT64_C(4294967295), MSIQ_OUTCOME_FAIL, false, "failed"},
};

static void assert_verdict(msiq_verdict verdict, msiq_outcome outcome,
                           bool reboot_initiated, const char *meaning) {
  assert_int_equal(verdict.outcome, outcome);
  assert_int_equal(verdict.reboot_initiated, reboot_initiated);
  assert_non_null(verdict.meaning);
  assert_string_equal(verdict.meaning, meaning);
}

/* The whole table, written out independently of outcome.c: a row added
 * there without its row here (or the other way round) fails the walk. */
typedef struct expected_row {
  int64_t code;
  const char *name;
  msiq_outcome outcome;
  const char *meaning;
  bool reboot_initiated;
  msiq_outcome uninstall_outcome;
  const char *uninstall_meaning;
} expected_row;

static const expected_row expected_table[] = {
    {0, "ERROR_SUCCESS", MSIQ_OUTCOME_SUCCESS, "success", false,
     MSIQ_OUTCOME_SUCCESS, "success"},
    {1601, "ERROR_INSTALL_SERVICE_FAILURE", MSIQ_OUTCOME_RETRY,
     "Windows Installer service could not be reached", false,
     MSIQ_OUTCOME_RETRY, "Windows Installer service could not be reached"},
    {1602, "ERROR_INSTALL_USEREXIT", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1603, "ERROR_INSTALL_FAILURE", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1605, "ERROR_UNKNOWN_PRODUCT", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_SUCCESS, "not installed (nothing to uninstall)"},
    {1614, "ERROR_PRODUCT_UNINSTALLED", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_SUCCESS, "not installed (nothing to uninstall)"},
    {1618, "ERROR_INSTALL_ALREADY_RUNNING", MSIQ_OUTCOME_RETRY,
     "another installation is in progress", false, MSIQ_OUTCOME_RETRY,
     "another installation is in progress"},
    {1619, "ERROR_INSTALL_PACKAGE_OPEN_FAILED", MSIQ_OUTCOME_FAIL, "failed",
     false, MSIQ_OUTCOME_FAIL, "failed"},
    {1620, "ERROR_INSTALL_PACKAGE_INVALID", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1624, "ERROR_INSTALL_TRANSFORM_FAILURE", MSIQ_OUTCOME_FAIL, "failed",
     false, MSIQ_OUTCOME_FAIL, "failed"},
    {1625, "ERROR_INSTALL_PACKAGE_REJECTED", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1633, "ERROR_INSTALL_PLATFORM_UNSUPPORTED", MSIQ_OUTCOME_FAIL, "failed",
     false, MSIQ_OUTCOME_FAIL, "failed"},
    {1638, "ERROR_PRODUCT_VERSION", MSIQ_OUTCOME_FAIL,
     "another version of this product is already installed", false,
     MSIQ_OUTCOME_FAIL, "another version of this product is already installed"},
    {1639, "ERROR_INVALID_COMMAND_LINE", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1641, "ERROR_SUCCESS_REBOOT_INITIATED", MSIQ_OUTCOME_REBOOT,
     "success, reboot initiated", true, MSIQ_OUTCOME_REBOOT,
     "success, reboot initiated"},
    {1642, "ERROR_PATCH_TARGET_NOT_FOUND", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1643, "ERROR_PATCH_PACKAGE_REJECTED", MSIQ_OUTCOME_FAIL, "failed", false,
     MSIQ_OUTCOME_FAIL, "failed"},
    {1707, "ERROR_SUCCESS_PRODUCT_INSTALLED", MSIQ_OUTCOME_SUCCESS, "success",
     false, MSIQ_OUTCOME_SUCCESS, "success"},
    {3010, "ERROR_SUCCESS_REBOOT_REQUIRED", MSIQ_OUTCOME_REBOOT,
     "success, reboot required", false, MSIQ_OUTCOME_REBOOT,
     "success, reboot required"},
    {3011, "ERROR_SUCCESS_RESTART_REQUIRED", MSIQ_OUTCOME_REBOOT,
     "success, restart required", false, MSIQ_OUTCOME_REBOOT,
     "success, restart required"},
};

#define EXPECTED_TABLE_COUNT (sizeof expected_table / sizeof expected_table[0])

static const expected_row *expected_find(int64_t code) {
  for (size_t i = 0; i < EXPECTED_TABLE_COUNT; i++) {
    if (expected_table[i].code == code) {
      return &expected_table[i];
    }
  }
  return NULL;
}

/* Walks the table in outcome.c: every row is expected, ordered, and what
 * msiq_outcome_classify and msiq_exit_code_name answer for its code. */
static void test_table_rows(void **state) {
  (void)state;
  size_t count = 0;
  const msiq_exit_code_row *table = msiq_exit_code_table(&count);
  assert_non_null(table);
  assert_int_equal(count, EXPECTED_TABLE_COUNT);
  for (size_t i = 0; i < count; i++) {
    const msiq_exit_code_row *row = &table[i];
    if (i > 0 && table[i - 1].code >= row->code) {
      fail_msg("row %zu: code %lld is not above %lld", i, (long long)row->code,
               (long long)table[i - 1].code);
    }
    const expected_row *expected = expected_find(row->code);
    if (expected == NULL) {
      fail_msg("code %lld is in the table but not expected here",
               (long long)row->code);
    }
    assert_non_null(row->name);
    assert_string_equal(row->name, expected->name);
    assert_string_equal(msiq_exit_code_name(row->code), expected->name);

    static const msiq_action others[] = {MSIQ_ACTION_INSTALL, MSIQ_ACTION_PATCH,
                                         MSIQ_ACTION_REPAIR};
    for (size_t a = 0; a < sizeof others / sizeof others[0]; a++) {
      msiq_verdict verdict =
          msiq_outcome_classify(others[a], NULL, 0, row->code);
      if (verdict.outcome != expected->outcome) {
        fail_msg("code %lld for %s: outcome %s, expected %s",
                 (long long)row->code, msiq_action_name(others[a]),
                 msiq_outcome_name(verdict.outcome),
                 msiq_outcome_name(expected->outcome));
      }
      assert_verdict(verdict, expected->outcome, expected->reboot_initiated,
                     expected->meaning);
    }
    assert_verdict(
        msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, row->code),
        expected->uninstall_outcome, expected->reboot_initiated,
        expected->uninstall_meaning);
  }
}

/* Codes between and around the rows are failures without a name. */
static void test_codes_outside_table(void **state) {
  (void)state;
  for (int64_t code = -3; code <= 3100; code++) {
    if (expected_find(code) != NULL) {
      continue;
    }
    assert_null(msiq_exit_code_name(code));
    for (int action = 0; action < MSIQ_ACTION_COUNT; action++) {
      assert_verdict(msiq_outcome_classify((msiq_action)action, NULL, 0, code),
                     MSIQ_OUTCOME_FAIL, false, "failed");
    }
  }
  size_t count = 0;
  msiq_exit_code_table(&count);
  assert_ptr_equal(msiq_exit_code_table(NULL), msiq_exit_code_table(&count));
}

static void test_default_table_for_install(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof install_defaults / sizeof install_defaults[0];
       i++) {
    const default_row *row = &install_defaults[i];
    msiq_verdict verdict =
        msiq_outcome_classify(MSIQ_ACTION_INSTALL, NULL, 0, row->code);
    if (verdict.outcome != row->outcome) {
      fail_msg("code %lld: outcome %s, expected %s", (long long)row->code,
               msiq_outcome_name(verdict.outcome),
               msiq_outcome_name(row->outcome));
    }
    assert_verdict(verdict, row->outcome, row->reboot_initiated, row->meaning);
  }
}

/* Patch and repair share the install table: only uninstall differs. */
static void test_default_table_for_other_actions(void **state) {
  (void)state;
  static const msiq_action actions[] = {MSIQ_ACTION_PATCH, MSIQ_ACTION_REPAIR};
  for (size_t a = 0; a < sizeof actions / sizeof actions[0]; a++) {
    for (size_t i = 0; i < sizeof install_defaults / sizeof install_defaults[0];
         i++) {
      const default_row *row = &install_defaults[i];
      assert_verdict(msiq_outcome_classify(actions[a], NULL, 0, row->code),
                     row->outcome, row->reboot_initiated, row->meaning);
    }
  }
}

static void test_uninstall_only_codes(void **state) {
  (void)state;
  static const int64_t codes[] = {1605, 1614};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    assert_verdict(
        msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, codes[i]),
        MSIQ_OUTCOME_SUCCESS, false, "not installed (nothing to uninstall)");
    assert_verdict(
        msiq_outcome_classify(MSIQ_ACTION_INSTALL, NULL, 0, codes[i]),
        MSIQ_OUTCOME_FAIL, false, "failed");
    assert_verdict(msiq_outcome_classify(MSIQ_ACTION_REPAIR, NULL, 0, codes[i]),
                   MSIQ_OUTCOME_FAIL, false, "failed");
  }
  /* The rest of the table is the same for an uninstall. */
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, 0),
                 MSIQ_OUTCOME_SUCCESS, false, "success");
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, 1641),
                 MSIQ_OUTCOME_REBOOT, true, "success, reboot initiated");
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, 1618),
                 MSIQ_OUTCOME_RETRY, false,
                 "another installation is in progress");
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, 1603),
                 MSIQ_OUTCOME_FAIL, false, "failed");
}

static void test_rules_override_defaults(void **state) {
  (void)state;
  static const char rule_meaning[] =
      "outcome set by the job's --exit-code rule";
  static const msiq_exit_code_rule rules[] = {
      {1603, MSIQ_OUTCOME_RETRY},   {0, MSIQ_OUTCOME_FAIL},
      {3010, MSIQ_OUTCOME_SUCCESS}, {1605, MSIQ_OUTCOME_FAIL},
      {42, MSIQ_OUTCOME_REBOOT},
  };
  size_t count = sizeof rules / sizeof rules[0];
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 1603),
                 MSIQ_OUTCOME_RETRY, false, rule_meaning);
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 0),
                 MSIQ_OUTCOME_FAIL, false, rule_meaning);
  /* 3010 as plain success: the job does not want a reboot recorded. */
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 3010),
                 MSIQ_OUTCOME_SUCCESS, false, rule_meaning);
  /* A rule beats the uninstall-only default too. */
  assert_verdict(
      msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, rules, count, 1605),
      MSIQ_OUTCOME_FAIL, false, rule_meaning);
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 42),
                 MSIQ_OUTCOME_REBOOT, false, rule_meaning);
  /* Codes without a rule still follow the default table. */
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 1618),
                 MSIQ_OUTCOME_RETRY, false,
                 "another installation is in progress");
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 1707),
                 MSIQ_OUTCOME_SUCCESS, false, "success");
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, count, 7),
                 MSIQ_OUTCOME_FAIL, false, "failed");
  /* A rule count of zero means no rules, whatever the pointer. */
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 0, 1603),
                 MSIQ_OUTCOME_FAIL, false, "failed");
}

static void test_rule_exact_match_only(void **state) {
  (void)state;
  static const msiq_exit_code_rule rules[] = {{1603, MSIQ_OUTCOME_SUCCESS}};
  assert_int_equal(
      msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 1, 1603).outcome,
      MSIQ_OUTCOME_SUCCESS);
  assert_int_equal(
      msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 1, 16030).outcome,
      MSIQ_OUTCOME_FAIL);
  assert_int_equal(
      msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 1, 160).outcome,
      MSIQ_OUTCOME_FAIL);
}

static void test_rule_with_damaged_outcome_is_ignored(void **state) {
  (void)state;
  msiq_exit_code_rule rules[1];
  rules[0].code = 0;
  rules[0].outcome = MSIQ_OUTCOME_COUNT;
  assert_verdict(msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 1, 0),
                 MSIQ_OUTCOME_SUCCESS, false, "success");
}

static void test_reboot_initiated_only_for_1641(void **state) {
  (void)state;
  static const msiq_outcome outcomes[] = {
      MSIQ_OUTCOME_SUCCESS, MSIQ_OUTCOME_REBOOT, MSIQ_OUTCOME_RETRY,
      MSIQ_OUTCOME_FAIL};
  static const bool expected[] = {true, true, false, false};
  for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
    msiq_exit_code_rule rules[2] = {{1641, outcomes[i]}, {3010, outcomes[i]}};
    msiq_verdict verdict =
        msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 2, 1641);
    assert_int_equal(verdict.outcome, outcomes[i]);
    assert_int_equal(verdict.reboot_initiated, expected[i]);
    /* Any other code, even a reboot one, never says a reboot started. */
    verdict = msiq_outcome_classify(MSIQ_ACTION_INSTALL, rules, 2, 3010);
    assert_int_equal(verdict.outcome, outcomes[i]);
    assert_false(verdict.reboot_initiated);
  }
  for (int64_t code = -5; code < 5000; code++) {
    msiq_verdict verdict =
        msiq_outcome_classify(MSIQ_ACTION_UNINSTALL, NULL, 0, code);
    assert_int_equal(verdict.reboot_initiated, code == 1641);
    assert_non_null(verdict.meaning);
  }
}

static void test_exit_code_names(void **state) {
  (void)state;
  static const struct {
    int64_t code;
    const char *name;
  } names[] = {
      {0, "ERROR_SUCCESS"},
      {1601, "ERROR_INSTALL_SERVICE_FAILURE"},
      {1602, "ERROR_INSTALL_USEREXIT"},
      {1603, "ERROR_INSTALL_FAILURE"},
      {1605, "ERROR_UNKNOWN_PRODUCT"},
      {1614, "ERROR_PRODUCT_UNINSTALLED"},
      {1618, "ERROR_INSTALL_ALREADY_RUNNING"},
      {1619, "ERROR_INSTALL_PACKAGE_OPEN_FAILED"},
      {1620, "ERROR_INSTALL_PACKAGE_INVALID"},
      {1624, "ERROR_INSTALL_TRANSFORM_FAILURE"},
      {1625, "ERROR_INSTALL_PACKAGE_REJECTED"},
      {1633, "ERROR_INSTALL_PLATFORM_UNSUPPORTED"},
      {1638, "ERROR_PRODUCT_VERSION"},
      {1639, "ERROR_INVALID_COMMAND_LINE"},
      {1641, "ERROR_SUCCESS_REBOOT_INITIATED"},
      {1642, "ERROR_PATCH_TARGET_NOT_FOUND"},
      {1643, "ERROR_PATCH_PACKAGE_REJECTED"},
      {1707, "ERROR_SUCCESS_PRODUCT_INSTALLED"},
      {3010, "ERROR_SUCCESS_REBOOT_REQUIRED"},
      {3011, "ERROR_SUCCESS_RESTART_REQUIRED"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *name = msiq_exit_code_name(names[i].code);
    if (name == NULL || strcmp(name, names[i].name) != 0) {
      fail_msg("code %lld: name %s, expected %s", (long long)names[i].code,
               name != NULL ? name : "(null)", names[i].name);
    }
  }
  assert_null(msiq_exit_code_name(1));
  assert_null(msiq_exit_code_name(1604));
  assert_null(msiq_exit_code_name(-1));
  assert_null(msiq_exit_code_name(INT64_C(4294967295)));
  assert_null(msiq_exit_code_name(INT64_MAX));
  assert_null(msiq_exit_code_name(INT64_MIN));
}

/* The constants in outcome.h name the codes the default table uses. */
static void test_exit_code_constants(void **state) {
  (void)state;
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_SUCCESS), "ERROR_SUCCESS");
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_INSTALL_FAILURE),
                      "ERROR_INSTALL_FAILURE");
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_INSTALL_ALREADY_RUNNING),
                      "ERROR_INSTALL_ALREADY_RUNNING");
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_SUCCESS_REBOOT_INITIATED),
                      "ERROR_SUCCESS_REBOOT_INITIATED");
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_SUCCESS_REBOOT_REQUIRED),
                      "ERROR_SUCCESS_REBOOT_REQUIRED");
  assert_string_equal(msiq_exit_code_name(MSIQ_EXIT_COMPLETED_SUCCESSFULLY),
                      "ERROR_SUCCESS_PRODUCT_INSTALLED");
}

static void test_backoff_sequence(void **state) {
  (void)state;
  const msiq_backoff backoff = {10 * SECOND, 300 * SECOND};
  static const int64_t nominal_seconds[] = {10, 20, 40, 80, 160, 300, 300};
  for (size_t i = 0; i < sizeof nominal_seconds / sizeof nominal_seconds[0];
       i++) {
    int64_t attempts = (int64_t)i + 1;
    int64_t nominal = nominal_seconds[i] * SECOND;
    int64_t low = msiq_backoff_delay(&backoff, attempts, 0.0);
    int64_t high = msiq_backoff_delay(&backoff, attempts, 0.999);
    assert_int_equal(low, nominal / 2);
    assert_int_equal(high,
                     nominal / 2 + (int64_t)(0.999 * (double)(nominal / 2)));
    assert_true(high >= nominal / 2);
    assert_true(high < nominal);
    int64_t middle = msiq_backoff_delay(&backoff, attempts, 0.5);
    assert_int_equal(middle, nominal / 2 + nominal / 4);
  }
  assert_int_equal(msiq_backoff_delay(&backoff, 1, 0.999), 9995);
  assert_int_equal(msiq_backoff_delay(&backoff, 6, 0.999), 299850);
}

/* The limit is the nominal delay, which no random fraction reaches; the
 * dispatcher clamps retry times a backwards clock step pushed past it. */
static void test_backoff_limit(void **state) {
  (void)state;
  const msiq_backoff backoff = {10 * SECOND, 300 * SECOND};
  static const int64_t nominal_seconds[] = {10, 20, 40, 80, 160, 300, 300};
  for (size_t i = 0; i < sizeof nominal_seconds / sizeof nominal_seconds[0];
       i++) {
    int64_t attempts = (int64_t)i + 1;
    int64_t limit = msiq_backoff_limit(&backoff, attempts);
    assert_int_equal(limit, nominal_seconds[i] * SECOND);
    assert_true(msiq_backoff_delay(&backoff, attempts, 0.999999) <= limit);
    assert_true(msiq_backoff_delay(&backoff, attempts, 1.0) <= limit);
  }
  assert_int_equal(msiq_backoff_limit(&backoff, 0), 10 * SECOND);
  assert_int_equal(msiq_backoff_limit(&backoff, INT64_MAX), 300 * SECOND);
  const msiq_backoff none = {0, 300 * SECOND};
  assert_int_equal(msiq_backoff_limit(&none, 3), 0);
  assert_int_equal(msiq_backoff_limit(NULL, 3), 0);
  /* A cap below 1 ms still waits 1 ms, as the delay does. */
  const msiq_backoff tiny = {5, 0};
  assert_int_equal(msiq_backoff_limit(&tiny, 2), 1);
  assert_int_equal(msiq_backoff_delay(&tiny, 2, 0.5), 1);
}

static void test_backoff_attempts_below_one(void **state) {
  (void)state;
  const msiq_backoff backoff = {10 * SECOND, 300 * SECOND};
  assert_int_equal(msiq_backoff_delay(&backoff, 0, 0.0), 5 * SECOND);
  assert_int_equal(msiq_backoff_delay(&backoff, -7, 0.0), 5 * SECOND);
  assert_int_equal(msiq_backoff_delay(&backoff, INT64_MIN, 0.0), 5 * SECOND);
}

static void test_backoff_does_not_overflow(void **state) {
  (void)state;
  const msiq_backoff backoff = {10 * SECOND, 300 * SECOND};
  assert_int_equal(msiq_backoff_delay(&backoff, 1000, 0.0), 150 * SECOND);
  assert_true(msiq_backoff_delay(&backoff, 1000, 0.999) < 300 * SECOND);
  assert_int_equal(msiq_backoff_delay(&backoff, INT64_MAX, 0.0), 150 * SECOND);

  /* A cap at INT64_MAX makes the doubling itself reach the limit. */
  const msiq_backoff uncapped = {INT64_MAX / 3, INT64_MAX};
  int64_t delay = msiq_backoff_delay(&uncapped, 1000, 0.0);
  assert_true(delay == INT64_MAX / 2);
  delay = msiq_backoff_delay(&uncapped, 1000, 0.999999);
  assert_true(delay >= INT64_MAX / 2);
  delay = msiq_backoff_delay(&uncapped, 1, 0.0);
  assert_true(delay == INT64_MAX / 6);

  const msiq_backoff tiny = {1, INT64_MAX};
  assert_true(msiq_backoff_delay(&tiny, 1000, 0.0) == INT64_MAX / 2);
  assert_int_equal(msiq_backoff_delay(&tiny, 11, 0.0), 512);
}

static void test_backoff_random_fraction_clamped(void **state) {
  (void)state;
  const msiq_backoff backoff = {10 * SECOND, 300 * SECOND};
  int64_t nominal = 10 * SECOND;
  assert_int_equal(msiq_backoff_delay(&backoff, 1, -0.5), nominal / 2);
  int64_t at_one = msiq_backoff_delay(&backoff, 1, 1.0);
  assert_true(at_one >= nominal / 2);
  assert_true(at_one < nominal);
  int64_t above_one = msiq_backoff_delay(&backoff, 1, 7.0);
  assert_true(above_one < nominal);
  double not_a_number = 0.0;
  not_a_number = not_a_number / not_a_number;
  assert_int_equal(msiq_backoff_delay(&backoff, 1, not_a_number), nominal / 2);
}

static void test_backoff_minimum_and_degenerate(void **state) {
  (void)state;
  /* A 1 ms base halves to 0; the delay is still at least 1 ms. */
  const msiq_backoff one = {1, 1};
  assert_int_equal(msiq_backoff_delay(&one, 1, 0.0), 1);
  assert_int_equal(msiq_backoff_delay(&one, 50, 0.999), 1);
  /* A cap below the base wins, but never below 1 ms. */
  const msiq_backoff capped = {10 * SECOND, 4 * SECOND};
  assert_int_equal(msiq_backoff_delay(&capped, 1, 0.0), 2 * SECOND);
  const msiq_backoff zero_cap = {10 * SECOND, 0};
  assert_int_equal(msiq_backoff_delay(&zero_cap, 3, 0.5), 1);
  /* No base means no wait. */
  const msiq_backoff none = {0, 300 * SECOND};
  assert_int_equal(msiq_backoff_delay(&none, 5, 0.5), 0);
  const msiq_backoff negative = {-10, 300 * SECOND};
  assert_int_equal(msiq_backoff_delay(&negative, 5, 0.5), 0);
  assert_int_equal(msiq_backoff_delay(NULL, 5, 0.5), 0);
}

/* `msiq wait`: the exit code for finished jobs. */

typedef struct wait_case_job {
  msiq_state state;
  bool has_exit_code;
  int64_t exit_code;
  bool reboot_required;
} wait_case_job;

/* At most this many jobs in one case. */
#define WAIT_CASE_MAX 8

/* Fills jobs (WAIT_CASE_MAX of them) from cases, ids 1, 2, ...; each is
 * msiq_job_cleanup()'d by the caller. */
static void wait_jobs_fill(msiq_job *jobs, const wait_case_job *cases,
                           size_t count) {
  assert_true(count <= WAIT_CASE_MAX);
  for (size_t i = 0; i < count; i++) {
    msiq_job_init(&jobs[i]);
    jobs[i].id = (int64_t)i + 1;
    jobs[i].state = cases[i].state;
    jobs[i].has_exit_code = cases[i].has_exit_code;
    jobs[i].exit_code = cases[i].exit_code;
    jobs[i].reboot_required = cases[i].reboot_required;
  }
}

static void wait_jobs_cleanup(msiq_job *jobs, size_t count) {
  for (size_t i = 0; i < count; i++) {
    msiq_job_cleanup(&jobs[i]);
  }
}

static int64_t wait_code_for(const wait_case_job *cases, size_t count) {
  msiq_job jobs[WAIT_CASE_MAX];
  wait_jobs_fill(jobs, cases, count);
  int64_t code = msiq_wait_exit_code(jobs, count);
  wait_jobs_cleanup(jobs, count);
  return code;
}

#define WAIT_CODE(...)                                                         \
  wait_code_for((const wait_case_job[]){__VA_ARGS__},                          \
                sizeof((const wait_case_job[]){__VA_ARGS__}) /                 \
                    sizeof(wait_case_job))

static void test_wait_all_succeeded(void **state) {
  (void)state;
  assert_int_equal(msiq_wait_exit_code(NULL, 0), 0);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 0, false}), 0);
  /* 1707 and an uninstall's 1605 are successes: wait says 0, not the code. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 0, false},
                             {MSIQ_STATE_SUCCEEDED, true, 1707, false},
                             {MSIQ_STATE_SUCCEEDED, true, 1605, false}),
                   0);
}

static void test_wait_first_failure_decides(void **state) {
  (void)state;
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 0, false},
                             {MSIQ_STATE_FAILED, true, 1605, false},
                             {MSIQ_STATE_FAILED, true, 1619, false}),
                   1605);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 1619, false},
                             {MSIQ_STATE_CANCELLED, true, 0, false}),
                   1619);
  /* A failure beats any reboot the other jobs reported. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 1641, true},
                             {MSIQ_STATE_SUCCEEDED, true, 3010, true},
                             {MSIQ_STATE_FAILED, true, 1638, false}),
                   1638);
}

static int64_t exec_code_for(const wait_case_job *cases, size_t count) {
  msiq_job jobs[WAIT_CASE_MAX];
  wait_jobs_fill(jobs, cases, count);
  int64_t code = msiq_exec_exit_code(jobs, count);
  wait_jobs_cleanup(jobs, count);
  return code;
}

#define EXEC_CODE(...)                                                         \
  exec_code_for((const wait_case_job[]){__VA_ARGS__},                          \
                sizeof((const wait_case_job[]){__VA_ARGS__}) /                 \
                    sizeof(wait_case_job))

/* exec answers 1618 after the retry budget; wait never does. */
static void test_exec_code_after_the_retry_budget(void **state) {
  (void)state;
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 1618, false}), 1603);
  assert_int_equal(EXEC_CODE({MSIQ_STATE_FAILED, true, 1618, false}), 1618);
  assert_int_equal(EXEC_CODE({MSIQ_STATE_SUCCEEDED, true, 0, false},
                             {MSIQ_STATE_FAILED, true, 1618, false}),
                   1618);
  /* The first failure decides, as for wait. */
  assert_int_equal(EXEC_CODE({MSIQ_STATE_FAILED, true, 1603, false},
                             {MSIQ_STATE_FAILED, true, 1618, false}),
                   1603);
  assert_int_equal(EXEC_CODE({MSIQ_STATE_CANCELLED, true, 1618, false}), 1602);
  assert_int_equal(EXEC_CODE({MSIQ_STATE_FAILED, false, 0, false}), 1603);
  assert_int_equal(EXEC_CODE({MSIQ_STATE_SUCCEEDED, true, 3010, true}), 3010);
  assert_int_equal(msiq_exec_exit_code(NULL, 0), 0);
}

static void test_wait_cancelled_is_user_exit(void **state) {
  (void)state;
  assert_int_equal(WAIT_CODE({MSIQ_STATE_CANCELLED, false, 0, false}), 1602);
  /* Whatever the last attempt answered before the cancel. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_CANCELLED, true, 0, false}), 1602);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_CANCELLED, true, 1618, false}), 1602);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 3010, true},
                             {MSIQ_STATE_CANCELLED, true, 1603, false},
                             {MSIQ_STATE_FAILED, true, 1619, false}),
                   1602);
}

/* Codes that would read as success or "try again" become 1603. */
static void test_wait_failure_without_a_failing_code(void **state) {
  (void)state;
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, false, 0, false}), 1603);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, false, 1619, false}), 1603);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 0, false}), 1603);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 1618, false}), 1603);
  /* Other codes a rule made failures come out as they are. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 1601, false}), 1601);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, 3010, false}), 3010);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_FAILED, true, -1, false}), -1);
}

static void test_wait_reboots(void **state) {
  (void)state;
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 3010, true}), 3010);
  /* 3011 and a rule's reboot outcome are "reboot required" too. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 3011, true}), 3010);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 42, true}), 3010);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 1641, true}), 1641);
  /* 1641 beats 3010 in either order. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 3010, true},
                             {MSIQ_STATE_SUCCEEDED, true, 1641, true}),
                   1641);
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 1641, true},
                             {MSIQ_STATE_SUCCEEDED, true, 3010, true},
                             {MSIQ_STATE_SUCCEEDED, true, 0, false}),
                   1641);
  /* A rule that made 1641 plain success still started a reboot. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, true, 1641, false}), 1641);
  /* An exit code that is not there says nothing. */
  assert_int_equal(WAIT_CODE({MSIQ_STATE_SUCCEEDED, false, 1641, false}), 0);
}

/* msiq_wait_is_over on jobs in the given states and exit codes. */
static bool wait_over_for(const wait_case_job *cases, size_t count) {
  msiq_job jobs[WAIT_CASE_MAX];
  wait_jobs_fill(jobs, cases, count);
  bool over = msiq_wait_is_over(jobs, count);
  wait_jobs_cleanup(jobs, count);
  return over;
}

#define WAIT_OVER(...)                                                         \
  wait_over_for((const wait_case_job[]){__VA_ARGS__},                          \
                sizeof((const wait_case_job[]){__VA_ARGS__}) /                 \
                    sizeof(wait_case_job))

/* A wait is over when every job finished, or at once when one ended with
 * 1641 (the others run after the reboot); its code is then 1641. */
static void test_wait_over_at_1641(void **state) {
  (void)state;
  assert_true(msiq_wait_is_over(NULL, 0));
  assert_true(WAIT_OVER({MSIQ_STATE_SUCCEEDED, true, 0, false},
                        {MSIQ_STATE_FAILED, true, 1603, false},
                        {MSIQ_STATE_CANCELLED, false, 0, false}));
  assert_false(WAIT_OVER({MSIQ_STATE_SUCCEEDED, true, 0, false},
                         {MSIQ_STATE_QUEUED, false, 0, false}));
  assert_false(WAIT_OVER({MSIQ_STATE_RUNNING, false, 0, false}));
  /* 3010 is no reason to stop waiting for the rest. */
  assert_false(WAIT_OVER({MSIQ_STATE_SUCCEEDED, true, 3010, true},
                         {MSIQ_STATE_QUEUED, false, 0, false}));
  /* 1641 ends it, before or after the unfinished jobs. */
  assert_true(WAIT_OVER({MSIQ_STATE_SUCCEEDED, true, 1641, true},
                        {MSIQ_STATE_QUEUED, false, 0, false},
                        {MSIQ_STATE_RETRYING, true, 1618, false}));
  assert_true(WAIT_OVER({MSIQ_STATE_QUEUED, false, 0, false},
                        {MSIQ_STATE_SUCCEEDED, true, 1641, true}));
  assert_int_equal(WAIT_CODE({MSIQ_STATE_QUEUED, false, 0, false},
                             {MSIQ_STATE_SUCCEEDED, true, 1641, true}),
                   1641);
  /* A job retrying after 1641 (a rule said retry) has not ended, nor has a
   * job whose last attempt said 1641 but which still runs. */
  assert_false(WAIT_OVER({MSIQ_STATE_RETRYING, true, 1641, false}));
  assert_false(WAIT_OVER({MSIQ_STATE_RUNNING, true, 1641, false},
                         {MSIQ_STATE_QUEUED, false, 0, false}));
  /* A failure with 1641 (a rule said fail) ends it like any failure would
   * once all have finished, not early. */
  assert_false(WAIT_OVER({MSIQ_STATE_FAILED, true, 1641, false},
                         {MSIQ_STATE_QUEUED, false, 0, false}));
}

static void assert_described(int64_t code, const char *system_message,
                             const char *expected) {
  char text[256];
  memset(text, 'x', sizeof text);
  msiq_exit_code_describe(code, system_message, text, sizeof text);
  assert_string_equal(text, expected);
}

static void test_exit_code_describe(void **state) {
  (void)state;
  /* The table's codes by their name, whatever the system says. */
  assert_described(1603, NULL, "1603 (ERROR_INSTALL_FAILURE)");
  assert_described(0, "The operation completed successfully.",
                   "0 (ERROR_SUCCESS)");
  /* Other codes with the system's message, made one line without the
   * full stop; without one, the number alone (the POSIX host). */
  assert_described(5, "Access is denied.\r\n", "5 (Access is denied)");
  assert_described(2, "  The system cannot\r\nfind the file specified. \r\n",
                   "2 (The system cannot find the file specified)");
  assert_described(42, NULL, "42");
  assert_described(42, "", "42");
  assert_described(42, " \r\n. ", "42");
  /* -1 is 0xFFFFFFFF to Windows. */
  assert_described(-1, NULL, "0xFFFFFFFF");
  /* Exception statuses in hex, named from the table when it knows them,
   * negative ones too (the same 32 bits). */
  assert_described(INT64_C(0xC0000005), NULL,
                   "0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)");
  assert_described(-1073741819, "ignored",
                   "0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)");
  assert_described(INT64_C(0xC0000142), NULL,
                   "0xC0000142 (STATUS_DLL_INIT_FAILED: a DLL failed to "
                   "initialize)");
  assert_described(INT64_C(0xC0000001), NULL, "0xC0000001");
  assert_described(INT64_C(0xC0000001), "Unsuccessful.",
                   "0xC0000001 (Unsuccessful)");
  assert_described(INT64_C(0xFFFFFFFF), NULL, "0xFFFFFFFF");
  /* Below 0xC0000000: decimal, as msiexec's codes are. */
  assert_described(INT64_C(0xBFFFFFFF), NULL, "3221225471");

  /* A small buffer is cut, never overrun. */
  char small[8];
  msiq_exit_code_describe(1603, NULL, small, sizeof small);
  assert_string_equal(small, "1603 (E");
}

static void test_ntstatus_table(void **state) {
  (void)state;
  assert_true(msiq_exit_code_is_ntstatus(INT64_C(0xC0000000)));
  assert_true(msiq_exit_code_is_ntstatus(-1));
  assert_false(msiq_exit_code_is_ntstatus(INT64_C(0xBFFFFFFF)));
  assert_false(msiq_exit_code_is_ntstatus(1603));
  assert_false(msiq_exit_code_is_ntstatus(INT64_C(0x100000000)));
  assert_int_equal(msiq_exit_code_unsigned(-1), INT64_C(0xFFFFFFFF));
  assert_int_equal(msiq_exit_code_unsigned(INT64_C(-0x80000001)), -1);
  static const struct {
    int64_t code;
    const char *name;
  } known[] = {
      {INT64_C(0xC0000005), "STATUS_ACCESS_VIOLATION"},
      {INT64_C(0xC00000FD), "STATUS_STACK_OVERFLOW"},
      {INT64_C(0xC000013A), "STATUS_CONTROL_C_EXIT"},
      {INT64_C(0xC0000142), "STATUS_DLL_INIT_FAILED"},
      {INT64_C(0xC0000409), "STATUS_STACK_BUFFER_OVERRUN"},
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    const msiq_ntstatus_row *row = msiq_ntstatus_find(known[i].code);
    assert_non_null(row);
    assert_string_equal(row->name, known[i].name);
    assert_non_null(row->meaning);
  }
  assert_null(msiq_ntstatus_find(INT64_C(0xC0000001)));
  assert_null(msiq_ntstatus_find(5));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_rows),
      cmocka_unit_test(test_codes_outside_table),
      cmocka_unit_test(test_default_table_for_install),
      cmocka_unit_test(test_default_table_for_other_actions),
      cmocka_unit_test(test_uninstall_only_codes),
      cmocka_unit_test(test_rules_override_defaults),
      cmocka_unit_test(test_rule_exact_match_only),
      cmocka_unit_test(test_rule_with_damaged_outcome_is_ignored),
      cmocka_unit_test(test_reboot_initiated_only_for_1641),
      cmocka_unit_test(test_exit_code_names),
      cmocka_unit_test(test_exit_code_describe),
      cmocka_unit_test(test_ntstatus_table),
      cmocka_unit_test(test_exit_code_constants),
      cmocka_unit_test(test_backoff_sequence),
      cmocka_unit_test(test_backoff_limit),
      cmocka_unit_test(test_backoff_attempts_below_one),
      cmocka_unit_test(test_backoff_does_not_overflow),
      cmocka_unit_test(test_backoff_random_fraction_clamped),
      cmocka_unit_test(test_backoff_minimum_and_degenerate),
      cmocka_unit_test(test_wait_all_succeeded),
      cmocka_unit_test(test_wait_first_failure_decides),
      cmocka_unit_test(test_wait_cancelled_is_user_exit),
      cmocka_unit_test(test_exec_code_after_the_retry_budget),
      cmocka_unit_test(test_wait_failure_without_a_failing_code),
      cmocka_unit_test(test_wait_reboots),
      cmocka_unit_test(test_wait_over_at_1641),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
