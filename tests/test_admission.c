/* test_admission.c: admitting a job before the store (core/admission.h),
 * against a fake host whose current directory is /fake-cwd, whose only
 * files are the ones a test lists, and which finds every path safe but the
 * one a test names. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/admission.h"

static const char valid_product_code[] =
    "{12345678-ABCD-ef01-2345-6789ABCDEF01}";

/* What the fake host was asked, and what it holds. */
static struct {
  int absolute_path_calls;
  int file_exists_calls;
  char last_checked[256];
  const char *existing_files[4];
  /* absolute_path fails for this path, as a host would for a path too
   * long to resolve. */
  const char *unresolvable;
  /* The current directory, "/fake-cwd/" when NULL. */
  const char *cwd;
  /* What command_check saw last, and the total length of arguments past
   * which it refuses (0: never). */
  int command_check_calls;
  size_t command_argument_count;
  char command_arguments[8][300];
  size_t command_limit;
  /* Every path check, in order: "role:path". */
  char checks[4][256];
  int check_path_calls;
  /* check_path refuses this path, as a host would one others can write. */
  const char *unsafe;
  /* What now_ms answers (UTC ms), and how often it was asked. */
  int64_t now;
  int now_calls;
  /* read_package: how often, whether as a patch last, and the path it
   * refuses as no package; an incomplete package (no ProductVersion) is
   * read from the path `incomplete`. */
  int read_package_calls;
  bool read_as_patch;
  const char *not_package;
  const char *incomplete;
  /* Read as a patch with the code other_patch_code, and read as a product
   * even when asked for a patch. */
  const char *other_patch;
  const char *product_not_patch;
} fake;

static const char other_patch_code[] = "{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}";

static int64_t fake_now_ms(void) {
  fake.now_calls++;
  return fake.now;
}

static int fake_absolute_path(const char *path, char **absolute,
                              msiq_diag *diag) {
  fake.absolute_path_calls++;
  if (fake.unresolvable != NULL && strcmp(path, fake.unresolvable) == 0) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot resolve '%s'", path);
  }
  const char *cwd = fake.cwd != NULL ? fake.cwd : "/fake-cwd/";
  const char *prefix = path[0] == '/' ? "" : cwd;
  size_t size = strlen(prefix) + strlen(path) + 1;
  *absolute = malloc(size);
  assert_non_null(*absolute);
  strcpy(*absolute, prefix);
  strcat(*absolute, path);
  return MSIQ_OK;
}

static bool fake_file_exists(const char *path) {
  fake.file_exists_calls++;
  snprintf(fake.last_checked, sizeof fake.last_checked, "%s", path);
  for (size_t i = 0;
       i < sizeof fake.existing_files / sizeof *fake.existing_files; i++) {
    if (fake.existing_files[i] != NULL &&
        strcmp(fake.existing_files[i], path) == 0) {
      return true;
    }
  }
  return false;
}

static int fake_command_check(const msiq_installer_command *command,
                              msiq_diag *diag) {
  fake.command_check_calls++;
  fake.command_argument_count = command->argument_count;
  size_t total = 0;
  for (size_t i = 0; i < command->argument_count; i++) {
    if (i < sizeof fake.command_arguments / sizeof *fake.command_arguments) {
      snprintf(fake.command_arguments[i], sizeof fake.command_arguments[i],
               "%s", command->arguments[i]);
    }
    total += strlen(command->arguments[i]) + 1;
  }
  if (fake.command_limit > 0 && total > fake.command_limit) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "the installer's command line would be %zu; at "
                         "most %zu",
                         total, fake.command_limit);
  }
  return MSIQ_OK;
}

static int fake_check_path(const char *path, msiq_path_role role,
                           msiq_diag *diag) {
  static const char *const roles[] = {"package", "log", "log folder"};
  if (fake.check_path_calls < 4) {
    snprintf(fake.checks[fake.check_path_calls],
             sizeof fake.checks[fake.check_path_calls], "%s:%s", roles[role],
             path);
  }
  fake.check_path_calls++;
  if (fake.unsafe != NULL && strcmp(path, fake.unsafe) == 0) {
    return msiq_diag_set(diag, MSIQ_EINSECURE, "refusing %s %s: unsafe",
                         roles[role], path);
  }
  return MSIQ_OK;
}

static int fake_read_package(const char *path, bool patch,
                             msiq_package_info *info, msiq_diag *diag) {
  fake.read_package_calls++;
  fake.read_as_patch = patch;
  if (fake.not_package != NULL && strcmp(path, fake.not_package) == 0) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "it is not an OLE compound file");
  }
  bool product_not_patch = fake.product_not_patch != NULL &&
                           strcmp(path, fake.product_not_patch) == 0;
  if (patch && !product_not_patch) {
    bool other =
        fake.other_patch != NULL && strcmp(path, fake.other_patch) == 0;
    info->kind = MSIQ_PACKAGE_KIND_PATCH;
    assert_int_equal(
        msiq_package_info_set(&info->patch_code,
                              other ? other_patch_code : valid_product_code),
        MSIQ_OK);
    assert_int_equal(
        msiq_package_info_set(&info->patch_targets, valid_product_code),
        MSIQ_OK);
    return MSIQ_OK;
  }
  info->kind = MSIQ_PACKAGE_KIND_PRODUCT;
  assert_int_equal(
      msiq_package_info_set(&info->product_code, valid_product_code), MSIQ_OK);
  assert_int_equal(msiq_package_info_set(&info->product_name, "App"), MSIQ_OK);
  if (fake.incomplete == NULL || strcmp(path, fake.incomplete) != 0) {
    assert_int_equal(msiq_package_info_set(&info->product_version, "1.0"),
                     MSIQ_OK);
  }
  return MSIQ_OK;
}

static const msiq_admission_host fake_host = {
    fake_absolute_path, fake_file_exists, fake_command_check,
    fake_check_path,    fake_now_ms,      fake_read_package,
};

