/* installer_command.c: the msiexec argument list for a job, and the one
 * Windows command line that carries it.
 *
 * msiexec does not split its command line the way the C runtime does. It
 * separates arguments at spaces and tabs outside double quotes, treats a
 * double quote as "start or end quoting" and, inside quotes, a doubled
 * double quote as one literal double quote; backslashes are ordinary
 * characters. The quoting here writes exactly what that parser reads back,
 * and refuses whatever it cannot write safely, so that nothing inside a
 * property value can ever turn into a switch or an argument of its own.
 *
 * Portable C11 only: the Windows host uses the result with libuv's verbatim
 * arguments, and the tests and fuzzers run it on any platform.
 */
#include "core/installer_command.h"
#include "core/log_mode.h"
#include "core/outcome.h"
#include "core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layout msiq_installer_command_build() produces: the action switch and
 * target, /qn, /norestart, the log switch (/l and the job's log mode, /l*v
 * by default) and log path, then properties. */
#define FIXED_ARGUMENT_COUNT 6

/* Room for a quoted copy of an argument inside a diagnostic; longer text is
 * cut short so that the explanation after it still fits. */
#define QUOTED_TEXT_SIZE 160

/* Property names up to this length are checked in a stack buffer; longer
 * ones (legal, but unusual) need a heap copy. */
#define NAME_BUFFER_SIZE 256

static const char property_name_rule[] = "[A-Za-z_][A-Za-z0-9_.]*";

/* Joins left, the separator and right into a new string; NULL when out of
 * memory. */
static char *text_join(const char *left, char separator, const char *right) {
  size_t left_length = strlen(left);
  size_t right_length = strlen(right);
  if (left_length > SIZE_MAX - 2 - right_length) {
    return NULL;
  }
  char *joined = malloc(left_length + right_length + 2);
  if (joined != NULL) {
    memcpy(joined, left, left_length);
    joined[left_length] = separator;
    memcpy(joined + left_length + 1, right, right_length + 1);
  }
  return joined;
}

/* NAME=value, as msiexec's command line takes a property. */
static char *property_assignment_create(const char *name, const char *value) {
  return text_join(name, '=', value);
}

void msiq_installer_command_init(msiq_installer_command *command) {
  command->arguments = NULL;
  command->argument_count = 0;
}

void msiq_installer_command_cleanup(msiq_installer_command *command) {
  for (size_t i = 0; i < command->argument_count; i++) {
    free(command->arguments[i]);
  }
  free(command->arguments);
  msiq_installer_command_init(command);
}

/* The switch (and, for repair, its mode) that selects the action. */
static const char *action_switch(msiq_action action) {
  switch (action) {
    case MSIQ_ACTION_INSTALL:
      return "/i";
    case MSIQ_ACTION_UNINSTALL:
      return "/x";
    case MSIQ_ACTION_PATCH:
      return "/update";
    case MSIQ_ACTION_REPAIR:
      /* msiexec reads the repair mode as letters glued to /f; the caller
       * glues the job's mode on. */
      return "/f";
    case MSIQ_ACTION_ADMIN:
      return "/a";
    case MSIQ_ACTION_ADVERTISE:
      /* Per-machine: msiq runs as the service, so a per-user
       * advertisement would land in its own profile. */
      return "/jm";
    case MSIQ_ACTION_UNPATCH:
      /* msiexec documents two forms, "/package {ProductCode}
       * MSIPATCHREMOVE={PatchCode}" and "/uninstall {PatchCode} /package
       * {ProductCode}"; its parser turns the second into the first. The
       * first is used because the patch code then is an ordinary
       * property after the log switch, like every other, so the layout
       * of this list (switch, target, fixed switches, properties) and its
       * quoting stay the same for every action, and the job's
       * MSIPATCHREMOVE property is exactly what the worker passes to
       * MsiConfigureProductExW. */
      return "/package";
    case MSIQ_ACTION_COUNT:
      break;
  }
  return NULL;
}

/* A patch job's PATCH property names the patches it applies together with
 * its target (core/job.h); both the msiexec command and the worker's call
 * take them as one list after the target, and not as a property. */
static bool property_is_more_patches(msiq_action action, const char *name) {
  return action == MSIQ_ACTION_PATCH && strcmp(name, MSIQ_PATCH_PROPERTY) == 0;
}

/* The patches a patch job applies: its target, then its PATCH property's
 * list, separated by ';' as msiexec's /update and MsiApplyMultiplePatchesW
 * take them; the target alone without one. NULL when out of memory. */
static char *patch_list_join(const char *target,
                             const msiq_property *properties,
                             size_t property_count) {
  const char *more =
      msiq_property_value_of(properties, property_count, MSIQ_PATCH_PROPERTY);
  if (more == NULL || more[0] == '\0') {
    return msiq_text_duplicate(target);
  }
  return text_join(target, ';', more);
}

