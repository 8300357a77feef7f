/* fuzz_worker_protocol.c: the worker protocol on hostile bytes: the line
 * reader (msiq_worker_line_reader), the message parser and formatter
 * (core/worker_protocol.h), the worker's request (core/worker_request.h)
 * and the dispatcher's side (dispatcher/worker_link.h).
 *
 * Input: byte 0 seeds how the rest is cut into feeds (0: one feed; else
 * pieces of 1 to 64 bytes from a small generator), the rest is the stream
 * a worker (or, for the request, the dispatcher) writes. Inputs of more
 * than 24,576 bytes are rejected (three times the longest line).
 * Invariants:
 *   - the reader hands on exactly the lines a reference split gives: every
 *     segment ended by a line feed, and the first 8191 bytes, marked
 *     truncated, of a segment too long to fit (ended or not); the same,
 *     however the stream is cut into feeds;
 *   - a line is parsed or refused with a one-line reason; one that holds a
 *     NUL, bytes that are not UTF-8 (checked by fuzz_support.h's own
 *     reader) or is longer than 8191 bytes is refused; an accepted one has
 *     UTF-8 fields, numbers in their documented ranges, and formats (when
 *     its escapes still fit in a line) into a line that parses back to the
 *     same message;
 *   - the accepted messages, added in order to a worker request: once
 *     refused it stays refused, it is complete exactly after a `start`
 *     that was accepted, nothing is accepted after that; a complete
 *     request has a target, valid property names and UTF-8 values, no
 *     property twice, and the request msiq_worker_request_build() makes
 *     of it reads back to the same operation, target, properties (plus
 *     REBOOT when the build added it) and log;
 *   - the dispatcher's worker link, fed the same stream in the same
 *     pieces, keeps only UTF-8 texts (what it keeps goes to the queue and
 *     to --json output), a percent of -1 or 0 to 100, and takes nothing
 *     from a worker that has not said `hello`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "core/job.h"
#include "core/worker_protocol.h"
#include "core/worker_request.h"
#include "dispatcher/worker_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (3 * MSIQ_WORKER_LINE_MAX)

/* The lines a reader handed on. */
typedef struct line_list {
  char **texts;
  size_t *lengths;
  bool *truncated;
  size_t count;
  size_t capacity;
} line_list;

static void line_list_add(line_list *list, const char *text, size_t length,
                          bool truncated) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity != 0 ? list->capacity * 2 : 16;
    char **texts = fuzz_alloc(capacity * sizeof *texts);
    size_t *lengths = fuzz_alloc(capacity * sizeof *lengths);
    bool *flags = fuzz_alloc(capacity * sizeof *flags);
    if (list->count > 0) {
      memcpy(texts, list->texts, list->count * sizeof *texts);
      memcpy(lengths, list->lengths, list->count * sizeof *lengths);
      memcpy(flags, list->truncated, list->count * sizeof *flags);
    }
    free(list->texts);
    free(list->lengths);
    free(list->truncated);
    list->texts = texts;
    list->lengths = lengths;
    list->truncated = flags;
    list->capacity = capacity;
  }
  list->texts[list->count] = fuzz_text_copy(text, length);
  list->lengths[list->count] = length;
  list->truncated[list->count] = truncated;
  list->count++;
}

static void line_list_free(line_list *list) {
  for (size_t i = 0; i < list->count; i++) {
    free(list->texts[i]);
  }
  free(list->texts);
  free(list->lengths);
  free(list->truncated);
  memset(list, 0, sizeof *list);
}

static void on_line(void *context, const char *line, size_t length,
                    bool truncated) {
  FUZZ_CHECK(line[length] == '\0', "the reader's line is not terminated");
  line_list_add(context, line, length, truncated);
}

/* The sizes of the feeds: all at once for seed 0, else 1 to 64 bytes. */
static size_t next_piece(uint32_t *seed, size_t left) {
  if (*seed == 0) {
    return left;
  }
  *seed = *seed * 1103515245u + 12345u;
  size_t piece = 1 + (*seed >> 16) % 64;
  return piece < left ? piece : left;
}

