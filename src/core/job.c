/* job.c: the job model of job.h, its setters and its validation.
 *
 * Enqueue and import both build a msiq_job_spec with these setters and then
 * call msiq_job_spec_validate(), so every rule lives here once. The setters
 * check what they can at once (so the CLI can name the offending argument);
 * validation re-checks everything, because a spec may also be filled in
 * directly.
 */
#include "core/job.h"
#include "core/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_mode.h"
#include "core/timeparse.h"

/* Attempts beyond this are almost certainly a typo, and an unbounded count
 * would let a broken package occupy the dispatcher forever. */
#define MAX_ATTEMPTS_LIMIT 1000

/* The largest Windows process exit code (a DWORD). */
#define EXIT_CODE_LIMIT INT64_C(4294967295)

/* Room for a quoted copy of the user's input inside a diagnostic; longer
 * input is cut short so that the explanation after it still fits. */
#define QUOTED_TEXT_SIZE 160

static const char property_name_rule[] = "[A-Za-z_][A-Za-z0-9_.]*";
static const char product_code_form[] =
    "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}";
static const char exit_code_form[] = "CODE=success|reboot|retry|fail";

static const char *const outcome_names[] = {
#define MSIQ_OUTCOME_TEXT(name, text) text,
    MSIQ_OUTCOME_MAP(MSIQ_OUTCOME_TEXT)
#undef MSIQ_OUTCOME_TEXT
};

const char *msiq_outcome_name(msiq_outcome outcome) {
  return (unsigned)outcome < MSIQ_OUTCOME_COUNT ? outcome_names[outcome] : "?";
}

int msiq_outcome_parse(const char *text, msiq_outcome *outcome) {
  for (int i = 0; i < MSIQ_OUTCOME_COUNT; i++) {
    if (text != NULL && msiq_text_equal_ignoring_case(outcome_names[i], text)) {
      *outcome = (msiq_outcome)i;
      return MSIQ_OK;
    }
  }
  return MSIQ_EINVAL;
}

/* Copies length bytes of text and terminates the copy. */
static char *text_duplicate_length(const char *text, size_t length) {
  char *copy = malloc(length + 1);
  if (copy != NULL) {
    memcpy(copy, text, length);
    copy[length] = '\0';
  }
  return copy;
}

/* Makes room for one more element in an array of count elements that only
 * this function has grown. The structs of job.h keep no capacity, so it is
 * implied: an array grown here always has room for the next power of two,
 * and it is reallocated (to twice its size) only when count is a power of
 * two. Appending n elements therefore copies O(n) elements in all, not
 * O(n^2), however many a manifest gives. */
static void *array_grow_by_one(void *array, size_t count, size_t element) {
  bool full = count == 0 || (count & (count - 1)) == 0;
  if (!full) {
    return array;
  }
  size_t capacity = count == 0 ? 1 : count * 2;
  if (capacity < count || capacity > SIZE_MAX / element) {
    return NULL;
  }
  return realloc(array, capacity * element);
}

static char character_to_lower(char character) {
  if (character >= 'A' && character <= 'Z') {
    return (char)(character - 'A' + 'a');
  }
  return character;
}

/* True when text ends in suffix (given in lower case), ignoring case, and
 * has at least one character before it. */
static bool text_ends_with_ignoring_case(const char *text, const char *suffix) {
  size_t text_length = strlen(text);
  size_t suffix_length = strlen(suffix);
  if (text_length <= suffix_length) {
    return false;
  }
  const char *tail = text + text_length - suffix_length;
  for (size_t i = 0; i < suffix_length; i++) {
    if (character_to_lower(tail[i]) != suffix[i]) {
      return false;
    }
  }
  return true;
}

static bool character_is_hex_digit(char character) {
  return (character >= '0' && character <= '9') ||
         (character >= 'a' && character <= 'f') ||
         (character >= 'A' && character <= 'F');
}

void msiq_job_spec_init(msiq_job_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->action = MSIQ_ACTION_INSTALL;
  spec->priority = 0;
  spec->not_before = MSIQ_TIME_UNSET;
  spec->deadline = MSIQ_TIME_UNSET;
  spec->max_attempts = MSIQ_DEFAULT_MAX_ATTEMPTS;
  spec->timeout_ms = 0;
}

static void properties_free(msiq_property *properties, size_t count) {
  for (size_t i = 0; i < count; i++) {
    free(properties[i].name);
    free(properties[i].value);
  }
  free(properties);
}

