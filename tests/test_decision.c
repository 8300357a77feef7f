/* test_decision.c: what becomes of a job when an attempt ends (state,
 * retry time, history texts, reboot and pause), and the job event texts. */
#include "test_support.h"

#include <string.h>

#include "core/decision.h"

#define SECOND INT64_C(1000)
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

/* 2026-03-14T01:59:26Z, when the attempt in these tests finishes. */
#define FINISHED_AT INT64_C(1773453566000)
#define BOOT_TIME   INT64_C(1773400000000)

/* An install of job 7 that ran for a minute, its first attempt, with the
 * dispatcher's default retry policy and a jitter fraction of one half. */
static msiq_attempt_facts facts_for_exit(int64_t exit_code) {
  msiq_attempt_facts facts = {
      .job_id = 7,
      .action = MSIQ_ACTION_INSTALL,
      .attempts_before = 0,
      .max_attempts = 10,
      .first_started_at = MSIQ_TIME_UNSET,
      .started_at = FINISHED_AT - MINUTE,
      .finished_at = FINISHED_AT,
      .ending = MSIQ_ATTEMPT_EXITED,
      .exit_code = exit_code,
      .timeout_ms = 2 * HOUR,
      .retry = {{10 * SECOND, 5 * MINUTE}, DAY},
      .random_fraction = 0.5,
      .boot_time = BOOT_TIME,
  };
  return facts;
}

static msiq_attempt_facts facts_for_worker(int64_t result);

static msiq_attempt_decision decide(const msiq_attempt_facts *facts) {
  msiq_attempt_decision decision;
  /* Garbage first: the decision must set every field itself. */
  memset(&decision, 0x5a, sizeof decision);
  msiq_attempt_decide(facts, &decision);
  return decision;
}

static void assert_no_pause(const msiq_attempt_decision *decision) {
  assert_false(decision->pause_queue);
  assert_int_equal(decision->boot_time, 0);
  assert_string_equal(decision->pause_reason, "");
}

static void test_success(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(0);
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "succeeded");
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_true(decision.has_exit_code);
  assert_false(decision.reboot_required);
  assert_no_pause(&decision);
  assert_string_equal(decision.message, "exit code 0 (ERROR_SUCCESS): success");
  assert_string_equal(decision.last_error, "");

  facts = facts_for_exit(1707);
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_string_equal(decision.message,
                      "exit code 1707 (ERROR_SUCCESS_PRODUCT_INSTALLED): "
                      "success");
}

static void test_reboot_required(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(3010);
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "reboot");
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_true(decision.reboot_required);
  assert_no_pause(&decision);
  assert_string_equal(decision.message,
                      "exit code 3010 (ERROR_SUCCESS_REBOOT_REQUIRED): "
                      "success, reboot required");
  assert_string_equal(decision.last_error, "");
}

/* 1641: the installer started a reboot, so the queue pauses and remembers
 * the boot time it must see change. */
static void test_reboot_initiated_pauses(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1641);
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "reboot");
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_true(decision.reboot_required);
  assert_true(decision.pause_queue);
  assert_true(decision.boot_time == BOOT_TIME);
  assert_string_equal(decision.pause_reason,
                      "reboot initiated by job 7 (exit 1641); resume after "
                      "the reboot");
  assert_string_equal(decision.message,
                      "exit code 1641 (ERROR_SUCCESS_REBOOT_INITIATED): "
                      "success, reboot initiated");

  /* A rule that calls 1641 plain success still pauses (the reboot is
   * happening); one that calls it a retry does not. */
  static const msiq_exit_code_rule success_rule[] = {
      {1641, MSIQ_OUTCOME_SUCCESS}};
  facts.exit_code_rules = success_rule;
  facts.exit_code_rule_count = 1;
  facts.job_id = 12;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "succeeded");
  assert_false(decision.reboot_required);
  assert_true(decision.pause_queue);
  assert_string_equal(decision.pause_reason,
                      "reboot initiated by job 12 (exit 1641); resume after "
                      "the reboot");
  static const msiq_exit_code_rule retry_rule[] = {{1641, MSIQ_OUTCOME_RETRY}};
  facts.exit_code_rules = retry_rule;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);
  assert_no_pause(&decision);
}

static void test_failure_without_log_excerpt(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1603);
  assert_true(msiq_attempt_wants_log_excerpt(&facts));
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "failed");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_false(decision.reboot_required);
  assert_no_pause(&decision);
  assert_string_equal(decision.message,
                      "exit code 1603 (ERROR_INSTALL_FAILURE): failed");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE)");

  /* A code without a name. */
  facts = facts_for_exit(42);
  decision = decide(&facts);
  assert_string_equal(decision.message, "exit code 42: failed");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 42");

  /* The same with the system's message for it, as the Windows host gives
   * one (FormatMessageW): named in the history and the last error, on one
   * line. */
  facts = facts_for_exit(5);
  facts.exit_code_message = "Access is denied.\r\n";
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "exit code 5 (Access is denied): failed");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 5 (Access is denied)");
  /* The table's name wins over the system's message. */
  facts = facts_for_exit(1603);
  facts.exit_code_message = "Fatal error during installation.";
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "exit code 1603 (ERROR_INSTALL_FAILURE): failed");
}

static void test_exception_status_of_a_plain_program(void **state) {
  (void)state;
  /* A program that speaks no protocol and crashed: judged by its exit
   * code, written in hex with its name. A negative value (a DWORD read as
   * a signed int) is the same status. */
  msiq_attempt_facts facts = facts_for_exit(INT64_C(0xC00000FD));
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.message,
                      "exit code 0xC00000FD (STATUS_STACK_OVERFLOW: stack "
                      "overflow): failed");
  facts = facts_for_exit(-1073741510); /* 0xC000013A */
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "exit code 0xC000013A (STATUS_CONTROL_C_EXIT: ended by "
                      "Ctrl+C): failed");
  /* An HRESULT-like value stays hex without a name. */
  facts = facts_for_worker(0);
  facts.has_result = false;
  facts.exit_code = INT64_C(0x80070005);
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "the worker ended without a result, exit code "
                      "0x80070005");
}

static void test_failure_with_log_excerpt(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1603);
  facts.log_excerpt = "Error 1722. A custom action failed.\n"
                      "Action ended 10:00:01: InstallFinalize. Return value 3.";
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  /* The history line stays one line; last_error carries the log lines. */
  assert_string_equal(decision.message,
                      "exit code 1603 (ERROR_INSTALL_FAILURE): failed");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE); from the log:\n"
                      "Error 1722. A custom action failed.\n"
                      "Action ended 10:00:01: InstallFinalize. Return value "
                      "3.");

  /* An excerpt longer than last_error is cut, not overrun. */
  static char long_excerpt[4096];
  memset(long_excerpt, 'x', sizeof long_excerpt - 1);
  long_excerpt[sizeof long_excerpt - 1] = '\0';
  facts.log_excerpt = long_excerpt;
  decision = decide(&facts);
  assert_int_equal(strlen(decision.last_error), sizeof decision.last_error - 1);
  assert_true(strncmp(decision.last_error,
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE); from the log:\nxxx",
                      70) == 0);
}