/* What the reader must hand on, by splitting the whole stream at once. */
static void reference_split(const char *stream, size_t size, line_list *out) {
  size_t start = 0;
  for (size_t i = 0; i <= size; i++) {
    bool ended = i < size && stream[i] == '\n';
    if (!ended && i < size) {
      continue;
    }
    size_t length = i - start;
    if (length >= MSIQ_WORKER_LINE_MAX) {
      line_list_add(out, stream + start, MSIQ_WORKER_LINE_MAX - 1, true);
    } else if (ended) {
      line_list_add(out, stream + start, length, false);
    }
    start = i + 1;
  }
}

static void check_same_lines(const line_list *got, const line_list *expected,
                             const char *how) {
  FUZZ_CHECK(got->count == expected->count,
             "the reader (%s) handed on %lu lines, the reference %lu", how,
             (unsigned long)got->count, (unsigned long)expected->count);
  for (size_t i = 0; i < got->count; i++) {
    FUZZ_CHECK(got->lengths[i] == expected->lengths[i] &&
                   got->truncated[i] == expected->truncated[i] &&
                   memcmp(got->texts[i], expected->texts[i], got->lengths[i]) ==
                       0,
               "line %lu (%s): the reader gave %lu bytes%s, the reference "
               "%lu%s",
               (unsigned long)i, how, (unsigned long)got->lengths[i],
               got->truncated[i] ? " (truncated)" : "",
               (unsigned long)expected->lengths[i],
               expected->truncated[i] ? " (truncated)" : "");
  }
}

static void check_number(const msiq_worker_message *message, int64_t low,
                         int64_t high) {
  int64_t value = msiq_worker_field_integer(message->fields[0]);
  FUZZ_CHECK(value >= low && value <= high,
             "'%s' accepted with %lld, outside %lld..%lld",
             msiq_worker_message_keyword(message->kind), (long long)value,
             (long long)low, (long long)high);
}

/* Parses one line and checks what came of it; true when it was accepted. */
static bool check_line(const char *line, size_t length,
                       msiq_worker_message *message) {
  msiq_diag diag = {{0}};
  int status = msiq_worker_message_parse(line, length, message, &diag);
  size_t content = length;
  if (content > 0 && line[content - 1] == '\r') {
    content--;
  }
  bool must_refuse = memchr(line, '\0', length) != NULL ||
                     !fuzz_is_utf8(line, length) ||
                     content >= MSIQ_WORKER_LINE_MAX;
  if (status != MSIQ_OK) {
    FUZZ_CHECK(status == MSIQ_EINVAL, "parse returned %d", status);
    FUZZ_CHECK(diag.message[0] != '\0' && fuzz_is_one_line(diag.message),
               "a refused line without a one-line reason: [%s]", diag.message);
    FUZZ_CHECK(fuzz_text_is_utf8(diag.message),
               "the reason for refusing a line is not UTF-8: [%s]",
               diag.message);
    return false;
  }
  FUZZ_CHECK(!must_refuse,
             "a line with a NUL, bytes that are not UTF-8 or %lu bytes was "
             "accepted",
             (unsigned long)content);
  FUZZ_CHECK((unsigned)message->kind < MSIQ_WORKER_MESSAGE_COUNT &&
                 message->field_count <= MSIQ_WORKER_FIELDS_MAX,
             "accepted message of kind %d with %lu fields", (int)message->kind,
             (unsigned long)message->field_count);
  for (size_t i = 0; i < message->field_count; i++) {
    FUZZ_CHECK(fuzz_text_is_utf8(message->fields[i]),
               "field %lu of an accepted '%s' is not UTF-8", (unsigned long)i,
               msiq_worker_message_keyword(message->kind));
  }
  switch (message->kind) {
    case MSIQ_WORKER_HELLO:
    case MSIQ_WORKER_REQUEST:
      check_number(message, 1, INT32_MAX);
      break;
    case MSIQ_WORKER_PROGRESS:
      check_number(message, 0, 100);
      break;
    case MSIQ_WORKER_CANCELLABLE:
      check_number(message, 0, 1);
      break;
    case MSIQ_WORKER_ERROR:
    case MSIQ_WORKER_RESULT:
      check_number(message, 0, UINT32_MAX);
      break;
    default:
      break;
  }

  /* Formatted again, it parses back to itself. */
  char formatted[MSIQ_WORKER_LINE_MAX];
  int formatted_status = msiq_worker_message_format(
      message->kind, message->fields, message->field_count, formatted,
      sizeof formatted, &diag);
  if (formatted_status != MSIQ_OK) {
    /* Raw carriage returns inside a field are escaped in the output, so a
     * line near the limit may not fit again; nothing else may fail. */
    FUZZ_CHECK(strstr(diag.message, "longer than") != NULL,
               "an accepted '%s' cannot be formatted: %s",
               msiq_worker_message_keyword(message->kind), diag.message);
    return true;
  }
  msiq_worker_message *again = fuzz_alloc(sizeof *again);
  FUZZ_CHECK(msiq_worker_message_parse(formatted, strlen(formatted), again,
                                       &diag) == MSIQ_OK,
             "the formatted [%s] does not parse: %s", formatted, diag.message);
  FUZZ_CHECK(again->kind == message->kind &&
                 again->field_count == message->field_count,
             "the formatted [%s] parses to another message", formatted);
  for (size_t i = 0; i < message->field_count; i++) {
    FUZZ_CHECK(strcmp(again->fields[i], message->fields[i]) == 0,
               "field %lu changed through format and parse: [%s] -> [%s]",
               (unsigned long)i, message->fields[i], again->fields[i]);
  }
  free(again);
  return true;
}

