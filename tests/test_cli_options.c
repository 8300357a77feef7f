/* test_cli_options.c: the CLI's table-driven parser (tool_options.c).
 *
 * A sample command declares one option of each type and a few words; the
 * tests parse command lines into its options struct with
 * tool_parse_arguments() and check what lands where, what is refused (with
 * which status and message, leaving the field as it was), and the rules
 * every command shares: word counts, "--", and the global options.
 */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "cli/tool.h"
#include "host/host.h"

#define MINUTE INT64_C(60000)
#define HOUR   (60 * MINUTE)

/* 2026-11-24T22:00:00Z, computed independently of the code under test. */
#define EXAMPLE_UTC_MS INT64_C(1795557600000)

typedef struct sample_options {
  bool force;
  int64_t count;
  int64_t timeout_ms;
  int64_t at;
  const char *name;
  tool_strings tags;
  const char *colour; /* set by the custom hook */
  int colour_calls;
  int64_t ids[3];
} sample_options;

/* A custom option: accepts only "red" and "blue" and counts its calls. */
static int sample_parse_colour(void *state, const char *value,
                               msiq_diag *diag) {
  sample_options *options = state;
  options->colour_calls++;
  if (strcmp(value, "red") != 0 && strcmp(value, "blue") != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown colour '%s'", value);
  }
  options->colour = value;
  return MSIQ_OK;
}

static const tool_option sample_option_table[] = {
    {"force", 'f', TOOL_OPTION_FLAG, offsetof(sample_options, force), NULL},
    {"count", 'c', TOOL_OPTION_INTEGER, offsetof(sample_options, count), NULL},
    {"timeout", 0, TOOL_OPTION_DURATION, offsetof(sample_options, timeout_ms),
     NULL},
    {"at", 0, TOOL_OPTION_TIME, offsetof(sample_options, at), NULL},
    {"name", 'n', TOOL_OPTION_STRING, offsetof(sample_options, name), NULL},
    {"tag", 't', TOOL_OPTION_STRINGS, offsetof(sample_options, tags), NULL},
    {"colour", 0, TOOL_OPTION_CUSTOM, 0, sample_parse_colour},
    TOOL_OPTION_TABLE_END,
};

static int sample_exec(const tool_context *context, void *options,
                       msiq_store *store) {
  (void)context;
  (void)options;
  (void)store;
  return TOOL_EXIT_OK;
}

/* `sample [options] ID [ID] [ID]`: one to three job ids. */
static const tool_command sample_command = {
    .name = "sample",
    .usage = "[options] ID...",
    .summary = "A command for the parser's tests.",
    .help = "",
    .options = sample_option_table,
    .options_size = sizeof(sample_options),
    .words = {.min = 1,
              .max = 3,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(sample_options, ids)},
    .store = TOOL_STORE_NONE,
    .exec = sample_exec,
};

typedef struct words_options {
  const char *words[2];
} words_options;

/* `words [A [B]]`: up to two plain words and no options of its own. */
static const tool_command words_command = {
    .name = "words",
    .usage = "[A [B]]",
    .summary = "Plain words.",
    .help = "",
    .options_size = sizeof(words_options),
    .words = {.min = 0,
              .max = 2,
              .name = "A",
              .type = TOOL_WORD_STRING,
              .offset = offsetof(words_options, words)},
    .store = TOOL_STORE_NONE,
    .exec = sample_exec,
};

typedef struct custom_words_options {
  char seen[128]; /* "index:word," for each word, in the order given */
} custom_words_options;

static int custom_words_parse(void *state, int index, const char *word,
                              msiq_diag *diag) {
  custom_words_options *options = state;
  if (strcmp(word, "bad") == 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "bad word at %d", index);
  }
  size_t used = strlen(options->seen);
  snprintf(options->seen + used, sizeof options->seen - used, "%d:%s,", index,
           word);
  return MSIQ_OK;
}

