/* tool.h: the msiq command-line tool, kept apart from the core library.
 *
 * Like tmux, each subcommand lives in its own tool_cmd_<name>.c and exports
 * one descriptor (a tool_command); TOOL_COMMAND_LIST below names them all.
 * Like curl, options are typed entries of a table that point into the
 * command's own options struct, parsers return a status and never print, and
 * every message goes through errorf()/warnf() so it starts with "msiq: ".
 *
 * How msiq_tool_main() runs one command line (tool_main.c):
 *   1. the global options before the command name, then the name;
 *   2. the command's options struct is allocated zeroed and given its
 *      defaults (init);
 *   3. the rest of the line is parsed into it (tool_parse_arguments): the
 *      options by their table, the positional words as declared, the global
 *      options --db, --json and --help wherever they stand;
 *   4. --help prints the command's help on stdout and exits 0; a parse
 *      error is one line on stderr, exit 2;
 *   5. check refuses what can be refused before the database is touched;
 *   6. the store is opened as the descriptor declares (tool_store.c);
 *   7. exec does the work with the parsed options and the open store;
 *   8. the store is closed and the options are cleaned up.
 *
 * Adding a command `frob ID [--force] [--timeout D]`:
 *   - write src/cli/tool_cmd_frob.c (and list it in src/cli/CMakeLists.txt):
 *
 *       typedef struct frob_options {
 *         bool force;
 *         int64_t timeout_ms;
 *         int64_t id;
 *       } frob_options;
 *
 *       static const tool_option frob_option_table[] = {
 *           {"force", 'f', TOOL_OPTION_FLAG, offsetof(frob_options, force),
 *            NULL},
 *           {"timeout", 0, TOOL_OPTION_DURATION,
 *            offsetof(frob_options, timeout_ms), NULL},
 *           TOOL_OPTION_TABLE_END,
 *       };
 *
 *       static int frob_exec(const tool_context *context, void *state,
 *                            msiq_store *store) {
 *         const frob_options *options = state;
 *         ... use options->id and store; print; return an exit code ...
 *       }
 *
 *       const tool_command tool_cmd_frob = {
 *           .name = "frob",
 *           .usage = "[--force] [--timeout D] ID",
 *           .summary = "One line for `msiq --help`.",
 *           .help = "Options:\n  -f, --force   ...\n",
 *           .options = frob_option_table,
 *           .options_size = sizeof(frob_options),
 *           .words = {.min = 1, .max = 1, .name = "job ID",
 *                     .type = TOOL_WORD_JOB_ID,
 *                     .offset = offsetof(frob_options, id)},
 *           .store = TOOL_STORE_EXISTING,
 *           .exec = frob_exec,
 *       };
 *
 *   - add XX(frob) to TOOL_COMMAND_LIST, where `msiq --help` should list it.
 * The generic parsing, --help, error reporting and opening and closing the
 * store then come for free; the hooks below (init, check, cleanup, custom
 * options and words, a whole-line parser) are there for what a table cannot
 * say.
 */
#ifndef MSIQ_TOOL_H
#define MSIQ_TOOL_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#include <uv.h>

#include "core/msiq.h"
#include "store/store.h"
#include "host/host.h"

/* Process exit codes (docs/cli.md). Installer-style codes from `wait` and
 * `enqueue --wait` are the installer's own. */
enum tool_exit_code {
  TOOL_EXIT_OK = 0,
  TOOL_EXIT_FAILURE = 1,
  TOOL_EXIT_USAGE = 2,
  TOOL_EXIT_JOB = 3,
  TOOL_EXIT_DATABASE = 4,
  TOOL_EXIT_DISPATCHER_RUNNING = 5,
};

struct tool_command;

