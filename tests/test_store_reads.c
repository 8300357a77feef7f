/* test_store_reads.c: the queue's reads at any size (issue 16): the
 * statements of filtered lists, `status` and `report` use their indexes,
 * the counts kept by state follow every change, `list --json`'s rows make
 * the same array as before, and `purge` deletes exactly what it should in
 * whatever batches it is cut. */
#include "test_support.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"
#include "store/store.h"
#include "store/store_dispatch.h"
/* White-box: the store's connection, for the plans and the true counts. */
#include "store/store_internal.h"

typedef struct reads_fixture {
  char path[512];
  msiq_store *store;
} reads_fixture;

static int reads_setup(void **state) {
  reads_fixture *fixture = calloc(1, sizeof *fixture);
  assert_non_null(fixture);
  test_unique_path(fixture->path, sizeof fixture->path, "reads");
  assert_int_equal(
      msiq_store_open(fixture->path, MSIQ_STORE_CREATE, &fixture->store, NULL),
      MSIQ_OK);
  *state = fixture;
  return 0;
}

static int reads_teardown(void **state) {
  reads_fixture *fixture = *state;
  msiq_store_close(fixture->store);
  test_remove_database(fixture->path);
  free(fixture);
  return 0;
}

static void exec_sql(reads_fixture *fixture, const char *sql) {
  char *message = NULL;
  int rc = sqlite3_exec(fixture->store->db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK) {
    fail_msg("%s: %s", sql, message != NULL ? message : "?");
  }
}

/* The first column of the first row of sql as an integer. */
static int64_t sql_integer(reads_fixture *fixture, const char *sql) {
  sqlite3_stmt *statement = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(fixture->store->db, sql, -1, &statement, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  return value;
}

/* The rows of sql, one column each, joined by commas ("" for none). */
static void sql_list(reads_fixture *fixture, const char *sql, char *buffer,
                     size_t size) {
  sqlite3_stmt *statement = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(fixture->store->db, sql, -1, &statement, NULL),
      SQLITE_OK);
  size_t used = 0;
  buffer[0] = '\0';
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(statement, 0);
    int written = snprintf(buffer + used, size - used, "%s%s",
                           used > 0 ? "," : "", text != NULL ? text : "NULL");
    assert_true(written > 0 && (size_t)written < size - used);
    used += (size_t)written;
  }
  sqlite3_finalize(statement);
}

/* Every step of the plan of sql ("EXPLAIN QUERY PLAN"), one per line. */
static void query_plan(reads_fixture *fixture, const char *sql, char *buffer,
                       size_t size) {
  char *explain = NULL;
  size_t length = strlen(sql) + 32;
  explain = malloc(length);
  assert_non_null(explain);
  snprintf(explain, length, "EXPLAIN QUERY PLAN %s", sql);
  sqlite3_stmt *statement = NULL;
  assert_int_equal(
      sqlite3_prepare_v2(fixture->store->db, explain, -1, &statement, NULL),
      SQLITE_OK);
  size_t used = 0;
  buffer[0] = '\0';
  while (sqlite3_step(statement) == SQLITE_ROW) {
    int written = snprintf(buffer + used, size - used, "%s\n",
                           (const char *)sqlite3_column_text(statement, 3));
    assert_true(written > 0 && (size_t)written < size - used);
    used += (size_t)written;
  }
  sqlite3_finalize(statement);
  free(explain);
}

/* Whether a plan walks the whole job table: a "SCAN" of job under its own
 * name or one of the aliases the queries give it. */
static bool plan_scans_jobs(const char *plan) {
  static const char *const scans[] = {"SCAN job\n", "SCAN j\n", "SCAN job ",
                                      "SCAN j ",    "SCAN w\n", "SCAN v\n"};
  for (size_t i = 0; i < sizeof scans / sizeof scans[0]; i++) {
    if (strstr(plan, scans[i]) != NULL) {
      return true;
    }
  }
  return false;
}