/* The property named name in spec, or NULL. */
static const msiq_property *find_property(const msiq_job_spec *spec,
                                          const char *name) {
  for (size_t i = 0; i < spec->property_count; i++) {
    if (strcmp(spec->properties[i].name, name) == 0) {
      return &spec->properties[i];
    }
  }
  return NULL;
}

/* Reads text (a request) through the reader, the parser and a request. */
static void read_request(const char *text, size_t length,
                         msiq_worker_request *request) {
  line_list lines = {0};
  msiq_worker_line_reader *reader = fuzz_alloc(sizeof *reader);
  msiq_worker_line_reader_init(reader);
  msiq_worker_line_reader_feed(reader, text, length, on_line, &lines);
  free(reader);
  msiq_worker_message *message = fuzz_alloc(sizeof *message);
  for (size_t i = 0; i < lines.count; i++) {
    msiq_diag diag = {{0}};
    FUZZ_CHECK(msiq_worker_message_parse(lines.texts[i], lines.lengths[i],
                                         message, &diag) == MSIQ_OK,
               "built request line [%s] does not parse: %s", lines.texts[i],
               diag.message);
    FUZZ_CHECK(msiq_worker_request_add(request, message, &diag) == MSIQ_OK,
               "built request line [%s] is refused: %s", lines.texts[i],
               diag.message);
  }
  free(message);
  line_list_free(&lines);
}

/* A complete request: what it holds, and that building it again reads
 * back the same. */