/* What the global options said, shared by every command. */
typedef struct tool_context {
  const char *database_path; /* --db, or NULL for MSIQ_DB / the default */
  bool json;                 /* --json */
  bool help;                 /* --help / -h */
  const struct tool_command *command;
  /* Set when a TOOL_STORE_REHEARSED_ONCE command's rehearsal became the new
   * database: what the rehearsal did is done, and exec only reports it. */
  bool rehearsal_published;
  /* The whole command line as msiq_tool_main() got it, and the index in it
   * of the command's first argument: exec reads its own part again by
   * msiexec's rules (msiq_host_command_line_tail). */
  int process_argc;
  char **process_argv;
  int arguments_first;
} tool_context;

/* The type of an option's value, and where the value goes. */
typedef enum tool_option_type {
  TOOL_OPTION_FLAG,     /* no value; sets a bool to true */
  TOOL_OPTION_INTEGER,  /* a whole number, into an int64_t */
  TOOL_OPTION_DURATION, /* 90s, 15m, 2h, 1d: int64_t milliseconds (> 0) */
  TOOL_OPTION_TIME,     /* ISO 8601 or +30m: int64_t UTC milliseconds */
  TOOL_OPTION_STRING,   /* the argument itself, into a const char * */
  TOOL_OPTION_STRINGS,  /* repeatable: each value appended to a tool_strings */
  TOOL_OPTION_CUSTOM,   /* a value given to the option's parse hook */
} tool_option_type;

/* The values of a repeatable option, in command-line order. The items point
 * into argv; the array itself is freed by tool_arguments_cleanup(). */
typedef struct tool_strings {
  const char **items;
  size_t count;
} tool_strings;

/* Parses a TOOL_OPTION_CUSTOM value into the options struct; returns a
 * status and never prints. */
typedef int (*tool_option_parse)(void *options, const char *value,
                                 msiq_diag *diag);

typedef struct tool_option {
  const char *name; /* long name without "--"; NULL ends a table */
  char short_name;  /* or 0 */
  tool_option_type type;
  size_t offset;           /* of the value in the options struct */
  tool_option_parse parse; /* TOOL_OPTION_CUSTOM only, else NULL */
} tool_option;

#define TOOL_OPTION_TABLE_END                                                  \
  { NULL, 0, TOOL_OPTION_FLAG, 0, NULL }

/* The positional words of a command, after its options are taken out. */
typedef enum tool_word_type {
  TOOL_WORD_STRING, /* into a const char *[max] at offset */
  TOOL_WORD_JOB_ID, /* positive ids into an int64_t[max] at offset, parsed
                       once the whole line is (so a bad option is named
                       before a bad id, and --help still wins) */
  TOOL_WORD_CUSTOM, /* each word to parse(), in order, as it comes */
} tool_word_type;

#define TOOL_WORDS_UNLIMITED INT_MAX

typedef struct tool_words {
  int min;          /* fewer: "missing NAME" */
  int max;          /* more: "unexpected argument 'WORD'" */
  const char *name; /* "job ID", "TARGET": names them in "missing ..." */
  tool_word_type type;
  size_t offset;
  /* TOOL_WORD_CUSTOM: index counts from 0; returns a status, never prints */
  int (*parse)(void *options, int index, const char *word, msiq_diag *diag);
} tool_words;

/* How a command wants the queue opened before exec runs. */
typedef enum tool_store_mode {
  TOOL_STORE_NONE,     /* not at all (or exec opens it itself) */
  TOOL_STORE_EXISTING, /* the queue must exist (exit 4 if it does not) */
  TOOL_STORE_CREATE,   /* created if missing */
  /* Created if missing, for commands that add jobs: when the database does
   * not exist yet, `rehearse` first runs against a private in-memory queue,
   * so bad input is refused without creating the database. */
  TOOL_STORE_REHEARSED,
  /* The same, for work worth not doing twice (a large import): when the
   * database did not exist, the rehearsal's result becomes the new database
   * and context->rehearsal_published is set, so exec reports what
   * `rehearse` did instead of doing it again. If another process created
   * the database meanwhile, exec does the work in it as usual. */
  TOOL_STORE_REHEARSED_ONCE,
  /* Created if missing, for the dispatcher: refused (exit 4) before it is
   * opened, created or migrated unless only administrators can change it
   * (MSIQ_STORE_PRIVATE). */
  TOOL_STORE_PRIVATE,
} tool_store_mode;

