/* tool_options.c: table-driven option parsing shared by every command.
 *
 * Accepts --name VALUE, --name=VALUE, -x VALUE and "--" to end options. The
 * global options are recognised wherever they stand, so `msiq list --json`
 * and `msiq --json list` mean the same.
 */
#include "cli/tool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

enum tool_global_option_id {
  TOOL_GLOBAL_DB = -100,
  TOOL_GLOBAL_JSON,
  TOOL_GLOBAL_HELP,
};

static const tool_option tool_global_options[] = {
    {"db", 0, TOOL_ARGUMENT_REQUIRED, TOOL_GLOBAL_DB},
    {"json", 0, TOOL_ARGUMENT_NONE, TOOL_GLOBAL_JSON},
    {"help", 'h', TOOL_ARGUMENT_NONE, TOOL_GLOBAL_HELP},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

void tool_parser_init(tool_parser *parser, tool_context *context, int argc,
                      char **argv, const tool_option *options) {
  memset(parser, 0, sizeof *parser);
  parser->context = context;
  parser->argc = argc;
  parser->argv = argv;
  parser->options = options;
}

/* Finds an option by long name (name_length bytes) or short letter. */
static const tool_option *tool_option_find(const tool_option *table,
                                           const char *name, size_t name_length,
                                           char short_name) {
  for (const tool_option *option = table; option != NULL && option->name;
       option++) {
    if (short_name != 0 ? option->short_name == short_name
                        : strlen(option->name) == name_length &&
                              strncmp(option->name, name, name_length) == 0) {
      return option;
    }
  }
  return NULL;
}

static void tool_apply_global(tool_context *context, int id,
                              const char *value) {
  switch (id) {
    case TOOL_GLOBAL_DB:
      context->database_path = value;
      break;
    case TOOL_GLOBAL_JSON:
      context->json = true;
      break;
    case TOOL_GLOBAL_HELP:
      context->help = true;
      break;
  }
}

int tool_parser_next(tool_parser *parser, msiq_diag *diag) {
  for (;;) {
    if (parser->index >= parser->argc) {
      return TOOL_PARSE_END;
    }
    const char *word = parser->argv[parser->index++];
    if (parser->options_ended || word[0] != '-' || word[1] == '\0') {
      parser->value = word;
      return TOOL_PARSE_ARGUMENT;
    }
    if (strcmp(word, "--") == 0) {
      parser->options_ended = true;
      continue;
    }
    const char *name = word[1] == '-' ? word + 2 : word + 1;
    const char *equals = word[1] == '-' ? strchr(name, '=') : NULL;
    size_t name_length =
        equals != NULL ? (size_t)(equals - name) : strlen(name);
    char short_name = 0;
    if (word[1] != '-') {
      if (name_length != 1) {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "unknown option '%s'", word);
      }
      short_name = name[0];
    }
    const tool_option *option =
        tool_option_find(parser->options, name, name_length, short_name);
    bool global = false;
    if (option == NULL) {
      option =
          tool_option_find(tool_global_options, name, name_length, short_name);
      global = option != NULL;
    }
    if (option == NULL) {
      return msiq_diag_set(diag, MSIQ_EUSAGE, "unknown option '%s'", word);
    }
    const char *value = NULL;
    if (option->argument == TOOL_ARGUMENT_REQUIRED) {
      if (equals != NULL) {
        value = equals + 1;
      } else if (parser->index < parser->argc) {
        value = parser->argv[parser->index++];
      } else {
        return msiq_diag_set(diag, MSIQ_EUSAGE, "option '%s' needs a value",
                             word);
      }
    } else if (equals != NULL) {
      return msiq_diag_set(diag, MSIQ_EUSAGE, "option '--%s' takes no value",
                           option->name);
    }
    if (global) {
      tool_apply_global(parser->context, option->id, value);
      continue;
    }
    parser->id = option->id;
    parser->value = value;
    return TOOL_PARSE_OPTION;
  }
}

int tool_parse_integer(const char *name, const char *text, int64_t *value,
                       msiq_diag *diag) {
  char *end = NULL;
  errno = 0;
  long long parsed = strtoll(text, &end, 10);
  if (text[0] == '\0' || *end != '\0' || errno == ERANGE ||
      (text[0] != '-' && text[0] != '+' && (text[0] < '0' || text[0] > '9'))) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s: '%s' is not a whole number",
                         name, text);
  }
  *value = parsed;
  return MSIQ_OK;
}

