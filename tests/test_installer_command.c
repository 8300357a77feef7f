/* test_installer_command.c: the msiexec argument list and its quoting into
 * one Windows command line, and the msi.dll call the worker makes instead
 * (its property list and which function it calls for each action).
 *
 * The quoting is checked two ways: against exact strings for the cases a
 * reader can verify by eye, and by splitting the result again with a small
 * reference parser that reads a command line the way msiexec does. The
 * second way is what guards the security promise: whatever a property
 * value holds, splitting must give back exactly the arguments that went in,
 * so no value can turn into a switch or an argument of its own. The
 * property list for msi.dll is checked the same two ways, against a
 * reference reader of Windows Installer's property syntax.
 */
#include "msiexec_split.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/installer_command.h"

#define MSIEXEC           "C:\\Windows\\System32\\msiexec.exe"
#define PRODUCT_CODE      "{12345678-1234-1234-1234-123456789ABC}"
#define ARRAY_SIZE(array) (sizeof(array) / sizeof((array)[0]))

/* A command assembled by hand, as a host or fuzzer might, rather than by
 * msiq_installer_command_build(). */
static void command_from(msiq_installer_command *command,
                         const char *const *arguments, size_t count) {
  msiq_installer_command_init(command);
  if (count == 0) {
    return;
  }
  command->arguments = calloc(count, sizeof *command->arguments);
  assert_non_null(command->arguments);
  for (size_t i = 0; i < count; i++) {
    command->arguments[i] = test_text_copy(arguments[i]);
  }
  command->argument_count = count;
}

static void assert_arguments(const msiq_installer_command *command,
                             const char *const *expected, size_t count) {
  if (command->argument_count != count) {
    fail_msg("%lu arguments, expected %lu",
             (unsigned long)command->argument_count, (unsigned long)count);
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(command->arguments[i], expected[i]) != 0) {
      fail_msg("argument %lu is \"%s\", expected \"%s\"", (unsigned long)i,
               command->arguments[i], expected[i]);
    }
  }
}

static void assert_build(const msiq_job *job, const char *log_path,
                         const char *const *expected, size_t count) {
  msiq_installer_command command;
  msiq_diag diag = {{0}};
  msiq_installer_command_init(&command);
  if (msiq_installer_command_build(job, log_path, &command, &diag) != MSIQ_OK) {
    fail_msg("build refused: %s", diag.message);
  }
  assert_arguments(&command, expected, count);
  msiq_installer_command_cleanup(&command);
}

static void assert_line(const char *program,
                        const msiq_installer_command *command,
                        const char *expected) {
  char *line = NULL;
  msiq_diag diag = {{0}};
  if (msiq_installer_command_line(program, command, &line, &diag) != MSIQ_OK) {
    fail_msg("command line refused: %s", diag.message);
  }
  assert_non_null(line);
  if (strcmp(line, expected) != 0) {
    fail_msg("command line\n  [%s]\nexpected\n  [%s]", line, expected);
  }
  free(line);
}

static void assert_line_refused(const char *program,
                                const msiq_installer_command *command,
                                const char *fragment) {
  char *line = (char *)"untouched";
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_installer_command_line(program, command, &line, &diag),
                   MSIQ_EINVAL);
  assert_null(line);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
}

/* Builds the job's command with a log path and quotes it. */
static void assert_job_line(const msiq_job *job, const char *log_path,
                            const char *program, const char *expected) {
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(job, log_path, &command, NULL),
                   MSIQ_OK);
  assert_line(program, &command, expected);
  msiq_installer_command_cleanup(&command);
}

static void assert_job_line_refused(const msiq_job *job, const char *log_path,
                                    const char *fragment) {
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(job, log_path, &command, NULL),
                   MSIQ_OK);
  assert_line_refused(MSIEXEC, &command, fragment);
  msiq_installer_command_cleanup(&command);
}

/* The reference splitter (msiexec_split.h, which the fuzzers share) is
 * itself checked first, so that a round-trip failure points at the code
 * under test and not at the reference. */
