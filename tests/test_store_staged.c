/* test_store_staged.c: where staged packages live and how the copies of
 * purged jobs leave the disk (store_staged.c, schema 0006). */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

static bool test_file_exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file != NULL) {
    fclose(file);
  }
  return file != NULL;
}

/* The staged folder of the fixture's database, made absolute as enqueue
 * makes it. */
static char *test_staged_directory(msiq_store *store) {
  char relative[512];
  char *absolute = NULL;
  assert_int_equal(
      msiq_store_staged_directory(store, relative, sizeof relative, NULL),
      MSIQ_OK);
  assert_int_equal(msiq_host_absolute_path(relative, &absolute, NULL), MSIQ_OK);
  return absolute;
}

static void test_staged_folder_is_beside_the_database(void **state) {
  test_store_fixture *fixture = *state;
  char directory[512];
  assert_int_equal(msiq_store_staged_directory(fixture->store, directory,
                                               sizeof directory, NULL),
                   MSIQ_OK);
  /* The database's own folder, then "staged". */
  size_t folder = strlen(fixture->path);
  while (folder > 0 && fixture->path[folder - 1] != '/' &&
         fixture->path[folder - 1] != '\\') {
    folder--;
  }
  assert_true(folder > 0);
  assert_int_equal(strncmp(directory, fixture->path, folder), 0);
  assert_string_equal(directory + folder, "staged");
  char tiny[8];
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_staged_directory(fixture->store, tiny, sizeof tiny, &diag),
      MSIQ_EUSAGE);
}

/* Enqueues a staged job whose copy is copy_path and returns its id. */
static int64_t test_enqueue_staged(msiq_store *store, const char *copy_path) {
  msiq_job_spec spec;
  test_spec_init(&spec, MSIQ_ACTION_INSTALL, "/src/app.msi");
  spec.no_check = true;
  assert_int_equal(
      msiq_job_spec_set_staged(
          &spec, copy_path,
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      MSIQ_OK);
  int64_t id = test_store_enqueue(store, &spec);
  msiq_job_spec_cleanup(&spec);
  return id;
}

static void test_purged_copies_leave_the_disk(void **state) {
  test_store_fixture *fixture = *state;
  char *directory = test_staged_directory(fixture->store);
  assert_int_equal(msiq_host_make_directory(directory, NULL), MSIQ_OK);
  char inside[640];
  char kept[640];
  char outside[520];
  /* The separator the host's paths use, as admission writes them. */
  const char *separator = strchr(directory, '\\') != NULL ? "\\" : "/";
  snprintf(inside, sizeof inside, "%s%s1-app.msi", directory, separator);
  snprintf(kept, sizeof kept, "%s%s2-app.msi", directory, separator);
  test_unique_path(outside, sizeof outside - 4, "not-staged");
  strcat(outside, ".msi");
  test_write_file(inside, "copy");
  test_write_file(kept, "copy");
  test_write_file(outside, "precious");
  test_enqueue_staged(fixture->store, inside);
  /* A note that names a file outside the staged folder (a hand-edited
   * queue): it is forgotten, the file is left alone. */
  test_enqueue_staged(fixture->store, outside);
  int64_t unfinished = test_enqueue_staged(fixture->store, kept);
  test_database_exec(fixture->path,
                     "UPDATE job SET state = 'succeeded', finished_at = 0 "
                     "WHERE target NOT LIKE '%2-app.msi'");

  int64_t deleted = 0;
  assert_int_equal(msiq_store_purge(fixture->store, 1000, &deleted, NULL),
                   MSIQ_OK);
  assert_int_equal(deleted, 2);
  int64_t removed = 0;
  assert_int_equal(
      msiq_store_remove_staged_copies(fixture->store, &removed, NULL), MSIQ_OK);
  assert_int_equal(removed, 2);
  assert_false(test_file_exists(inside));
  assert_true(test_file_exists(outside));
  /* The unfinished job keeps its copy. */
  assert_true(test_file_exists(kept));
  msiq_job job;
  assert_int_equal(msiq_store_get_job(fixture->store, unfinished, &job, NULL),
                   MSIQ_OK);
  assert_string_equal(job.target, kept);
  assert_string_equal(job.package_source, "/src/app.msi");
  msiq_job_cleanup(&job);
  char *left =
      test_database_text(fixture->path, "SELECT count(*) FROM staged_removal");
  assert_string_equal(left, "0");
  free(left);
  /* Nothing left to do: nothing happens. */
  assert_int_equal(
      msiq_store_remove_staged_copies(fixture->store, &removed, NULL), MSIQ_OK);
  assert_int_equal(removed, 0);
  remove(outside);
  remove(kept);
  free(directory);
}

/* More notes than one batch takes: every one is dealt with. */
static void test_many_copies_go_in_batches(void **state) {
  test_store_fixture *fixture = *state;
  char *directory = test_staged_directory(fixture->store);
  assert_int_equal(msiq_host_make_directory(directory, NULL), MSIQ_OK);
  char sql[1024];
  char path[700];
  for (int i = 0; i < 250; i++) {
    snprintf(path, sizeof path, "%s/%d-app.msi", directory, i);
    test_write_file(path, "copy");
    snprintf(sql, sizeof sql, "INSERT INTO staged_removal (path) VALUES ('%s')",
             path);
    test_database_exec(fixture->path, sql);
  }
  int64_t removed = 0;
  assert_int_equal(
      msiq_store_remove_staged_copies(fixture->store, &removed, NULL), MSIQ_OK);
  assert_int_equal(removed, 250);
  for (int i = 0; i < 250; i++) {
    snprintf(path, sizeof path, "%s/%d-app.msi", directory, i);
    assert_false(test_file_exists(path));
  }
  free(directory);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_staged_folder_is_beside_the_database,
                                      test_store_fixture_setup,
                                      test_store_fixture_teardown),
      cmocka_unit_test_setup_teardown(test_purged_copies_leave_the_disk,
                                      test_store_fixture_setup,
                                      test_store_fixture_teardown),
      cmocka_unit_test_setup_teardown(test_many_copies_go_in_batches,
                                      test_store_fixture_setup,
                                      test_store_fixture_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
