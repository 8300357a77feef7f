/* fuzz_command_line.c: the msiexec argument list and its quoting into one
 * Windows command line (src/installer_command.h) on hostile jobs.
 *
 * Input: one flag byte, then fields separated by '\n'.
 *   flag bits 0-1  the action (install, uninstall, patch, repair)
 *   flag bit 2     the program path has a space in it
 *   flag bit 3     "raw" mode: the fields are the argument list itself, as a
 *                  host might assemble it by hand; otherwise the fields are
 *                  TARGET, LOG PATH, then NAME=VALUE properties (a field
 *                  without '=' is a property with that name and an empty
 *                  value), put into a msiq_job without any validation.
 *
 * The security property under test: whatever a property value holds (an
 * injected `" /x {GUID}`, `/l*v C:\x`, quotes, backslashes), a command line
 * that msiq_installer_command_line() accepts splits, the way msiexec reads
 * it, into exactly the program and the argument list: one token per
 * property, NAME=VALUE with the original value, so nothing becomes a switch
 * or an argument of its own. Also checked for built jobs:
 *   - the argument list is exactly switch, target, /qn, /norestart, /l*v,
 *     log, then one NAME=VALUE per property in order, except that a patch
 *     job's PATCH property (the patches applied with its target) is not
 *     passed on and its first value joins the target after a ';';
 *   - the command line is refused exactly when something in it cannot be
 *     written safely (a double quote or control character in the program,
 *     target or log path, an invalid property name, a control character in
 *     a value, or a target that is itself the log switch);
 *   - a refusal's diagnostic never shows a property value (it may be a
 *     password): it stays the same when the value's printable bytes are
 *     replaced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "core/installer_command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

static const char *const programs[] = {
    "C:\\Windows\\System32\\msiexec.exe",
    "C:\\Program Files\\Windows Installer\\msiexec.exe",
};

/* Splits text (size bytes) at '\n' into NUL-terminated copies. Each copy
 * ends at its first NUL byte, as any C string taken from it would. */
static size_t fields_split(const char *text, size_t size, char **fields,
                           size_t max_fields) {
  size_t count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= size && count < max_fields; i++) {
    if (i == size || text[i] == '\n') {
      fields[count++] = fuzz_text_copy(text + start, i - start);
      start = i + 1;
    }
  }
  return count;
}

/* True for what msiexec reads as its log switch: /l in either case and one
 * or more of its log letters (any case). Written out here, not taken from
 * the core, so that the oracle does not share the code it checks. */
static bool reads_as_log_switch(const char *text) {
  if (text[0] != '/' || (text[1] != 'l' && text[1] != 'L') || text[2] == '\0') {
    return false;
  }
  for (const char *cursor = text + 2; *cursor != '\0'; cursor++) {
    if (strchr("iwearucmopvxIWEARUCMOPVX+!*", *cursor) == NULL) {
      return false;
    }
  }
  return true;
}

static bool plain_is_safe(const char *text) {
  return strchr(text, '"') == NULL && !fuzz_has_control(text);
}