static void test_reference_splitter(void **state) {
  (void)state;
  static const struct {
    const char *line;
    const char *tokens[4];
    size_t count;
  } cases[] = {
      {"a b\tc", {"a", "b", "c"}, 3},
      {"  a   ", {"a"}, 1},
      {"\"a b\" c", {"a b", "c"}, 2},
      {"P=\"x y\" Q", {"P=x y", "Q"}, 2},
      {"P=\"a\"\"b\"", {"P=a\"b"}, 1},
      {"P=\"\"", {"P="}, 1},
      {"\"\" x", {"", "x"}, 2},
      {"P=\"\"\"\"", {"P=\""}, 1},
      {"C:\\dir\\ \"C:\\a b\\\"", {"C:\\dir\\", "C:\\a b\\"}, 2},
      {"", {NULL}, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    msiexec_split split;
    assert_true(msiexec_split_line(cases[i].line, &split));
    assert_int_equal(split.count, cases[i].count);
    for (size_t j = 0; j < split.count; j++) {
      assert_string_equal(split.tokens[j], cases[i].tokens[j]);
    }
    msiexec_split_cleanup(&split);
  }
}

static void test_init_and_cleanup(void **state) {
  (void)state;
  msiq_installer_command command;
  memset(&command, 0x5a, sizeof command);
  msiq_installer_command_init(&command);
  assert_null(command.arguments);
  assert_int_equal(command.argument_count, 0);
  /* Cleaning an empty command, twice, is harmless. */
  msiq_installer_command_cleanup(&command);
  msiq_installer_command_cleanup(&command);
  assert_null(command.arguments);

  static const char *const arguments[] = {"/i", "a.msi"};
  command_from(&command, arguments, ARRAY_SIZE(arguments));
  msiq_installer_command_cleanup(&command);
  assert_null(command.arguments);
  assert_int_equal(command.argument_count, 0);
}

static void test_build_install(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\pkg\\app.msi");
  static const char *const expected[] = {
      "/i", "C:\\pkg\\app.msi", "/qn", "/norestart", "/l*v", "C:\\logs\\1.log"};
  assert_build(&job, "C:\\logs\\1.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
}

static void test_build_uninstall(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_UNINSTALL, PRODUCT_CODE);
  static const char *const expected[] = {
      "/x", PRODUCT_CODE, "/qn", "/norestart", "/l*v", "C:\\logs\\2.log"};
  assert_build(&job, "C:\\logs\\2.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
}

static void test_build_patch(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_PATCH, "\\\\server\\share\\fix.msp");
  static const char *const expected[] = {
      "/update", "\\\\server\\share\\fix.msp",
      "/qn",     "/norestart",
      "/l*v",    "C:\\logs\\3.log"};
  assert_build(&job, "C:\\logs\\3.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
}

/* A patch job's PATCH property names the patches applied with its
 * target: one /update list, as msiexec takes several, and no property. */
static void test_build_several_patches(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_PATCH, "C:\\fix.msp");
  test_job_add_property(&job, "PATCH", "C:\\more.msp;D:\\last.msp");
  test_job_add_property(&job, "NOTE", "kept");
  static const char *const expected[] = {
      "/update",  "C:\\fix.msp;C:\\more.msp;D:\\last.msp",
      "/qn",      "/norestart",
      "/l*v",     "C:\\logs\\3.log",
      "NOTE=kept"};
  assert_build(&job, "C:\\logs\\3.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
  /* An administrative image's PATCH stays a property: msiexec /a reads it
   * so. */
  test_job_init(&job, MSIQ_ACTION_ADMIN, "C:\\app.msi");
  test_job_add_property(&job, "TARGETDIR", "C:\\image");
  test_job_add_property(&job, "PATCH", "C:\\more.msp");
  static const char *const admin[] = {"/a",
                                      "C:\\app.msi",
                                      "/qn",
                                      "/norestart",
                                      "/l*v",
                                      "C:\\logs\\3.log",
                                      "TARGETDIR=C:\\image",
                                      "PATCH=C:\\more.msp"};
  assert_build(&job, "C:\\logs\\3.log", admin, ARRAY_SIZE(admin));
  msiq_job_cleanup(&job);
}

static void test_build_repair(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_REPAIR, PRODUCT_CODE);
  /* The repair mode is glued to /f: msiexec reads "/f omus" differently. */
  static const char *const expected[] = {
      "/fomus", PRODUCT_CODE, "/qn", "/norestart", "/l*v", "C:\\logs\\4.log"};
  assert_build(&job, "C:\\logs\\4.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
  assert_string_equal("/f" MSIQ_DEFAULT_REPAIR_MODE, "/fomus");
}

/* A repair job's own mode (`exec /fvomus` stores it as REINSTALLMODE) is
 * the one glued to /f; an invalid one falls back to the default. */
static void test_build_repair_with_the_jobs_mode(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_REPAIR, "C:\\a.msi");
  test_job_add_property(&job, "REINSTALLMODE", "vomus");
  static const char *const expected[] = {
      "/fvomus",         "C:\\a.msi",          "/qn", "/norestart", "/l*v",
      "C:\\logs\\5.log", "REINSTALLMODE=vomus"};
  assert_build(&job, "C:\\logs\\5.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);

  msiq_property valid[] = {{"A", "1"}, {"REINSTALLMODE", "amus"}};
  assert_string_equal(msiq_repair_mode_of(valid, 2), "amus");
  msiq_property invalid[] = {{"REINSTALLMODE", "xyz"}};
  assert_string_equal(msiq_repair_mode_of(invalid, 1),
                      MSIQ_DEFAULT_REPAIR_MODE);
  msiq_property other[] = {{"reinstallmode", "vomus"}};
  assert_string_equal(msiq_repair_mode_of(other, 1), MSIQ_DEFAULT_REPAIR_MODE);
  assert_string_equal(msiq_repair_mode_of(NULL, 0), MSIQ_DEFAULT_REPAIR_MODE);
}

static void test_build_properties_in_order(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\Program Files\\pkg\\app.msi");
  test_job_add_property(&job, "ZED", "last alphabetically, first here");
  test_job_add_property(&job, "INSTALLDIR", "C:\\Program Files\\App");
  test_job_add_property(&job, "EMPTY", "");
  test_job_add_property(&job, "CONN", "a=b;c=\"d\"");
  test_job_add_property(&job, "ALPHA", "1");
  /* Properties are passed raw; quoting is the command line's job. */
  static const char *const expected[] = {"/i",
                                         "C:\\Program Files\\pkg\\app.msi",
                                         "/qn",
                                         "/norestart",
                                         "/l*v",
                                         "C:\\logs\\job 5.log",
                                         "ZED=last alphabetically, first here",
                                         "INSTALLDIR=C:\\Program Files\\App",
                                         "EMPTY=",
                                         "CONN=a=b;c=\"d\"",
                                         "ALPHA=1"};
  assert_build(&job, "C:\\logs\\job 5.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
}

/* msiexec /a PKG with TARGETDIR and the image's patches as properties. */
static void test_build_admin(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_ADMIN, "C:\\pkg\\app.msi");
  test_job_add_property(&job, "TARGETDIR", "D:\\image");
  test_job_add_property(&job, "PATCH", "C:\\fix.msp");
  static const char *const expected[] = {"/a",
                                         "C:\\pkg\\app.msi",
                                         "/qn",
                                         "/norestart",
                                         "/l*v",
                                         "C:\\logs\\7.log",
                                         "TARGETDIR=D:\\image",
                                         "PATCH=C:\\fix.msp"};
  assert_build(&job, "C:\\logs\\7.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
}

/* msiexec /jm PKG /t TRANSFORMS /g LANGUAGE: the two properties become
 * switches before /qn, and nothing follows the log path. */
static void test_build_advertise(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_ADVERTISE, "C:\\pkg\\app.msi");
  test_job_add_property(&job, "TRANSFORMS", "C:\\a.mst;C:\\b.mst");
  test_job_add_property(&job, "ProductLanguage", "1033");
  static const char *const expected[] = {
      "/jm", "C:\\pkg\\app.msi", "/t",   "C:\\a.mst;C:\\b.mst", "/g", "1033",
      "/qn", "/norestart",       "/l*v", "C:\\logs\\8.log"};
  assert_build(&job, "C:\\logs\\8.log", expected, ARRAY_SIZE(expected));
  msiq_job_cleanup(&job);
  /* Without either, only the package. */
  test_job_init(&job, MSIQ_ACTION_ADVERTISE, "C:\\pkg\\app.msi");
  static const char *const bare[] = {"/jm",  "C:\\pkg\\app.msi",
                                     "/qn",  "/norestart",
                                     "/l*v", "C:\\logs\\9.log"};
  assert_build(&job, "C:\\logs\\9.log", bare, ARRAY_SIZE(bare));
  msiq_job_cleanup(&job);
  /* Any other property has no place on an advertise line. */
  test_job_init(&job, MSIQ_ACTION_ADVERTISE, "C:\\pkg\\app.msi");
  test_job_add_property(&job, "ALLUSERS", "1");
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_installer_command_build(&job, "C:\\l.log", &command, &diag),
      MSIQ_EINVAL);
  assert_message_contains(diag.message,
                          "advertise takes no property 'ALLUSERS'");
  assert_int_equal(command.argument_count, 0);
  msiq_job_cleanup(&job);
}

/* msiexec /package {ProductCode} ... MSIPATCHREMOVE={PatchCode}: the
 * documented removal, the patch code a property like any other. */
static void test_build_unpatch(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_UNPATCH, PRODUCT_CODE);
  test_job_add_property(&job, "MSIPATCHREMOVE",
                        "{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}");
  test_job_add_property(&job, "REBOOT", "ReallySuppress");
  static const char *const expected[] = {
      "/package",
      PRODUCT_CODE,
      "/qn",
      "/norestart",
      "/l*v",
      "C:\\logs\\10.log",
      "MSIPATCHREMOVE={5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}",
      "REBOOT=ReallySuppress"};
  assert_build(&job, "C:\\logs\\10.log", expected, ARRAY_SIZE(expected));
  assert_job_line(&job, "C:\\l.log", MSIEXEC,
                  MSIEXEC " /package " PRODUCT_CODE " /qn /norestart /l*v "
                          "C:\\l.log "
                          "MSIPATCHREMOVE=\"{5A3F0C1E-7B2D-4E6A-9C8B-"
                          "1D2E3F405162}\" REBOOT=\"ReallySuppress\"");
  msiq_job_cleanup(&job);
}

/* The transform list is quoted whole on the command line when it holds a
 * space, like any plain argument. */
static void test_line_advertise_quotes_transforms(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_ADVERTISE, "C:\\pkg\\app.msi");
  test_job_add_property(&job, "TRANSFORMS", "C:\\My T\\a.mst");
  assert_job_line(&job, "C:\\l.log", MSIEXEC,
                  MSIEXEC " /jm C:\\pkg\\app.msi /t \"C:\\My T\\a.mst\" /qn "
                          "/norestart /l*v C:\\l.log");
  msiq_job_cleanup(&job);
}