/* `custom WORD...`: every word to a hook, as enqueue's properties are. */
static const tool_command custom_words_command = {
    .name = "custom",
    .usage = "WORD...",
    .summary = "Words through a hook.",
    .help = "",
    .options_size = sizeof(custom_words_options),
    .words = {.min = 1,
              .max = TOOL_WORDS_UNLIMITED,
              .name = "WORD",
              .type = TOOL_WORD_CUSTOM,
              .parse = custom_words_parse},
    .store = TOOL_STORE_NONE,
    .exec = sample_exec,
};

typedef struct raw_options {
  int argc;
  const char *first;
} raw_options;

static int raw_parse(tool_context *context, void *state, int argc, char **argv,
                     msiq_diag *diag) {
  (void)context;
  (void)diag;
  raw_options *options = state;
  options->argc = argc;
  options->first = argc > 0 ? argv[0] : NULL;
  return MSIQ_OK;
}

/* `raw ...`: takes the line whole, as exec takes msiexec's switches. */
static const tool_command raw_command = {
    .name = "raw",
    .usage = "ANYTHING...",
    .summary = "Its own parser.",
    .help = "",
    .options_size = sizeof(raw_options),
    .parse = raw_parse,
    .store = TOOL_STORE_NONE,
    .exec = sample_exec,
};

/* A parse of one command line; the words are copied so that argv is
 * writable, as main()'s is. */
typedef struct parse_run {
  tool_context context;
  msiq_diag diag;
  int status;
  char storage[16][128];
  char *argv[16];
} parse_run;

static void parse_line(parse_run *run, const tool_command *command,
                       void *options, const char *const *words) {
  memset(run, 0, sizeof *run);
  run->context.command = command;
  int argc = 0;
  while (words[argc] != NULL) {
    assert_true(argc < 16);
    snprintf(run->storage[argc], sizeof run->storage[argc], "%s", words[argc]);
    run->argv[argc] = run->storage[argc];
    argc++;
  }
  run->status = tool_parse_arguments(&run->context, command, options, argc,
                                     run->argv, &run->diag);
}

static void assert_parse_ok(const parse_run *run) {
  if (run->status != MSIQ_OK) {
    fail_msg("refused (%d): %s", run->status, run->diag.message);
  }
}

static void assert_refused(const parse_run *run, int status,
                           const char *fragment) {
  if (run->status != status) {
    fail_msg("status %d, expected %d (diagnostic \"%s\")", run->status, status,
             run->diag.message);
  }
  assert_message_contains(run->diag.message, fragment);
}

/* Every type lands in its field, in long, short and --name=value forms. */
static void test_each_type_parses(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--force",  "--count",
                               "-42",      "--timeout=15m",
                               "--at",     "2026-11-24T22:00:00Z",
                               "-n",       "pkg",
                               "--colour", "blue",
                               "7",        NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_parse_ok(&run);
  assert_true(options.force);
  assert_int_equal(options.count, -42);
  assert_int_equal(options.timeout_ms, 15 * MINUTE);
  assert_int_equal(options.at, EXAMPLE_UTC_MS);
  assert_string_equal(options.name, "pkg");
  assert_string_equal(options.colour, "blue");
  assert_int_equal(options.colour_calls, 1);
  assert_int_equal(options.ids[0], 7);
  assert_int_equal(options.ids[1], 0);
  assert_int_equal(options.tags.count, 0);
  tool_arguments_cleanup(&sample_command, &options);
}

