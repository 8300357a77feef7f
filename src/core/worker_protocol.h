/* worker_protocol.h: the lines the dispatcher and a job's worker exchange.
 *
 * The dispatcher starts one worker process per job (on Windows msiq.exe
 * itself in its internal worker mode, which drives msi.dll; in the POSIX
 * simulation a stand-in program). They talk over the worker's standard
 * input and output, one message per line, UTF-8, so a person can read a
 * transcript and a test can script one:
 *
 *   KEYWORD<TAB>FIELD<TAB>FIELD...<LF>
 *
 * In a field, backslash, tab, carriage return and line feed are written
 * \\, \t, \r and \n, so any text (an error message with several lines) fits
 * in one field. docs/engine.md describes every message and when it is sent.
 *
 * A worker that never says `hello` speaks no protocol: the dispatcher then
 * judges it by its exit code alone, so any program that just exits with an
 * msiexec code still works as a stand-in installer.
 */
#ifndef MSIQ_WORKER_PROTOCOL_H
#define MSIQ_WORKER_PROTOCOL_H

#include "core/job.h"
#include "core/msiq.h"

/* The protocol version both sides announce. */
#define MSIQ_WORKER_PROTOCOL_VERSION 1

/* The longest line either side sends or accepts, terminator included. */
#define MSIQ_WORKER_LINE_MAX 8192

/* Columns: name, keyword, fewest fields, most fields, who sends it. */
#define MSIQ_WORKER_MESSAGE_MAP(XX)                                            \
  /* worker -> dispatcher */                                                   \
  XX(HELLO, "hello", 1, 2, "worker")               /* version [pid] */         \
  XX(OPERATION, "operation", 1, 1, "worker")       /* the exact API call */    \
  XX(ACTION, "action", 1, 2, "worker")             /* name [description] */    \
  XX(PROGRESS, "progress", 1, 1, "worker")         /* percent 0..100 */        \
  XX(CANCELLABLE, "cancellable", 1, 1, "worker")   /* 0 or 1 */                \
  XX(ERROR, "error", 2, 3, "worker")               /* number text [action] */  \
  XX(FILES_IN_USE, "files-in-use", 1, 1, "worker") /* the processes */         \
  XX(CANCELLING, "cancelling", 0, 0, "worker")     /* IDCANCEL was returned */ \
  XX(RESULT, "result", 1, 1, "worker")             /* the API's return code */ \
  /* dispatcher -> worker */                                                   \
  XX(REQUEST, "request", 1, 1, "dispatcher")     /* version */                 \
  XX(INSTALL, "install", 1, 1, "dispatcher")     /* package */                 \
  XX(UNINSTALL, "uninstall", 1, 1, "dispatcher") /* package or code */         \
  XX(PATCH, "patch", 1, 1, "dispatcher")         /* patch package */           \
  XX(REPAIR, "repair", 2, 2, "dispatcher")       /* target mode */             \
  XX(ADMIN, "admin", 1, 1, "dispatcher")         /* package */                 \
  XX(ADVERTISE, "advertise", 1, 1, "dispatcher") /* package */                 \
  XX(UNPATCH, "unpatch", 1, 1, "dispatcher")     /* product code */            \
  XX(UNINSTALL_RELATED, "uninstall-related", 1, 1,                             \
     "dispatcher")                             /* upgrade code */              \
  XX(PROPERTY, "property", 2, 2, "dispatcher") /* name value */                \
  XX(LOG, "log", 1, 2, "dispatcher")           /* path [mode] */               \
  XX(START, "start", 0, 0, "dispatcher")       /* the request is complete */   \
  XX(CANCEL, "cancel", 0, 0, "dispatcher")     /* roll back and stop */

typedef enum msiq_worker_message_kind {
#define MSIQ_WORKER_MESSAGE_ENUM(name, keyword, min, max, sender)              \
  MSIQ_WORKER_##name,
  MSIQ_WORKER_MESSAGE_MAP(MSIQ_WORKER_MESSAGE_ENUM)
#undef MSIQ_WORKER_MESSAGE_ENUM
      MSIQ_WORKER_MESSAGE_COUNT
} msiq_worker_message_kind;

