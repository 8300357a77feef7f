/* worker_protocol.c: parsing and formatting the worker's lines. See
 * worker_protocol.h. */
#include "core/worker_protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
        default:
          WORKER_PUT(*c);
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
