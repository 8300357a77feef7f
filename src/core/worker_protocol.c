/* worker_protocol.c: parsing and formatting the worker's lines. See
 * worker_protocol.h. */
#include "core/worker_protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/installer_command.h"
#include "core/text.h"

typedef struct worker_message_row {
  const char *keyword;
  size_t min_fields;
  size_t max_fields;
} worker_message_row;

static const worker_message_row worker_messages[] = {
#define MSIQ_WORKER_MESSAGE_ROW(name, keyword, min, max, sender)               \
  {keyword, min, max},
    MSIQ_WORKER_MESSAGE_MAP(MSIQ_WORKER_MESSAGE_ROW)
#undef MSIQ_WORKER_MESSAGE_ROW
};

const char *msiq_worker_message_keyword(msiq_worker_message_kind kind) {
  if ((int)kind < 0 || kind >= MSIQ_WORKER_MESSAGE_COUNT) {
    return "unknown";
  }
  return worker_messages[kind].keyword;
}

int64_t msiq_worker_field_integer(const char *field) {
  return strtoll(field, NULL, 10);
}

/* A decimal integer in [low, high], nothing else in the field. */
static bool worker_field_in_range(const char *field, int64_t low,
                                  int64_t high) {
  if (field[0] == '\0') {
    return false;
  }
  char *end = NULL;
  errno = 0;
  long long value = strtoll(field, &end, 10);
  return errno == 0 && *end == '\0' && value >= low && value <= high;
}

/* Checks the fields that must be numbers; the others are free text. */
static int worker_check_numbers(const msiq_worker_message *message,
                                msiq_diag *diag) {
  const char *field = NULL;
  int64_t low = 0;
  int64_t high = 0;
  switch (message->kind) {
    case MSIQ_WORKER_HELLO:
    case MSIQ_WORKER_REQUEST:
      field = message->fields[0];
      low = 1;
      high = INT32_MAX;
      break;
    case MSIQ_WORKER_PROGRESS:
      field = message->fields[0];
      high = 100;
      break;
    case MSIQ_WORKER_CANCELLABLE:
      field = message->fields[0];
      high = 1;
      break;
    case MSIQ_WORKER_ERROR:
    case MSIQ_WORKER_RESULT:
      /* Windows Installer's return codes and error numbers are UINTs. */
      field = message->fields[0];
      high = UINT32_MAX;
      break;
    default:
      return MSIQ_OK;
  }
  if (!worker_field_in_range(field, low, high)) {
    char quoted[64];
    msiq_quote_for_message(field, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker message '%s': '%s' is not a number from "
                         "%lld to %lld",
                         msiq_worker_message_keyword(message->kind), quoted,
                         (long long)low, (long long)high);
  }
  return MSIQ_OK;
}

/* Undoes the escapes of one field in place; returns false on a bad one. */
static bool worker_unescape(char *field) {
  char *out = field;
  for (const char *in = field; *in != '\0'; in++) {
    if (*in != '\\') {
      *out++ = *in;
      continue;
    }
    in++;
    switch (*in) {
      case '\\':
        *out++ = '\\';
        break;
      case 't':
        *out++ = '\t';
        break;
      case 'n':
        *out++ = '\n';
        break;
      case 'r':
        *out++ = '\r';
        break;
      default:
        return false;
    }
  }
  *out = '\0';
  return true;
}