#define MSIQ_WORKER_FIELDS_MAX 3

/* One parsed line. The fields point into `storage`, which the parse owns. */
typedef struct msiq_worker_message {
  msiq_worker_message_kind kind;
  size_t field_count;
  const char *fields[MSIQ_WORKER_FIELDS_MAX];
  char storage[MSIQ_WORKER_LINE_MAX];
} msiq_worker_message;

const char *msiq_worker_message_keyword(msiq_worker_message_kind kind);

/* Parses one line (with or without its line feed). MSIQ_EINVAL, with the
 * reason in diag, for an unknown keyword, a wrong number of fields, a bad
 * escape, a line that is too long, a NUL byte or bytes that are not UTF-8.
 * Fields of PROGRESS, CANCELLABLE, RESULT, HELLO and ERROR's number are checked
 * to be integers in range. */
int msiq_worker_message_parse(const char *line, size_t length,
                              msiq_worker_message *message, msiq_diag *diag);

/* Formats one line, terminator included, into buffer. MSIQ_EINVAL for a
 * wrong number of fields or a line longer than size. */
int msiq_worker_message_format(msiq_worker_message_kind kind,
                               const char *const *fields, size_t field_count,
                               char *buffer, size_t size, msiq_diag *diag);

/* A field as an integer (for the kinds whose fields are numbers). */
int64_t msiq_worker_field_integer(const char *field);

/* Splits a byte stream into lines. Feed it what a pipe read returned; it
 * calls on_line for each complete line (without its line feed) and keeps
 * the rest for the next feed. A line longer than MSIQ_WORKER_LINE_MAX is
 * passed on cut short with `truncated` set, and the rest of it skipped. */
typedef void (*msiq_worker_line_cb)(void *context, const char *line,
                                    size_t length, bool truncated);

typedef struct msiq_worker_line_reader {
  char buffer[MSIQ_WORKER_LINE_MAX];
  size_t length;
  bool skipping; /* inside the rest of an overlong line */
} msiq_worker_line_reader;

void msiq_worker_line_reader_init(msiq_worker_line_reader *reader);
void msiq_worker_line_reader_feed(msiq_worker_line_reader *reader,
                                  const char *bytes, size_t count,
                                  msiq_worker_line_cb on_line, void *context);

/* The request the dispatcher writes on a worker's standard input. */

/* The property a job may set to choose its own restart behaviour. Unless it
 * does, the request adds REBOOT=ReallySuppress: with no user interface,
 * Windows Installer restarts the machine by itself when a package asks for
 * it, and msiq leaves restarts to the administrator (exit code 3010 then
 * says that one is needed). */
#define MSIQ_WORKER_REBOOT_PROPERTY "REBOOT"
#define MSIQ_WORKER_REBOOT_SUPPRESS "ReallySuppress"

/* Builds the request for job, one message per line:
 *
 *   request 1
 *   install PACKAGE | uninstall PACKAGE-OR-{CODE} | patch PATCH.msp |
 *       repair TARGET omus
 *   property NAME VALUE            (the job's properties, in order)
 *   property REBOOT ReallySuppress (unless the job sets REBOOT)
 *   log LOG_PATH [MODE]            (MODE: the job's /l letters, if any)
 *   start
 *
 * *text (free() it) receives the lines and *length their size; when
 * reboot_suppressed is not NULL it says whether REBOOT was added.
 * MSIQ_EINVAL for a job without a target or log path, or a line longer than
 * MSIQ_WORKER_LINE_MAX (a property value of several kilobytes), naming the
 * property but never showing its value. */
int msiq_worker_request_build(const msiq_job *job, const char *log_path,
                              char **text, size_t *length,
                              bool *reboot_suppressed, msiq_diag *diag);

/* The text the dispatcher records as an attempt's operation: the worker's
 * `operation` line, followed by a note when msiq added REBOOT to the
 * request, so that `msiq show` says which properties were not the job's. */
void msiq_worker_operation_describe(const char *operation,
                                    bool reboot_suppressed, char *buffer,
                                    size_t size);

#endif /* MSIQ_WORKER_PROTOCOL_H */
