/* test_store.c: the queue's operations against a real SQLite file. */
#include "test_support.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"
#include "store/store.h"
#include "store/store_dispatch.h"
/* White-box: the job row's column enum and the store's connection. */
#include "store/store_internal.h"

typedef struct store_fixture {
  char path[512];
  msiq_store *store;
} store_fixture;

static int store_setup(void **state) {
  store_fixture *fixture = calloc(1, sizeof *fixture);
  assert_non_null(fixture);
  test_unique_path(fixture->path, sizeof fixture->path, "store");
  assert_int_equal(
      msiq_store_open(fixture->path, MSIQ_STORE_CREATE, &fixture->store, NULL),
      MSIQ_OK);
  *state = fixture;
  return 0;
}

static int store_teardown(void **state) {
  store_fixture *fixture = *state;
  msiq_store_close(fixture->store);
  test_remove_database(fixture->path);
  free(fixture);
  return 0;
}

/* Admits spec as the CLI does and stores it; returns the store's status. */
static int admit_and_enqueue(msiq_store *store, msiq_job_spec *spec,
                             int64_t *id, bool *existing, msiq_diag *diag) {
  msiq_admission admission;
  test_admit(spec, &admission);
  return msiq_store_enqueue(store, &admission, id, existing, diag);
}

/* Enqueues a job for a target that need not exist; returns its id. */
static int64_t enqueue_simple(msiq_store *store, const char *target,
                              int64_t priority, const char *key) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  spec.no_check = true;
  spec.priority = priority;
  if (key != NULL) {
    assert_int_equal(msiq_job_spec_set_key(&spec, key), MSIQ_OK);
  }
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  assert_int_equal(admit_and_enqueue(store, &spec, &id, &existing, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  return id;
}

/* Enqueues a job that runs after the job `after`; returns its id. */
static int64_t enqueue_after(msiq_store *store, const char *target,
                             int64_t after) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_after(&spec, after), MSIQ_OK);
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(admit_and_enqueue(store, &spec, &id, &existing, NULL),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  return id;
}

/* Asserts a job's state and, when `error` is not NULL, its last error. */
static void assert_job_state(msiq_store *store, int64_t id, msiq_state state,
                             const char *error) {
  msiq_job job;
  assert_int_equal(msiq_store_get_job(store, id, &job, NULL), MSIQ_OK);
  assert_int_equal(job.state, state);
  if (error != NULL) {
    assert_non_null(job.last_error);
    assert_string_equal(job.last_error, error);
  }
  msiq_job_cleanup(&job);
}

static int64_t fail_unrunnable(msiq_store *store) {
  int64_t failed = -1;
  assert_int_equal(msiq_store_fail_unrunnable(store, msiq_host_now_ms(),
                                              &failed, NULL, NULL, NULL),
                   MSIQ_OK);
  return failed;
}

static void
test_cancelled_dependency_fails_its_dependents_down_the_chain(void **state) {
  store_fixture *fixture = *state;
  int64_t a = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  int64_t b = enqueue_after(fixture->store, "/pkgs/b.msi", a);
  int64_t c = enqueue_after(fixture->store, "/pkgs/c.msi", b);
  int64_t other = enqueue_simple(fixture->store, "/pkgs/other.msi", 0, NULL);
  assert_int_equal(fail_unrunnable(fixture->store), 0);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, a, false, &requested, NULL), MSIQ_OK);
  assert_int_equal(fail_unrunnable(fixture->store), 2);
  char expected[64];
  snprintf(expected, sizeof expected, "dependency job %lld cancelled",
           (long long)a);
  assert_job_state(fixture->store, b, MSIQ_STATE_FAILED, expected);
  snprintf(expected, sizeof expected, "dependency job %lld failed",
           (long long)b);
  assert_job_state(fixture->store, c, MSIQ_STATE_FAILED, expected);
  assert_job_state(fixture->store, other, MSIQ_STATE_QUEUED, NULL);
  /* The work list is done: the next check finds nothing. */
  assert_int_equal(fail_unrunnable(fixture->store), 0);
}

static void test_dependency_on_a_job_that_already_failed_fails(void **state) {
  store_fixture *fixture = *state;
  int64_t a = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, a, false, &requested, NULL), MSIQ_OK);
  assert_int_equal(fail_unrunnable(fixture->store), 0);
  int64_t b = enqueue_after(fixture->store, "/pkgs/b.msi", a);
  assert_int_equal(fail_unrunnable(fixture->store), 1);
  char expected[64];
  snprintf(expected, sizeof expected, "dependency job %lld cancelled",
           (long long)a);
  assert_job_state(fixture->store, b, MSIQ_STATE_FAILED, expected);
}

static void
test_dependency_retried_before_the_check_holds_nothing(void **state) {
  store_fixture *fixture = *state;
  int64_t a = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  int64_t b = enqueue_after(fixture->store, "/pkgs/b.msi", a);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, a, false, &requested, NULL), MSIQ_OK);
  /* The administrator thinks better of it before the dispatcher looks. */
  assert_int_equal(msiq_store_retry(fixture->store, a, NULL), MSIQ_OK);
  assert_int_equal(fail_unrunnable(fixture->store), 0);
  assert_job_state(fixture->store, b, MSIQ_STATE_QUEUED, NULL);
}

static int count_visitor(const msiq_job *job, void *context) {
  (void)job;
  (*(int *)context)++;
  return MSIQ_OK;
}

static int count_jobs(msiq_store *store, int state_filter) {
  int count = 0;
  assert_int_equal(
      msiq_store_list_jobs(store, state_filter, count_visitor, &count, NULL),
      MSIQ_OK);
  return count;
}

