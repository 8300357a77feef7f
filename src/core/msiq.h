/* msiq.h: the portable core's public interface.
 *
 * Everything that crosses module boundaries is declared here or in one of the
 * module headers included below: status codes, the job model and the
 * diagnostic buffer that carries a one-line explanation from the place an
 * error is detected to the CLI that prints it.
 */
#ifndef MSIQ_H
#define MSIQ_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSIQ_VERSION "0.1.0"

/* Lets the compiler check printf-style calls. mingw-w64 builds use its C99
 * stdio (__USE_MINGW_ANSI_STDIO), whose rules GCC calls gnu_printf. */
#if defined(__MINGW32__)
#define MSIQ_PRINTF_FORMAT(format_index, first_argument)                       \
  __attribute__((format(gnu_printf, format_index, first_argument)))
#elif defined(__GNUC__)
#define MSIQ_PRINTF_FORMAT(format_index, first_argument)                       \
  __attribute__((format(printf, format_index, first_argument)))
#else
#define MSIQ_PRINTF_FORMAT(format_index, first_argument)
#endif

/* One table yields the status codes, their names, their messages and the
 * exit code the CLI uses for each, so the four can never drift apart.
 * Columns: name, value, process exit code, generic message. */
#define MSIQ_STATUS_MAP(XX)                                                    \
  XX(USAGE, -1, 2, "bad usage")                                                \
  XX(INVAL, -2, 2, "invalid input")                                            \
  XX(NOT_FOUND, -3, 3, "no such job")                                          \
  XX(STATE, -4, 3, "not allowed in the job's current state")                   \
  XX(DATABASE, -5, 4, "database error")                                        \
  XX(CORRUPT, -6, 4, "database file is corrupt or not a database")             \
  XX(LOCKED, -7, 4, "database is locked")                                      \
  XX(FULL, -8, 4, "disk is full")                                              \
  XX(SCHEMA, -9, 4, "database was written by a newer msiq")                    \
  XX(READONLY, -10, 4, "database is read-only")                                \
  XX(MISSING, -11, 4, "database does not exist")                               \
  XX(NOMEM, -12, 4, "out of memory")                                           \
  XX(IO, -13, 4, "input/output error")                                         \
  XX(DISPATCHER_RUNNING, -14, 5, "another dispatcher is running")              \
  XX(HOST, -15, 1, "operating system error")                                   \
  XX(TIMEDOUT, -16, 1, "timed out")                                            \
  XX(INTERRUPTED, -17, 1, "interrupted")                                       \
  XX(INSECURE, -18, 4, "database can be changed by other users")               \
  XX(PACKAGE_MISSING, -19, 2, "package does not exist")                        \
  XX(NOT_PACKAGE, -20, 2, "not a Windows Installer package")

typedef enum msiq_status {
  MSIQ_OK = 0,
#define MSIQ_STATUS_ENUM(name, value, exit_code, message) MSIQ_E##name = value,
  MSIQ_STATUS_MAP(MSIQ_STATUS_ENUM)
#undef MSIQ_STATUS_ENUM
} msiq_status;

/* Generic message for a status ("database is locked"). */
const char *msiq_strerror(int status);
/* Symbolic name for a status ("MSIQ_ELOCKED"). */
const char *msiq_err_name(int status);
/* Process exit code the CLI uses for a status (0, 2, 3, 4, 5 or 1). */
int msiq_status_exit_code(int status);
/* The exit code `exec` answers for a status, in msiexec's own codes so that
 * a fleet tool (Intune, ConfigMgr) that reads exec's code as msiexec's shows
 * the right text: 1639 (ERROR_INVALID_COMMAND_LINE) for bad usage or input,
 * 1619 (ERROR_INSTALL_PACKAGE_OPEN_FAILED) for a missing package, 1620
 * (ERROR_INSTALL_PACKAGE_INVALID) for a file that is not a package, 1618
 * (ERROR_INSTALL_ALREADY_RUNNING: try again later) for a queue locked past
 * the busy timeout or a dispatcher that holds it, 1460 (ERROR_TIMEOUT) for
 * a time limit, 1602 (ERROR_INSTALL_USEREXIT) for an interruption, and
 * 1603 (ERROR_INSTALL_FAILURE) for everything else; never msiq's own 2, 3,
 * 4 or 5, which those tools read as Win32 errors ("file not found"...). */
