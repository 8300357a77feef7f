/* tool_msgs.c: every message the tool prints on stderr goes through here,
 * so each is one line that starts with "msiq: ". */
#include "cli/tool.h"
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>

static void tool_vprint(const char *kind, const char *format, va_list args)
    MSIQ_PRINTF_FORMAT(2, 0);

/* Messages quote user input (a bad action, a manifest's field name), so
 * control characters are escaped here, at the one place messages leave:
 * every message stays one line and none can forge a second "msiq:" line. */
static void tool_vprint(const char *kind, const char *format, va_list args) {
  char message[2048];
  vsnprintf(message, sizeof message, format, args);
  fputs("msiq: ", stderr);
  fputs(kind, stderr);
  for (const char *cursor = message; *cursor != '\0'; cursor++) {
    unsigned char character = (unsigned char)*cursor;
    if (msiq_character_is_control(character)) {
      fprintf(stderr, "\\x%02x", character);
    } else {
      fputc(character, stderr);
    }
  }
  fputc('\n', stderr);
  fflush(stderr);
}

void errorf(const char *format, ...) {
  va_list args;
  va_start(args, format);
  tool_vprint("", format, args);
  va_end(args);
}

void warnf(const char *format, ...) {
  va_list args;
  va_start(args, format);
  tool_vprint("warning: ", format, args);
  va_end(args);
}

int tool_report(const tool_context *context, int status,
                const msiq_diag *diag) {
  const char *message = diag != NULL && diag->message[0] != '\0'
                            ? diag->message
                            : msiq_strerror(status);
  if (status == MSIQ_EUSAGE) {
    if (context != NULL && context->command != NULL) {
      errorf("%s: %s (see 'msiq %s --help')", context->command->name, message,
             context->command->name);
    } else {
      errorf("%s (see 'msiq --help')", message);
    }
  } else {
    errorf("%s", message);
  }
  if (context != NULL && context->command != NULL &&
      context->command->exit_code != NULL) {
    return context->command->exit_code(status);
  }
  return msiq_status_exit_code(status);
}

int tool_print_command_help(const tool_command *command) {
  printf("usage: msiq %s%s%s\n\n%s\n", command->name,
         command->usage[0] != '\0' ? " " : "", command->usage,
         command->summary);
  if (command->help != NULL && command->help[0] != '\0') {
    printf("\n%s", command->help);
  }
  printf(
      "\nGlobal options: --db PATH, --json, -h/--help (see 'msiq --help').\n");
  return TOOL_EXIT_OK;
}