void msiq_job_spec_cleanup(msiq_job_spec *spec) {
  free(spec->target);
  properties_free(spec->properties, spec->property_count);
  free(spec->key);
  free(spec->log_path);
  free(spec->log_mode);
  free(spec->after);
  free(spec->exit_code_rules);
  for (size_t i = 0; i < spec->after_key_count; i++) {
    free(spec->after_keys[i]);
  }
  free(spec->after_keys);
  free(spec->package_sha256);
  free(spec->package_source);
  msiq_staged_files_free(spec->staged_files, spec->staged_file_count);
  msiq_package_info_cleanup(&spec->package);
  msiq_job_spec_forget_sequence_arguments(spec);
  msiq_job_spec_init(spec);
}

void msiq_job_spec_forget_sequence_arguments(msiq_job_spec *spec) {
  for (size_t i = 0; i < spec->transform_count; i++) {
    free(spec->transforms[i]);
  }
  for (size_t i = 0; i < spec->patch_path_count; i++) {
    free(spec->patch_paths[i]);
  }
  free(spec->transforms);
  free(spec->patch_paths);
  free(spec->target_dir);
  free(spec->language);
  free(spec->patch_code);
  spec->patch_code = NULL;
  spec->transforms = NULL;
  spec->patch_paths = NULL;
  spec->target_dir = NULL;
  spec->language = NULL;
  spec->transform_count = 0;
  spec->patch_path_count = 0;
}

/* Replaces *field with a copy of text (or NULL when text is NULL). */
static int field_replace_text(char **field, const char *text) {
  char *copy = NULL;
  if (text != NULL) {
    copy = msiq_text_duplicate(text);
    if (copy == NULL) {
      return MSIQ_ENOMEM;
    }
  }
  free(*field);
  *field = copy;
  return MSIQ_OK;
}

int msiq_job_spec_set_target(msiq_job_spec *spec, const char *target) {
  return field_replace_text(&spec->target, target);
}

int msiq_job_spec_set_key(msiq_job_spec *spec, const char *key) {
  return field_replace_text(&spec->key, key);
}

int msiq_job_spec_set_log_path(msiq_job_spec *spec, const char *path) {
  return field_replace_text(&spec->log_path, path);
}

