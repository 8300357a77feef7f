/* test_store_progress.c: what the dispatcher records from a job's worker
 * (src/store/store_progress.c): the attempt's operation, the running
 * job's live progress, and the last progress each attempt keeps when it
 * ends (migration 0005), as `show --json` and `show` show them, and as
 * `status`, `list` and `wait --progress` read it (msiq_store_get_progress). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_dispatch.h"
/* White-box: the connection's synchronous setting. */
#include "store/store_internal.h"

typedef struct progress_fixture {
  char path[512];
  msiq_store *store;
  sqlite3 *json; /* an in-memory database that evaluates JSON paths */
  int64_t job_id;
  int64_t attempt_number;
  char value[1024];
} progress_fixture;

/* A store with one job, started: running, with attempt 1 open. */
static int progress_setup(void **state) {
  progress_fixture *fixture = calloc(1, sizeof *fixture);
  assert_non_null(fixture);
  test_unique_path(fixture->path, sizeof fixture->path, "store-progress");
  assert_int_equal(
      msiq_store_open(fixture->path, MSIQ_STORE_CREATE, &fixture->store, NULL),
      MSIQ_OK);
  assert_int_equal(sqlite3_open(":memory:", &fixture->json), SQLITE_OK);
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/a.msi"), MSIQ_OK);
  spec.no_check = true;
  fixture->job_id = test_store_enqueue(fixture->store, &spec);
  msiq_job_spec_cleanup(&spec);
  assert_int_equal(msiq_store_start_attempt(fixture->store, fixture->job_id,
                                            MSIQ_STATE_QUEUED, 1773453566000,
                                            "/logs/job-1.log",
                                            &fixture->attempt_number, NULL),
                   MSIQ_OK);
  assert_int_equal(fixture->attempt_number, 1);
  *state = fixture;
  return 0;
}

static int progress_teardown(void **state) {
  progress_fixture *fixture = *state;
  sqlite3_close(fixture->json);
  msiq_store_close(fixture->store);
  test_remove_database(fixture->path);
  free(fixture);
  return 0;
}

/* The job's JSON (with its history) at `path`, as SQLite's json_extract
 * gives it ("" for SQL NULL, that is JSON null or absent). */
