/* test_host_command_line.c: msiq_host_installer_command_check (host.h),
 * the platform's limit on the installer's command line that admission
 * applies at enqueue (issue 15, item 3). Natively it checks the POSIX
 * simulation host's rules (ARG_MAX with the environment, and Linux's limit
 * for one argument); cross-compiled it runs under Wine and checks the
 * Windows host's (32,767 UTF-16 characters for CreateProcess, counted
 * after the conversion from UTF-8). */
#if !defined(_WIN32)
/* sysconf() is POSIX. */
#define _POSIX_C_SOURCE 200809L
#endif

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "core/installer_command.h"
#include "host/host.h"

/* A command with the builder's layout and `count` properties P0..Pn, each
 * with a value of `value_length` bytes, every byte `filler`. */
static void command_with_properties(msiq_installer_command *command,
                                    size_t count, size_t value_length,
                                    char filler) {
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\Packages\\app.msi");
  char *value = malloc(value_length + 1);
  assert_non_null(value);
  memset(value, filler, value_length);
  value[value_length] = '\0';
  for (size_t i = 0; i < count; i++) {
    char name[32];
    snprintf(name, sizeof name, "P%zu", i);
    test_job_add_property(&job, name, value);
  }
  free(value);
  msiq_installer_command_init(command);
  assert_int_equal(
      msiq_installer_command_build(
          &job, "C:\\ProgramData\\msiq\\logs\\job-1.log", command, NULL),
      MSIQ_OK);
  msiq_job_cleanup(&job);
}

static void test_a_short_command_fits(void **state) {
  (void)state;
  msiq_installer_command command;
  command_with_properties(&command, 3, 10, 'v');
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_installer_command_check(&command, &diag), MSIQ_OK);
  msiq_installer_command_cleanup(&command);
}

#if defined(_WIN32)

/* The length in UTF-16 characters (without the NUL) of the line the host
 * measures: the same program, the same quoting. */
static size_t line_length(const msiq_installer_command *command) {
  char program[4096];
  if (msiq_host_installer_program(program, sizeof program, NULL, NULL) !=
      MSIQ_OK) {
    snprintf(program, sizeof program, "msiexec.exe");
  }
  char *line = NULL;
  assert_int_equal(msiq_installer_command_line(program, command, &line, NULL),
                   MSIQ_OK);
  size_t length = strlen(line); /* ASCII here: bytes are characters */
  free(line);
  return length;
}

/* One property whose value brings the line to exactly `length`
 * characters. */
static void command_of_length(msiq_installer_command *command, size_t length) {
  command_with_properties(command, 1, 1, 'v');
  size_t base = line_length(command);
  msiq_installer_command_cleanup(command);
  assert_true(length > base);
  command_with_properties(command, 1, 1 + (length - base), 'v');
  assert_int_equal(line_length(command), length);
}

/* CreateProcess takes 32,767 characters with the NUL: 32,766 fit, one
 * more does not, and the message has the size and the limit. */
static void test_windows_limit_is_32767_characters(void **state) {
  (void)state;
  msiq_installer_command command;
  command_of_length(&command, 32766);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_installer_command_check(&command, &diag), MSIQ_OK);
  msiq_installer_command_cleanup(&command);

  command_of_length(&command, 32767);
  assert_int_equal(msiq_host_installer_command_check(&command, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "the installer's command line would be 32767 UTF-16 "
                      "characters; Windows allows at most 32767 with the "
                      "terminating NUL (CreateProcess): use fewer or shorter "
                      "properties");
  msiq_installer_command_cleanup(&command);
}

/* The limit is in UTF-16 characters, not bytes of UTF-8: 20,000 CJK
 * characters take 60,000 bytes but 20,000 characters, and fit. */
static void test_windows_counts_utf16_characters(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\Packages\\app.msi");
  size_t count = 20000;
  char *value = malloc(count * 3 + 1);
  assert_non_null(value);
  for (size_t i = 0; i < count; i++) {
    memcpy(value + i * 3, "\xe6\x97\xa5", 3); /* U+65E5 */
  }
  value[count * 3] = '\0';
  test_job_add_property(&job, "TITLE", value);
  free(value);
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(
      msiq_installer_command_build(&job, "C:\\log.txt", &command, NULL),
      MSIQ_OK);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_installer_command_check(&command, &diag), MSIQ_OK);
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}

#else

/* The limit the host applies: sysconf's ARG_MAX, on Linux at most 6 MiB. */
static long posix_limit(void) {
  long limit = sysconf(_SC_ARG_MAX);
#ifdef __linux__
  if (limit > 6L * 1024 * 1024) {
    limit = 6L * 1024 * 1024;
  }
#endif
  return limit;
}

/* Properties of 60,000 bytes each until they alone pass the limit: refused
 * with the size and the limit in the message. */
static void test_posix_limit_is_arg_max(void **state) {
  (void)state;
  long limit = posix_limit();
  assert_true(limit > 0);
  size_t count = (size_t)limit / 60000 + 1;
  msiq_installer_command command;
  command_with_properties(&command, count, 60000 - 4, 'v');
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_installer_command_check(&command, &diag),
                   MSIQ_EINVAL);
  char expected[128];
  snprintf(expected, sizeof expected,
           "with the environment; this system allows at most %ld (ARG_MAX)",
           limit);
  assert_message_contains(diag.message, expected);
  assert_message_contains(diag.message, "the installer's command line would");
  assert_message_is_one_line(diag.message);
  msiq_installer_command_cleanup(&command);

  /* Half of the limit in properties fits (with an environment of a test's
   * size). */
  command_with_properties(&command, count / 2, 60000 - 4, 'v');
  assert_int_equal(msiq_host_installer_command_check(&command, &diag), MSIQ_OK);
  msiq_installer_command_cleanup(&command);
}

#ifdef __linux__
/* One argument may take 32 pages: a longer one is refused by the name of
 * its property, never with its value. */
static void test_linux_limit_for_one_argument(void **state) {
  (void)state;
  long page = sysconf(_SC_PAGESIZE);
  size_t limit = 32 * (size_t)page;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "/pkgs/app.msi");
  char *value = malloc(limit + 1);
  assert_non_null(value);
  memset(value, 's', limit);
  value[limit] = '\0';
  test_job_add_property(&job, "SECRET", value);
  free(value);
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(
      msiq_installer_command_build(&job, "/logs/job-1.log", &command, NULL),
      MSIQ_OK);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_host_installer_command_check(&command, &diag),
                   MSIQ_EINVAL);
  char expected[160];
  snprintf(expected, sizeof expected,
           "the installer's argument for property 'SECRET' would be %zu "
           "bytes; this system allows at most %zu for one argument "
           "(MAX_ARG_STRLEN)",
           limit + strlen("SECRET=") + 1, limit);
  assert_string_equal(diag.message, expected);
  assert_null(strstr(diag.message, "sss"));
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}
#endif

#endif

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_a_short_command_fits),
#if defined(_WIN32)
    cmocka_unit_test(test_windows_limit_is_32767_characters),
    cmocka_unit_test(test_windows_counts_utf16_characters),
#else
    cmocka_unit_test(test_posix_limit_is_arg_max),
#ifdef __linux__
    cmocka_unit_test(test_linux_limit_for_one_argument),
#endif
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
