/* test_retry_clamp.c: msiq_store_clamp_retry_times (store_dispatch.h), what
 * the dispatcher does after the wall clock went back (issue 15, item 7;
 * docs/reliability.md, "Clock steps"): a retry time further away than its
 * backoff allows is moved to now plus the backoff's limit, an interrupted
 * attempt's retry (no backoff) to now, and nothing else changes. The
 * dispatcher's side, with a stepped simulated clock, is
 * tests/reliability/clock_step_test.sh. */
#include "test_support.h"

#include <stdlib.h>

#include "core/outcome.h"
#include "store/store.h"
#include "store/store_dispatch.h"

#define SECOND INT64_C(1000)
#define DAY    (86400 * SECOND)
/* 2026-11-24T22:00:00Z */
#define T0 INT64_C(1795557600000)

static const msiq_backoff backoff = {4 * SECOND, 60 * SECOND};

static int64_t enqueue_job(msiq_store *store, const char *target) {
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, target);
  spec.no_check = true;
  int64_t id = test_store_enqueue(store, &spec);
  msiq_job_spec_cleanup(&spec);
  return id;
}

/* Runs `attempts` attempts of job id ending in 1618 at `finished_at`, the
 * last of them leaving it retrying at retry_at. */
static void retry_job(msiq_store *store, int64_t id, int attempts,
                      int64_t finished_at, int64_t retry_at) {
  for (int i = 1; i <= attempts; i++) {
    int64_t number = 0;
    assert_int_equal(msiq_store_start_attempt(
                         store, id,
                         i == 1 ? MSIQ_STATE_QUEUED : MSIQ_STATE_RETRYING,
                         finished_at - 1000, "/logs/job.log", &number, NULL),
                     MSIQ_OK);
    msiq_attempt_result result = {
        .job_id = id,
        .attempt_number = number,
        .finished_at = finished_at,
        .has_exit_code = true,
        .exit_code = 1618,
        .attempt_outcome = "retry",
        .message = "exit code 1618",
        .new_state = MSIQ_STATE_RETRYING,
        .retry_at = i == attempts ? retry_at : finished_at - 1000,
        .last_error = "exit code 1618",
    };
    assert_int_equal(msiq_store_finish_attempt(store, &result, NULL), MSIQ_OK);
  }
}

static int64_t stored_retry_at(msiq_store *store, int64_t id) {
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, id, &job, NULL), MSIQ_OK);
  int64_t retry_at = job.retry_at;
  msiq_job_cleanup(&job);
  return retry_at;
}

typedef struct seen_moves {
  int count;
  int64_t id[8];
  int64_t from[8];
  int64_t to[8];
} seen_moves;

static void note_move(void *context, int64_t id, int64_t from, int64_t to) {
  seen_moves *seen = context;
  if (seen->count < 8) {
    seen->id[seen->count] = id;
    seen->from[seen->count] = from;
    seen->to[seen->count] = to;
  }
  seen->count++;
}