static void test_build_requires_log_path(void **state) {
  (void)state;
  msiq_job job;
  msiq_installer_command command;
  msiq_diag diag = {{0}};
  test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(&job, NULL, &command, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "log path");
  assert_null(command.arguments);
  assert_int_equal(command.argument_count, 0);
  diag.message[0] = '\0';
  assert_int_equal(msiq_installer_command_build(&job, "", &command, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "log path");
  assert_int_equal(command.argument_count, 0);
  /* A NULL diagnostic only discards the message. */
  assert_int_equal(msiq_installer_command_build(&job, NULL, &command, NULL),
                   MSIQ_EINVAL);
  msiq_job_cleanup(&job);
}

static void test_build_refuses_broken_jobs(void **state) {
  (void)state;
  msiq_job job;
  msiq_installer_command command;
  msiq_diag diag = {{0}};
  msiq_installer_command_init(&command);

  test_job_init(&job, MSIQ_ACTION_INSTALL, NULL);
  assert_int_equal(msiq_installer_command_build(&job, "l.log", &command, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "target is empty");
  msiq_job_cleanup(&job);

  test_job_init(&job, MSIQ_ACTION_INSTALL, "");
  assert_int_equal(msiq_installer_command_build(&job, "l.log", &command, &diag),
                   MSIQ_EINVAL);
  msiq_job_cleanup(&job);

  test_job_init(&job, MSIQ_ACTION_COUNT, "a.msi");
  assert_int_equal(msiq_installer_command_build(&job, "l.log", &command, &diag),
                   MSIQ_EINVAL);
  assert_message_contains(diag.message, "unknown action");
  msiq_job_cleanup(&job);

  assert_int_equal(msiq_installer_command_build(NULL, "l.log", &command, &diag),
                   MSIQ_EINVAL);
  assert_null(command.arguments);
}

static void test_build_replaces_previous_content(void **state) {
  (void)state;
  msiq_job job;
  msiq_installer_command command;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
  test_job_add_property(&job, "A", "1");
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(&job, "1.log", &command, NULL),
                   MSIQ_OK);
  assert_int_equal(command.argument_count, 7);
  msiq_job_cleanup(&job);

  test_job_init(&job, MSIQ_ACTION_UNINSTALL, PRODUCT_CODE);
  assert_int_equal(msiq_installer_command_build(&job, "2.log", &command, NULL),
                   MSIQ_OK);
  static const char *const expected[] = {"/x",         PRODUCT_CODE, "/qn",
                                         "/norestart", "/l*v",       "2.log"};
  assert_arguments(&command, expected, ARRAY_SIZE(expected));
  /* A refused build leaves the previous command alone. */
  assert_int_equal(msiq_installer_command_build(&job, NULL, &command, NULL),
                   MSIQ_EINVAL);
  assert_arguments(&command, expected, ARRAY_SIZE(expected));
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}

static void test_line_quoting_examples(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\Program Files\\pkg\\app.msi");
  test_job_add_property(&job, "INSTALLDIR", "C:\\Program Files\\App");
  test_job_add_property(&job, "EMPTY", "");
  test_job_add_property(&job, "QUOTE", "say \"hi\"");
  test_job_add_property(&job, "SIMPLE", "1");
  test_job_add_property(&job, "CONN", "a=b;c=d");
  assert_job_line(&job, "C:\\logs\\job-1.log", MSIEXEC,
                  MSIEXEC " /i \"C:\\Program Files\\pkg\\app.msi\" /qn "
                          "/norestart /l*v C:\\logs\\job-1.log "
                          "INSTALLDIR=\"C:\\Program Files\\App\" EMPTY=\"\" "
                          "QUOTE=\"say \"\"hi\"\"\" SIMPLE=\"1\" "
                          "CONN=\"a=b;c=d\"");
  msiq_job_cleanup(&job);

  /* A program path with spaces is quoted; so is a log path. */
  test_job_init(&job, MSIQ_ACTION_REPAIR, PRODUCT_CODE);
  assert_job_line(&job, "C:\\msiq logs\\2.log",
                  "C:\\Program Files\\msiexec.exe",
                  "\"C:\\Program Files\\msiexec.exe\" /fomus " PRODUCT_CODE
                  " /qn /norestart /l*v \"C:\\msiq logs\\2.log\"");
  msiq_job_cleanup(&job);
}

static void test_line_keeps_injection_inside_quotes(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\pkg\\app.msi");
  test_job_add_property(&job, "P", "\" /x " PRODUCT_CODE);
  test_job_add_property(&job, "LOG", "/l*v C:\\x");
  test_job_add_property(&job, "Q", "/qb");
  test_job_add_property(&job, "TRAIL", "C:\\dir\\");
  test_job_add_property(&job, "ENDQ", "x\"");
  assert_job_line(&job, "C:\\logs\\3.log", MSIEXEC,
                  MSIEXEC " /i C:\\pkg\\app.msi /qn /norestart /l*v "
                          "C:\\logs\\3.log P=\"\"\" /x " PRODUCT_CODE
                          "\" LOG=\"/l*v C:\\x\" Q=\"/qb\" "
                          "TRAIL=\"C:\\dir\\\" ENDQ=\"x\"\"\"");
  msiq_job_cleanup(&job);
}

static void test_line_without_arguments(void **state) {
  (void)state;
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_line(MSIEXEC, &command, MSIEXEC);
  assert_line("C:\\a b\\msiexec.exe", &command, "\"C:\\a b\\msiexec.exe\"");
  assert_line("", &command, "\"\"");
}

/* Without "/l*v" there is no layout to go by, so each argument is judged
 * by its form. */
static void test_line_without_log_switch(void **state) {
  (void)state;
  msiq_installer_command command;
  static const char *const arguments[] = {
      "/i",   "a b.msi", "FOO=x y", "=x",       "C:\\a=b\\c.msi",
      "/X=1", "9A=b",    "",        "BAR=\"q\""};
  command_from(&command, arguments, ARRAY_SIZE(arguments));
  assert_line("msiexec.exe", &command,
              "msiexec.exe /i \"a b.msi\" FOO=\"x y\" =x C:\\a=b\\c.msi /X=1 "
              "9A=b \"\" BAR=\"\"\"q\"\"\"");
  msiq_installer_command_cleanup(&command);
}

static void test_line_log_switch_layout(void **state) {
  (void)state;
  msiq_installer_command command;
  /* msiexec switches are case-insensitive, so /L*V is the landmark too,
   * and what follows its log path is a property even without '='-looking
   * form elsewhere. */
  static const char *const upper[] = {"/i", "a.msi", "/L*V", "log path",
                                      "A=b c"};
  command_from(&command, upper, ARRAY_SIZE(upper));
  assert_line("m.exe", &command, "m.exe /i a.msi /L*V \"log path\" A=\"b c\"");
  msiq_installer_command_cleanup(&command);

  /* Before the log switch nothing is a property, even NAME=VALUE. */
  static const char *const before[] = {"A=b", "/l*v", "l.log", "C=d"};
  command_from(&command, before, ARRAY_SIZE(before));
  assert_line("m.exe", &command, "m.exe A=b /l*v l.log C=\"d\"");
  msiq_installer_command_cleanup(&command);

  /* A target that msiexec would read as its log switch, before the real
   * one, is refused: msiexec would take the words after it for a log. */
  static const char *const posing[] = {"/i",         "/L*V", "/qn",
                                       "/norestart", "/l*v", "l.log"};
  command_from(&command, posing, ARRAY_SIZE(posing));
  assert_line_refused("m.exe", &command, "would read it as its log switch");
  msiq_installer_command_cleanup(&command);
  static const char *const posing_letters[] = {"/i",         "/lWe+!", "/qn",
                                               "/norestart", "/l*v",   "l.log"};
  command_from(&command, posing_letters, ARRAY_SIZE(posing_letters));
  assert_line_refused("m.exe", &command, "would read it as its log switch");
  msiq_installer_command_cleanup(&command);

  /* A trailing /l*v with no log path leaves no property positions. */
  static const char *const trailing[] = {"/i", "a.msi", "/l*v"};
  command_from(&command, trailing, ARRAY_SIZE(trailing));
  assert_line("m.exe", &command, "m.exe /i a.msi /l*v");
  msiq_installer_command_cleanup(&command);

  /* After the log path, a switch is not a property and is refused. */
  static const char *const extra[] = {"/i", "a.msi", "/l*v", "l.log", "/qb"};
  command_from(&command, extra, ARRAY_SIZE(extra));
  assert_line_refused("m.exe", &command, "expected NAME=VALUE");
  msiq_installer_command_cleanup(&command);
}

static void test_line_refuses_quote_in_plain_arguments(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\a\"b.msi");
  assert_job_line_refused(&job, "l.log",
                          "cannot pass 'C:\\a\"b.msi' to msiexec safely: it "
                          "contains a double quote");
  msiq_job_cleanup(&job);

  test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
  assert_job_line_refused(&job, "C:\\\"logs\\l.log",
                          "it contains a double quote");

  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(&job, "l.log", &command, NULL),
                   MSIQ_OK);
  assert_line_refused("C:\\\"msiexec.exe", &command,
                      "it contains a double quote");
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}

