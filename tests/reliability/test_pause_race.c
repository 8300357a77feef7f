/* test_pause_race.c: a job never starts after `pause` returned (issue 15,
 * item 6; docs/reliability.md, "Pause races").
 *
 * The dispatcher reads the pause flag for its gate, then starts the job in
 * a transaction of its own; a pause committed in between must win. The
 * start's compare-and-set therefore also requires the queue not to be
 * paused (dispatch_start_job.sql). Two tests, through the store API as the
 * dispatcher and `msiq pause` use it: one pause placed exactly between the
 * gate's read and the start, and a race of many pauses and resumes against
 * a loop that plays the dispatcher, where a trigger records every attempt
 * opened while the queue was paused.
 */
#include "test_support.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"

/* Pauses and resumes in the race. Each is a durable commit, so this is
 * bounded by the disk; a few hundred take a few seconds. */
#define RACE_ROUNDS 200

static int64_t enqueue_job(msiq_store *store, int number) {
  char target[64];
  snprintf(target, sizeof target, "/pkgs/race-%d.msi", number);
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, target);
  spec.no_check = true;
  int64_t id = test_store_enqueue(store, &spec);
  msiq_job_spec_cleanup(&spec);
  return id;
}

static long long database_count(const char *path, const char *sql) {
  char *text = test_database_text(path, sql);
  long long count = strtoll(text, NULL, 10);
  free(text);
  return count;
}

/* The gate saw the queue open and the job was picked; then `pause` ran.
 * The start must not happen, and must say why. */