static int fake_reset(void **state) {
  (void)state;
  memset(&fake, 0, sizeof fake);
  return 0;
}

static void spec_init_with(msiq_job_spec *spec, msiq_action action,
                           const char *target) {
  msiq_job_spec_init(spec);
  spec->action = action;
  assert_int_equal(msiq_job_spec_set_target(spec, target), MSIQ_OK);
}

static void test_paths_are_made_absolute_through_the_host(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/pkgs/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "pkgs/app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "logs/app.log"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_string_equal(spec.target, "/fake-cwd/pkgs/app.msi");
  assert_string_equal(spec.log_path, "/fake-cwd/logs/app.log");
  assert_int_equal(fake.absolute_path_calls, 2);
  /* The package is looked for where the dispatcher will look: at the
   * absolute path. */
  assert_int_equal(fake.file_exists_calls, 1);
  assert_string_equal(fake.last_checked, "/fake-cwd/pkgs/app.msi");
  assert_ptr_equal(admission.spec, &spec);
  assert_int_equal(admission.refusal, MSIQ_OK);
  /* Both are judged where the dispatcher will find them. */
  assert_int_equal(fake.check_path_calls, 2);
  assert_string_equal(fake.checks[0], "package:/fake-cwd/pkgs/app.msi");
  assert_string_equal(fake.checks[1], "log:/fake-cwd/logs/app.log");
  msiq_job_spec_cleanup(&spec);
}

static void test_unsafe_package_or_log_is_refused(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  const char *const unsafe[] = {"/fake-cwd/app.msi", "/fake-cwd/app.log"};
  const char *const messages[] = {
      "refusing package /fake-cwd/app.msi: unsafe",
      "refusing log /fake-cwd/app.log: unsafe",
  };
  for (size_t i = 0; i < 2; i++) {
    fake.unsafe = unsafe[i];
    fake.check_path_calls = 0;
    msiq_job_spec spec;
    spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
    assert_int_equal(msiq_job_spec_set_log_path(&spec, "app.log"), MSIQ_OK);
    msiq_admission admission;
    /* A refusal for the store to deliver (after the key), as bad input
     * (exit 2), with the host's reason. */
    assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                     MSIQ_OK);
    assert_int_equal(admission.refusal, MSIQ_EINVAL);
    assert_string_equal(admission.refusal_diag.message, messages[i]);
    /* The first refusal is the answer: a refused package stops there. */
    assert_int_equal(fake.check_path_calls, (int)i + 1);
    msiq_job_spec_cleanup(&spec);
  }
}

static void test_stage_skips_the_source_check_only(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  fake.unsafe = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "app.log"), MSIQ_OK);
  spec.stage = true;
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  /* The copy runs, not the source; it must still exist to be copied, and
   * the log is judged as ever. */
  assert_int_equal(fake.file_exists_calls, 1);
  assert_int_equal(fake.check_path_calls, 1);
  assert_string_equal(fake.checks[0], "log:/fake-cwd/app.log");
  msiq_job_spec_cleanup(&spec);

  /* --stage needs a file to copy now. */
  const char *const targets[] = {valid_product_code, "app.msi"};
  const char *const messages[] = {"is a product code", "--no-check"};
  for (size_t i = 0; i < 2; i++) {
    spec_init_with(&spec, MSIQ_ACTION_UNINSTALL, targets[i]);
    spec.stage = true;
    spec.no_check = i == 1;
    msiq_diag diag = {{0}};
    assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                     MSIQ_EUSAGE);
    assert_non_null(strstr(diag.message, messages[i]));
    assert_string_equal(spec.target, targets[i]);
    msiq_job_spec_cleanup(&spec);
  }
}

static void test_staged_spec_runs_the_copy(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "/src/app.msi");
  assert_int_equal(
      msiq_job_spec_set_staged(&spec, "/q/staged/1-app.msi", "ab12"), MSIQ_OK);
  assert_string_equal(spec.target, "/q/staged/1-app.msi");
  assert_string_equal(spec.package_source, "/src/app.msi");
  assert_string_equal(spec.package_sha256, "ab12");
  msiq_job_spec_cleanup(&spec);
  assert_null(spec.package_source);
  assert_null(spec.package_sha256);
}

static void test_missing_package_is_refused_with_the_message(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  msiq_admission admission;
  msiq_diag diag = {{0}};
  /* Admission records the refusal for the store, which delivers it after
   * the idempotency key (see admission.h). */
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_EPACKAGE_MISSING);
  assert_string_equal(admission.refusal_diag.message,
                      "package '/fake-cwd/fix.msp' does not exist (use "
                      "--no-check for a share that is offline now)");
  assert_int_equal(fake.file_exists_calls, 1);
  msiq_job_spec_cleanup(&spec);
}

static void test_no_check_skips_the_package_check(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "offline/app.msi");
  spec.no_check = true;
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                   MSIQ_OK);
  assert_int_equal(fake.file_exists_calls, 0);
  /* An offline share cannot be judged either: the dispatcher judges it
   * before it starts the installer. */
  assert_int_equal(fake.check_path_calls, 0);
  assert_int_equal(admission.refusal, MSIQ_OK);
  /* The path is still anchored to the enqueuer's directory. */
  assert_string_equal(spec.target, "/fake-cwd/offline/app.msi");
  msiq_job_spec_cleanup(&spec);
}

