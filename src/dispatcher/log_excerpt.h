/* log_excerpt.h: reading msiexec's verbose logs.
 *
 * msiexec writes its /l*v log in UTF-16LE with a byte-order mark; a log
 * without a mark is UTF-8 or in the ANSI code page. msiq prints and stores
 * UTF-8. When an installation fails, the useful part is around the first
 * "Return value 3." line: the action that failed and the error messages
 * just before it.
 */
#ifndef MSIQ_LOG_EXCERPT_H
#define MSIQ_LOG_EXCERPT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/msiq.h"

/* Converts log bytes (UTF-16LE or UTF-16BE with a BOM, UTF-8 with or
 * without one, else text in the ANSI code page, converted through the host)
 * to NUL-terminated UTF-8 (free() it), so what is shown and stored is always
 * UTF-8. Invalid UTF-16, and bytes that are not UTF-8 after a UTF-8 BOM,
 * become U+FFFD. */
int msiq_log_decode(const unsigned char *bytes, size_t length, char **text,
                    msiq_diag *diag);

/* The part of msiq_log_decode for a log that is not UTF-16, on bytes that
 * follow any byte-order mark: valid UTF-8 as it is (NUL bytes dropped);
 * otherwise repaired (U+FFFD) when the log began with a UTF-8 mark
 * (utf8_mark), or converted from the ANSI code page. Also for a log read
 * in pieces (`msiq log --follow`), which knows its mark from its start. */
int msiq_log_decode_8bit(const char *bytes, size_t length, bool utf8_mark,
                         char **text, msiq_diag *diag);

/* Reads and decodes a log file. */
int msiq_log_read(const char *path, char **text, msiq_diag *diag);

/* The lines around the first "Return value 3" (up to MSIQ_LOG_CONTEXT_LINES
 * before it, and it), each trimmed, joined by newlines; NULL when the log
 * shows no failure. free() the result. */
#define MSIQ_LOG_CONTEXT_LINES 6
char *msiq_log_failure_excerpt(const char *text);

#endif /* MSIQ_LOG_EXCERPT_H */
