/* fuzz_text.c: what turns outside bytes into msiq's UTF-8 text, on hostile
 * bytes: the manifest decoder (msiq_text_decode_file: UTF-8, UTF-8 with a
 * BOM, UTF-16 LE or BE with a BOM), the UTF-8 checker, the quoting of text
 * in messages, the ANSI (Windows-1252) conversion and the repair that logs
 * go through, and the log reader itself (msiq_log_decode, the failure
 * excerpt).
 *
 * Input: any bytes (at most 8192). Invariants, with fuzz_support.h's own
 * UTF-8 reader (worked out from code points, not from the byte table of
 * src/core/text.c) as the oracle:
 *   - msiq_utf8_valid_prefix() agrees with the oracle on the input and on
 *     every suffix of its first 64 bytes;
 *   - the decoder accepts exactly what the oracle says is decodable (UTF-8
 *     with no NUL, after an optional BOM; or, after a UTF-16 BOM, an even
 *     number of bytes of paired surrogates and no NUL unit), and then gives
 *     UTF-8 that encodes back to the input byte for byte (the same BOM,
 *     the same byte order); a refusal is one line naming the file;
 *   - a message quote of the input (at several buffer sizes) is UTF-8 with
 *     no control character, fits its buffer, and is the input itself when
 *     that is short, UTF-8 and free of control characters;
 *   - Windows-1252 and repair give UTF-8 with one character per byte that
 *     is not NUL (repair: the input itself when it was UTF-8);
 *   - a log of these bytes reads as UTF-8, and so does its failure
 *     excerpt, which always holds the "Return value 3" it was cut around.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "core/text.h"
#include "dispatcher/log_excerpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many characters a UTF-8 text holds (every lead byte counts). */
static size_t character_count(const char *text) {
  size_t count = 0;
  for (const unsigned char *cursor = (const unsigned char *)text;
       *cursor != '\0'; cursor++) {
    count += (*cursor & 0xc0) != 0x80;
  }
  return count;
}

/* Whether bytes (after a UTF-16 BOM) are UTF-16 the decoder must accept:
 * even, every surrogate paired, no NUL unit. */
static bool utf16_is_decodable(const unsigned char *bytes, size_t size,
                               bool big_endian) {
  if (size % 2 != 0) {
    return false;
  }
  for (size_t i = 0; i < size; i += 2) {
    unsigned unit = big_endian ? (unsigned)bytes[i] << 8 | bytes[i + 1]
                               : (unsigned)bytes[i + 1] << 8 | bytes[i];
    if (unit == 0 || (unit >= 0xdc00 && unit <= 0xdfff)) {
      return false;
    }
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 3 >= size) {
        return false;
      }
      unsigned low = big_endian ? (unsigned)bytes[i + 2] << 8 | bytes[i + 3]
                                : (unsigned)bytes[i + 3] << 8 | bytes[i + 2];
      if (low < 0xdc00 || low > 0xdfff) {
        return false;
      }
      i += 2;
    }
  }
  return true;
}

/* Encodes UTF-8 text as UTF-16 (with the BOM) into out; returns the size.
 * The text is the decoder's output, which the oracle has checked. */
static size_t utf16_encode(const char *text, bool big_endian,
                           unsigned char *out) {
  size_t used = 0;
  unsigned first = big_endian ? 0xfe : 0xff;
  out[used++] = (unsigned char)first;
  out[used++] = (unsigned char)(first ^ 0x01);
  const unsigned char *cursor = (const unsigned char *)text;
  while (*cursor != '\0') {
    unsigned long code_point;
    size_t extra;
    if (*cursor < 0x80) {
      code_point = *cursor;
      extra = 0;
    } else if ((*cursor & 0xe0) == 0xc0) {
      code_point = *cursor & 0x1fu;
      extra = 1;
    } else if ((*cursor & 0xf0) == 0xe0) {
      code_point = *cursor & 0x0fu;
      extra = 2;
    } else {
      code_point = *cursor & 0x07u;
      extra = 3;
    }
    for (size_t i = 1; i <= extra; i++) {
      code_point = code_point << 6 | (cursor[i] & 0x3fu);
    }
    cursor += extra + 1;
    unsigned units[2];
    size_t unit_count = 1;
    if (code_point >= 0x10000) {
      code_point -= 0x10000;
      units[0] = (unsigned)(0xd800 + (code_point >> 10));
      units[1] = (unsigned)(0xdc00 + (code_point & 0x3ff));
      unit_count = 2;
    } else {
      units[0] = (unsigned)code_point;
    }
    for (size_t i = 0; i < unit_count; i++) {
      out[used++] = (unsigned char)(big_endian ? units[i] >> 8 : units[i]);
      out[used++] = (unsigned char)(big_endian ? units[i] : units[i] >> 8);
    }
  }
  return used;
}

