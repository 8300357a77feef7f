/* tool.h: the msiq command-line tool, kept apart from the core library.
 *
 * Like tmux, each subcommand lives in its own tool_cmd_<name>.c and exports
 * one descriptor; tool_main.c holds the list. Like curl, option parsing is
 * table-driven, parsers return a status and never print, and every message
 * goes through errorf()/warnf() so it starts with "msiq: ".
 */
#ifndef MSIQ_TOOL_H
#define MSIQ_TOOL_H

#include <stdio.h>

#include "core/msiq.h"
#include "store/store.h"

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
} tool_context;

typedef struct tool_command {
  const char *name;
  const char *usage;   /* arguments after the command name */
  const char *summary; /* one line for `msiq --help` */
  const char *help;    /* the options, for `msiq NAME --help` */
  int (*exec)(tool_context *context, int argc, char **argv);
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
enum tool_option_argument { TOOL_ARGUMENT_NONE, TOOL_ARGUMENT_REQUIRED };

typedef struct tool_option {
  const char *name; /* long name without "--" */
  char short_name;  /* or 0 */
  enum tool_option_argument argument;
  int id; /* > 0, returned to the command */
} tool_option;

enum tool_parse_result {
  TOOL_PARSE_END = 0,
  TOOL_PARSE_OPTION = 1,   /* parser->id and parser->value are set */
  TOOL_PARSE_ARGUMENT = 2, /* parser->value is a positional argument */
};

typedef struct tool_parser {
  tool_context *context;
  int argc;
  char **argv;
  int index;
  const tool_option *options; /* ends with an entry whose name is NULL */
  bool options_ended;         /* after "--" */
  int id;
  const char *value;
} tool_parser;

void tool_parser_init(tool_parser *parser, tool_context *context, int argc,
                      char **argv, const tool_option *options);
/* Returns a tool_parse_result or a negative status (MSIQ_EUSAGE) with the
 * problem in diag. The global options --db, --json and --help are handled
 * here, wherever they stand, and never reach the command. */
int tool_parser_next(tool_parser *parser, msiq_diag *diag);

/* Handles one option of a command; returns a status, never prints. */
typedef int (*tool_option_handler)(void *state, int id, const char *value,
                                   msiq_diag *diag);

/* Returned by tool_parse_command_line() when the command should go on. */
#define TOOL_CONTINUE (-1)

/* Parses a whole command line: options go to handle(state, ...), positional
 * arguments fill words[0..max_words). Prints help (--help) or the error and
 * returns the exit code, or returns TOOL_CONTINUE. words_name names the
 * positional arguments in "missing ..." errors. */
int tool_parse_command_line(tool_context *context, int argc, char **argv,
                            const tool_option *options,
                            tool_option_handler handle, void *state,
                            const char **words, int min_words, int max_words,
                            const char *words_name);

/* Parses a job id (a positive integer). */
int tool_parse_job_id(const char *text, int64_t *id, msiq_diag *diag);
/* Parses a whole number for option `name` ("--priority"). */
int tool_parse_integer(const char *name, const char *text, int64_t *value,
                       msiq_diag *diag);

/* Opens the queue named by --db, else $MSIQ_DB, else the platform default;
 * on failure prints the error and returns its exit code (else 0). */
int tool_open_store(const tool_context *context, int flags, msiq_store **store);

/* Work that may fail on bad input, run by tool_open_store_checked(). */
typedef int (*tool_store_check)(msiq_store *store, void *state,
                                msiq_diag *diag);

/* Opens the queue for a command that adds jobs, creating it if needed. When
 * the database does not exist yet, `check` first runs against a private
 * in-memory queue, so bad input is refused without creating the database.
 * Returns 0, or prints the error and returns its exit code. */
int tool_open_store_checked(const tool_context *context, tool_store_check check,
                            void *state, msiq_store **store);

/* The same, for work worth not doing twice (a large import): when the
 * database did not exist, the rehearsal's result becomes the new database
 * and *done is set; the caller then reports what `check` did instead of
 * doing it again. If another process created the database meanwhile, *done
 * stays false and the caller does the work in it as usual. */
int tool_open_store_checked_once(const tool_context *context,
                                 tool_store_check check, void *state,
                                 msiq_store **store, bool *done);

/* Output helpers (tool_output.c). */
/* Prints JSON text followed by a newline. */
void tool_print_json(const char *json);
/* "2026-11-24T22:00:00Z", or "-" for MSIQ_TIME_UNSET. */
const char *tool_format_time(int64_t utc_ms, char *buffer, size_t size);
/* Prints the job's JSON (optionally with history) and returns an exit code. */
int tool_print_job_json(const tool_context *context, msiq_store *store,
                        int64_t id, bool with_history);

/* Waits until every job finishes (tool_cmd_wait.c); timeout_ms 0 waits
 * forever. Returns the msiexec-style exit code described in docs/cli.md. */
int tool_wait_for_jobs(const tool_context *context, msiq_store *store,
                       const int64_t *ids, size_t count, int64_t timeout_ms);

/* The commands, in the order `msiq --help` lists them. */
extern const tool_command tool_cmd_enqueue;
extern const tool_command tool_cmd_import;
extern const tool_command tool_cmd_list;
extern const tool_command tool_cmd_show;
extern const tool_command tool_cmd_cancel;
extern const tool_command tool_cmd_retry;
extern const tool_command tool_cmd_pause;
extern const tool_command tool_cmd_resume;
extern const tool_command tool_cmd_purge;
extern const tool_command tool_cmd_doctor;
extern const tool_command tool_cmd_run;
extern const tool_command tool_cmd_status;
extern const tool_command tool_cmd_wait;
extern const tool_command tool_cmd_service;
extern const tool_command tool_cmd_exec;
extern const tool_command tool_cmd_log;
extern const tool_command tool_cmd_report;

/* The whole tool, callable in-process by tests. */
int msiq_tool_main(int argc, char **argv);

#endif /* MSIQ_TOOL_H */