static bool name_is_valid(const char *name) {
  if (!((name[0] >= 'A' && name[0] <= 'Z') ||
        (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) {
    return false;
  }
  for (const char *cursor = name + 1; *cursor != '\0'; cursor++) {
    char c = *cursor;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

/* Whether the diagnostic for refusing command depends on the value of
 * property `index` (at argument 6 + index): the line is refused again with
 * every printable byte of that value replaced (control characters, which
 * decide the refusal, stay), and the two diagnostics must be the same. */
static bool diagnostic_shows_value(const char *program,
                                   msiq_installer_command *command,
                                   size_t index, const char *diagnostic) {
  char *original = command->arguments[6 + index];
  size_t length = strlen(original);
  char *changed = fuzz_text_copy(original, length);
  char *equals = strchr(changed, '=');
  for (char *cursor = equals + 1; *cursor != '\0'; cursor++) {
    unsigned char c = (unsigned char)*cursor;
    if (c >= 0x20 && c != 0x7f) {
      *cursor = c == 'Q' ? 'Z' : 'Q';
    }
  }
  command->arguments[6 + index] = changed;
  char *line = NULL;
  msiq_diag diag = {{0}};
  int status = msiq_installer_command_line(program, command, &line, &diag);
  command->arguments[6 + index] = original;
  free(changed);
  free(line);
  return status == MSIQ_OK || strcmp(diag.message, diagnostic) != 0;
}

/* The switch the builder should write. A repair takes its letters from the
 * job's REINSTALLMODE when that is a valid mode (msiexec's p o e d c a m u
 * s v, at most 13 of them, what fits the switch), else the default omus. */
static void action_switch(msiq_action action, const msiq_job *job, char *text,
                          size_t size) {
  static const char *const switches[] = {"/i", "/x", "/update", "/fomus"};
  snprintf(text, size, "%s", switches[action]);
  if (action != MSIQ_ACTION_REPAIR) {
    return;
  }
  for (size_t i = 0; i < job->property_count; i++) {
    const char *value = job->properties[i].value;
    if (strcmp(job->properties[i].name, "REINSTALLMODE") != 0 ||
        value[0] == '\0' || strspn(value, "poedcamusv") != strlen(value)) {
      continue;
    }
    if (strlen(value) <= 13) {
      snprintf(text, size, "/f%s", value);
    }
    return;
  }
}

/* A job from the fields: target, log path, properties. */
static void fuzz_built_job(msiq_action action, const char *program,
                           char **fields, size_t count) {
  msiq_job job;
  msiq_job_init(&job);
  job.action = action;
  job.target = fields[0];
  fields[0] = NULL;
  const char *log_path = count > 1 ? fields[1] : "";
  size_t first_property = 2;
  size_t property_count = count > first_property ? count - first_property : 0;
  if (property_count > 0) {
    job.properties = fuzz_alloc(property_count * sizeof *job.properties);
    for (size_t i = 0; i < property_count; i++) {
      char *field = fields[first_property + i];
      char *equals = strchr(field, '=');
      if (equals != NULL) {
        job.properties[i].name =
            fuzz_text_copy(field, (size_t)(equals - field));
        job.properties[i].value =
            fuzz_text_copy(equals + 1, strlen(equals + 1));
      } else {
        job.properties[i].name = fuzz_text_copy(field, strlen(field));
        job.properties[i].value = fuzz_text_copy("", 0);
      }
    }
    job.property_count = property_count;
  }

  msiq_installer_command command;
  msiq_installer_command_init(&command);
  msiq_diag diag = {{0}};
  int status = msiq_installer_command_build(&job, log_path, &command, &diag);
  bool build_expected = job.target[0] != '\0' && log_path[0] != '\0';
  FUZZ_CHECK((status == MSIQ_OK) == build_expected,
             "build returned %d for target [%s] log [%s]", status, job.target,
             log_path);
  if (status != MSIQ_OK) {
    FUZZ_CHECK(command.argument_count == 0 && command.arguments == NULL,
               "a refused build left arguments behind");
    msiq_job_cleanup(&job);
    return;
  }

  /* A patch job's PATCH property names the patches it applies with its
   * target: the first one given joins the target after a ';' (when it is
   * not empty), and no PATCH property is passed on. Written out here, not
   * taken from the core. */
  const char *more = NULL;
  size_t *emitted = fuzz_alloc((property_count + 1) * sizeof *emitted);
  size_t emitted_count = 0;
  for (size_t i = 0; i < property_count; i++) {
    bool is_patch_list = action == MSIQ_ACTION_PATCH &&
                         strcmp(job.properties[i].name, "PATCH") == 0;
    if (is_patch_list && more == NULL) {
      more = job.properties[i].value;
    }
    if (!is_patch_list) {
      emitted[emitted_count++] = i;
    }
  }
  size_t target_length = strlen(job.target);
  size_t more_length = more != NULL ? strlen(more) : 0;
  char *target = fuzz_alloc(target_length + more_length + 2);
  memcpy(target, job.target, target_length + 1);
  if (more_length > 0) {
    target[target_length] = ';';
    memcpy(target + target_length + 1, more, more_length + 1);
  }

  /* The argument list, exactly. */
  FUZZ_CHECK(command.argument_count == 6 + emitted_count,
             "build gave %lu arguments for %lu properties passed on",
             (unsigned long)command.argument_count,
             (unsigned long)emitted_count);
  char switch_text[32];
  action_switch(action, &job, switch_text, sizeof switch_text);
  const char *fixed[6] = {switch_text,  target, "/qn",
                          "/norestart", "/l*v", log_path};
  for (size_t i = 0; i < 6; i++) {
    FUZZ_CHECK(strcmp(command.arguments[i], fixed[i]) == 0,
               "argument %lu is [%s], expected [%s]", (unsigned long)i,
               command.arguments[i], fixed[i]);
  }
  for (size_t i = 0; i < emitted_count; i++) {
    const msiq_property *property = &job.properties[emitted[i]];
    const char *argument = command.arguments[6 + i];
    size_t name_length = strlen(property->name);
    FUZZ_CHECK(strncmp(argument, property->name, name_length) == 0 &&
                   argument[name_length] == '=' &&
                   strcmp(argument + name_length + 1, property->value) == 0,
               "property %lu [%s]=[%s] built as [%s]", (unsigned long)i,
               property->name, property->value, argument);
  }

  /* Whether the line should be refused. */
  bool safe = plain_is_safe(program) && plain_is_safe(target) &&
              plain_is_safe(log_path) && !reads_as_log_switch(target);
  for (size_t i = 0; i < emitted_count; i++) {
    if (!name_is_valid(job.properties[emitted[i]].name) ||
        fuzz_has_control(job.properties[emitted[i]].value)) {
      safe = false;
    }
  }

  char *line = NULL;
  memset(&diag, 0, sizeof diag);
  status = msiq_installer_command_line(program, &command, &line, &diag);
  if (status != MSIQ_OK) {
    FUZZ_CHECK(!safe,
               "command line refused although every argument is safe: %s "
               "(target [%s], log [%s])",
               diag.message, job.target, log_path);
    FUZZ_CHECK(line == NULL, "a refused command line was returned");
    FUZZ_CHECK(diag.message[0] != '\0' && strchr(diag.message, '\n') == NULL &&
                   strchr(diag.message, '\r') == NULL,
               "refusal without a one-line diagnostic: [%s]", diag.message);
    /* Values may be secrets: the diagnostic must not depend on them. */
    for (size_t i = 0; i < emitted_count; i++) {
      FUZZ_CHECK(!diagnostic_shows_value(program, &command, i, diag.message),
                 "diagnostic [%s] shows the value of property %s", diag.message,
                 job.properties[emitted[i]].name);
    }
  } else {
    FUZZ_CHECK(safe, "command line [%s] accepted with an unsafe argument",
               line);
    fuzz_check_round_trip(line, program, command.arguments,
                          command.argument_count);
    /* Spelled out, the security property: past the fixed switches and
     * paths, every token is NAME=VALUE with a valid name, so none can be
     * read as a switch. */
    fuzz_split split;
    fuzz_split_msiexec_style(line, &split);
    for (size_t i = 1 + 6; i < split.count; i++) {
      FUZZ_CHECK(split.tokens[i][0] != '/' && strchr(split.tokens[i], '='),
                 "property token [%s] in [%s] reads as a switch",
                 split.tokens[i], line);
    }
    fuzz_split_free(&split);
    free(line);
  }
  free(target);
  free(emitted);
  msiq_installer_command_cleanup(&command);
  msiq_job_cleanup(&job);
}

/* A hand-assembled argument list: anything accepted must round-trip. */
static void fuzz_raw_arguments(const char *program, char **fields,
                               size_t count) {
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  command.arguments = fields;
  command.argument_count = count;
  char *line = NULL;
  msiq_diag diag = {{0}};
  int status = msiq_installer_command_line(program, &command, &line, &diag);
  if (status == MSIQ_OK) {
    fuzz_check_round_trip(line, program, command.arguments,
                          command.argument_count);
    free(line);
  } else {
    FUZZ_CHECK(status == MSIQ_EINVAL && line == NULL,
               "raw command refused with status %d", status);
    FUZZ_CHECK(strchr(diag.message, '\n') == NULL &&
                   strchr(diag.message, '\r') == NULL,
               "diagnostic spans several lines: [%s]", diag.message);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) {
    return -1;
  }
  uint8_t flags = data[0];
  msiq_action action = (msiq_action)(flags & 3);
  const char *program = programs[(flags >> 2) & 1];
  bool raw = (flags & 8) != 0;
  char *fields[MAX_FIELDS];
  size_t count = fields_split((const char *)data + 1, size - 1, fields,
                              sizeof fields / sizeof fields[0]);
  if (raw) {
    fuzz_raw_arguments(program, fields, count);
  } else {
    fuzz_built_job(action, program, fields, count);
  }
  for (size_t i = 0; i < count; i++) {
    free(fields[i]);
  }
  return 0;
}
