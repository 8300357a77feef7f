/* tool_main.c: global options and the command table. */
#include "cli/tool.h"

#include <stdio.h>
#include <string.h>

/* The command list, in the order `msiq --help` shows it. */
static const tool_command *const tool_commands[] = {
    &tool_cmd_enqueue, &tool_cmd_import, &tool_cmd_exec,   &tool_cmd_list,
    &tool_cmd_show,    &tool_cmd_log,    &tool_cmd_cancel, &tool_cmd_retry,
    &tool_cmd_pause,   &tool_cmd_resume, &tool_cmd_purge,  &tool_cmd_doctor,
    &tool_cmd_run,     &tool_cmd_status, &tool_cmd_wait,   &tool_cmd_report,
    &tool_cmd_service,
};

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
  printf("\nGlobal options (before or after the command name):\n"
         "  --db PATH    the queue database (else $MSIQ_DB, else the default:\n"
         "               %%ProgramData%%\\msiq\\queue.db on Windows,\n"
         "               /var/lib/msiq/queue.db for root on POSIX,\n"
         "               $XDG_STATE_HOME/msiq/queue.db, by default\n"
         "               ~/.local/state/msiq/queue.db, for other users)\n"
         "  --json       machine-readable output\n"
         "  -h, --help   this help, or a command's help after its name\n"
         "  --version    print the version\n\n"
         "Exit codes: 0 ok, 2 bad usage or input, 3 no such job or a state\n"
         "that forbids the change, 4 database problem, 5 another dispatcher\n"
         "is running. See docs/cli.md.\n");
  return TOOL_EXIT_OK;
}

int msiq_tool_main(int argc, char **argv) {
  tool_context context = {0};
  msiq_diag diag = {{0}};
  static const tool_option no_options[] = {
      {"version", 0, TOOL_ARGUMENT_NONE, 1},
      {NULL, 0, TOOL_ARGUMENT_NONE, 0},
  };
  tool_parser parser;
  /* Global options may come before the command name; the first positional
   * word is the command, and everything after it belongs to the command. */
  tool_parser_init(&parser, &context, argc - 1, argv + 1, no_options);
  int result;
  while ((result = tool_parser_next(&parser, &diag)) == TOOL_PARSE_OPTION) {
    printf("msiq %s\n", MSIQ_VERSION);
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
  const tool_command *command = tool_command_find(parser.value);
  if (command == NULL) {
    errorf("unknown command '%s' (see 'msiq --help')", parser.value);
    return TOOL_EXIT_USAGE;
  }
  context.command = command;
  int first = 1 + parser.index;
  return command->exec(&context, argc - first, argv + first);
}