int msiq_status_msiexec_code(int status);

/* A diagnostic: the one-line, specific explanation of the last error
 * ("property name '9X' must match [A-Za-z_][A-Za-z0-9_.]*"). Library code
 * fills it and returns a status; only the CLI prints it. A NULL diagnostic
 * is allowed everywhere and simply discards the message. */
typedef struct msiq_diag {
  char message[512];
} msiq_diag;

/* Formats the message into diag (if not NULL) and returns status, so that
 * callers can write `return msiq_diag_set(diag, MSIQ_EINVAL, "...")`. */
int msiq_diag_set(msiq_diag *diag, int status, const char *format, ...)
    MSIQ_PRINTF_FORMAT(3, 4);
int msiq_diag_vset(msiq_diag *diag, int status, const char *format,
                   va_list args) MSIQ_PRINTF_FORMAT(3, 0);

/* Copies user text into buffer for a one-line message: control characters
 * become \xNN and overlong text ends in "...". */
void msiq_quote_for_message(const char *text, char *buffer, size_t size);
/* The same for at most the first length bytes of text. */
void msiq_quote_prefix_for_message(const char *text, size_t length,
                                   char *buffer, size_t size);

/* Times are UTC milliseconds since the Unix epoch; MSIQ_TIME_UNSET marks an
 * absent optional time (no not-before, no deadline, never started). */
#define MSIQ_TIME_UNSET INT64_MIN

#define MSIQ_ACTION_MAP(XX)                                                    \
  XX(INSTALL, "install")                                                       \
  XX(UNINSTALL, "uninstall")                                                   \
  XX(PATCH, "patch")                                                           \
  XX(REPAIR, "repair")                                                         \
  XX(ADMIN, "admin")                                                           \
  XX(ADVERTISE, "advertise")                                                   \
  XX(UNPATCH, "unpatch")

/* The action names as a message lists them; test_error checks that it
 * names every action of the map, so a new action cannot be left out. */
#define MSIQ_ACTION_CHOICES                                                    \
  "install, uninstall, patch, repair, admin, advertise or unpatch"

typedef enum msiq_action {
#define MSIQ_ACTION_ENUM(name, text) MSIQ_ACTION_##name,
  MSIQ_ACTION_MAP(MSIQ_ACTION_ENUM)
#undef MSIQ_ACTION_ENUM
      MSIQ_ACTION_COUNT
} msiq_action;

#define MSIQ_STATE_MAP(XX)                                                     \
  XX(QUEUED, "queued")                                                         \
  XX(RUNNING, "running")                                                       \
  XX(RETRYING, "retrying")                                                     \
  XX(SUCCEEDED, "succeeded")                                                   \
  XX(FAILED, "failed")                                                         \
  XX(CANCELLED, "cancelled")

typedef enum msiq_state {
#define MSIQ_STATE_ENUM(name, text) MSIQ_STATE_##name,
  MSIQ_STATE_MAP(MSIQ_STATE_ENUM)
#undef MSIQ_STATE_ENUM
      MSIQ_STATE_COUNT
} msiq_state;

const char *msiq_action_name(msiq_action action);
/* Returns MSIQ_OK and sets *action, or MSIQ_EINVAL for an unknown name;
 * names match in any case ("Install"), as msiq_state_parse does. */
int msiq_action_parse(const char *text, msiq_action *action);
const char *msiq_state_name(msiq_state state);
int msiq_state_parse(const char *text, msiq_state *state);
/* True for succeeded, failed and cancelled: states no dispatcher leaves. */
bool msiq_state_is_final(msiq_state state);

#endif /* MSIQ_H */
