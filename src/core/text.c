/* text.c: see text.h. */
#include "core/text.h"

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
