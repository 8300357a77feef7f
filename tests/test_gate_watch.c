/* test_gate_watch.c: the wake-up on the installer mutex's release
 * (src/dispatcher/gate_watch.c): it calls back once, on the loop, within
 * one re-test interval of the release and never before it; stopping it
 * before the release means no call; a deferral puts its next look a whole
 * interval after it; it leaves no handle behind.
 *
 * The mutex is held as in test_host_mutex.c, by test_mutex_owner.h: an open
 * file description write lock on the file named by MSIQ_SIM_MUTEX (POSIX),
 * or the real Global\_MSIExecute (Windows, under Wine).
 */

#include "test_mutex_owner.h"
#include "test_support.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "dispatcher/gate_watch.h"
#include "host/host.h"

/* When the test releases the mutex, after the watch has started. */
#define RELEASE_AFTER_MS 350
/* How late the call may come after the release: one interval, plus room
 * for a busy machine. */
#define LATE_BOUND_MS (MSIQ_GATE_WATCH_INTERVAL_MS + 150)

typedef struct fixture {
  uv_loop_t loop;
  uv_timer_t release_timer;
  uv_timer_t stop_timer;
  msiq_gate_watch *watch;
  int calls;
  bool released;
  uint64_t released_at;
  uint64_t called_at;
  uint64_t deferred_at;
  test_mutex_owner mutex;
} fixture;

static void fixture_init(fixture *self, bool hold) {
  memset(self, 0, sizeof *self);
  assert_int_equal(uv_loop_init(&self->loop), 0);
  assert_int_equal(uv_timer_init(&self->loop, &self->release_timer), 0);
  assert_int_equal(uv_timer_init(&self->loop, &self->stop_timer), 0);
  self->release_timer.data = self;
  self->stop_timer.data = self;
  test_mutex_owner_init(&self->mutex);
  if (hold) {
    test_mutex_owner_take(&self->mutex);
    assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_HELD);
  } else {
    assert_int_equal(msiq_host_installer_mutex_state(), MSIQ_MUTEX_FREE);
  }
}

/* Runs the loop until only the fixture's own timers are left, then closes
 * them and the loop: uv_loop_close fails if the watch left a handle open. */
static void fixture_cleanup(fixture *self) {
  uv_run(&self->loop, UV_RUN_DEFAULT);
  uv_close((uv_handle_t *)&self->release_timer, NULL);
  uv_close((uv_handle_t *)&self->stop_timer, NULL);
  uv_run(&self->loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&self->loop), 0);
  test_mutex_owner_cleanup(&self->mutex);
}

static void on_release(void *data) {
  fixture *self = data;
  self->calls++;
  self->called_at = uv_now(&self->loop);
  /* The dispatcher stops the watch from here: that must be safe. */
  msiq_gate_watch_stop(self->watch);
  self->watch = NULL;
}

static void on_release_timer(uv_timer_t *timer) {
  fixture *self = timer->data;
  assert_int_equal(self->calls, 0); /* not before the release */
  test_mutex_owner_release(&self->mutex);
  uv_update_time(&self->loop);
  self->released = true;
  self->released_at = uv_now(&self->loop);
}

/* As the dispatcher's gate check does when it has just found the mutex
 * held: defer the watch. Then the holder lets go at once. */
static void on_defer_timer(uv_timer_t *timer) {
  fixture *self = timer->data;
  assert_int_equal(self->calls, 0);
  self->deferred_at = uv_now(&self->loop);
  msiq_gate_watch_defer(self->watch);
  test_mutex_owner_release(&self->mutex);
  self->released = true;
}

static void on_stop_timer(uv_timer_t *timer) {
  fixture *self = timer->data;
  msiq_gate_watch_stop(self->watch);
  self->watch = NULL;
}

static void test_calls_back_once_soon_after_the_release(void **state) {
  (void)state;
  fixture self;
  fixture_init(&self, true);
  assert_int_equal(
      msiq_gate_watch_start(&self.loop, on_release, &self, &self.watch),
      MSIQ_OK);
  assert_int_equal(uv_timer_start(&self.release_timer, on_release_timer,
                                  RELEASE_AFTER_MS, 0),
                   0);
  /* Returns once the watch and the release timer are done. */
  uv_run(&self.loop, UV_RUN_DEFAULT);
  assert_true(self.released);
  assert_int_equal(self.calls, 1);
  assert_null(self.watch);
  if (self.called_at < self.released_at ||
      self.called_at - self.released_at > LATE_BOUND_MS) {
    fail_msg("called %lld ms after the release (bound %d ms)",
             (long long)(self.called_at - self.released_at), LATE_BOUND_MS);
  }
  fixture_cleanup(&self);
}

static void test_stopped_watch_never_calls_back(void **state) {
  (void)state;
  fixture self;
  fixture_init(&self, true);
  assert_int_equal(
      msiq_gate_watch_start(&self.loop, on_release, &self, &self.watch),
      MSIQ_OK);
  /* Stopped while the mutex is held, released later: no call. */
  assert_int_equal(uv_timer_start(&self.stop_timer, on_stop_timer,
                                  MSIQ_GATE_WATCH_INTERVAL_MS * 2 + 50, 0),
                   0);
  assert_int_equal(uv_timer_start(&self.release_timer, on_release_timer,
                                  MSIQ_GATE_WATCH_INTERVAL_MS * 3, 0),
                   0);
  uv_run(&self.loop, UV_RUN_DEFAULT);
  assert_true(self.released);
  assert_int_equal(self.calls, 0);
  fixture_cleanup(&self);
}

static void test_deferred_watch_looks_an_interval_later(void **state) {
  (void)state;
  fixture self;
  fixture_init(&self, true);
  assert_int_equal(
      msiq_gate_watch_start(&self.loop, on_release, &self, &self.watch),
      MSIQ_OK);
  /* Half an interval in, the deferral: without it the watch would look
   * (and call back) half an interval after the release. Timers never fire
   * early, so the bound below holds on any machine. */
  assert_int_equal(uv_timer_start(&self.release_timer, on_defer_timer,
                                  MSIQ_GATE_WATCH_INTERVAL_MS / 2, 0),
                   0);
  uv_run(&self.loop, UV_RUN_DEFAULT);
  assert_true(self.released);
  assert_int_equal(self.calls, 1);
  assert_null(self.watch);
  if (self.called_at < self.deferred_at + MSIQ_GATE_WATCH_INTERVAL_MS) {
    fail_msg("called %lld ms after the deferral (an interval is %d ms)",
             (long long)(self.called_at - self.deferred_at),
             MSIQ_GATE_WATCH_INTERVAL_MS);
  }
  fixture_cleanup(&self);
}

static void test_free_mutex_calls_back_at_the_first_look(void **state) {
  (void)state;
  fixture self;
  fixture_init(&self, false);
  uint64_t started_at = uv_now(&self.loop);
  assert_int_equal(
      msiq_gate_watch_start(&self.loop, on_release, &self, &self.watch),
      MSIQ_OK);
  uv_run(&self.loop, UV_RUN_DEFAULT);
  assert_int_equal(self.calls, 1);
  if (self.called_at - started_at > LATE_BOUND_MS) {
    fail_msg("called %lld ms after the start (bound %d ms)",
             (long long)(self.called_at - started_at), LATE_BOUND_MS);
  }
  fixture_cleanup(&self);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calls_back_once_soon_after_the_release),
      cmocka_unit_test(test_stopped_watch_never_calls_back),
      cmocka_unit_test(test_deferred_watch_looks_an_interval_later),
      cmocka_unit_test(test_free_mutex_calls_back_at_the_first_look),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