/* The log is read only when the decision would show it. */
static void test_wants_log_excerpt(void **state) {
  (void)state;
  static const int64_t not_failures[] = {0, 1707, 3010, 1641, 1618, 1601};
  for (size_t i = 0; i < sizeof not_failures / sizeof not_failures[0]; i++) {
    msiq_attempt_facts facts = facts_for_exit(not_failures[i]);
    assert_false(msiq_attempt_wants_log_excerpt(&facts));
    /* An excerpt given anyway is not shown. */
    facts.log_excerpt = "Return value 3.";
    msiq_attempt_decision decision = decide(&facts);
    assert_null(strstr(decision.last_error, "from the log"));
  }
  msiq_attempt_facts facts = facts_for_exit(1603);
  facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
  assert_false(msiq_attempt_wants_log_excerpt(&facts));
  facts.ending = MSIQ_ATTEMPT_CANCELLED;
  assert_false(msiq_attempt_wants_log_excerpt(&facts));

  /* The job's rules count: 0=fail shows the log, 1603=retry does not. */
  static const msiq_exit_code_rule rules[] = {{0, MSIQ_OUTCOME_FAIL},
                                              {1603, MSIQ_OUTCOME_RETRY}};
  facts = facts_for_exit(0);
  facts.exit_code_rules = rules;
  facts.exit_code_rule_count = 2;
  assert_true(msiq_attempt_wants_log_excerpt(&facts));
  facts.exit_code = 1603;
  assert_false(msiq_attempt_wants_log_excerpt(&facts));
}

static void test_rules_override_table(void **state) {
  (void)state;
  static const msiq_exit_code_rule rules[] = {
      {1603, MSIQ_OUTCOME_SUCCESS},
      {0, MSIQ_OUTCOME_FAIL},
      {3010, MSIQ_OUTCOME_RETRY},
      {42, MSIQ_OUTCOME_REBOOT},
  };
  msiq_attempt_facts facts = facts_for_exit(1603);
  facts.exit_code_rules = rules;
  facts.exit_code_rule_count = sizeof rules / sizeof rules[0];

  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "succeeded");
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_string_equal(decision.message,
                      "exit code 1603 (ERROR_INSTALL_FAILURE): outcome set "
                      "by the job's --exit-code rule");
  assert_string_equal(decision.last_error, "");

  facts.exit_code = 0;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "failed");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 0 (ERROR_SUCCESS)");

  facts.exit_code = 3010;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "retry");
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);
  assert_false(decision.reboot_required);

  facts.exit_code = 42;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "reboot");
  assert_true(decision.reboot_required);
  assert_no_pause(&decision);
  assert_string_equal(decision.message,
                      "exit code 42: outcome set by the job's --exit-code "
                      "rule");

  /* The uninstall-only meaning applies without a rule. */
  facts = facts_for_exit(1605);
  facts.action = MSIQ_ACTION_UNINSTALL;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_string_equal(decision.message,
                      "exit code 1605 (ERROR_UNKNOWN_PRODUCT): not installed "
                      "(nothing to uninstall)");
}

/* retry_at is the finish time plus the backoff for the attempts so far:
 * base * 2^(attempts - 1), capped, half fixed and half times the fraction. */
static void test_retry_at_is_finish_plus_backoff(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1618);
  facts.attempts_before = 2; /* this is the third: nominal 40s */
  facts.first_started_at = FINISHED_AT - 10 * MINUTE;
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "retry");
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);
  assert_true(decision.retry_at == FINISHED_AT + 30 * SECOND);
  assert_true(decision.has_exit_code);
  assert_no_pause(&decision);
  assert_string_equal(decision.message,
                      "exit code 1618 (ERROR_INSTALL_ALREADY_RUNNING): "
                      "another installation is in progress");
  assert_string_equal(decision.last_error,
                      "exit code 1618 (ERROR_INSTALL_ALREADY_RUNNING): "
                      "another installation is in progress; next attempt at "
                      "2026-03-14T01:59:56Z");

  facts.random_fraction = 0.0;
  decision = decide(&facts);
  assert_true(decision.retry_at == FINISHED_AT + 20 * SECOND);
  assert_string_equal(decision.last_error,
                      "exit code 1618 (ERROR_INSTALL_ALREADY_RUNNING): "
                      "another installation is in progress; next attempt at "
                      "2026-03-14T01:59:46Z");
  facts.random_fraction = 0.999;
  decision = decide(&facts);
  assert_true(decision.retry_at == FINISHED_AT + 39980);

  /* Far into the attempts the cap (5m) holds: half of it at fraction 0. */
  facts.attempts_before = 8;
  facts.max_attempts = 100;
  facts.random_fraction = 0.0;
  decision = decide(&facts);
  assert_true(decision.retry_at == FINISHED_AT + 150 * SECOND);
  assert_string_equal(decision.last_error,
                      "exit code 1618 (ERROR_INSTALL_ALREADY_RUNNING): "
                      "another installation is in progress; next attempt at "
                      "2026-03-14T02:01:56Z");
}

static void test_retry_until_last_attempt(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1618);
  facts.first_started_at = FINISHED_AT - 3 * MINUTE;

  /* One below the limit: another attempt. */
  facts.attempts_before = 8;
  facts.max_attempts = 10;
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);
  assert_true(decision.retry_at != MSIQ_TIME_UNSET);

  /* attempts + 1 == max: this was the last one. */
  facts.attempts_before = 9;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "retry");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_string_equal(decision.last_error,
                      "another installation kept running: exit code 1618 "
                      "(ERROR_INSTALL_ALREADY_RUNNING) (another installation "
                      "is in progress) on each of 10 attempts over 3m");
  assert_string_equal(decision.message,
                      "exit code 1618 (ERROR_INSTALL_ALREADY_RUNNING): "
                      "another installation is in progress");

  /* A single allowed attempt; the elapsed time counts from this start. */
  facts = facts_for_exit(1601);
  facts.max_attempts = 1;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.last_error,
                      "gave up retrying: exit code 1601 "
                      "(ERROR_INSTALL_SERVICE_FAILURE) (Windows Installer "
                      "service could not be reached) on each of 1 attempts "
                      "over 1m");
}

static void test_retry_until_give_up_after(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1618);
  facts.attempts_before = 3;

  /* Just below the budget: another attempt. */
  facts.first_started_at = FINISHED_AT - DAY + 1;
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);

  /* Exactly the budget: no more. */
  facts.first_started_at = FINISHED_AT - DAY;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "retry");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_string_equal(decision.last_error,
                      "another installation kept running: still exit code "
                      "1618 (ERROR_INSTALL_ALREADY_RUNNING) (another "
                      "installation is in progress) after 1d (give-up-after "
                      "1d)");

  /* The first start, not this attempt's, is what counts. */
  facts.first_started_at = FINISHED_AT - 2 * HOUR;
  facts.started_at = FINISHED_AT - MINUTE;
  facts.retry.give_up_after_ms = 90 * MINUTE;
  facts.exit_code = 1601;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.last_error,
                      "gave up retrying: still exit code 1601 "
                      "(ERROR_INSTALL_SERVICE_FAILURE) (Windows Installer "
                      "service could not be reached) after 2h (give-up-after "
                      "1h30m)");

  /* Without an earlier start, this attempt's start counts. */
  facts.first_started_at = MSIQ_TIME_UNSET;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_RETRYING);
  facts.started_at = FINISHED_AT - 90 * MINUTE;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
}