static void test_line_refuses_control_characters(void **state) {
  (void)state;
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "a\nb.msi");
  assert_job_line_refused(&job, "l.log",
                          "cannot pass 'a\\x0ab.msi' to msiexec safely: it "
                          "contains a control character");
  msiq_job_cleanup(&job);

  test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
  assert_job_line_refused(&job, "l\x7f.log", "a control character");
  assert_job_line_refused(&job, "l\t.log", "a control character");
  msiq_job_cleanup(&job);
}

static void test_line_refuses_bad_property_values(void **state) {
  (void)state;
  static const char *const values[] = {"secret\nx", "secret\rx", "secret\tx",
                                       "secret\x1bx", "secret\x7fx"};
  for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
    msiq_job job;
    msiq_installer_command command;
    msiq_diag diag = {{0}};
    char *line = NULL;
    test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
    test_job_add_property(&job, "PASSWORD", values[i]);
    msiq_installer_command_init(&command);
    assert_int_equal(
        msiq_installer_command_build(&job, "l.log", &command, NULL), MSIQ_OK);
    assert_int_equal(
        msiq_installer_command_line(MSIEXEC, &command, &line, &diag),
        MSIQ_EINVAL);
    assert_null(line);
    assert_message_contains(diag.message,
                            "cannot pass property 'PASSWORD' to msiexec "
                            "safely: its value contains a control character");
    /* Values may be secrets, so the diagnostic never shows them. */
    if (strstr(diag.message, "secret") != NULL) {
      fail_msg("diagnostic \"%s\" shows the value", diag.message);
    }
    msiq_installer_command_cleanup(&command);
    msiq_job_cleanup(&job);
  }
}

static void test_line_refuses_bad_property_names(void **state) {
  (void)state;
  static const struct {
    const char *name;
    const char *shown;
  } names[] = {
      {"9X", "'9X'"},        {"/qb", "'/qb'"}, {"A B", "'A B'"},
      {"A\"B", "'A\"B'"},    {"", "''"},       {"A-B", "'A-B'"},
      {"A\nB", "'A\\x0aB'"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    msiq_job job;
    test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
    test_job_add_property(&job, "GOOD", "1");
    test_job_add_property(&job, names[i].name, "v");
    char expected[200];
    snprintf(expected, sizeof expected,
             "cannot pass property %s to msiexec safely: its name must match "
             "[A-Za-z_][A-Za-z0-9_.]*",
             names[i].shown);
    assert_job_line_refused(&job, "l.log", expected);
    msiq_job_cleanup(&job);
  }
}

static void test_line_long_property_name(void **state) {
  (void)state;
  /* Longer than any stack buffer the implementation might use. */
  char name[1001];
  memset(name, 'N', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  msiq_job job;
  test_job_init(&job, MSIQ_ACTION_INSTALL, "a.msi");
  test_job_add_property(&job, name, "v w");
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(&job, "l.log", &command, NULL),
                   MSIQ_OK);
  char *line = NULL;
  assert_int_equal(msiq_installer_command_line(MSIEXEC, &command, &line, NULL),
                   MSIQ_OK);
  assert_non_null(strstr(line, "NNN=\"v w\""));
  free(line);
  msiq_installer_command_cleanup(&command);
  /* A long invalid name is refused, and the diagnostic is cut short. */
  name[500] = '-';
  test_job_add_property(&job, name, "v");
  assert_job_line_refused(&job, "l.log", "...' to msiexec safely");
  msiq_job_cleanup(&job);
}

static void test_line_refuses_missing_input(void **state) {
  (void)state;
  msiq_installer_command command;
  char *line = NULL;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_line(NULL, &command, &line, NULL),
                   MSIQ_EINVAL);
  assert_int_equal(msiq_installer_command_line(MSIEXEC, NULL, &line, NULL),
                   MSIQ_EINVAL);
  assert_int_equal(msiq_installer_command_line(MSIEXEC, &command, NULL, NULL),
                   MSIQ_EINVAL);
  static const char *const arguments[] = {"/i", "a.msi"};
  command_from(&command, arguments, ARRAY_SIZE(arguments));
  char *saved = command.arguments[1];
  command.arguments[1] = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_installer_command_line(MSIEXEC, &command, &line, &diag),
                   MSIQ_EINVAL);
  assert_null(line);
  assert_message_contains(diag.message, "argument 2 is missing");
  command.arguments[1] = saved;
  msiq_installer_command_cleanup(&command);
}

/* Builds a job's command, quotes it with program, splits the line again
 * and checks that every argument comes back exactly. */
static void assert_round_trip(const char *program, const msiq_job *job,
                              const char *log_path) {
  msiq_installer_command command;
  msiq_diag diag = {{0}};
  char *line = NULL;
  msiq_installer_command_init(&command);
  assert_int_equal(msiq_installer_command_build(job, log_path, &command, NULL),
                   MSIQ_OK);
  if (msiq_installer_command_line(program, &command, &line, &diag) != MSIQ_OK) {
    fail_msg("command line refused: %s", diag.message);
  }
  char problem[4096];
  if (!msiexec_split_matches(line, program, command.arguments,
                             command.argument_count, problem, sizeof problem)) {
    fail_msg("command line [%s]: %s", line, problem);
  }
  free(line);
  msiq_installer_command_cleanup(&command);
}

static const char *const tricky_values[] = {
    "plain",
    "with space",
    "  leading and trailing  ",
    " ",
    "",
    "\"",
    "\"\"",
    "\"\"\"",
    "\"start",
    "mid\"dle",
    "end\"",
    "a\"\"b",
    "\" \"",
    "x\" \"y",
    "\"\" /qn \"\"",
    "\" /x " PRODUCT_CODE,
    "\"/x " PRODUCT_CODE "\"",
    "/qb",
    "/l*v C:\\x",
    "/i other.msi",
    "C:\\dir\\",
    "C:\\dir\\\\",
    "C:\\Program Files\\App\\",
    "\\",
    "\\\"",
    "\\\" /x",
    "a=b=c",
    "a=\"b c\"",
    "'single quoted'",
    "%PATH% ^& | < >",
    "caf\xc3\xa9",
    "\xc3\xa9t\xc3\xa9 \"\xc3\xa9\"",
};

