/* test_gate.c: the gate evaluator: each reason, their order, the facts in
 * the texts, and which host facts it asks for. */
#include "test_support.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/gate.h"
#include "core/timeparse.h"

#define MINUTE INT64_C(60000)

/* 2026-11-24T12:00:00Z, on a whole minute in every time zone. */
#define NOON INT64_C(1795521600000)

static const msiq_gate_fact all_host_facts =
    MSIQ_GATE_FACT_REBOOT | MSIQ_GATE_FACT_MUTEX | MSIQ_GATE_FACT_SERVICE;

/* The local minute of the day at utc_ms, the way the window reads it. */
static int local_minute(int64_t utc_ms) {
  time_t seconds = (time_t)(utc_ms / 1000);
  struct tm *local = localtime(&seconds);
  assert_non_null(local);
  return local->tm_hour * 60 + local->tm_min;
}

/* A window of local minutes [now + from, now + to), wrapped at midnight. */
static msiq_window window_around(int64_t now, int from, int to) {
  int minute = local_minute(now);
  msiq_window window = {(minute + from + 1440) % 1440,
                        (minute + to + 1440) % 1440};
  return window;
}

static msiq_gate_verdict evaluate(const msiq_gate_inputs *in) {
  msiq_gate_verdict verdict;
  memset(&verdict, 0, sizeof verdict);
  assert_int_equal(msiq_gate_evaluate(in, &verdict), MSIQ_GATE_FACT_NONE);
  return verdict;
}

/* Inputs in which every check closes the gate. */
static msiq_gate_inputs everything_closed(void) {
  msiq_gate_inputs in = {
      .paused = true,
      .pause_reason = "patch night postponed",
      .has_window = true,
      .window = window_around(NOON, 60, 120),
      .now = NOON,
      .hold_on_pending_reboot = true,
      .reboot_pending = true,
      .reboot_reason = "Windows Update RebootRequired",
      .mutex = MSIQ_MUTEX_HELD,
      .service = MSIQ_SERVICE_BUSY,
  };
  return in;
}

static void assert_contains(const char *text, const char *part) {
  if (strstr(text, part) == NULL) {
    fail_msg("\"%s\" does not contain \"%s\"", text, part);
  }
}

static void test_open_when_nothing_closes(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON};
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_OPEN);
  assert_string_equal(verdict.text, "open");
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "open");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason), "open");

  /* Inside the window, with a pending reboot nobody holds for, a stopped
   * service: still open. */
  in.has_window = true;
  in.window = window_around(NOON, -30, 30);
  in.reboot_pending = true;
  in.reboot_reason = "Session Manager PendingFileRenameOperations";
  in.service = MSIQ_SERVICE_STOPPED;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
}

static void test_paused(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON,
                         .paused = true,
                         .pause_reason = "waiting for the change board"};
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_PAUSED);
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "paused");
  assert_string_equal(verdict.text,
                      "queue paused: waiting for the change board");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason), "queue paused");
}

static void test_outside_window(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON, .has_window = true};
  in.window = window_around(NOON, 90, 150);
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_OUTSIDE_WINDOW);
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "outside_window");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason),
                      "outside the maintenance window");
  /* The text names the window and when it opens: 90 minutes from now, in
   * local time with its offset, as people read it. */
  char window[16];
  char opens[40];
  msiq_window_format(&in.window, window, sizeof window);
  msiq_time_format_local(NOON + 90 * MINUTE, opens, sizeof opens);
  assert_contains(verdict.text, "outside the maintenance window");
  assert_contains(verdict.text, window);
  assert_contains(verdict.text, opens);
  assert_int_equal(msiq_gate_window_opens_at(&in), NOON + 90 * MINUTE);
}

static void test_window_opens_at(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON};
  /* No window: it never closes the gate. */
  in.window = window_around(NOON, 10, 20);
  assert_true(msiq_gate_window_opens_at(&in) == MSIQ_TIME_UNSET);
  in.has_window = true;
  assert_int_equal(msiq_gate_window_opens_at(&in), NOON + 10 * MINUTE);
  /* Inside, and at its first minute (the start is included). */
  in.window = window_around(NOON, -5, 5);
  assert_true(msiq_gate_window_opens_at(&in) == MSIQ_TIME_UNSET);
  in.window = window_around(NOON, 0, 5);
  assert_true(msiq_gate_window_opens_at(&in) == MSIQ_TIME_UNSET);
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
  /* Its end is excluded. */
  in.window = window_around(NOON, -5, 0);
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OUTSIDE_WINDOW);
}

static void test_reboot_pending_when_held(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON,
                         .hold_on_pending_reboot = true,
                         .reboot_pending = true,
                         .reboot_reason =
                             "Component Based Servicing RebootPending"};
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_REBOOT_PENDING);
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "reboot_pending");
  assert_string_equal(
      verdict.text,
      "a reboot is pending (Component Based Servicing RebootPending)");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason),
                      "a reboot is pending");
  /* Held, but none pending: open. */
  in.reboot_pending = false;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
}