static void test_enqueue_round_trips_every_field(void **state) {
  store_fixture *fixture = *state;
  int64_t first = enqueue_simple(fixture->store, "/pkgs/base.msi", 0, NULL);
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  msiq_diag diag = {{0}};
  spec.action = MSIQ_ACTION_PATCH;
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/fix.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "Z", "last", &diag),
                   MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "A", "with \"quote\"", &diag), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, first), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1603=retry", &diag),
                   MSIQ_OK);
  spec.priority = 7;
  spec.not_before = 1700000000000;
  spec.deadline = 4000000000000;
  spec.max_attempts = 4;
  spec.timeout_ms = 60000;
  assert_int_equal(msiq_job_spec_set_key(&spec, "patch-night"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "/logs/fix.log"), MSIQ_OK);
  int64_t id = 0;
  bool existing = true;
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag), MSIQ_OK);
  assert_false(existing);
  assert_true(id > first);
  msiq_job_spec_cleanup(&spec);

  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, id, &job, &diag),
                   MSIQ_OK);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_int_equal(job.action, MSIQ_ACTION_PATCH);
  /* Stored absolute, in the host's own form ("Z:\\pkgs\\fix.msp" on
   * Windows). */
  char *expected = NULL;
  assert_int_equal(msiq_host_absolute_path("/pkgs/fix.msp", &expected, NULL),
                   MSIQ_OK);
  assert_string_equal(job.target, expected);
  free(expected);
  assert_int_equal(job.property_count, 2);
  assert_string_equal(job.properties[0].name, "Z");
  assert_string_equal(job.properties[1].name, "A");
  assert_string_equal(job.properties[1].value, "with \"quote\"");
  assert_int_equal(job.after_count, 1);
  assert_int_equal(job.after[0], first);
  assert_int_equal(job.exit_code_rule_count, 1);
  assert_int_equal(job.exit_code_rules[0].code, 1603);
  assert_int_equal(job.exit_code_rules[0].outcome, MSIQ_OUTCOME_RETRY);
  assert_int_equal(job.priority, 7);
  assert_int_equal(job.not_before, 1700000000000);
  assert_int_equal(job.deadline, 4000000000000);
  assert_int_equal(job.max_attempts, 4);
  assert_int_equal(job.timeout_ms, 60000);
  assert_string_equal(job.key, "patch-night");
  assert_non_null(strstr(job.log_path, "fix.log"));
  assert_int_equal(job.attempts, 0);
  assert_false(job.has_exit_code);
  assert_int_equal(job.started_at, MSIQ_TIME_UNSET);
  assert_true(job.created_at > 1700000000000);
  msiq_job_cleanup(&job);
}

static void test_idempotency_key_names_one_unfinished_job(void **state) {
  store_fixture *fixture = *state;
  int64_t id = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, "k");
  /* The same job again (at another priority) is answered with the first. */
  int64_t again = enqueue_simple(fixture->store, "/pkgs/a.msi", 9, "k");
  assert_int_equal(again, id);
  assert_int_equal(count_jobs(fixture->store, -1), 1);
  /* Another job under the same key is refused, naming the first. */
  msiq_job_spec other;
  msiq_job_spec_init(&other);
  assert_int_equal(msiq_job_spec_set_target(&other, "/pkgs/other.msi"),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&other, "k"), MSIQ_OK);
  other.no_check = true;
  int64_t refused = 0;
  bool existing = true;
  msiq_diag refusal = {{0}};
  assert_int_equal(
      admit_and_enqueue(fixture->store, &other, &refused, &existing, &refusal),
      MSIQ_ESTATE);
  assert_false(existing);
  assert_message_contains(refusal.message, "already names unfinished job");
  /* The paths as this host makes them absolute ("Z:\pkgs\..." under
   * Wine). */
  assert_message_contains(refusal.message,
                          "other.msi'; use another key or cancel job");
  assert_int_equal(count_jobs(fixture->store, -1), 1);
  msiq_job_spec_cleanup(&other);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, id, false, &requested, NULL), MSIQ_OK);
  /* A finished job's key may be used again. */
  int64_t fresh = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, "k");
  assert_true(fresh > id);
  assert_int_equal(count_jobs(fixture->store, -1), 2);
  /* Retrying the cancelled one would make two unfinished jobs with key k. */
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_retry(fixture->store, id, &diag), MSIQ_ESTATE);
  assert_non_null(strstr(diag.message, "same key"));
}

static void
test_enqueue_refuses_unknown_dependency_and_stores_nothing(void **state) {
  store_fixture *fixture = *state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/a.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 42), MSIQ_OK);
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag),
      MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "42"));
  assert_int_equal(count_jobs(fixture->store, -1), 0);
  msiq_job_spec_cleanup(&spec);
}

static void test_enqueue_checks_that_the_package_exists(void **state) {
  store_fixture *fixture = *state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, "/no/such/package.msi"),
                   MSIQ_OK);
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag),
      MSIQ_EPACKAGE_MISSING);
  assert_non_null(strstr(diag.message, "package.msi"));
  assert_non_null(strstr(diag.message, "does not exist"));
  spec.no_check = true;
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag), MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
}

static void
test_enqueue_resolves_after_keys_without_changing_the_spec(void **state) {
  store_fixture *fixture = *state;
  int64_t base = enqueue_simple(fixture->store, "/pkgs/base.msi", 0, "base");
  int64_t other = enqueue_simple(fixture->store, "/pkgs/other.msi", 0, NULL);
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/c.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, other), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "base"), MSIQ_OK);
  const int64_t *after_before = spec.after;
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag), MSIQ_OK);
  /* The key was resolved into the store's own list, not into the spec. */
  assert_int_equal(spec.after_count, 1);
  assert_ptr_equal(spec.after, after_before);
  assert_int_equal(spec.after[0], other);
  assert_int_equal(spec.after_key_count, 1);
  assert_string_equal(spec.after_keys[0], "base");
  msiq_job_spec_cleanup(&spec);

  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, id, &job, NULL), MSIQ_OK);
  /* Both dependencies are stored (read back in id order). */
  assert_int_equal(job.after_count, 2);
  assert_int_equal(job.after[0], base);
  assert_int_equal(job.after[1], other);
  msiq_job_cleanup(&job);
}