/* Work that may fail on bad input, rehearsed by TOOL_STORE_REHEARSED*. */
typedef int (*tool_store_check)(msiq_store *store, void *state,
                                msiq_diag *diag);

typedef struct tool_command {
  const char *name;
  const char *usage;   /* arguments after the command name */
  const char *summary; /* one line for `msiq --help` */
  const char *help;    /* the options, for `msiq NAME --help` */

  /* What the command line holds: options (NULL, or a table ending with
   * TOOL_OPTION_TABLE_END) and words, parsed into a struct of
   * options_size bytes, zeroed, then given its defaults by init (or NULL). */
  const tool_option *options;
  tool_words words;
  size_t options_size;
  void (*init)(void *options);
  /* Replaces the table parser for a command whose words follow rules of
   * their own (exec takes msiexec's switches). It sets context->help when
   * the line asks for help. Returns a status, never prints. */
  int (*parse)(tool_context *context, void *options, int argc, char **argv,
               msiq_diag *diag);
  /* Runs after a successful parse and before the store is opened: what it
   * refuses never creates or touches a database. Or NULL. */
  int (*check)(void *options, msiq_diag *diag);

  tool_store_mode store;
  tool_store_check rehearse; /* TOOL_STORE_REHEARSED* only */

  /* Does the work and returns the exit code; store is NULL for
   * TOOL_STORE_NONE. Prints its results and errors (tool_report). */
  int (*exec)(const tool_context *context, void *options, msiq_store *store);
  /* Frees what init, the hooks or exec left in the options, or NULL. */
  void (*cleanup)(void *options);
  /* The exit code for a status msiq itself fails with (tool_report), when
   * the command answers in codes of its own (exec: msiexec's); NULL for
   * msiq_status_exit_code. */
  int (*exit_code)(int status);
} tool_command;

/* Messages (tool_msgs.c). */
void errorf(const char *format, ...) MSIQ_PRINTF_FORMAT(1, 2);
void warnf(const char *format, ...) MSIQ_PRINTF_FORMAT(1, 2);
/* Prints the diagnostic (or the status's generic message) and returns the
 * exit code for status. Usage errors name the command's --help. */
int tool_report(const tool_context *context, int status, const msiq_diag *diag);
/* Prints `msiq NAME --help` text to stdout and returns 0. */
int tool_print_command_help(const tool_command *command);

/* Option parsing (tool_options.c). */

/* Parses a command's arguments (everything after its name) into options, as
 * command->options and command->words declare, or through command->parse.
 * The global options --db, --json and --help are taken wherever they stand
 * (before a "--") and go to context. Stops at the first problem and returns
 * its status (MSIQ_EUSAGE for the shape of the line, MSIQ_EINVAL for a bad
 * value) with the explanation in diag; never prints. When context->help is
 * set the caller prints the help whatever the status. */
int tool_parse_arguments(tool_context *context, const tool_command *command,
                         void *options, int argc, char **argv, msiq_diag *diag);
/* Frees what tool_parse_arguments() allocated in options (the arrays of
 * TOOL_OPTION_STRINGS), leaving the rest to command->cleanup. */
void tool_arguments_cleanup(const tool_command *command, void *options);

/* The word-by-word scanner under tool_parse_arguments(), also used for the
 * global options in front of the command name. */
enum tool_parse_result {
  TOOL_PARSE_END = 0,
  TOOL_PARSE_OPTION = 1,   /* parser->option and parser->value are set */
  TOOL_PARSE_ARGUMENT = 2, /* parser->value is a positional argument */
};

typedef struct tool_parser {
  tool_context *context;
  int argc;
  char **argv;
  int index;
  const tool_option *options; /* NULL, or ends with TOOL_OPTION_TABLE_END */
  bool options_ended;         /* after "--" */
  int64_t now_ms;             /* what relative times count from */
  const tool_option *option;
  const char *value;
} tool_parser;

void tool_parser_init(tool_parser *parser, tool_context *context, int argc,
                      char **argv, const tool_option *options);
