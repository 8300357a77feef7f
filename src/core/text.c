/* text.c: see text.h. */
#include "core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *msiq_text_duplicate(const char *text) {
  size_t size = strlen(text) + 1;
  char *copy = malloc(size);
  if (copy != NULL) {
    memcpy(copy, text, size);
  }
  return copy;
}

int msiq_text_list_append(char **list, char separator, const char *item) {
  size_t used = *list != NULL ? strlen(*list) : 0;
  size_t length = strlen(item);
  if (length > SIZE_MAX - 2 - used) {
    return MSIQ_ENOMEM;
  }
  char *grown = realloc(*list, used + length + 2);
  if (grown == NULL) {
    return MSIQ_ENOMEM;
  }
  if (used > 0) {
    grown[used++] = separator;
  }
  memcpy(grown + used, item, length + 1);
  *list = grown;
  return MSIQ_OK;
}

bool msiq_character_is_control(unsigned char character) {
  return character < 0x20 || character == 0x7f;
}

bool msiq_text_has_control_character(const char *text) {
  for (const unsigned char *cursor = (const unsigned char *)text;
       *cursor != '\0'; cursor++) {
    if (msiq_character_is_control(*cursor)) {
      return true;
    }
  }
  return false;
}

size_t msiq_path_directory_length(const char *path, char *separator) {
  const char *slash = strrchr(path, '/');
  const char *backslash = strrchr(path, '\\');
  const char *last = slash;
  if (backslash != NULL && (slash == NULL || backslash > slash)) {
    last = backslash;
  }
  if (separator != NULL) {
    *separator = last != NULL ? *last : '/';
  }
  return last != NULL ? (size_t)(last - path) : 0;
}

size_t msiq_utf8_sequence_length(const char *text, size_t available) {
  const unsigned char *bytes = (const unsigned char *)text;
  if (available == 0) {
    return 0;
  }
  unsigned char lead = bytes[0];
  if (lead < 0x80) {
    return 1;
  }
  /* RFC 3629, section 4: the second byte's range depends on the lead, which
   * is what rules out overlong forms, surrogates and values past U+10FFFF;
   * every later byte is 80..BF. */
  size_t length;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) {
      low = 0xa0;
    } else if (lead == 0xed) {
      high = 0x9f;
    }
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) {
      low = 0x90;
    } else if (lead == 0xf4) {
      high = 0x8f;
    }
  } else {
    return 0;
  }
  /* A C string's NUL ends it before `available` does; the checks below
   * stop there, since NUL is no continuation byte. */
  if (available < length) {
    return 0;
  }
  if (bytes[1] < low || bytes[1] > high) {
    return 0;
  }
  for (size_t i = 2; i < length; i++) {
    if (bytes[i] < 0x80 || bytes[i] > 0xbf) {
      return 0;
    }
  }
  return length;
}

size_t msiq_utf8_valid_prefix(const char *text, size_t length) {
  size_t offset = 0;
  while (offset < length) {
    if ((unsigned char)text[offset] < 0x80) {
      offset++;
      continue;
    }
    size_t sequence = msiq_utf8_sequence_length(text + offset, length - offset);
    if (sequence == 0) {
      break;
    }
    offset += sequence;
  }
  return offset;
}

bool msiq_text_is_utf8(const char *text) {
  size_t length = strlen(text);
  return msiq_utf8_valid_prefix(text, length) == length;
}

size_t msiq_utf8_encode(unsigned long code_point, char bytes[4]) {
  if (code_point < 0x80) {
    bytes[0] = (char)code_point;
    return 1;
  }
  if (code_point < 0x800) {
    bytes[0] = (char)(0xc0 | (code_point >> 6));
    bytes[1] = (char)(0x80 | (code_point & 0x3f));
    return 2;
  }
  if (code_point >= 0xd800 && code_point <= 0xdfff) {
    return 0;
  }
  if (code_point < 0x10000) {
    bytes[0] = (char)(0xe0 | (code_point >> 12));
    bytes[1] = (char)(0x80 | ((code_point >> 6) & 0x3f));
    bytes[2] = (char)(0x80 | (code_point & 0x3f));
    return 3;
  }
  if (code_point <= 0x10ffff) {
    bytes[0] = (char)(0xf0 | (code_point >> 18));
    bytes[1] = (char)(0x80 | ((code_point >> 12) & 0x3f));
    bytes[2] = (char)(0x80 | ((code_point >> 6) & 0x3f));
    bytes[3] = (char)(0x80 | (code_point & 0x3f));
    return 4;
  }
  return 0;
}