int msiq_job_spec_set_log_mode(msiq_job_spec *spec, const char *letters,
                               msiq_diag *diag) {
  char canonical[MSIQ_LOG_MODE_SIZE];
  int status = msiq_log_mode_canonical(letters, canonical, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (field_replace_text(&spec->log_mode, canonical) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* Appends a copy of text to a list of strings grown by array_grow_by_one. */
static int text_list_append(char ***list, size_t *count, const char *text) {
  char **grown = array_grow_by_one(*list, *count, sizeof **list);
  if (grown == NULL) {
    return MSIQ_ENOMEM;
  }
  *list = grown;
  char *copy = msiq_text_duplicate(text);
  if (copy == NULL) {
    return MSIQ_ENOMEM;
  }
  grown[(*count)++] = copy;
  return MSIQ_OK;
}

int msiq_job_spec_add_transform(msiq_job_spec *spec, const char *path) {
  return text_list_append(&spec->transforms, &spec->transform_count, path);
}

int msiq_job_spec_add_patch_path(msiq_job_spec *spec, const char *path) {
  return text_list_append(&spec->patch_paths, &spec->patch_path_count, path);
}

int msiq_job_spec_set_target_dir(msiq_job_spec *spec, const char *path) {
  return field_replace_text(&spec->target_dir, path);
}

int msiq_job_spec_set_language(msiq_job_spec *spec, const char *language) {
  return field_replace_text(&spec->language, language);
}

int msiq_job_spec_set_patch_code(msiq_job_spec *spec, const char *patch_code) {
  return field_replace_text(&spec->patch_code, patch_code);
}

int msiq_staged_files_add(msiq_staged_file **files, size_t *count,
                          const char *path, const char *source,
                          const char *sha256) {
  msiq_staged_file added = {msiq_text_duplicate(path),
                            msiq_text_duplicate(source),
                            msiq_text_duplicate(sha256)};
  msiq_staged_file *grown =
      added.path != NULL && added.source != NULL && added.sha256 != NULL
          ? realloc(*files, (*count + 1) * sizeof **files)
          : NULL;
  if (grown == NULL) {
    free(added.path);
    free(added.source);
    free(added.sha256);
    return MSIQ_ENOMEM;
  }
  grown[(*count)++] = added;
  *files = grown;
  return MSIQ_OK;
}

void msiq_staged_files_free(msiq_staged_file *files, size_t count) {
  for (size_t i = 0; i < count; i++) {
    free(files[i].path);
    free(files[i].source);
    free(files[i].sha256);
  }
  free(files);
}

int msiq_job_spec_set_staged(msiq_job_spec *spec, const char *staged_path,
                             const char *sha256) {
  char *copy = msiq_text_duplicate(staged_path);
  char *hash = msiq_text_duplicate(sha256);
  if (copy == NULL || hash == NULL) {
    free(copy);
    free(hash);
    return MSIQ_ENOMEM;
  }
  free(spec->package_source);
  free(spec->package_sha256);
  spec->package_source = spec->target;
  spec->target = copy;
  spec->package_sha256 = hash;
  return MSIQ_OK;
}

bool msiq_property_name_is_valid(const char *name) {
  if (name == NULL) {
    return false;
  }
  char first = name[0];
  if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') ||
        first == '_')) {
    return false;
  }
  for (const char *cursor = name + 1; *cursor != '\0'; cursor++) {
    char character = *cursor;
    if (!((character >= 'A' && character <= 'Z') ||
          (character >= 'a' && character <= 'z') ||
          (character >= '0' && character <= '9') || character == '_' ||
          character == '.')) {
      return false;
    }
  }
  return true;
}

bool msiq_property_value_is_valid(const char *value, size_t length) {
  if (value == NULL) {
    return false;
  }
  /* Every control character is refused, not only line breaks: the msiexec
   * command line cannot carry them safely, and refusing them here means a
   * job is rejected at enqueue rather than failing when it starts. */
  for (size_t i = 0; i < length; i++) {
    unsigned char character = (unsigned char)value[i];
    if (msiq_character_is_control(character)) {
      return false;
    }
  }
  return msiq_utf8_valid_prefix(value, length) == length;
}

bool msiq_product_code_is_valid(const char *text) {
  /* Offsets of the hyphens in {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}. */
  if (text == NULL || strlen(text) != 38 || text[0] != '{' || text[37] != '}') {
    return false;
  }
  for (size_t i = 1; i < 37; i++) {
    bool hyphen_expected = i == 9 || i == 14 || i == 19 || i == 24;
    if (hyphen_expected ? text[i] != '-' : !character_is_hex_digit(text[i])) {
      return false;
    }
  }
  return true;
}

/* Checks one property against the name and value rules; value_length lets
 * callers with counted strings report an embedded NUL. */
static int property_check(const char *name, const char *value,
                          size_t value_length, msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  msiq_quote_for_message(name, quoted, sizeof quoted);
  if (!msiq_property_name_is_valid(name)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid property name '%s': must match %s", quoted,
                         property_name_rule);
  }
  if (value == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "property '%s' has no value",
                         quoted);
  }
  if (value_length > MSIQ_PROPERTY_VALUE_SIZE_MAX) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "property '%s' has a value of %zu bytes; at most %d "
                         "are allowed",
                         quoted, value_length, MSIQ_PROPERTY_VALUE_SIZE_MAX);
  }
  for (size_t i = 0; i < value_length; i++) {
    if (value[i] == '\n') {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "property '%s' has a newline in its value", quoted);
    }
    if (value[i] == '\r') {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "property '%s' has a carriage return in its value",
                           quoted);
    }
    if (value[i] == '\0') {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "property '%s' has a NUL character in its value",
                           quoted);
    }
    unsigned char character = (unsigned char)value[i];
    if (msiq_character_is_control(character)) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "property '%s' has a control character (0x%02x) in "
                           "its value",
                           quoted, character);
    }
  }
  /* The value may be a password: where the bad byte is, is not said. */
  if (msiq_utf8_valid_prefix(value, value_length) != value_length) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "property '%s' has bytes that are not UTF-8 in its "
                         "value",
                         quoted);
  }
  return MSIQ_OK;
}