/* Accepts --name VALUE, --name=VALUE, -x VALUE and "--" to end options.
 * Returns a tool_parse_result or a negative status (MSIQ_EUSAGE) with the
 * problem in diag. The global options are applied to the context here and
 * never reach the caller. */
int tool_parser_next(tool_parser *parser, msiq_diag *diag);

/* Parses a job id (a positive integer). */
int tool_parse_job_id(const char *text, int64_t *id, msiq_diag *diag);
/* Parses a whole number for option `name` ("--priority"). */
int tool_parse_integer(const char *name, const char *text, int64_t *value,
                       msiq_diag *diag);

/* Opening the queue (tool_store.c). */

/* Opens the queue named by --db, else $MSIQ_DB, else the platform default;
 * on failure prints the error and returns its exit code (else 0). For a
 * command that opens the store itself (TOOL_STORE_NONE). */
int tool_open_store(const tool_context *context, int flags, msiq_store **store);
/* For main() only: from then on, a fault on the mapped -shm of a queue
 * this process opened ends it with exit 4 and one line naming the file,
 * instead of a crash (msiq_host_exit_on_mapping_fault). In-process callers
 * (tests, fuzzers) keep their own signal handling. */
void tool_exit_on_mapping_faults(void);

/* The database path tool_open_store() opens (--db, $MSIQ_DB or the
 * default). */
int tool_database_path(const tool_context *context, char *buffer, size_t size,
                       msiq_diag *diag);
/* Opens the store as command->store declares (*store stays NULL for
 * TOOL_STORE_NONE); on failure prints the error and returns its exit code
 * (else 0). */
int tool_open_command_store(tool_context *context, const tool_command *command,
                            void *options, msiq_store **store);

/* Output helpers (tool_output.c). */
/* Prints JSON text followed by a newline. */
void tool_print_json(const char *json);

/* A dispatcher's report callback (msiq_dispatcher_options.report) that
 * writes each line time-stamped (local time with its offset, to the
 * second: "2026-12-02 22:00:05 +01:00") to the FILE * given as its context,
 * flushed at once so that what a task or a script captures is complete
 * after a crash: `run` reports on stdout, `exec` running its own job on
 * stderr. */
void tool_print_report_line(void *stream, const char *line);
/* A time for people, in local time with its offset ("2026-12-02 22:00
 * +01:00"; JSON stays UTC ISO 8601), or "-" for MSIQ_TIME_UNSET. */
const char *tool_format_time(int64_t utc_ms, char *buffer, size_t size);
/* An installer's exit code for people: with_name, as
 * msiq_exit_code_describe writes it with the host's message for it ("1603
 * (ERROR_INSTALL_FAILURE)", "5 (Access is denied)" on Windows,
 * "0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)"); without, the
 * number alone for a table's column (an exception status in hex). Returns
 * buffer. */
const char *tool_format_exit_code(int64_t exit_code, bool with_name,
                                  char *buffer, size_t size);
/* Prints the job's JSON (optionally with history) and returns an exit code. */
int tool_print_job_json(const tool_context *context, msiq_store *store,
                        int64_t id, bool with_history);

/* Waits until every job finishes (tool_cmd_wait.c); timeout_ms 0 waits
 * forever. Returns the msiexec-style exit code described in docs/cli.md. */
int tool_wait_for_jobs(const tool_context *context, msiq_store *store,
                       const int64_t *ids, size_t count, int64_t timeout_ms);
/* The same for the one job `enqueue --wait` added; when the time runs out
 * the job is also printed as it is then (as a finished wait prints it), so
 * the caller always learns its id. */
int tool_wait_for_new_job(const tool_context *context, msiq_store *store,
                          int64_t id, int64_t timeout_ms);

/* Sleeping until the queue changes (tool_wake.c): a process that waits
 * for jobs listens on the queue's doorbell (host.h), which every commit
 * rings, so it wakes on the change itself; a safety-net timeout covers a
 * ring it could not hear. Without a doorbell (no dispatcher made one yet,
 * or one that is not safe) it polls once a second and listens as soon as
 * one appears. */
