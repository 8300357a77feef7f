/* test_path_safety.c: the rule that decides whether anyone but an
 * administrator can change what a package or log path names
 * (core/path_safety.h), on components described the way each host
 * describes them: POSIX owners and modes (a sticky /tmp, a world-writable
 * folder) and Windows DACLs (C:\ lets users create folders, ProgramData
 * lets them create files). */
#include "test_support.h"

#include <string.h>

#include "core/path_safety.h"

/* A component owned by a trusted account that nobody else may change. */
static msiq_path_component safe(const char *path, msiq_path_kind kind) {
  msiq_path_component component = {path, kind, true, NULL, 0, NULL};
  return component;
}

/* The same, but others may do `others`. */
static msiq_path_component open_to(const char *path, msiq_path_kind kind,
                                   unsigned others, const char *who) {
  msiq_path_component component = {path, kind, true, NULL, others, who};
  return component;
}

static const unsigned world_writable_folder =
    MSIQ_PATH_OTHERS_ADD | MSIQ_PATH_OTHERS_REMOVE | MSIQ_PATH_OTHERS_WRITE;
static const unsigned sticky_folder =
    MSIQ_PATH_OTHERS_ADD | MSIQ_PATH_OTHERS_WRITE;

/* Judges path against components (depth: the path's own number of
 * components) and returns the status; message receives the diagnostic. */
static int judge(const char *path, msiq_path_role role,
                 const msiq_path_component *components, size_t count,
                 size_t depth, char *message) {
  msiq_diag diag = {{0}};
  int status = msiq_path_judge(path, role, components, count, depth, &diag);
  strcpy(message, diag.message);
  if (status != MSIQ_OK) {
    assert_int_equal(status, MSIQ_EINSECURE);
    assert_message_is_one_line(diag.message);
  }
  return status;
}

static void test_private_paths_pass(void **state) {
  (void)state;
  char message[512];
  msiq_path_component present[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                   safe("/srv", MSIQ_PATH_DIRECTORY),
                                   safe("/srv/pkgs", MSIQ_PATH_DIRECTORY),
                                   safe("/srv/pkgs/app.msi", MSIQ_PATH_FILE)};
  assert_int_equal(judge("/srv/pkgs/app.msi", MSIQ_PATH_ROLE_PACKAGE, present,
                         4, 4, message),
                   MSIQ_OK);
  /* A log that does not exist yet, in a private folder. */
  msiq_path_component absent_log[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                      safe("/var", MSIQ_PATH_DIRECTORY),
                                      safe("/var/log", MSIQ_PATH_DIRECTORY),
                                      safe("/var/log/a.log", MSIQ_PATH_ABSENT)};
  assert_int_equal(
      judge("/var/log/a.log", MSIQ_PATH_ROLE_LOG, absent_log, 4, 4, message),
      MSIQ_OK);
  /* A folder that does not exist, under one only administrators can add
   * to: nobody else can create it. */
  msiq_path_component absent_folder[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                         safe("/var", MSIQ_PATH_DIRECTORY),
                                         safe("/var/new", MSIQ_PATH_ABSENT)};
  assert_int_equal(
      judge("/var/new/a.log", MSIQ_PATH_ROLE_LOG, absent_folder, 3, 4, message),
      MSIQ_OK);
}

static void test_writable_folder_of_the_file_is_refused(void **state) {
  (void)state;
  char message[512];
  msiq_path_component log[] = {
      safe("/", MSIQ_PATH_DIRECTORY), safe("/srv", MSIQ_PATH_DIRECTORY),
      open_to("/srv/logs", MSIQ_PATH_DIRECTORY, world_writable_folder,
              "everyone (mode 0777)"),
      safe("/srv/logs/a.log", MSIQ_PATH_ABSENT)};
  assert_int_equal(
      judge("/srv/logs/a.log", MSIQ_PATH_ROLE_LOG, log, 4, 4, message),
      MSIQ_EINSECURE);
  assert_string_equal(message,
                      "refusing log /srv/logs/a.log: /srv/logs can be written "
                      "by everyone (mode 0777); name a log in a folder only "
                      "administrators can change");
  /* A sticky folder (/tmp) lets others create the log's name first: it may
   * not hold the file. */
  log[2] = open_to("/srv/logs", MSIQ_PATH_DIRECTORY, sticky_folder,
                   "everyone (mode 1777)");
  assert_int_equal(
      judge("/srv/logs/a.log", MSIQ_PATH_ROLE_LOG, log, 4, 4, message),
      MSIQ_EINSECURE);
  assert_message_contains(message, "can be written by everyone (mode 1777)");
  /* The same for a package, with the package's advice. */
  msiq_path_component package[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                   open_to("/pkgs", MSIQ_PATH_DIRECTORY,
                                           world_writable_folder,
                                           "its group (mode 0775)"),
                                   safe("/pkgs/app.msi", MSIQ_PATH_FILE)};
  assert_int_equal(
      judge("/pkgs/app.msi", MSIQ_PATH_ROLE_PACKAGE, package, 3, 3, message),
      MSIQ_EINSECURE);
  assert_string_equal(message,
                      "refusing package /pkgs/app.msi: /pkgs can be written "
                      "by its group (mode 0775); move it to a folder only "
                      "administrators can change, or enqueue it with --stage");
}