static void test_product_code_target_needs_no_file(void **state) {
  (void)state;
  const msiq_action actions[] = {MSIQ_ACTION_UNINSTALL, MSIQ_ACTION_REPAIR};
  for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) {
    fake_reset(NULL);
    msiq_job_spec spec;
    spec_init_with(&spec, actions[i], valid_product_code);
    msiq_admission admission;
    assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                     MSIQ_OK);
    assert_string_equal(spec.target, valid_product_code);
    assert_int_equal(fake.absolute_path_calls, 0);
    assert_int_equal(fake.file_exists_calls, 0);
    assert_int_equal(admission.refusal, MSIQ_OK);
    msiq_job_spec_cleanup(&spec);
  }
  /* An uninstall given a package names a file like an install does. */
  fake_reset(NULL);
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_UNINSTALL, "old.msi");
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                   MSIQ_OK);
  assert_string_equal(spec.target, "/fake-cwd/old.msi");
  assert_int_equal(fake.file_exists_calls, 1);
  assert_int_equal(admission.refusal, MSIQ_EPACKAGE_MISSING);
  msiq_job_spec_cleanup(&spec);
}

static void test_validation_errors_come_first(void **state) {
  (void)state;
  /* Both invalid and missing: the validation error is the answer, and the
   * host is never asked. */
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "missing.msi");
  spec.max_attempts = 0;
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  assert_non_null(strstr(diag.message, "max attempts 0 out of range"));
  assert_int_equal(fake.absolute_path_calls, 0);
  assert_int_equal(fake.file_exists_calls, 0);
  assert_string_equal(spec.target, "missing.msi");
  assert_null(admission.spec);
  msiq_job_spec_cleanup(&spec);
}

static void test_host_failure_to_resolve_a_path_is_returned(void **state) {
  (void)state;
  fake.unresolvable = "logs/app.log";
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "logs/app.log"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EIO);
  assert_string_equal(diag.message, "cannot resolve 'logs/app.log'");
  assert_int_equal(fake.file_exists_calls, 0);
  assert_null(admission.spec);
  msiq_job_spec_cleanup(&spec);
}

/* A relative path was checked, but not the current directory in front of
 * it: a POSIX directory name may be any bytes. */
static void test_current_directory_that_is_not_utf8_is_refused(void **state) {
  (void)state;
  fake.cwd = "/caf\xe9/";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  assert_string_equal(diag.message,
                      "package path '/caf\\xe9/app.msi' is not valid UTF-8 "
                      "(the current directory's name is not)");
  assert_null(admission.spec);
  msiq_job_spec_cleanup(&spec);
  fake.cwd = NULL;
}

/* The command checked is the one the dispatcher will build: the action,
 * the absolute target, the fixed switches, the job's log path (absolute),
 * then the properties in order. */
static void test_the_real_command_is_checked(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "app.log"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "ALLUSERS", "1", NULL),
                   MSIQ_OK);
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "INSTALLDIR", "C:\\Apps", NULL),
      MSIQ_OK);
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                   MSIQ_OK);
  assert_int_equal(fake.command_check_calls, 1);
  assert_int_equal(fake.command_argument_count, 8);
  const char *expected[] = {
      "/i",   "/fake-cwd/app.msi", "/qn",        "/norestart",
      "/l*v", "/fake-cwd/app.log", "ALLUSERS=1", "INSTALLDIR=C:\\Apps"};
  for (size_t i = 0; i < 8; i++) {
    assert_string_equal(fake.command_arguments[i], expected[i]);
  }
  msiq_job_spec_cleanup(&spec);

  /* Without a log path of its own, the default one is counted at
   * MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH characters. */
  fake_reset(NULL);
  spec_init_with(&spec, MSIQ_ACTION_REPAIR, valid_product_code);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, NULL),
                   MSIQ_OK);
  assert_int_equal(fake.command_argument_count, 6);
  assert_string_equal(fake.command_arguments[0], "/fomus");
  assert_int_equal(strlen(fake.command_arguments[5]),
                   MSIQ_ADMISSION_DEFAULT_LOG_PATH_LENGTH);
  msiq_job_spec_cleanup(&spec);
}

/* A command the platform cannot start is a refusal of admission itself,
 * with the host's message, before the package is looked at. */