static void test_retry_times_are_clamped_to_their_backoff(void **state) {
  test_store_fixture *fixture = *state;
  msiq_store *store = fixture->store;
  /* Retries stored on a clock a day ahead of the one we read now. */
  int64_t first = enqueue_job(store, "/pkgs/first.msi");
  retry_job(store, first, 1, T0 + DAY, T0 + DAY + 3 * SECOND);
  int64_t third = enqueue_job(store, "/pkgs/third.msi");
  retry_job(store, third, 3, T0 + DAY, T0 + DAY + 15 * SECOND);
  /* One within its backoff of now: left alone. */
  int64_t near = enqueue_job(store, "/pkgs/near.msi");
  retry_job(store, near, 1, T0, T0 + 2 * SECOND);
  /* One due already: left alone. */
  int64_t due = enqueue_job(store, "/pkgs/due.msi");
  retry_job(store, due, 1, T0 - DAY, T0 - DAY + 2 * SECOND);
  /* A queued job with a not-before a day ahead: the user's time, kept. */
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkgs/later.msi");
  spec.no_check = true;
  spec.not_before = T0 + DAY;
  int64_t later = test_store_enqueue(store, &spec);
  msiq_job_spec_cleanup(&spec);

  seen_moves seen = {0};
  int64_t clamped = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_clamp_retry_times(store, T0, &backoff, note_move,
                                                &seen, &clamped, &diag),
                   MSIQ_OK);
  assert_int_equal(clamped, 2);
  assert_int_equal(seen.count, 2);
  /* After one attempt the backoff is at most 4 s, after three 16 s. */
  assert_int_equal(stored_retry_at(store, first), T0 + 4 * SECOND);
  assert_int_equal(stored_retry_at(store, third), T0 + 16 * SECOND);
  assert_int_equal(seen.id[0], first);
  assert_int_equal(seen.from[0], T0 + DAY + 3 * SECOND);
  assert_int_equal(seen.to[0], T0 + 4 * SECOND);
  assert_int_equal(seen.id[1], third);
  assert_int_equal(stored_retry_at(store, near), T0 + 2 * SECOND);
  assert_int_equal(stored_retry_at(store, due), T0 - DAY + 2 * SECOND);
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, later, &job, NULL), MSIQ_OK);
  assert_int_equal(job.state, MSIQ_STATE_QUEUED);
  assert_int_equal(job.not_before, T0 + DAY);
  msiq_job_cleanup(&job);

  /* Clamped once, a time stays: the next check, a second later, moves
   * nothing. */
  seen.count = 0;
  assert_int_equal(msiq_store_clamp_retry_times(store, T0 + SECOND, &backoff,
                                                note_move, &seen, &clamped,
                                                NULL),
                   MSIQ_OK);
  assert_int_equal(clamped, 0);
  assert_int_equal(seen.count, 0);
  assert_int_equal(stored_retry_at(store, first), T0 + 4 * SECOND);
}

/* Crash recovery retries an interrupted attempt at once: its retry time is
 * clamped to now, not to a backoff. */
static void test_an_interrupted_attempt_is_retried_at_once(void **state) {
  test_store_fixture *fixture = *state;
  msiq_store *store = fixture->store;
  int64_t id = enqueue_job(store, "/pkgs/interrupted.msi");
  int64_t number = 0;
  assert_int_equal(msiq_store_start_attempt(store, id, MSIQ_STATE_QUEUED,
                                            T0 + DAY - 5000, "/logs/job.log",
                                            &number, NULL),
                   MSIQ_OK);
  int64_t recovered = 0;
  assert_int_equal(
      msiq_store_recover_interrupted(store, T0 + DAY, &recovered, NULL),
      MSIQ_OK);
  assert_int_equal(recovered, 1);
  assert_int_equal(stored_retry_at(store, id), T0 + DAY);
  int64_t clamped = 0;
  assert_int_equal(msiq_store_clamp_retry_times(store, T0, &backoff, NULL, NULL,
                                                &clamped, NULL),
                   MSIQ_OK);
  assert_int_equal(clamped, 1);
  assert_int_equal(stored_retry_at(store, id), T0);
  /* And it is picked at once. */
  int64_t picked = 0;
  msiq_state picked_state = MSIQ_STATE_QUEUED;
  bool found = false;
  assert_int_equal(
      msiq_store_pick_next(store, T0, &picked, &picked_state, &found, NULL),
      MSIQ_OK);
  assert_true(found);
  assert_int_equal(picked, id);
  assert_int_equal(picked_state, MSIQ_STATE_RETRYING);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_retry_times_are_clamped_to_their_backoff,
          test_store_fixture_setup, test_store_fixture_teardown),
      cmocka_unit_test_setup_teardown(
          test_an_interrupted_attempt_is_retried_at_once,
          test_store_fixture_setup, test_store_fixture_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