void msiq_text_position(const char *text, size_t offset, size_t *line,
                        size_t *column) {
  *line = 1;
  *column = 1;
  size_t i = 0;
  while (i < offset) {
    if (text[i] == '\n') {
      (*line)++;
      *column = 1;
      i++;
      continue;
    }
    size_t sequence = msiq_utf8_sequence_length(text + i, offset - i);
    i += sequence > 0 ? sequence : 1;
    (*column)++;
  }
}

/* A growing UTF-8 text. */
typedef struct text_builder {
  char *data;
  size_t length;
  size_t capacity;
  bool failed;
} text_builder;

static void text_builder_append(text_builder *builder, const char *bytes,
                                size_t count) {
  if (builder->failed) {
    return;
  }
  if (builder->capacity - builder->length < count + 1) {
    size_t capacity = builder->capacity > 0 ? builder->capacity : 256;
    while (capacity - builder->length < count + 1) {
      if (capacity > SIZE_MAX / 2) {
        builder->failed = true;
        return;
      }
      capacity *= 2;
    }
    char *grown = realloc(builder->data, capacity);
    if (grown == NULL) {
      builder->failed = true;
      return;
    }
    builder->data = grown;
    builder->capacity = capacity;
  }
  memcpy(builder->data + builder->length, bytes, count);
  builder->length += count;
  builder->data[builder->length] = '\0';
}

static void text_builder_append_code_point(text_builder *builder,
                                           unsigned long code_point) {
  char bytes[4];
  size_t count = msiq_utf8_encode(code_point, bytes);
  text_builder_append(builder, bytes, count);
}

/* The builder's text (an empty one when nothing was appended), or NULL
 * after a failure. */
static char *text_builder_finish(text_builder *builder) {
  text_builder_append(builder, "", 0);
  if (builder->failed) {
    free(builder->data);
    return NULL;
  }
  return builder->data;
}

/* UTF-16 with the mark already skipped, strictly: the unit offsets in
 * messages count from the start of the file. */
static int text_decode_utf16(const unsigned char *bytes, size_t length,
                             bool big_endian, const char *name,
                             text_builder *builder, msiq_diag *diag) {
  if (length % 2 != 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "%s is not valid UTF-16: it ends in the middle of a "
                         "character (an odd number of bytes)",
                         name);
  }
  for (size_t i = 0; i < length; i += 2) {
    unsigned long unit = big_endian
                             ? (unsigned long)bytes[i] << 8 | bytes[i + 1]
                             : (unsigned long)bytes[i + 1] << 8 | bytes[i];
    unsigned long code_point = unit;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 3 < length) {
      unsigned long low = big_endian
                              ? (unsigned long)bytes[i + 2] << 8 | bytes[i + 3]
                              : (unsigned long)bytes[i + 3] << 8 | bytes[i + 2];
      if (low >= 0xdc00 && low <= 0xdfff) {
        code_point = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        i += 2;
      }
    }
    if (code_point >= 0xd800 && code_point <= 0xdfff) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "%s is not valid UTF-16: an unpaired surrogate "
                           "(0x%04lx) at byte %zu",
                           name, unit, i + 2);
    }
    if (code_point == 0) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "%s contains a NUL character (at byte %zu)", name,
                           i + 2);
    }
    text_builder_append_code_point(builder, code_point);
  }
  return MSIQ_OK;
}

