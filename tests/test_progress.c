/* test_progress.c: Microsoft's progress-bar algorithm (core/progress.c). */
#include "test_support.h"

#include "core/progress.h"

static bool apply(msiq_progress *progress, int64_t type, int64_t a, int64_t b,
                  int64_t c) {
  int64_t fields[4] = {type, a, b, c};
  return msiq_progress_apply_record(progress, fields, 4);
}

static void test_forward_reports(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  assert_int_equal(msiq_progress_percent(&progress), 0);
  apply(&progress, 0, 200, 0, 0);
  assert_int_equal(msiq_progress_percent(&progress), 0);
  assert_true(apply(&progress, 2, 50, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 25);
  assert_true(apply(&progress, 2, 100, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 75);
  /* More ticks than the total stop at 100. */
  assert_true(apply(&progress, 2, 500, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 100);
  assert_false(apply(&progress, 2, 1, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 100);
}

static void test_script_generation_does_not_move_the_bar(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  apply(&progress, 0, 100, 0, 1);
  assert_false(apply(&progress, 2, 60, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 0);
  /* Execution starts its own bar at 0. */
  apply(&progress, 0, 1000, 0, 0);
  assert_true(apply(&progress, 2, 100, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 10);
}

static void test_add_to_total(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  apply(&progress, 0, 100, 0, 0);
  apply(&progress, 2, 50, 0, 0);
  assert_int_equal(msiq_progress_percent(&progress), 50);
  /* Reserving room for more work moves the bar back proportionally. */
  assert_true(apply(&progress, 3, 100, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 25);
  assert_false(apply(&progress, 3, -5, 0, 0));
  assert_int_equal(progress.total, 200);
}

static void test_action_data_moves_only_when_enabled(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  apply(&progress, 0, 10, 0, 0);
  /* Without action info, ACTIONDATA is text only. */
  assert_false(msiq_progress_apply_action_data(&progress));
  assert_int_equal(msiq_progress_percent(&progress), 0);
  /* Action info with field 3 = 0: ticks given, but not by ACTIONDATA. */
  apply(&progress, 1, 2, 0, 0);
  assert_false(msiq_progress_apply_action_data(&progress));
  apply(&progress, 1, 2, 1, 0);
  assert_true(msiq_progress_apply_action_data(&progress));
  assert_int_equal(msiq_progress_percent(&progress), 20);
  assert_true(msiq_progress_apply_action_data(&progress));
  assert_int_equal(msiq_progress_percent(&progress), 40);
  /* A reset ends the action's increments. */
  apply(&progress, 0, 10, 0, 0);
  assert_false(msiq_progress_apply_action_data(&progress));
}

static void test_rollback_runs_backwards_from_where_it_was(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  apply(&progress, 0, 100, 0, 0);
  apply(&progress, 2, 60, 0, 0);
  assert_int_equal(msiq_progress_percent(&progress), 60);
  /* Rollback with its own total: the bar does not jump, then goes down. */
  apply(&progress, 0, 40, 1, 0);
  assert_int_equal(msiq_progress_percent(&progress), 60);
  assert_true(apply(&progress, 2, 20, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 30);
  apply(&progress, 2, 20, 0, 0);
  assert_int_equal(msiq_progress_percent(&progress), 0);
  /* Past the start it stays at 0. */
  assert_false(apply(&progress, 2, 20, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 0);
}

static void test_reports_before_any_reset_or_unknown_types(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  assert_false(apply(&progress, 2, 10, 0, 0));
  assert_false(apply(&progress, 7, 10, 0, 0));
  assert_false(apply(&progress, -1, 10, 0, 0));
  assert_int_equal(msiq_progress_percent(&progress), 0);
  /* Short records: missing fields count as 0 (a reset to an empty bar). */
  int64_t reset_only[1] = {0};
  msiq_progress_apply_record(&progress, reset_only, 1);
  assert_int_equal(progress.total, 0);
  assert_false(apply(&progress, 2, 10, 0, 0));
}

static void test_huge_totals_do_not_overflow(void **state) {
  (void)state;
  msiq_progress progress;
  msiq_progress_init(&progress);
  apply(&progress, 0, INT64_MAX / 2, 0, 0);
  apply(&progress, 2, INT64_MAX / 4, 0, 0);
  assert_int_equal(msiq_progress_percent(&progress), 50);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forward_reports),
      cmocka_unit_test(test_script_generation_does_not_move_the_bar),
      cmocka_unit_test(test_add_to_total),
      cmocka_unit_test(test_action_data_moves_only_when_enabled),
      cmocka_unit_test(test_rollback_runs_backwards_from_where_it_was),
      cmocka_unit_test(test_reports_before_any_reset_or_unknown_types),
      cmocka_unit_test(test_huge_totals_do_not_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
