/* test_store_progress.c: what the dispatcher records from a job's worker
 * (src/store/store_progress.c): the attempt's operation and the running
 * job's live progress, as `show --json` shows them, and as `status`,
 * `list` and `wait --progress` read it (msiq_store_get_progress). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_dispatch.h"

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

/* Closes attempt 1 as a success, or as a failure (1603). */
static void finish_attempt(progress_fixture *fixture, bool succeeded) {
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
  };
  assert_int_equal(msiq_store_finish_attempt(fixture->store, &result, NULL),
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
