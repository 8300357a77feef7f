/* worker_link.c: folding a worker's lines into what the dispatcher knows.
 * See worker_link.h. */
#include "dispatcher/worker_link.h"

#include <stdio.h>
#include <string.h>

void msiq_worker_link_init(msiq_worker_link *link) {
  memset(link, 0, sizeof *link);
  msiq_worker_line_reader_init(&link->reader);
  link->percent = -1;
  /* Windows Installer shows its Cancel button until it says otherwise. */
  link->cancellable = true;
}

/* Copies text into a field of the link, cut to the field's size on a
 * UTF-8 character boundary (the texts end up in JSON). */
static void link_copy(char *field, size_t size, const char *text) {
  size_t length = strlen(text);
  if (length >= size) {
    length = size - 1;
    while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80) {
      length--;
    }
  }
  memcpy(field, text, length);
  field[length] = '\0';
}

static void link_note_bad_line(msiq_worker_link *link, const char *problem) {
  link->bad_line_count++;
  if (link->bad_line_count == 1) {
    link_copy(link->bad_line, sizeof link->bad_line, problem);
    link->changes |= MSIQ_WORKER_LINK_BAD_LINE;
  }
}

static void link_on_hello(msiq_worker_link *link,
                          const msiq_worker_message *message) {
  if (link->speaks_protocol) {
    return;
  }
  if (msiq_worker_field_integer(message->fields[0]) !=
      MSIQ_WORKER_PROTOCOL_VERSION) {
    /* A worker of another version is heard as no worker at all: judged by
     * its exit code, stopped at once when it must be stopped. */
    char problem[128];
    snprintf(problem, sizeof problem,
             "the worker speaks protocol version %s, this dispatcher %d",
             message->fields[0], MSIQ_WORKER_PROTOCOL_VERSION);
    link_note_bad_line(link, problem);
    return;
  }
  link->speaks_protocol = true;
  if (message->field_count > 1) {
    link->worker_pid = msiq_worker_field_integer(message->fields[1]);
  }
  link->changes |= MSIQ_WORKER_LINK_HELLO;
}

static void link_on_action(msiq_worker_link *link,
                           const msiq_worker_message *message) {
  char action[MSIQ_WORKER_LINK_TEXT_SIZE];
  link_copy(action, sizeof action, message->fields[0]);
  if (message->field_count > 1 && message->fields[1][0] != '\0') {
    size_t used = strlen(action);
    if (used + 2 < sizeof action) {
      memcpy(action + used, ": ", 3);
      link_copy(action + used + 2, sizeof action - used - 2,
                message->fields[1]);
    }
  }
  if (strcmp(action, link->action) != 0) {
    link_copy(link->action, sizeof link->action, action);
    link->changes |= MSIQ_WORKER_LINK_PROGRESS;
  }
}

static void link_on_message(msiq_worker_link *link,
                            const msiq_worker_message *message) {
  switch (message->kind) {
    case MSIQ_WORKER_OPERATION:
      link_copy(link->operation, sizeof link->operation, message->fields[0]);
      link->changes |= MSIQ_WORKER_LINK_OPERATION;
      break;
    case MSIQ_WORKER_ACTION:
      link_on_action(link, message);
      break;
    case MSIQ_WORKER_PROGRESS: {
      int percent = (int)msiq_worker_field_integer(message->fields[0]);
      if (percent != link->percent) {
        link->percent = percent;
        link->changes |= MSIQ_WORKER_LINK_PROGRESS;
      }
      break;
    }
    case MSIQ_WORKER_CANCELLABLE:
      link->cancellable = msiq_worker_field_integer(message->fields[0]) != 0;
      break;
    case MSIQ_WORKER_ERROR:
      link->has_error = true;
      link->error_number = msiq_worker_field_integer(message->fields[0]);
      link_copy(link->error_text, sizeof link->error_text, message->fields[1]);
      link_copy(link->error_action, sizeof link->error_action,
                message->field_count > 2 ? message->fields[2] : "");
      link->changes |= MSIQ_WORKER_LINK_ERROR;
      break;
    case MSIQ_WORKER_FILES_IN_USE:
      link_copy(link->files_in_use, sizeof link->files_in_use,
                message->fields[0]);
      link->changes |= MSIQ_WORKER_LINK_FILES_IN_USE;
      break;
    case MSIQ_WORKER_CANCELLING:
      if (!link->cancelling) {
        link->cancelling = true;
        link->changes |= MSIQ_WORKER_LINK_CANCELLING;
      }
      break;
    case MSIQ_WORKER_RESULT:
      if (!link->has_result) {
        link->has_result = true;
        link->result = msiq_worker_field_integer(message->fields[0]);
        link->changes |= MSIQ_WORKER_LINK_RESULT;
      }
      break;
    case MSIQ_WORKER_HELLO:
      /* A second hello changes nothing. */
      break;
    default: {
      char problem[128];
      snprintf(problem, sizeof problem,
               "the worker sent '%s', which only the dispatcher sends",
               msiq_worker_message_keyword(message->kind));
      link_note_bad_line(link, problem);
      break;
    }
  }
}

static void link_on_line(void *context, const char *line, size_t length,
                         bool truncated) {
  msiq_worker_link *link = context;
  msiq_worker_message message;
  msiq_diag diag = {{0}};
  int status = MSIQ_OK;
  if (truncated) {
    status =
        msiq_diag_set(&diag, MSIQ_EINVAL, "worker message longer than %d bytes",
                      MSIQ_WORKER_LINE_MAX - 1);
  } else {
    status = msiq_worker_message_parse(line, length, &message, &diag);
  }
  if (!link->speaks_protocol) {
    /* Before `hello` nothing is the protocol: only `hello` is heard. */
    if (status == MSIQ_OK && message.kind == MSIQ_WORKER_HELLO) {
      link_on_hello(link, &message);
    }
    return;
  }
  if (status != MSIQ_OK) {
    link_note_bad_line(link, diag.message);
    return;
  }
  link_on_message(link, &message);
}

unsigned msiq_worker_link_feed(msiq_worker_link *link, const char *bytes,
                               size_t count) {
  link->changes = 0;
  msiq_worker_line_reader_feed(&link->reader, bytes, count, link_on_line, link);
  return link->changes;
}

const msiq_worker_error *msiq_worker_link_error(const msiq_worker_link *link,
                                                msiq_worker_error *error) {
  if (!link->has_error) {
    return NULL;
  }
  error->number = link->error_number;
  error->text = link->error_text;
  error->action = link->error_action;
  return error;
}