static void test_reboot_pending_ignored_when_not_held(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON,
                         .reboot_pending = true,
                         .reboot_reason = "Windows Update RebootRequired"};
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
  /* The next check still decides. */
  in.mutex = MSIQ_MUTEX_HELD;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_MUTEX_HELD);
}

static void test_mutex_held(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON, .mutex = MSIQ_MUTEX_HELD};
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_MUTEX_HELD);
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "mutex_held");
  assert_string_equal(verdict.text,
                      "another installation holds the Windows Installer "
                      "mutex");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason),
                      "another installation holds the mutex");
}

static void test_service_states(void **state) {
  (void)state;
  msiq_gate_inputs in = {.now = NOON, .service = MSIQ_SERVICE_BUSY};
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_SERVICE_BUSY);
  assert_string_equal(msiq_gate_reason_name(verdict.reason), "service_busy");
  assert_string_equal(verdict.text,
                      "the Windows Installer service is busy installing");
  assert_string_equal(msiq_gate_reason_summary(verdict.reason),
                      "the Windows Installer service is busy");
  /* Only busy closes: idle and stopped are free to use, and an unknown
   * state leaves the decision to the mutex. */
  in.service = MSIQ_SERVICE_IDLE;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
  in.service = MSIQ_SERVICE_STOPPED;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
  in.service = MSIQ_SERVICE_UNKNOWN;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
  in.mutex = MSIQ_MUTEX_HELD;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_MUTEX_HELD);
}

/* Every check closes the gate; switching them off one at a time from the
 * front shows the order: paused, window, reboot, mutex, service. */
static void test_order(void **state) {
  (void)state;
  msiq_gate_inputs in = everything_closed();
  msiq_gate_verdict verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_PAUSED);
  assert_contains(verdict.text, "patch night postponed");
  in.paused = false;
  verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_OUTSIDE_WINDOW);
  in.has_window = false;
  verdict = evaluate(&in);
  assert_int_equal(verdict.reason, MSIQ_GATE_REBOOT_PENDING);
  assert_contains(verdict.text, "Windows Update RebootRequired");
  in.reboot_pending = false;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_MUTEX_HELD);
  in.mutex = MSIQ_MUTEX_FREE;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_SERVICE_BUSY);
  in.service = MSIQ_SERVICE_IDLE;
  assert_int_equal(evaluate(&in).reason, MSIQ_GATE_OPEN);
}

/* The pairs the order is for, each with only the two facts set. */
static void test_order_pairs(void **state) {
  (void)state;
  msiq_gate_inputs paused_and_mutex = {.now = NOON,
                                       .paused = true,
                                       .pause_reason = "freeze",
                                       .mutex = MSIQ_MUTEX_HELD};
  assert_int_equal(evaluate(&paused_and_mutex).reason, MSIQ_GATE_PAUSED);

  msiq_gate_inputs window_and_reboot = {.now = NOON,
                                        .has_window = true,
                                        .window = window_around(NOON, 60, 61),
                                        .hold_on_pending_reboot = true,
                                        .reboot_pending = true,
                                        .reboot_reason = "CBS"};
  assert_int_equal(evaluate(&window_and_reboot).reason,
                   MSIQ_GATE_OUTSIDE_WINDOW);

  msiq_gate_inputs reboot_and_mutex = {.now = NOON,
                                       .hold_on_pending_reboot = true,
                                       .reboot_pending = true,
                                       .reboot_reason = "CBS",
                                       .mutex = MSIQ_MUTEX_HELD};
  assert_int_equal(evaluate(&reboot_and_mutex).reason,
                   MSIQ_GATE_REBOOT_PENDING);

  msiq_gate_inputs mutex_and_service = {
      .now = NOON, .mutex = MSIQ_MUTEX_HELD, .service = MSIQ_SERVICE_BUSY};
  assert_int_equal(evaluate(&mutex_and_service).reason, MSIQ_GATE_MUTEX_HELD);
}

/* With the host facts not probed, the evaluator asks for each only when
 * the checks before it let the job pass, in the order of the checks. */