int msiq_text_decode_file(const char *bytes, size_t length, const char *name,
                          char **text, msiq_diag *diag) {
  *text = NULL;
  const unsigned char *raw = (const unsigned char *)bytes;
  text_builder builder = {NULL, 0, 0, false};
  int status = MSIQ_OK;
  if (length >= 2 && ((raw[0] == 0xff && raw[1] == 0xfe) ||
                      (raw[0] == 0xfe && raw[1] == 0xff))) {
    status = text_decode_utf16(raw + 2, length - 2, raw[0] == 0xfe, name,
                               &builder, diag);
  } else {
    size_t skip =
        length >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf ? 3
                                                                          : 0;
    const char *body = bytes + skip;
    size_t body_length = length - skip;
    size_t valid = msiq_utf8_valid_prefix(body, body_length);
    const char *nul = memchr(body, '\0', valid);
    if (nul != NULL) {
      status = msiq_diag_set(diag, MSIQ_EINVAL,
                             "%s contains a NUL byte (at byte %zu)", name,
                             (size_t)(nul - bytes));
    } else if (valid < body_length) {
      size_t line = 0;
      size_t column = 0;
      msiq_text_position(body, valid, &line, &column);
      status = msiq_diag_set(diag, MSIQ_EINVAL,
                             "%s is not valid UTF-8 (byte 0x%02x at line %zu, "
                             "column %zu); save it as UTF-8 or as UTF-16 "
                             "with a byte-order mark",
                             name, (unsigned)(unsigned char)body[valid], line,
                             column);
    } else {
      text_builder_append(&builder, body, body_length);
    }
  }
  char *result = status == MSIQ_OK ? text_builder_finish(&builder) : NULL;
  if (status != MSIQ_OK) {
    free(builder.data);
    return status;
  }
  if (result == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory reading %s", name);
  }
  *text = result;
  return MSIQ_OK;
}

/* Windows-1252's 0x80..0x9F; 0 where it defines nothing. The rest is
 * ISO 8859-1, the code point of the same number. */
static const unsigned short windows_1252_high[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
    0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

char *msiq_text_from_windows_1252(const char *bytes, size_t length) {
  text_builder builder = {NULL, 0, 0, false};
  for (size_t i = 0; i < length; i++) {
    unsigned char byte = (unsigned char)bytes[i];
    if (byte == 0) {
      continue;
    }
    unsigned long code_point = byte;
    if (byte >= 0x80 && byte <= 0x9f) {
      code_point = windows_1252_high[byte - 0x80];
      if (code_point == 0) {
        code_point = 0xfffd;
      }
    }
    text_builder_append_code_point(&builder, code_point);
  }
  return text_builder_finish(&builder);
}

char *msiq_text_utf8_repair(const char *text, size_t length) {
  text_builder builder = {NULL, 0, 0, false};
  size_t i = 0;
  while (i < length) {
    size_t valid = msiq_utf8_valid_prefix(text + i, length - i);
    /* The valid run, without its NUL bytes. */
    size_t start = i;
    for (size_t k = i; k < i + valid; k++) {
      if (text[k] == '\0') {
        text_builder_append(&builder, text + start, k - start);
        start = k + 1;
      }
    }
    text_builder_append(&builder, text + start, i + valid - start);
    i += valid;
    if (i < length) {
      text_builder_append_code_point(&builder, 0xfffd);
      i++;
    }
  }
  return text_builder_finish(&builder);
}

bool msiq_text_equal_ignoring_case(const char *a, const char *b) {
  for (;; a++, b++) {
    unsigned char left = (unsigned char)*a;
    unsigned char right = (unsigned char)*b;
    /* ASCII only: tolower() would depend on the C locale. */
    if (left >= 'A' && left <= 'Z') {
      left = (unsigned char)(left - 'A' + 'a');
    }
    if (right >= 'A' && right <= 'Z') {
      right = (unsigned char)(right - 'A' + 'a');
    }
    if (left != right) {
      return false;
    }
    if (left == '\0') {
      return true;
    }
  }
}

bool msiq_path_beside(const char *path, const char *name, char *buffer,
                      size_t size) {
  char separator = '/';
  size_t length = msiq_path_directory_length(path, &separator);
  /* A path in the root ("/queue.db") has the root as its folder. */
  bool has_directory = length > 0 || path[0] == separator;
  char joint[2] = {separator, '\0'};
  int written = snprintf(buffer, size, "%.*s%s%s", (int)length, path,
                         has_directory ? joint : "", name);
  return written >= 0 && (size_t)written < size;
}