int msiq_installer_command_build(const msiq_job *job, const char *log_path,
                                 msiq_installer_command *command,
                                 msiq_diag *diag) {
  if (job == NULL || command == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no job to build a command for");
  }
  const char *switch_text = action_switch(job->action);
  if (switch_text == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown action %d",
                         (int)job->action);
  }
  if (job->target == NULL || job->target[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s target is empty",
                         msiq_action_name(job->action));
  }
  /* Every job is logged (verbosely unless its log mode says otherwise):
   * the log is the only way to learn why a silent install failed, so a
   * missing path is a caller's bug. */
  if (log_path == NULL || log_path[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no installer log path given");
  }
  if (job->property_count > 0 && job->properties == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "job properties are missing");
  }
  for (size_t i = 0; i < job->property_count; i++) {
    if (job->properties[i].name == NULL || job->properties[i].value == NULL) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "job property %lu has no name or no value",
                           (unsigned long)i + 1);
    }
  }

  /* A stored mode is canonical (log_mode.h) and so at most
   * MSIQ_LOG_MODE_SIZE - 1 letters; one that is not is refused here rather
   * than passed on, since it would reach msiexec's command line. */
  const char *log_mode =
      job->log_mode != NULL ? job->log_mode : MSIQ_LOG_MODE_DEFAULT;
  char log_switch[MSIQ_LOG_MODE_SIZE + 2];
  char canonical[MSIQ_LOG_MODE_SIZE];
  if (msiq_log_mode_canonical(log_mode, canonical, diag) != MSIQ_OK ||
      strcmp(canonical, log_mode) != 0) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(log_mode, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "log mode '%s' is not a canonical set of msiexec's "
                         "/l letters",
                         quoted);
  }
  snprintf(log_switch, sizeof log_switch, "/l%s", log_mode);

  /* An advertisement takes no properties: msiexec /j reads its transforms
   * after /t and its language after /g, which the job carries as the
   * TRANSFORMS and ProductLanguage properties (core/job.h). */
  bool advertise = job->action == MSIQ_ACTION_ADVERTISE;
  const char *advertise_switches[4] = {NULL, NULL, NULL, NULL};
  size_t advertise_count = 0;
  if (advertise) {
    for (size_t i = 0; i < job->property_count; i++) {
      const char *name = job->properties[i].name;
      if (strcmp(name, MSIQ_TRANSFORMS_PROPERTY) != 0 &&
          strcmp(name, MSIQ_LANGUAGE_PROPERTY) != 0) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "advertise takes no property '%s' (only "
                             "transforms and a language)",
                             name);
      }
    }
    const char *transforms = msiq_property_value_of(
        job->properties, job->property_count, MSIQ_TRANSFORMS_PROPERTY);
    const char *language = msiq_property_value_of(
        job->properties, job->property_count, MSIQ_LANGUAGE_PROPERTY);
    if (transforms != NULL) {
      advertise_switches[advertise_count++] = "/t";
      advertise_switches[advertise_count++] = transforms;
    }
    if (language != NULL) {
      advertise_switches[advertise_count++] = "/g";
      advertise_switches[advertise_count++] = language;
    }
  }
  size_t property_count = advertise ? 0 : job->property_count;
  if (property_count >
      SIZE_MAX / sizeof(char *) - FIXED_ARGUMENT_COUNT - advertise_count) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  size_t count = FIXED_ARGUMENT_COUNT + advertise_count + property_count;
  /* The list is built aside and only handed over when complete, so a
   * failure leaves the caller's command as it was. */
  msiq_installer_command built;
  msiq_installer_command_init(&built);
  built.arguments = calloc(count, sizeof *built.arguments);
  if (built.arguments == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  char repair_switch[16];
  if (job->action == MSIQ_ACTION_REPAIR) {
    const char *mode =
        msiq_repair_mode_of(job->properties, job->property_count);
    /* A valid mode has at most the ten letters, each once or more; one
     * longer than the buffer is cut to the default instead. */
    if (snprintf(repair_switch, sizeof repair_switch, "%s%s", switch_text,
                 mode) >= (int)sizeof repair_switch) {
      snprintf(repair_switch, sizeof repair_switch, "%s%s", switch_text,
               MSIQ_DEFAULT_REPAIR_MODE);
    }
    switch_text = repair_switch;
  }
  char *patches = NULL;
  if (job->action == MSIQ_ACTION_PATCH) {
    patches =
        patch_list_join(job->target, job->properties, job->property_count);
    if (patches == NULL) {
      msiq_installer_command_cleanup(&built);
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  /* The switches of an advertisement go between its package and /qn, so
   * that everything after the log path is still a property. */
  const char *fixed[FIXED_ARGUMENT_COUNT + 4] = {
      switch_text, patches != NULL ? patches : job->target};
  size_t fixed_count = 2;
  for (size_t i = 0; i < advertise_count; i++) {
    fixed[fixed_count++] = advertise_switches[i];
  }
  fixed[fixed_count++] = "/qn";
  fixed[fixed_count++] = "/norestart";
  fixed[fixed_count++] = log_switch;
  fixed[fixed_count++] = log_path;
  for (size_t i = 0; i < fixed_count; i++) {
    built.arguments[built.argument_count] = msiq_text_duplicate(fixed[i]);
    if (built.arguments[built.argument_count] == NULL) {
      free(patches);
      msiq_installer_command_cleanup(&built);
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    built.argument_count++;
  }
  free(patches);
  for (size_t i = 0; i < property_count; i++) {
    if (property_is_more_patches(job->action, job->properties[i].name)) {
      continue;
    }
    built.arguments[built.argument_count] = property_assignment_create(
        job->properties[i].name, job->properties[i].value);
    if (built.arguments[built.argument_count] == NULL) {
      msiq_installer_command_cleanup(&built);
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    built.argument_count++;
  }

  msiq_installer_command_cleanup(command);
  *command = built;
  return MSIQ_OK;
}

typedef enum argument_kind {
  /* The program, a switch, a target or a log path: passed whole. */
  ARGUMENT_PLAIN,
  /* NAME=VALUE: the value is always quoted. */
  ARGUMENT_PROPERTY
} argument_kind;

/* Checks whether the first length bytes of text form a valid property name,
 * through the one rule in job.h so that enqueue and the command line can
 * never disagree. Returns MSIQ_ENOMEM only if a long name cannot be copied. */
static int property_name_check(const char *text, size_t length, bool *valid) {
  char small[NAME_BUFFER_SIZE];
  char *name = small;
  if (length >= sizeof small) {
    name = malloc(length + 1);
    if (name == NULL) {
      return MSIQ_ENOMEM;
    }
  }
  memcpy(name, text, length);
  name[length] = '\0';
  *valid = msiq_property_name_is_valid(name);
  if (name != small) {
    free(name);
  }
  return MSIQ_OK;
}

/* True for a log switch: /l (in any case) followed by one or more of
 * msiexec's log letters (log_mode.h), as in "/l*v" or "/L*VX+". */
static bool argument_is_log_switch(const char *argument) {
  unsigned flags = 0;
  return argument[0] == '/' && (argument[1] == 'l' || argument[1] == 'L') &&
         argument[2] != '\0' &&
         msiq_log_mode_parse(argument + 2, &flags, NULL) == MSIQ_OK;
}

/* Where the properties start. The command line receives only the argument
 * list, so the positions are recovered from the builder's layout: after
 * the log switch ("/l*v", or the job's own mode) comes the log path, and
 * everything after that is NAME=VALUE. A list without a log switch
 * (assembled by hand, say by a test or a fuzzer) has no such landmark;
 * there, *by_layout is false and each argument is judged on its own by
 * argument_kind_of(). */
static size_t property_start_find(const msiq_installer_command *command,
                                  bool *by_layout, size_t *log_switch) {
  /* The builder's own place for it first, right after /norestart, so that
   * a target that happens to read as a log switch ("/law" on POSIX) is
   * never taken for it. */
  for (size_t i = 1; i < command->argument_count; i++) {
    if (strcmp(command->arguments[i - 1], "/norestart") == 0 &&
        argument_is_log_switch(command->arguments[i])) {
      *by_layout = true;
      *log_switch = i;
      return i + 2 < command->argument_count ? i + 2 : command->argument_count;
    }
  }
  for (size_t i = 0; i < command->argument_count; i++) {
    /* msiexec switches are case-insensitive, so "/L*V" is the same. */
    const char *argument = command->arguments[i];
    if (argument_is_log_switch(argument)) {
      *by_layout = true;
      *log_switch = i;
      return i + 2 < command->argument_count ? i + 2 : command->argument_count;
    }
  }
  *by_layout = false;
  return command->argument_count;
}

/* Decides how to write the argument at index. Without the log switch,
 * an argument is a property when it does not start with '/', contains '='
 * and the part before the first '=' is a valid property name; anything else
 * is passed whole. Misjudging either way stays safe: a plain argument with
 * a double quote is refused, and one with spaces is quoted whole. */
static int argument_kind_of(const char *argument, size_t index,
                            size_t property_start, bool by_layout,
                            argument_kind *kind) {
  if (by_layout) {
    *kind = index >= property_start ? ARGUMENT_PROPERTY : ARGUMENT_PLAIN;
    return MSIQ_OK;
  }
  *kind = ARGUMENT_PLAIN;
  const char *equals = strchr(argument, '=');
  if (argument[0] == '/' || equals == NULL) {
    return MSIQ_OK;
  }
  bool valid = false;
  int status =
      property_name_check(argument, (size_t)(equals - argument), &valid);
  if (status == MSIQ_OK && valid) {
    *kind = ARGUMENT_PROPERTY;
  }
  return status;
}

/* A plain argument may hold neither a double quote (msiexec has no way to
 * escape one outside a property value) nor a control character (no path or
 * switch contains one, and a newline could end the line in a log). */
static int plain_argument_check(const char *argument, msiq_diag *diag) {
  const char *problem = NULL;
  if (strchr(argument, '"') != NULL) {
    problem = "a double quote";
  } else if (msiq_text_has_control_character(argument)) {
    problem = "a control character";
  }
  if (problem == NULL) {
    return MSIQ_OK;
  }
  char quoted[QUOTED_TEXT_SIZE];
  msiq_quote_for_message(argument, quoted, sizeof quoted);
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "cannot pass '%s' to msiexec safely: it contains %s",
                       quoted, problem);
}

/* A property needs a valid name (so that it cannot pose as a switch or
 * smuggle in a quote) and a value without control characters. Diagnostics
 * name the property but never show its value, which may be a password. */
static int property_argument_check(const char *argument, msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  const char *equals = strchr(argument, '=');
  if (equals == NULL) {
    msiq_quote_for_message(argument, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "cannot pass '%s' to msiexec safely: expected "
                         "NAME=VALUE after the log path",
                         quoted);
  }
  size_t name_length = (size_t)(equals - argument);
  bool valid = false;
  if (property_name_check(argument, name_length, &valid) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  if (valid && !msiq_text_has_control_character(equals + 1)) {
    return MSIQ_OK;
  }
  /* Quoted only for the message: this runs for every property of every
   * job admitted. */
  msiq_quote_prefix_for_message(argument, name_length, quoted, sizeof quoted);
  if (!valid) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "cannot pass property '%s' to msiexec safely: its "
                         "name must match %s",
                         quoted, property_name_rule);
  }
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "cannot pass property '%s' to msiexec safely: its "
                       "value contains a control character",
                       quoted);
}

/* An empty argument would vanish without quotes, and a space or tab would
 * split it. (Tabs are refused as control characters before this matters;
 * the test is here so that the rule is complete on its own.) */
static bool plain_argument_needs_quotes(const char *argument) {
  return argument[0] == '\0' || strchr(argument, ' ') != NULL ||
         strchr(argument, '\t') != NULL;
}

/* The number of bytes the written argument takes, or 0 if that does not fit
 * in a size_t. Every written argument takes at least one byte ("" for an
 * empty one), so 0 is free to signal overflow. */
static size_t argument_written_length(const char *argument,
                                      argument_kind kind) {
  size_t length = strlen(argument);
  if (kind == ARGUMENT_PLAIN) {
    if (!plain_argument_needs_quotes(argument)) {
      return length;
    }
    return length <= SIZE_MAX - 2 ? length + 2 : 0;
  }
  /* NAME="VALUE" with each quote in the value doubled. */
  size_t quotes = 0;
  for (const char *cursor = strchr(argument, '=') + 1; *cursor != '\0';
       cursor++) {
    if (*cursor == '"') {
      quotes++;
    }
  }
  if (length > SIZE_MAX - 2 - quotes) {
    return 0;
  }
  return length + quotes + 2;
}

/* Writes the argument at out and returns the position after it. */
static char *argument_write(char *out, const char *argument,
                            argument_kind kind) {
  if (kind == ARGUMENT_PLAIN) {
    bool quote = plain_argument_needs_quotes(argument);
    size_t length = strlen(argument);
    if (quote) {
      *out++ = '"';
    }
    memcpy(out, argument, length);
    out += length;
    if (quote) {
      *out++ = '"';
    }
    return out;
  }
  const char *equals = strchr(argument, '=');
  size_t name_length = (size_t)(equals - argument) + 1;
  memcpy(out, argument, name_length);
  out += name_length;
  *out++ = '"';
  for (const char *cursor = equals + 1; *cursor != '\0'; cursor++) {
    if (*cursor == '"') {
      *out++ = '"';
    }
    *out++ = *cursor;
  }
  *out++ = '"';
  return out;
}

int msiq_installer_command_line(const char *program,
                                const msiq_installer_command *command,
                                char **command_line, msiq_diag *diag) {
  if (command_line == NULL || program == NULL || command == NULL ||
      (command->argument_count > 0 && command->arguments == NULL)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no command to quote");
  }
  *command_line = NULL;
  for (size_t i = 0; i < command->argument_count; i++) {
    if (command->arguments[i] == NULL) {
      return msiq_diag_set(diag, MSIQ_EINVAL, "msiexec argument %lu is missing",
                           (unsigned long)i + 1);
    }
  }

  /* First pass: classify, check and measure, so that nothing is written
   * for a command that will be refused and the line is allocated once. The
   * kinds are kept so that the second pass cannot judge differently. */
  int status = plain_argument_check(program, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  size_t total = argument_written_length(program, ARGUMENT_PLAIN);
  if (total == 0) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  argument_kind *kinds = NULL;
  if (command->argument_count > 0) {
    kinds = calloc(command->argument_count, sizeof *kinds);
    if (kinds == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  }
  bool by_layout = false;
  size_t log_switch = 0;
  size_t property_start = property_start_find(command, &by_layout, &log_switch);
  for (size_t i = 0; i < command->argument_count; i++) {
    const char *argument = command->arguments[i];
    if (argument_kind_of(argument, i, property_start, by_layout, &kinds[i]) !=
        MSIQ_OK) {
      free(kinds);
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    if (by_layout && i < log_switch && argument_is_log_switch(argument)) {
      /* msiexec reads the line again by its own rules: a target such as
       * "/L*V" before the real log switch would be taken for one, and the
       * words after it for its log file. */
      free(kinds);
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(argument, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "cannot pass '%s' to msiexec safely: msiexec "
                           "would read it as its log switch",
                           quoted);
    }
    status = kinds[i] == ARGUMENT_PLAIN
                 ? plain_argument_check(argument, diag)
                 : property_argument_check(argument, diag);
    if (status != MSIQ_OK) {
      free(kinds);
      return status;
    }
    size_t length = argument_written_length(argument, kinds[i]);
    /* One more byte for the separating space, and one for the end. */
    if (length == 0 || length >= SIZE_MAX - 2 - total) {
      free(kinds);
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    total += 1 + length;
  }

  char *line = malloc(total + 1);
  if (line == NULL) {
    free(kinds);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  /* Second pass: write exactly what was measured. */
  char *out = argument_write(line, program, ARGUMENT_PLAIN);
  for (size_t i = 0; i < command->argument_count; i++) {
    *out++ = ' ';
    out = argument_write(out, command->arguments[i], kinds[i]);
  }
  free(kinds);
  *out = '\0';
  *command_line = line;
  return MSIQ_OK;
}

/* The msi.dll way: the property list and the one call the worker makes. */

/* A growing string; `failed` records that memory ran out so that callers
 * can append freely and check once at the end. */
typedef struct text_builder {
  char *text;
  size_t length;
  size_t capacity;
  bool failed;
} text_builder;

static void text_builder_init(text_builder *builder) {
  builder->text = NULL;
  builder->length = 0;
  builder->capacity = 0;
  builder->failed = false;
}

static void text_builder_append_bytes(text_builder *builder, const char *bytes,
                                      size_t count) {
  if (builder->failed) {
    return;
  }
  if (count >= SIZE_MAX - 1 - builder->length) {
    builder->failed = true;
    return;
  }
  size_t needed = builder->length + count + 1;
  if (needed > builder->capacity) {
    size_t capacity = builder->capacity > 0 ? builder->capacity : 64;
    while (capacity < needed) {
      capacity = capacity <= SIZE_MAX / 2 ? capacity * 2 : needed;
    }
    char *grown = realloc(builder->text, capacity);
    if (grown == NULL) {
      builder->failed = true;
      return;
    }
    builder->text = grown;
    builder->capacity = capacity;
  }
  memcpy(builder->text + builder->length, bytes, count);
  builder->length += count;
  builder->text[builder->length] = '\0';
}

static void text_builder_append(text_builder *builder, const char *text) {
  text_builder_append_bytes(builder, text, strlen(text));
}

/* Hands the text over (an empty string when nothing was appended), or
 * returns NULL and frees it when memory ran out on the way. */
static char *text_builder_finish(text_builder *builder) {
  if (!builder->failed && builder->text == NULL) {
    text_builder_append_bytes(builder, "", 0);
  }
  if (builder->failed) {
    free(builder->text);
    builder->text = NULL;
  }
  return builder->text;
}

/* Windows Installer splits its property list at spaces and tabs outside
 * double quotes, so such a value (and an empty one, which would otherwise
 * read as nothing) is quoted; a double quote inside is written twice. */
static bool property_value_needs_quotes(const char *value) {
  return value[0] == '\0' || strpbrk(value, " \t\"") != NULL;
}

static void property_list_append(text_builder *builder, const char *name,
                                 const char *value) {
  if (builder->length > 0) {
    text_builder_append(builder, " ");
  }
  text_builder_append(builder, name);
  text_builder_append(builder, "=");
  if (!property_value_needs_quotes(value)) {
    text_builder_append(builder, value);
    return;
  }
  text_builder_append(builder, "\"");
  for (const char *cursor = value; *cursor != '\0'; cursor++) {
    text_builder_append_bytes(builder, cursor, 1);
    if (*cursor == '"') {
      text_builder_append_bytes(builder, cursor, 1);
    }
  }
  text_builder_append(builder, "\"");
}

/* The rules every property in a list must follow; see
 * msiq_installer_property_list(). */
static int property_list_check(const msiq_property *properties,
                               size_t property_count, msiq_diag *diag) {
  if (property_count > 0 && properties == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "job properties are missing");
  }
  for (size_t i = 0; i < property_count; i++) {
    const msiq_property *property = &properties[i];
    if (property->name == NULL || property->value == NULL) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "job property %lu has no name or no value",
                           (unsigned long)i + 1);
    }
    /* The name is quoted for a message only when there is one: every
     * import item passes here, and quoting cost more than the checks. */
    char quoted[QUOTED_TEXT_SIZE];
    if (!msiq_property_name_is_valid(property->name)) {
      msiq_quote_for_message(property->name, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "cannot pass property '%s' to Windows Installer: "
                           "its name must match %s",
                           quoted, property_name_rule);
    }
    if (msiq_text_has_control_character(property->value)) {
      msiq_quote_for_message(property->name, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "cannot pass property '%s' to Windows Installer: "
                           "its value contains a control character",
                           quoted);
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(properties[j].name, property->name) == 0) {
        msiq_quote_for_message(property->name, quoted, sizeof quoted);
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "property '%s' is given twice; Windows Installer "
                             "would keep only one",
                             quoted);
      }
    }
  }
  return MSIQ_OK;
}

int msiq_installer_property_list(const msiq_property *properties,
                                 size_t property_count, char **list,
                                 msiq_diag *diag) {
  if (list == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no place for the property list");
  }
  int status = property_list_check(properties, property_count, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  text_builder builder;
  text_builder_init(&builder);
  for (size_t i = 0; i < property_count; i++) {
    property_list_append(&builder, properties[i].name, properties[i].value);
  }
  char *text = text_builder_finish(&builder);
  if (text == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  *list = text;
  return MSIQ_OK;
}

bool msiq_repair_mode_is_valid(const char *mode) {
  if (mode == NULL || mode[0] == '\0') {
    return false;
  }
  for (const char *cursor = mode; *cursor != '\0'; cursor++) {
    if (strchr("poedcamusv", *cursor) == NULL) {
      return false;
    }
  }
  return true;
}

const char *msiq_repair_mode_of(const msiq_property *properties,
                                size_t property_count) {
  for (size_t i = 0; properties != NULL && i < property_count; i++) {
    if (properties[i].name != NULL && properties[i].value != NULL &&
        strcmp(properties[i].name, MSIQ_REINSTALLMODE_PROPERTY) == 0 &&
        msiq_repair_mode_is_valid(properties[i].value)) {
      return properties[i].value;
    }
  }
  return MSIQ_DEFAULT_REPAIR_MODE;
}

static const char *const installer_function_names[] = {
#define MSIQ_INSTALLER_FUNCTION_TEXT(name, text) text,
    MSIQ_INSTALLER_FUNCTION_MAP(MSIQ_INSTALLER_FUNCTION_TEXT)
#undef MSIQ_INSTALLER_FUNCTION_TEXT
};

const char *msiq_installer_function_name(msiq_installer_function function) {
  return (unsigned)function < MSIQ_INSTALLER_FUNCTION_COUNT
             ? installer_function_names[function]
             : "?";
}

void msiq_installer_call_init(msiq_installer_call *call) {
  call->function = MSIQ_INSTALLER_INSTALL_PRODUCT;
  call->remove = false;
  call->target = NULL;
  call->properties = NULL;
  call->description = NULL;
  call->transforms = NULL;
  call->language = 0;
}

void msiq_installer_call_cleanup(msiq_installer_call *call) {
  free(call->target);
  free(call->properties);
  free(call->description);
  free(call->transforms);
  msiq_installer_call_init(call);
}

static bool property_is_set(const msiq_property *properties,
                            size_t property_count, const char *name) {
  return msiq_property_value_of(properties, property_count, name) != NULL;
}

/* Checks the target and decides the function; sets *by_code for an
 * uninstall or repair that names a product code. */
static int installer_call_target_check(msiq_action action, const char *target,
                                       bool *by_code, msiq_diag *diag) {
  *by_code = false;
  if (target == NULL || target[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s target is empty",
                         msiq_action_name(action));
  }
  char quoted[QUOTED_TEXT_SIZE];
  msiq_quote_for_message(target, quoted, sizeof quoted);
  if (msiq_text_has_control_character(target)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "%s target '%s' contains a control character",
                         msiq_action_name(action), quoted);
  }
  switch (action) {
    case MSIQ_ACTION_PATCH:
      if (strchr(target, ';') != NULL) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "patch target '%s' contains ';', which separates "
                             "patches for Windows Installer",
                             quoted);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_ADMIN:
    case MSIQ_ACTION_ADVERTISE:
      /* Both read a package: an installed product has no image to copy
       * and is already more than advertised. */
      if (target[0] == '{') {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "%s target '%s' must be a package, not a "
                             "product code",
                             msiq_action_name(action), quoted);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_UNPATCH:
      /* A patch is removed from an installed product: only a product code
       * names one. */
      if (!msiq_product_code_is_valid(target)) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "unpatch target '%s' must be a product code",
                             quoted);
      }
      *by_code = true;
      return MSIQ_OK;
    case MSIQ_ACTION_INSTALL:
    case MSIQ_ACTION_UNINSTALL:
    case MSIQ_ACTION_REPAIR:
      /* The same test as the job model's: a target starting with '{' is a
       * product code and must be a well-formed one. */
      if (target[0] == '{') {
        if (!msiq_product_code_is_valid(target)) {
          return msiq_diag_set(diag, MSIQ_EINVAL, "invalid product code '%s'",
                               quoted);
        }
        *by_code = true;
      }
      return MSIQ_OK;
    case MSIQ_ACTION_COUNT:
      break;
  }
  return msiq_diag_set(diag, MSIQ_EINVAL, "unknown action %d", (int)action);
}

