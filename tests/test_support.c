/* test_support.c: fixtures shared by the cmocka tests. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"

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
  static const msiq_admission_host host = {
      msiq_host_absolute_path,
      msiq_host_file_exists,
  };
  msiq_diag diag = {{0}};
  int status = msiq_job_admit(spec, &host, admission, &diag);
  if (status != MSIQ_OK) {
    fail_msg("admission refused the job: %s", diag.message);
  }
}