static void test_filtered_lists_seek_the_state_index(void **state) {
  reads_fixture *fixture = *state;
  const char *const queries[] = {msiq_sql_job_list_by_state,
                                 msiq_sql_job_list_json_by_state};
  char plan[4096];
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    query_plan(fixture, queries[i], plan, sizeof plan);
    if (strstr(plan, "USING INDEX job_by_state (state=?)") == NULL ||
        plan_scans_jobs(plan) || strstr(plan, "TEMP B-TREE") != NULL) {
      fail_msg("query %zu does not seek job_by_state in id order:\n%s", i,
               plan);
    }
  }
}

/* `list`'s filters (job_list_filtered.sql and its JSON twin): one branch
 * per index, each a seek, and no sort. The one SCAN of job is the branch
 * of a bare --limit, which walks the table from its newest row and stops
 * after --limit rows. */
static void test_list_filters_seek_their_indexes(void **state) {
  reads_fixture *fixture = *state;
  const char *const queries[] = {msiq_sql_job_list_filtered,
                                 msiq_sql_job_list_json_filtered};
  static const char *const seeks[] = {
      "INDEX job_by_key (idempotency_key=?)",
      "INDEX job_by_product_name (product_name=?)",
      "INDEX job_by_product_code (product_code=?)",
      "INDEX job_created (created_at>?)",
      "INDEX job_by_action (action=?)",
      "INDEX job_by_state (state=?)",
  };
  char plan[8192];
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    query_plan(fixture, queries[i], plan, sizeof plan);
    for (size_t j = 0; j < sizeof seeks / sizeof seeks[0]; j++) {
      if (strstr(plan, seeks[j]) == NULL) {
        fail_msg("query %zu does not seek %s:\n%s", i, seeks[j], plan);
      }
    }
    const char *scan = strstr(plan, "SCAN job\n");
    if (strstr(plan, "TEMP B-TREE") != NULL ||
        (scan != NULL && strstr(scan + 1, "SCAN job\n") != NULL)) {
      fail_msg("query %zu sorts or walks the table more than once:\n%s", i,
               plan);
    }
  }
}

static void test_status_and_report_do_not_walk_the_history(void **state) {
  reads_fixture *fixture = *state;
  char plan[8192];
  const char *const queries[] = {
      msiq_sql_status_json, msiq_sql_report_json, msiq_sql_job_count_by_state,
      msiq_sql_status_next_retry, msiq_sql_status_running_job};
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    query_plan(fixture, queries[i], plan, sizeof plan);
    if (plan_scans_jobs(plan)) {
      fail_msg("query %zu walks the job table:\n%s", i, plan);
    }
  }
  /* The report reads the period's finished jobs through job_finished (a
   * range of finish times), never a finished state's whole history. */
  query_plan(fixture, msiq_sql_report_json, plan, sizeof plan);
  if (strstr(plan, "USING INDEX job_finished (finished_at>?)") == NULL ||
      strstr(plan, "job_by_state") != NULL) {
    fail_msg("report does not read through job_finished:\n%s", plan);
  }
  /* The counts are the six kept rows. */
  query_plan(fixture, msiq_sql_job_count_by_state, plan, sizeof plan);
  if (strstr(plan, "job_state_count") == NULL) {
    fail_msg("the counts are not the kept ones:\n%s", plan);
  }
  query_plan(fixture, msiq_sql_status_json, plan, sizeof plan);
  if (strstr(plan, "job_state_count") == NULL) {
    fail_msg("status does not read the kept counts:\n%s", plan);
  }
}

static void test_purge_window_reads_a_range_of_the_key(void **state) {
  reads_fixture *fixture = *state;
  char plan[4096];
  exec_sql(fixture, msiq_sql_job_purge_set_create);
  query_plan(fixture, msiq_sql_job_purge_set_fill, plan, sizeof plan);
  if (strstr(plan, "SEARCH job USING INTEGER PRIMARY KEY (rowid>? AND "
                   "rowid<?)") == NULL) {
    fail_msg("a purge window does not read a range of ids:\n%s", plan);
  }
  /* Where the windows start and stop comes from job_finished alone, so a
   * purge with nothing old enough reads nothing else. */
  query_plan(fixture, msiq_sql_job_purge_range, plan, sizeof plan);
  if (strstr(plan, "USING INDEX job_finished (finished_at<?)") == NULL ||
      plan_scans_jobs(plan)) {
    fail_msg("purge's range does not come from job_finished:\n%s", plan);
  }
}