int msiq_job_spec_add_property(msiq_job_spec *spec, const char *name,
                               const char *value, msiq_diag *diag) {
  int status =
      property_check(name, value, value != NULL ? strlen(value) : 0, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* Duplicate names are validation's to find (job.h): looking through the
   * list here, at every append, made a long list quadratic. */
  if (spec->property_count >= MSIQ_JOB_PROPERTY_COUNT_MAX) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "too many properties: a job may set at most %d",
                         MSIQ_JOB_PROPERTY_COUNT_MAX);
  }
  msiq_property *grown = array_grow_by_one(
      spec->properties, spec->property_count, sizeof *spec->properties);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  spec->properties = grown;
  char *name_copy = msiq_text_duplicate(name);
  char *value_copy = msiq_text_duplicate(value);
  if (name_copy == NULL || value_copy == NULL) {
    free(name_copy);
    free(value_copy);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  spec->properties[spec->property_count].name = name_copy;
  spec->properties[spec->property_count].value = value_copy;
  spec->property_count++;
  return MSIQ_OK;
}

int msiq_job_spec_add_reinstall(msiq_job_spec *spec, msiq_diag *diag) {
  if (spec->action != MSIQ_ACTION_INSTALL) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--reinstall installs again, so it goes only with "
                         "--action install, not %s",
                         msiq_action_name(spec->action));
  }
  for (size_t i = 0; i < spec->property_count; i++) {
    const char *name = spec->properties[i].name;
    if (strcmp(name, "REINSTALL") == 0 || strcmp(name, "REINSTALLMODE") == 0) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "--reinstall sets REINSTALL=ALL and "
                           "REINSTALLMODE=vomus, and the job already sets %s",
                           name);
    }
  }
  int status = msiq_job_spec_add_property(spec, "REINSTALL", "ALL", diag);
  if (status == MSIQ_OK) {
    status = msiq_job_spec_add_property(spec, "REINSTALLMODE", "vomus", diag);
  }
  return status;
}

int msiq_job_spec_add_property_assignment(msiq_job_spec *spec,
                                          const char *assignment,
                                          msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  const char *equals = assignment != NULL ? strchr(assignment, '=') : NULL;
  if (equals == NULL || equals == assignment) {
    msiq_quote_for_message(assignment, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid property '%s': expected NAME=VALUE", quoted);
  }
  /* The value is everything after the first '=', so values may themselves
   * contain '=' (connection strings, for example). */
  char *name = text_duplicate_length(assignment, (size_t)(equals - assignment));
  if (name == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  int status = msiq_job_spec_add_property(spec, name, equals + 1, diag);
  free(name);
  return status;
}

int msiq_job_spec_add_after(msiq_job_spec *spec, int64_t id) {
  /* A repeated dependency adds nothing, and the store may keep dependencies
   * in a table keyed by (job, dependency), so repeats are dropped here. */
  for (size_t i = 0; i < spec->after_count; i++) {
    if (spec->after[i] == id) {
      return MSIQ_OK;
    }
  }
  int64_t *grown =
      array_grow_by_one(spec->after, spec->after_count, sizeof *spec->after);
  if (grown == NULL) {
    return MSIQ_ENOMEM;
  }
  spec->after = grown;
  spec->after[spec->after_count++] = id;
  return MSIQ_OK;
}

int msiq_job_spec_add_after_key(msiq_job_spec *spec, const char *key) {
  if (key == NULL) {
    return MSIQ_EINVAL;
  }
  for (size_t i = 0; i < spec->after_key_count; i++) {
    if (strcmp(spec->after_keys[i], key) == 0) {
      return MSIQ_OK;
    }
  }
  return text_list_append(&spec->after_keys, &spec->after_key_count, key);
}

int msiq_job_spec_add_exit_code_rule(msiq_job_spec *spec, const char *text,
                                     msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  msiq_quote_for_message(text, quoted, sizeof quoted);
  const char *equals = text != NULL ? strchr(text, '=') : NULL;
  if (equals == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid --exit-code '%s': expected %s", quoted,
                         exit_code_form);
  }
  if (equals == text) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid --exit-code '%s': missing the exit code "
                         "before '='",
                         quoted);
  }
  int64_t code = 0;
  for (const char *cursor = text; cursor < equals; cursor++) {
    if (*cursor < '0' || *cursor > '9') {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid --exit-code '%s': the exit code must be a "
                           "non-negative whole number",
                           quoted);
    }
    code = code * 10 + (*cursor - '0');
    if (code > EXIT_CODE_LIMIT) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid --exit-code '%s': exit code out of range "
                           "(0-%" PRId64 ")",
                           quoted, EXIT_CODE_LIMIT);
    }
  }
  msiq_outcome outcome;
  if (msiq_outcome_parse(equals + 1, &outcome) != MSIQ_OK) {
    char quoted_outcome[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(equals + 1, quoted_outcome, sizeof quoted_outcome);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid --exit-code '%s': unknown outcome '%s' (use "
                         "success, reboot, retry or fail)",
                         quoted, quoted_outcome);
  }
  for (size_t i = 0; i < spec->exit_code_rule_count; i++) {
    if (spec->exit_code_rules[i].code == code) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "exit code %" PRId64 " given twice", code);
    }
  }
  msiq_exit_code_rule *grown =
      array_grow_by_one(spec->exit_code_rules, spec->exit_code_rule_count,
                        sizeof *spec->exit_code_rules);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  spec->exit_code_rules = grown;
  spec->exit_code_rules[spec->exit_code_rule_count].code = code;
  spec->exit_code_rules[spec->exit_code_rule_count].outcome = outcome;
  spec->exit_code_rule_count++;
  return MSIQ_OK;
}