static void test_round_trip_tricky_values(void **state) {
  (void)state;
  static const char *const programs[] = {MSIEXEC,
                                         "C:\\Program Files\\msiexec.exe"};
  for (size_t p = 0; p < ARRAY_SIZE(programs); p++) {
    for (size_t i = 0; i < ARRAY_SIZE(tricky_values); i++) {
      msiq_job job;
      test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\Program Files\\pkg\\a.msi");
      test_job_add_property(&job, "BEFORE", "1");
      test_job_add_property(&job, "VALUE", tricky_values[i]);
      /* A value that escaped its quotes would swallow or split this one. */
      test_job_add_property(&job, "AFTER", "2 3");
      assert_round_trip(programs[p], &job, "C:\\msiq logs\\job 1.log");
      msiq_job_cleanup(&job);
    }
  }
}

static void test_round_trip_all_values_in_one_command(void **state) {
  (void)state;
  static const msiq_action actions[] = {MSIQ_ACTION_INSTALL,
                                        MSIQ_ACTION_UNINSTALL,
                                        MSIQ_ACTION_PATCH, MSIQ_ACTION_REPAIR};
  static const char *const targets[] = {"C:\\pkg\\a.msi", PRODUCT_CODE,
                                        "\\\\srv\\share dir\\fix.msp",
                                        "C:\\Program Files\\x.msi"};
  for (size_t a = 0; a < ARRAY_SIZE(actions); a++) {
    msiq_job job;
    test_job_init(&job, actions[a], targets[a]);
    for (size_t i = 0; i < ARRAY_SIZE(tricky_values); i++) {
      char name[16];
      snprintf(name, sizeof name, "P%lu", (unsigned long)i);
      test_job_add_property(&job, name, tricky_values[i]);
    }
    assert_round_trip(MSIEXEC, &job, "C:\\logs\\all.log");
    msiq_job_cleanup(&job);
  }
}

/* Many generated values from the characters that matter to the parser.
 * The generator is a fixed linear congruential one, so a failure repeats. */
static void test_round_trip_generated_values(void **state) {
  (void)state;
  static const char alphabet[] = {'"', '"', '"', ' ', ' ', '/', '\\',   '=',
                                  'a', 'X', '{', '}', '-', '*', '\xc3', '\xa9'};
  uint32_t seed = 12345u;
  for (int round = 0; round < 3000; round++) {
    char value[24];
    seed = seed * 1664525u + 1013904223u;
    size_t length = (seed >> 16) % (sizeof value);
    for (size_t i = 0; i < length; i++) {
      seed = seed * 1664525u + 1013904223u;
      value[i] = alphabet[(seed >> 16) % sizeof alphabet];
    }
    value[length] = '\0';
    msiq_job job;
    test_job_init(&job, MSIQ_ACTION_INSTALL, "C:\\p q\\a.msi");
    test_job_add_property(&job, "V", value);
    test_job_add_property(&job, "W", value);
    assert_round_trip(MSIEXEC, &job, "C:\\l.log");
    msiq_job_cleanup(&job);
  }
}

/* The msi.dll way: the property list and the planned call. */

/* A property list built from name/value pairs. */
static char *property_list_of(const msiq_property *properties, size_t count) {
  char *list = NULL;
  msiq_diag diag = {{0}};
  if (msiq_installer_property_list(properties, count, &list, &diag) !=
      MSIQ_OK) {
    fail_msg("property list refused: %s", diag.message);
  }
  assert_non_null(list);
  return list;
}

static void assert_property_list(const msiq_property *properties, size_t count,
                                 const char *expected) {
  char *list = property_list_of(properties, count);
  if (strcmp(list, expected) != 0) {
    fail_msg("property list\n  [%s]\nexpected\n  [%s]", list, expected);
  }
  free(list);
}

static void assert_property_list_refused(const msiq_property *properties,
                                         size_t count, const char *fragment) {
  char *list = (char *)"untouched";
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_installer_property_list(properties, count, &list, &diag),
      MSIQ_EINVAL);
  /* A refusal hands nothing over. */
  assert_string_equal(list, "untouched");
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
}

/* The reference reader: reads a property list as Windows Installer does,
 * written from the rule and not from the code under test. Tokens are
 * separated by spaces outside double quotes; NAME=VALUE, where a double
 * quote starts or ends quoting and, inside quotes, two double quotes are
 * one literal double quote. Returns the number of pairs read into names
 * and values (each malloc'ed), or -1 for a list it cannot read. */
#define READ_PAIRS_MAX 8
static int read_property_list(const char *list, char **names, char **values) {
  int count = 0;
  const char *cursor = list;
  while (*cursor != '\0') {
    while (*cursor == ' ') {
      cursor++;
    }
    if (*cursor == '\0') {
      break;
    }
    const char *equals = strchr(cursor, '=');
    if (equals == NULL || equals == cursor || count == READ_PAIRS_MAX) {
      return -1;
    }
    size_t name_length = (size_t)(equals - cursor);
    names[count] = malloc(name_length + 1);
    values[count] = malloc(strlen(equals) + 1);
    assert_non_null(names[count]);
    assert_non_null(values[count]);
    memcpy(names[count], cursor, name_length);
    names[count][name_length] = '\0';
    char *out = values[count];
    bool quoted = false;
    cursor = equals + 1;
    while (*cursor != '\0' && (quoted || *cursor != ' ')) {
      if (*cursor == '"') {
        if (quoted && cursor[1] == '"') {
          *out++ = '"';
          cursor += 2;
          continue;
        }
        quoted = !quoted;
        cursor++;
        continue;
      }
      *out++ = *cursor++;
    }
    *out = '\0';
    count++;
    if (quoted) {
      return -1;
    }
  }
  return count;
}

static void test_property_list_examples(void **state) {
  (void)state;
  assert_property_list(NULL, 0, "");
  const msiq_property plain[] = {{"ALLUSERS", "1"}, {"INSTALLDIR", "C:\\x"}};
  assert_property_list(plain, 2, "ALLUSERS=1 INSTALLDIR=C:\\x");
  const msiq_property spaces[] = {{"INSTALLDIR", "C:\\Program Files\\x"}};
  assert_property_list(spaces, 1, "INSTALLDIR=\"C:\\Program Files\\x\"");
  const msiq_property quotes[] = {{"NOTE", "a \"quoted\" word"}};
  assert_property_list(quotes, 1, "NOTE=\"a \"\"quoted\"\" word\"");
  const msiq_property lone_quote[] = {{"Q", "\""}};
  assert_property_list(lone_quote, 1, "Q=\"\"\"\"");
  const msiq_property empty[] = {{"EMPTY", ""}, {"NEXT", "1"}};
  assert_property_list(empty, 2, "EMPTY=\"\" NEXT=1");
  /* '=' and switch-like text are ordinary characters in a value. */
  const msiq_property odd[] = {{"A", "b=c"}, {"B", "/x"}};
  assert_property_list(odd, 2, "A=b=c B=/x");
}