/* The kept counts equal what counting the jobs finds, state by state. */
static void assert_counts_true(reads_fixture *fixture) {
  int64_t kept[MSIQ_STATE_COUNT];
  assert_int_equal(msiq_store_count_by_state(fixture->store, kept, NULL),
                   MSIQ_OK);
  for (int state = 0; state < MSIQ_STATE_COUNT; state++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM job WHERE state = '%s'",
             msiq_state_name((msiq_state)state));
    int64_t counted = sql_integer(fixture, sql);
    if (kept[state] != counted) {
      fail_msg("%s: kept %lld, counted %lld",
               msiq_state_name((msiq_state)state), (long long)kept[state],
               (long long)counted);
    }
  }
}

static int64_t enqueue_target(reads_fixture *fixture, const char *target,
                              int64_t after) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  spec.no_check = true;
  spec.max_attempts = 2;
  if (after > 0) {
    assert_int_equal(msiq_job_spec_add_after(&spec, after), MSIQ_OK);
  }
  msiq_admission admission;
  test_admit(&spec, &admission);
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(
      msiq_store_enqueue(fixture->store, &admission, &id, &existing, NULL),
      MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  return id;
}

/* Starts job id (in state expected) and ends its attempt as new_state. */
static void run_job(reads_fixture *fixture, int64_t id, msiq_state expected,
                    msiq_state new_state, int64_t now) {
  int64_t attempt = 0;
  assert_int_equal(msiq_store_start_attempt(fixture->store, id, expected, now,
                                            NULL, &attempt, NULL),
                   MSIQ_OK);
  assert_counts_true(fixture);
  bool succeeded = new_state == MSIQ_STATE_SUCCEEDED;
  msiq_attempt_result result = {
      .job_id = id,
      .attempt_number = attempt,
      .finished_at = now + 1000,
      .has_exit_code = true,
      .exit_code = succeeded ? 0 : 1603,
      .attempt_outcome = succeeded                          ? "succeeded"
                         : new_state == MSIQ_STATE_RETRYING ? "retry"
                                                            : "failed",
      .message = "test",
      .new_state = new_state,
      .retry_at =
          new_state == MSIQ_STATE_RETRYING ? now + 2000 : MSIQ_TIME_UNSET,
      .last_error = succeeded ? NULL : "failed",
  };
  assert_int_equal(msiq_store_finish_attempt(fixture->store, &result, NULL),
                   MSIQ_OK);
}