static void test_folders_on_the_way(void **state) {
  (void)state;
  char message[512];
  /* A sticky folder on the way, whose entry below belongs to a trusted
   * owner: others cannot replace that entry. */
  msiq_path_component sticky[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                  open_to("/tmp", MSIQ_PATH_DIRECTORY,
                                          sticky_folder,
                                          "everyone (mode 1777)"),
                                  safe("/tmp/private", MSIQ_PATH_DIRECTORY),
                                  safe("/tmp/private/a.log", MSIQ_PATH_FILE)};
  assert_int_equal(
      judge("/tmp/private/a.log", MSIQ_PATH_ROLE_LOG, sticky, 4, 4, message),
      MSIQ_OK);
  /* ... but when that entry does not exist yet, anyone may create it. */
  sticky[2] = safe("/tmp/private", MSIQ_PATH_ABSENT);
  assert_int_equal(
      judge("/tmp/private/a.log", MSIQ_PATH_ROLE_LOG, sticky, 3, 4, message),
      MSIQ_EINSECURE);
  assert_message_contains(message, "/tmp lets everyone (mode 1777) create "
                                   "/tmp/private, which does not exist yet");
  /* A folder on the way whose entries others may remove or rename. */
  msiq_path_component writable[] = {
      safe("/", MSIQ_PATH_DIRECTORY),
      open_to("/shared", MSIQ_PATH_DIRECTORY, world_writable_folder,
              "everyone (mode 0777)"),
      safe("/shared/pkgs", MSIQ_PATH_DIRECTORY),
      safe("/shared/pkgs/app.msi", MSIQ_PATH_FILE)};
  assert_int_equal(judge("/shared/pkgs/app.msi", MSIQ_PATH_ROLE_PACKAGE,
                         writable, 4, 4, message),
                   MSIQ_EINSECURE);
  assert_message_contains(message, "/shared lets everyone (mode 0777) delete "
                                   "or rename what it holds");
  /* Windows: C:\ lets Authenticated Users create folders, ProgramData lets
   * Users create files too; either is fine on the way to a folder that
   * exists, and ProgramData may not hold a log itself. */
  msiq_path_component windows[] = {
      open_to("C:\\", MSIQ_PATH_DIRECTORY, MSIQ_PATH_OTHERS_ADD,
              "NT AUTHORITY\\Authenticated Users"),
      open_to("C:\\ProgramData", MSIQ_PATH_DIRECTORY,
              MSIQ_PATH_OTHERS_ADD | MSIQ_PATH_OTHERS_WRITE, "BUILTIN\\Users"),
      safe("C:\\ProgramData\\msiq", MSIQ_PATH_DIRECTORY),
      safe("C:\\ProgramData\\msiq\\logs", MSIQ_PATH_DIRECTORY)};
  assert_int_equal(judge("C:\\ProgramData\\msiq\\logs",
                         MSIQ_PATH_ROLE_LOG_DIRECTORY, windows, 4, 4, message),
                   MSIQ_OK);
  assert_int_equal(judge("C:\\ProgramData\\job.log", MSIQ_PATH_ROLE_LOG,
                         windows, 2, 3, message),
                   MSIQ_EINSECURE);
  assert_message_contains(message,
                          "C:\\ProgramData can be written by BUILTIN\\Users");
  /* C:\Packages made by hand does not exist yet: anyone could make it. */
  msiq_path_component packages[] = {windows[0],
                                    safe("C:\\Packages", MSIQ_PATH_ABSENT)};
  assert_int_equal(judge("C:\\Packages\\app.msi", MSIQ_PATH_ROLE_PACKAGE,
                         packages, 2, 3, message),
                   MSIQ_EINSECURE);
  assert_message_contains(message, "which does not exist yet");
}

