/* host_win_internal.h: what the Win32 host's files share (host_win.c, the
 * worker, worker_win.c, and the path checks, host_win_paths.c). Not part of
 * host.h: only src/host/win/ sees it. */
#ifndef MSIQ_HOST_WIN_INTERNAL_H
#define MSIQ_HOST_WIN_INTERNAL_H

#include <stdbool.h>
#include <wchar.h>

#include "core/msiq.h"

/* A malloc'ed UTF-16 copy of UTF-8 text, or NULL (bad UTF-8, no memory).
 * Windows' own APIs take UTF-16; msiq's strings are UTF-8 everywhere else. */
wchar_t *host_win_wide(const char *text);

/* A malloc'ed UTF-8 copy of UTF-16 text, or NULL. */
char *host_win_narrow(const wchar_t *wide);

/* True for the accounts that may change the queue and what it runs
 * (SYSTEM, Administrators, TrustedInstaller, the account msiq runs as);
 * sid is a PSID (host_win.c, used by host_win_paths.c too). */
bool host_win_sid_is_trusted(void *sid);
/* Fills diag for the Win32 error `error` while doing `doing` to `subject`
 * ("cannot DOING SUBJECT: MESSAGE"; access denied becomes MSIQ_EREADONLY
 * with the permission hint) and returns the status. */
int host_win_fail(msiq_diag *diag, int status, unsigned long error,
                  const char *doing, const char *subject);

/* This executable's own path, as UTF-8 in buffer. */
int host_win_own_path(char *buffer, size_t size, msiq_diag *diag);

/* The access list of a folder msiq creates: SYSTEM and Administrators
 * only, passed on to what is created inside (SDDL). */
extern const wchar_t host_private_directory_sddl[];

#endif /* MSIQ_HOST_WIN_INTERNAL_H */