static void test_kept_counts_follow_every_change(void **state) {
  reads_fixture *fixture = *state;
  /* The migration fills the table: every state has its row at 0. */
  assert_int_equal(sql_integer(fixture, "SELECT count(*) FROM job_state_count"),
                   MSIQ_STATE_COUNT);
  assert_counts_true(fixture);
  int64_t now = msiq_host_now_ms();

  int64_t a = enqueue_target(fixture, "/pkgs/a.msi", 0);
  int64_t b = enqueue_target(fixture, "/pkgs/b.msi", 0);
  int64_t c = enqueue_target(fixture, "/pkgs/c.msi", 0);
  int64_t waiter = enqueue_target(fixture, "/pkgs/w.msi", c);
  assert_counts_true(fixture);

  int64_t *ids = NULL;
  size_t id_count = 0;
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\": \"/pkgs/i1.msi\"},"
                                     " {\"target\": \"/pkgs/i2.msi\"},"
                                     " {\"target\": \"/pkgs/i3.msi\"}]",
                                     true, &msiq_host_admission, &ids,
                                     &id_count, NULL),
                   MSIQ_OK);
  assert_int_equal(id_count, 3);
  assert_counts_true(fixture);

  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, ids[0], false, &requested, NULL),
      MSIQ_OK);
  assert_counts_true(fixture);

  /* Dispatch outcomes: success, failure, a retry and its second run. */
  run_job(fixture, a, MSIQ_STATE_QUEUED, MSIQ_STATE_SUCCEEDED, now);
  assert_counts_true(fixture);
  run_job(fixture, b, MSIQ_STATE_QUEUED, MSIQ_STATE_FAILED, now);
  assert_counts_true(fixture);
  run_job(fixture, ids[1], MSIQ_STATE_QUEUED, MSIQ_STATE_RETRYING, now);
  assert_counts_true(fixture);
  run_job(fixture, ids[1], MSIQ_STATE_RETRYING, MSIQ_STATE_SUCCEEDED, now);
  assert_counts_true(fixture);

  /* retry puts the failed job back. */
  assert_int_equal(msiq_store_retry(fixture->store, b, NULL), MSIQ_OK);
  assert_counts_true(fixture);

  /* Recovery: a job left running by a dead dispatcher. */
  int64_t attempt = 0;
  assert_int_equal(msiq_store_start_attempt(fixture->store, ids[2],
                                            MSIQ_STATE_QUEUED, now, NULL,
                                            &attempt, NULL),
                   MSIQ_OK);
  assert_counts_true(fixture);
  int64_t recovered = 0;
  assert_int_equal(
      msiq_store_recover_interrupted(fixture->store, now, &recovered, NULL),
      MSIQ_OK);
  assert_int_equal(recovered, 1);
  assert_counts_true(fixture);

  /* A cancelled dependency fails its waiter (the dispatcher's check). */
  assert_int_equal(
      msiq_store_cancel(fixture->store, c, false, &requested, NULL), MSIQ_OK);
  int64_t failed = 0;
  assert_int_equal(msiq_store_fail_unrunnable(fixture->store, now, &failed,
                                              NULL, NULL, NULL),
                   MSIQ_OK);
  assert_int_equal(failed, 1);
  char sql[96];
  snprintf(sql, sizeof sql, "SELECT state = 'failed' FROM job WHERE id = %lld",
           (long long)waiter);
  assert_int_equal(sql_integer(fixture, sql), 1);
  assert_counts_true(fixture);

  /* Purge, and a delete by hand (a tool writing the database). */
  int64_t deleted = 0;
  assert_int_equal(msiq_store_purge(fixture->store, INT64_MAX, &deleted, NULL),
                   MSIQ_OK);
  assert_true(deleted >= 4);
  assert_counts_true(fixture);
  exec_sql(fixture, "DELETE FROM job");
  assert_counts_true(fixture);
  free(ids);
}

/* A job row written straight into the table (as tests/bench/bench_data.py
 * does), finished at finished_at or unfinished when state is one of the
 * waiting states, with an attempt, a property and an exit-code rule. */
static void insert_job(reads_fixture *fixture, int64_t id, const char *state,
                       int64_t finished_at, bool staged) {
  char sql[1024];
  bool finished = strcmp(state, "succeeded") == 0 ||
                  strcmp(state, "failed") == 0 ||
                  strcmp(state, "cancelled") == 0;
  snprintf(sql, sizeof sql,
           "INSERT INTO job (id, state, action, target, max_attempts, "
           "created_at, started_at, finished_at, package_sha256) "
           "VALUES (%lld, '%s', 'install', '/staged/%lld.msi', 3, 1, %s, %s, "
           "%s);"
           "INSERT INTO job_property (job_id, position, name, value) "
           "VALUES (%lld, 0, 'A', 'B');"
           "INSERT INTO job_exit_code (job_id, code, outcome) "
           "VALUES (%lld, 42, 'success');",
           (long long)id, state, (long long)id,
           strcmp(state, "queued") == 0 ? "NULL" : "1", finished ? "?" : "NULL",
           staged ? "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7"
                    "852b855'"
                  : "NULL",
           (long long)id, (long long)id);
  /* The finish time goes in by text: sqlite3_exec binds nothing. */
  char time_text[32];
  snprintf(time_text, sizeof time_text, "%lld", (long long)finished_at);
  char *question = strchr(sql, '?');
  if (question != NULL) {
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", question + 1);
    snprintf(question, sizeof sql - (size_t)(question - sql), "%s%s", time_text,
             rest);
  }
  exec_sql(fixture, sql);
  if (strcmp(state, "queued") != 0) {
    snprintf(sql, sizeof sql,
             "INSERT INTO attempt (job_id, number, started_at, finished_at, "
             "outcome) VALUES (%lld, 1, 1, %s, %s)",
             (long long)id, finished ? time_text : "NULL",
             finished ? "'succeeded'" : "NULL");
    exec_sql(fixture, sql);
  }
}

