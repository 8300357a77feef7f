/* text.h: small text helpers every layer shares, so that each rule about
 * text (what a control character is, where a path's directory ends) is
 * written once.
 */
#ifndef MSIQ_TEXT_H
#define MSIQ_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A copy of text on the heap (free() it), or NULL when out of memory.
 * strdup() is POSIX, not C11, and the core builds with any C11 compiler
 * (mingw-w64 in strict mode too). */
char *msiq_text_duplicate(const char *text);

/* The C0 controls and DEL: what msiq refuses in property values and escapes
 * in messages, because neither an msiexec command line nor a one-line
 * message can carry them safely. */
bool msiq_character_is_control(unsigned char character);

/* True when text holds a control character (see above). */
bool msiq_text_has_control_character(const char *text);

/* The length of the directory part of path, without its last separator:
 * 0 for a bare file name. Both '/' and '\' separate, so a Windows path and
 * a POSIX path work alike. *separator receives the separator found ('/' or
 * '\\'), or '/' when there is none. */
size_t msiq_path_directory_length(const char *path, char *separator);

#endif /* MSIQ_TEXT_H */