static void test_timed_out(void **state) {
  (void)state;
  /* Whatever the stopped installer's exit code says, it is not judged. */
  static const int64_t codes[] = {0, 1641, 1603};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    msiq_attempt_facts facts = facts_for_exit(codes[i]);
    facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
    facts.timeout_ms = 90 * MINUTE;
    msiq_attempt_decision decision = decide(&facts);
    assert_string_equal(decision.attempt_outcome, "timed_out");
    assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
    assert_false(decision.has_exit_code);
    assert_false(decision.reboot_required);
    assert_true(decision.retry_at == MSIQ_TIME_UNSET);
    assert_no_pause(&decision);
    assert_string_equal(decision.last_error,
                        "timed out after 1h30m; the installer and every "
                        "process it started were stopped at once (it speaks "
                        "no worker protocol, so it could not be asked to "
                        "roll back)");
    assert_string_equal(decision.message, decision.last_error);
  }
}

static void test_cancelled_while_running(void **state) {
  (void)state;
  static const int64_t codes[] = {0, 1641, 1618};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    msiq_attempt_facts facts = facts_for_exit(codes[i]);
    facts.ending = MSIQ_ATTEMPT_CANCELLED;
    msiq_attempt_decision decision = decide(&facts);
    assert_string_equal(decision.attempt_outcome, "cancelled");
    assert_int_equal(decision.new_state, MSIQ_STATE_CANCELLED);
    assert_false(decision.has_exit_code);
    assert_false(decision.reboot_required);
    assert_true(decision.retry_at == MSIQ_TIME_UNSET);
    assert_no_pause(&decision);
    assert_string_equal(decision.last_error,
                        "cancelled by an administrator while running; the "
                        "installer and every process it started were "
                        "stopped at once (it speaks no worker protocol, so "
                        "it could not be asked to roll back)");
    assert_string_equal(decision.message, decision.last_error);
  }
}

/* The worker's side (docs/engine.md). */

static void assert_starts_with(const char *text, const char *prefix) {
  if (strncmp(text, prefix, strlen(prefix)) != 0) {
    fail_msg("'%s' does not start with '%s'", text, prefix);
  }
}

/* A worker of job 7 that said hello and returned `result`. */
static msiq_attempt_facts facts_for_worker(int64_t result) {
  msiq_attempt_facts facts = facts_for_exit(result);
  facts.speaks_protocol = true;
  facts.has_result = true;
  facts.result = result;
  return facts;
}

static void test_worker_result_is_judged(void **state) {
  (void)state;
  /* The API's return code counts, not the process's exit code. */
  msiq_attempt_facts facts = facts_for_worker(1603);
  facts.exit_code = 0;
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.has_exit_code);
  assert_int_equal(decision.exit_code, 1603);
  assert_string_equal(decision.message,
                      "exit code 1603 (ERROR_INSTALL_FAILURE): failed");
  facts = facts_for_worker(3010);
  facts.exit_code = 1;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "reboot");
  assert_int_equal(decision.exit_code, 3010);
  /* A result from an installer that never said hello is not believed. */
  facts.speaks_protocol = false;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_int_equal(decision.exit_code, 1);
}

static void test_worker_error_record_explains_a_failure(void **state) {
  (void)state;
  msiq_worker_error error = {
      1722,
      "There is a problem with this Windows Installer package.\r\n"
      "A program run as part of the setup did not finish as expected.",
      "CA_Run"};
  msiq_attempt_facts facts = facts_for_worker(1603);
  facts.error = &error;
  facts.files_in_use = "Notepad\nWINWORD.EXE";
  facts.log_excerpt = "Return value 3.";
  assert_true(msiq_attempt_wants_log_excerpt(&facts));
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  /* One line for the history, whatever line breaks the text had. */
  assert_string_equal(decision.message,
                      "error 1722 in action CA_Run: There is a problem with "
                      "this Windows Installer package.  A program run as "
                      "part of the setup did not finish as expected.");
  assert_string_equal(decision.last_error,
                      "error 1722 in action CA_Run: There is a problem with "
                      "this Windows Installer package.  A program run as "
                      "part of the setup did not finish as expected.\n"
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE)\n"
                      "files in use: Notepad WINWORD.EXE; from the log:\n"
                      "Return value 3.");

  /* No action was running. */
  error.action = "";
  error.text = "Out of disk space.";
  facts.files_in_use = NULL;
  facts.log_excerpt = NULL;
  decision = decide(&facts);
  assert_string_equal(decision.message, "error 1722: Out of disk space.");
  assert_string_equal(decision.last_error,
                      "error 1722: Out of disk space.\n"
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE)");

  /* A success keeps its own message: an error record on the way (a
   * warning Windows Installer recovered from) does not make it a failure. */
  facts = facts_for_worker(0);
  facts.error = &error;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_string_equal(decision.message, "exit code 0 (ERROR_SUCCESS): success");
  assert_string_equal(decision.last_error, "");
}

static void test_worker_without_result_failed(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_worker(0);
  facts.has_result = false;
  facts.exit_code = INT64_C(0xC0000005);
  assert_true(msiq_attempt_wants_log_excerpt(&facts));
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "failed");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_true(decision.has_exit_code);
  assert_true(decision.exit_code == INT64_C(0xC0000005));
  assert_string_equal(decision.message,
                      "the worker ended without a result, exit code "
                      "0xC0000005 (STATUS_ACCESS_VIOLATION: access "
                      "violation)");
  assert_string_equal(decision.last_error, decision.message);

  /* Even exit code 0 is no success without a result; a POSIX signal's
   * code is written as a number. */
  facts.exit_code = 0;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.message, "the worker ended without a result, "
                                        "exit code 0 (ERROR_SUCCESS)");
  facts.exit_code = 139;
  msiq_worker_error error = {2203, "Database: C:\\a.msi. Cannot open", NULL};
  facts.error = &error;
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "error 2203: Database: C:\\a.msi. Cannot open");
  assert_string_equal(decision.last_error,
                      "error 2203: Database: C:\\a.msi. Cannot open\n"
                      "the worker ended without a result, exit code 139");
}

