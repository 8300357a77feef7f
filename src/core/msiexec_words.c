/* msiexec_words.c: msiexec's command-line words, and where the C runtime's
 * first words end (see msiexec_words.h). */
#include "core/msiexec_words.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

void msiq_msiexec_words_init(msiq_msiexec_words *words) {
  words->words = NULL;
  words->count = 0;
}

void msiq_msiexec_words_cleanup(msiq_msiexec_words *words) {
  for (size_t i = 0; i < words->count; i++) {
    free(words->words[i]);
  }
  free(words->words);
  msiq_msiexec_words_init(words);
}

static bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* A control character other than a tab: nothing msiexec reads as part of a
 * switch, a path or a property value, and a line break could forge a line
 * of a log. */
static bool is_refused_control(char c) {
  return c != '\t' && msiq_character_is_control((unsigned char)c);
}

int msiq_msiexec_words_split(const char *line, msiq_msiexec_words *words,
                             msiq_diag *diag) {
  if (line == NULL || words == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no command line to split");
  }
  size_t length = strlen(line);
  for (size_t i = 0; i < length; i++) {
    if (is_refused_control(line[i])) {
      return msiq_diag_set(diag, MSIQ_EUSAGE,
                           "the command line contains a control character "
                           "(byte %lu)",
                           (unsigned long)i + 1);
    }
  }
  /* No word is longer than the line, and there are at most length / 2 + 1
   * of them, so one allocation of each size is enough and the split
   * cannot fail half-way. */
  msiq_msiexec_words split;
  msiq_msiexec_words_init(&split);
  int status = MSIQ_OK;
  char *word = NULL;
  split.words = calloc(length / 2 + 1, sizeof *split.words);
  if (split.words == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  const char *cursor = line;
  for (;;) {
    while (is_blank(*cursor)) {
      cursor++;
    }
    if (*cursor == '\0') {
      break;
    }
    word = malloc(length + 1);
    if (word == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      goto cleanup;
    }
    size_t word_length = 0;
    bool quoted = false;
    const char *opened = NULL;
    while (*cursor != '\0' && (quoted || !is_blank(*cursor))) {
      if (*cursor != '"') {
        word[word_length++] = *cursor++;
      } else if (quoted && cursor[1] == '"') {
        /* A doubled quote inside quotes is one literal quote. */
        word[word_length++] = '"';
        cursor += 2;
      } else {
        quoted = !quoted;
        opened = quoted ? cursor : NULL;
        cursor++;
      }
    }
    if (quoted) {
      char shown[64];
      msiq_quote_prefix_for_message(opened,
                                    strlen(opened) < 40 ? strlen(opened) : 40,
                                    shown, sizeof shown);
      status = msiq_diag_set(diag, MSIQ_EUSAGE,
                             "the command line has a double quote that is "
                             "never closed (at byte %lu: '%s')",
                             (unsigned long)(opened - line) + 1, shown);
      goto cleanup;
    }
    word[word_length] = '\0';
    split.words[split.count++] = word;
    word = NULL;
  }
  msiq_msiexec_words_cleanup(words);
  *words = split;
  msiq_msiexec_words_init(&split);

cleanup:
  free(word);
  msiq_msiexec_words_cleanup(&split);
  return status;
}

static bool word_needs_quotes(const char *word) {
  return word[0] == '\0' || strpbrk(word, " \t\"") != NULL;
}

int msiq_msiexec_words_join(const char *const *words, size_t count, char **line,
                            msiq_diag *diag) {
  if (line == NULL || (count > 0 && words == NULL)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no words to join");
  }
  size_t total = 1;
  for (size_t i = 0; i < count; i++) {
    size_t length = strlen(words[i]);
    for (size_t k = 0; k < length; k++) {
      if (is_refused_control(words[i][k])) {
        char shown[64];
        msiq_quote_for_message(words[i], shown, sizeof shown);
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "argument '%s' contains a control character",
                             shown);
      }
    }
    /* At worst every byte doubled, two quotes and a space. */
    if (length > (SIZE_MAX - total - 3) / 2) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    total += 2 * length + 3;
  }
  char *joined = malloc(total);
  if (joined == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  char *out = joined;
  for (size_t i = 0; i < count; i++) {
    if (i > 0) {
      *out++ = ' ';
    }
    bool quote = word_needs_quotes(words[i]);
    if (quote) {
      *out++ = '"';
    }
    for (const char *cursor = words[i]; *cursor != '\0'; cursor++) {
      if (*cursor == '"') {
        *out++ = '"';
      }
      *out++ = *cursor;
    }
    if (quote) {
      *out++ = '"';
    }
  }
  *out = '\0';
  *line = joined;
  return MSIQ_OK;
}

/* The end of the program name, the first word: quotes toggle, nothing
 * else is special. */
static const char *c_runtime_program_skip(const char *cursor) {
  bool quoted = false;
  while (*cursor != '\0' && (quoted || !is_blank(*cursor))) {
    if (*cursor == '"') {
      quoted = !quoted;
    }
    cursor++;
  }
  return cursor;
}

/* The end of a later word by the C runtime's backslash and quote rules. */
static const char *c_runtime_word_skip(const char *cursor) {
  bool quoted = false;
  while (*cursor != '\0' && (quoted || !is_blank(*cursor))) {
    if (*cursor == '\\') {
      size_t backslashes = 0;
      while (*cursor == '\\') {
        backslashes++;
        cursor++;
      }
      if (*cursor == '"' && backslashes % 2 == 1) {
        cursor++; /* an escaped, literal quote */
      }
    } else if (*cursor == '"') {
      if (quoted && cursor[1] == '"') {
        cursor += 2; /* a literal quote; quoting goes on */
      } else {
        quoted = !quoted;
        cursor++;
      }
    } else {
      cursor++;
    }
  }
  return cursor;
}

size_t msiq_c_runtime_words_skip(const char *line, size_t count) {
  const char *cursor = line;
  for (size_t i = 0; i < count && *cursor != '\0'; i++) {
    if (i > 0) {
      while (is_blank(*cursor)) {
        cursor++;
      }
    }
    cursor =
        i == 0 ? c_runtime_program_skip(cursor) : c_runtime_word_skip(cursor);
  }
  while (is_blank(*cursor)) {
    cursor++;
  }
  return (size_t)(cursor - line);
}