static void check_complete_request(const msiq_worker_request *request) {
  const msiq_job_spec *spec = &request->job;
  FUZZ_CHECK(spec->target != NULL && spec->target[0] != '\0' &&
                 fuzz_text_is_utf8(spec->target),
             "a complete request has no UTF-8 target");
  FUZZ_CHECK((unsigned)spec->action < MSIQ_ACTION_COUNT,
             "a complete request has action %d", (int)spec->action);
  for (size_t i = 0; i < spec->property_count; i++) {
    const msiq_property *property = &spec->properties[i];
    FUZZ_CHECK(msiq_property_name_is_valid(property->name) &&
                   fuzz_text_is_utf8(property->value) &&
                   !fuzz_has_control(property->value),
               "a complete request holds property [%s]", property->name);
    for (size_t j = 0; j < i; j++) {
      FUZZ_CHECK(strcmp(spec->properties[j].name, property->name) != 0,
                 "a complete request holds property %s twice", property->name);
    }
  }

  msiq_job job;
  msiq_job_init(&job);
  job.action = spec->action;
  job.target = spec->target;
  job.properties = spec->properties;
  job.property_count = spec->property_count;
  const char *log_path =
      spec->log_path != NULL ? spec->log_path : "C:\\ProgramData\\msiq\\1.log";
  char *text = NULL;
  size_t length = 0;
  bool reboot_suppressed = false;
  msiq_diag diag = {{0}};
  int status = msiq_worker_request_build(&job, log_path, &text, &length,
                                         &reboot_suppressed, &diag);
  if (status != MSIQ_OK) {
    FUZZ_CHECK(strstr(diag.message, "too long") != NULL,
               "a complete request cannot be built again: %s", diag.message);
    return;
  }
  msiq_worker_request *again = fuzz_alloc(sizeof *again);
  msiq_worker_request_init(again);
  read_request(text, length, again);
  FUZZ_CHECK(msiq_worker_request_is_complete(again),
             "the built request is not complete");
  FUZZ_CHECK(again->job.action == spec->action &&
                 strcmp(again->job.target, spec->target) == 0 &&
                 again->job.log_path != NULL &&
                 strcmp(again->job.log_path, log_path) == 0,
             "the built request names another operation, target or log");
  size_t added = reboot_suppressed ? 1 : 0;
  FUZZ_CHECK(again->job.property_count == spec->property_count + added,
             "the built request has %lu properties for %lu (+%lu)",
             (unsigned long)again->job.property_count,
             (unsigned long)spec->property_count, (unsigned long)added);
  for (size_t i = 0; i < spec->property_count; i++) {
    const msiq_property *property =
        find_property(&again->job, spec->properties[i].name);
    FUZZ_CHECK(property != NULL &&
                   strcmp(property->value, spec->properties[i].value) == 0,
               "property %s changed through build and read",
               spec->properties[i].name);
  }
  if (reboot_suppressed) {
    const msiq_property *reboot =
        find_property(&again->job, MSIQ_WORKER_REBOOT_PROPERTY);
    FUZZ_CHECK(reboot != NULL && find_property(spec, "REBOOT") == NULL &&
                   strcmp(reboot->value, MSIQ_WORKER_REBOOT_SUPPRESS) == 0,
               "REBOOT was said to be added but is not as documented");
  }
  msiq_worker_request_cleanup(again);
  free(again);
  free(text);
}

/* The accepted messages, in order, into one request. */
static void check_request(msiq_worker_message *const *messages, size_t count) {
  msiq_worker_request *request = fuzz_alloc(sizeof *request);
  msiq_worker_request_init(request);
  bool refused = false;
  bool complete = false;
  for (size_t i = 0; i < count; i++) {
    msiq_diag diag = {{0}};
    int status = msiq_worker_request_add(request, messages[i], &diag);
    if (status != MSIQ_OK) {
      FUZZ_CHECK(status == MSIQ_EINVAL && fuzz_is_one_line(diag.message) &&
                     diag.message[0] != '\0' && fuzz_text_is_utf8(diag.message),
                 "request refusal %d without a one-line reason: [%s]", status,
                 diag.message);
      refused = true;
    } else {
      FUZZ_CHECK(!refused, "a refused request accepted '%s'",
                 msiq_worker_message_keyword(messages[i]->kind));
      FUZZ_CHECK(!complete, "a complete request accepted '%s'",
                 msiq_worker_message_keyword(messages[i]->kind));
      if (messages[i]->kind == MSIQ_WORKER_START) {
        complete = true;
      }
    }
    FUZZ_CHECK(
        msiq_worker_request_is_complete(request) == (complete && !refused),
        "the request says complete=%d after %s (start accepted: %d, "
        "refused: %d)",
        msiq_worker_request_is_complete(request),
        msiq_worker_message_keyword(messages[i]->kind), complete, refused);
  }
  if (msiq_worker_request_is_complete(request)) {
    check_complete_request(request);
  }
  msiq_worker_request_cleanup(request);
  free(request);
}

