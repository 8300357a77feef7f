/* msiexec_words.h: a command line split into words by msiexec's rules.
 *
 * msiexec reads its own command line; it does not use the C runtime's
 * splitting (CommandLineToArgvW). Its rules: words are separated by spaces
 * and tabs outside double quotes; a double quote starts or ends quoting and
 * is not part of the word; inside quotes a doubled double quote is one
 * literal double quote; a backslash is an ordinary character. So
 *
 *   INSTALLDIR="C:\Program Files\App\" /qn X=1
 *
 * is three words: `INSTALLDIR=C:\Program Files\App\`, `/qn` and `X=1`
 * (the C runtime reads `\"` as an escaped quote and swallows the rest of
 * the line into the first word). `msiq exec` splits what follows the word
 * `exec` this way, so a script written for msiexec means the same to it.
 *
 * Also here: how many bytes the C runtime's first words take, so that the
 * Windows host can find where `exec`'s own text starts in the raw command
 * line. Both are pure functions, tested on every platform.
 */
#ifndef MSIQ_MSIEXEC_WORDS_H
#define MSIQ_MSIEXEC_WORDS_H

#include "core/msiq.h"

typedef struct msiq_msiexec_words {
  char **words;
  size_t count;
} msiq_msiexec_words;

void msiq_msiexec_words_init(msiq_msiexec_words *words);
void msiq_msiexec_words_cleanup(msiq_msiexec_words *words);

/* Splits line by msiexec's rules into *words (replacing what it held). An
 * empty pair of quotes is an empty word. A quote left open at the end of
 * the line is refused with MSIQ_EUSAGE (msiexec itself answers 1639 to
 * it), as is a control character other than a tab; on failure *words is
 * left as it was. */
int msiq_msiexec_words_split(const char *line, msiq_msiexec_words *words,
                             msiq_diag *diag);

/* Writes words back as one line that msiq_msiexec_words_split() reads as
 * the same words: a word that is empty or holds a space, a tab or a double
 * quote is written in quotes, its quotes doubled. *line is free()d by the
 * caller. The POSIX host uses it to give `exec` a command line made of
 * argv. MSIQ_EINVAL for a word with a control character other than a tab
 * (no quoting carries it), MSIQ_ENOMEM. */
int msiq_msiexec_words_join(const char *const *words, size_t count, char **line,
                            msiq_diag *diag);

/* The offset in line just after the first count words as the C runtime
 * splits a Windows command line (CommandLineToArgvW): the first word, the
 * program, ends at the first space or tab outside quotes and knows no
 * backslash escapes; later words treat 2n backslashes before a quote as n
 * backslashes and a quote that toggles quoting, 2n+1 as a literal quote,
 * and a doubled quote inside quotes as a literal quote. The spaces after
 * the last word skipped are skipped too. Returns strlen(line) when the
 * line has count words or fewer. */
size_t msiq_c_runtime_words_skip(const char *line, size_t count);

#endif /* MSIQ_MSIEXEC_WORDS_H */