static void
test_enqueue_refuses_unknown_after_key_and_stores_nothing(void **state) {
  store_fixture *fixture = *state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/a.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after_key(&spec, "nobody"), MSIQ_OK);
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  assert_int_equal(
      admit_and_enqueue(fixture->store, &spec, &id, &existing, &diag),
      MSIQ_EINVAL);
  assert_string_equal(diag.message, "after key 'nobody': no job has that key");
  assert_int_equal(spec.after_count, 0);
  assert_int_equal(count_jobs(fixture->store, -1), 0);
  msiq_job_spec_cleanup(&spec);
}

/* A repeated keyed enqueue answers the job it made even when the package
 * has gone meanwhile (a share offline); only a new job needs the package. */
static void test_unfinished_key_answers_before_a_missing_package(void **state) {
  store_fixture *fixture = *state;
  int64_t first = enqueue_simple(fixture->store, "/no/such/app.msi", 0, "k");
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, "/no/such/app.msi"),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&spec, "k"), MSIQ_OK);
  msiq_admission admission;
  test_admit(&spec, &admission);
  assert_int_equal(admission.refusal, MSIQ_EPACKAGE_MISSING);
  msiq_diag diag = {{0}};
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(
      msiq_store_enqueue(fixture->store, &admission, &id, &existing, &diag),
      MSIQ_OK);
  assert_true(existing);
  assert_int_equal(id, first);

  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, first, false, &requested, NULL),
      MSIQ_OK);
  assert_int_equal(
      msiq_store_enqueue(fixture->store, &admission, &id, &existing, &diag),
      MSIQ_EPACKAGE_MISSING);
  assert_false(existing);
  assert_non_null(strstr(diag.message, "app.msi' does not exist"));
  assert_int_equal(count_jobs(fixture->store, -1), 1);
  msiq_job_spec_cleanup(&spec);
}

static void test_cancel_and_retry_follow_the_state_machine(void **state) {
  store_fixture *fixture = *state;
  int64_t id = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  msiq_diag diag = {{0}};
  bool requested = true;
  assert_int_equal(msiq_store_retry(fixture->store, id, &diag), MSIQ_ESTATE);
  assert_int_equal(
      msiq_store_cancel(fixture->store, id, false, &requested, &diag), MSIQ_OK);
  assert_false(requested);
  assert_int_equal(
      msiq_store_cancel(fixture->store, id, false, &requested, &diag),
      MSIQ_ESTATE);
  assert_non_null(strstr(diag.message, "already cancelled"));
  assert_int_equal(
      msiq_store_cancel(fixture->store, 999, false, &requested, &diag),
      MSIQ_ENOT_FOUND);

  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, id, &job, NULL), MSIQ_OK);
  assert_int_equal(job.state, MSIQ_STATE_CANCELLED);
  assert_true(job.finished_at != MSIQ_TIME_UNSET);
  msiq_job_cleanup(&job);

  assert_int_equal(msiq_store_retry(fixture->store, id, &diag), MSIQ_OK);
  assert_int_equal(msiq_store_get_job(fixture->store, id, &job, NULL), MSIQ_OK);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_int_equal(job.finished_at, MSIQ_TIME_UNSET);
  assert_null(job.last_error);
  msiq_job_cleanup(&job);
}

static void test_pause_and_resume(void **state) {
  store_fixture *fixture = *state;
  msiq_queue_status queue;
  assert_int_equal(msiq_store_queue_status(fixture->store, &queue, NULL),
                   MSIQ_OK);
  assert_false(queue.paused);
  assert_int_equal(msiq_store_pause(fixture->store, "patch freeze", NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_store_queue_status(fixture->store, &queue, NULL),
                   MSIQ_OK);
  assert_true(queue.paused);
  assert_string_equal(queue.pause_reason, "patch freeze");
  assert_true(queue.paused_at != MSIQ_TIME_UNSET);
  assert_int_equal(msiq_store_resume(fixture->store, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_queue_status(fixture->store, &queue, NULL),
                   MSIQ_OK);
  assert_false(queue.paused);
  assert_string_equal(queue.pause_reason, "");
}

/* Ids are never given twice: after the newest jobs are purged, the next
 * job gets an id above theirs (the job table has no AUTOINCREMENT;
 * 0009_purged_jobs.sql keeps the largest id deleted). */
static void test_purged_ids_are_not_given_again(void **state) {
  store_fixture *fixture = *state;
  int64_t ids[3];
  bool requested = false;
  for (int i = 0; i < 3; i++) {
    ids[i] = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
    assert_int_equal(
        msiq_store_cancel(fixture->store, ids[i], false, &requested, NULL),
        MSIQ_OK);
  }
  int64_t deleted = 0;
  assert_int_equal(msiq_store_purge(fixture->store, INT64_MAX, &deleted, NULL),
                   MSIQ_OK);
  assert_int_equal(deleted, 3);
  assert_int_equal(count_jobs(fixture->store, -1), 0);
  int64_t next = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  assert_int_equal(next, ids[2] + 1);
  /* The purged ids are gone (their default logs may go); the new job's id
   * and one never given are not. */
  bool gone = false;
  assert_int_equal(msiq_store_job_id_gone(fixture->store, ids[0], &gone, NULL),
                   MSIQ_OK);
  assert_true(gone);
  assert_int_equal(msiq_store_job_id_gone(fixture->store, next, &gone, NULL),
                   MSIQ_OK);
  assert_false(gone);
  assert_int_equal(
      msiq_store_job_id_gone(fixture->store, next + 1, &gone, NULL), MSIQ_OK);
  assert_false(gone);
  /* A job deleted below the newest one changes nothing either. */
  int64_t after = enqueue_simple(fixture->store, "/pkgs/b.msi", 0, NULL);
  assert_int_equal(
      msiq_store_cancel(fixture->store, next, false, &requested, NULL),
      MSIQ_OK);
  assert_int_equal(msiq_store_purge(fixture->store, INT64_MAX, &deleted, NULL),
                   MSIQ_OK);
  assert_int_equal(deleted, 1);
  assert_int_equal(enqueue_simple(fixture->store, "/pkgs/c.msi", 0, NULL),
                   after + 1);
}

static void test_purge_keeps_unfinished_and_needed_jobs(void **state) {
  store_fixture *fixture = *state;
  int64_t done = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  int64_t needed = enqueue_simple(fixture->store, "/pkgs/b.msi", 0, NULL);
  int64_t waiting = 0;
  {
    msiq_job_spec spec;
    msiq_job_spec_init(&spec);
    spec.no_check = true;
    assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/c.msi"), MSIQ_OK);
    assert_int_equal(msiq_job_spec_add_after(&spec, needed), MSIQ_OK);
    bool existing = false;
    assert_int_equal(
        admit_and_enqueue(fixture->store, &spec, &waiting, &existing, NULL),
        MSIQ_OK);
    msiq_job_spec_cleanup(&spec);
  }
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, done, false, &requested, NULL),
      MSIQ_OK);
  assert_int_equal(
      msiq_store_cancel(fixture->store, needed, false, &requested, NULL),
      MSIQ_OK);
  int64_t deleted = -1;
  /* Nothing finished before an hour ago. */
  assert_int_equal(msiq_store_purge(fixture->store, 1000, &deleted, NULL),
                   MSIQ_OK);
  assert_int_equal(deleted, 0);
  /* Everything finished before the far future, except `needed`, which the
   * queued job `waiting` still depends on. */
  assert_int_equal(msiq_store_purge(fixture->store, INT64_MAX, &deleted, NULL),
                   MSIQ_OK);
  assert_int_equal(deleted, 1);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, done, &job, NULL),
                   MSIQ_ENOT_FOUND);
  assert_int_equal(msiq_store_get_job(fixture->store, needed, &job, NULL),
                   MSIQ_OK);
  msiq_job_cleanup(&job);
  assert_int_equal(count_jobs(fixture->store, MSIQ_STATE_QUEUED), 1);
}

