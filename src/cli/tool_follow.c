/* tool_follow.c: what the commands that follow a running job share: a
 * progress report as one line of text (`status`, `wait --progress`), and a
 * log decoded while it grows (`log --follow`). See tool.h. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "dispatcher/log_excerpt.h"

/* Progress as text. */

/* Appends text to buffer (which holds *used characters), cut short where
 * the buffer ends; escaped turns control characters into \xNN. */
static void progress_append(char *buffer, size_t size, size_t *used,
                            const char *text, bool escaped) {
  for (const unsigned char *cursor = (const unsigned char *)text;
       *cursor != '\0'; cursor++) {
    char piece[8] = {(char)*cursor, '\0'};
    if (escaped && msiq_character_is_control(*cursor)) {
      snprintf(piece, sizeof piece, "\\x%02x", *cursor);
    }
    size_t length = strlen(piece);
    if (*used + length >= size) {
      return;
    }
    memcpy(buffer + *used, piece, length + 1);
    *used += length;
  }
}

const char *tool_format_progress(const msiq_progress_report *progress,
                                 char *buffer, size_t size) {
  size_t used = 0;
  if (size == 0) {
    return buffer;
  }
  buffer[0] = '\0';
  if (!progress->reported) {
    return buffer;
  }
  if (progress->percent >= 0) {
    char percent[16];
    snprintf(percent, sizeof percent, "%d%%", progress->percent);
    progress_append(buffer, size, &used, percent, false);
  }
  if (progress->action[0] != '\0') {
    if (used > 0) {
      progress_append(buffer, size, &used, " ", false);
    }
    /* The action comes from the installer: escaped, so that one report
     * stays one line on a terminal. */
    progress_append(buffer, size, &used, progress->action, true);
  }
  return buffer;
}

/* A log decoded while it grows. */

void tool_log_stream_init(tool_log_stream *stream) {
  memset(stream, 0, sizeof *stream);
}

void tool_log_stream_cleanup(tool_log_stream *stream) {
  free(stream->text);
  tool_log_stream_init(stream);
}

/* Appends decoded text to what waits for its line feed. */
static int log_stream_append(tool_log_stream *stream, const char *text,
                             size_t length, msiq_diag *diag) {
  if (stream->length + length + 1 > stream->capacity) {
    size_t capacity = stream->capacity ? stream->capacity : 4096;
    while (stream->length + length + 1 > capacity) {
      capacity *= 2;
    }
    char *grown = realloc(stream->text, capacity);
    if (grown == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading a log");
    }
    stream->text = grown;
    stream->capacity = capacity;
  }
  memcpy(stream->text + stream->length, text, length);
  stream->length += length;
  stream->text[stream->length] = '\0';
  return MSIQ_OK;
}

/* Whether the first bytes of a log (fewer than three) may still grow into
 * a byte-order mark, so that its encoding cannot be told yet. */
static bool log_stream_may_be_mark(const unsigned char *bytes, size_t count) {
  if (count == 0) {
    return true;
  }
  if (count == 1) {
    return bytes[0] == 0xff || bytes[0] == 0xfe || bytes[0] == 0xef;
  }
  return count == 2 && bytes[0] == 0xef && bytes[1] == 0xbb;
}

/* Tells the encoding from the log's first bytes, as msiq_log_decode does
 * for a whole log; *start receives the length of the byte-order mark.
 * Returns false while the bytes are too few to tell. */
static bool log_stream_detect(tool_log_stream *stream,
                              const unsigned char *bytes, size_t count,
                              bool at_end, size_t *start) {
  *start = 0;
  if (count >= 2 && bytes[0] == 0xff && bytes[1] == 0xfe) {
    stream->encoding = TOOL_LOG_ENCODING_UTF16LE;
    *start = 2;
  } else if (count >= 2 && bytes[0] == 0xfe && bytes[1] == 0xff) {
    stream->encoding = TOOL_LOG_ENCODING_UTF16BE;
    *start = 2;
  } else if (count >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb &&
             bytes[2] == 0xbf) {
    stream->encoding = TOOL_LOG_ENCODING_UTF8;
    stream->utf8_mark = true;
    *start = 3;
  } else if (!at_end && log_stream_may_be_mark(bytes, count)) {
    return false;
  } else {
    stream->encoding = TOOL_LOG_ENCODING_UTF8;
  }
  return true;
}

/* The length of bytes without a UTF-8 sequence cut short at their end,
 * which waits for the rest of its bytes (at most three). */
static size_t log_stream_complete_utf8(const unsigned char *bytes,
                                       size_t count) {
  for (size_t back = 1; back <= 3 && back <= count; back++) {
    unsigned char byte = bytes[count - back];
    if ((byte & 0xc0) == 0x80) {
      continue; /* a continuation byte: look further back */
    }
    size_t needed = (byte & 0xe0) == 0xc0   ? 2
                    : (byte & 0xf0) == 0xe0 ? 3
                    : (byte & 0xf8) == 0xf0 ? 4
                                            : 1;
    return needed > back ? count - back : count;
  }
  return count;
}