int msiq_worker_message_parse(const char *line, size_t length,
                              msiq_worker_message *message, msiq_diag *diag) {
  memset(message, 0, offsetof(msiq_worker_message, storage));
  if (length > 0 && line[length - 1] == '\n') {
    length--;
  }
  if (length > 0 && line[length - 1] == '\r') {
    length--;
  }
  if (length >= sizeof message->storage) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker message longer than %d bytes",
                         MSIQ_WORKER_LINE_MAX - 1);
  }
  if (memchr(line, '\0', length) != NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "worker message holds a NUL byte");
  }
  /* What a worker says ends up in the queue and in --json output, which
   * must stay UTF-8: a line that is not is refused whole. */
  size_t valid = msiq_utf8_valid_prefix(line, length);
  if (valid < length) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker message is not valid UTF-8 (byte 0x%02x at "
                         "position %zu)",
                         (unsigned)(unsigned char)line[valid], valid + 1);
  }
  memcpy(message->storage, line, length);
  message->storage[length] = '\0';

  char *keyword = message->storage;
  char *rest = strchr(keyword, '\t');
  if (rest != NULL) {
    *rest++ = '\0';
  }
  size_t kind = 0;
  while (kind < MSIQ_WORKER_MESSAGE_COUNT &&
         strcmp(worker_messages[kind].keyword, keyword) != 0) {
    kind++;
  }
  if (kind == MSIQ_WORKER_MESSAGE_COUNT) {
    char quoted[64];
    msiq_quote_for_message(keyword, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown worker message '%s'",
                         quoted);
  }
  message->kind = (msiq_worker_message_kind)kind;
  const worker_message_row *row = &worker_messages[kind];
  while (rest != NULL) {
    if (message->field_count == row->max_fields) {
      return msiq_diag_set(
          diag, MSIQ_EINVAL, "worker message '%s' has more than %zu field%s",
          row->keyword, row->max_fields, row->max_fields == 1 ? "" : "s");
    }
    char *next = strchr(rest, '\t');
    if (next != NULL) {
      *next++ = '\0';
    }
    if (!worker_unescape(rest)) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "worker message '%s' has a bad escape",
                           row->keyword);
    }
    message->fields[message->field_count++] = rest;
    rest = next;
  }
  if (message->field_count < row->min_fields) {
    return msiq_diag_set(
        diag, MSIQ_EINVAL, "worker message '%s' needs at least %zu field%s",
        row->keyword, row->min_fields, row->min_fields == 1 ? "" : "s");
  }
  return worker_check_numbers(message, diag);
}

int msiq_worker_message_format(msiq_worker_message_kind kind,
                               const char *const *fields, size_t field_count,
                               char *buffer, size_t size, msiq_diag *diag) {
  if ((int)kind < 0 || kind >= MSIQ_WORKER_MESSAGE_COUNT) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown worker message kind");
  }
  const worker_message_row *row = &worker_messages[kind];
  if (field_count < row->min_fields || field_count > row->max_fields) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker message '%s' takes %zu to %zu fields, not %zu",
                         row->keyword, row->min_fields, row->max_fields,
                         field_count);
  }
  size_t used = 0;
  size_t limit = size < MSIQ_WORKER_LINE_MAX ? size : MSIQ_WORKER_LINE_MAX;
  /* Room for the line feed and the terminating NUL is kept back. */
#define WORKER_PUT(character)                                                  \
  do {                                                                         \
    if (used + 2 >= limit) {                                                   \
      goto too_long;                                                           \
    }                                                                          \
    buffer[used++] = (character);                                              \
  } while (0)
  for (const char *k = row->keyword; *k != '\0'; k++) {
    WORKER_PUT(*k);
  }
  for (size_t i = 0; i < field_count; i++) {
    WORKER_PUT('\t');
    for (const char *c = fields[i]; *c != '\0'; c++) {
      switch (*c) {
        case '\\':
          WORKER_PUT('\\');
          WORKER_PUT('\\');
          break;
        case '\t':
          WORKER_PUT('\\');
          WORKER_PUT('t');
          break;
        case '\n':
          WORKER_PUT('\\');
          WORKER_PUT('n');
          break;
        case '\r':
          WORKER_PUT('\\');
          WORKER_PUT('r');
          break;
        default: {
          /* The run of characters up to the next one to escape, at once
           * (admission formats every job's request, log path included). */
          size_t run = strcspn(c, "\\\t\n\r");
          if (used + run + 1 >= limit) {
            goto too_long;
          }
          memcpy(buffer + used, c, run);
          used += run;
          c += run - 1;
        }
      }
    }
  }