static void test_a_command_too_long_is_refused(void **state) {
  (void)state;
  fake.command_limit = 400;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_set_log_path(&spec, "app.log"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  char value[400];
  memset(value, 'v', sizeof value - 1);
  value[sizeof value - 1] = '\0';
  assert_int_equal(msiq_job_spec_add_property(&spec, "LONG", value, NULL),
                   MSIQ_OK);
  fake.file_exists_calls = 0;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  /* /i, the target, /qn, /norestart, /l*v and the log (3 + 18 + 4 + 11 +
   * 5 + 18 bytes with their NULs), then LONG=v...v (5 + 399 + 1). */
  assert_string_equal(diag.message,
                      "the installer's command line would be 464; at most "
                      "400");
  assert_int_equal(fake.file_exists_calls, 0);
  assert_null(admission.spec);
  msiq_job_spec_cleanup(&spec);

  /* A host with no such check admits it. */
  const msiq_admission_host unchecked = {
      fake_absolute_path, fake_file_exists, NULL, fake_check_path, NULL, NULL};
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_property(&spec, "LONG", value, NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &unchecked, &admission, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
}

/* Every installer gets the job as the worker's request, one property a
 * line of at most MSIQ_WORKER_LINE_MAX bytes: a value within the value
 * limit whose backslashes double past it could never be sent, so it is
 * refused now, by name, whatever the host's command-line check. */
static void test_a_request_line_too_long_is_refused(void **state) {
  (void)state;
  const msiq_admission_host unchecked = {
      fake_absolute_path, fake_file_exists, NULL, fake_check_path, NULL, NULL};
  char value[MSIQ_PROPERTY_VALUE_SIZE_MAX + 1];
  memset(value, '\\', MSIQ_PROPERTY_VALUE_SIZE_MAX);
  value[MSIQ_PROPERTY_VALUE_SIZE_MAX] = '\0';
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_property(&spec, "PATHS", value, NULL),
                   MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &unchecked, &admission, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message,
                          "property 'PATHS' is too long for the worker's "
                          "request");
  assert_null(strstr(diag.message, "\\\\"));
  assert_null(admission.spec);
  msiq_job_spec_cleanup(&spec);

  /* Half as many backslashes fit. */
  value[MSIQ_PROPERTY_VALUE_SIZE_MAX / 2] = '\0';
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_property(&spec, "PATHS", value, NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &unchecked, &admission, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
}

/* A deadline at or before the host's "now" is refused before anything
 * else is looked at; one after it, or any deadline without a clock, is
 * admitted. */
static void test_a_deadline_already_past_is_refused(void **state) {
  (void)state;
  fake.now = 1795557600000; /* 2026-11-24T22:00:00Z */
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_admission admission;
  msiq_diag diag = {{0}};
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.deadline = fake.now - 1;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "deadline ");
  assert_message_contains(diag.message, "has already passed (it is ");
  assert_int_equal(fake.now_calls, 1);
  assert_int_equal(fake.file_exists_calls, 0);
  assert_null(admission.spec);
  /* The moment itself has passed too: the job could not start by then. */
  spec.deadline = fake.now;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  spec.deadline = fake.now + 1;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  /* No deadline: the clock is not asked. */
  fake.now_calls = 0;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(fake.now_calls, 0);
  msiq_job_spec_cleanup(&spec);
  /* A host without a clock does not check deadlines. */
  const msiq_admission_host clockless = {fake_absolute_path,
                                         fake_file_exists,
                                         fake_command_check,
                                         fake_check_path,
                                         NULL,
                                         NULL};
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.deadline = 1;
  assert_int_equal(msiq_job_admit(&spec, &clockless, &admission, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
}

/* A job as the store holds it, for the key-reuse check: id 7, an install
 * of /pkg/app.msi with A=1 B=2. */
static void existing_job_init(msiq_job *job) {
  msiq_job_init(job);
  job->id = 7;
  job->state = MSIQ_STATE_QUEUED;
  job->action = MSIQ_ACTION_INSTALL;
  job->target = test_text_copy("/pkg/app.msi");
  job->properties = calloc(2, sizeof *job->properties);
  assert_non_null(job->target);
  assert_non_null(job->properties);
  job->properties[0].name = test_text_copy("A");
  job->properties[0].value = test_text_copy("1");
  job->properties[1].name = test_text_copy("B");
  job->properties[1].value = test_text_copy("2");
  job->property_count = 2;
}

static void key_spec_init(msiq_job_spec *spec, msiq_action action,
                          const char *target) {
  spec_init_with(spec, action, target);
  assert_int_equal(msiq_job_spec_set_key(spec, "app-1"), MSIQ_OK);
}

static int key_reuse(const msiq_job_spec *spec, const msiq_job *job,
                     msiq_diag *diag) {
  memset(diag, 0, sizeof *diag);
  return msiq_admission_check_key_reuse(spec, job, diag);
}

/* The same job under the same key is answered; another one is refused,
 * naming the key, the job and what differs. */
static void test_key_reuse_needs_the_same_job(void **state) {
  (void)state;
  msiq_job job;
  existing_job_init(&job);
  msiq_diag diag;
  msiq_job_spec spec;

  key_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkg/app.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "2", NULL), MSIQ_OK);
  /* How it runs may differ: that is still the same job. */
  spec.priority = 50;
  spec.max_attempts = 2;
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_OK);
  msiq_job_spec_cleanup(&spec);

  key_spec_init(&spec, MSIQ_ACTION_REPAIR, "/pkg/app.msi");
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_ESTATE);
  assert_message_contains(diag.message,
                          "key 'app-1' already names unfinished job 7, which "
                          "is to install, not repair");
  msiq_job_spec_cleanup(&spec);

  key_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkg/other.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "2", NULL), MSIQ_OK);
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_ESTATE);
  assert_message_contains(diag.message,
                          "whose target is '/pkg/app.msi', not "
                          "'/pkg/other.msi'; use another key or cancel job 7");
  msiq_job_spec_cleanup(&spec);

  /* A value, a missing property, an extra one, another order. */
  static const char *const variants[][4] = {
      {"A", "1", "B", "3"},
      {"A", "1", NULL, NULL},
      {"B", "2", "A", "1"},
  };
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    key_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkg/app.msi");
    for (size_t i = 0; i < 4 && variants[v][i] != NULL; i += 2) {
      assert_int_equal(msiq_job_spec_add_property(&spec, variants[v][i],
                                                  variants[v][i + 1], NULL),
                       MSIQ_OK);
    }
    assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_ESTATE);
    assert_message_contains(diag.message, "whose properties differ");
    msiq_job_spec_cleanup(&spec);
  }
  key_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkg/app.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "2", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "C", "3", NULL), MSIQ_OK);
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_ESTATE);
  msiq_job_spec_cleanup(&spec);
  msiq_job_cleanup(&job);
}

/* A staged job is the package it was copied from: staging the same
 * package again (a new copy) or naming it unstaged is the same job. */
static void test_key_reuse_of_a_staged_job_compares_its_source(void **state) {
  (void)state;
  msiq_job job;
  existing_job_init(&job);
  free(job.target);
  job.target = test_text_copy("/queue/staged/1-app.msi");
  job.package_source = test_text_copy("/pkg/app.msi");
  job.package_sha256 = test_text_copy(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  msiq_diag diag;
  msiq_job_spec spec;
  key_spec_init(&spec, MSIQ_ACTION_INSTALL, "/pkg/app.msi");
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "2", NULL), MSIQ_OK);
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_staged(&spec, "/queue/staged/2-app.msi",
                                            job.package_sha256),
                   MSIQ_OK);
  assert_int_equal(key_reuse(&spec, &job, &diag), MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  msiq_job_cleanup(&job);
}

/* A reachable package is read, and what it says goes with the spec. */
static void test_the_package_is_read(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_int_equal(fake.read_package_calls, 1);
  assert_false(fake.read_as_patch);
  assert_int_equal(spec.package.kind, MSIQ_PACKAGE_KIND_PRODUCT);
  assert_string_equal(spec.package.product_name, "App");
  msiq_job_spec_cleanup(&spec);
}