bool msiq_language_id_parse(const char *text, unsigned *language) {
  unsigned value = 0;
  if (text == NULL || text[0] == '\0' || strlen(text) > 5) {
    return false;
  }
  for (const char *cursor = text; *cursor != '\0'; cursor++) {
    if (*cursor < '0' || *cursor > '9') {
      return false;
    }
    value = value * 10 + (unsigned)(*cursor - '0');
  }
  if (value > 65535) {
    return false;
  }
  *language = value;
  return true;
}

/* Checks the target against what msiexec accepts for the action: /update
 * takes a patch, /i, /x and /f a package or a product code (for /i: an
 * installed product to reconfigure). */
static int target_check(const msiq_job_spec *spec, msiq_diag *diag) {
  char quoted[QUOTED_TEXT_SIZE];
  const char *target = spec->target;
  if ((unsigned)spec->action >= MSIQ_ACTION_COUNT) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown action %d",
                         (int)spec->action);
  }
  const char *action = msiq_action_name(spec->action);
  if (target == NULL || target[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s target is empty", action);
  }
  msiq_quote_for_message(target, quoted, sizeof quoted);
  if (msiq_text_has_control_character(target)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "%s target '%s' has a control character", action,
                         quoted);
  }
  if (!msiq_text_is_utf8(target)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s target '%s' is not valid UTF-8",
                         action, quoted);
  }
  /* No Windows path can contain a double quote, and one would break the
   * quoting of the msiexec command line. */
  if (strchr(target, '"') != NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s target '%s' has a double quote",
                         action, quoted);
  }
  /* A related uninstall names a family of products by their UpgradeCode:
   * msiexec has no such target, so only msiq's own worker runs it. */
  if (spec->related) {
    if (spec->action != MSIQ_ACTION_UNINSTALL) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "--related removes every product of an "
                           "UpgradeCode, so it goes only with --action "
                           "uninstall, not %s",
                           action);
    }
    if (!msiq_product_code_is_valid(target)) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid upgrade code '%s': expected %s", quoted,
                           product_code_form);
    }
    return MSIQ_OK;
  }
  /* A product code names an installed product: msiexec /i {ProductCode}
   * PROP=... reconfigures it (its features, its properties), /x and /f
   * remove or repair it. /update takes only a patch, /a and /j only a
   * package. */
  bool takes_product_code = spec->action == MSIQ_ACTION_INSTALL ||
                            spec->action == MSIQ_ACTION_UNINSTALL ||
                            spec->action == MSIQ_ACTION_REPAIR;
  if (takes_product_code && target[0] == '{') {
    if (!msiq_product_code_is_valid(target)) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid product code '%s': expected %s", quoted,
                           product_code_form);
    }
    return MSIQ_OK;
  }
  switch (spec->action) {
    case MSIQ_ACTION_INSTALL:
      if (!text_ends_with_ignoring_case(target, ".msi")) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "install target '%s' must be a .msi package",
                             quoted);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_ADMIN:
    case MSIQ_ACTION_ADVERTISE:
      /* msiexec /a and /j read a package; neither takes a product code. */
      if (!text_ends_with_ignoring_case(target, ".msi")) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "%s target '%s' must be a .msi package", action,
                             quoted);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_PATCH:
      if (!text_ends_with_ignoring_case(target, ".msp")) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "patch target '%s' must be a .msp package",
                             quoted);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_UNINSTALL:
    case MSIQ_ACTION_REPAIR:
      if (!text_ends_with_ignoring_case(target, ".msi")) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "%s target '%s' must be a .msi package or a "
                             "product code %s",
                             action, quoted, product_code_form);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_UNPATCH:
      /* A patch is removed from an installed product, which only its
       * product code names: the product's package is not needed. */
      if (!msiq_product_code_is_valid(target)) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "unpatch target '%s' must be the product code "
                             "%s of the product the patch is removed from",
                             quoted, product_code_form);
      }
      return MSIQ_OK;
    case MSIQ_ACTION_COUNT:
      break;
  }
  return msiq_diag_set(diag, MSIQ_EINVAL, "unknown action %d",
                       (int)spec->action);
}