/* The call written out: strings in double quotes exactly as passed. */
static char *installer_call_describe(const msiq_installer_call *call) {
  text_builder builder;
  text_builder_init(&builder);
  text_builder_append(&builder, msiq_installer_function_name(call->function));
  text_builder_append(&builder, "(\"");
  text_builder_append(&builder, call->target);
  text_builder_append(&builder, "\", ");
  switch (call->function) {
    case MSIQ_INSTALLER_CONFIGURE_PRODUCT:
      text_builder_append(&builder, call->remove ? "INSTALLLEVEL_DEFAULT, "
                                                   "INSTALLSTATE_ABSENT, "
                                                 : "INSTALLLEVEL_DEFAULT, "
                                                   "INSTALLSTATE_DEFAULT, ");
      break;
    case MSIQ_INSTALLER_APPLY_PATCHES:
      text_builder_append(&builder, "NULL, ");
      break;
    case MSIQ_INSTALLER_ADVERTISE_PRODUCT: {
      /* MsiAdvertiseProductExW(package, ADVERTISEFLAGS_MACHINEASSIGN,
       * transforms or NULL, language, 0, 0): its own shape. */
      char language[16];
      snprintf(language, sizeof language, "%u", call->language);
      text_builder_append(&builder, "ADVERTISEFLAGS_MACHINEASSIGN, ");
      if (call->transforms != NULL) {
        text_builder_append(&builder, "\"");
        text_builder_append(&builder, call->transforms);
        text_builder_append(&builder, "\", ");
      } else {
        text_builder_append(&builder, "NULL, ");
      }
      text_builder_append(&builder, language);
      text_builder_append(&builder, ", 0, 0)");
      return text_builder_finish(&builder);
    }
    case MSIQ_INSTALLER_INSTALL_PRODUCT:
    case MSIQ_INSTALLER_FUNCTION_COUNT:
      break;
  }
  text_builder_append(&builder, "\"");
  text_builder_append(&builder, call->properties);
  text_builder_append(&builder, "\")");
  return text_builder_finish(&builder);
}