static void test_import_is_all_or_nothing(void **state) {
  store_fixture *fixture = *state;
  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  const char *bad_third =
      "[{\"target\":\"/p/a.msi\"},{\"target\":\"/p/b.msi\"},"
      "{\"target\":\"/p/c.msi\",\"properties\":{\"9X\":\"1\"}}]";
  assert_int_equal(msiq_store_import(fixture->store, bad_third, true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "item 3"));
  assert_non_null(strstr(diag.message, "9X"));
  assert_null(ids);
  assert_int_equal(count_jobs(fixture->store, -1), 0);

  const char *good =
      "[{\"target\":\"/p/base.msi\",\"key\":\"base\","
      "\"properties\":{\"B\":\"2\",\"A\":1}},"
      "{\"action\":\"patch\",\"target\":\"/p/fix.msp\",\"after\":[\"base\"],"
      "\"priority\":3,\"timeout\":\"15m\",\"exit_codes\":{\"1603\":\"retry\"}}"
      "]";
  assert_int_equal(msiq_store_import(fixture->store, good, true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_OK);
  assert_int_equal(count, 2);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, ids[1], &job, NULL),
                   MSIQ_OK);
  assert_int_equal(job.action, MSIQ_ACTION_PATCH);
  assert_int_equal(job.after_count, 1);
  assert_int_equal(job.after[0], ids[0]);
  assert_int_equal(job.priority, 3);
  assert_int_equal(job.timeout_ms, 15 * 60 * 1000);
  assert_int_equal(job.exit_code_rule_count, 1);
  msiq_job_cleanup(&job);
  assert_int_equal(msiq_store_get_job(fixture->store, ids[0], &job, NULL),
                   MSIQ_OK);
  assert_int_equal(job.property_count, 2);
  assert_string_equal(job.properties[0].name, "B");
  assert_string_equal(job.properties[1].value, "1");
  msiq_job_cleanup(&job);
  free(ids);
}

/* An import stores its items as the manifest lists them: ids in item order,
 * each job's properties in document order (not sorted: the names here run
 * backwards and then jump), its priority, and its dependencies by key on
 * items earlier in the same manifest. Enough items and members that an
 * import which read the JSON in another order would show it. */
#define IMPORT_ORDER_ITEMS      300
#define IMPORT_ORDER_PROPERTIES 17

/* The admission services import uses are the caller's: these fakes make
 * every path absolute under /fake-root and know of one package only, which
 * exists nowhere on this machine. */
static int fake_root_absolute_path(const char *path, char **absolute,
                                   msiq_diag *diag) {
  size_t length = strlen("/fake-root/") + strlen(path) + 1;
  *absolute = malloc(length);
  if (*absolute == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  snprintf(*absolute, length, "/fake-root/%s", path);
  return MSIQ_OK;
}

static bool fake_root_file_exists(const char *path) {
  return strcmp(path, "/fake-root/share/app.msi") == 0;
}

static int fake_root_check_path(const char *path, msiq_path_role role,
                                msiq_diag *diag) {
  (void)path;
  (void)role;
  (void)diag;
  return MSIQ_OK;
}

static void test_import_admits_with_the_callers_services(void **state) {
  store_fixture *fixture = *state;
  const msiq_admission_host fake_root = {
      fake_root_absolute_path,
      fake_root_file_exists,
      NULL,
      fake_root_check_path,
      NULL,
      NULL,
  };
  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\":\"share/app.msi\"}]", false,
                                     &fake_root, &ids, &count, &diag),
                   MSIQ_OK);
  assert_int_equal(count, 1);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, ids[0], &job, NULL),
                   MSIQ_OK);
  assert_string_equal(job.target, "/fake-root/share/app.msi");
  msiq_job_cleanup(&job);
  free(ids);
  ids = NULL;

  /* A package the caller's services do not know is refused, and nothing is
   * stored. */
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\":\"share/app.msi\"},"
                                     "{\"target\":\"share/other.msi\"}]",
                                     false, &fake_root, &ids, &count, &diag),
                   MSIQ_EPACKAGE_MISSING);
  assert_non_null(strstr(diag.message, "/fake-root/share/other.msi"));
  assert_null(ids);
  assert_int_equal(count_jobs(fixture->store, -1), 1);
}