static void test_worker_cancel_rolls_back(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_worker(1602);
  facts.ending = MSIQ_ATTEMPT_CANCELLED;
  facts.stop_method = MSIQ_STOP_WORKER_ENDED;
  assert_false(msiq_attempt_wants_log_excerpt(&facts));
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "cancelled");
  assert_int_equal(decision.new_state, MSIQ_STATE_CANCELLED);
  assert_true(decision.has_exit_code);
  assert_int_equal(decision.exit_code, 1602);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_no_pause(&decision);
  assert_string_equal(decision.last_error,
                      "cancelled by an administrator while running; Windows "
                      "Installer rolled the installation back");
  assert_string_equal(decision.message, decision.last_error);

  facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
  facts.timeout_ms = 90 * MINUTE;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "timed_out");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_int_equal(decision.exit_code, 1602);
  assert_string_equal(decision.last_error,
                      "timed out after 1h30m; Windows Installer rolled the "
                      "installation back");
}

static void test_worker_cancel_grace_ran_out(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_worker(0);
  facts.has_result = false;
  facts.exit_code = 137;
  facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
  facts.timeout_ms = 2 * HOUR;
  facts.stop_method = MSIQ_STOP_TREE_AFTER_GRACE;
  facts.cancel_grace_ms = 10 * MINUTE;
  facts.files_in_use = "msiexec.exe";
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "timed_out");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_false(decision.has_exit_code);
  assert_string_equal(decision.last_error,
                      "timed out after 2h; the worker was asked to cancel but "
                      "had not ended after the cancel grace of 10m, so it "
                      "and every process it started were stopped; the "
                      "Windows Installer service may still be running or "
                      "rolling back that installation\n"
                      "files in use: msiexec.exe");
  assert_string_equal(decision.message,
                      "timed out after 2h; the worker was asked to cancel but "
                      "had not ended after the cancel grace of 10m, so it "
                      "and every process it started were stopped; the "
                      "Windows Installer service may still be running or "
                      "rolling back that installation");
  facts.ending = MSIQ_ATTEMPT_CANCELLED;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_CANCELLED);
  assert_starts_with(decision.last_error,
                     "cancelled by an administrator while running; the "
                     "worker was asked to cancel but had not ended");
}

static void test_worker_cancel_came_too_late(void **state) {
  (void)state;
  /* The installation finished before the cancel could stop it: it is
   * installed, and the record says so. */
  msiq_attempt_facts facts = facts_for_worker(0);
  facts.ending = MSIQ_ATTEMPT_CANCELLED;
  facts.stop_method = MSIQ_STOP_WORKER_ENDED;
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "succeeded");
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_true(decision.has_exit_code);
  assert_string_equal(decision.message,
                      "exit code 0 (ERROR_SUCCESS): success (cancelled by an "
                      "administrator while running, but the installation "
                      "finished before the cancel took effect)");
  assert_string_equal(decision.last_error, "");
  facts = facts_for_worker(3010);
  facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
  facts.stop_method = MSIQ_STOP_WORKER_ENDED;
  facts.timeout_ms = HOUR;
  decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "reboot");
  assert_true(decision.reboot_required);
  assert_string_equal(decision.message,
                      "exit code 3010 (ERROR_SUCCESS_REBOOT_REQUIRED): "
                      "success, reboot required (timed out after 1h, but the "
                      "installation finished before the cancel took effect)");
}

static void test_worker_cancel_ended_otherwise(void **state) {
  (void)state;
  /* Any other code after a cancel: the job ends as the cancel or the
   * timeout wanted (never retried), and the code is said. */
  msiq_worker_error error = {1603, "Fatal error during installation.",
                             "InstallFinalize"};
  msiq_attempt_facts facts = facts_for_worker(1603);
  facts.ending = MSIQ_ATTEMPT_CANCELLED;
  facts.stop_method = MSIQ_STOP_WORKER_ENDED;
  facts.error = &error;
  msiq_attempt_decision decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_CANCELLED);
  assert_int_equal(decision.exit_code, 1603);
  assert_string_equal(decision.last_error,
                      "cancelled by an administrator while running; the "
                      "installation ended with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE): failed\n"
                      "error 1603 in action InstallFinalize: Fatal error "
                      "during installation.");
  facts = facts_for_worker(1618);
  facts.ending = MSIQ_ATTEMPT_TIMED_OUT;
  facts.stop_method = MSIQ_STOP_WORKER_ENDED;
  facts.timeout_ms = HOUR;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_starts_with(decision.last_error,
                     "timed out after 1h; the installation ended with exit "
                     "code 1618 (ERROR_INSTALL_ALREADY_RUNNING)");
  /* Without a result. */
  facts.has_result = false;
  facts.exit_code = INT64_C(0xC0000409);
  decision = decide(&facts);
  assert_true(decision.has_exit_code);
  assert_string_equal(decision.last_error,
                      "timed out after 1h; the worker ended without a result, "
                      "exit code 0xC0000409 (STATUS_STACK_BUFFER_OVERRUN: "
                      "stack buffer overrun (fail fast))");
}

/* Job events. */

static void assert_event_text(const msiq_job_event *event,
                              const char *expected) {
  char text[1200];
  msiq_job_event_format(event, text, sizeof text);
  assert_string_equal(text, expected);
}

static void test_event_started(void **state) {
  (void)state;
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_STARTED,
      .job_id = 7,
      .action = "install",
      .target = "C:\\pkg\\app.msi",
      .attempt_number = 2,
  };
  assert_event_text(&event,
                    "msiq job 7 started: install C:\\pkg\\app.msi (attempt 2)");
}

static void test_event_succeeded(void **state) {
  (void)state;
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_SUCCEEDED,
      .job_id = 7,
      .action = "patch",
      .target = "C:\\pkg\\fix.msp",
      .attempt_number = 1,
      .detail = "exit code 0 (ERROR_SUCCESS): success",
  };
  assert_event_text(&event, "msiq job 7 succeeded: patch C:\\pkg\\fix.msp "
                            "(attempt 1, exit code 0 (ERROR_SUCCESS): "
                            "success)");
  event.reboot_required = true;
  event.detail = "exit code 3010 (ERROR_SUCCESS_REBOOT_REQUIRED): success, "
                 "reboot required";
  assert_event_text(&event,
                    "msiq job 7 succeeded: patch C:\\pkg\\fix.msp (attempt 1, "
                    "exit code 3010 (ERROR_SUCCESS_REBOOT_REQUIRED): success, "
                    "reboot required); a reboot is required");
}

static void test_event_failed_and_cancelled(void **state) {
  (void)state;
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_FAILED,
      .job_id = 31,
      .action = "uninstall",
      .target = "{12345678-1234-1234-1234-123456789ABC}",
      .detail = "deadline passed before the job could start",
  };
  assert_event_text(&event, "msiq job 31 failed: uninstall "
                            "{12345678-1234-1234-1234-123456789ABC}: deadline "
                            "passed before the job could start");
  event.kind = MSIQ_JOB_EVENT_CANCELLED;
  event.detail = "cancelled by an administrator while running; the installer "
                 "was stopped";
  assert_event_text(&event, "msiq job 31 cancelled: uninstall "
                            "{12345678-1234-1234-1234-123456789ABC}: "
                            "cancelled by an administrator while running; the "
                            "installer was stopped");
  /* No detail is an empty one, not a crash. */
  event.kind = MSIQ_JOB_EVENT_FAILED;
  event.detail = NULL;
  assert_event_text(&event, "msiq job 31 failed: uninstall "
                            "{12345678-1234-1234-1234-123456789ABC}: ");
}

