/* fuzz_support.h: small helpers shared by the libFuzzer harnesses.
 *
 * Header-only (static functions) so that each harness stays one translation
 * unit plus the libraries it exercises. A broken invariant calls
 * fuzz_fail(), which prints the reason and aborts: libFuzzer reports the
 * abort as a crash and saves the input that caused it.
 */
#ifndef MSIQ_FUZZ_SUPPORT_H
#define MSIQ_FUZZ_SUPPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../msiexec_split.h"

#if defined(__GNUC__)
#define FUZZ_PRINTF_FORMAT(a, b) __attribute__((format(printf, a, b)))
#define FUZZ_NORETURN            __attribute__((noreturn))
#else
#define FUZZ_PRINTF_FORMAT(a, b)
#define FUZZ_NORETURN
#endif

static inline void fuzz_fail(const char *format, ...)
    FUZZ_PRINTF_FORMAT(1, 2) FUZZ_NORETURN;

static inline void fuzz_fail(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("\n*** msiq fuzz invariant broken: ", stderr);
  vfprintf(stderr, format, args);
  fputs("\n", stderr);
  va_end(args);
  fflush(stderr);
  abort();
}

#define FUZZ_CHECK(condition, ...)                                             \
  do {                                                                         \
    if (!(condition)) {                                                        \
      fuzz_fail(__VA_ARGS__);                                                  \
    }                                                                          \
  } while (0)

/* True when the environment variable MSIQ_FUZZ_ALLOW (a comma-separated
 * list) names this known, reported problem: the invariant that catches it
 * is then skipped, so that a long exploratory run can look for other
 * problems instead of stopping at the known one again. The ctest runs
 * never set it: a known problem fails them until it is fixed. */
static inline bool fuzz_allowed(const char *problem) {
  const char *list = getenv("MSIQ_FUZZ_ALLOW");
  size_t length = strlen(problem);
  while (list != NULL && *list != '\0') {
    const char *end = strchr(list, ',');
    size_t item = end != NULL ? (size_t)(end - list) : strlen(list);
    if (item == length && strncmp(list, problem, length) == 0) {
      return true;
    }
    list = end != NULL ? end + 1 : NULL;
  }
  return false;
}

/* True when a diagnostic is one line, as every msiq message must be. */
static inline bool fuzz_is_one_line(const char *message) {
  return strchr(message, '\n') == NULL && strchr(message, '\r') == NULL;
}

/* malloc() that never returns NULL (an allocation failure is not what the
 * harnesses look for). */
static inline void *fuzz_alloc(size_t size) {
  void *memory = malloc(size != 0 ? size : 1);
  if (memory == NULL) {
    fuzz_fail("out of memory (%lu bytes)", (unsigned long)size);
  }
  return memory;
}

/* A NUL-terminated copy of length bytes. */
static inline char *fuzz_text_copy(const char *text, size_t length) {
  char *copy = fuzz_alloc(length + 1);
  memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

/* An argument list read back from a command line, by the reference reader
 * the cmocka tests use too (tests/msiexec_split.h). */
typedef msiexec_split fuzz_split;

static inline void fuzz_split_free(fuzz_split *split) {
  msiexec_split_cleanup(split);
}

/* Reads a command line as msiexec does (see tests/msiexec_split.h). */
static inline void fuzz_split_msiexec_style(const char *line,
                                            fuzz_split *split) {
  if (!msiexec_split_line(line, split)) {
    fuzz_fail("out of memory splitting a command line");
  }
}

/* Checks that line, split as msiexec would, gives back exactly program and
 * arguments[0..count), one token each, so that no argument other than
 * those that started with '/' to begin with reads as a switch. */
static inline void fuzz_check_round_trip(const char *line, const char *program,
                                         char *const *arguments, size_t count) {
  char problem[4096];
  FUZZ_CHECK(msiexec_split_matches(line, program, arguments, count, problem,
                                   sizeof problem),
             "command line [%s]: %s", line, problem);
}

/* True when text holds a byte below 0x20 or 0x7f. */
static inline bool fuzz_has_control(const char *text) {
  for (const unsigned char *cursor = (const unsigned char *)text;
       *cursor != '\0'; cursor++) {
    if (*cursor < 0x20 || *cursor == 0x7f) {
      return true;
    }
  }
  return false;
}

/* The length of the longest prefix of bytes[0..size) that is well-formed
 * UTF-8, worked out from the code points (decode, then reject overlong
 * forms, surrogates and values past U+10FFFF), not with the byte-range
 * table src/core/text.c uses, so that the two can check each other. */
static inline size_t fuzz_utf8_prefix(const char *bytes, size_t size) {
  const unsigned char *text = (const unsigned char *)bytes;
  size_t offset = 0;
  while (offset < size) {
    unsigned char lead = text[offset];
    size_t extra;
    unsigned long code_point;
    unsigned long smallest;
    if (lead < 0x80) {
      offset++;
      continue;
    } else if ((lead & 0xe0) == 0xc0) {
      extra = 1;
      code_point = lead & 0x1fu;
      smallest = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2;
      code_point = lead & 0x0fu;
      smallest = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
      extra = 3;
      code_point = lead & 0x07u;
      smallest = 0x10000;
    } else {
      break;
    }
    if (size - offset <= extra) {
      break;
    }
    bool continued = true;
    for (size_t i = 1; i <= extra; i++) {
      if ((text[offset + i] & 0xc0) != 0x80) {
        continued = false;
        break;
      }
      code_point = code_point << 6 | (text[offset + i] & 0x3fu);
    }
    if (!continued || code_point < smallest || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      break;
    }
    offset += extra + 1;
  }
  return offset;
}

/* True when bytes[0..size) is well-formed UTF-8 (fuzz_utf8_prefix). */
static inline bool fuzz_is_utf8(const char *bytes, size_t size) {
  return fuzz_utf8_prefix(bytes, size) == size;
}

/* The same for a NUL-terminated text. */
static inline bool fuzz_text_is_utf8(const char *text) {
  return fuzz_is_utf8(text, strlen(text));
}

#endif /* MSIQ_FUZZ_SUPPORT_H */