static void test_import_keeps_document_order(void **state) {
  store_fixture *fixture = *state;
  size_t size =
      (size_t)IMPORT_ORDER_ITEMS * (IMPORT_ORDER_PROPERTIES * 24 + 160);
  char *json = malloc(size);
  assert_non_null(json);
  size_t length = 0;
  length += (size_t)snprintf(json + length, size - length, "[");
  for (int item = 0; item < IMPORT_ORDER_ITEMS; item++) {
    length += (size_t)snprintf(
        json + length, size - length,
        "%s{\"target\":\"/p/app-%d.msi\",\"key\":\"k%d\",\"priority\":%d,"
        "\"properties\":{",
        item == 0 ? "" : ",", item, item, (item * 37) % 11 - 5);
    for (int p = 0; p < IMPORT_ORDER_PROPERTIES; p++) {
      int name =
          (IMPORT_ORDER_PROPERTIES - 1 - p) * 5 % IMPORT_ORDER_PROPERTIES;
      length += (size_t)snprintf(json + length, size - length,
                                 "%s\"P%02d\":\"v%d.%d\"", p == 0 ? "" : ",",
                                 name, item, p);
    }
    length += (size_t)snprintf(json + length, size - length, "}");
    if (item > 0) {
      length += (size_t)snprintf(json + length, size - length,
                                 ",\"after\":[\"k%d\"]", item - 1);
    }
    length += (size_t)snprintf(json + length, size - length, "}");
  }
  snprintf(json + length, size - length, "]");

  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_import(fixture->store, json, true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_OK);
  assert_int_equal(count, IMPORT_ORDER_ITEMS);
  for (int item = 0; item < IMPORT_ORDER_ITEMS; item++) {
    if (item > 0) {
      assert_int_equal(ids[item], ids[item - 1] + 1);
    }
    msiq_job job;
    assert_int_equal(msiq_store_get_job(fixture->store, ids[item], &job, NULL),
                     MSIQ_OK);
    /* The end of the target: Windows makes it absolute (Z:\p\...). */
    char expected[64];
    snprintf(expected, sizeof expected, "app-%d.msi", item);
    size_t target_length = strlen(job.target);
    assert_true(target_length > strlen(expected));
    assert_string_equal(job.target + target_length - strlen(expected),
                        expected);
    assert_true(
        strchr("/\\", job.target[target_length - strlen(expected) - 1]) !=
        NULL);
    assert_int_equal(job.priority, (item * 37) % 11 - 5);
    assert_int_equal(job.property_count, IMPORT_ORDER_PROPERTIES);
    for (int p = 0; p < IMPORT_ORDER_PROPERTIES; p++) {
      int name =
          (IMPORT_ORDER_PROPERTIES - 1 - p) * 5 % IMPORT_ORDER_PROPERTIES;
      snprintf(expected, sizeof expected, "P%02d", name);
      assert_string_equal(job.properties[p].name, expected);
      snprintf(expected, sizeof expected, "v%d.%d", item, p);
      assert_string_equal(job.properties[p].value, expected);
    }
    if (item == 0) {
      assert_int_equal(job.after_count, 0);
    } else {
      assert_int_equal(job.after_count, 1);
      assert_int_equal(job.after[0], ids[item - 1]);
    }
    msiq_job_cleanup(&job);
  }
  free(ids);
  free(json);
}

static void
test_import_rejects_documents_that_are_not_job_arrays(void **state) {
  store_fixture *fixture = *state;
  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_import(fixture->store, "42", true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "array"));
  /* A single job object is a manifest of one job (PowerShell 5.1 writes a
   * one-item array so); it is checked as an item. */
  assert_int_equal(msiq_store_import(fixture->store, "{\"colour\":1}", true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "import item 1: unknown field"));
  assert_int_equal(msiq_store_import(fixture->store, "[{", true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "not JSON"));
  assert_int_equal(msiq_store_import(fixture->store, "[{\"colour\":1}]", true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "colour"));
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\":\"/a.msi\",\"priority\":"
                                     "\"high\"}]",
                                     true, &msiq_host_admission, &ids, &count,
                                     &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "priority"));
  assert_int_equal(count_jobs(fixture->store, -1), 0);
  assert_int_equal(msiq_store_import(fixture->store, "{\"target\":\"/a.msi\"}",
                                     true, &msiq_host_admission, &ids, &count,
                                     &diag),
                   MSIQ_OK);
  assert_int_equal(count, 1);
  assert_int_equal(count_jobs(fixture->store, -1), 1);
  free(ids);
}

/* Imports json (no_check), expecting a refusal whose message holds
 * expected, and nothing stored. */
static void assert_import_refused(store_fixture *fixture, const char *json,
                                  const char *expected) {
  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  int64_t before = count_jobs(fixture->store, -1);
  assert_int_equal(msiq_store_import(fixture->store, json, true,
                                     &msiq_host_admission, &ids, &count, &diag),
                   MSIQ_EINVAL);
  if (strstr(diag.message, expected) == NULL) {
    fail_msg("import of %s: message '%s' lacks '%s'", json, diag.message,
             expected);
  }
  assert_null(strchr(diag.message, '\n'));
  assert_null(ids);
  assert_int_equal(count, 0);
  assert_int_equal(count_jobs(fixture->store, -1), before);
}

/* Integers that do not fit in 64 bits reach json_each as reals, whose text
 * read as a number used to give 9 for 9223372036854775808 and 1 for
 * 99999999999999999999: they are refused, and the extremes that do fit are
 * kept exactly. */