/* Checks an idempotency key (the job's own or one it waits for). */
static int key_check(const char *key, const char *role, msiq_diag *diag) {
  if (key[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s is empty", role);
  }
  if (msiq_text_has_control_character(key)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(key, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s '%s' has a control character",
                         role, quoted);
  }
  if (!msiq_text_is_utf8(key)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(key, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL, "%s '%s' is not valid UTF-8", role,
                         quoted);
  }
  return MSIQ_OK;
}

static int property_pointer_compare(const void *left, const void *right) {
  const msiq_property *const *a = left;
  const msiq_property *const *b = right;
  return strcmp((*a)->name, (*b)->name);
}

/* Refuses a name given twice: the names are sorted once (n log n) and
 * neighbours compared, so a job at the limit costs a few thousand
 * comparisons, not half a million. MSI property names are case-sensitive,
 * so only an exact repeat is a duplicate. */
static int properties_check_unique(const msiq_property *properties,
                                   size_t count, msiq_diag *diag) {
  if (count < 2) {
    return MSIQ_OK;
  }
  const msiq_property **sorted = malloc(count * sizeof *sorted);
  if (sorted == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < count; i++) {
    sorted[i] = &properties[i];
  }
  qsort((void *)sorted, count, sizeof *sorted, property_pointer_compare);
  int status = MSIQ_OK;
  for (size_t i = 1; i < count; i++) {
    if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(sorted[i]->name, quoted, sizeof quoted);
      status =
          msiq_diag_set(diag, MSIQ_EINVAL, "property '%s' given twice", quoted);
      break;
    }
  }
  free((void *)sorted);
  return status;
}

const char *msiq_property_value_of(const msiq_property *properties,
                                   size_t property_count, const char *name) {
  for (size_t i = 0; properties != NULL && i < property_count; i++) {
    if (properties[i].name != NULL && strcmp(properties[i].name, name) == 0) {
      return properties[i].value;
    }
  }
  return NULL;
}

const char *msiq_action_file_list_property(msiq_action action) {
  switch (action) {
    case MSIQ_ACTION_INSTALL:
    case MSIQ_ACTION_ADVERTISE:
      return MSIQ_TRANSFORMS_PROPERTY;
    case MSIQ_ACTION_PATCH:
    case MSIQ_ACTION_ADMIN:
      return MSIQ_PATCH_PROPERTY;
    case MSIQ_ACTION_UNINSTALL:
    case MSIQ_ACTION_REPAIR:
    case MSIQ_ACTION_UNPATCH:
    case MSIQ_ACTION_COUNT:
      break;
  }
  return NULL;
}

/* The value of the property name, or NULL when the spec does not set it. */
static const char *spec_property_value(const msiq_job_spec *spec,
                                       const char *name) {
  return msiq_property_value_of(spec->properties, spec->property_count, name);
}

/* What an unpatch job needs of its properties: exactly one well-formed
 * patch code in MSIPATCHREMOVE (Windows Installer takes a ';'-separated
 * list there, but the skip rule asks about one patch, and a job per patch
 * says in its history which one was removed), and none of the properties
 * that only mean something to another sequence: a maintenance run of an
 * installed product applies no transform, and a patch applied (PATCH) in
 * the run that removes one is two jobs' work. */