typedef struct tool_waiter {
  uv_loop_t loop;
  uv_timer_t timer;
  msiq_host_doorbell *doorbell;
  char database_path[4096];
  bool rung;
  bool timed_out;
} tool_waiter;

int tool_waiter_init(tool_waiter *waiter, const char *database_path,
                     msiq_diag *diag);
/* Returns after a ring or after at most limit_ms (the safety net, or the
 * fallback poll when there is no doorbell, may cut it shorter). */
void tool_waiter_sleep(tool_waiter *waiter, int64_t limit_ms);
void tool_waiter_close(tool_waiter *waiter);

/* Following a running job (tool_follow.c). */

/* A job's progress as one line: "42% InstallFiles: Copying new files",
 * "42%" or the action alone, with control characters written \xNN; ""
 * when none was reported. Returns buffer. */
const char *tool_format_progress(const msiq_progress_report *progress,
                                 char *buffer, size_t size);

/* A verbose log decoded as it grows, for `log --follow`: fed the bytes a
 * reader finds appended each time, it hands out the whole lines decoded so
 * far, as UTF-8, with the same rules as msiq_log_decode for a whole log
 * (the encoding told by the first bytes: UTF-16LE or UTF-16BE with a
 * byte-order mark, else UTF-8; the mark dropped). A UTF-16 unit or
 * surrogate pair split between two reads is decoded once complete. */
typedef enum tool_log_encoding {
  TOOL_LOG_ENCODING_UNKNOWN, /* too few bytes yet to tell */
  TOOL_LOG_ENCODING_UTF8,
  TOOL_LOG_ENCODING_UTF16LE,
  TOOL_LOG_ENCODING_UTF16BE,
} tool_log_encoding;

typedef struct tool_log_stream {
  tool_log_encoding encoding;
  bool utf8_mark;        /* the log began with a UTF-8 byte-order mark */
  unsigned char held[4]; /* bytes that wait for the ones after them */
  size_t held_count;
  char *text; /* decoded text after the last line feed handed out */
  size_t length;
  size_t capacity;
} tool_log_stream;

void tool_log_stream_init(tool_log_stream *stream);
void tool_log_stream_cleanup(tool_log_stream *stream);
/* Takes the next count bytes of the log; *lines (free() it) receives the
 * lines now complete, each with its line feed, or "" when none is. */
int tool_log_stream_feed(tool_log_stream *stream, const unsigned char *bytes,
                         size_t count, char **lines, msiq_diag *diag);
/* The log has ended: *rest (free() it) receives everything still held,
 * decoded (a last line without its line feed), and the stream is empty. */
int tool_log_stream_finish(tool_log_stream *stream, char **rest,
                           msiq_diag *diag);

/* The commands, in the order `msiq --help` lists them: each XX(name) is
 * the descriptor tool_cmd_<name> (tool_cmd_pause.c also holds resume). */
#define TOOL_COMMAND_LIST(XX)                                                  \
  XX(enqueue)                                                                  \
  XX(import)                                                                   \
  XX(exec)                                                                     \
  XX(list)                                                                     \
  XX(show)                                                                     \
  XX(log)                                                                      \
  XX(cancel)                                                                   \
  XX(retry)                                                                    \
  XX(pause)                                                                    \
  XX(resume)                                                                   \
  XX(purge)                                                                    \
  XX(doctor)                                                                   \
  XX(run)                                                                      \
  XX(status)                                                                   \
  XX(wait)                                                                     \
  XX(report)                                                                   \
  XX(config)                                                                   \
  XX(service)

#define TOOL_COMMAND_DECLARE(name) extern const tool_command tool_cmd_##name;
TOOL_COMMAND_LIST(TOOL_COMMAND_DECLARE)
#undef TOOL_COMMAND_DECLARE

/* The whole tool, callable in-process by tests. */
int msiq_tool_main(int argc, char **argv);

#endif /* MSIQ_TOOL_H */