static void test_property_list_refusals(void **state) {
  (void)state;
  const msiq_property bad_name[] = {{"9X", "1"}};
  assert_property_list_refused(bad_name, 1, "'9X'");
  const msiq_property switch_name[] = {{"/qn X", "1"}};
  assert_property_list_refused(switch_name, 1, "must match");
  const msiq_property newline[] = {{"PASSWORD", "secret\nline"}};
  assert_property_list_refused(newline, 1, "control character");
  const msiq_property tab[] = {{"T", "a\tb"}};
  assert_property_list_refused(tab, 1, "control character");
  const msiq_property twice[] = {{"A", "1"}, {"B", "2"}, {"A", "3"}};
  assert_property_list_refused(twice, 3, "given twice");
  const msiq_property missing[] = {{"A", NULL}};
  assert_property_list_refused(missing, 1, "no name or no value");
  assert_property_list_refused(NULL, 1, "missing");
  /* The value, which may be a password, never appears in a diagnostic. */
  msiq_diag diag = {{0}};
  char *list = NULL;
  assert_int_equal(msiq_installer_property_list(newline, 1, &list, &diag),
                   MSIQ_EINVAL);
  assert_null(strstr(diag.message, "secret"));
  const msiq_property one[] = {{"A", "1"}};
  assert_int_equal(msiq_installer_property_list(one, 1, NULL, NULL),
                   MSIQ_EINVAL);
}

/* Whatever a value holds (spaces, quotes, '=', backslashes, UTF-8), the
 * reference reader gives back exactly the pairs that went in. */
static void test_property_list_round_trip(void **state) {
  (void)state;
  static const char alphabet[] = {'"', '"', ' ', ' ', '=', '\\',   '/',
                                  'a', 'Z', '-', ';', '[', '\xc3', '\xa9'};
  uint32_t seed = 424242u;
  for (int round = 0; round < 3000; round++) {
    char value[3][20];
    for (int v = 0; v < 3; v++) {
      seed = seed * 1664525u + 1013904223u;
      size_t length = (seed >> 16) % sizeof value[v];
      for (size_t i = 0; i < length; i++) {
        seed = seed * 1664525u + 1013904223u;
        value[v][i] = alphabet[(seed >> 16) % sizeof alphabet];
      }
      value[v][length] = '\0';
    }
    const msiq_property properties[] = {
        {"FIRST", value[0]}, {"SECOND", value[1]}, {"THIRD", value[2]}};
    char *list = property_list_of(properties, 3);
    char *names[READ_PAIRS_MAX];
    char *values[READ_PAIRS_MAX];
    int count = read_property_list(list, names, values);
    if (count != 3) {
      fail_msg("read %d pairs back from [%s]", count, list);
    }
    for (int i = 0; i < count; i++) {
      assert_string_equal(names[i], properties[i].name);
      if (strcmp(values[i], properties[i].value) != 0) {
        fail_msg("value [%s] came back as [%s] from [%s]", properties[i].value,
                 values[i], list);
      }
      free(names[i]);
      free(values[i]);
    }
    free(list);
  }
}

static void test_repair_mode_rule(void **state) {
  (void)state;
  assert_true(msiq_repair_mode_is_valid("omus"));
  assert_true(msiq_repair_mode_is_valid("poedcamusv"));
  assert_true(msiq_repair_mode_is_valid(MSIQ_DEFAULT_REPAIR_MODE));
  assert_false(msiq_repair_mode_is_valid(""));
  assert_false(msiq_repair_mode_is_valid(NULL));
  assert_false(msiq_repair_mode_is_valid("OMUS"));
  assert_false(msiq_repair_mode_is_valid("omx"));
  assert_false(msiq_repair_mode_is_valid("o mus"));
}

static void test_installer_function_names(void **state) {
  (void)state;
  assert_string_equal(
      msiq_installer_function_name(MSIQ_INSTALLER_INSTALL_PRODUCT),
      "MsiInstallProductW");
  assert_string_equal(
      msiq_installer_function_name(MSIQ_INSTALLER_CONFIGURE_PRODUCT),
      "MsiConfigureProductExW");
  assert_string_equal(
      msiq_installer_function_name(MSIQ_INSTALLER_APPLY_PATCHES),
      "MsiApplyMultiplePatchesW");
  assert_string_equal(
      msiq_installer_function_name(MSIQ_INSTALLER_FUNCTION_COUNT), "?");
}

/* Plans a call and checks its function, state, target, property list and
 * the description the worker sends. */
static void assert_plan(msiq_action action, const char *target,
                        const char *mode, const msiq_property *properties,
                        size_t count, msiq_installer_function function,
                        bool remove, const char *expected_properties,
                        const char *expected_description) {
  msiq_installer_call call;
  msiq_diag diag = {{0}};
  msiq_installer_call_init(&call);
  if (msiq_installer_call_plan(action, target, mode, properties, count, &call,
                               &diag) != MSIQ_OK) {
    fail_msg("plan refused: %s", diag.message);
  }
  assert_int_equal(call.function, function);
  assert_int_equal(call.remove, remove);
  assert_string_equal(call.target, target);
  assert_string_equal(call.properties, expected_properties);
  assert_string_equal(call.description, expected_description);
  msiq_installer_call_cleanup(&call);
  assert_null(call.description);
}

/* The worker's call for a patch job with more patches: one
 * MsiApplyMultiplePatchesW list, the PATCH property not passed on. */
static void test_plan_several_patches(void **state) {
  (void)state;
  static msiq_property properties[] = {
      {"PATCH", "C:\\more.msp;C:\\last.msp"},
      {"NOTE", "kept"},
  };
  msiq_installer_call call;
  msiq_diag diag = {{0}};
  msiq_installer_call_init(&call);
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_PATCH, "C:\\fix.msp",
                                            NULL, properties, 2, &call, &diag),
                   MSIQ_OK);
  assert_int_equal(call.function, MSIQ_INSTALLER_APPLY_PATCHES);
  assert_string_equal(call.target, "C:\\fix.msp;C:\\more.msp;C:\\last.msp");
  assert_string_equal(call.properties, "NOTE=kept REBOOT=ReallySuppress");
  assert_string_equal(call.description,
                      "MsiApplyMultiplePatchesW(\"C:\\fix.msp;C:\\more.msp;"
                      "C:\\last.msp\", NULL, \"NOTE=kept "
                      "REBOOT=ReallySuppress\")");
  msiq_installer_call_cleanup(&call);
  /* The target itself still may not hold the separator. */
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_PATCH,
                                            "C:\\a.msp;C:\\b.msp", NULL,
                                            properties, 2, &call, &diag),
                   MSIQ_EINVAL);
}

/* A related uninstall's calls fold into one result: the first failure
 * stops, else the strongest success. */
static void test_related_result_fold(void **state) {
  (void)state;
  bool stop = true;
  assert_int_equal(msiq_related_result_fold(0, 0, &stop), 0);
  assert_false(stop);
  assert_int_equal(msiq_related_result_fold(0, 3010, &stop), 3010);
  assert_false(stop);
  assert_int_equal(msiq_related_result_fold(3010, 0, &stop), 3010);
  assert_int_equal(msiq_related_result_fold(3010, 1641, &stop), 1641);
  assert_int_equal(msiq_related_result_fold(1641, 3010, &stop), 1641);
  assert_int_equal(msiq_related_result_fold(1641, 0, &stop), 1641);
  assert_false(stop);
  /* A failure, a cancel among them, is the result whatever came before. */
  assert_int_equal(msiq_related_result_fold(3010, 1603, &stop), 1603);
  assert_true(stop);
  assert_int_equal(msiq_related_result_fold(1641, 1602, &stop), 1602);
  assert_true(stop);
  /* 3011 needs a restart as 3010 does; the first of them is kept. */
  assert_int_equal(msiq_related_result_fold(0, 3011, &stop), 3011);
  assert_false(stop);
  assert_int_equal(msiq_related_result_fold(3011, 3010, &stop), 3011);
  assert_int_equal(msiq_related_result_fold(3011, 1641, &stop), 1641);
}