static void test_import_refuses_integers_out_of_range(void **state) {
  store_fixture *fixture = *state;
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"priority\":9223372036854775808}]",
      "\"priority\" 9223372036854775808 is out of range");
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"priority\":-9223372036854775809}]",
      "\"priority\" -9223372036854775809 is out of range");
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"after\":[99999999999999999999]}]",
      "\"after\" id 99999999999999999999 is not a job id");
  assert_import_refused(fixture,
                        "[{\"target\":\"/p/a.msi\",\"max_attempts\":"
                        "18446744073709551617}]",
                        "\"max_attempts\" 18446744073709551617 is out of "
                        "range");
  assert_import_refused(fixture, "[{\"target\":\"/p/a.msi\",\"after\":[0]}]",
                        "\"after\" id 0 is not a job id");

  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_import(fixture->store,
                        "[{\"target\":\"/p/a.msi\",\"priority\":"
                        "9223372036854775807},{\"target\":\"/p/b.msi\","
                        "\"priority\":-9223372036854775808,\"properties\":"
                        "{\"BIG\":99999999999999999999}}]",
                        true, &msiq_host_admission, &ids, &count, &diag),
      MSIQ_OK);
  assert_int_equal(count, 2);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, ids[0], &job, NULL),
                   MSIQ_OK);
  assert_true(job.priority == INT64_MAX);
  msiq_job_cleanup(&job);
  assert_int_equal(msiq_store_get_job(fixture->store, ids[1], &job, NULL),
                   MSIQ_OK);
  assert_true(job.priority == INT64_MIN);
  /* A property given as a number keeps its digits, not a rounded real. */
  assert_int_equal(job.property_count, 1);
  assert_string_equal(job.properties[0].value, "99999999999999999999");
  msiq_job_cleanup(&job);
  free(ids);
}

/* JSON allows a name twice in one object; in a job neither value counts. */
static void test_import_refuses_a_field_given_twice(void **state) {
  store_fixture *fixture = *state;
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"priority\":1,\"priority\":2}]",
      "import item 1: field \"priority\" is given twice in one job");
  assert_import_refused(fixture,
                        "[{\"target\":\"/p/a.msi\"},{\"target\":\"/p/b.msi\","
                        "\"target\":\"/p/c.msi\"}]",
                        "import item 2: field \"target\" is given twice");
  assert_import_refused(fixture,
                        "[{\"target\":\"/p/a.msi\",\"no_check\":false,"
                        "\"no_check\":true}]",
                        "field \"no_check\" is given twice");
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"properties\":{\"A\":1,\"A\":2}}]",
      "property 'A' given twice");
  /* The same field in two jobs is no repeat. */
  int64_t *ids = NULL;
  size_t count = 0;
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\":\"/p/a.msi\",\"priority\":"
                                     "1},{\"target\":\"/p/b.msi\","
                                     "\"priority\":2}]",
                                     true, &msiq_host_admission, &ids, &count,
                                     NULL),
                   MSIQ_OK);
  assert_int_equal(count, 2);
  free(ids);
}

/* Text that is not UTF-8 never gets into the queue: neither raw bytes in
 * the manifest nor a \ud800 escape (which SQLite's JSON decodes into the
 * bytes of a lone surrogate). */
static void test_import_refuses_text_that_is_not_utf8(void **state) {
  store_fixture *fixture = *state;
  assert_import_refused(fixture, "[{\"target\":\"/p/caf\xe9.msi\"}]",
                        "the manifest is not valid UTF-8 (byte 0xe9 at line "
                        "1, column 19)");
  assert_import_refused(fixture,
                        "[\n {\"target\":\"/p/a.msi\",\n  \"key\":\"\xc3\"}]",
                        "byte 0xc3 at line 3, column 10");
  assert_import_refused(fixture, "[{\"target\":\"/p/\\ud800.msi\"}]",
                        "install target '/p/\\xed\\xa0\\x80.msi' is not valid "
                        "UTF-8");
  assert_import_refused(
      fixture, "[{\"target\":\"/p/a.msi\",\"properties\":{\"P\":\"\\udfff\"}}]",
      "property 'P' has bytes that are not UTF-8 in its value");
  assert_import_refused(fixture,
                        "[{\"target\":\"/p/a.msi\",\"key\":\"k\\udc00\"}]",
                        "idempotency key 'k\\xed\\xb0\\x80' is not valid "
                        "UTF-8");
  /* A pair of escapes is one character, and fine. */
  int64_t *ids = NULL;
  size_t count = 0;
  assert_int_equal(msiq_store_import(fixture->store,
                                     "[{\"target\":\"/p/\\ud83d\\ude00 "
                                     "caf\xc3\xa9.msi\"}]",
                                     true, &msiq_host_admission, &ids, &count,
                                     NULL),
                   MSIQ_OK);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, ids[0], &job, NULL),
                   MSIQ_OK);
  /* As admission made it absolute (on Windows with a drive letter). */
  char *expected = NULL;
  assert_int_equal(msiq_host_absolute_path(
                       "/p/\xf0\x9f\x98\x80 caf\xc3\xa9.msi", &expected, NULL),
                   MSIQ_OK);
  assert_string_equal(job.target, expected);
  free(expected);
  msiq_job_cleanup(&job);
  free(ids);
}

/* Import admits every item as enqueue does: a missing package is refused,
 * with the item's number, unless its key already names an unfinished job. */
static void test_import_admits_each_item_like_enqueue(void **state) {
  store_fixture *fixture = *state;
  int64_t keyed = enqueue_simple(fixture->store, "/no/such/x.msi", 0, "x");
  int64_t *ids = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_import(fixture->store,
                        "[{\"target\":\"/no/such/x.msi\",\"key\":\"x\"}]",
                        false, &msiq_host_admission, &ids, &count, &diag),
      MSIQ_OK);
  assert_int_equal(count, 1);
  assert_int_equal(ids[0], keyed);
  free(ids);
  ids = NULL;
  /* The message names the path as admission made it absolute (on Windows
   * with a drive letter and backslashes). */
  char *absolute = NULL;
  assert_int_equal(msiq_host_absolute_path("/no/such/y.msi", &absolute, &diag),
                   MSIQ_OK);
  char expected[512];
  snprintf(expected, sizeof expected,
           "import item 2: package '%s' does not exist "
           "(use --no-check for a share that is offline now)",
           absolute);
  free(absolute);
  assert_int_equal(
      msiq_store_import(fixture->store,
                        "[{\"target\":\"/no/such/x.msi\",\"key\":\"x\"},"
                        "{\"target\":\"/no/such/y.msi\"}]",
                        false, &msiq_host_admission, &ids, &count, &diag),
      MSIQ_EPACKAGE_MISSING);
  assert_null(ids);
  assert_string_equal(diag.message, expected);
  assert_int_equal(count_jobs(fixture->store, -1), 1);
}