/* Options that are not given leave their fields as init set them. */
static void test_absent_options_keep_defaults(void **state) {
  (void)state;
  sample_options options = {0};
  options.count = 99;
  options.name = "default";
  parse_run run;
  const char *const words[] = {"3", "-f", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_parse_ok(&run);
  assert_true(options.force);
  assert_int_equal(options.count, 99);
  assert_string_equal(options.name, "default");
  assert_int_equal(options.ids[0], 3);
}

/* A relative time counts from the moment of parsing. */
static void test_time_relative(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--at", "+1h", "1", NULL};
  int64_t before = msiq_host_now_ms();
  parse_line(&run, &sample_command, &options, words);
  int64_t after = msiq_host_now_ms();
  assert_parse_ok(&run);
  assert_in_range(options.at, before + HOUR, after + HOUR);
}

/* A repeatable option collects every value in order; a plain string option
 * given twice keeps the last. */
static void test_repeatable_collects(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--tag",  "a",      "-t",    "b",
                               "1",      "--name", "first", "--tag=c d",
                               "--name", "second", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_parse_ok(&run);
  assert_int_equal(options.tags.count, 3);
  assert_string_equal(options.tags.items[0], "a");
  assert_string_equal(options.tags.items[1], "b");
  assert_string_equal(options.tags.items[2], "c d");
  assert_string_equal(options.name, "second");
  tool_arguments_cleanup(&sample_command, &options);
  assert_null(options.tags.items);
  assert_int_equal(options.tags.count, 0);
}

static void test_integer_refused(void **state) {
  (void)state;
  static const char *const bad[] = {"abc", "12x", "",
                                    " 5",  "1.5", "99999999999999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sample_options options = {0};
    options.count = 5;
    parse_run run;
    const char *const words[] = {"--count", bad[i], "1", NULL};
    parse_line(&run, &sample_command, &options, words);
    char expected[128];
    snprintf(expected, sizeof expected, "--count: '%s' is not a whole number",
             bad[i]);
    assert_refused(&run, MSIQ_EINVAL, expected);
    assert_int_equal(options.count, 5);
  }
}

static void test_duration_refused(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--timeout", "15", "1", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_refused(&run, MSIQ_EINVAL, "invalid duration '15'");
  assert_int_equal(options.timeout_ms, 0);
}

static void test_time_refused(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--at", "tomorrow", "1", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_refused(&run, MSIQ_EINVAL, "invalid time 'tomorrow'");
  assert_int_equal(options.at, 0);
}

/* A custom hook's refusal is the parse's, and parsing stops there. */
static void test_custom_refused_stops(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--colour", "green", "--force", "1", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_refused(&run, MSIQ_EINVAL, "unknown colour 'green'");
  assert_int_equal(options.colour_calls, 1);
  assert_false(options.force);
}

/* The shape of an option: a flag takes no value, the others need one, and
 * unknown names are refused. */
static void test_option_shape_refused(void **state) {
  (void)state;
  static const struct {
    const char *words[4];
    const char *message;
  } cases[] = {
      {{"--force=yes", "1", NULL}, "option '--force' takes no value"},
      {{"1", "--count", NULL}, "option '--count' needs a value"},
      {{"1", "-c", NULL}, "option '-c' needs a value"},
      {{"--bogus", "1", NULL}, "unknown option '--bogus'"},
      {{"-z", "1", NULL}, "unknown option '-z'"},
      {{"-fc", "1", NULL}, "unknown option '-fc'"},
      {{"--forc", "1", NULL}, "unknown option '--forc'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sample_options options = {0};
    parse_run run;
    parse_line(&run, &sample_command, &options, cases[i].words);
    assert_refused(&run, MSIQ_EUSAGE, cases[i].message);
    assert_false(options.force);
  }
}

/* min and max words are enforced and the message names the words. */
static void test_word_counts(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const none[] = {"--force", NULL};
  parse_line(&run, &sample_command, &options, none);
  assert_refused(&run, MSIQ_EUSAGE, "missing job ID");

  memset(&options, 0, sizeof options);
  const char *const three[] = {"1", "2", "3", NULL};
  parse_line(&run, &sample_command, &options, three);
  assert_parse_ok(&run);
  assert_int_equal(options.ids[0], 1);
  assert_int_equal(options.ids[1], 2);
  assert_int_equal(options.ids[2], 3);

  memset(&options, 0, sizeof options);
  const char *const four[] = {"1", "2", "3", "4", NULL};
  parse_line(&run, &sample_command, &options, four);
  assert_refused(&run, MSIQ_EUSAGE, "unexpected argument '4'");

  words_options plain = {{0}};
  const char *const extra[] = {"a", "b", "c", NULL};
  parse_line(&run, &words_command, &plain, extra);
  assert_refused(&run, MSIQ_EUSAGE, "unexpected argument 'c'");
  memset(&plain, 0, sizeof plain);
  const char *const empty[] = {NULL};
  parse_line(&run, &words_command, &plain, empty);
  assert_parse_ok(&run);
  assert_null(plain.words[0]);
}

/* Job ids are checked once the whole line is read: a bad option or an
 * extra word is named before a bad id, and a bad id is refused. */
static void test_job_ids_parsed_last(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const bad_id[] = {"1", "abc", NULL};
  parse_line(&run, &sample_command, &options, bad_id);
  assert_refused(&run, MSIQ_EINVAL, "invalid job id 'abc'");

  const char *const zero[] = {"0", NULL};
  memset(&options, 0, sizeof options);
  parse_line(&run, &sample_command, &options, zero);
  assert_refused(&run, MSIQ_EINVAL, "invalid job id '0'");

  const char *const then_option[] = {"abc", "--bogus", NULL};
  memset(&options, 0, sizeof options);
  parse_line(&run, &sample_command, &options, then_option);
  assert_refused(&run, MSIQ_EUSAGE, "unknown option '--bogus'");

  const char *const then_help[] = {"abc", "--help", NULL};
  memset(&options, 0, sizeof options);
  parse_line(&run, &sample_command, &options, then_help);
  assert_true(run.context.help);
}

/* "--" ends the options: what follows is words, even "--force" and the
 * global options. */
static void test_double_dash_ends_options(void **state) {
  (void)state;
  words_options options = {{0}};
  parse_run run;
  const char *const words[] = {"--json", "--", "--help", "-", NULL};
  parse_line(&run, &words_command, &options, words);
  assert_parse_ok(&run);
  assert_true(run.context.json);
  assert_false(run.context.help);
  assert_string_equal(options.words[0], "--help");
  assert_string_equal(options.words[1], "-");

  sample_options sample = {0};
  const char *const flag[] = {"--", "--force", NULL};
  parse_line(&run, &sample_command, &sample, flag);
  assert_refused(&run, MSIQ_EINVAL, "invalid job id '--force'");
  assert_false(sample.force);
}

/* --db, --json and --help are taken anywhere before "--", in every form,
 * and never reach the command's table (sample has no such option). */
static void test_global_options_anywhere(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const words[] = {"--db", "first.db", "1",         "--json",
                               "-f",   "2",        "--db=x.db", NULL};
  parse_line(&run, &sample_command, &options, words);
  assert_parse_ok(&run);
  assert_string_equal(run.context.database_path, "x.db");
  assert_true(run.context.json);
  assert_false(run.context.help);
  assert_true(options.force);
  assert_int_equal(options.ids[0], 1);
  assert_int_equal(options.ids[1], 2);

  memset(&options, 0, sizeof options);
  const char *const help_last[] = {"1", "-f", "-h", NULL};
  parse_line(&run, &sample_command, &options, help_last);
  assert_parse_ok(&run);
  assert_true(run.context.help);

  memset(&options, 0, sizeof options);
  const char *const no_value[] = {"1", "--db", NULL};
  parse_line(&run, &sample_command, &options, no_value);
  assert_refused(&run, MSIQ_EUSAGE, "option '--db' needs a value");

  memset(&options, 0, sizeof options);
  const char *const json_value[] = {"1", "--json=yes", NULL};
  parse_line(&run, &sample_command, &options, json_value);
  assert_refused(&run, MSIQ_EUSAGE, "option '--json' takes no value");
  assert_false(run.context.json);
}

/* --help seen before an error is kept, so the caller still prints the
 * help; one after the error is never read. */
static void test_help_before_error(void **state) {
  (void)state;
  sample_options options = {0};
  parse_run run;
  const char *const help_first[] = {"--help", "--bogus", NULL};
  parse_line(&run, &sample_command, &options, help_first);
  assert_int_equal(run.status, MSIQ_EUSAGE);
  assert_true(run.context.help);

  const char *const help_after[] = {"--bogus", "--help", NULL};
  memset(&options, 0, sizeof options);
  parse_line(&run, &sample_command, &options, help_after);
  assert_int_equal(run.status, MSIQ_EUSAGE);
  assert_false(run.context.help);
}

/* TOOL_WORD_CUSTOM hands each word to the hook with its index, between
 * options, and a refusal stops the parse. */
static void test_custom_words(void **state) {
  (void)state;
  custom_words_options options = {{0}};
  parse_run run;
  const char *const words[] = {"a", "--json", "b", "c", NULL};
  parse_line(&run, &custom_words_command, &options, words);
  assert_parse_ok(&run);
  assert_string_equal(options.seen, "0:a,1:b,2:c,");
  assert_true(run.context.json);

  memset(&options, 0, sizeof options);
  const char *const bad[] = {"a", "bad", "--bogus", NULL};
  parse_line(&run, &custom_words_command, &options, bad);
  assert_refused(&run, MSIQ_EINVAL, "bad word at 1");
  assert_string_equal(options.seen, "0:a,");

  memset(&options, 0, sizeof options);
  const char *const none[] = {"--json", NULL};
  parse_line(&run, &custom_words_command, &options, none);
  assert_refused(&run, MSIQ_EUSAGE, "missing WORD");
}

/* A command with its own parser gets the whole line, options and all. */
static void test_own_parser_gets_line(void **state) {
  (void)state;
  raw_options options = {0};
  parse_run run;
  const char *const words[] = {"--force", "/i", "x.msi", NULL};
  parse_line(&run, &raw_command, &options, words);
  assert_parse_ok(&run);
  assert_int_equal(options.argc, 3);
  assert_string_equal(options.first, "--force");
  assert_false(run.context.json);
}

/* The scanner under the command's parse, as msiq_tool_main uses it for the
 * words before the command name: globals applied, the first word returned,
 * the rest left alone. */
static void test_scanner_stops_at_command(void **state) {
  (void)state;
  tool_context context = {0};
  msiq_diag diag = {{0}};
  char word0[] = "--json";
  char word1[] = "list";
  char word2[] = "--bogus";
  char *argv[] = {word0, word1, word2};
  tool_parser parser;
  tool_parser_init(&parser, &context, 3, argv, NULL);
  assert_int_equal(tool_parser_next(&parser, &diag), TOOL_PARSE_ARGUMENT);
  assert_string_equal(parser.value, "list");
  assert_int_equal(parser.index, 2);
  assert_true(context.json);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_type_parses),
      cmocka_unit_test(test_absent_options_keep_defaults),
      cmocka_unit_test(test_time_relative),
      cmocka_unit_test(test_repeatable_collects),
      cmocka_unit_test(test_integer_refused),
      cmocka_unit_test(test_duration_refused),
      cmocka_unit_test(test_time_refused),
      cmocka_unit_test(test_custom_refused_stops),
      cmocka_unit_test(test_option_shape_refused),
      cmocka_unit_test(test_word_counts),
      cmocka_unit_test(test_job_ids_parsed_last),
      cmocka_unit_test(test_double_dash_ends_options),
      cmocka_unit_test(test_global_options_anywhere),
      cmocka_unit_test(test_help_before_error),
      cmocka_unit_test(test_custom_words),
      cmocka_unit_test(test_own_parser_gets_line),
      cmocka_unit_test(test_scanner_stops_at_command),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
