/* host.h: the thin layer between the portable core and the operating system.
 *
 * src/host/win/ implements it with Win32 for the product; src/host/posix/
 * implements it as a simulation for development and tests (see
 * docs/testing.md). The core never includes an OS header itself.
 */
#ifndef MSIQ_HOST_H
#define MSIQ_HOST_H

#include "msiq.h"

/* Current UTC time in milliseconds since the Unix epoch (wall clock; used
 * only for timestamps stored in the queue, never for timers). */
int64_t msiq_host_now_ms(void);

/* Writes the default database path into buffer: %ProgramData%\msiq\queue.db
 * on Windows; on POSIX /var/lib/msiq/queue.db for root and
 * $XDG_STATE_HOME/msiq/queue.db (default ~/.local/state) for other users. */
int msiq_host_default_database_path(char *buffer, size_t size, msiq_diag *diag);

/* Creates the directory that will hold path (and its parents). On Windows the
 * directory gets an ACL that admits only SYSTEM and Administrators. */
int msiq_host_prepare_database_directory(const char *database_path,
                                         msiq_diag *diag);

/* Makes a path absolute against the current directory (free() the
 * result). Jobs run later, from the dispatcher's directory, so a relative
 * package or log path must be fixed at enqueue time. The file need not
 * exist (a share may be offline). */
int msiq_host_absolute_path(const char *path, char **absolute, msiq_diag *diag);

/* True when a regular file exists at path (UTF-8). */
bool msiq_host_file_exists(const char *path);

#endif /* MSIQ_HOST_H */