static void test_owners_and_permissions(void **state) {
  (void)state;
  char message[512];
  msiq_path_component components[] = {
      safe("/", MSIQ_PATH_DIRECTORY), safe("/home", MSIQ_PATH_DIRECTORY),
      safe("/home/bob", MSIQ_PATH_DIRECTORY),
      safe("/home/bob/app.msi", MSIQ_PATH_FILE)};
  /* Whoever owns a component can change its permissions: every component
   * counts, the file and each folder. */
  for (size_t i = 0; i < 4; i++) {
    msiq_path_component saved = components[i];
    components[i].owner_trusted = false;
    components[i].owner = "uid 1000";
    assert_int_equal(judge("/home/bob/app.msi", MSIQ_PATH_ROLE_PACKAGE,
                           components, 4, 4, message),
                     MSIQ_EINSECURE);
    assert_message_contains(message, "is owned by uid 1000, who is not an "
                                     "administrator");
    components[i] = saved;
  }
  assert_message_contains(message, "refusing package /home/bob/app.msi: it "
                                   "is owned by uid 1000");
  /* Windows' DELETE, WRITE_DAC and WRITE_OWNER rights. */
  const unsigned rights[] = {MSIQ_PATH_OTHERS_DELETE,
                             MSIQ_PATH_OTHERS_PERMISSIONS};
  const char *const texts[] = {"can be deleted or renamed by CONTOSO\\bob",
                               "lets CONTOSO\\bob change its permissions"};
  for (size_t i = 0; i < 2; i++) {
    components[1] =
        open_to("/home", MSIQ_PATH_DIRECTORY, rights[i], "CONTOSO\\bob");
    assert_int_equal(judge("/home/bob/app.msi", MSIQ_PATH_ROLE_PACKAGE,
                           components, 4, 4, message),
                     MSIQ_EINSECURE);
    assert_message_contains(message, texts[i]);
  }
  components[1] = safe("/home", MSIQ_PATH_DIRECTORY);
  /* The file itself writable by others. */
  components[3] = open_to("/home/bob/app.msi", MSIQ_PATH_FILE,
                          MSIQ_PATH_OTHERS_WRITE, "everyone (mode 0666)");
  assert_int_equal(judge("/home/bob/app.msi", MSIQ_PATH_ROLE_PACKAGE,
                         components, 4, 4, message),
                   MSIQ_EINSECURE);
  assert_message_contains(message,
                          "app.msi: it can be written by everyone (mode 0666)");
}

static void test_links_and_kinds(void **state) {
  (void)state;
  char message[512];
  msiq_path_component components[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                      safe("/srv", MSIQ_PATH_LINK),
                                      safe("/srv/a.log", MSIQ_PATH_FILE)};
  assert_int_equal(
      judge("/srv/a.log", MSIQ_PATH_ROLE_LOG, components, 3, 3, message),
      MSIQ_EINSECURE);
  assert_string_equal(message, "refusing log /srv/a.log: /srv is a symbolic "
                               "link or junction; name the real path");
  components[1] = safe("/srv", MSIQ_PATH_DIRECTORY);
  components[2] = safe("/srv/a.log", MSIQ_PATH_LINK);
  assert_int_equal(
      judge("/srv/a.log", MSIQ_PATH_ROLE_LOG, components, 3, 3, message),
      MSIQ_EINSECURE);
  assert_message_contains(message, "it is a symbolic link or junction");
  /* A log that exists as something other than a regular file. */
  const msiq_path_kind kinds[] = {MSIQ_PATH_DIRECTORY, MSIQ_PATH_OTHER};
  for (size_t i = 0; i < 2; i++) {
    components[2] = safe("/srv/a.log", kinds[i]);
    assert_int_equal(
        judge("/srv/a.log", MSIQ_PATH_ROLE_LOG, components, 3, 3, message),
        MSIQ_EINSECURE);
    assert_string_equal(message, "refusing log /srv/a.log: it exists and is "
                                 "not a regular file");
  }
  /* A file where a folder must be. */
  components[1] = safe("/srv", MSIQ_PATH_FILE);
  assert_int_equal(
      judge("/srv/a.log", MSIQ_PATH_ROLE_LOG, components, 2, 3, message),
      MSIQ_EINSECURE);
  assert_message_contains(message, "/srv is not a folder");
}