static const char *job_value(progress_fixture *fixture, const char *path) {
  char *json = NULL;
  assert_int_equal(
      msiq_store_job_json(fixture->store, fixture->job_id, true, &json, NULL),
      MSIQ_OK);
  sqlite3_stmt *statement = NULL;
  assert_int_equal(sqlite3_prepare_v2(fixture->json,
                                      "SELECT json_extract(?1, ?2)", -1,
                                      &statement, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(statement, 1, json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, path, -1, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  const unsigned char *text = sqlite3_column_text(statement, 0);
  snprintf(fixture->value, sizeof fixture->value, "%s",
           text != NULL ? (const char *)text : "");
  sqlite3_finalize(statement);
  free(json);
  return fixture->value;
}

/* Closes attempt 1 as a success, or as a failure (1603), with the last
 * progress given (NULL: none reported); returns the store's status. */
static int finish_attempt_with(progress_fixture *fixture, bool succeeded,
                               const msiq_job_progress *last, msiq_diag *diag) {
  msiq_attempt_result result = {
      .job_id = fixture->job_id,
      .attempt_number = fixture->attempt_number,
      .finished_at = 1773453626000,
      .has_exit_code = true,
      .exit_code = succeeded ? 0 : 1603,
      .attempt_outcome = succeeded ? "succeeded" : "failed",
      .message = succeeded ? "exit code 0 (ERROR_SUCCESS): success"
                           : "exit code 1603 (ERROR_INSTALL_FAILURE): failed",
      .new_state = succeeded ? MSIQ_STATE_SUCCEEDED : MSIQ_STATE_FAILED,
      .retry_at = MSIQ_TIME_UNSET,
      .last_error = succeeded ? NULL : "installer failed with exit code 1603",
      .progress = last,
  };
  return msiq_store_finish_attempt(fixture->store, &result, diag);
}

/* Closes attempt 1 as a success, or as a failure (1603). */
static void finish_attempt(progress_fixture *fixture, bool succeeded) {
  assert_int_equal(finish_attempt_with(fixture, succeeded, NULL, NULL),
                   MSIQ_OK);
}

static void test_progress_is_shown_while_running(void **state) {
  progress_fixture *fixture = *state;
  /* Nothing reported yet: null, not an empty object. */
  assert_string_equal(job_value(fixture, "$.progress"), "");
  assert_string_equal(job_value(fixture, "$.state"), "running");

  /* A percentage before any action. */
  msiq_job_progress progress = {45, NULL, 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.progress.percent"), "45");
  assert_string_equal(job_value(fixture, "$.progress.action"), "");
  assert_string_equal(job_value(fixture, "$.progress.since"),
                      "2026-03-14T01:59:30Z");

  /* An action before any percentage, then both. */
  progress.percent = -1;
  progress.action = "InstallFiles: Copying new files";
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.progress.percent"), "");
  assert_string_equal(job_value(fixture, "$.progress.action"),
                      "InstallFiles: Copying new files");
  progress.percent = 100;
  progress.at = 1773453580000;
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.progress.percent"), "100");
  assert_string_equal(job_value(fixture, "$.progress.since"),
                      "2026-03-14T01:59:40Z");
}

static void test_progress_ends_with_the_attempt(void **state) {
  progress_fixture *fixture = *state;
  msiq_job_progress progress = {80, "InstallFinalize", 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  finish_attempt(fixture, false);
  assert_string_equal(job_value(fixture, "$.state"), "failed");
  assert_string_equal(job_value(fixture, "$.progress"), "");

  /* A report that arrives after the end is refused, not stored. */
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_set_progress(fixture->store, fixture->job_id,
                                           &progress, &diag),
                   MSIQ_ESTATE);
  assert_non_null(strstr(diag.message, "recording its progress"));

  /* The next attempt starts with no bar: the columns were cleared, not
   * only hidden. */
  assert_int_equal(msiq_store_retry(fixture->store, fixture->job_id, NULL),
                   MSIQ_OK);
  int64_t attempt = 0;
  assert_int_equal(msiq_store_start_attempt(fixture->store, fixture->job_id,
                                            MSIQ_STATE_QUEUED, 1773453700000,
                                            NULL, &attempt, NULL),
                   MSIQ_OK);
  assert_int_equal(attempt, 2);
  assert_string_equal(job_value(fixture, "$.state"), "running");
  assert_string_equal(job_value(fixture, "$.progress"), "");
}

static void test_recovery_clears_progress(void **state) {
  progress_fixture *fixture = *state;
  msiq_job_progress progress = {10, "CostFinalize", 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  int64_t recovered = 0;
  assert_int_equal(msiq_store_recover_interrupted(fixture->store, 1773453600000,
                                                  &recovered, NULL),
                   MSIQ_OK);
  assert_int_equal(recovered, 1);
  assert_string_equal(job_value(fixture, "$.state"), "retrying");
  assert_string_equal(job_value(fixture, "$.progress"), "");
}

/* `status --json` at `path`, as job_value reads the job's JSON. */
static const char *status_value(progress_fixture *fixture, const char *path) {
  msiq_status_facts facts = {
      .mutex_state = "free",
      .service_state = "idle",
      .gate_open = true,
      .gate_reason = "open",
      .gate_text = "open",
  };
  char *json = NULL;
  assert_int_equal(msiq_store_status_json(fixture->store, &facts, &json, NULL),
                   MSIQ_OK);
  sqlite3_stmt *statement = NULL;
  assert_int_equal(sqlite3_prepare_v2(fixture->json,
                                      "SELECT json_extract(?1, ?2)", -1,
                                      &statement, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(statement, 1, json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, path, -1, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  const unsigned char *text = sqlite3_column_text(statement, 0);
  snprintf(fixture->value, sizeof fixture->value, "%s",
           text != NULL ? (const char *)text : "");
  sqlite3_finalize(statement);
  free(json);
  return fixture->value;
}

static void test_progress_is_read_for_status(void **state) {
  progress_fixture *fixture = *state;
  /* Running, nothing reported yet. */
  msiq_progress_report read;
  assert_int_equal(
      msiq_store_get_progress(fixture->store, fixture->job_id, &read, NULL),
      MSIQ_OK);
  assert_false(read.reported);
  assert_int_equal(read.percent, -1);
  assert_string_equal(read.action, "");
  assert_true(read.at == MSIQ_TIME_UNSET);
  assert_string_equal(status_value(fixture, "$.running.id"), "1");
  assert_string_equal(status_value(fixture, "$.running.progress"), "");

  /* An action alone, then a percentage with it. */
  msiq_job_progress progress = {-1, "CostInitialize", 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_int_equal(
      msiq_store_get_progress(fixture->store, fixture->job_id, &read, NULL),
      MSIQ_OK);
  assert_true(read.reported);
  assert_int_equal(read.percent, -1);
  assert_string_equal(read.action, "CostInitialize");
  assert_true(read.at == 1773453570000);
  assert_string_equal(status_value(fixture, "$.running.progress.percent"), "");
  progress.percent = 42;
  progress.action = "InstallFiles: Copying new files";
  progress.at = 1773453580000;
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_int_equal(
      msiq_store_get_progress(fixture->store, fixture->job_id, &read, NULL),
      MSIQ_OK);
  assert_true(read.reported);
  assert_int_equal(read.percent, 42);
  assert_string_equal(read.action, "InstallFiles: Copying new files");
  assert_true(read.at == 1773453580000);
  assert_string_equal(status_value(fixture, "$.running.progress.percent"),
                      "42");
  assert_string_equal(status_value(fixture, "$.running.progress.action"),
                      "InstallFiles: Copying new files");
  assert_string_equal(status_value(fixture, "$.running.progress.since"),
                      "2026-03-14T01:59:40Z");

  /* Once the attempt ended there is nothing to show. */
  finish_attempt(fixture, true);
  assert_int_equal(
      msiq_store_get_progress(fixture->store, fixture->job_id, &read, NULL),
      MSIQ_OK);
  assert_false(read.reported);
  assert_int_equal(read.percent, -1);
  assert_string_equal(status_value(fixture, "$.running"), "");

  /* A job that does not exist. */
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_get_progress(fixture->store, 99, &read, &diag),
                   MSIQ_ENOT_FOUND);
  assert_string_equal(diag.message, "no job with id 99");
}

static void test_operation_is_in_the_history(void **state) {
  progress_fixture *fixture = *state;
  assert_string_equal(job_value(fixture, "$.history[0].operation"), "");
  const char *operation = "MsiInstallProductW(\"/pkgs/a.msi\", "
                          "\"REBOOT=ReallySuppress\"); REBOOT=ReallySuppress "
                          "was added by msiq (the job does not set REBOOT)";
  assert_int_equal(msiq_store_set_attempt_operation(
                       fixture->store, fixture->job_id, fixture->attempt_number,
                       operation, NULL),
                   MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.history[0].operation"), operation);
  /* A closed attempt keeps the operation it had and takes no other. */
  finish_attempt(fixture, true);
  assert_string_equal(job_value(fixture, "$.history[0].operation"), operation);
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_set_attempt_operation(fixture->store, fixture->job_id,
                                       fixture->attempt_number, "other", &diag),
      MSIQ_ESTATE);
  assert_string_equal(job_value(fixture, "$.history[0].operation"), operation);
  /* So does an attempt that was never there. */
  assert_int_equal(msiq_store_set_attempt_operation(
                       fixture->store, fixture->job_id, 9, "other", NULL),
                   MSIQ_ESTATE);
}

/* The history entry `index` as the CLI's text view reads it. */
typedef struct attempt_view {
  int percent;
  char action[256];
  int64_t at;
  char outcome[16];
} attempt_view;

static attempt_view read_attempt(progress_fixture *fixture, size_t index) {
  msiq_attempt *attempts = NULL;
  size_t count = 0;
  assert_int_equal(msiq_store_get_attempts(fixture->store, fixture->job_id,
                                           &attempts, &count, NULL),
                   MSIQ_OK);
  assert_true(index < count);
  attempt_view view;
  view.percent = attempts[index].progress_percent;
  snprintf(view.action, sizeof view.action, "%s",
           attempts[index].progress_action != NULL
               ? attempts[index].progress_action
               : "(null)");
  view.at = attempts[index].progress_at;
  snprintf(view.outcome, sizeof view.outcome, "%s", attempts[index].outcome);
  msiq_attempts_free(attempts, count);
  return view;
}

static void test_finished_attempt_keeps_its_last_progress(void **state) {
  progress_fixture *fixture = *state;
  /* The job's row holds an older report than the one the dispatcher
   * passes when it closes the attempt (a write held back by the
   * interval): the attempt keeps the newer one. */
  msiq_job_progress written = {80, "InstallFiles: Copying new files",
                               1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &written, NULL),
      MSIQ_OK);
  msiq_job_progress last = {100, "InstallFinalize", 1773453571000};
  assert_int_equal(finish_attempt_with(fixture, true, &last, NULL), MSIQ_OK);

  assert_string_equal(job_value(fixture, "$.state"), "succeeded");
  assert_string_equal(job_value(fixture, "$.history[0].progress.percent"),
                      "100");
  assert_string_equal(job_value(fixture, "$.history[0].progress.action"),
                      "InstallFinalize");
  assert_string_equal(job_value(fixture, "$.history[0].progress.since"),
                      "2026-03-14T01:59:31Z");
  /* The job's live progress is gone; only the attempt keeps it. */
  assert_string_equal(job_value(fixture, "$.progress"), "");
  attempt_view view = read_attempt(fixture, 0);
  assert_int_equal(view.percent, 100);
  assert_string_equal(view.action, "InstallFinalize");
  assert_int_equal(view.at, 1773453571000);
  assert_string_equal(view.outcome, "succeeded");
}

static void test_attempt_progress_parts_may_be_missing(void **state) {
  progress_fixture *fixture = *state;
  /* An action alone: the percentage is null, "-" in the text view. */
  msiq_job_progress last = {-1, "CostInitialize", 1773453570000};
  assert_int_equal(finish_attempt_with(fixture, false, &last, NULL), MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.history[0].progress.action"),
                      "CostInitialize");
  assert_string_equal(job_value(fixture, "$.history[0].progress.percent"), "");
  char *json = NULL;
  assert_int_equal(
      msiq_store_job_json(fixture->store, fixture->job_id, true, &json, NULL),
      MSIQ_OK);
  assert_non_null(strstr(json, "\"progress\":{\"percent\":null,"
                               "\"action\":\"CostInitialize\""));
  free(json);
  attempt_view view = read_attempt(fixture, 0);
  assert_int_equal(view.percent, -1);
  assert_string_equal(view.action, "CostInitialize");

  /* A second attempt that reported nothing: null, not an empty object,
   * and the first attempt keeps its own. */
  assert_int_equal(msiq_store_retry(fixture->store, fixture->job_id, NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_store_start_attempt(
                       fixture->store, fixture->job_id, MSIQ_STATE_QUEUED,
                       1773453700000, NULL, &fixture->attempt_number, NULL),
                   MSIQ_OK);
  assert_int_equal(fixture->attempt_number, 2);
  assert_int_equal(finish_attempt_with(fixture, true, NULL, NULL), MSIQ_OK);
  assert_int_equal(
      msiq_store_job_json(fixture->store, fixture->job_id, true, &json, NULL),
      MSIQ_OK);
  assert_non_null(strstr(json, "\"attempt\":2,"));
  assert_non_null(strstr(json, "\"progress\":null}]"));
  free(json);
  view = read_attempt(fixture, 1);
  assert_int_equal(view.percent, -1);
  assert_string_equal(view.action, "(null)");
  assert_int_equal(view.at, MSIQ_TIME_UNSET);
  assert_string_equal(job_value(fixture, "$.history[0].progress.action"),
                      "CostInitialize");
}

static void test_running_attempt_shows_the_live_progress(void **state) {
  progress_fixture *fixture = *state;
  assert_string_equal(job_value(fixture, "$.history[0].progress"), "");
  msiq_job_progress live = {37, "InstallFiles", 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &live, NULL),
      MSIQ_OK);
  assert_string_equal(job_value(fixture, "$.history[0].progress.percent"),
                      "37");
  assert_string_equal(job_value(fixture, "$.progress.percent"), "37");
  attempt_view view = read_attempt(fixture, 0);
  assert_int_equal(view.percent, 37);
  assert_string_equal(view.outcome, "");
}

static void test_attempt_progress_is_written_with_the_outcome(void **state) {
  progress_fixture *fixture = *state;
  /* The job left `running` behind the store's back while its attempt
   * stayed open: closing the attempt succeeds, recording the outcome does
   * not, and the transaction takes the attempt's progress back with it. */
  test_database_exec(fixture->path,
                     "UPDATE job SET state = 'queued' WHERE id = 1");
  msiq_job_progress last = {37, "InstallFiles", 1773453570000};
  msiq_diag diag = {{0}};
  assert_int_equal(finish_attempt_with(fixture, false, &last, &diag),
                   MSIQ_ESTATE);
  assert_non_null(strstr(diag.message, "recording its outcome"));
  char *columns = test_database_text(
      fixture->path,
      "SELECT coalesce(outcome, 'open') || ' ' || "
      "coalesce(progress_percent, 'none') || ' ' || "
      "coalesce(progress_at, 'none') FROM attempt WHERE job_id = 1");
  assert_string_equal(columns, "open none none");
  free(columns);

  /* An attempt closed once takes no second close, nor its progress. */
  test_database_exec(fixture->path,
                     "UPDATE job SET state = 'running' WHERE id = 1");
  assert_int_equal(finish_attempt_with(fixture, true, &last, NULL), MSIQ_OK);
  msiq_job_progress later = {90, "Other", 1773453580000};
  assert_int_equal(finish_attempt_with(fixture, true, &later, NULL),
                   MSIQ_ESTATE);
  assert_string_equal(job_value(fixture, "$.history[0].progress.percent"),
                      "37");
}

static void test_recovery_keeps_the_written_progress(void **state) {
  progress_fixture *fixture = *state;
  msiq_job_progress progress = {42, "InstallFiles", 1773453570000};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  int64_t recovered = 0;
  assert_int_equal(msiq_store_recover_interrupted(fixture->store, 1773453600000,
                                                  &recovered, NULL),
                   MSIQ_OK);
  assert_int_equal(recovered, 1);
  assert_string_equal(job_value(fixture, "$.history[0].outcome"),
                      "interrupted");
  assert_string_equal(job_value(fixture, "$.history[0].progress.percent"),
                      "42");
  assert_string_equal(job_value(fixture, "$.history[0].progress.action"),
                      "InstallFiles");
  assert_string_equal(job_value(fixture, "$.history[0].progress.since"),
                      "2026-03-14T01:59:30Z");
  assert_string_equal(job_value(fixture, "$.progress"), "");
}

/* The connection's PRAGMA synchronous (2 is FULL). */
static int store_synchronous(progress_fixture *fixture) {
  sqlite3_stmt *statement = NULL;
  assert_int_equal(sqlite3_prepare_v2(fixture->store->db, "PRAGMA synchronous",
                                      -1, &statement, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  int value = sqlite3_column_int(statement, 0);
  sqlite3_finalize(statement);
  return value;
}

/* The operation and the progress are committed without a flush of their
 * own (store_progress.c); every other commit of the connection still
 * flushes (synchronous=FULL), after a write that succeeded and after one
 * that was refused. The writes are committed: another connection sees
 * them. */
static void test_progress_writes_leave_commits_flushed(void **state) {
  progress_fixture *fixture = *state;
  assert_int_equal(store_synchronous(fixture), 2);
  assert_int_equal(msiq_store_set_attempt_operation(
                       fixture->store, fixture->job_id, fixture->attempt_number,
                       "MsiInstallProductW", NULL),
                   MSIQ_OK);
  assert_int_equal(store_synchronous(fixture), 2);
  msiq_job_progress progress = {.percent = 40, .action = NULL, .at = 1};
  assert_int_equal(
      msiq_store_set_progress(fixture->store, fixture->job_id, &progress, NULL),
      MSIQ_OK);
  assert_int_equal(store_synchronous(fixture), 2);
  msiq_store *other = NULL;
  assert_int_equal(msiq_store_open(fixture->path, 0, &other, NULL), MSIQ_OK);
  msiq_progress_report seen;
  assert_int_equal(msiq_store_get_progress(other, fixture->job_id, &seen, NULL),
                   MSIQ_OK);
  msiq_store_close(other);
  assert_true(seen.reported);
  assert_int_equal(seen.percent, 40);
  finish_attempt(fixture, true);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_set_progress(fixture->store, fixture->job_id,
                                           &progress, &diag),
                   MSIQ_ESTATE);
  assert_int_equal(store_synchronous(fixture), 2);
  assert_int_equal(
      msiq_store_set_attempt_operation(fixture->store, fixture->job_id,
                                       fixture->attempt_number, "other", &diag),
      MSIQ_ESTATE);
  assert_int_equal(store_synchronous(fixture), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_progress_is_shown_while_running,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(test_progress_ends_with_the_attempt,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(test_recovery_clears_progress,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(test_operation_is_in_the_history,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(test_progress_is_read_for_status,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(
          test_finished_attempt_keeps_its_last_progress, progress_setup,
          progress_teardown),
      cmocka_unit_test_setup_teardown(
          test_attempt_progress_parts_may_be_missing, progress_setup,
          progress_teardown),
      cmocka_unit_test_setup_teardown(
          test_running_attempt_shows_the_live_progress, progress_setup,
          progress_teardown),
      cmocka_unit_test_setup_teardown(
          test_attempt_progress_is_written_with_the_outcome, progress_setup,
          progress_teardown),
      cmocka_unit_test_setup_teardown(test_recovery_keeps_the_written_progress,
                                      progress_setup, progress_teardown),
      cmocka_unit_test_setup_teardown(
          test_progress_writes_leave_commits_flushed, progress_setup,
          progress_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