#undef WORKER_PUT
  buffer[used++] = '\n';
  buffer[used] = '\0';
  return MSIQ_OK;

too_long:
  if (size > 0) {
    buffer[0] = '\0';
  }
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "worker message '%s' longer than %zu bytes",
                       row->keyword, limit - 2);
}

void msiq_worker_line_reader_init(msiq_worker_line_reader *reader) {
  reader->length = 0;
  reader->skipping = false;
}

void msiq_worker_line_reader_feed(msiq_worker_line_reader *reader,
                                  const char *bytes, size_t count,
                                  msiq_worker_line_cb on_line, void *context) {
  for (size_t i = 0; i < count; i++) {
    char c = bytes[i];
    if (c == '\n') {
      if (!reader->skipping) {
        reader->buffer[reader->length] = '\0';
        on_line(context, reader->buffer, reader->length, false);
      }
      reader->length = 0;
      reader->skipping = false;
      continue;
    }
    if (reader->skipping) {
      continue;
    }
    if (reader->length + 1 >= sizeof reader->buffer) {
      /* An overlong line is handed on once, cut short, so the caller can
       * say so; the rest of it up to the next line feed is dropped. */
      reader->buffer[reader->length] = '\0';
      on_line(context, reader->buffer, reader->length, true);
      reader->length = 0;
      reader->skipping = true;
      continue;
    }
    reader->buffer[reader->length++] = c;
  }
}

/* The request. */

/* A growing text of lines. */
typedef struct request_builder {
  char *text;
  size_t length;
  size_t capacity;
} request_builder;

