/* test_host_log.c: the service's log file rotates (host.h,
 * msiq_host_log_open): a small limit forced through the test setting
 * MSIQ_SERVICE_LOG_LIMIT, generations .1 to .3 kept, none beyond, no line
 * lost between generations or split across them. */
#define _XOPEN_SOURCE 700 /* putenv */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

/* putenv keeps the text itself, so it must outlive the test; _putenv on
 * Windows also sets the process environment msiq_host_getenv reads. */
static char limit_setting[] = "MSIQ_SERVICE_LOG_LIMIT=200";
static char limit_cleared[] = "MSIQ_SERVICE_LOG_LIMIT=";

static char *generation_path(const char *path, int generation) {
  char *name = malloc(strlen(path) + 16);
  assert_non_null(name);
  if (generation == 0) {
    strcpy(name, path);
  } else {
    sprintf(name, "%s.%d", path, generation);
  }
  return name;
}

static bool file_exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file != NULL) {
    fclose(file);
  }
  return file != NULL;
}

static void remove_generations(const char *path) {
  for (int generation = 0; generation <= 5; generation++) {
    char *name = generation_path(path, generation);
    remove(name);
    free(name);
  }
}

static int count_lines(const char *text) {
  int lines = 0;
  for (const char *c = text; *c != '\0'; c++) {
    lines += *c == '\n';
  }
  return lines;
}

static void test_log_rotates_at_the_limit(void **state) {
  (void)state;
  assert_int_equal(putenv(limit_setting), 0);
  char path[512];
  test_unique_path(path, sizeof path, "service-log");
  remove_generations(path);

  msiq_host_log *log = NULL;
  assert_int_equal(msiq_host_log_open(path, &log, NULL), MSIQ_OK);
  /* 40 lines of 30 bytes: 1,200 bytes, six files' worth at 200 bytes. */
  for (int i = 0; i < 40; i++) {
    char line[64];
    snprintf(line, sizeof line, "line %02d of the service log...", i);
    assert_int_equal(strlen(line) + 1, 30);
    msiq_host_log_write_line(log, line);
  }
  msiq_host_log_close(log);

  /* The file and three generations, and no fourth. */
  char *older = generation_path(path, 4);
  assert_false(file_exists(older));
  free(older);
  int total_lines = 0;
  int expected_first = 39;
  for (int generation = 0; generation <= 3; generation++) {
    char *name = generation_path(path, generation);
    long size = 0;
    char *text = test_read_file(name, &size);
    assert_non_null(text);
    /* Each file within the limit, holding whole lines only. */
    assert_true(size > 0 && size <= 200);
    assert_true(text[size - 1] == '\n');
    assert_int_equal(size % 30, 0);
    int lines = count_lines(text);
    total_lines += lines;
    /* The newest generation's last line is the line before the first one
     * of the file that followed it: nothing lost at a rotation. */
    char last[64];
    snprintf(last, sizeof last, "line %02d of", expected_first);
    assert_non_null(strstr(text + size - 30, last));
    expected_first -= lines;
    free(text);
    free(name);
  }
  /* 6 lines fit in 200 bytes: the current file and three full
   * generations hold the newest lines. */
  assert_int_equal(total_lines, 4 + 3 * 6);
  remove_generations(path);
  assert_int_equal(putenv(limit_cleared), 0);
}

static void test_log_counts_what_an_existing_file_holds(void **state) {
  (void)state;
  assert_int_equal(putenv(limit_setting), 0);
  char path[512];
  test_unique_path(path, sizeof path, "service-log-existing");
  remove_generations(path);
  /* 180 bytes from an earlier run of the service. */
  char earlier[181];
  memset(earlier, 'e', 179);
  earlier[179] = '\n';
  earlier[180] = '\0';
  test_write_file(path, earlier);

  msiq_host_log *log = NULL;
  assert_int_equal(msiq_host_log_open(path, &log, NULL), MSIQ_OK);
  msiq_host_log_write_line(log, "a line that passes the limit");
  /* A line longer than the limit alone in its file, not rotated again and
   * again. */
  char long_line[400];
  memset(long_line, 'x', sizeof long_line - 1);
  long_line[sizeof long_line - 1] = '\0';
  msiq_host_log_write_line(log, long_line);
  msiq_host_log_write_line(log, "after the long line");
  msiq_host_log_close(log);

  /* Each line that would pass the limit started a new file: the earlier
   * run's lines are three generations old now. */
  long size = 0;
  char *name = generation_path(path, 3);
  char *text = test_read_file(name, &size);
  assert_string_equal(text, earlier);
  free(text);
  free(name);
  name = generation_path(path, 2);
  text = test_read_file(name, &size);
  assert_string_equal(text, "a line that passes the limit\n");
  free(text);
  free(name);
  name = generation_path(path, 1);
  text = test_read_file(name, &size);
  assert_int_equal(size, (long)sizeof long_line);
  assert_true(text[0] == 'x' && text[size - 1] == '\n');
  free(text);
  free(name);
  text = test_read_file(path, &size);
  assert_int_equal(size, (long)strlen("after the long line\n"));
  free(text);
  remove_generations(path);
  assert_int_equal(putenv(limit_cleared), 0);
}

static void test_log_default_limit_is_large(void **state) {
  (void)state;
  assert_true(MSIQ_HOST_LOG_LIMIT_BYTES == INT64_C(10) * 1024 * 1024);
  /* Without the test setting (or with a bad one) no rotation for a few
   * kilobytes. */
  static char bad[] = "MSIQ_SERVICE_LOG_LIMIT=ten";
  assert_int_equal(putenv(bad), 0);
  char path[512];
  test_unique_path(path, sizeof path, "service-log-default");
  remove_generations(path);
  msiq_host_log *log = NULL;
  assert_int_equal(msiq_host_log_open(path, &log, NULL), MSIQ_OK);
  for (int i = 0; i < 100; i++) {
    msiq_host_log_write_line(log, "a line of about forty bytes, repeated");
  }
  msiq_host_log_close(log);
  char *first = generation_path(path, 1);
  assert_false(file_exists(first));
  free(first);
  long size = 0;
  char *text = test_read_file(path, &size);
  assert_int_equal(count_lines(text), 100);
  free(text);
  remove_generations(path);
  assert_int_equal(putenv(limit_cleared), 0);

  /* A folder that does not exist: refused, nothing opened. */
  msiq_diag diag = {{0}};
  char missing[600];
  snprintf(missing, sizeof missing, "%s-missing/sub/log", path);
  assert_int_equal(msiq_host_log_open(missing, &log, &diag), MSIQ_EIO);
  assert_null(log);
  assert_message_contains(diag.message, "cannot open log file");
  /* A NULL log takes lines and does nothing. */
  msiq_host_log_write_line(NULL, "nothing");
  msiq_host_log_close(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_rotates_at_the_limit),
      cmocka_unit_test(test_log_counts_what_an_existing_file_holds),
      cmocka_unit_test(test_log_default_limit_is_large),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
