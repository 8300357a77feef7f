/* msiexec_split.h: a reference reader of Windows command lines, the one the
 * cmocka tests (test_installer_command.c) and the fuzz harnesses
 * (fuzz/fuzz_support.h) both split msiq's command lines with.
 *
 * It reads a line the way msiexec does, and is written from that
 * description, not from the code under test (src/core/installer_command.c):
 * spaces and tabs separate tokens outside double quotes; a double quote
 * starts or ends quoting, except that inside quotes two double quotes in a
 * row are one literal double quote; quotes are removed; backslashes are
 * ordinary characters.
 *
 * Header-only (static functions) and built on the C library alone, so that
 * a fuzz harness stays one translation unit without cmocka, and a cmocka
 * test needs nothing else linked. Out of memory is reported by the return
 * value; each caller turns it into its own kind of failure.
 */
#ifndef MSIQ_TESTS_MSIEXEC_SPLIT_H
#define MSIQ_TESTS_MSIEXEC_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An argument list read back from a command line. */
typedef struct msiexec_split {
  char **tokens;
  size_t count;
} msiexec_split;

static inline void msiexec_split_cleanup(msiexec_split *split) {
  for (size_t i = 0; i < split->count; i++) {
    free(split->tokens[i]);
  }
  free(split->tokens);
  split->tokens = NULL;
  split->count = 0;
}

/* Splits line into split (which needs no initialisation). False when memory
 * ran out; split then holds the tokens read so far, and in either case
 * msiexec_split_cleanup() frees it. */
static inline bool msiexec_split_line(const char *line, msiexec_split *split) {
  split->tokens = NULL;
  split->count = 0;
  size_t line_length = strlen(line);
  const char *cursor = line;
  for (;;) {
    while (*cursor == ' ' || *cursor == '\t') {
      cursor++;
    }
    if (*cursor == '\0') {
      return true;
    }
    /* A token is never longer than the rest of the line. */
    char *token = malloc(line_length + 1);
    if (token == NULL) {
      return false;
    }
    size_t used = 0;
    bool quoted = false;
    while (*cursor != '\0' && (quoted || (*cursor != ' ' && *cursor != '\t'))) {
      if (*cursor == '"') {
        if (quoted && cursor[1] == '"') {
          token[used++] = '"';
          cursor += 2;
        } else {
          quoted = !quoted;
          cursor++;
        }
      } else {
        token[used++] = *cursor++;
      }
    }
    token[used] = '\0';
    char **grown =
        realloc(split->tokens, (split->count + 1) * sizeof *split->tokens);
    if (grown == NULL) {
      free(token);
      return false;
    }
    split->tokens = grown;
    split->tokens[split->count++] = token;
  }
}

/* Splits line and checks that it gives back exactly program and
 * arguments[0..count), one token each: the promise that no argument can
 * turn into a switch or an argument of its own. False, with the first
 * difference written to problem (which does not repeat the line), when it
 * does not or when memory ran out. */
static inline bool msiexec_split_matches(const char *line, const char *program,
                                         char *const *arguments, size_t count,
                                         char *problem, size_t problem_size) {
  msiexec_split split;
  bool matches = false;
  if (!msiexec_split_line(line, &split)) {
    snprintf(problem, problem_size, "out of memory splitting it");
    goto cleanup;
  }
  if (split.count != count + 1) {
    snprintf(problem, problem_size, "splits into %lu tokens, expected %lu",
             (unsigned long)split.count, (unsigned long)count + 1);
    goto cleanup;
  }
  if (strcmp(split.tokens[0], program) != 0) {
    snprintf(problem, problem_size, "program [%s] came back as [%s]", program,
             split.tokens[0]);
    goto cleanup;
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(split.tokens[i + 1], arguments[i]) != 0) {
      snprintf(problem, problem_size, "argument %lu [%s] came back as [%s]",
               (unsigned long)i + 1, arguments[i], split.tokens[i + 1]);
      goto cleanup;
    }
  }
  matches = true;
cleanup:
  msiexec_split_cleanup(&split);
  return matches;
}

#endif /* MSIQ_TESTS_MSIEXEC_SPLIT_H */