static void add_dependency(reads_fixture *fixture, int64_t job_id,
                           int64_t after_id) {
  char sql[160];
  snprintf(sql, sizeof sql,
           "INSERT INTO job_dependency (job_id, after_id) VALUES (%lld, %lld)",
           (long long)job_id, (long long)after_id);
  exec_sql(fixture, sql);
}

/* A history of 60 jobs across ids with gaps: old and recent finished jobs
 * of every finished state, unfinished ones, staged ones, and dependencies
 * of finished and of waiting jobs on old finished ones. */
static void fill_history(reads_fixture *fixture) {
  static const char *const states[] = {"succeeded", "failed",   "cancelled",
                                       "queued",    "retrying", "succeeded"};
  exec_sql(fixture, "BEGIN");
  for (int64_t i = 1; i <= 60; i++) {
    /* Ids 3, 6, 9...: gaps the windows must step over. */
    int64_t id = i * 3 + (i % 2);
    const char *state = states[i % 6];
    /* Old (1,000 to 1,060) or recent (10,000+) finish times, repeated. */
    int64_t finished_at = i % 4 == 0 ? 10000 + i : 1000 + i % 3;
    insert_job(fixture, id, state, finished_at, i % 5 == 0);
  }
  /* Id 184: a running job. */
  insert_job(fixture, 184, "running", 0, false);
  /* A finished waiter on an old finished job: both go, and the row. */
  add_dependency(fixture, 3 * 1 + 1, 3 * 2);
  /* A queued job (id 3 * 3 + 1) waits for an old succeeded job (id 3 * 5 +
   * 1 = 16): that one stays. */
  add_dependency(fixture, 3 * 3 + 1, 3 * 5 + 1);
  /* The running job waits for an old failed one (id 3 * 7 + 1 = 22). */
  add_dependency(fixture, 184, 3 * 7 + 1);
  exec_sql(fixture, "COMMIT");
}

/* What purge before `before` must delete, by an independent query. */
static const char expected_sql[] =
    "SELECT group_concat(id) FROM (SELECT id FROM job AS j"
    " WHERE j.state IN ('succeeded', 'failed', 'cancelled')"
    "   AND j.finished_at < 5000"
    "   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d JOIN job AS w"
    "                    ON w.id = d.job_id WHERE d.after_id = j.id"
    "                   AND w.state IN ('queued', 'running', 'retrying'))"
    " ORDER BY id)";