int tool_parse_job_id(const char *text, int64_t *id, msiq_diag *diag) {
  int64_t parsed = 0;
  if (tool_parse_integer("job id", text, &parsed, diag) != MSIQ_OK ||
      parsed <= 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid job id '%s'", text);
  }
  *id = parsed;
  return MSIQ_OK;
}

/* Resolves --db, else $MSIQ_DB, else the platform default. */
static int tool_database_path(const tool_context *context, char *buffer,
                              size_t size, msiq_diag *diag) {
  const char *path = context->database_path;
  if (path == NULL || path[0] == '\0') {
    if (msiq_host_getenv("MSIQ_DB", buffer, size)) {
      return MSIQ_OK;
    }
    return msiq_host_default_database_path(buffer, size, diag);
  }
  if (snprintf(buffer, size, "%s", path) >= (int)size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  return MSIQ_OK;
}

int tool_open_store(const tool_context *context, int flags,
                    msiq_store **store) {
  msiq_diag diag = {{0}};
  char path[4096];
  int status = tool_database_path(context, path, sizeof path, &diag);
  if (status == MSIQ_OK) {
    status = msiq_store_open(path, flags, store, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  return TOOL_EXIT_OK;
}

static int tool_open_store_rehearsed(const tool_context *context,
                                     tool_store_check check, void *state,
                                     msiq_store **store, bool *done) {
  msiq_diag diag = {{0}};
  char path[4096];
  int status = tool_database_path(context, path, sizeof path, &diag);
  if (status == MSIQ_OK && !msiq_host_file_exists(path)) {
    /* A rehearsal on a private, empty in-memory queue with the same schema
     * and rules: if it fails, the real database is never created. */
    msiq_store *rehearsal = NULL;
    status = msiq_store_open(":memory:", MSIQ_STORE_CREATE, &rehearsal, &diag);
    if (status == MSIQ_OK) {
      status = check(rehearsal, state, &diag);
    }
    if (status == MSIQ_OK && done != NULL) {
      status = msiq_store_publish_new(rehearsal, path, store, &diag);
      *done = *store != NULL;
    }
    msiq_store_close(rehearsal);
  }
  if (status == MSIQ_OK && *store == NULL) {
    status = msiq_store_open(path, MSIQ_STORE_CREATE, store, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  return TOOL_EXIT_OK;
}

int tool_open_store_checked(const tool_context *context, tool_store_check check,
                            void *state, msiq_store **store) {
  *store = NULL;
  return tool_open_store_rehearsed(context, check, state, store, NULL);
}

int tool_open_store_checked_once(const tool_context *context,
                                 tool_store_check check, void *state,
                                 msiq_store **store, bool *done) {
  *store = NULL;
  *done = false;
  return tool_open_store_rehearsed(context, check, state, store, done);
}

int tool_parse_command_line(tool_context *context, int argc, char **argv,
                            const tool_option *options,
                            tool_option_handler handle, void *state,
                            const char **words, int min_words, int max_words,
                            const char *words_name) {
  msiq_diag diag = {{0}};
  static const tool_option no_options[] = {{NULL, 0, TOOL_ARGUMENT_NONE, 0}};
  tool_parser parser;
  tool_parser_init(&parser, context, argc, argv,
                   options != NULL ? options : no_options);
  int word_count = 0;
  int status = MSIQ_OK;
  int result;
  while (status == MSIQ_OK && (result = tool_parser_next(&parser, &diag)) > 0) {
    if (result == TOOL_PARSE_OPTION) {
      status = handle(state, parser.id, parser.value, &diag);
    } else if (word_count < max_words) {
      words[word_count++] = parser.value;
    } else {
      status = msiq_diag_set(&diag, MSIQ_EUSAGE, "unexpected argument '%s'",
                             parser.value);
    }
  }
  if (status == MSIQ_OK && result < 0) {
    status = result;
  }
  if (context->help) {
    return tool_print_command_help(context->command);
  }
  if (status == MSIQ_OK && word_count < min_words) {
    status = msiq_diag_set(&diag, MSIQ_EUSAGE, "missing %s", words_name);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  return TOOL_CONTINUE;
}
