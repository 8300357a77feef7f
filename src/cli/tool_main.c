/* tool_main.c: global options, the command table, and the one path every
 * command line takes: parse, help or error, check, open the store, exec,
 * close (see tool.h). */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "host/host.h"

/* The command list, in the order `msiq --help` shows it. */
#define TOOL_COMMAND_ADDRESS(name) &tool_cmd_##name,
static const tool_command *const tool_commands[] = {
    TOOL_COMMAND_LIST(TOOL_COMMAND_ADDRESS)};
#undef TOOL_COMMAND_ADDRESS

static const tool_command *tool_command_find(const char *name) {
  for (size_t i = 0; i < sizeof tool_commands / sizeof tool_commands[0]; i++) {
    if (strcmp(tool_commands[i]->name, name) == 0) {
      return tool_commands[i];
    }
  }
  return NULL;
}

static int tool_print_main_help(void) {
  printf("usage: msiq [--db PATH] [--json] COMMAND [ARGS...]\n\n"
         "msiq keeps a persistent queue of Windows Installer jobs and runs\n"
         "them one at a time when Windows Installer is free.\n\n"
         "Commands:\n");
  for (size_t i = 0; i < sizeof tool_commands / sizeof tool_commands[0]; i++) {
    printf("  %-10s %s\n", tool_commands[i]->name, tool_commands[i]->summary);
  }
  printf("  %-10s %s\n", "help",
         "This help, or with a command's name that command's help.");
  printf("\nGlobal options (before or after the command name):\n"
         "  --db PATH    the queue database (else $MSIQ_DB, else the default:\n"
         "               %%ProgramData%%\\msiq\\queue.db on Windows,\n"
         "               /var/lib/msiq/queue.db for root on POSIX,\n"
         "               $XDG_STATE_HOME/msiq/queue.db, by default\n"
         "               ~/.local/state/msiq/queue.db, for other users)\n"
         "  --json       machine-readable output\n"
         "  -h, --help   this help, or a command's help after its name\n"
         "               (also `msiq /?` and `msiq help [COMMAND]`)\n"
         "  --version    print the version\n\n"
         "Exit codes: 0 ok, 2 bad usage or input, 3 no such job or a state\n"
         "that forbids the change, 4 database problem, 5 another dispatcher\n"
         "is running. See docs/cli.md.\n");
  return TOOL_EXIT_OK;
}

/* `msiq help [COMMAND]`: the top help, or that command's `--help` text;
 * exit 2 for a name that is no command or more than one word. */
static int tool_run_help(int argc, char **argv) {
  if (argc == 0) {
    return tool_print_main_help();
  }
  if (argc > 1) {
    errorf("help: unexpected argument '%s' (see 'msiq --help')", argv[1]);
    return TOOL_EXIT_USAGE;
  }
  const tool_command *command = tool_command_find(argv[0]);
  if (command == NULL) {
    errorf("help: unknown command '%s' (see 'msiq --help')", argv[0]);
    return TOOL_EXIT_USAGE;
  }
  return tool_print_command_help(command);
}

/* Runs one command on its arguments (the words after its name). */
static int tool_run_command(tool_context *context, const tool_command *command,
                            int argc, char **argv) {
  msiq_diag diag = {{0}};
  msiq_store *store = NULL;
  int exit_code;
  void *options =
      calloc(1, command->options_size > 0 ? command->options_size : 1);
  if (options == NULL) {
    return tool_report(context, MSIQ_ENOMEM, NULL);
  }
  if (command->init != NULL) {
    command->init(options);
  }
  int status =
      tool_parse_arguments(context, command, options, argc, argv, &diag);
  /* --help wins over whatever else the line holds, as far as it was read. */
  if (context->help) {
    exit_code = tool_print_command_help(command);
    goto cleanup;
  }
  /* Everything that can be checked without the database is checked before
   * it is opened, so bad input never creates or touches a queue. */
  if (status == MSIQ_OK && command->check != NULL) {
    status = command->check(options, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
    goto cleanup;
  }
  exit_code = tool_open_command_store(context, command, options, &store);
  if (exit_code == TOOL_EXIT_OK) {
    exit_code = command->exec(context, options, store);
  }

cleanup:
  msiq_store_close(store);
  if (command->cleanup != NULL) {
    command->cleanup(options);
  }
  tool_arguments_cleanup(command, options);
  free(options);
  return exit_code;
}

/* Every argument must be UTF-8 (on Windows the host made it so from the
 * UTF-16 command line; on POSIX it is whatever bytes the caller passed):
 * msiq stores and prints text as UTF-8, and what it cannot read as text it
 * refuses here, before anything is parsed or opened. */
static int tool_check_arguments_are_utf8(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    size_t length = strlen(argv[i]);
    size_t valid = msiq_utf8_valid_prefix(argv[i], length);
    if (valid < length) {
      char quoted[160];
      msiq_quote_for_message(argv[i], quoted, sizeof quoted);
      errorf("argument %d ('%s') is not valid UTF-8 (byte 0x%02x at "
             "position %zu); msiq reads its arguments as UTF-8",
             i, quoted, (unsigned)(unsigned char)argv[i][valid], valid + 1);
      return TOOL_EXIT_USAGE;
    }
  }
  return TOOL_EXIT_OK;
}

int msiq_tool_main(int argc, char **argv) {
  tool_context context = {0};
  msiq_diag diag = {{0}};
  int checked = tool_check_arguments_are_utf8(argc, argv);
  if (checked != TOOL_EXIT_OK) {
    return checked;
  }
  /* `msiq /?` is how Windows programs are asked for their help. */
  if (argc == 2 && strcmp(argv[1], "/?") == 0) {
    return tool_print_main_help();
  }
  /* --version is the one option that belongs to no command. */
  static const tool_option main_options[] = {
      {"version", 0, TOOL_OPTION_FLAG, 0, NULL},
      TOOL_OPTION_TABLE_END,
  };
  tool_parser parser;
  /* Global options may come before the command name; the first positional
   * word is the command, and everything after it belongs to the command. */
  tool_parser_init(&parser, &context, argc - 1, argv + 1, main_options);
  int result = tool_parser_next(&parser, &diag);
  if (result == TOOL_PARSE_OPTION) {
    /* A build that honours the test-only settings says so: it is not one
     * to ship. */
    printf("msiq %s%s\n", MSIQ_VERSION,
           msiq_host_test_settings() ? " (test build)" : "");
    return TOOL_EXIT_OK;
  }
  if (result < 0) {
    return tool_report(&context, result, &diag);
  }
  if (result == TOOL_PARSE_END) {
    if (context.help) {
      return tool_print_main_help();
    }
    errorf("no command given (see 'msiq --help')");
    return TOOL_EXIT_USAGE;
  }
  int first = 1 + parser.index;
  if (strcmp(parser.value, "help") == 0) {
    return tool_run_help(argc - first, argv + first);
  }
  const tool_command *command = tool_command_find(parser.value);
  if (command == NULL) {
    errorf("unknown command '%s' (see 'msiq --help')", parser.value);
    return TOOL_EXIT_USAGE;
  }
  context.command = command;
  context.process_argc = argc;
  context.process_argv = argv;
  context.arguments_first = first;
  return tool_run_command(&context, command, argc - first, argv + first);
}