static void
test_purge_in_tiny_batches_deletes_exactly_the_old_jobs(void **state) {
  reads_fixture *fixture = *state;
  /* A window of one id per transaction, windows of a few ids, several
   * windows per transaction, and the default. */
  static const msiq_purge_batching batchings[] = {
      {1, 0, 0}, {2, 0, 0}, {7, 0, 1}, {2000, 300, 100}};
  for (size_t b = 0; b < sizeof batchings / sizeof batchings[0]; b++) {
    exec_sql(fixture, "DELETE FROM job; DELETE FROM staged_removal");
    fill_history(fixture);
    char expected[2048];
    sql_list(fixture, expected_sql, expected, sizeof expected);
    int64_t expected_count = sql_integer(
        fixture, "SELECT count(*) FROM job AS j"
                 " WHERE j.state IN ('succeeded', 'failed', 'cancelled')"
                 "   AND j.finished_at < 5000"
                 "   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d"
                 "   JOIN job AS w ON w.id = d.job_id WHERE d.after_id = j.id"
                 "   AND w.state IN ('queued', 'running', 'retrying'))");
    assert_true(expected_count > 10);
    int64_t staged_expected = sql_integer(
        fixture,
        "SELECT count(*) FROM job AS j WHERE package_sha256 IS NOT NULL"
        " AND j.state IN ('succeeded', 'failed', 'cancelled')"
        " AND j.finished_at < 5000"
        " AND NOT EXISTS (SELECT 1 FROM job_dependency AS d"
        " JOIN job AS w ON w.id = d.job_id WHERE d.after_id = j.id"
        " AND w.state IN ('queued', 'running', 'retrying'))");
    int64_t total = sql_integer(fixture, "SELECT count(*) FROM job");
    int64_t deleted = -1;
    assert_int_equal(msiq_store_purge_in_batches(fixture->store, 5000,
                                                 &batchings[b], &deleted, NULL),
                     MSIQ_OK);
    assert_int_equal(deleted, expected_count);
    assert_int_equal(sql_integer(fixture, "SELECT count(*) FROM job"),
                     total - expected_count);
    /* None of the expected ids is left, and nothing else went. */
    char left[2048];
    char query[2400];
    snprintf(query, sizeof query, "SELECT count(*) FROM job WHERE id IN (%s)",
             expected);
    assert_int_equal(sql_integer(fixture, query), 0);
    /* Every row that referred to a deleted job went with it. */
    sql_list(fixture,
             "SELECT \"table\" || ':' || rowid FROM "
             "pragma_foreign_key_check",
             left, sizeof left);
    assert_string_equal(left, "");
    assert_int_equal(
        sql_integer(fixture, "SELECT count(*) FROM attempt WHERE job_id NOT IN"
                             " (SELECT id FROM job)"),
        0);
    assert_int_equal(
        sql_integer(fixture, "SELECT count(*) FROM job_dependency"), 2);
    assert_int_equal(
        sql_integer(fixture, "SELECT count(*) FROM staged_removal"),
        staged_expected);
    /* Foreign keys are enforced again on the store's connection. */
    assert_int_equal(sql_integer(fixture, "PRAGMA foreign_keys"), 1);
    assert_counts_true(fixture);
    /* Nothing more to delete: a second purge finds nothing. */
    assert_int_equal(msiq_store_purge_in_batches(fixture->store, 5000,
                                                 &batchings[b], &deleted, NULL),
                     MSIQ_OK);
    assert_int_equal(deleted, 0);
  }
}

static void test_purge_refuses_a_window_of_nothing(void **state) {
  reads_fixture *fixture = *state;
  static const msiq_purge_batching none = {0, 0, 0};
  int64_t deleted = -1;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_purge_in_batches(fixture->store, 5000, &none, &deleted, &diag),
      MSIQ_EINVAL);
  assert_int_equal(deleted, 0);
}

/* purge writes the cascade of migration 0001 out: it must know every table
 * whose rows refer to a job. A new one needs its delete in
 * job_purge_set_delete.sql (and its name here). */
static void test_purge_knows_every_table_that_refers_to_jobs(void **state) {
  reads_fixture *fixture = *state;
  char tables[512];
  sql_list(
      fixture,
      "SELECT DISTINCT m.name || '.' || f.\"from\" FROM sqlite_schema AS m,"
      " pragma_foreign_key_list(m.name) AS f"
      " WHERE m.type = 'table' AND f.\"table\" = 'job' ORDER BY 1",
      tables, sizeof tables);
  assert_string_equal(tables, "attempt.job_id,job_dependency.after_id,"
                              "job_dependency.job_id,job_exit_code.job_id,"
                              "job_more_patch.job_id,job_property.job_id,"
                              "job_staged_file.job_id");
  for (const char *table = tables; *table != '\0';) {
    const char *end = strchr(table, ',');
    size_t length = end != NULL ? (size_t)(end - table) : strlen(table);
    char needle[96];
    const char *dot = memchr(table, '.', length);
    assert_non_null(dot);
    snprintf(needle, sizeof needle, "DELETE FROM %.*s WHERE %.*s IN",
             (int)(dot - table), table,
             (int)(length - (size_t)(dot - table) - 1), dot + 1);
    if (strstr(msiq_sql_job_purge_set_delete, needle) == NULL) {
      fail_msg("job_purge_set_delete.sql has no '%s'", needle);
    }
    table += length + (end != NULL ? 1 : 0);
  }
}

