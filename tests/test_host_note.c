/* test_host_note.c: the running dispatcher's note for `status`
 * (msiq_host_dispatcher_note_write and _read, host.h), which says that an
 * outcome is not recorded yet (issue 15, item 1). Runs natively and, in the
 * windows preset, under Wine, where the note is written with CreateFileW
 * and replaced with MoveFileExW. */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "host/host.h"

static void test_note_is_written_replaced_and_removed(void **state) {
  (void)state;
  char database[512];
  test_unique_path(database, sizeof database, "note");
  char note[1024];
  assert_false(msiq_host_dispatcher_note_read(database, note, sizeof note));

  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_host_dispatcher_note_write(
          database, "the outcome of job 1 is not recorded yet", &diag),
      MSIQ_OK);
  assert_true(msiq_host_dispatcher_note_read(database, note, sizeof note));
  assert_string_equal(note, "the outcome of job 1 is not recorded yet");

  /* Replaced whole: a shorter line leaves nothing of the longer one. */
  assert_int_equal(
      msiq_host_dispatcher_note_write(database, "tried 2 times", &diag),
      MSIQ_OK);
  assert_true(msiq_host_dispatcher_note_read(database, note, sizeof note));
  assert_string_equal(note, "tried 2 times");

  /* No temporary file is left beside it. */
  char temporary[600];
  snprintf(temporary, sizeof temporary, "%s.dispatcher.note.new", database);
  assert_false(msiq_host_file_exists(temporary));

  /* A small buffer gets the start of the line. */
  char small[6];
  assert_true(msiq_host_dispatcher_note_read(database, small, sizeof small));
  assert_string_equal(small, "tried");

  assert_int_equal(msiq_host_dispatcher_note_write(database, NULL, &diag),
                   MSIQ_OK);
  assert_false(msiq_host_dispatcher_note_read(database, note, sizeof note));
  /* Removing a note that is not there is no error. */
  assert_int_equal(msiq_host_dispatcher_note_write(database, NULL, &diag),
                   MSIQ_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_note_is_written_replaced_and_removed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