static void assert_plan_refused(msiq_action action, const char *target,
                                const char *mode,
                                const msiq_property *properties, size_t count,
                                const char *fragment) {
  msiq_installer_call call;
  msiq_diag diag = {{0}};
  msiq_installer_call_init(&call);
  assert_int_equal(msiq_installer_call_plan(action, target, mode, properties,
                                            count, &call, &diag),
                   MSIQ_EINVAL);
  assert_null(call.description);
  assert_null(call.properties);
  assert_message_contains(diag.message, fragment);
  assert_message_is_one_line(diag.message);
}

static void test_plan_admin_and_advertise(void **state) {
  (void)state;
  const msiq_property image[] = {{"TARGETDIR", "D:\\image"},
                                 {"PATCH", "C:\\fix.msp"}};
  assert_plan(MSIQ_ACTION_ADMIN, "C:\\p.msi", NULL, image, 2,
              MSIQ_INSTALLER_INSTALL_PRODUCT, false,
              "ACTION=ADMIN TARGETDIR=D:\\image PATCH=C:\\fix.msp "
              "REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"ACTION=ADMIN "
              "TARGETDIR=D:\\image PATCH=C:\\fix.msp "
              "REBOOT=ReallySuppress\")");
  const msiq_property advertised[] = {{"TRANSFORMS", "C:\\a.mst;C:\\b.mst"},
                                      {"ProductLanguage", "1031"}};
  msiq_installer_call call;
  msiq_diag diag = {{0}};
  msiq_installer_call_init(&call);
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_ADVERTISE, "C:\\p.msi",
                                            NULL, advertised, 2, &call, &diag),
                   MSIQ_OK);
  assert_int_equal(call.function, MSIQ_INSTALLER_ADVERTISE_PRODUCT);
  assert_string_equal(call.transforms, "C:\\a.mst;C:\\b.mst");
  assert_int_equal(call.language, 1031);
  assert_string_equal(call.properties, "");
  assert_string_equal(call.description,
                      "MsiAdvertiseProductExW(\"C:\\p.msi\", "
                      "ADVERTISEFLAGS_MACHINEASSIGN, \"C:\\a.mst;C:\\b.mst\", "
                      "1031, 0, 0)");
  msiq_installer_call_cleanup(&call);
  assert_null(call.transforms);
  /* No transforms, no language: NULL and 0, the package's own. */
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_ADVERTISE, "C:\\p.msi",
                                            NULL, NULL, 0, &call, &diag),
                   MSIQ_OK);
  assert_null(call.transforms);
  assert_string_equal(call.description,
                      "MsiAdvertiseProductExW(\"C:\\p.msi\", "
                      "ADVERTISEFLAGS_MACHINEASSIGN, NULL, 0, 0, 0)");
  msiq_installer_call_cleanup(&call);
  const msiq_property other[] = {{"ALLUSERS", "1"}};
  assert_plan_refused(MSIQ_ACTION_ADVERTISE, "C:\\p.msi", NULL, other, 1,
                      "advertise takes no property 'ALLUSERS'");
  const msiq_property bad_language[] = {{"ProductLanguage", "65536"}};
  assert_plan_refused(MSIQ_ACTION_ADVERTISE, "C:\\p.msi", NULL, bad_language, 1,
                      "language '65536' must be a language id");
  assert_plan_refused(MSIQ_ACTION_ADMIN, PRODUCT_CODE, NULL, image, 2,
                      "must be a package, not a product code");
}

static void test_plan_unpatch(void **state) {
  (void)state;
  /* MsiConfigureProductExW with MSIPATCHREMOVE in its command line, as
   * Microsoft's "Removing Patches" describes; the product stays. */
  const msiq_property removal[] = {
      {"MSIPATCHREMOVE", "{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}"}};
  assert_plan(MSIQ_ACTION_UNPATCH, PRODUCT_CODE, NULL, removal, 1,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, false,
              "MSIPATCHREMOVE={5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162} "
              "REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, "
              "\"MSIPATCHREMOVE={5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162} "
              "REBOOT=ReallySuppress\")");
  assert_plan_refused(MSIQ_ACTION_UNPATCH, "C:\\p.msi", NULL, removal, 1,
                      "unpatch target 'C:\\p.msi' must be a product code");
  const msiq_property other[] = {{"ALLUSERS", "1"}};
  assert_plan_refused(MSIQ_ACTION_UNPATCH, PRODUCT_CODE, NULL, other, 1,
                      "names no patch to remove (MSIPATCHREMOVE)");
}

static void test_plan_each_action(void **state) {
  (void)state;
  const msiq_property all_users[] = {{"ALLUSERS", "1"}};
  assert_plan(MSIQ_ACTION_INSTALL, "C:\\p.msi", NULL, all_users, 1,
              MSIQ_INSTALLER_INSTALL_PRODUCT, false,
              "ALLUSERS=1 REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"ALLUSERS=1 "
              "REBOOT=ReallySuppress\")");
  /* An install of a product code reconfigures it with the properties. */
  assert_plan(MSIQ_ACTION_INSTALL, PRODUCT_CODE, NULL, all_users, 1,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, false,
              "ALLUSERS=1 REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, "
              "\"ALLUSERS=1 REBOOT=ReallySuppress\")");
  assert_plan(MSIQ_ACTION_UNINSTALL, PRODUCT_CODE, NULL, NULL, 0,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, true, "REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_ABSENT, "
              "\"REBOOT=ReallySuppress\")");
  assert_plan(MSIQ_ACTION_UNINSTALL, "C:\\p.msi", NULL, all_users, 1,
              MSIQ_INSTALLER_INSTALL_PRODUCT, true,
              "REMOVE=ALL ALLUSERS=1 REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"REMOVE=ALL ALLUSERS=1 "
              "REBOOT=ReallySuppress\")");
  assert_plan(MSIQ_ACTION_PATCH, "C:\\Mise à jour\\fix.msp", NULL, NULL, 0,
              MSIQ_INSTALLER_APPLY_PATCHES, false, "REBOOT=ReallySuppress",
              "MsiApplyMultiplePatchesW(\"C:\\Mise à jour\\fix.msp\", NULL, "
              "\"REBOOT=ReallySuppress\")");
  assert_plan(MSIQ_ACTION_REPAIR, PRODUCT_CODE, "omus", NULL, 0,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, false,
              "REINSTALL=ALL REINSTALLMODE=omus REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, "
              "\"REINSTALL=ALL REINSTALLMODE=omus REBOOT=ReallySuppress\")");
  assert_plan(MSIQ_ACTION_REPAIR, "C:\\p.msi", "vomus", all_users, 1,
              MSIQ_INSTALLER_INSTALL_PRODUCT, false,
              "REINSTALL=ALL REINSTALLMODE=vomus ALLUSERS=1 "
              "REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"REINSTALL=ALL "
              "REINSTALLMODE=vomus ALLUSERS=1 REBOOT=ReallySuppress\")");
  /* No mode named: msiexec's own default for /f. */
  assert_plan(MSIQ_ACTION_REPAIR, PRODUCT_CODE, NULL, NULL, 0,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, false,
              "REINSTALL=ALL REINSTALLMODE=" MSIQ_DEFAULT_REPAIR_MODE
              " REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, "
              "\"REINSTALL=ALL REINSTALLMODE=" MSIQ_DEFAULT_REPAIR_MODE
              " REBOOT=ReallySuppress\")");
}