static void check_decode(const char *bytes, size_t size) {
  const unsigned char *raw = (const unsigned char *)bytes;
  bool utf16 = size >= 2 && ((raw[0] == 0xff && raw[1] == 0xfe) ||
                             (raw[0] == 0xfe && raw[1] == 0xff));
  bool big_endian = utf16 && raw[0] == 0xfe;
  size_t skip = 0;
  bool decodable;
  if (utf16) {
    decodable = utf16_is_decodable(raw + 2, size - 2, big_endian);
  } else {
    skip =
        size >= 3 && raw[0] == 0xef && raw[1] == 0xbb && raw[2] == 0xbf ? 3 : 0;
    decodable = fuzz_is_utf8(bytes + skip, size - skip) &&
                memchr(bytes + skip, '\0', size - skip) == NULL;
  }
  char *text = NULL;
  msiq_diag diag = {{0}};
  int status = msiq_text_decode_file(bytes, size, "in.json", &text, &diag);
  if (status != MSIQ_OK) {
    FUZZ_CHECK(!decodable, "decodable input refused: %s", diag.message);
    FUZZ_CHECK(status == MSIQ_EINVAL && text == NULL,
               "refusal %d left text behind", status);
    FUZZ_CHECK(fuzz_is_one_line(diag.message) &&
                   strstr(diag.message, "in.json") != NULL &&
                   fuzz_text_is_utf8(diag.message),
               "refusal without a one-line UTF-8 reason naming the file: "
               "[%s]",
               diag.message);
    return;
  }
  FUZZ_CHECK(decodable, "input that cannot be decoded was accepted");
  FUZZ_CHECK(text != NULL && fuzz_text_is_utf8(text),
             "the decoded text is not UTF-8");
  if (utf16) {
    unsigned char *again = fuzz_alloc(2 * size + 4);
    size_t again_size = utf16_encode(text, big_endian, again);
    FUZZ_CHECK(again_size == size && memcmp(again, bytes, size) == 0,
               "UTF-16 input does not encode back from what it decoded to");
    free(again);
  } else {
    FUZZ_CHECK(strlen(text) == size - skip &&
                   memcmp(text, bytes + skip, size - skip) == 0,
               "UTF-8 input came out changed");
  }
  free(text);
}

static void check_quote(const char *text, size_t length) {
  static const size_t sizes[] = {4, 8, 17, 64, 160, 1024};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    char *quoted = fuzz_alloc(sizes[k]);
    msiq_quote_for_message(text, quoted, sizes[k]);
    size_t quoted_length = strlen(quoted);
    FUZZ_CHECK(quoted_length < sizes[k], "a quote overran its buffer");
    FUZZ_CHECK(fuzz_is_utf8(quoted, quoted_length) && !fuzz_has_control(quoted),
               "a quote is not UTF-8 without control characters: [%s]", quoted);
    if (length + 4 < sizes[k] && fuzz_is_utf8(text, length) &&
        !fuzz_has_control(text)) {
      FUZZ_CHECK(strcmp(quoted, text) == 0,
                 "a short clean text was quoted as [%s], not [%s]", quoted,
                 text);
    }
    free(quoted);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 8192) {
    return -1;
  }
  const char *bytes = (const char *)data;

  /* The checker against the oracle. */
  FUZZ_CHECK(msiq_utf8_valid_prefix(bytes, size) ==
                 fuzz_utf8_prefix(bytes, size),
             "valid prefix %lu, the oracle says %lu",
             (unsigned long)msiq_utf8_valid_prefix(bytes, size),
             (unsigned long)fuzz_utf8_prefix(bytes, size));
  for (size_t start = 1; start < size && start < 64; start++) {
    FUZZ_CHECK(msiq_utf8_valid_prefix(bytes + start, size - start) ==
                   fuzz_utf8_prefix(bytes + start, size - start),
               "valid prefix from byte %lu disagrees with the oracle",
               (unsigned long)start);
  }

  check_decode(bytes, size);

  /* As C text: up to the first NUL. */
  char *text = fuzz_text_copy(bytes, size);
  size_t length = strlen(text);
  check_quote(text, length);
  FUZZ_CHECK(msiq_text_is_utf8(text) == fuzz_is_utf8(text, length),
             "msiq_text_is_utf8 disagrees with the oracle");

  size_t non_nul = 0;
  for (size_t i = 0; i < size; i++) {
    non_nul += bytes[i] != '\0';
  }
  char *ansi = msiq_text_from_windows_1252(bytes, size);
  FUZZ_CHECK(ansi != NULL && fuzz_text_is_utf8(ansi) &&
                 character_count(ansi) == non_nul,
             "Windows-1252 gave no UTF-8 of one character per byte");
  free(ansi);
  char *repaired = msiq_text_utf8_repair(bytes, size);
  FUZZ_CHECK(repaired != NULL && fuzz_text_is_utf8(repaired),
             "repair gave no UTF-8");
  if (fuzz_is_utf8(bytes, size)) {
    FUZZ_CHECK(strlen(repaired) == non_nul,
               "repair changed UTF-8 beyond dropping NUL bytes");
  } else {
    FUZZ_CHECK(character_count(repaired) <= non_nul,
               "repair gave more characters than there were bytes");
  }
  free(repaired);

  char *log = NULL;
  msiq_diag diag = {{0}};
  FUZZ_CHECK(msiq_log_decode(data, size, &log, &diag) == MSIQ_OK,
             "a log cannot be decoded: %s", diag.message);
  FUZZ_CHECK(fuzz_text_is_utf8(log), "a decoded log is not UTF-8");
  char *excerpt = msiq_log_failure_excerpt(log);
  if (excerpt != NULL) {
    FUZZ_CHECK(fuzz_text_is_utf8(excerpt), "a log excerpt is not UTF-8");
    FUZZ_CHECK(strstr(excerpt, "Return value 3") != NULL,
               "a log excerpt lost its \"Return value 3\"");
  } else {
    FUZZ_CHECK(strstr(log, "Return value 3") == NULL,
               "a log with \"Return value 3\" gave no excerpt");
  }
  free(excerpt);
  free(log);
  free(text);
  return 0;
}