/* The job row reader reads columns by enum store_job_column; every query
 * it reads must select exactly those columns, in that order. */
static void test_job_row_queries_match_the_column_enum(void **state) {
  store_fixture *fixture = *state;
  static const char *const names[] = {
#define COLUMN_NAME(name, text) text,
      STORE_JOB_COLUMN_MAP(COLUMN_NAME)
#undef COLUMN_NAME
  };
  const char *const queries[] = {msiq_sql_job_get, msiq_sql_job_list,
                                 msiq_sql_report_finished};
  for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(fixture->store->db, queries[q], -1,
                                        &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_column_count(statement), STORE_JOB_COLUMN_COUNT);
    for (int i = 0; i < STORE_JOB_COLUMN_COUNT; i++) {
      assert_string_equal(sqlite3_column_name(statement, i), names[i]);
    }
    sqlite3_finalize(statement);
  }
}

static void test_counts_and_quick_check(void **state) {
  store_fixture *fixture = *state;
  enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  int64_t second = enqueue_simple(fixture->store, "/pkgs/b.msi", 0, NULL);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, second, false, &requested, NULL),
      MSIQ_OK);
  int64_t counts[MSIQ_STATE_COUNT];
  assert_int_equal(msiq_store_count_by_state(fixture->store, counts, NULL),
                   MSIQ_OK);
  assert_int_equal(counts[MSIQ_STATE_QUEUED], 1);
  assert_int_equal(counts[MSIQ_STATE_CANCELLED], 1);
  assert_int_equal(counts[MSIQ_STATE_RUNNING], 0);
  char problem[128];
  assert_int_equal(
      msiq_store_quick_check(fixture->store, problem, sizeof problem, NULL),
      MSIQ_OK);
  assert_string_equal(problem, "");
}

/* Counts the files in the directory of path whose names start with the
 * database's name followed by ".new-" (a publish's temporary copy). */
static int count_temporary_copies(const char *path) {
  char pattern[600];
  snprintf(pattern, sizeof pattern, "%s.new-", path);
  const char *slash = strrchr(pattern, '/');
  assert_non_null(slash);
  char directory[600];
  snprintf(directory, sizeof directory, "%.*s", (int)(slash - pattern),
           pattern);
  DIR *listing = opendir(directory);
  assert_non_null(listing);
  int count = 0;
  for (struct dirent *entry; (entry = readdir(listing)) != NULL;) {
    if (strncmp(entry->d_name, slash + 1, strlen(slash + 1)) == 0) {
      count++;
    }
  }
  closedir(listing);
  return count;
}

static void
test_publish_new_writes_the_rehearsal_as_the_database(void **state) {
  store_fixture *fixture = *state;
  msiq_store *memory = NULL;
  assert_int_equal(
      msiq_store_open(":memory:", MSIQ_STORE_CREATE, &memory, NULL), MSIQ_OK);
  int64_t first = enqueue_simple(memory, "/pkgs/a.msi", 3, "night");
  int64_t second = enqueue_after(memory, "/pkgs/b.msi", first);

  char path[512];
  test_unique_path(path, sizeof path, "publish");
  msiq_store *published = NULL;
  assert_int_equal(msiq_store_publish_new(memory, path, &published, NULL),
                   MSIQ_OK);
  msiq_store_close(memory);
  assert_non_null(published);
  /* Same ids, same rows, a current schema, and no temporary copy left. */
  int version = 0;
  assert_int_equal(msiq_store_schema_version(published, &version, NULL),
                   MSIQ_OK);
  assert_int_equal(version, msiq_store_latest_schema_version());
  msiq_job job;
  assert_int_equal(msiq_store_get_job(published, second, &job, NULL), MSIQ_OK);
  /* The path was made absolute ("Z:\\pkgs\\b.msi" on Windows). */
  assert_non_null(strstr(job.target, "b.msi"));
  assert_int_equal(job.after_count, 1);
  assert_int_equal(job.after[0], first);
  msiq_job_cleanup(&job);
  assert_int_equal(count_jobs(published, -1), 2);
  assert_int_equal(count_temporary_copies(path), 0);
  /* It is a working queue: the next enqueue follows on. */
  assert_int_equal(enqueue_simple(published, "/pkgs/c.msi", 0, NULL),
                   second + 1);
  msiq_store_close(published);
  test_remove_database(path);
  (void)fixture;
}

static void test_publish_new_leaves_an_existing_database_alone(void **state) {
  store_fixture *fixture = *state;
  /* The fixture's database appeared "meanwhile", with a job of its own. */
  int64_t theirs = enqueue_simple(fixture->store, "/pkgs/theirs.msi", 0, NULL);
  msiq_store *memory = NULL;
  assert_int_equal(
      msiq_store_open(":memory:", MSIQ_STORE_CREATE, &memory, NULL), MSIQ_OK);
  enqueue_simple(memory, "/pkgs/mine.msi", 0, NULL);
  enqueue_simple(memory, "/pkgs/mine-too.msi", 0, NULL);
  msiq_store *published = (msiq_store *)&published; /* must be cleared */
  assert_int_equal(
      msiq_store_publish_new(memory, fixture->path, &published, NULL), MSIQ_OK);
  msiq_store_close(memory);
  assert_null(published);
  assert_int_equal(count_jobs(fixture->store, -1), 1);
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, theirs, &job, NULL),
                   MSIQ_OK);
  assert_non_null(strstr(job.target, "theirs.msi"));
  msiq_job_cleanup(&job);
  assert_int_equal(count_temporary_copies(fixture->path), 0);
}

static long file_size(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return -1;
  }
  assert_int_equal(fseek(file, 0, SEEK_END), 0);
  long size = ftell(file);
  fclose(file);
  return size;
}