/* Appends bytes of a log that is not UTF-16, as msiq_log_decode reads a
 * whole one (msiq_log_decode_8bit). Each piece is judged alone, so a log
 * whose bytes are valid UTF-8 in one piece and not in another comes out as
 * a whole log would only when both readings agree (ASCII does). */
static int log_stream_take_bytes(tool_log_stream *stream,
                                 const unsigned char *bytes, size_t count,
                                 msiq_diag *diag) {
  char *text = NULL;
  int status = msiq_log_decode_8bit((const char *)bytes, count,
                                    stream->utf8_mark, &text, diag);
  if (status == MSIQ_OK) {
    status = log_stream_append(stream, text, strlen(text), diag);
  }
  free(text);
  return status;
}

/* Decodes what it can of the held bytes followed by bytes into the text;
 * keeps what must wait for the bytes after it (the start of a byte-order
 * mark, half a UTF-16 unit, a high surrogate without its low one). At the
 * end nothing waits: what is left is decoded as msiq_log_decode would. */
static int log_stream_take(tool_log_stream *stream, const unsigned char *bytes,
                           size_t count, bool at_end, msiq_diag *diag) {
  size_t total = stream->held_count + count;
  /* Two bytes of room in front, for the byte-order mark that tells
   * msiq_log_decode the encoding of a piece from the middle of a log. */
  unsigned char *data = malloc(total + 2);
  if (data == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading a log");
  }
  unsigned char *input = data + 2;
  memcpy(input, stream->held, stream->held_count);
  if (count > 0) {
    memcpy(input + stream->held_count, bytes, count);
  }
  stream->held_count = 0;
  int status = MSIQ_OK;
  size_t start = 0;
  size_t used = total;
  if (stream->encoding == TOOL_LOG_ENCODING_UNKNOWN &&
      !log_stream_detect(stream, input, total, at_end, &start)) {
    used = 0;
  } else if (stream->encoding == TOOL_LOG_ENCODING_UTF8) {
    used = at_end
               ? total
               : start + log_stream_complete_utf8(input + start, total - start);
    status = log_stream_take_bytes(stream, input + start, used - start, diag);
  } else {
    bool big_endian = stream->encoding == TOOL_LOG_ENCODING_UTF16BE;
    size_t units = (total - start) & ~(size_t)1;
    if (!at_end && units >= 2) {
      const unsigned char *last = input + start + units - 2;
      unsigned unit = big_endian ? (unsigned)(last[0] << 8 | last[1])
                                 : (unsigned)(last[0] | last[1] << 8);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        units -= 2;
      }
    }
    used = at_end ? total : start + units;
    if (units > 0) {
      unsigned char *piece = input + start - 2;
      piece[0] = big_endian ? 0xfe : 0xff;
      piece[1] = big_endian ? 0xff : 0xfe;
      char *text = NULL;
      status = msiq_log_decode(piece, units + 2, &text, diag);
      if (status == MSIQ_OK) {
        status = log_stream_append(stream, text, strlen(text), diag);
      }
      free(text);
    }
  }
  if (status == MSIQ_OK) {
    /* At most a mark's first two bytes, or an odd byte after a high
     * surrogate: three, which held has room for. */
    stream->held_count = total - used;
    memcpy(stream->held, input + used, stream->held_count);
  }
  free(data);
  return status;
}

/* Hands out the first `length` characters of the text (free() *text) and
 * keeps the rest. */
static int log_stream_hand_out(tool_log_stream *stream, size_t length,
                               char **text, msiq_diag *diag) {
  *text = malloc(length + 1);
  if (*text == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading a log");
  }
  if (length > 0) {
    memcpy(*text, stream->text, length);
    memmove(stream->text, stream->text + length, stream->length - length + 1);
    stream->length -= length;
  }
  (*text)[length] = '\0';
  return MSIQ_OK;
}

int tool_log_stream_feed(tool_log_stream *stream, const unsigned char *bytes,
                         size_t count, char **lines, msiq_diag *diag) {
  *lines = NULL;
  int status = log_stream_take(stream, bytes, count, false, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  size_t length = 0;
  for (size_t i = stream->length; i > 0; i--) {
    if (stream->text[i - 1] == '\n') {
      length = i;
      break;
    }
  }
  return log_stream_hand_out(stream, length, lines, diag);
}

int tool_log_stream_finish(tool_log_stream *stream, char **rest,
                           msiq_diag *diag) {
  *rest = NULL;
  int status = log_stream_take(stream, NULL, 0, true, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  return log_stream_hand_out(stream, stream->length, rest, diag);
}