/* A msiq_json_visitor that counts the objects. */
static int count_objects(const char *json, size_t length, void *context,
                         msiq_diag *diag) {
  (void)diag;
  assert_true(length > 0 && json[0] == '{' && json[length - 1] == '}');
  (*(int *)context)++;
  return MSIQ_OK;
}

/* A msiq_json_visitor that stops the walk. */
static int stop_walk(const char *json, size_t length, void *context,
                     msiq_diag *diag) {
  (void)json;
  (void)length;
  (*(int *)context)++;
  return msiq_diag_set(diag, MSIQ_EIO, "stopped");
}

static void test_list_json_rows_are_the_jobs_objects(void **state) {
  reads_fixture *fixture = *state;
  char *json = NULL;
  assert_int_equal(msiq_store_list_json(fixture->store, -1, &json, NULL),
                   MSIQ_OK);
  assert_string_equal(json, "[]");
  free(json);
  int64_t first = enqueue_target(fixture, "/pkgs/a.msi", 0);
  int64_t second = enqueue_target(fixture, "/pkgs/b\\x \u00e9.msi", first);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, first, false, &requested, NULL),
      MSIQ_OK);
  /* The array is the objects `show --json` prints, in id order. */
  char *one = NULL;
  char *two = NULL;
  assert_int_equal(
      msiq_store_job_json(fixture->store, first, false, &one, NULL), MSIQ_OK);
  assert_int_equal(
      msiq_store_job_json(fixture->store, second, false, &two, NULL), MSIQ_OK);
  size_t size = strlen(one) + strlen(two) + 4;
  char *expected = malloc(size);
  assert_non_null(expected);
  snprintf(expected, size, "[%s,%s]", one, two);
  assert_int_equal(msiq_store_list_json(fixture->store, -1, &json, NULL),
                   MSIQ_OK);
  assert_string_equal(json, expected);
  free(json);
  snprintf(expected, size, "[%s]", two);
  assert_int_equal(
      msiq_store_list_json(fixture->store, MSIQ_STATE_QUEUED, &json, NULL),
      MSIQ_OK);
  assert_string_equal(json, expected);
  free(json);
  free(expected);
  free(one);
  free(two);
  int objects = 0;
  assert_int_equal(msiq_store_list_json_rows(fixture->store, -1, count_objects,
                                             &objects, NULL),
                   MSIQ_OK);
  assert_int_equal(objects, 2);
  /* A visitor's failure stops the walk at once and is returned. */
  int visits = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_list_json_rows(fixture->store, -1, stop_walk, &visits, &diag),
      MSIQ_EIO);
  assert_int_equal(visits, 1);
  assert_string_equal(diag.message, "stopped");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_filtered_lists_seek_the_state_index,
                                      reads_setup, reads_teardown),
      cmocka_unit_test_setup_teardown(test_list_filters_seek_their_indexes,
                                      reads_setup, reads_teardown),
      cmocka_unit_test_setup_teardown(
          test_status_and_report_do_not_walk_the_history, reads_setup,
          reads_teardown),
      cmocka_unit_test_setup_teardown(
          test_purge_window_reads_a_range_of_the_key, reads_setup,
          reads_teardown),
      cmocka_unit_test_setup_teardown(test_kept_counts_follow_every_change,
                                      reads_setup, reads_teardown),
      cmocka_unit_test_setup_teardown(
          test_purge_in_tiny_batches_deletes_exactly_the_old_jobs, reads_setup,
          reads_teardown),
      cmocka_unit_test_setup_teardown(test_purge_refuses_a_window_of_nothing,
                                      reads_setup, reads_teardown),
      cmocka_unit_test_setup_teardown(
          test_purge_knows_every_table_that_refers_to_jobs, reads_setup,
          reads_teardown),
      cmocka_unit_test_setup_teardown(test_list_json_rows_are_the_jobs_objects,
                                      reads_setup, reads_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
