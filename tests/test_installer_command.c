/* test_installer_command.c: the msiexec argument list and its quoting into
 * one Windows command line.
 *
 * The quoting is checked two ways: against exact strings for the cases a
 * reader can verify by eye, and by splitting the result again with a small
 * reference parser that reads a command line the way msiexec does. The
 * second way is what guards the security promise: whatever a property
 * value holds, splitting must give back exactly the arguments that went in,
 * so no value can turn into a switch or an argument of its own.
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_splitter),
      cmocka_unit_test(test_init_and_cleanup),
      cmocka_unit_test(test_build_install),
      cmocka_unit_test(test_build_uninstall),
      cmocka_unit_test(test_build_patch),
      cmocka_unit_test(test_build_repair),
      cmocka_unit_test(test_build_properties_in_order),
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