static int request_builder_append(request_builder *builder,
                                  msiq_worker_message_kind kind,
                                  const char *const *fields, size_t field_count,
                                  msiq_diag *diag) {
  char line[MSIQ_WORKER_LINE_MAX];
  int status = msiq_worker_message_format(kind, fields, field_count, line,
                                          sizeof line, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  size_t line_length = strlen(line);
  if (builder->capacity - builder->length < line_length + 1) {
    size_t capacity = (builder->capacity + line_length + 1) * 2;
    char *bigger = realloc(builder->text, capacity);
    if (bigger == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    builder->text = bigger;
    builder->capacity = capacity;
  }
  memcpy(builder->text + builder->length, line, line_length + 1);
  builder->length += line_length;
  return MSIQ_OK;
}

static msiq_worker_message_kind request_operation_kind(const msiq_job *job) {
  if (job->related) {
    return MSIQ_WORKER_UNINSTALL_RELATED;
  }
  switch (job->action) {
    case MSIQ_ACTION_UNINSTALL:
      return MSIQ_WORKER_UNINSTALL;
    case MSIQ_ACTION_PATCH:
      return MSIQ_WORKER_PATCH;
    case MSIQ_ACTION_REPAIR:
      return MSIQ_WORKER_REPAIR;
    case MSIQ_ACTION_ADMIN:
      return MSIQ_WORKER_ADMIN;
    case MSIQ_ACTION_ADVERTISE:
      return MSIQ_WORKER_ADVERTISE;
    case MSIQ_ACTION_UNPATCH:
      return MSIQ_WORKER_UNPATCH;
    case MSIQ_ACTION_INSTALL:
    case MSIQ_ACTION_COUNT:
      break;
  }
  return MSIQ_WORKER_INSTALL;
}

/* The request's lines, one append after the other; stops at the first
 * failure. */
static int request_build_lines(const msiq_job *job, const char *log_path,
                               request_builder *builder,
                               bool *reboot_suppressed, msiq_diag *diag) {
  char version[16];
  snprintf(version, sizeof version, "%d", MSIQ_WORKER_PROTOCOL_VERSION);
  const char *request[] = {version};
  int status =
      request_builder_append(builder, MSIQ_WORKER_REQUEST, request, 1, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* The job's REINSTALLMODE when it sets a valid one, else msiexec's /f
   * default. */
  const char *operation[] = {
      job->target, msiq_repair_mode_of(job->properties, job->property_count)};
  status =
      request_builder_append(builder, request_operation_kind(job), operation,
                             job->action == MSIQ_ACTION_REPAIR ? 2 : 1, diag);
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, status,
                         "the %s target is too long for the worker's request",
                         msiq_action_name(job->action));
  }
  bool sets_reboot = false;
  for (size_t i = 0; i < job->property_count; i++) {
    const msiq_property *property = &job->properties[i];
    if (strcmp(property->name, MSIQ_WORKER_REBOOT_PROPERTY) == 0) {
      sets_reboot = true;
    }
    const char *fields[] = {property->name, property->value};
    status =
        request_builder_append(builder, MSIQ_WORKER_PROPERTY, fields, 2, diag);
    if (status != MSIQ_OK) {
      /* The value may be a password: only the name is said. */
      char quoted[96];
      msiq_quote_for_message(property->name, quoted, sizeof quoted);
      return msiq_diag_set(diag, status,
                           "property '%s' is too long for the worker's "
                           "request (at most %d bytes a line)",
                           quoted, MSIQ_WORKER_LINE_MAX - 1);
    }
  }
  /* An advertisement writes registrations only and takes no properties
   * (installer_command.h), so there is no restart to suppress. */
  if (job->action == MSIQ_ACTION_ADVERTISE) {
    sets_reboot = true;
  }
  if (!sets_reboot) {
    const char *fields[] = {MSIQ_WORKER_REBOOT_PROPERTY,
                            MSIQ_WORKER_REBOOT_SUPPRESS};
    status =
        request_builder_append(builder, MSIQ_WORKER_PROPERTY, fields, 2, diag);
  }
  if (status == MSIQ_OK) {
    /* The job's log mode travels as the second field; a job without one
     * gets the worker's default (/l*v, each line flushed). */
    const char *log[] = {log_path, job->log_mode};
    status = request_builder_append(builder, MSIQ_WORKER_LOG, log,
                                    job->log_mode != NULL ? 2 : 1, diag);
    if (status != MSIQ_OK) {
      status = msiq_diag_set(diag, status,
                             "the log path is too long for the worker's "
                             "request");
    }
  }
  if (status == MSIQ_OK) {
    status = request_builder_append(builder, MSIQ_WORKER_START, NULL, 0, diag);
  }
  if (reboot_suppressed != NULL) {
    *reboot_suppressed = !sets_reboot;
  }
  return status;
}

int msiq_worker_request_build(const msiq_job *job, const char *log_path,
                              char **text, size_t *length,
                              bool *reboot_suppressed, msiq_diag *diag) {
  *text = NULL;
  *length = 0;
  if (job == NULL || job->target == NULL || job->target[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "no target to build a worker request for");
  }
  if (log_path == NULL || log_path[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no installer log path given");
  }
  for (size_t i = 0; i < job->property_count; i++) {
    if (job->properties == NULL || job->properties[i].name == NULL ||
        job->properties[i].value == NULL) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "job property %zu has no name or no value", i + 1);
    }
  }
  request_builder builder = {NULL, 0, 0};
  int status =
      request_build_lines(job, log_path, &builder, reboot_suppressed, diag);
  if (status != MSIQ_OK) {
    free(builder.text);
    return status;
  }
  *text = builder.text;
  *length = builder.length;
  return MSIQ_OK;
}

void msiq_worker_operation_describe(const char *operation,
                                    bool reboot_suppressed, char *buffer,
                                    size_t size) {
  snprintf(buffer, size, "%s%s", operation,
           reboot_suppressed
               ? "; REBOOT=ReallySuppress was added by msiq (the job does "
                 "not set REBOOT)"
               : "");
}