/* The decision's texts go into the event as they are, and the buffer size
 * cuts the text. */
static void test_event_from_decision(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1603);
  facts.log_excerpt = "Return value 3.";
  msiq_attempt_decision decision = decide(&facts);
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_FAILED,
      .job_id = facts.job_id,
      .action = msiq_action_name(facts.action),
      .target = "C:\\a.msi",
      .detail = decision.last_error,
  };
  assert_event_text(&event, "msiq job 7 failed: install C:\\a.msi: installer "
                            "failed with exit code 1603 "
                            "(ERROR_INSTALL_FAILURE); from the log:\n"
                            "Return value 3.");
  char small[16];
  msiq_job_event_format(&event, small, sizeof small);
  assert_string_equal(small, "msiq job 7 fail");
}

/* One Application event id per kind: each is in msiq.exe's message table
 * (tests/wine/service.sh formats them), so they must not move. */
static void test_event_ids(void **state) {
  (void)state;
  msiq_job_event event = {.kind = MSIQ_JOB_EVENT_STARTED, .job_id = 1};
  assert_int_equal(msiq_job_event_id(&event), 3110);
  event.kind = MSIQ_JOB_EVENT_SUCCEEDED;
  assert_int_equal(msiq_job_event_id(&event), 3111);
  event.reboot_required = true;
  assert_int_equal(msiq_job_event_id(&event), 3112);
  event.reboot_required = false;
  event.kind = MSIQ_JOB_EVENT_FAILED;
  assert_int_equal(msiq_job_event_id(&event), 3113);
  event.kind = MSIQ_JOB_EVENT_CANCELLED;
  assert_int_equal(msiq_job_event_id(&event), 3114);
  /* A reboot flag means nothing on the other kinds. */
  event.reboot_required = true;
  assert_int_equal(msiq_job_event_id(&event), 3114);
  assert_int_equal(MSIQ_EVENT_ID_DISPATCHER_STARTED, 3100);
  assert_int_equal(MSIQ_EVENT_ID_DISPATCHER_STOPPED, 3101);
  assert_int_equal(MSIQ_EVENT_ID_QUEUE_PAUSED_REBOOT, 3115);
  assert_int_equal(MSIQ_EVENT_ID_QUEUE_ERROR, 3190);
}

/* A 1638 fails at once, with a sentence that names the version in the
 * way when the dispatcher knew it. */
static void test_product_version_names_installed_version(void **state) {
  (void)state;
  msiq_attempt_facts facts = facts_for_exit(1638);
  facts.installed_version = "0.9.0";
  msiq_attempt_decision decision = decide(&facts);
  assert_string_equal(decision.attempt_outcome, "failed");
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  /* Attempts are left, but a retry meets the same installed version. */
  assert_true(decision.retry_at == MSIQ_TIME_UNSET);
  assert_string_equal(decision.message,
                      "exit code 1638 (ERROR_PRODUCT_VERSION): another "
                      "version of this product is already installed "
                      "(version 0.9.0)");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1638 "
                      "(ERROR_PRODUCT_VERSION): another version of this "
                      "product is already installed (version 0.9.0)");

  /* The version unknown (or empty): the sentence alone. */
  const char *unknown[] = {NULL, ""};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    facts.installed_version = unknown[i];
    decision = decide(&facts);
    assert_string_equal(decision.message,
                        "exit code 1638 (ERROR_PRODUCT_VERSION): another "
                        "version of this product is already installed");
    assert_string_equal(decision.last_error,
                        "installer failed with exit code 1638 "
                        "(ERROR_PRODUCT_VERSION): another version of this "
                        "product is already installed");
  }

  /* A worker's 1638 is the same. */
  facts = facts_for_worker(1638);
  facts.installed_version = "0.9.0";
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_FAILED);
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1638 "
                      "(ERROR_PRODUCT_VERSION): another version of this "
                      "product is already installed (version 0.9.0)");

  /* The job's own rule that 1638 fails: the history says it was the rule,
   * the failure still says what the code means. */
  msiq_exit_code_rule fail_rule = {1638, MSIQ_OUTCOME_FAIL};
  facts = facts_for_exit(1638);
  facts.installed_version = "0.9.0";
  facts.exit_code_rules = &fail_rule;
  facts.exit_code_rule_count = 1;
  decision = decide(&facts);
  assert_string_equal(decision.message,
                      "exit code 1638 (ERROR_PRODUCT_VERSION): outcome set "
                      "by the job's --exit-code rule");
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1638 "
                      "(ERROR_PRODUCT_VERSION): another version of this "
                      "product is already installed (version 0.9.0)");

  /* A job that counts 1638 as success (--exit-code 1638=success) is not
   * told otherwise. */
  msiq_exit_code_rule success_rule = {1638, MSIQ_OUTCOME_SUCCESS};
  facts.exit_code_rules = &success_rule;
  decision = decide(&facts);
  assert_int_equal(decision.new_state, MSIQ_STATE_SUCCEEDED);
  assert_null(strstr(decision.message, "another version"));
  assert_string_equal(decision.last_error, "");

  /* Another failure says nothing of the installed version. */
  facts = facts_for_exit(1603);
  facts.installed_version = "0.9.0";
  decision = decide(&facts);
  assert_string_equal(decision.last_error,
                      "installer failed with exit code 1603 "
                      "(ERROR_INSTALL_FAILURE)");
}

/* Skipping what is already done. */

static char product_code[] = "{11111111-2222-3333-4444-555555555555}";
static char other_code[] = "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}";
static char package_version[] = "1.2.3";
static char package_target[] = "/pkgs/app.msi";
static char reinstall_name[] = "REINSTALL";
static char reinstall_value[] = "ALL";

/* A job of this action on the package app.msi, whose ProductCode and
 * ProductVersion are known. */
static msiq_job job_for(msiq_action action) {
  msiq_job job;
  memset(&job, 0, sizeof job);
  job.id = 3;
  job.action = action;
  job.target = package_target;
  job.package.kind = MSIQ_PACKAGE_KIND_PRODUCT;
  job.package.product_code = product_code;
  job.package.product_version = package_version;
  return job;
}

static void test_skip_install_at_same_version(void **state) {
  (void)state;
  msiq_job job = job_for(MSIQ_ACTION_INSTALL);
  char message[256];
  assert_string_equal(msiq_job_skip_product_code(&job), product_code);
  assert_true(msiq_job_skip_decide(&job, "1.2.3", message, sizeof message));
  assert_string_equal(message, "already installed (version 1.2.3), not run");
  /* The installed version as Windows Installer writes it back. */
  assert_true(msiq_job_skip_decide(&job, "1.02.3", message, sizeof message));
  assert_string_equal(message, "already installed (version 1.02.3), not run");
  assert_true(msiq_job_skip_decide(&job, "1.2.3.0", message, sizeof message));
}