static void test_asks_for_host_facts_lazily(void **state) {
  (void)state;
  msiq_gate_verdict verdict;
  /* Paused: decided without a single probe. */
  msiq_gate_inputs in = {.now = NOON,
                         .paused = true,
                         .pause_reason = "freeze",
                         .unknown = all_host_facts};
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_NONE);
  assert_int_equal(verdict.reason, MSIQ_GATE_PAUSED);
  /* Outside the window: the same. */
  in.paused = false;
  in.has_window = true;
  in.window = window_around(NOON, 30, 60);
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_NONE);
  assert_int_equal(verdict.reason, MSIQ_GATE_OUTSIDE_WINDOW);
  /* Open so far: the reboot first, when held. */
  in.has_window = false;
  in.hold_on_pending_reboot = true;
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_REBOOT);
  in.unknown &= ~(unsigned)MSIQ_GATE_FACT_REBOOT;
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_MUTEX);
  /* A held mutex decides: the service is never asked for. */
  in.mutex = MSIQ_MUTEX_HELD;
  in.unknown &= ~(unsigned)MSIQ_GATE_FACT_MUTEX;
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_NONE);
  assert_int_equal(verdict.reason, MSIQ_GATE_MUTEX_HELD);
  in.mutex = MSIQ_MUTEX_FREE;
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_SERVICE);
  in.unknown &= ~(unsigned)MSIQ_GATE_FACT_SERVICE;
  assert_int_equal(msiq_gate_evaluate(&in, &verdict), MSIQ_GATE_FACT_NONE);
  assert_int_equal(verdict.reason, MSIQ_GATE_OPEN);
  /* Not held: the reboot is never asked for. */
  msiq_gate_inputs unheld = {.now = NOON, .unknown = all_host_facts};
  assert_int_equal(msiq_gate_evaluate(&unheld, &verdict), MSIQ_GATE_FACT_MUTEX);
}

static void test_names(void **state) {
  (void)state;
  const char *expected[] = {"open",           "paused",     "outside_window",
                            "reboot_pending", "mutex_held", "service_busy"};
  assert_int_equal(sizeof expected / sizeof expected[0],
                   MSIQ_GATE_REASON_COUNT);
  for (int reason = 0; reason < MSIQ_GATE_REASON_COUNT; reason++) {
    assert_string_equal(msiq_gate_reason_name((msiq_gate_reason)reason),
                        expected[reason]);
    /* Every closing reason has words of its own for `status`. */
    const char *summary = msiq_gate_reason_summary((msiq_gate_reason)reason);
    assert_true(summary[0] != '\0');
    if (reason != MSIQ_GATE_OPEN) {
      assert_string_not_equal(summary, "open");
    }
  }
  assert_string_equal(msiq_gate_reason_name(MSIQ_GATE_REASON_COUNT), "?");
  assert_string_equal(msiq_mutex_state_name(MSIQ_MUTEX_FREE), "free");
  assert_string_equal(msiq_mutex_state_name(MSIQ_MUTEX_HELD), "held");
  assert_string_equal(msiq_service_state_name(MSIQ_SERVICE_IDLE), "idle");
  assert_string_equal(msiq_service_state_name(MSIQ_SERVICE_BUSY), "busy");
  assert_string_equal(msiq_service_state_name(MSIQ_SERVICE_STOPPED), "stopped");
  assert_string_equal(msiq_service_state_name(MSIQ_SERVICE_UNKNOWN), "unknown");
}

/* A held mutex or a busy service, and only they, name the installation
 * behind them; an unknown holder leaves the text as it was. */
static void test_verdict_names_the_holder(void **state) {
  (void)state;
  msiq_installer_holder holder = {.source = MSIQ_HOLDER_SOURCE_PROCESS_LIST,
                                  .process_id = 1234};
  snprintf(holder.command_line, sizeof holder.command_line,
           "msiexec.exe /i C:\\x.msi");
  msiq_installer_holder nobody = {.source = MSIQ_HOLDER_SOURCE_NONE};
  for (int reason = 0; reason < MSIQ_GATE_REASON_COUNT; reason++) {
    bool names =
        reason == MSIQ_GATE_MUTEX_HELD || reason == MSIQ_GATE_SERVICE_BUSY;
    assert_int_equal(msiq_gate_reason_names_holder((msiq_gate_reason)reason),
                     names);
    msiq_gate_verdict verdict = {.reason = (msiq_gate_reason)reason};
    snprintf(verdict.text, sizeof verdict.text, "before");
    msiq_gate_verdict_name_holder(&verdict, &nobody);
    assert_string_equal(verdict.text, "before");
    msiq_gate_verdict_name_holder(&verdict, &holder);
    assert_string_equal(verdict.text,
                        names ? "another installation is running: "
                                "msiexec.exe /i C:\\x.msi (process 1234)"
                              : "before");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_when_nothing_closes),
      cmocka_unit_test(test_paused),
      cmocka_unit_test(test_outside_window),
      cmocka_unit_test(test_window_opens_at),
      cmocka_unit_test(test_reboot_pending_when_held),
      cmocka_unit_test(test_reboot_pending_ignored_when_not_held),
      cmocka_unit_test(test_mutex_held),
      cmocka_unit_test(test_service_states),
      cmocka_unit_test(test_order),
      cmocka_unit_test(test_order_pairs),
      cmocka_unit_test(test_asks_for_host_facts_lazily),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_verdict_names_the_holder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
