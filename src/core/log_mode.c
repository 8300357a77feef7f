/* log_mode.c: msiexec's /l letters. See log_mode.h. */
#include "core/log_mode.h"

#include <ctype.h>
#include <string.h>

static const char log_mode_letters[MSIQ_LOG_BIT_COUNT + 1] = {
#define XX(name, letter) letter,
    MSIQ_LOG_MODE_MAP(XX)
#undef XX
        '\0'};

int msiq_log_mode_parse(const char *letters, unsigned *flags, msiq_diag *diag) {
  unsigned parsed = 0;
  for (const char *cursor = letters; *cursor != '\0'; cursor++) {
    char letter = (char)tolower((unsigned char)*cursor);
    if (letter == '*') {
      parsed |= MSIQ_LOG_ALL_KINDS;
      continue;
    }
    const char *found = strchr(log_mode_letters, letter);
    if (found == NULL) {
      /* The one character, quoted so that a control character or a byte
       * of a multi-byte character is shown safely. */
      char one[2] = {*cursor, '\0'};
      char quoted[16];
      msiq_quote_for_message(one, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "log mode letter '%s' is not one of msiexec's /l "
                           "letters i w e a r u c m o p v x + ! * (as in "
                           "/l*v or /l*vx+)",
                           quoted);
    }
    parsed |= 1u << (unsigned)(found - log_mode_letters);
  }
  if ((parsed &
       (MSIQ_LOG_ALL_KINDS | MSIQ_LOG_VERBOSE | MSIQ_LOG_EXTRADEBUG)) == 0) {
    parsed |= MSIQ_LOG_DEFAULT_KINDS;
  }
  *flags = parsed;
  return MSIQ_OK;
}

void msiq_log_mode_format(unsigned flags, char buffer[MSIQ_LOG_MODE_SIZE]) {
  size_t length = 0;
  unsigned first = 0;
  if ((flags & MSIQ_LOG_ALL_KINDS) == MSIQ_LOG_ALL_KINDS) {
    buffer[length++] = '*';
    first = MSIQ_LOG_BIT_VERBOSE;
  }
  for (unsigned bit = first; bit < MSIQ_LOG_BIT_COUNT; bit++) {
    if ((flags & (1u << bit)) != 0) {
      buffer[length++] = log_mode_letters[bit];
    }
  }
  buffer[length] = '\0';
}

int msiq_log_mode_canonical(const char *letters,
                            char buffer[MSIQ_LOG_MODE_SIZE], msiq_diag *diag) {
  unsigned flags = 0;
  int status = msiq_log_mode_parse(letters, &flags, diag);
  if (status == MSIQ_OK) {
    msiq_log_mode_format(flags, buffer);
  }
  return status;
}
