/* test_admission.c: admitting a job before the store (core/admission.h),
 * against a fake host whose current directory is /fake-cwd and whose only
 * files are the ones a test lists. */
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
} fake;

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

static const msiq_admission_host fake_host = {
    fake_absolute_path,
    fake_file_exists,
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
  msiq_job_spec_cleanup(&spec);
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
  assert_int_equal(admission.refusal, MSIQ_EINVAL);
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
  assert_int_equal(admission.refusal, MSIQ_EINVAL);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_paths_are_made_absolute_through_the_host,
                             fake_reset),
      cmocka_unit_test_setup(test_missing_package_is_refused_with_the_message,
                             fake_reset),
      cmocka_unit_test_setup(test_no_check_skips_the_package_check, fake_reset),
      cmocka_unit_test_setup(test_product_code_target_needs_no_file,
                             fake_reset),
      cmocka_unit_test_setup(test_validation_errors_come_first, fake_reset),
      cmocka_unit_test_setup(test_current_directory_that_is_not_utf8_is_refused,
                             fake_reset),
      cmocka_unit_test_setup(test_host_failure_to_resolve_a_path_is_returned,
                             fake_reset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