static void test_install_runs_otherwise(void **state) {
  (void)state;
  msiq_job job = job_for(MSIQ_ACTION_INSTALL);
  char message[256] = "x";
  /* Not installed, another version, an unreadable version. */
  assert_false(msiq_job_skip_decide(&job, NULL, message, sizeof message));
  assert_string_equal(message, "");
  assert_false(msiq_job_skip_decide(&job, "1.2.4", message, sizeof message));
  assert_false(msiq_job_skip_decide(&job, "1.2", message, sizeof message));
  assert_false(msiq_job_skip_decide(&job, "", message, sizeof message));
  assert_false(
      msiq_job_skip_decide(&job, "1.2.3-beta", message, sizeof message));
  /* The job asks for a reinstall. */
  msiq_property reinstall = {reinstall_name, reinstall_value};
  job.properties = &reinstall;
  job.property_count = 1;
  assert_true(msiq_job_asks_reinstall(&job));
  assert_false(msiq_job_skip_decide(&job, "1.2.3", message, sizeof message));
  /* Nothing known about the package: no rule applies. */
  msiq_job unknown = job_for(MSIQ_ACTION_INSTALL);
  unknown.package.kind = MSIQ_PACKAGE_KIND_UNKNOWN;
  assert_null(msiq_job_skip_product_code(&unknown));
  assert_false(
      msiq_job_skip_decide(&unknown, "1.2.3", message, sizeof message));
  msiq_job no_version = job_for(MSIQ_ACTION_INSTALL);
  no_version.package.product_version = NULL;
  assert_null(msiq_job_skip_product_code(&no_version));
}

static void test_skip_uninstall_of_absent_product(void **state) {
  (void)state;
  char message[256];
  msiq_job by_package = job_for(MSIQ_ACTION_UNINSTALL);
  assert_string_equal(msiq_job_skip_product_code(&by_package), product_code);
  assert_true(msiq_job_skip_decide(&by_package, NULL, message, sizeof message));
  assert_string_equal(message, "not installed, not run");
  assert_false(
      msiq_job_skip_decide(&by_package, "1.2.3", message, sizeof message));
  /* Any installed version is removed, not only the package's. */
  assert_false(
      msiq_job_skip_decide(&by_package, "9.9", message, sizeof message));

  msiq_job by_code = job_for(MSIQ_ACTION_UNINSTALL);
  memset(&by_code.package, 0, sizeof by_code.package);
  by_code.target = other_code;
  assert_string_equal(msiq_job_skip_product_code(&by_code), other_code);
  assert_true(msiq_job_skip_decide(&by_code, NULL, message, sizeof message));
}

static void test_other_actions_always_run(void **state) {
  (void)state;
  char message[256];
  msiq_action actions[] = {MSIQ_ACTION_PATCH, MSIQ_ACTION_REPAIR};
  for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
    msiq_job job = job_for(actions[i]);
    assert_null(msiq_job_skip_product_code(&job));
    assert_false(msiq_job_skip_decide(&job, NULL, message, sizeof message));
    assert_false(msiq_job_skip_decide(&job, "1.2.3", message, sizeof message));
  }
}

static void test_product_version_equal(void **state) {
  (void)state;
  assert_true(msiq_product_version_equal("1.2.3", "1.2.3"));
  assert_true(msiq_product_version_equal("1.02.3", "1.2.3"));
  assert_true(msiq_product_version_equal("1.2", "1.2.0.0"));
  assert_false(msiq_product_version_equal("1.2.3", "1.2.4"));
  assert_false(msiq_product_version_equal("1.2.3", "1.2.3.1"));
  assert_false(msiq_product_version_equal("10.0", "1.0"));
  /* Not dotted numbers: compared as text. */
  assert_true(msiq_product_version_equal("1.2.3-beta", "1.2.3-beta"));
  assert_false(msiq_product_version_equal("1.2.3-beta", "1.2.3"));
  assert_false(msiq_product_version_equal("1.2.", "1.2"));
  assert_false(msiq_product_version_equal("", "0"));
  assert_true(msiq_product_version_equal("", ""));
}

/* Patches that are already applied, or that apply to nothing here. */

static char patch_code[] = "{99999999-8888-7777-6666-555555555555}";
static char patch_targets[] = "{11111111-2222-3333-4444-555555555555};"
                              "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}";
static char patch_path[] = "/pkgs/fix.msp";

/* A patch job on fix.msp, whose patch code and two targets are known. */
static msiq_job patch_job(void) {
  msiq_job job;
  memset(&job, 0, sizeof job);
  job.id = 4;
  job.action = MSIQ_ACTION_PATCH;
  job.target = patch_path;
  job.package.kind = MSIQ_PACKAGE_KIND_PATCH;
  job.package.patch_code = patch_code;
  job.package.patch_targets = patch_targets;
  return job;
}

static void test_patch_targets_next(void **state) {
  (void)state;
  char code[MSIQ_PRODUCT_CODE_SIZE];
  const char *cursor =
      msiq_patch_targets_next(patch_targets, code, sizeof code);
  assert_non_null(cursor);
  assert_string_equal(code, product_code);
  cursor = msiq_patch_targets_next(cursor, code, sizeof code);
  assert_non_null(cursor);
  assert_string_equal(code, other_code);
  assert_null(msiq_patch_targets_next(cursor, code, sizeof code));
  assert_string_equal(code, "");
  /* Empty entries are skipped; nothing at all is no target. */
  cursor = msiq_patch_targets_next(";;{A};", code, sizeof code);
  assert_string_equal(code, "{A}");
  assert_null(msiq_patch_targets_next(cursor, code, sizeof code));
  assert_null(msiq_patch_targets_next(";;", code, sizeof code));
  assert_null(msiq_patch_targets_next(NULL, code, sizeof code));
  /* A code longer than the buffer is cut, and the walk goes on after it. */
  char small[4];
  cursor = msiq_patch_targets_next("{ABCDEF};{B}", small, sizeof small);
  assert_string_equal(small, "{AB");
  cursor = msiq_patch_targets_next(cursor, small, sizeof small);
  assert_string_equal(small, "{B}");
}

static void test_patch_checkable(void **state) {
  (void)state;
  msiq_job job = patch_job();
  assert_true(msiq_job_patch_checkable(&job));
  /* --no-check: nothing known about the package. */
  msiq_job unknown = patch_job();
  memset(&unknown.package, 0, sizeof unknown.package);
  assert_false(msiq_job_patch_checkable(&unknown));
  msiq_job no_code = patch_job();
  no_code.package.patch_code = NULL;
  assert_false(msiq_job_patch_checkable(&no_code));
  msiq_job no_targets = patch_job();
  no_targets.package.patch_targets = NULL;
  assert_false(msiq_job_patch_checkable(&no_targets));
  char empty[] = ";";
  no_targets.package.patch_targets = empty;
  assert_false(msiq_job_patch_checkable(&no_targets));
  /* Another action, even on a patch's metadata. */
  msiq_job repair = patch_job();
  repair.action = MSIQ_ACTION_REPAIR;
  assert_false(msiq_job_patch_checkable(&repair));
}

