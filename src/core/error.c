/* error.c: the status table of msiq.h turned into messages, names and exit
 * codes, and the diagnostic buffer. */
#include "core/msiq.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

const char *msiq_strerror(int status) {
  switch (status) {
    case MSIQ_OK:
      return "success";
#define MSIQ_STATUS_MESSAGE(name, value, exit_code, message)                   \
  case MSIQ_E##name:                                                           \
    return message;
      MSIQ_STATUS_MAP(MSIQ_STATUS_MESSAGE)
#undef MSIQ_STATUS_MESSAGE
  }
  return "unknown error";
}

const char *msiq_err_name(int status) {
  switch (status) {
    case MSIQ_OK:
      return "MSIQ_OK";
#define MSIQ_STATUS_NAME(name, value, exit_code, message)                      \
  case MSIQ_E##name:                                                           \
    return "MSIQ_E" #name;
      MSIQ_STATUS_MAP(MSIQ_STATUS_NAME)
#undef MSIQ_STATUS_NAME
  }
  return "MSIQ_UNKNOWN";
}

int msiq_status_exit_code(int status) {
  switch (status) {
    case MSIQ_OK:
      return 0;
#define MSIQ_STATUS_EXIT(name, value, exit_code, message)                      \
  case MSIQ_E##name:                                                           \
    return exit_code;
      MSIQ_STATUS_MAP(MSIQ_STATUS_EXIT)
#undef MSIQ_STATUS_EXIT
  }
  return 1;
}

int msiq_status_msiexec_code(int status) {
  switch (status) {
    case MSIQ_OK:
      return 0;
    case MSIQ_EUSAGE:
    case MSIQ_EINVAL:
      return 1639;
    case MSIQ_EPACKAGE_MISSING:
      return 1619;
    case MSIQ_ENOT_PACKAGE:
      return 1620;
    case MSIQ_ELOCKED:
    case MSIQ_EDISPATCHER_RUNNING:
      return 1618;
    case MSIQ_ETIMEDOUT:
      return 1460;
    case MSIQ_EINTERRUPTED:
      return 1602;
    default:
      return 1603;
  }
}

int msiq_diag_vset(msiq_diag *diag, int status, const char *format,
                   va_list args) {
  if (diag != NULL) {
    int written = vsnprintf(diag->message, sizeof diag->message, format, args);
    if (written >= (int)sizeof diag->message) {
      /* Cut short: never in the middle of a character, so the message
       * stays UTF-8. */
      size_t length = strlen(diag->message);
      size_t start = length;
      while (start > 0 && length - start < 3 &&
             ((unsigned char)diag->message[start - 1] & 0xc0) == 0x80) {
        start--;
      }
      if (start > 0 && (unsigned char)diag->message[start - 1] >= 0xc0 &&
          msiq_utf8_sequence_length(diag->message + start - 1,
                                    length - start + 1) == 0) {
        diag->message[start - 1] = '\0';
      }
    }
  }
  return status;
}

int msiq_diag_set(msiq_diag *diag, int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  msiq_diag_vset(diag, status, format, args);
  va_end(args);
  return status;
}

/* Copies text for display in a one-line diagnostic: control characters
 * become \xNN escapes so that a stray newline cannot split the line, as
 * does each byte that is not part of well-formed UTF-8, so that the message
 * stays UTF-8; a character is never cut in two, and overlong input ends in
 * "..." so that the rest of the message survives. */
void msiq_quote_prefix_for_message(const char *text, size_t length,
                                   char *buffer, size_t size) {
  size_t used = 0;
  if (text == NULL) {
    text = "";
  }
  for (size_t i = 0; i < length && text[i] != '\0';) {
    unsigned char character = (unsigned char)text[i];
    char piece[8];
    size_t piece_length = 0;
    size_t sequence =
        character < 0x80 ? 1 : msiq_utf8_sequence_length(text + i, length - i);
    if (msiq_character_is_control(character) || sequence == 0) {
      snprintf(piece, sizeof piece, "\\x%02x", (unsigned)character);
      piece_length = strlen(piece);
      sequence = 1;
    } else {
      memcpy(piece, text + i, sequence);
      piece_length = sequence;
    }
    if (used + piece_length + 4 >= size) {
      memcpy(buffer + used, "...", 3);
      used += 3;
      break;
    }
    memcpy(buffer + used, piece, piece_length);
    used += piece_length;
    i += sequence;
  }
  buffer[used] = '\0';
}

void msiq_quote_for_message(const char *text, char *buffer, size_t size) {
  msiq_quote_prefix_for_message(text, SIZE_MAX, buffer, size);
}
