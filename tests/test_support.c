/* test_support.c: helpers and fixtures shared by the cmocka tests. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "host/host.h"

/* ---- Text ---------------------------------------------------------------- */

char *test_text_copy(const char *text) {
  size_t size = strlen(text) + 1;
  char *copy = malloc(size);
  assert_non_null(copy);
  memcpy(copy, text, size);
  return copy;
}

void assert_message_contains(const char *message, const char *fragment) {
  if (strstr(message, fragment) == NULL) {
    fail_msg("diagnostic \"%s\" does not contain \"%s\"", message, fragment);
  }
}

void assert_message_is_one_line(const char *message) {
  if (strchr(message, '\n') != NULL || strchr(message, '\r') != NULL) {
    fail_msg("diagnostic \"%s\" spans several lines", message);
  }
}

/* ---- Jobs and specs ------------------------------------------------------ */

void test_spec_init(msiq_job_spec *spec, msiq_action action,
                    const char *target) {
  msiq_job_spec_init(spec);
  spec->action = action;
  assert_int_equal(msiq_job_spec_set_target(spec, target), MSIQ_OK);
}

void test_job_init(msiq_job *job, msiq_action action, const char *target) {
  msiq_job_init(job);
  job->action = action;
  job->target = target != NULL ? test_text_copy(target) : NULL;
}

void test_job_add_property(msiq_job *job, const char *name, const char *value) {
  msiq_property *grown = realloc(job->properties, (job->property_count + 1) *
                                                      sizeof *job->properties);
  assert_non_null(grown);
  job->properties = grown;
  job->properties[job->property_count].name = test_text_copy(name);
  job->properties[job->property_count].value = test_text_copy(value);
  job->property_count++;
}

/* ---- Files and temporary databases ----------------------------------------
 */

static unsigned test_path_counter;

void test_unique_path(char *buffer, size_t size, const char *stem) {
  const char *directory = getenv("MSIQ_TEST_TMPDIR");
  if (directory == NULL || directory[0] == '\0') {
    directory = getenv("TMPDIR");
  }
  if (directory == NULL || directory[0] == '\0') {
    directory = "/tmp";
  }
  /* The clock and a counter keep paths distinct across parallel ctest runs
   * without needing getpid(), which is not portable C. */
  snprintf(buffer, size, "%s/%s-%lx-%u.db", directory, stem,
           (unsigned long)time(NULL) ^ (unsigned long)clock(),
           ++test_path_counter);
  test_remove_database(buffer);
}

void test_remove_database(const char *path) {
  char companion[1024];
  remove(path);
  snprintf(companion, sizeof companion, "%s-wal", path);
  remove(companion);
  snprintf(companion, sizeof companion, "%s-shm", path);
  remove(companion);
}

void test_write_file(const char *path, const char *text) {
  FILE *file = fopen(path, "wb");
  assert_non_null(file);
  assert_int_equal(fputs(text, file) >= 0, 1);
  assert_int_equal(fclose(file), 0);
}

void test_admit(msiq_job_spec *spec, msiq_admission *admission) {
  msiq_diag diag = {{0}};
  int status = msiq_job_admit(spec, &msiq_host_admission, admission, &diag);
  if (status != MSIQ_OK) {
    fail_msg("admission refused the job: %s", diag.message);
  }
}

char *test_read_file(const char *path, long *size) {
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  assert_int_equal(fseek(file, 0, SEEK_END), 0);
  *size = ftell(file);
  assert_true(*size >= 0);
  assert_int_equal(fseek(file, 0, SEEK_SET), 0);
  char *buffer = malloc((size_t)*size + 1);
  assert_non_null(buffer);
  assert_int_equal(fread(buffer, 1, (size_t)*size, file), (size_t)*size);
  buffer[*size] = '\0';
  fclose(file);
  return buffer;
}

void assert_file_unchanged(const char *path, const char *before,
                           long before_size) {
  long after_size = 0;
  char *after = test_read_file(path, &after_size);
  assert_int_equal(after_size, before_size);
  assert_memory_equal(after, before, (size_t)before_size);
  free(after);
}

void test_database_exec(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

char *test_database_text(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &statement, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
  const char *text = (const char *)sqlite3_column_text(statement, 0);
  assert_non_null(text);
  char *copy = test_text_copy(text);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return copy;
}

/* ---- A store on a temporary database ------------------------------------- */

void test_store_fixture_open(test_store_fixture *fixture, const char *stem) {
  test_unique_path(fixture->path, sizeof fixture->path, stem);
  fixture->store = NULL;
  assert_int_equal(
      msiq_store_open(fixture->path, MSIQ_STORE_CREATE, &fixture->store, NULL),
      MSIQ_OK);
}

void test_store_fixture_close(test_store_fixture *fixture) {
  msiq_store_close(fixture->store);
  fixture->store = NULL;
  test_remove_database(fixture->path);
}

int test_store_fixture_setup(void **state) {
  test_store_fixture *fixture = calloc(1, sizeof *fixture);
  assert_non_null(fixture);
  test_store_fixture_open(fixture, "store");
  *state = fixture;
  return 0;
}

int test_store_fixture_teardown(void **state) {
  test_store_fixture *fixture = *state;
  test_store_fixture_close(fixture);
  free(fixture);
  return 0;
}

int64_t test_store_enqueue(msiq_store *store, msiq_job_spec *spec) {
  int64_t id = 0;
  bool existing = false;
  msiq_diag diag = {{0}};
  msiq_admission admission;
  test_admit(spec, &admission);
  if (msiq_store_enqueue(store, &admission, &id, &existing, &diag) != MSIQ_OK) {
    fail_msg("enqueue refused: %s", diag.message);
  }
  return id;
}
