/* log_excerpt.c: see log_excerpt.h. */
#include "dispatcher/log_excerpt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "host/host.h"

/* A growing UTF-8 buffer. */
typedef struct log_buffer {
  char *data;
  size_t length;
  size_t capacity;
  bool failed;
} log_buffer;

static void log_buffer_append(log_buffer *buffer, const char *bytes,
                              size_t count) {
  if (buffer->failed) {
    return;
  }
  if (buffer->length + count + 1 > buffer->capacity) {
    size_t capacity = buffer->capacity ? buffer->capacity : 4096;
    while (buffer->length + count + 1 > capacity) {
      capacity *= 2;
    }
    char *grown = realloc(buffer->data, capacity);
    if (grown == NULL) {
      buffer->failed = true;
      return;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->length, bytes, count);
  buffer->length += count;
  buffer->data[buffer->length] = '\0';
}

static void log_buffer_append_code_point(log_buffer *buffer,
                                         unsigned long code_point) {
  char bytes[4];
  size_t count;
  if (code_point < 0x80) {
    bytes[0] = (char)code_point;
    count = 1;
  } else if (code_point < 0x800) {
    bytes[0] = (char)(0xc0 | (code_point >> 6));
    bytes[1] = (char)(0x80 | (code_point & 0x3f));
    count = 2;
  } else if (code_point < 0x10000) {
    bytes[0] = (char)(0xe0 | (code_point >> 12));
    bytes[1] = (char)(0x80 | ((code_point >> 6) & 0x3f));
    bytes[2] = (char)(0x80 | (code_point & 0x3f));
    count = 3;
  } else {
    bytes[0] = (char)(0xf0 | (code_point >> 18));
    bytes[1] = (char)(0x80 | ((code_point >> 12) & 0x3f));
    bytes[2] = (char)(0x80 | ((code_point >> 6) & 0x3f));
    bytes[3] = (char)(0x80 | (code_point & 0x3f));
    count = 4;
  }
  log_buffer_append(buffer, bytes, count);
}

static void log_decode_utf16(const unsigned char *bytes, size_t length,
                             bool big_endian, log_buffer *buffer) {
  for (size_t i = 0; i + 1 < length; i += 2) {
    unsigned long unit = big_endian
                             ? (unsigned long)(bytes[i] << 8 | bytes[i + 1])
                             : (unsigned long)(bytes[i] | bytes[i + 1] << 8);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 3 < length) {
      unsigned long low =
          big_endian ? (unsigned long)(bytes[i + 2] << 8 | bytes[i + 3])
                     : (unsigned long)(bytes[i + 2] | bytes[i + 3] << 8);
      if (low >= 0xdc00 && low <= 0xdfff) {
        log_buffer_append_code_point(buffer, 0x10000 + ((unit - 0xd800) << 10) +
                                                 (low - 0xdc00));
        i += 2;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) {
      unit = 0xfffd; /* a lone surrogate */
    }
    if (unit != 0) {
      log_buffer_append_code_point(buffer, unit);
    }
  }
}

int msiq_log_decode_8bit(const char *bytes, size_t length, bool utf8_mark,
                         char **text, msiq_diag *diag) {
  if (msiq_utf8_valid_prefix(bytes, length) != length) {
    /* Not UTF-8: with a UTF-8 mark, a damaged UTF-8 log (its bad bytes
     * become U+FFFD); without one, a log in the ANSI code page (a program
     * that writes neither UTF-8 nor UTF-16). Either way what is shown and
     * stored is UTF-8. */
    if (!utf8_mark) {
      return msiq_host_text_from_ansi(bytes, length, text, diag);
    }
    *text = msiq_text_utf8_repair(bytes, length);
    return *text != NULL ? MSIQ_OK
                         : msiq_diag_set(diag, MSIQ_ENOMEM,
                                         "out of memory reading a log");
  }
  /* NUL bytes would end the text early; UTF-8 logs never need them. */
  *text = malloc(length + 1);
  if (*text == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading a log");
  }
  size_t kept = 0;
  for (size_t i = 0; i < length; i++) {
    if (bytes[i] != 0) {
      (*text)[kept++] = bytes[i];
    }
  }
  (*text)[kept] = '\0';
  return MSIQ_OK;
}

int msiq_log_decode(const unsigned char *bytes, size_t length, char **text,
                    msiq_diag *diag) {
  log_buffer buffer = {0};
  log_buffer_append(&buffer, "", 0);
  if (length >= 2 && bytes[0] == 0xff && bytes[1] == 0xfe) {
    log_decode_utf16(bytes + 2, length - 2, false, &buffer);
  } else if (length >= 2 && bytes[0] == 0xfe && bytes[1] == 0xff) {
    log_decode_utf16(bytes + 2, length - 2, true, &buffer);
  } else {
    size_t skip =
        length >= 3 && bytes[0] == 0xef && bytes[1] == 0xbb && bytes[2] == 0xbf
            ? 3
            : 0;
    char *converted = NULL;
    int status = msiq_log_decode_8bit((const char *)bytes + skip, length - skip,
                                      skip > 0, &converted, diag);
    if (status != MSIQ_OK) {
      free(buffer.data);
      return status;
    }
    log_buffer_append(&buffer, converted, strlen(converted));
    free(converted);
  }
  if (buffer.failed) {
    free(buffer.data);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading a log");
  }
  *text = buffer.data;
  return MSIQ_OK;
}

int msiq_log_read(const char *path, char **text, msiq_diag *diag) {
  /* The host's fopen leaves the operating system's reason in errno, on
   * Windows too (_wfopen sets it), so the message can say why. */
  FILE *file = msiq_host_fopen(path, "rb");
  if (file == NULL) {
    int error = errno;
    return msiq_diag_set(diag, MSIQ_EINVAL, "cannot open log %s: %s", path,
                         strerror(error));
  }
  log_buffer raw = {0};
  char chunk[65536];
  size_t count;
  while ((count = fread(chunk, 1, sizeof chunk, file)) > 0) {
    log_buffer_append(&raw, chunk, count);
  }
  bool read_failed = ferror(file) != 0;
  int read_error = errno;
  fclose(file);
  if (raw.failed || read_failed) {
    free(raw.data);
    return msiq_diag_set(diag, raw.failed ? MSIQ_ENOMEM : MSIQ_EIO,
                         "cannot read log %s: %s", path,
                         raw.failed ? "out of memory" : strerror(read_error));
  }
  int status =
      msiq_log_decode((const unsigned char *)raw.data, raw.length, text, diag);
  free(raw.data);
  return status;
}

char *msiq_log_failure_excerpt(const char *text) {
  const char *marker = strstr(text, "Return value 3");
  if (marker == NULL) {
    return NULL;
  }
  /* Walk back to the start of the marker's line, then up to the context
   * lines before it. */
  const char *end = strchr(marker, '\n');
  if (end == NULL) {
    end = marker + strlen(marker);
  }
  const char *start = marker;
  int lines = 0;
  while (start > text) {
    if (start[-1] == '\n' && ++lines > MSIQ_LOG_CONTEXT_LINES) {
      break;
    }
    start--;
  }
  log_buffer excerpt = {0};
  log_buffer_append(&excerpt, "", 0);
  for (const char *line = start; line < end;) {
    const char *line_end = memchr(line, '\n', (size_t)(end - line));
    if (line_end == NULL) {
      line_end = end;
    }
    const char *first = line;
    const char *last = line_end;
    while (first < last && (*first == ' ' || *first == '\t')) {
      first++;
    }
    while (last > first &&
           (last[-1] == '\r' || last[-1] == ' ' || last[-1] == '\t')) {
      last--;
    }
    if (last > first) {
      if (excerpt.length > 0) {
        log_buffer_append(&excerpt, "\n", 1);
      }
      log_buffer_append(&excerpt, first, (size_t)(last - first));
    }
    line = line_end + 1;
  }
  if (excerpt.failed) {
    free(excerpt.data);
    return NULL;
  }
  return excerpt.data;
}