/* A file that is not a package is refused with MSIQ_ENOT_PACKAGE and one
 * line naming it; so is a package missing what a job needs. Nothing read
 * is kept. */
static void test_a_file_that_is_not_a_package_is_refused(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/notes.msi";
  fake.existing_files[1] = "/fake-cwd/half.msi";
  fake.not_package = "/fake-cwd/notes.msi";
  fake.incomplete = "/fake-cwd/half.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "notes.msi");
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_ENOT_PACKAGE);
  assert_string_equal(admission.refusal_diag.message,
                      "'/fake-cwd/notes.msi' is not a Windows Installer "
                      "package (.msi): it is not an OLE compound file");
  /* Refused before the path check: what it is matters first. */
  assert_int_equal(fake.check_path_calls, 0);
  msiq_job_spec_cleanup(&spec);

  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "half.msi");
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_ENOT_PACKAGE);
  assert_string_equal(admission.refusal_diag.message,
                      "'/fake-cwd/half.msi' is not a Windows Installer "
                      "package (.msi): it has no ProductVersion");
  assert_int_equal(spec.package.kind, MSIQ_PACKAGE_KIND_UNKNOWN);
  assert_null(spec.package.product_name);
  msiq_job_spec_cleanup(&spec);
}

/* --no-check, a missing package and a product code read nothing. */
static void test_no_package_is_read_without_a_file(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  spec.no_check = true;
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "missing.msi");
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_EPACKAGE_MISSING);
  msiq_job_spec_cleanup(&spec);
  spec_init_with(&spec, MSIQ_ACTION_UNINSTALL, valid_product_code);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  assert_int_equal(fake.read_package_calls, 0);
}

/* A .msp with no action given is a patch, read as one; an action given
 * stays (and an install of a .msp is then refused by validation). */
static void test_a_patch_target_implies_the_patch_action(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/fix.MSP";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "fix.MSP");
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(spec.action, MSIQ_ACTION_PATCH);
  assert_true(fake.read_as_patch);
  assert_int_equal(spec.package.kind, MSIQ_PACKAGE_KIND_PATCH);
  msiq_job_spec_cleanup(&spec);

  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "fix.msp");
  spec.action_given = true;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EINVAL);
  assert_int_equal(spec.action, MSIQ_ACTION_INSTALL);
  msiq_job_spec_cleanup(&spec);
}

/* --transform: made absolute, joined into TRANSFORMS in order, each file
 * checked to exist and judged like the package; the lists are emptied so
 * that a second admission adds nothing twice. */
