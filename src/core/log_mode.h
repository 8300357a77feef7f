/* log_mode.h: msiexec's log switch, /l[i|w|e|a|r|u|c|m|o|p|v|x|+|!|*].
 *
 * The letters after /l say what Windows Installer writes to the log and
 * how: one letter per kind of message, v (verbose) and x (extra
 * debugging), + (append to an existing log instead of replacing it), !
 * (flush each line) and * (every kind of message, but neither v nor x).
 * They are read here once, in any case and order, so that `exec`'s /l,
 * `enqueue --log-mode`, the stored job, the msiexec command line and the
 * worker's MsiEnableLog all agree on one canonical text: the kinds in
 * msiexec's order "iwearucmop" (all ten written as "*"), then v, x, + and
 * !, lowercase ("/L*V" is "*v", "/lvoicewarmup" is "*v").
 */
#ifndef MSIQ_LOG_MODE_H
#define MSIQ_LOG_MODE_H

#include <stdbool.h>

#include "core/msiq.h"

/* Each letter and its flag, in canonical order. The first ten are the
 * kinds of message that '*' stands for. */
#define MSIQ_LOG_MODE_MAP(XX)                                                  \
  XX(INFO, 'i')                                                                \
  XX(WARNING, 'w')                                                             \
  XX(ERROR, 'e')                                                               \
  XX(ACTIONSTART, 'a')                                                         \
  XX(ACTIONDATA, 'r')                                                          \
  XX(USER, 'u')                                                                \
  XX(COMMONDATA, 'c')                                                          \
  XX(FATALEXIT, 'm')                                                           \
  XX(OUTOFDISKSPACE, 'o')                                                      \
  XX(PROPERTYDUMP, 'p')                                                        \
  XX(VERBOSE, 'v')                                                             \
  XX(EXTRADEBUG, 'x')                                                          \
  XX(APPEND, '+')                                                              \
  XX(FLUSH, '!')

enum {
#define XX(name, letter) MSIQ_LOG_BIT_##name,
  MSIQ_LOG_MODE_MAP(XX)
#undef XX
      MSIQ_LOG_BIT_COUNT
};

#define XX(name, letter) MSIQ_LOG_##name = 1u << MSIQ_LOG_BIT_##name,
enum { MSIQ_LOG_MODE_MAP(XX) };
#undef XX

/* What '*' stands for: every kind of message, without v and x. */
#define MSIQ_LOG_ALL_KINDS ((1u << MSIQ_LOG_BIT_VERBOSE) - 1u)

/* The kinds Windows Installer logs when a mode names none (a bare /l or
 * /l+): its own default, "iwearmo". */
#define MSIQ_LOG_DEFAULT_KINDS                                                 \
  (MSIQ_LOG_INFO | MSIQ_LOG_WARNING | MSIQ_LOG_ERROR | MSIQ_LOG_ACTIONSTART |  \
   MSIQ_LOG_ACTIONDATA | MSIQ_LOG_FATALEXIT | MSIQ_LOG_OUTOFDISKSPACE)

/* The mode of a job that names none: msiq's own /l*v. */
#define MSIQ_LOG_MODE_DEFAULT "*v"

/* Room for the longest canonical text ("*vx+!" or the ten letters with
 * v, x, + and !) and its terminating NUL. */
#define MSIQ_LOG_MODE_SIZE 16

/* Reads the letters after /l ("*v", "VOICEWARMUP", "*vx+!", "" for a bare
 * /l) into *flags. A mode that names no kind of message and neither v nor
 * x gets MSIQ_LOG_DEFAULT_KINDS, as Windows Installer does. MSIQ_EINVAL
 * naming the first character that is not one of msiexec's letters. */
int msiq_log_mode_parse(const char *letters, unsigned *flags, msiq_diag *diag);

/* Writes the canonical text of flags into buffer (MSIQ_LOG_MODE_SIZE
 * bytes). */
void msiq_log_mode_format(unsigned flags, char buffer[MSIQ_LOG_MODE_SIZE]);

/* Parses letters and writes their canonical text: both steps above. */
int msiq_log_mode_canonical(const char *letters,
                            char buffer[MSIQ_LOG_MODE_SIZE], msiq_diag *diag);

#endif /* MSIQ_LOG_MODE_H */