static void test_log_folder(void **state) {
  (void)state;
  char message[512];
  msiq_path_component components[] = {safe("/", MSIQ_PATH_DIRECTORY),
                                      safe("/q", MSIQ_PATH_DIRECTORY),
                                      safe("/q/logs", MSIQ_PATH_DIRECTORY)};
  assert_int_equal(
      judge("/q/logs", MSIQ_PATH_ROLE_LOG_DIRECTORY, components, 3, 3, message),
      MSIQ_OK);
  /* `logs` made a file: the installer could write no log there. */
  components[2] = safe("/q/logs", MSIQ_PATH_FILE);
  assert_int_equal(
      judge("/q/logs", MSIQ_PATH_ROLE_LOG_DIRECTORY, components, 3, 3, message),
      MSIQ_EINSECURE);
  assert_string_equal(message,
                      "refusing log folder /q/logs: it exists and is not a "
                      "folder");
  components[2] = safe("/q/logs", MSIQ_PATH_ABSENT);
  assert_int_equal(
      judge("/q/logs", MSIQ_PATH_ROLE_LOG_DIRECTORY, components, 3, 3, message),
      MSIQ_EINSECURE);
  assert_message_contains(message, "it does not exist");
  /* The log folder holds the logs: a sticky one is refused too. */
  components[2] = open_to("/q/logs", MSIQ_PATH_DIRECTORY, sticky_folder,
                          "everyone (mode 1777)");
  assert_int_equal(
      judge("/q/logs", MSIQ_PATH_ROLE_LOG_DIRECTORY, components, 3, 3, message),
      MSIQ_EINSECURE);
  assert_string_equal(message,
                      "refusing log folder /q/logs: it can be written by "
                      "everyone (mode 1777); use a folder only "
                      "administrators can change");
}

/* Absolute in a POSIX or a Windows form, by the text alone. */
static void test_path_is_absolute(void **state) {
  (void)state;
  assert_true(msiq_path_is_absolute("/srv/pkgs/a.mst"));
  assert_true(msiq_path_is_absolute("C:\\Packages\\a.mst"));
  assert_true(msiq_path_is_absolute("d:/Packages/a.mst"));
  assert_true(msiq_path_is_absolute("\\\\server\\share\\a.mst"));
  assert_false(msiq_path_is_absolute("a.mst"));
  assert_false(msiq_path_is_absolute("C:a.mst"));
  assert_false(msiq_path_is_absolute("\\a.mst"));
  assert_false(msiq_path_is_absolute(""));
  assert_false(msiq_path_is_absolute(NULL));
}

/* The files of a TRANSFORMS or PATCH list that msiq judges, in order. */
static void test_path_list_next_file(void **state) {
  (void)state;
  const char *cursor = "/t/a.mst;:embedded;@beside.mst;relative.mst;"
                       "|C:\\secure\\b.mst;;/p/c.msp";
  char file[64];
  assert_true(msiq_path_list_next_file(&cursor, file, sizeof file));
  assert_string_equal(file, "/t/a.mst");
  assert_true(msiq_path_list_next_file(&cursor, file, sizeof file));
  assert_string_equal(file, "C:\\secure\\b.mst");
  assert_true(msiq_path_list_next_file(&cursor, file, sizeof file));
  assert_string_equal(file, "/p/c.msp");
  assert_false(msiq_path_list_next_file(&cursor, file, sizeof file));
  assert_string_equal(file, "");
  const char *none = NULL;
  assert_false(msiq_path_list_next_file(&none, file, sizeof file));
  /* Longer than the buffer: empty, never skipped. */
  const char *long_entry = "/a/very/long/path/that/does/not/fit.mst;/b.mst";
  char small[8];
  assert_true(msiq_path_list_next_file(&long_entry, small, sizeof small));
  assert_string_equal(small, "");
  assert_true(msiq_path_list_next_file(&long_entry, small, sizeof small));
  assert_string_equal(small, "/b.mst");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_path_is_absolute),
      cmocka_unit_test(test_path_list_next_file),
      cmocka_unit_test(test_private_paths_pass),
      cmocka_unit_test(test_writable_folder_of_the_file_is_refused),
      cmocka_unit_test(test_folders_on_the_way),
      cmocka_unit_test(test_owners_and_permissions),
      cmocka_unit_test(test_links_and_kinds),
      cmocka_unit_test(test_log_folder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