static void test_check_with_nothing_to_fail_writes_nothing(void **state) {
  store_fixture *fixture = *state;
  /* A queue with a dependency on a job that was cancelled (and its
   * dependent failed by the first check): the
   * dispatcher checks it before every pick, and a check that fails nothing
   * must not write (each write would be a WAL frame and an fsync). */
  int64_t a = enqueue_simple(fixture->store, "/pkgs/a.msi", 0, NULL);
  bool requested = false;
  assert_int_equal(
      msiq_store_cancel(fixture->store, a, false, &requested, NULL), MSIQ_OK);
  int64_t b = enqueue_after(fixture->store, "/pkgs/b.msi", a);
  assert_int_equal(fail_unrunnable(fixture->store), 1);
  assert_job_state(fixture->store, b, MSIQ_STATE_FAILED, NULL);
  char wal[600];
  snprintf(wal, sizeof wal, "%s-wal", fixture->path);
  long before = file_size(wal);
  assert_true(before > 0);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(fail_unrunnable(fixture->store), 0);
  }
  assert_int_equal(file_size(wal), before);
}

/* Sets columns of one job directly (white-box), for times the CLI would
 * refuse or that only the dispatcher sets. */
static void set_job_columns(msiq_store *store, int64_t id, const char *set) {
  char sql[256];
  snprintf(sql, sizeof sql, "UPDATE job SET %s WHERE id = %lld", set,
           (long long)id);
  assert_int_equal(sqlite3_exec(store->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static int64_t next_due(msiq_store *store, int64_t now) {
  int64_t due = 0;
  assert_int_equal(msiq_store_next_due(store, now, &due, NULL), MSIQ_OK);
  return due;
}

static bool pick(msiq_store *store, int64_t now, int64_t *id) {
  msiq_state state = MSIQ_STATE_QUEUED;
  bool found = false;
  assert_int_equal(msiq_store_pick_next(store, now, id, &state, &found, NULL),
                   MSIQ_OK);
  return found;
}

/* Migration 0007's job_due index: the pick finds nothing while nothing is
 * due and the due job once it is; the next due time is the earliest
 * not-before, retry time or deadline (+ 1 ms, when it fails) of a waiting
 * job, and a retrying job without a retry time is never due. */
static void test_due_times_come_from_the_due_index(void **state) {
  store_fixture *fixture = *state;
  msiq_store *store = fixture->store;
  const int64_t t = 1700000000000;
  char set[160];
  int64_t a = enqueue_simple(store, "/pkgs/a.msi", 0, NULL);
  snprintf(set, sizeof set, "not_before = %lld", (long long)(t + 10000));
  set_job_columns(store, a, set);
  int64_t b = enqueue_simple(store, "/pkgs/b.msi", 5, NULL);
  snprintf(set, sizeof set, "not_before = %lld, deadline = %lld",
           (long long)(t + 20000), (long long)(t + 25000));
  set_job_columns(store, b, set);
  int64_t c = enqueue_simple(store, "/pkgs/c.msi", 0, NULL);
  snprintf(set, sizeof set, "state = 'retrying', retry_at = %lld",
           (long long)(t + 5000));
  set_job_columns(store, c, set);
  int64_t d = enqueue_simple(store, "/pkgs/d.msi", 9, NULL);
  set_job_columns(store, d, "state = 'retrying', retry_at = NULL");

  int64_t id = 0;
  assert_false(pick(store, t, &id));
  assert_int_equal(next_due(store, t), t + 5000);
  assert_true(pick(store, t + 5000, &id));
  assert_int_equal(id, c);
  set_job_columns(store, c, "state = 'succeeded', retry_at = NULL");
  assert_int_equal(next_due(store, t), t + 10000);
  assert_true(pick(store, t + 10000, &id));
  assert_int_equal(id, a);
  set_job_columns(store, a, "state = 'succeeded'");
  assert_int_equal(next_due(store, t), t + 20000);
  /* Due at its not-before; after that only its deadline is ahead. */
  assert_int_equal(next_due(store, t + 20000), t + 25001);
  assert_true(pick(store, t + 20000, &id));
  assert_int_equal(id, b);
  int64_t failed = -1;
  assert_int_equal(
      msiq_store_fail_unrunnable(store, t + 25001, &failed, NULL, NULL, NULL),
      MSIQ_OK);
  assert_int_equal(failed, 1);
  assert_job_state(store, b, MSIQ_STATE_FAILED, NULL);
  /* Only the retrying job without a retry time is left: never due. */
  assert_int_equal(next_due(store, t), MSIQ_TIME_UNSET);
  assert_false(pick(store, t + 1000000000, &id));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_due_times_come_from_the_due_index,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_enqueue_round_trips_every_field,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_idempotency_key_names_one_unfinished_job, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_enqueue_refuses_unknown_dependency_and_stores_nothing,
          store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_enqueue_checks_that_the_package_exists, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_enqueue_resolves_after_keys_without_changing_the_spec,
          store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_enqueue_refuses_unknown_after_key_and_stores_nothing,
          store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_unfinished_key_answers_before_a_missing_package, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_cancel_and_retry_follow_the_state_machine, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(test_pause_and_resume, store_setup,
                                      store_teardown),
      cmocka_unit_test_setup_teardown(test_purged_ids_are_not_given_again,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_purge_keeps_unfinished_and_needed_jobs, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(test_import_is_all_or_nothing,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_import_keeps_document_order,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_import_rejects_documents_that_are_not_job_arrays, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(test_import_admits_each_item_like_enqueue,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_import_refuses_integers_out_of_range,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_import_refuses_a_field_given_twice,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(test_import_refuses_text_that_is_not_utf8,
                                      store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_import_admits_with_the_callers_services, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_job_row_queries_match_the_column_enum, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(test_counts_and_quick_check, store_setup,
                                      store_teardown),
      cmocka_unit_test_setup_teardown(
          test_cancelled_dependency_fails_its_dependents_down_the_chain,
          store_setup, store_teardown),
      cmocka_unit_test_setup_teardown(
          test_dependency_on_a_job_that_already_failed_fails, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_dependency_retried_before_the_check_holds_nothing, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_check_with_nothing_to_fail_writes_nothing, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_publish_new_writes_the_rehearsal_as_the_database, store_setup,
          store_teardown),
      cmocka_unit_test_setup_teardown(
          test_publish_new_leaves_an_existing_database_alone, store_setup,
          store_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