/* Finishes a planned call whose parts were all built (ready is false when
 * one could not be): describes it and hands it to the caller in place of
 * what call held, or frees it and reports the lack of memory. */
static int installer_call_finish(msiq_installer_call *planned, bool ready,
                                 msiq_installer_call *call, msiq_diag *diag) {
  if (ready) {
    planned->description = installer_call_describe(planned);
  }
  if (planned->description == NULL) {
    msiq_installer_call_cleanup(planned);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  msiq_installer_call_cleanup(call);
  *call = *planned;
  return MSIQ_OK;
}

/* The most properties the worker adds: REINSTALL, REINSTALLMODE, REBOOT. */
#define ADDED_PROPERTY_MAX 3

/* Plans MsiAdvertiseProductExW for an advertisement: its transforms and
 * language are the job's TRANSFORMS and ProductLanguage properties, and it
 * takes no others (the function has no property list). */
static int installer_call_plan_advertise(const char *target,
                                         const msiq_property *properties,
                                         size_t property_count,
                                         msiq_installer_call *call,
                                         msiq_diag *diag) {
  unsigned language = 0;
  const char *transforms = NULL;
  for (size_t i = 0; i < property_count; i++) {
    const char *name = properties[i].name;
    const char *value = properties[i].value;
    if (strcmp(name, MSIQ_TRANSFORMS_PROPERTY) == 0) {
      transforms = value;
    } else if (strcmp(name, MSIQ_LANGUAGE_PROPERTY) == 0) {
      if (!msiq_language_id_parse(value, &language)) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "language '%s' must be a language id from 0 "
                             "to 65535",
                             value);
      }
    } else {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "advertise takes no property '%s' (only "
                           "transforms and a language)",
                           name);
    }
  }
  msiq_installer_call planned;
  msiq_installer_call_init(&planned);
  planned.function = MSIQ_INSTALLER_ADVERTISE_PRODUCT;
  planned.language = language;
  planned.target = msiq_text_duplicate(target);
  planned.properties = msiq_text_duplicate("");
  bool ok = planned.target != NULL && planned.properties != NULL;
  if (ok && transforms != NULL) {
    planned.transforms = msiq_text_duplicate(transforms);
    ok = planned.transforms != NULL;
  }
  return installer_call_finish(&planned, ok, call, diag);
}