static void check_link_text(const char *text, size_t size, const char *what) {
  FUZZ_CHECK(memchr(text, '\0', size) != NULL, "the link's %s is unterminated",
             what);
  FUZZ_CHECK(fuzz_text_is_utf8(text), "the link keeps a %s that is not UTF-8",
             what);
}

/* The dispatcher's side, fed the stream in the given pieces. */
static void check_link(const char *stream, size_t size, uint32_t seed) {
  msiq_worker_link *link = fuzz_alloc(sizeof *link);
  msiq_worker_link_init(link);
  for (size_t offset = 0; offset < size;) {
    size_t piece = next_piece(&seed, size - offset);
    msiq_worker_link_feed(link, stream + offset, piece);
    offset += piece;
  }
  check_link_text(link->operation, sizeof link->operation, "operation");
  check_link_text(link->action, sizeof link->action, "action");
  check_link_text(link->error_text, sizeof link->error_text, "error text");
  check_link_text(link->error_action, sizeof link->error_action,
                  "error action");
  check_link_text(link->files_in_use, sizeof link->files_in_use,
                  "files in use");
  check_link_text(link->bad_line, sizeof link->bad_line, "bad line report");
  FUZZ_CHECK(link->percent >= -1 && link->percent <= 100,
             "the link's percent is %d", link->percent);
  if (!link->speaks_protocol) {
    FUZZ_CHECK(link->operation[0] == '\0' && link->action[0] == '\0' &&
                   link->percent == -1 && !link->has_error &&
                   !link->has_result && link->files_in_use[0] == '\0',
               "the link took something from a worker that never said "
               "hello");
  }
  free(link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > INPUT_MAX + 1) {
    return -1;
  }
  uint32_t seed = data[0];
  const char *stream = (const char *)data + 1;
  size_t stream_size = size - 1;

  line_list expected = {0};
  reference_split(stream, stream_size, &expected);
  /* At once, and in the pieces the seed says. */
  line_list whole = {0};
  line_list pieces = {0};
  msiq_worker_line_reader *reader = fuzz_alloc(sizeof *reader);
  msiq_worker_line_reader_init(reader);
  msiq_worker_line_reader_feed(reader, stream, stream_size, on_line, &whole);
  msiq_worker_line_reader_init(reader);
  uint32_t piece_seed = seed;
  for (size_t offset = 0; offset < stream_size;) {
    size_t piece = next_piece(&piece_seed, stream_size - offset);
    msiq_worker_line_reader_feed(reader, stream + offset, piece, on_line,
                                 &pieces);
    offset += piece;
  }
  free(reader);
  check_same_lines(&whole, &expected, "one feed");
  check_same_lines(&pieces, &expected, "in pieces");

  msiq_worker_message **accepted =
      fuzz_alloc((whole.count + 1) * sizeof *accepted);
  size_t accepted_count = 0;
  for (size_t i = 0; i < whole.count; i++) {
    if (whole.truncated[i]) {
      continue;
    }
    msiq_worker_message *message = fuzz_alloc(sizeof *message);
    if (check_line(whole.texts[i], whole.lengths[i], message)) {
      accepted[accepted_count++] = message;
    } else {
      free(message);
    }
  }
  check_request(accepted, accepted_count);
  check_link(stream, stream_size, seed);

  for (size_t i = 0; i < accepted_count; i++) {
    free(accepted[i]);
  }
  free(accepted);
  line_list_free(&expected);
  line_list_free(&whole);
  line_list_free(&pieces);
  return 0;
}