static int unpatch_properties_check(const msiq_job_spec *spec,
                                    msiq_diag *diag) {
  const char *patch_code = spec_property_value(spec, MSIQ_PATCHREMOVE_PROPERTY);
  if (patch_code == NULL || patch_code[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "unpatch needs the patch to remove: give "
                         "--patch-code %s (or the MSIPATCHREMOVE property)",
                         product_code_form);
  }
  if (!msiq_product_code_is_valid(patch_code)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(patch_code, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "invalid patch code '%s': expected %s (one patch "
                         "per job)",
                         quoted, product_code_form);
  }
  static const char *const refused[] = {
      MSIQ_TRANSFORMS_PROPERTY, MSIQ_TARGETDIR_PROPERTY, MSIQ_PATCH_PROPERTY,
      MSIQ_LANGUAGE_PROPERTY, "ACTION"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    if (spec_property_value(spec, refused[i]) != NULL) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "unpatch removes a patch from an installed "
                           "product, so the job may not set %s",
                           refused[i]);
    }
  }
  return MSIQ_OK;
}

/* What the sequences need of their properties: an administrative install
 * copies the package to TARGETDIR, so it needs one, and its ACTION is
 * msiq's; an advertisement passes nothing but its transforms and language
 * (msiexec /j takes no properties, MsiAdvertiseProductExW no list), and
 * only an advertisement has a language. */
static int sequence_properties_check(const msiq_job_spec *spec,
                                     msiq_diag *diag) {
  const char *language = spec_property_value(spec, MSIQ_LANGUAGE_PROPERTY);
  switch (spec->action) {
    case MSIQ_ACTION_ADMIN: {
      const char *target_dir =
          spec_property_value(spec, MSIQ_TARGETDIR_PROPERTY);
      if (target_dir == NULL || target_dir[0] == '\0') {
        return msiq_diag_set(diag, MSIQ_EUSAGE,
                             "admin needs the folder of the administrative "
                             "image: give --target-dir DIR (or the TARGETDIR "
                             "property)");
      }
      if (spec_property_value(spec, "ACTION") != NULL) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "admin runs the ADMIN sequence itself, so the "
                             "job may not set ACTION");
      }
      if (spec_property_value(spec, MSIQ_TRANSFORMS_PROPERTY) != NULL) {
        return msiq_diag_set(diag, MSIQ_EUSAGE,
                             "admin copies the package as it is: transforms "
                             "are applied by the installs from the image");
      }
      return MSIQ_OK;
    }
    case MSIQ_ACTION_ADVERTISE:
      for (size_t i = 0; i < spec->property_count; i++) {
        const char *name = spec->properties[i].name;
        if (strcmp(name, MSIQ_TRANSFORMS_PROPERTY) != 0 &&
            strcmp(name, MSIQ_LANGUAGE_PROPERTY) != 0) {
          char quoted[QUOTED_TEXT_SIZE];
          msiq_quote_for_message(name, quoted, sizeof quoted);
          return msiq_diag_set(diag, MSIQ_EUSAGE,
                               "advertise takes no property '%s' (only "
                               "--transform and --language)",
                               quoted);
        }
      }
      if (language != NULL) {
        unsigned ignored = 0;
        if (!msiq_language_id_parse(language, &ignored)) {
          char quoted[QUOTED_TEXT_SIZE];
          msiq_quote_for_message(language, quoted, sizeof quoted);
          return msiq_diag_set(diag, MSIQ_EINVAL,
                               "invalid language '%s': expected a language "
                               "id from 0 to 65535 (1033 is English)",
                               quoted);
        }
      }
      return MSIQ_OK;
    case MSIQ_ACTION_UNPATCH:
      return unpatch_properties_check(spec, diag);
    case MSIQ_ACTION_INSTALL:
    case MSIQ_ACTION_UNINSTALL:
    case MSIQ_ACTION_PATCH:
    case MSIQ_ACTION_REPAIR:
    case MSIQ_ACTION_COUNT:
      break;
  }
  return MSIQ_OK;
}