static void test_transforms_become_the_transforms_property(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  fake.existing_files[1] = "/fake-cwd/a.mst";
  fake.existing_files[2] = "/t/b.mst";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_INSTALL, "app.msi");
  assert_int_equal(msiq_job_spec_add_transform(&spec, "a.mst"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_transform(&spec, "/t/b.mst"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_int_equal(spec.property_count, 1);
  assert_string_equal(spec.properties[0].name, "TRANSFORMS");
  assert_string_equal(spec.properties[0].value, "/fake-cwd/a.mst;/t/b.mst");
  assert_int_equal(spec.transform_count, 0);
  assert_string_equal(fake.checks[0], "package:/fake-cwd/a.mst");
  assert_string_equal(fake.checks[1], "package:/t/b.mst");
  assert_string_equal(fake.checks[2], "package:/fake-cwd/app.msi");
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(spec.property_count, 1);
  msiq_job_spec_cleanup(&spec);
}

static void test_a_missing_transform_is_refused(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_ADVERTISE, "app.msi");
  assert_int_equal(msiq_job_spec_add_transform(&spec, "gone.mst"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_EPACKAGE_MISSING);
  assert_message_contains(admission.refusal_diag.message,
                          "transform '/fake-cwd/gone.mst' does not exist");
  assert_message_is_one_line(admission.refusal_diag.message);
  msiq_job_spec_cleanup(&spec);
}

/* An admin job's TARGETDIR, from --target-dir or its own property, is
 * made absolute; its patches become PATCH. */
static void test_admin_target_dir_and_patches(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/app.msi";
  fake.existing_files[1] = "/fake-cwd/fix.msp";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_ADMIN, "app.msi");
  assert_int_equal(msiq_job_spec_set_target_dir(&spec, "image"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "fix.msp"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_int_equal(spec.property_count, 2);
  assert_string_equal(spec.properties[0].name, "PATCH");
  assert_string_equal(spec.properties[0].value, "/fake-cwd/fix.msp");
  assert_string_equal(spec.properties[1].name, "TARGETDIR");
  assert_string_equal(spec.properties[1].value, "/fake-cwd/image");
  msiq_job_spec_cleanup(&spec);

  spec_init_with(&spec, MSIQ_ACTION_ADMIN, "app.msi");
  assert_int_equal(
      msiq_job_spec_add_property(&spec, "TARGETDIR", "img2", &diag), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_string_equal(spec.properties[0].value, "/fake-cwd/img2");
  msiq_job_spec_cleanup(&spec);
}

typedef enum sequence_option {
  OPTION_TRANSFORM,
  OPTION_PATCH,
  OPTION_TARGET_DIR,
  OPTION_LANGUAGE,
  OPTION_NONE
} sequence_option;

/* Admits a spec of action with one sequence option (and property, when
 * name is set) and expects status with fragment; the file checks are
 * never reached. */
static void assert_sequence_refused(msiq_action action, sequence_option option,
                                    const char *name, const char *value,
                                    int status, const char *fragment) {
  fake.existing_files[0] = "/fake-cwd/app.msi";
  msiq_job_spec spec;
  spec_init_with(&spec, action,
                 action == MSIQ_ACTION_PATCH ? "fix.msp" : "app.msi");
  switch (option) {
    case OPTION_TRANSFORM:
      assert_int_equal(msiq_job_spec_add_transform(&spec, "a.mst"), MSIQ_OK);
      break;
    case OPTION_PATCH:
      assert_int_equal(msiq_job_spec_add_patch_path(&spec, "f.msp"), MSIQ_OK);
      break;
    case OPTION_TARGET_DIR:
      assert_int_equal(msiq_job_spec_set_target_dir(&spec, "img"), MSIQ_OK);
      break;
    case OPTION_LANGUAGE:
      assert_int_equal(msiq_job_spec_set_language(&spec, "1033"), MSIQ_OK);
      break;
    case OPTION_NONE:
      break;
  }
  msiq_diag diag = {{0}};
  if (name != NULL) {
    assert_int_equal(msiq_job_spec_add_property(&spec, name, value, &diag),
                     MSIQ_OK);
  }
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   status);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
  assert_int_equal(fake.file_exists_calls, 0);
  msiq_job_spec_cleanup(&spec);
}

/* A patch job's --patch files are applied with its target: made
 * absolute into its PATCH property, checked, and each read like the
 * target, into the package's further patches. */
static void test_patch_job_applies_more_patches(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/fix.msp";
  fake.existing_files[1] = "/fake-cwd/more.msp";
  fake.existing_files[2] = "/fake-cwd/copy.msp";
  fake.other_patch = "/fake-cwd/more.msp";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "more.msp"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_int_equal(fake.read_package_calls, 2);
  assert_int_equal(spec.property_count, 1);
  assert_string_equal(spec.properties[0].name, "PATCH");
  assert_string_equal(spec.properties[0].value, "/fake-cwd/more.msp");
  assert_string_equal(spec.package.patch_code, valid_product_code);
  assert_int_equal(spec.package.more_patch_count, 1);
  assert_string_equal(spec.package.more_patches[0].path, "/fake-cwd/more.msp");
  assert_string_equal(spec.package.more_patches[0].patch_code,
                      other_patch_code);
  /* Copied with the package, as the store and the dispatcher see it. */
  msiq_package_info copy;
  msiq_package_info_init(&copy);
  assert_int_equal(msiq_package_info_copy(&copy, &spec.package), MSIQ_OK);
  assert_int_equal(copy.more_patch_count, 1);
  assert_string_equal(copy.more_patches[0].patch_code, other_patch_code);
  msiq_package_info_cleanup(&copy);
  msiq_job_spec_cleanup(&spec);

  /* Another file of the target's patch code is the same patch. */
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "copy.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_EUSAGE);
  assert_message_contains(admission.refusal_diag.message,
                          "patches '/fake-cwd/fix.msp' and "
                          "'/fake-cwd/copy.msp' are the same patch");
  assert_int_equal(spec.package.kind, MSIQ_PACKAGE_KIND_UNKNOWN);
  msiq_job_spec_cleanup(&spec);

  /* A product among the patches is refused as no patch. */
  fake.product_not_patch = "/fake-cwd/more.msp";
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "more.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_ENOT_PACKAGE);
  assert_message_contains(admission.refusal_diag.message,
                          "'/fake-cwd/more.msp' is not a Windows Installer "
                          "patch (.msp): it is a product");
  msiq_job_spec_cleanup(&spec);
  fake.product_not_patch = NULL;

  /* The target named again, in another spelling, is refused at once. */
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "/FAKE-CWD/FIX.MSP"),
                   MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EUSAGE);
  assert_message_contains(diag.message,
                          "patch '/FAKE-CWD/FIX.MSP' is named twice");
  msiq_job_spec_cleanup(&spec);

  /* --no-check reads nothing: the job keeps the paths and no metadata. */
  int reads = fake.read_package_calls;
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_add_patch_path(&spec, "gone.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_int_equal(fake.read_package_calls, reads);
  assert_string_equal(spec.properties[0].value, "/fake-cwd/gone.msp");
  assert_int_equal(spec.package.more_patch_count, 0);
  msiq_job_spec_cleanup(&spec);
}

/* At most MSIQ_JOB_PATCH_COUNT_MAX patches, the target among them. */
static void test_patch_job_patch_limit(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  spec.no_check = true;
  char name[32];
  for (int i = 1; i < MSIQ_JOB_PATCH_COUNT_MAX; i++) {
    snprintf(name, sizeof name, "more%d.msp", i);
    assert_int_equal(msiq_job_spec_add_patch_path(&spec, name), MSIQ_OK);
  }
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  msiq_job_spec_cleanup(&spec);
  spec_init_with(&spec, MSIQ_ACTION_PATCH, "fix.msp");
  spec.no_check = true;
  for (int i = 1; i <= MSIQ_JOB_PATCH_COUNT_MAX; i++) {
    snprintf(name, sizeof name, "more%d.msp", i);
    assert_int_equal(msiq_job_spec_add_patch_path(&spec, name), MSIQ_OK);
  }
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EUSAGE);
  assert_message_contains(diag.message,
                          "33 patches in one job: at most 32 are applied "
                          "together");
  msiq_job_spec_cleanup(&spec);
}

static void test_what_an_action_does_not_take_is_refused(void **state) {
  (void)state;
  assert_sequence_refused(MSIQ_ACTION_UNINSTALL, OPTION_TRANSFORM, NULL, NULL,
                          MSIQ_EUSAGE,
                          "--transform goes only with --action install or "
                          "advertise, not uninstall");
  assert_sequence_refused(MSIQ_ACTION_PATCH, OPTION_TRANSFORM, NULL, NULL,
                          MSIQ_EUSAGE, "not patch");
  assert_sequence_refused(MSIQ_ACTION_ADMIN, OPTION_TRANSFORM, "TARGETDIR",
                          "img", MSIQ_EUSAGE, "not admin");
  assert_sequence_refused(MSIQ_ACTION_INSTALL, OPTION_LANGUAGE, NULL, NULL,
                          MSIQ_EUSAGE,
                          "--language goes only with --action advertise");
  assert_sequence_refused(MSIQ_ACTION_INSTALL, OPTION_PATCH, NULL, NULL,
                          MSIQ_EUSAGE,
                          "--patch goes only with --action patch (more "
                          "patches applied together) or admin (patching the "
                          "image), not install");
  assert_sequence_refused(MSIQ_ACTION_ADVERTISE, OPTION_TARGET_DIR, NULL, NULL,
                          MSIQ_EUSAGE, "--target-dir names");
  assert_sequence_refused(MSIQ_ACTION_ADMIN, OPTION_NONE, NULL, NULL,
                          MSIQ_EUSAGE,
                          "admin needs the folder of the administrative "
                          "image");
  assert_sequence_refused(MSIQ_ACTION_ADMIN, OPTION_TARGET_DIR, "ACTION",
                          "INSTALL", MSIQ_EINVAL, "the job may not set ACTION");
  assert_sequence_refused(MSIQ_ACTION_ADMIN, OPTION_TARGET_DIR, "TARGETDIR",
                          "x", MSIQ_EUSAGE,
                          "the job already sets TARGETDIR itself");
  assert_sequence_refused(MSIQ_ACTION_INSTALL, OPTION_TRANSFORM, "TRANSFORMS",
                          "x.mst", MSIQ_EUSAGE,
                          "the job already sets TRANSFORMS itself");
  assert_sequence_refused(MSIQ_ACTION_ADVERTISE, OPTION_NONE, "ALLUSERS", "1",
                          MSIQ_EUSAGE,
                          "advertise takes no property 'ALLUSERS'");
  assert_sequence_refused(MSIQ_ACTION_ADVERTISE, OPTION_NONE, "ProductLanguage",
                          "english", MSIQ_EINVAL, "invalid language 'english'");
}

static const char valid_patch_code[] = "{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}";

/* --patch-code becomes the MSIPATCHREMOVE property of a job whose target
 * is the product: no file is named, so none is looked for or read, and the
 * command the dispatcher will build is the one checked. */
static void test_unpatch_patch_code_becomes_msipatchremove(void **state) {
  (void)state;
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, valid_product_code);
  assert_int_equal(msiq_job_spec_set_patch_code(&spec, valid_patch_code),
                   MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(admission.refusal, MSIQ_OK);
  assert_string_equal(spec.target, valid_product_code);
  assert_int_equal(spec.property_count, 1);
  assert_string_equal(spec.properties[0].name, "MSIPATCHREMOVE");
  assert_string_equal(spec.properties[0].value, valid_patch_code);
  /* Turned into the property once: the argument is gone, so a spec
   * admitted again does not add it twice. */
  assert_null(spec.patch_code);
  assert_int_equal(fake.absolute_path_calls, 0);
  assert_int_equal(fake.file_exists_calls, 0);
  assert_int_equal(fake.read_package_calls, 0);
  assert_int_equal(fake.command_check_calls, 1);
  assert_string_equal(fake.command_arguments[0], "/package");
  assert_string_equal(fake.command_arguments[1], valid_product_code);
  msiq_job_spec_cleanup(&spec);

  /* The property given directly is the same job. */
  fake_reset(NULL);
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, valid_product_code);
  assert_int_equal(msiq_job_spec_add_property(&spec, "MSIPATCHREMOVE",
                                              valid_patch_code, &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(spec.property_count, 1);
  msiq_job_spec_cleanup(&spec);
}

/* Admits an unpatch of target with patch_code (NULL: none given) and the
 * property name=value (NULL: none) and expects status with fragment. */
static void assert_unpatch_refused(const char *target, const char *patch_code,
                                   const char *name, const char *value,
                                   int status, const char *fragment) {
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, target);
  if (patch_code != NULL) {
    assert_int_equal(msiq_job_spec_set_patch_code(&spec, patch_code), MSIQ_OK);
  }
  msiq_diag diag = {{0}};
  if (name != NULL) {
    assert_int_equal(msiq_job_spec_add_property(&spec, name, value, &diag),
                     MSIQ_OK);
  }
  msiq_admission admission;
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   status);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
  assert_int_equal(fake.command_check_calls, 0);
  msiq_job_spec_cleanup(&spec);
}