int msiq_installer_call_plan(msiq_action action, const char *target,
                             const char *repair_mode,
                             const msiq_property *properties,
                             size_t property_count, msiq_installer_call *call,
                             msiq_diag *diag) {
  if (call == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no call to plan");
  }
  bool by_code = false;
  int status = installer_call_target_check(action, target, &by_code, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* The job's own properties are checked alone first, so that a duplicate
   * or a bad name is reported as the job's and not as a clash with what
   * the worker adds. */
  status = property_list_check(properties, property_count, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (repair_mode == NULL) {
    repair_mode = MSIQ_DEFAULT_REPAIR_MODE;
  }
  if (action == MSIQ_ACTION_REPAIR && !msiq_repair_mode_is_valid(repair_mode)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(repair_mode, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "repair mode '%s' must be letters from poedcamusv",
                         quoted);
  }

  msiq_installer_call planned;
  msiq_installer_call_init(&planned);
  switch (action) {
    case MSIQ_ACTION_PATCH:
      planned.function = MSIQ_INSTALLER_APPLY_PATCHES;
      break;
    case MSIQ_ACTION_UNINSTALL:
    case MSIQ_ACTION_REPAIR:
      planned.function = by_code ? MSIQ_INSTALLER_CONFIGURE_PRODUCT
                                 : MSIQ_INSTALLER_INSTALL_PRODUCT;
      planned.remove = action == MSIQ_ACTION_UNINSTALL;
      break;
    case MSIQ_ACTION_INSTALL:
      /* An install of a product code reconfigures the installed product
       * with the job's properties, as msiexec /i {CODE} PROP=... does. */
      planned.function = by_code ? MSIQ_INSTALLER_CONFIGURE_PRODUCT
                                 : MSIQ_INSTALLER_INSTALL_PRODUCT;
      break;
    case MSIQ_ACTION_ADMIN:
      planned.function = MSIQ_INSTALLER_INSTALL_PRODUCT;
      break;
    case MSIQ_ACTION_UNPATCH:
      /* Microsoft's "Removing Patches": MsiConfigureProductExW with
       * MSIPATCHREMOVE in its command line removes the patch, as msiexec
       * /package {CODE} MSIPATCHREMOVE=... does; the property is the
       * job's own. MsiRemovePatchesW would do the same with the codes
       * split out of the property list, and is not needed. */
      if (!property_is_set(properties, property_count,
                           MSIQ_PATCHREMOVE_PROPERTY)) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "unpatch of %s names no patch to remove "
                             "(MSIPATCHREMOVE)",
                             target);
      }
      planned.function = MSIQ_INSTALLER_CONFIGURE_PRODUCT;
      break;
    case MSIQ_ACTION_ADVERTISE:
      return installer_call_plan_advertise(target, properties, property_count,
                                           call, diag);
    case MSIQ_ACTION_COUNT:
      planned.function = MSIQ_INSTALLER_INSTALL_PRODUCT;
      break;
  }

  /* The worker's own properties before the job's, REBOOT after them. An
   * uninstall by product code needs no REMOVE=ALL: INSTALLSTATE_ABSENT
   * already says it. */
  msiq_property leading[ADDED_PROPERTY_MAX];
  size_t leading_count = 0;
  /* An administrative installation is the ADMIN sequence of the package,
   * as msiexec /a runs it; TARGETDIR and PATCH are the job's. */
  if (action == MSIQ_ACTION_ADMIN &&
      !property_is_set(properties, property_count, "ACTION")) {
    leading[leading_count++] = (msiq_property){"ACTION", "ADMIN"};
  }
  if (action == MSIQ_ACTION_UNINSTALL && !by_code &&
      !property_is_set(properties, property_count, "REMOVE")) {
    leading[leading_count++] = (msiq_property){"REMOVE", "ALL"};
  }
  if (action == MSIQ_ACTION_REPAIR) {
    if (!property_is_set(properties, property_count, "REINSTALL")) {
      leading[leading_count++] = (msiq_property){"REINSTALL", "ALL"};
    }
    if (!property_is_set(properties, property_count, "REINSTALLMODE")) {
      leading[leading_count++] =
          (msiq_property){"REINSTALLMODE", (char *)repair_mode};
    }
  }
  text_builder builder;
  text_builder_init(&builder);
  for (size_t i = 0; i < leading_count; i++) {
    property_list_append(&builder, leading[i].name, leading[i].value);
  }
  for (size_t i = 0; i < property_count; i++) {
    if (!property_is_more_patches(action, properties[i].name)) {
      property_list_append(&builder, properties[i].name, properties[i].value);
    }
  }
  if (!property_is_set(properties, property_count, MSIQ_REBOOT_PROPERTY)) {
    property_list_append(&builder, MSIQ_REBOOT_PROPERTY,
                         MSIQ_REBOOT_DEFAULT_VALUE);
  }
  planned.properties = text_builder_finish(&builder);
  planned.target = action == MSIQ_ACTION_PATCH
                       ? patch_list_join(target, properties, property_count)
                       : msiq_text_duplicate(target);
  return installer_call_finish(
      &planned, planned.properties != NULL && planned.target != NULL, call,
      diag);
}

/* How strong a success is: 0 none needed, 1 a restart needed (3010,
 * 3011), 2 a restart started (1641); -1 for a failure. */
static int related_success_rank(int64_t code) {
  switch (code) {
    case MSIQ_EXIT_SUCCESS:
      return 0;
    case MSIQ_EXIT_SUCCESS_REBOOT_REQUIRED:
    case MSIQ_EXIT_SUCCESS_RESTART_REQUIRED:
      return 1;
    case MSIQ_EXIT_SUCCESS_REBOOT_INITIATED:
      return 2;
    default:
      return -1;
  }
}

int64_t msiq_related_result_fold(int64_t sofar, int64_t next, bool *stop) {
  int rank = related_success_rank(next);
  *stop = rank < 0;
  if (rank < 0 || rank > related_success_rank(sofar)) {
    return next;
  }
  return sofar;
}
