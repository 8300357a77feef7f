/* host_win_internal.h: what the Win32 host's files share (host_win.c, the
 * worker, worker_win.c, and the path checks, host_win_paths.c). Not part of
 * host.h: only src/host/win/ sees it. */
#ifndef MSIQ_HOST_WIN_INTERNAL_H
#define MSIQ_HOST_WIN_INTERNAL_H

#include <stdbool.h>
#include <wchar.h>

/* A malloc'ed UTF-16 copy of UTF-8 text, or NULL (bad UTF-8, no memory).
 * Windows' own APIs take UTF-16; msiq's strings are UTF-8 everywhere else. */
wchar_t *host_win_wide(const char *text);

/* A malloc'ed UTF-8 copy of UTF-16 text, or NULL. */
char *host_win_narrow(const wchar_t *wide);

/* True for the accounts that may change the queue and what it runs
 * (SYSTEM, Administrators, TrustedInstaller, the account msiq runs as);
 * sid is a PSID (host_win.c, used by host_win_paths.c too). */
bool host_win_sid_is_trusted(void *sid);

#endif /* MSIQ_HOST_WIN_INTERNAL_H */