static void test_unpatch_refuses_what_it_cannot_run(void **state) {
  (void)state;
  assert_unpatch_refused(valid_product_code, NULL, NULL, NULL, MSIQ_EUSAGE,
                         "unpatch needs the patch to remove: give "
                         "--patch-code");
  assert_unpatch_refused(valid_product_code, "{5A3F0C1E}", NULL, NULL,
                         MSIQ_EINVAL, "invalid patch code '{5A3F0C1E}'");
  assert_unpatch_refused(valid_product_code, NULL, "MSIPATCHREMOVE",
                         "{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162};"
                         "{6B4A1D2F-8C3E-4F7B-AD9C-2E3F40516273}",
                         MSIQ_EINVAL, "(one patch per job)");
  assert_unpatch_refused("app.msi", valid_patch_code, NULL, NULL, MSIQ_EINVAL,
                         "unpatch target 'app.msi' must be the product code");
  assert_unpatch_refused("{12345678-ABCD}", valid_patch_code, NULL, NULL,
                         MSIQ_EINVAL, "must be the product code");
  assert_unpatch_refused(valid_product_code, valid_patch_code, "MSIPATCHREMOVE",
                         valid_patch_code, MSIQ_EUSAGE,
                         "the job already sets MSIPATCHREMOVE itself");
  assert_unpatch_refused(valid_product_code, valid_patch_code, "TRANSFORMS",
                         "a.mst", MSIQ_EUSAGE,
                         "the job may not set TRANSFORMS");
  assert_unpatch_refused(valid_product_code, valid_patch_code, "PATCH",
                         "C:\\fix.msp", MSIQ_EUSAGE,
                         "the job may not set PATCH");
  /* A patch code goes with unpatch alone. */
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_UNINSTALL, valid_product_code);
  assert_int_equal(msiq_job_spec_set_patch_code(&spec, valid_patch_code),
                   MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EUSAGE);
  assert_message_contains(diag.message,
                          "--patch-code names the patch to remove, so it "
                          "goes only with --action unpatch, not uninstall");
  msiq_job_spec_cleanup(&spec);
  /* And the other sequences' options do not go with it. */
  assert_sequence_refused(MSIQ_ACTION_UNPATCH, OPTION_TRANSFORM, NULL, NULL,
                          MSIQ_EUSAGE, "not unpatch");
  assert_sequence_refused(MSIQ_ACTION_UNPATCH, OPTION_TARGET_DIR, NULL, NULL,
                          MSIQ_EUSAGE, "not unpatch");
  assert_sequence_refused(MSIQ_ACTION_UNPATCH, OPTION_LANGUAGE, NULL, NULL,
                          MSIQ_EUSAGE, "not unpatch");
}

