/* text.h: small text helpers every layer shares, so that each rule about
 * text (what a control character is, where a path's directory ends) is
 * written once.
 */
#ifndef MSIQ_TEXT_H
#define MSIQ_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/msiq.h"

/* A copy of text on the heap (free() it), or NULL when out of memory.
 * strdup() is POSIX, not C11, and the core builds with any C11 compiler
 * (mingw-w64 in strict mode too). */
char *msiq_text_duplicate(const char *text);

/* Appends item to the list *list of items separated by separator (a new
 * list when *list is NULL), as Windows Installer writes its lists
 * ("{A};{B}", "a.mst;b.mst"). MSIQ_ENOMEM leaves *list as it was. */
int msiq_text_list_append(char **list, char separator, const char *item);

/* The C0 controls and DEL: what msiq refuses in property values and escapes
 * in messages, because neither an msiexec command line nor a one-line
 * message can carry them safely. */
bool msiq_character_is_control(unsigned char character);

/* True when a and b are the same text but for the case of ASCII letters
 * ("Failed" and "failed"): for the names of actions, states and outcomes,
 * which admins type as Windows tools write them. */
bool msiq_text_equal_ignoring_case(const char *a, const char *b);

/* True when text holds a control character (see above). */
bool msiq_text_has_control_character(const char *text);

/* The length of the directory part of path, without its last separator:
 * 0 for a bare file name. Both '/' and '\' separate, so a Windows path and
 * a POSIX path work alike. *separator receives the separator found ('/' or
 * '\\'), or '/' when there is none. */
size_t msiq_path_directory_length(const char *path, char *separator);

/* Writes into buffer the path of name in the same folder as path
 * (C:\ProgramData\msiq\queue.db and logs give C:\ProgramData\msiq\logs;
 * /queue.db gives /logs; a bare file name gives name), with path's own
 * separator: where msiq keeps what belongs to
 * a queue (logs, staged copies, the service log). False when it does not
 * fit. */
bool msiq_path_beside(const char *path, const char *name, char *buffer,
                      size_t size);

/* UTF-8 (RFC 3629) is what msiq stores and prints: every text that comes
 * in (arguments, manifests, what a worker says, logs) is checked or
 * converted at the door, so that `--json` output is always valid UTF-8. */

/* The length (1 to 4) of the well-formed UTF-8 sequence at the start of
 * text, reading at most `available` bytes; 0 when there is none: a stray
 * continuation byte, an overlong form, a UTF-16 surrogate (U+D800 to
 * U+DFFF), a code point above U+10FFFF, or a sequence cut short. */
size_t msiq_utf8_sequence_length(const char *text, size_t available);

/* How many of the first length bytes of text are well-formed UTF-8: length
 * when all are, else the offset of the first bad sequence. */
size_t msiq_utf8_valid_prefix(const char *text, size_t length);

/* True when the NUL-terminated text is well-formed UTF-8. */
bool msiq_text_is_utf8(const char *text);

/* Writes code_point as UTF-8 into bytes and returns how many (1 to 4); 0
 * for a surrogate or a value above U+10FFFF, which have none. */
size_t msiq_utf8_encode(unsigned long code_point, char bytes[4]);

/* Where byte offset of text falls, as people count: line and column from
 * 1, a column per character (a UTF-8 sequence, or a byte that is not part
 * of one). */
void msiq_text_position(const char *text, size_t offset, size_t *line,
                        size_t *column);

/* Turns the bytes of a text file (a manifest) into NUL-terminated UTF-8
 * (free() *text): UTF-8 with or without a byte-order mark, or UTF-16 LE or
 * BE with one (what PowerShell 5's `Out-File` and `>` write). MSIQ_EINVAL
 * naming `name` and the place for anything else: bytes that are not UTF-8,
 * an unpaired UTF-16 surrogate or an odd byte at the end, or a NUL
 * character, which would end the text early. The mark is dropped. */
int msiq_text_decode_file(const char *bytes, size_t length, const char *name,
                          char **text, msiq_diag *diag);

/* Windows-1252 (the ANSI code page of Western Windows) to NUL-terminated
 * UTF-8 (free() it); NULL when out of memory. NUL bytes are dropped, and
 * the five bytes 1252 leaves undefined become U+FFFD. The simulation host
 * uses it as its ANSI code page. */
char *msiq_text_from_windows_1252(const char *bytes, size_t length);

/* A copy of length bytes of text as UTF-8 (free() it), each byte that is
 * not part of a well-formed sequence replaced by U+FFFD and NUL bytes
 * dropped; NULL when out of memory. */
char *msiq_text_utf8_repair(const char *text, size_t length);

#endif /* MSIQ_TEXT_H */