static void test_pause_between_gate_and_start_wins(void **state) {
  (void)state;
  test_store_fixture dispatcher;
  test_store_fixture_open(&dispatcher, "pause-race");
  int64_t id = enqueue_job(dispatcher.store, 1);

  msiq_queue_status queue;
  assert_int_equal(msiq_store_queue_status(dispatcher.store, &queue, NULL),
                   MSIQ_OK);
  assert_false(queue.paused);
  int64_t picked = 0;
  msiq_state picked_state = MSIQ_STATE_QUEUED;
  bool found = false;
  assert_int_equal(msiq_store_pick_next(dispatcher.store, 1773453566000,
                                        &picked, &picked_state, &found, NULL),
                   MSIQ_OK);
  assert_true(found);
  assert_int_equal(picked, id);

  /* `msiq pause` on its own connection, as another process would. */
  msiq_store *admin = NULL;
  assert_int_equal(msiq_store_open(dispatcher.path, 0, &admin, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_pause(admin, "patch freeze", NULL), MSIQ_OK);

  msiq_diag diag = {{0}};
  int64_t attempt = 0;
  assert_int_equal(msiq_store_start_attempt(dispatcher.store, id, picked_state,
                                            1773453566000, "/logs/job-1.log",
                                            &attempt, &diag),
                   MSIQ_ESTATE);
  assert_message_contains(diag.message, "paused (patch freeze)");
  assert_message_contains(diag.message, "not started");
  assert_message_is_one_line(diag.message);
  /* Nothing of the start was stored. */
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(dispatcher.store, id, &job, NULL),
                   MSIQ_OK);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_int_equal(job.attempts, 0);
  assert_int_equal(job.started_at, MSIQ_TIME_UNSET);
  msiq_job_cleanup(&job);
  assert_int_equal(
      database_count(dispatcher.path, "SELECT count(*) FROM attempt"), 0);

  /* Resumed, the same start goes through. */
  assert_int_equal(msiq_store_resume(admin, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_start_attempt(dispatcher.store, id, picked_state,
                                            1773453566000, "/logs/job-1.log",
                                            &attempt, NULL),
                   MSIQ_OK);
  assert_int_equal(attempt, 1);
  msiq_store_close(admin);
  test_store_fixture_close(&dispatcher);
}

typedef struct race {
  char path[512];
  atomic_bool done;
  atomic_int started;
  atomic_int refused_paused;
  int failures; /* unexpected statuses in the dispatcher thread */
  char failure[sizeof(msiq_diag) + 16];
} race;

/* Plays the dispatcher: the gate's read of the pause flag, a pick, then
 * the start in its own transaction, with a yield in between to widen the
 * window a pause can fall into; a started attempt ends at once and a new
 * job takes its place. */
static void *race_dispatch(void *context) {
  race *run = context;
  msiq_store *store = NULL;
  if (msiq_store_open(run->path, 0, &store, NULL) != MSIQ_OK) {
    run->failures++;
    return NULL;
  }
  int number = 1000;
  while (!atomic_load(&run->done)) {
    msiq_diag diag = {{0}};
    msiq_queue_status queue;
    int status = msiq_store_queue_status(store, &queue, &diag);
    if (status != MSIQ_OK || queue.paused) {
      sched_yield();
      continue;
    }
    int64_t id = 0;
    msiq_state picked_state = MSIQ_STATE_QUEUED;
    bool found = false;
    status = msiq_store_pick_next(store, 1773453566000, &id, &picked_state,
                                  &found, &diag);
    if (status != MSIQ_OK || !found) {
      run->failures++;
      snprintf(run->failure, sizeof run->failure, "pick: %s", diag.message);
      break;
    }
    sched_yield();
    int64_t attempt = 0;
    status = msiq_store_start_attempt(store, id, picked_state, 1773453566000,
                                      "/logs/race.log", &attempt, &diag);
    if (status == MSIQ_ESTATE && strstr(diag.message, "paused") != NULL) {
      atomic_fetch_add(&run->refused_paused, 1);
      continue;
    }
    if (status != MSIQ_OK) {
      run->failures++;
      snprintf(run->failure, sizeof run->failure, "start: %s", diag.message);
      break;
    }
    atomic_fetch_add(&run->started, 1);
    msiq_attempt_result result = {
        .job_id = id,
        .attempt_number = attempt,
        .finished_at = 1773453567000,
        .has_exit_code = true,
        .exit_code = 0,
        .attempt_outcome = "succeeded",
        .message = "exit code 0",
        .new_state = MSIQ_STATE_SUCCEEDED,
        .retry_at = MSIQ_TIME_UNSET,
    };
    if (msiq_store_finish_attempt(store, &result, &diag) != MSIQ_OK) {
      run->failures++;
      snprintf(run->failure, sizeof run->failure, "finish: %s", diag.message);
      break;
    }
    char target[64];
    snprintf(target, sizeof target, "/pkgs/race-%d.msi", number++);
    msiq_job_spec spec;
    test_spec_init(&spec, MSIQ_ACTION_INSTALL, target);
    spec.no_check = true;
    msiq_admission admission;
    bool existing = false;
    int64_t new_id = 0;
    if (msiq_job_admit(&spec, &msiq_host_admission, &admission, &diag) !=
            MSIQ_OK ||
        msiq_store_enqueue(store, &admission, &new_id, &existing, &diag) !=
            MSIQ_OK) {
      msiq_job_spec_cleanup(&spec);
      run->failures++;
      snprintf(run->failure, sizeof run->failure, "enqueue: %s", diag.message);
      break;
    }
    msiq_job_spec_cleanup(&spec);
  }
  msiq_store_close(store);
  return NULL;
}

/* Many pauses against the playing dispatcher: a trigger notes every
 * attempt opened while the queue is paused, in the order SQLite's write
 * lock gives the transactions, which is the order in which `pause`
 * returned and the starts committed. There must be none. */
static void test_no_start_while_paused_under_a_race(void **state) {
  (void)state;
  race *run = calloc(1, sizeof *run);
  assert_non_null(run);
  test_store_fixture admin;
  test_store_fixture_open(&admin, "pause-race-many");
  snprintf(run->path, sizeof run->path, "%s", admin.path);
  test_database_exec(admin.path,
                     "CREATE TABLE started_while_paused (job_id INTEGER);"
                     "CREATE TRIGGER note_started_while_paused AFTER INSERT "
                     "ON attempt WHEN (SELECT paused FROM queue WHERE id = 1) "
                     "BEGIN INSERT INTO started_while_paused "
                     "VALUES (NEW.job_id); END;");
  enqueue_job(admin.store, 1);

  pthread_t dispatcher;
  assert_int_equal(pthread_create(&dispatcher, NULL, race_dispatch, run), 0);
  for (int round = 0; round < RACE_ROUNDS; round++) {
    msiq_diag diag = {{0}};
    if (msiq_store_pause(admin.store, "race", &diag) != MSIQ_OK) {
      fail_msg("pause: %s", diag.message);
    }
    /* Let the dispatcher look at the paused queue for a moment. */
    for (int i = 0; i < 1 + round % 4; i++) {
      sched_yield();
    }
    if (msiq_store_resume(admin.store, &diag) != MSIQ_OK) {
      fail_msg("resume: %s", diag.message);
    }
    for (int i = 0; i < round % 3; i++) {
      sched_yield();
    }
  }
  atomic_store(&run->done, true);
  pthread_join(dispatcher, NULL);

  if (run->failures != 0) {
    fail_msg("the dispatcher thread failed: %s", run->failure);
  }
  long long violations =
      database_count(admin.path, "SELECT count(*) FROM started_while_paused");
  long long attempts =
      database_count(admin.path, "SELECT count(*) FROM attempt");
  printf("pause race: %d pauses; %d starts, %d refused because the queue "
         "was paused, %lld attempts opened while paused\n",
         RACE_ROUNDS, atomic_load(&run->started),
         atomic_load(&run->refused_paused), violations);
  assert_int_equal(violations, 0);
  assert_int_equal(attempts, atomic_load(&run->started));
  free(run);
  test_store_fixture_close(&admin);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pause_between_gate_and_start_wins),
      cmocka_unit_test(test_no_start_while_paused_under_a_race),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