/* --patch-code FIX.msp reads the code from the patch, made absolute. */
static void test_unpatch_patch_code_read_from_the_msp(void **state) {
  (void)state;
  fake.existing_files[0] = "/fake-cwd/fix.msp";
  msiq_job_spec spec;
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, valid_product_code);
  assert_int_equal(msiq_job_spec_set_patch_code(&spec, "fix.msp"), MSIQ_OK);
  msiq_admission admission;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_OK);
  assert_int_equal(fake.read_package_calls, 1);
  assert_true(fake.read_as_patch);
  assert_int_equal(spec.property_count, 1);
  assert_string_equal(spec.properties[0].name, "MSIPATCHREMOVE");
  /* The fake's patch has the fixture's code. */
  assert_string_equal(spec.properties[0].value, valid_product_code);
  assert_string_equal(spec.target, valid_product_code);
  msiq_job_spec_cleanup(&spec);

  /* A missing file, and one that is not a patch, are refused. */
  fake_reset(NULL);
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, valid_product_code);
  assert_int_equal(msiq_job_spec_set_patch_code(&spec, "gone.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_EPACKAGE_MISSING);
  assert_message_contains(diag.message,
                          "patch '/fake-cwd/gone.msp' does not exist");
  assert_int_equal(fake.read_package_calls, 0);
  msiq_job_spec_cleanup(&spec);
  fake_reset(NULL);
  fake.existing_files[0] = "/fake-cwd/text.msp";
  fake.not_package = "/fake-cwd/text.msp";
  spec_init_with(&spec, MSIQ_ACTION_UNPATCH, valid_product_code);
  assert_int_equal(msiq_job_spec_set_patch_code(&spec, "text.msp"), MSIQ_OK);
  assert_int_equal(msiq_job_admit(&spec, &fake_host, &admission, &diag),
                   MSIQ_ENOT_PACKAGE);
  assert_message_contains(diag.message,
                          "'/fake-cwd/text.msp' is not a Windows Installer "
                          "patch (.msp): it is not an OLE compound file");
  assert_message_is_one_line(diag.message);
  assert_int_equal(spec.property_count, 0);
  msiq_job_spec_cleanup(&spec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_paths_are_made_absolute_through_the_host,
                             fake_reset),
      cmocka_unit_test_setup(test_missing_package_is_refused_with_the_message,
                             fake_reset),
      cmocka_unit_test_setup(test_unsafe_package_or_log_is_refused, fake_reset),
      cmocka_unit_test_setup(test_transforms_become_the_transforms_property,
                             fake_reset),
      cmocka_unit_test_setup(test_a_missing_transform_is_refused, fake_reset),
      cmocka_unit_test_setup(test_admin_target_dir_and_patches, fake_reset),
      cmocka_unit_test_setup(test_what_an_action_does_not_take_is_refused,
                             fake_reset),
      cmocka_unit_test_setup(test_unpatch_patch_code_becomes_msipatchremove,
                             fake_reset),
      cmocka_unit_test_setup(test_unpatch_refuses_what_it_cannot_run,
                             fake_reset),
      cmocka_unit_test_setup(test_unpatch_patch_code_read_from_the_msp,
                             fake_reset),
      cmocka_unit_test_setup(test_stage_skips_the_source_check_only,
                             fake_reset),
      cmocka_unit_test_setup(test_staged_spec_runs_the_copy, fake_reset),
      cmocka_unit_test_setup(test_no_check_skips_the_package_check, fake_reset),
      cmocka_unit_test_setup(test_product_code_target_needs_no_file,
                             fake_reset),
      cmocka_unit_test_setup(test_validation_errors_come_first, fake_reset),
      cmocka_unit_test_setup(test_current_directory_that_is_not_utf8_is_refused,
                             fake_reset),
      cmocka_unit_test_setup(test_host_failure_to_resolve_a_path_is_returned,
                             fake_reset),
      cmocka_unit_test_setup(test_the_real_command_is_checked, fake_reset),
      cmocka_unit_test_setup(test_a_command_too_long_is_refused, fake_reset),
      cmocka_unit_test_setup(test_the_package_is_read, fake_reset),
      cmocka_unit_test_setup(test_a_file_that_is_not_a_package_is_refused,
                             fake_reset),
      cmocka_unit_test_setup(test_no_package_is_read_without_a_file,
                             fake_reset),
      cmocka_unit_test_setup(test_patch_job_applies_more_patches, fake_reset),
      cmocka_unit_test_setup(test_patch_job_patch_limit, fake_reset),
      cmocka_unit_test_setup(test_a_patch_target_implies_the_patch_action,
                             fake_reset),
      cmocka_unit_test_setup(test_a_request_line_too_long_is_refused,
                             fake_reset),
      cmocka_unit_test_setup(test_a_deadline_already_past_is_refused,
                             fake_reset),
      cmocka_unit_test(test_key_reuse_needs_the_same_job),
      cmocka_unit_test(test_key_reuse_of_a_staged_job_compares_its_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
