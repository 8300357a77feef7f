/* test_log_mode.c: msiexec's /l letters (core/log_mode.h), as `exec`'s /l
 * switch and `enqueue --log-mode` read them, and the command line and the
 * worker's request that carry them on.
 */
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

#include "core/installer_command.h"
#include "core/job.h"
#include "core/log_mode.h"
#include "core/worker_protocol.h"

/* Letters in any case and order, and their canonical text. */
static void test_canonical_texts(void **state) {
  (void)state;
  static const struct {
    const char *letters;
    const char *canonical;
  } cases[] = {
      {"*v", "*v"},
      {"*V", "*v"},
      {"V*", "*v"},
      {"voicewarmup", "*v"},
      {"VOICEWARMUPX", "*vx"},
      {"*vx+!", "*vx+!"},
      {"!+xv*", "*vx+!"},
      {"*", "*"},
      {"ew", "we"},
      {"v", "v"},
      {"x", "x"},
      {"ii", "i"},
      /* No kind of message: Windows Installer's default, iwearmo. */
      {"", "iwearmo"},
      {"+", "iwearmo+"},
      {"!", "iwearmo!"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buffer[MSIQ_LOG_MODE_SIZE];
    memset(buffer, 'Z', sizeof buffer);
    assert_int_equal(msiq_log_mode_canonical(cases[i].letters, buffer, NULL),
                     MSIQ_OK);
    assert_string_equal(buffer, cases[i].canonical);
  }
}

static void test_flags(void **state) {
  (void)state;
  unsigned flags = 0;
  assert_int_equal(msiq_log_mode_parse("*v+", &flags, NULL), MSIQ_OK);
  assert_int_equal(flags,
                   MSIQ_LOG_ALL_KINDS | MSIQ_LOG_VERBOSE | MSIQ_LOG_APPEND);
  assert_int_equal(flags & MSIQ_LOG_EXTRADEBUG, 0);
  assert_int_equal(flags & MSIQ_LOG_FLUSH, 0);
  assert_int_equal(msiq_log_mode_parse("em!", &flags, NULL), MSIQ_OK);
  assert_int_equal(flags, MSIQ_LOG_ERROR | MSIQ_LOG_FATALEXIT | MSIQ_LOG_FLUSH);
  /* The longest canonical text fits. */
  char buffer[MSIQ_LOG_MODE_SIZE];
  msiq_log_mode_format(~0u, buffer);
  assert_string_equal(buffer, "*vx+!");
  msiq_log_mode_format(MSIQ_LOG_ALL_KINDS & ~MSIQ_LOG_INFO, buffer);
  assert_string_equal(buffer, "wearucmop");
}

/* A letter outside msiexec's is refused, named, and *flags is kept. */
static void test_bad_letters(void **state) {
  (void)state;
  static const struct {
    const char *letters;
    const char *named;
  } cases[] = {
      {"*vz", "'z'"}, {"q", "'q'"},        {"*v-", "'-'"},
      {"og", "'g'"},  {"*v\t", "'\\x09'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    unsigned flags = 12345;
    msiq_diag diag = {{0}};
    assert_int_equal(msiq_log_mode_parse(cases[i].letters, &flags, &diag),
                     MSIQ_EINVAL);
    assert_int_equal(flags, 12345);
    assert_non_null(strstr(diag.message, cases[i].named));
    assert_non_null(strstr(diag.message, "not one of msiexec's /l letters"));
    assert_null(strchr(diag.message, '\n'));
  }
}

static void test_spec_keeps_the_canonical_text(void **state) {
  (void)state;
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_null(spec.log_mode);
  assert_int_equal(msiq_job_spec_set_log_mode(&spec, "V*+", NULL), MSIQ_OK);
  assert_string_equal(spec.log_mode, "*v+");
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_spec_set_log_mode(&spec, "*vy", &diag),
                   MSIQ_EINVAL);
  assert_string_equal(spec.log_mode, "*v+");
  assert_non_null(strstr(diag.message, "'y'"));
  msiq_job_spec_cleanup(&spec);
}

/* The job's mode reaches msiexec's command line as its log switch, and a
 * job without one keeps /l*v. */
static void test_command_carries_the_mode(void **state) {
  (void)state;
  msiq_job job;
  msiq_job_init(&job);
  job.action = MSIQ_ACTION_INSTALL;
  job.target = "C:\\a.msi";
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(
      msiq_installer_command_build(&job, "C:\\a.log", &command, NULL), MSIQ_OK);
  assert_string_equal(command.arguments[4], "/l*v");
  job.log_mode = "*vx+!";
  assert_int_equal(
      msiq_installer_command_build(&job, "C:\\a.log", &command, NULL), MSIQ_OK);
  assert_string_equal(command.arguments[4], "/l*vx+!");
  assert_string_equal(command.arguments[5], "C:\\a.log");
  char *line = NULL;
  assert_int_equal(
      msiq_installer_command_line("msiexec.exe", &command, &line, NULL),
      MSIQ_OK);
  assert_non_null(strstr(line, " /l*vx+! C:\\a.log"));
  free(line);
  /* A mode that is not canonical never reaches the command line. */
  job.log_mode = "*v /x";
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_installer_command_build(&job, "C:\\a.log", &command, &diag),
      MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "log mode"));
  msiq_installer_command_cleanup(&command);
}

/* The worker's request names the mode after the path only when the job
 * has one. */
static void test_request_carries_the_mode(void **state) {
  (void)state;
  msiq_job job;
  msiq_job_init(&job);
  job.action = MSIQ_ACTION_INSTALL;
  job.target = "C:\\a.msi";
  char *text = NULL;
  size_t length = 0;
  assert_int_equal(
      msiq_worker_request_build(&job, "C:\\a.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_non_null(strstr(text, "log\tC:\\\\a.log\n"));
  free(text);
  job.log_mode = "*v+";
  assert_int_equal(
      msiq_worker_request_build(&job, "C:\\a.log", &text, &length, NULL, NULL),
      MSIQ_OK);
  assert_non_null(strstr(text, "log\tC:\\\\a.log\t*v+\n"));
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canonical_texts),
      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_bad_letters),
      cmocka_unit_test(test_spec_keeps_the_canonical_text),
      cmocka_unit_test(test_command_carries_the_mode),
      cmocka_unit_test(test_request_carries_the_mode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