static void test_patch_already_applied(void **state) {
  (void)state;
  msiq_job job = patch_job();
  char message[512];
  msiq_patch_target_state both[] = {
      {patch_code, product_code, "1.2.3", true},
      {patch_code, other_code, "2.0", true},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, both, 2, message, sizeof message),
      MSIQ_PATCH_ALREADY_APPLIED);
  assert_string_equal(message,
                      "already applied to "
                      "{11111111-2222-3333-4444-555555555555} (version 1.2.3), "
                      "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE} (version 2.0), "
                      "not run");
  /* Of the targets installed: one that is not installed does not count. */
  msiq_patch_target_state one[] = {
      {patch_code, product_code, NULL, false},
      {patch_code, other_code, "2.0", true},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, one, 2, message, sizeof message),
      MSIQ_PATCH_ALREADY_APPLIED);
  assert_string_equal(message,
                      "already applied to "
                      "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE} (version 2.0), "
                      "not run");
  /* A version Windows Installer would not tell is left out. */
  msiq_patch_target_state unnamed[] = {{patch_code, product_code, "", true}};
  assert_int_equal(
      msiq_patch_skip_decide(&job, unnamed, 1, message, sizeof message),
      MSIQ_PATCH_ALREADY_APPLIED);
  assert_string_equal(message,
                      "already applied to "
                      "{11111111-2222-3333-4444-555555555555}, not run");
  /* A short buffer holds a cut message, never more. */
  char short_message[24];
  assert_int_equal(msiq_patch_skip_decide(&job, both, 2, short_message,
                                          sizeof short_message),
                   MSIQ_PATCH_ALREADY_APPLIED);
  assert_int_equal(strlen(short_message), sizeof short_message - 1);
}

static void test_patch_runs_when_a_target_lacks_it(void **state) {
  (void)state;
  msiq_job job = patch_job();
  char message[512] = "x";
  msiq_patch_target_state states[] = {
      {patch_code, product_code, "1.2.3", true},
      {patch_code, other_code, "2.0", false},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, states, 2, message, sizeof message),
      MSIQ_PATCH_RUN);
  assert_string_equal(message, "");
  msiq_patch_target_state single[] = {
      {patch_code, product_code, "1.2.3", false}};
  assert_int_equal(
      msiq_patch_skip_decide(&job, single, 1, message, sizeof message),
      MSIQ_PATCH_RUN);
  /* Nothing asked (no targets answered), or nothing known about the
   * package: it runs as before. */
  assert_int_equal(
      msiq_patch_skip_decide(&job, NULL, 0, message, sizeof message),
      MSIQ_PATCH_RUN);
  msiq_job unknown = patch_job();
  memset(&unknown.package, 0, sizeof unknown.package);
  msiq_patch_target_state absent[] = {{patch_code, product_code, NULL, false}};
  assert_int_equal(
      msiq_patch_skip_decide(&unknown, absent, 1, message, sizeof message),
      MSIQ_PATCH_RUN);
}

static void test_patch_without_installed_target_fails(void **state) {
  (void)state;
  msiq_job job = patch_job();
  char message[512];
  msiq_patch_target_state states[] = {
      {patch_code, product_code, NULL, false},
      {patch_code, other_code, NULL, false},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, states, 2, message, sizeof message),
      MSIQ_PATCH_NO_TARGET);
  assert_string_equal(message, "no installed product this patch applies to");
  /* A "patch applied" answer for a product that is not installed means
   * nothing. */
  states[0].patch_applied = true;
  assert_int_equal(
      msiq_patch_skip_decide(&job, states, 2, message, sizeof message),
      MSIQ_PATCH_NO_TARGET);
}

/* A patch job on fix.msp and more.msp: fix.msp targets product_code and
 * other_code, more.msp (second_patch) only other_code. */
static char second_patch[] = "{77777777-6666-5555-4444-333333333333}";
static char second_path[] = "/pkgs/more.msp";
static char more_patch_name[] = "PATCH";
static msiq_property more_patch_property = {more_patch_name, second_path};
static msiq_more_patch second_more_patch = {second_path, second_patch,
                                            other_code, NULL};

static msiq_job two_patch_job(void) {
  msiq_job job = patch_job();
  job.properties = &more_patch_property;
  job.property_count = 1;
  job.package.more_patches = &second_more_patch;
  job.package.more_patch_count = 1;
  return job;
}

static void test_patches_checkable_only_when_every_one_was_read(void **state) {
  (void)state;
  msiq_job job = two_patch_job();
  assert_true(msiq_job_patch_checkable(&job));
  const char *code = NULL;
  const char *targets = NULL;
  assert_true(msiq_job_patch_metadata(&job, 0, &code, &targets));
  assert_string_equal(code, patch_code);
  assert_true(msiq_job_patch_metadata(&job, 1, &code, &targets));
  assert_string_equal(code, second_patch);
  assert_string_equal(targets, other_code);
  assert_false(msiq_job_patch_metadata(&job, 2, &code, &targets));
  /* A PATCH list naming a patch that was not read (given by hand, or
   * --no-check): what that patch would do is unknown, so the job runs. */
  msiq_job unread = patch_job();
  unread.properties = &more_patch_property;
  unread.property_count = 1;
  assert_false(msiq_job_patch_checkable(&unread));
  /* A further patch whose code is unknown. */
  msiq_more_patch codeless = {second_path, NULL, other_code, NULL};
  msiq_job no_code = two_patch_job();
  no_code.package.more_patches = &codeless;
  assert_false(msiq_job_patch_checkable(&no_code));
}

static void test_patches_together(void **state) {
  (void)state;
  msiq_job job = two_patch_job();
  char message[512];
  /* Both applied where installed; other_code, which both target, is named
   * once. */
  msiq_patch_target_state applied[] = {
      {patch_code, product_code, "1.2.3", true},
      {patch_code, other_code, "2.0", true},
      {second_patch, other_code, "2.0", true},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, applied, 3, message, sizeof message),
      MSIQ_PATCH_ALREADY_APPLIED);
  assert_string_equal(message,
                      "already applied to "
                      "{11111111-2222-3333-4444-555555555555} (version 1.2.3), "
                      "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE} (version 2.0), "
                      "not run");
  /* The second patch missing on its one installed target: the job runs. */
  applied[2].patch_applied = false;
  assert_int_equal(
      msiq_patch_skip_decide(&job, applied, 3, message, sizeof message),
      MSIQ_PATCH_RUN);
  /* The second patch's only target not installed: running would change
   * nothing for it, so the job is done, and says why. */
  msiq_patch_target_state first_only[] = {
      {patch_code, product_code, "1.2.3", true},
      {patch_code, other_code, NULL, false},
      {second_patch, other_code, NULL, false},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, first_only, 3, message, sizeof message),
      MSIQ_PATCH_ALREADY_APPLIED);
  assert_string_equal(message,
                      "already applied to "
                      "{11111111-2222-3333-4444-555555555555} (version 1.2.3), "
                      "not run; {77777777-6666-5555-4444-333333333333} "
                      "applies to no installed product");
  /* Nothing installed that any of them targets. */
  msiq_patch_target_state none[] = {
      {patch_code, product_code, NULL, false},
      {patch_code, other_code, NULL, false},
      {second_patch, other_code, NULL, false},
  };
  assert_int_equal(
      msiq_patch_skip_decide(&job, none, 3, message, sizeof message),
      MSIQ_PATCH_NO_TARGET);
  assert_string_equal(message, "no installed product these patches apply to");
}