/* What the job sets itself wins over what the worker would add. */
static void test_plan_job_properties_win(void **state) {
  (void)state;
  const msiq_property reboot[] = {{"REBOOT", "Force"}, {"A", "a b"}};
  assert_plan(MSIQ_ACTION_INSTALL, "C:\\p.msi", NULL, reboot, 2,
              MSIQ_INSTALLER_INSTALL_PRODUCT, false, "REBOOT=Force A=\"a b\"",
              "MsiInstallProductW(\"C:\\p.msi\", \"REBOOT=Force A=\"a b\"\")");
  const msiq_property remove_one[] = {{"REMOVE", "Docs"}};
  assert_plan(MSIQ_ACTION_UNINSTALL, "C:\\p.msi", NULL, remove_one, 1,
              MSIQ_INSTALLER_INSTALL_PRODUCT, true,
              "REMOVE=Docs REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"REMOVE=Docs "
              "REBOOT=ReallySuppress\")");
  const msiq_property reinstall[] = {{"REINSTALLMODE", "a"},
                                     {"REINSTALL", "Main"}};
  assert_plan(MSIQ_ACTION_REPAIR, PRODUCT_CODE, "omus", reinstall, 2,
              MSIQ_INSTALLER_CONFIGURE_PRODUCT, false,
              "REINSTALLMODE=a REINSTALL=Main REBOOT=ReallySuppress",
              "MsiConfigureProductExW(\"" PRODUCT_CODE
              "\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_DEFAULT, "
              "\"REINSTALLMODE=a REINSTALL=Main REBOOT=ReallySuppress\")");
  /* Property names are case-sensitive: "reboot" is another property. */
  const msiq_property lower[] = {{"reboot", "x"}};
  assert_plan(MSIQ_ACTION_INSTALL, "C:\\p.msi", NULL, lower, 1,
              MSIQ_INSTALLER_INSTALL_PRODUCT, false,
              "reboot=x REBOOT=ReallySuppress",
              "MsiInstallProductW(\"C:\\p.msi\", \"reboot=x "
              "REBOOT=ReallySuppress\")");
}

static void test_plan_refusals(void **state) {
  (void)state;
  assert_plan_refused(MSIQ_ACTION_INSTALL, "", NULL, NULL, 0, "empty");
  assert_plan_refused(MSIQ_ACTION_INSTALL, NULL, NULL, NULL, 0, "empty");
  assert_plan_refused(MSIQ_ACTION_INSTALL, "C:\\a\nb.msi", NULL, NULL, 0,
                      "control character");
  assert_plan_refused(MSIQ_ACTION_UNINSTALL, "{1234}", NULL, NULL, 0,
                      "invalid product code");
  assert_plan_refused(MSIQ_ACTION_REPAIR, "{1234}", "omus", NULL, 0,
                      "invalid product code");
  assert_plan_refused(MSIQ_ACTION_PATCH, "C:\\a.msp;C:\\b.msp", NULL, NULL, 0,
                      "';'");
  assert_plan_refused(MSIQ_ACTION_REPAIR, PRODUCT_CODE, "xyz", NULL, 0,
                      "repair mode 'xyz'");
  assert_plan_refused(MSIQ_ACTION_REPAIR, PRODUCT_CODE, "", NULL, 0,
                      "repair mode");
  const msiq_property twice[] = {{"REBOOT", "Force"}, {"REBOOT", "Force"}};
  assert_plan_refused(MSIQ_ACTION_INSTALL, "C:\\p.msi", NULL, twice, 2,
                      "given twice");
  const msiq_property bad[] = {{"A B", "1"}};
  assert_plan_refused(MSIQ_ACTION_INSTALL, "C:\\p.msi", NULL, bad, 1,
                      "must match");
  assert_plan_refused(MSIQ_ACTION_COUNT, "C:\\p.msi", NULL, NULL, 0,
                      "unknown action");
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_INSTALL, "C:\\p.msi",
                                            NULL, NULL, 0, NULL, NULL),
                   MSIQ_EINVAL);
}

/* A refused plan leaves an earlier one intact; a new one replaces it. */
static void test_plan_replaces_only_on_success(void **state) {
  (void)state;
  msiq_installer_call call;
  msiq_installer_call_init(&call);
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_INSTALL, "C:\\a.msi",
                                            NULL, NULL, 0, &call, NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_INSTALL, "", NULL, NULL,
                                            0, &call, NULL),
                   MSIQ_EINVAL);
  assert_string_equal(call.target, "C:\\a.msi");
  assert_int_equal(msiq_installer_call_plan(MSIQ_ACTION_UNINSTALL, PRODUCT_CODE,
                                            NULL, NULL, 0, &call, NULL),
                   MSIQ_OK);
  assert_string_equal(call.target, PRODUCT_CODE);
  assert_int_equal(call.function, MSIQ_INSTALLER_CONFIGURE_PRODUCT);
  assert_true(call.remove);
  msiq_installer_call_cleanup(&call);
  assert_null(call.target);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_splitter),
      cmocka_unit_test(test_init_and_cleanup),
      cmocka_unit_test(test_build_install),
      cmocka_unit_test(test_build_uninstall),
      cmocka_unit_test(test_build_patch),
      cmocka_unit_test(test_build_several_patches),
      cmocka_unit_test(test_build_repair_with_the_jobs_mode),
      cmocka_unit_test(test_build_repair),
      cmocka_unit_test(test_build_properties_in_order),
      cmocka_unit_test(test_build_admin),
      cmocka_unit_test(test_build_advertise),
      cmocka_unit_test(test_build_unpatch),
      cmocka_unit_test(test_line_advertise_quotes_transforms),
      cmocka_unit_test(test_build_requires_log_path),
      cmocka_unit_test(test_build_refuses_broken_jobs),
      cmocka_unit_test(test_build_replaces_previous_content),
      cmocka_unit_test(test_line_quoting_examples),
      cmocka_unit_test(test_line_keeps_injection_inside_quotes),
      cmocka_unit_test(test_line_without_arguments),
      cmocka_unit_test(test_line_without_log_switch),
      cmocka_unit_test(test_line_log_switch_layout),
      cmocka_unit_test(test_line_refuses_quote_in_plain_arguments),
      cmocka_unit_test(test_line_refuses_control_characters),
      cmocka_unit_test(test_line_refuses_bad_property_values),
      cmocka_unit_test(test_line_refuses_bad_property_names),
      cmocka_unit_test(test_line_long_property_name),
      cmocka_unit_test(test_line_refuses_missing_input),
      cmocka_unit_test(test_round_trip_tricky_values),
      cmocka_unit_test(test_round_trip_all_values_in_one_command),
      cmocka_unit_test(test_round_trip_generated_values),
      cmocka_unit_test(test_property_list_examples),
      cmocka_unit_test(test_property_list_refusals),
      cmocka_unit_test(test_property_list_round_trip),
      cmocka_unit_test(test_repair_mode_rule),
      cmocka_unit_test(test_installer_function_names),
      cmocka_unit_test(test_plan_each_action),
      cmocka_unit_test(test_plan_admin_and_advertise),
      cmocka_unit_test(test_plan_unpatch),
      cmocka_unit_test(test_plan_several_patches),
      cmocka_unit_test(test_related_result_fold),
      cmocka_unit_test(test_plan_job_properties_win),
      cmocka_unit_test(test_plan_refusals),
      cmocka_unit_test(test_plan_replaces_only_on_success),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
