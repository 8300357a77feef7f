/* tool_options.c: table-driven option parsing shared by every command.
 *
 * Accepts --name VALUE, --name=VALUE, -x VALUE and "--" to end options. The
 * global options are recognised wherever they stand, so `msiq list --json`
 * and `msiq --json list` mean the same. Each option type has one parser
 * here; the commands only declare where the values go.
 */
#include "cli/tool.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeparse.h"
#include "host/host.h"

/* The global options are typed like any other; their values go to the
 * tool_context instead of a command's options. */
static const tool_option tool_global_options[] = {
    {"db", 0, TOOL_OPTION_STRING, offsetof(tool_context, database_path), NULL},
    {"json", 0, TOOL_OPTION_FLAG, offsetof(tool_context, json), NULL},
    {"help", 'h', TOOL_OPTION_FLAG, offsetof(tool_context, help), NULL},
    TOOL_OPTION_TABLE_END,
};

void tool_parser_init(tool_parser *parser, tool_context *context, int argc,
                      char **argv, const tool_option *options) {
  memset(parser, 0, sizeof *parser);
  parser->context = context;
  parser->argc = argc;
  parser->argv = argv;
  parser->options = options;
  parser->now_ms = msiq_host_now_ms();
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

static int tool_strings_append(tool_strings *strings, const char *value,
                               msiq_diag *diag) {
  const char **grown =
      realloc(strings->items, (strings->count + 1) * sizeof *grown);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  grown[strings->count++] = value;
  strings->items = grown;
  return MSIQ_OK;
}

/* Stores one option's value at its offset in base (a command's options or
 * the tool_context), parsed as its type says. */
static int tool_option_store(const tool_option *option, void *base,
                             const char *value, int64_t now_ms,
                             msiq_diag *diag) {
  void *field = (char *)base + option->offset;
  char name[64];
  switch (option->type) {
    case TOOL_OPTION_FLAG:
      *(bool *)field = true;
      return MSIQ_OK;
    case TOOL_OPTION_INTEGER:
      snprintf(name, sizeof name, "--%s", option->name);
      return tool_parse_integer(name, value, field, diag);
    case TOOL_OPTION_DURATION:
      return msiq_duration_parse(value, field, diag);
    case TOOL_OPTION_TIME:
      return msiq_time_parse(value, now_ms, field, diag);
    case TOOL_OPTION_STRING:
      *(const char **)field = value;
      return MSIQ_OK;
    case TOOL_OPTION_STRINGS:
      return tool_strings_append(field, value, diag);
    case TOOL_OPTION_CUSTOM:
      return option->parse(base, value, diag);
  }
  return msiq_diag_set(diag, MSIQ_EUSAGE, "option '--%s' has no type",
                       option->name);
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
    if (option->type != TOOL_OPTION_FLAG) {
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
      int status = tool_option_store(option, parser->context, value,
                                     parser->now_ms, diag);
      if (status != MSIQ_OK) {
        return status;
      }
      continue;
    }
    parser->option = option;
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

/* Takes one positional word: stored as it comes, kept in pending for a
 * job id parsed once the line is, or given to the command's hook. */
static int tool_word_take(const tool_words *words, void *options,
                          const char **pending, int index, const char *word,
                          msiq_diag *diag) {
  switch (words->type) {
    case TOOL_WORD_STRING:
      ((const char **)((char *)options + words->offset))[index] = word;
      return MSIQ_OK;
    case TOOL_WORD_JOB_ID:
      pending[index] = word;
      return MSIQ_OK;
    case TOOL_WORD_CUSTOM:
      return words->parse(options, index, word, diag);
  }
  return msiq_diag_set(diag, MSIQ_EUSAGE, "unexpected argument '%s'", word);
}

int tool_parse_arguments(tool_context *context, const tool_command *command,
                         void *options, int argc, char **argv,
                         msiq_diag *diag) {
  if (command->parse != NULL) {
    return command->parse(context, options, argc, argv, diag);
  }
  const tool_words *words = &command->words;
  /* Job ids wait here until the whole line is read; there are never more
   * words than arguments. */
  const char **pending = NULL;
  if (words->type == TOOL_WORD_JOB_ID && words->max > 0 && argc > 0) {
    size_t room = (size_t)(argc < words->max ? argc : words->max);
    pending = calloc(room, sizeof *pending);
    if (pending == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  tool_parser parser;
  tool_parser_init(&parser, context, argc, argv, command->options);
  int count = 0;
  int status = MSIQ_OK;
  int result = TOOL_PARSE_END;
  while (status == MSIQ_OK && (result = tool_parser_next(&parser, diag)) > 0) {
    if (result == TOOL_PARSE_OPTION) {
      status = tool_option_store(parser.option, options, parser.value,
                                 parser.now_ms, diag);
    } else if (count < words->max) {
      status =
          tool_word_take(words, options, pending, count++, parser.value, diag);
    } else {
      status = msiq_diag_set(diag, MSIQ_EUSAGE, "unexpected argument '%s'",
                             parser.value);
    }
  }
  if (status == MSIQ_OK && result < 0) {
    status = result;
  }
  if (status == MSIQ_OK && count < words->min) {
    status = msiq_diag_set(diag, MSIQ_EUSAGE, "missing %s", words->name);
  }
  if (pending != NULL) {
    int64_t *ids = (int64_t *)(void *)((char *)options + words->offset);
    for (int i = 0; status == MSIQ_OK && i < count; i++) {
      status = tool_parse_job_id(pending[i], &ids[i], diag);
    }
    free(pending);
  }
  return status;
}

void tool_arguments_cleanup(const tool_command *command, void *options) {
  for (const tool_option *option = command->options;
       option != NULL && option->name != NULL; option++) {
    if (option->type == TOOL_OPTION_STRINGS) {
      tool_strings *strings =
          (tool_strings *)(void *)((char *)options + option->offset);
      free(strings->items);
      strings->items = NULL;
      strings->count = 0;
    }
  }
}