/* A related uninstall of every product with the UpgradeCode other_code. */
static void test_related_uninstall_of_nothing_is_not_run(void **state) {
  (void)state;
  msiq_job job;
  memset(&job, 0, sizeof job);
  job.id = 6;
  job.action = MSIQ_ACTION_UNINSTALL;
  job.target = other_code;
  job.related = true;
  /* Its target is no product code: the uninstall rule does not ask it. */
  assert_null(msiq_job_skip_product_code(&job));
  char message[256] = "x";
  assert_true(msiq_related_skip_decide(&job, NULL, message, sizeof message));
  assert_string_equal(message,
                      "no product with upgrade code "
                      "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE} is installed, "
                      "not run");
  assert_true(msiq_related_skip_decide(&job, ";", message, sizeof message));
  assert_false(
      msiq_related_skip_decide(&job, product_code, message, sizeof message));
  assert_string_equal(message, "");
  /* An uninstall that is not related never takes this rule. */
  job.related = false;
  assert_false(msiq_related_skip_decide(&job, NULL, message, sizeof message));
  assert_string_equal(msiq_job_skip_product_code(&job), other_code);
}

/* An unpatch job of product_code removing removed_patch. */
static char removed_patch[] = "{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}";
static char patch_remove_name[] = "MSIPATCHREMOVE";
static msiq_property unpatch_property = {patch_remove_name, removed_patch};

static msiq_job unpatch_job(void) {
  msiq_job job;
  memset(&job, 0, sizeof job);
  job.id = 5;
  job.action = MSIQ_ACTION_UNPATCH;
  job.target = product_code;
  job.properties = &unpatch_property;
  job.property_count = 1;
  return job;
}

static void test_unpatch_of_a_patch_not_applied_is_not_run(void **state) {
  (void)state;
  msiq_job job = unpatch_job();
  assert_string_equal(msiq_job_unpatch_patch_code(&job), removed_patch);
  /* The install and uninstall rules are not this job's. */
  assert_null(msiq_job_skip_product_code(&job));
  char message[256] = "x";
  assert_false(
      msiq_unpatch_skip_decide(&job, true, true, message, sizeof message));
  assert_string_equal(message, "");
  assert_true(
      msiq_unpatch_skip_decide(&job, true, false, message, sizeof message));
  assert_string_equal(message, "patch {5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162} "
                               "is not applied to "
                               "{11111111-2222-3333-4444-555555555555}, not "
                               "run");
  /* A product that is not installed has no patch to remove; a "patch
   * applied" answer for it means nothing. */
  assert_true(
      msiq_unpatch_skip_decide(&job, false, true, message, sizeof message));
  assert_string_equal(message, "patch {5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162} "
                               "is not applied to "
                               "{11111111-2222-3333-4444-555555555555} (not "
                               "installed), not run");
  /* A short buffer holds a cut message, never more. */
  char short_message[16];
  assert_true(msiq_unpatch_skip_decide(&job, false, false, short_message,
                                       sizeof short_message));
  assert_int_equal(strlen(short_message), sizeof short_message - 1);
}

static void test_unpatch_rule_is_for_unpatch_jobs_only(void **state) {
  (void)state;
  char message[256];
  /* Another action with the same property is not a removal to judge. */
  msiq_job job = unpatch_job();
  job.action = MSIQ_ACTION_INSTALL;
  assert_null(msiq_job_unpatch_patch_code(&job));
  assert_false(
      msiq_unpatch_skip_decide(&job, false, false, message, sizeof message));
  /* An unpatch without its property (never stored so) is run, not
   * judged. */
  job = unpatch_job();
  job.property_count = 0;
  assert_null(msiq_job_unpatch_patch_code(&job));
  assert_false(
      msiq_unpatch_skip_decide(&job, false, false, message, sizeof message));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_success),
      cmocka_unit_test(test_reboot_required),
      cmocka_unit_test(test_reboot_initiated_pauses),
      cmocka_unit_test(test_failure_without_log_excerpt),
      cmocka_unit_test(test_failure_with_log_excerpt),
      cmocka_unit_test(test_wants_log_excerpt),
      cmocka_unit_test(test_rules_override_table),
      cmocka_unit_test(test_retry_at_is_finish_plus_backoff),
      cmocka_unit_test(test_retry_until_last_attempt),
      cmocka_unit_test(test_retry_until_give_up_after),
      cmocka_unit_test(test_timed_out),
      cmocka_unit_test(test_cancelled_while_running),
      cmocka_unit_test(test_worker_result_is_judged),
      cmocka_unit_test(test_worker_error_record_explains_a_failure),
      cmocka_unit_test(test_worker_without_result_failed),
      cmocka_unit_test(test_exception_status_of_a_plain_program),
      cmocka_unit_test(test_worker_cancel_rolls_back),
      cmocka_unit_test(test_worker_cancel_grace_ran_out),
      cmocka_unit_test(test_worker_cancel_came_too_late),
      cmocka_unit_test(test_worker_cancel_ended_otherwise),
      cmocka_unit_test(test_event_started),
      cmocka_unit_test(test_event_succeeded),
      cmocka_unit_test(test_event_failed_and_cancelled),
      cmocka_unit_test(test_event_from_decision),
      cmocka_unit_test(test_event_ids),
      cmocka_unit_test(test_skip_install_at_same_version),
      cmocka_unit_test(test_install_runs_otherwise),
      cmocka_unit_test(test_skip_uninstall_of_absent_product),
      cmocka_unit_test(test_other_actions_always_run),
      cmocka_unit_test(test_unpatch_of_a_patch_not_applied_is_not_run),
      cmocka_unit_test(test_unpatch_rule_is_for_unpatch_jobs_only),
      cmocka_unit_test(test_product_version_equal),
      cmocka_unit_test(test_product_version_names_installed_version),
      cmocka_unit_test(test_patch_targets_next),
      cmocka_unit_test(test_patch_checkable),
      cmocka_unit_test(test_related_uninstall_of_nothing_is_not_run),
      cmocka_unit_test(test_patches_checkable_only_when_every_one_was_read),
      cmocka_unit_test(test_patches_together),
      cmocka_unit_test(test_patch_already_applied),
      cmocka_unit_test(test_patch_runs_when_a_target_lacks_it),
      cmocka_unit_test(test_patch_without_installed_target_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