int msiq_job_spec_validate(const msiq_job_spec *spec, msiq_diag *diag) {
  int status = target_check(spec, diag);
  if (status != MSIQ_OK) {
    return status;
  }

  if (spec->property_count > MSIQ_JOB_PROPERTY_COUNT_MAX) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "too many properties: %zu given, a job may set at "
                         "most %d",
                         spec->property_count, MSIQ_JOB_PROPERTY_COUNT_MAX);
  }
  for (size_t i = 0; i < spec->property_count; i++) {
    const msiq_property *property = &spec->properties[i];
    status = property_check(
        property->name, property->value,
        property->value != NULL ? strlen(property->value) : 0, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  status =
      properties_check_unique(spec->properties, spec->property_count, diag);
  if (status == MSIQ_OK) {
    status = sequence_properties_check(spec, diag);
  }
  if (status != MSIQ_OK) {
    return status;
  }

  if (spec->max_attempts < 1 || spec->max_attempts > MAX_ATTEMPTS_LIMIT) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "max attempts %" PRId64 " out of range (1-%d)",
                         spec->max_attempts, MAX_ATTEMPTS_LIMIT);
  }
  if (spec->timeout_ms < 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "timeout %" PRId64 " ms is negative",
                         spec->timeout_ms);
  }
  if (spec->not_before != MSIQ_TIME_UNSET &&
      spec->deadline != MSIQ_TIME_UNSET && spec->deadline < spec->not_before) {
    char deadline_text[40];
    char not_before_text[40];
    msiq_time_format_local(spec->deadline, deadline_text, sizeof deadline_text);
    msiq_time_format_local(spec->not_before, not_before_text,
                           sizeof not_before_text);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "deadline %s is before not-before %s", deadline_text,
                         not_before_text);
  }

  if (spec->key != NULL) {
    status = key_check(spec->key, "idempotency key", diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  if (spec->log_path != NULL) {
    if (spec->log_path[0] == '\0') {
      return msiq_diag_set(diag, MSIQ_EINVAL, "log path is empty");
    }
    /* The msiexec command line cannot carry these in a path (see
     * installer_command.c), so they are refused now, not when the job
     * starts. */
    for (const char *cursor = spec->log_path; *cursor != '\0'; cursor++) {
      unsigned char character = (unsigned char)*cursor;
      if (msiq_character_is_control(character) || character == '"') {
        char quoted[QUOTED_TEXT_SIZE];
        msiq_quote_for_message(spec->log_path, quoted, sizeof quoted);
        return msiq_diag_set(
            diag, MSIQ_EINVAL, "log path '%s' has a %s", quoted,
            character == '"'                         ? "double quote"
            : character == '\n' || character == '\r' ? "newline"
                                                     : "control character");
      }
    }
    if (!msiq_text_is_utf8(spec->log_path)) {
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(spec->log_path, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "log path '%s' is not valid UTF-8", quoted);
    }
  }

  for (size_t i = 0; i < spec->after_count; i++) {
    if (spec->after[i] <= 0) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "dependency id %" PRId64
                           " is not a job id (ids start at 1)",
                           spec->after[i]);
    }
  }
  for (size_t i = 0; i < spec->after_key_count; i++) {
    status = key_check(spec->after_keys[i], "dependency key", diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }

  for (size_t i = 0; i < spec->exit_code_rule_count; i++) {
    const msiq_exit_code_rule *rule = &spec->exit_code_rules[i];
    if (rule->code < 0 || rule->code > EXIT_CODE_LIMIT) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "exit code %" PRId64 " out of range (0-%" PRId64 ")",
                           rule->code, EXIT_CODE_LIMIT);
    }
    if ((unsigned)rule->outcome >= MSIQ_OUTCOME_COUNT) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "exit code %" PRId64 " has an unknown outcome",
                           rule->code);
    }
    for (size_t j = 0; j < i; j++) {
      if (spec->exit_code_rules[j].code == rule->code) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "exit code %" PRId64 " given twice", rule->code);
      }
    }
  }
  return MSIQ_OK;
}

void msiq_job_init(msiq_job *job) {
  memset(job, 0, sizeof *job);
  job->state = MSIQ_STATE_QUEUED;
  job->action = MSIQ_ACTION_INSTALL;
  job->not_before = MSIQ_TIME_UNSET;
  job->deadline = MSIQ_TIME_UNSET;
  job->max_attempts = MSIQ_DEFAULT_MAX_ATTEMPTS;
  job->created_at = MSIQ_TIME_UNSET;
  job->started_at = MSIQ_TIME_UNSET;
  job->finished_at = MSIQ_TIME_UNSET;
  job->retry_at = MSIQ_TIME_UNSET;
}

void msiq_job_cleanup(msiq_job *job) {
  free(job->target);
  properties_free(job->properties, job->property_count);
  free(job->key);
  free(job->log_path);
  free(job->log_mode);
  free(job->after);
  free(job->exit_code_rules);
  free(job->last_error);
  free(job->package_sha256);
  free(job->package_source);
  msiq_staged_files_free(job->staged_files, job->staged_file_count);
  msiq_package_info_cleanup(&job->package);
  msiq_job_init(job);
}
