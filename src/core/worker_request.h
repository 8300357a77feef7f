/* worker_request.h: the request a worker reads before it starts.
 *
 * The dispatcher writes, one message per line (worker_protocol.h):
 *
 *   request<TAB>1
 *   install PACKAGE | uninstall PACKAGE-OR-{CODE} | patch PATCH.msp |
 *       repair TARGET MODE                          (exactly one)
 *   property<TAB>NAME<TAB>VALUE                     (any number, in order)
 *   log<TAB>PATH[<TAB>MODE]                         (at most one)
 *   start
 *
 * This module collects those messages and refuses anything out of place,
 * so that the Windows worker only does the Win32 part and the rules are
 * tested on every platform. A refused request is answered with
 * `result<TAB>1639` (ERROR_INVALID_COMMAND_LINE), as msiexec answers a bad
 * command line.
 */
#ifndef MSIQ_WORKER_REQUEST_H
#define MSIQ_WORKER_REQUEST_H

#include "core/job.h"
#include "core/worker_protocol.h"

/* ERROR_INVALID_COMMAND_LINE: what msiexec returns for a command line it
 * cannot use, and what the worker returns for a request it cannot use. */
#define MSIQ_WORKER_BAD_REQUEST_CODE 1639

typedef enum msiq_worker_request_stage {
  MSIQ_WORKER_REQUEST_EXPECT_REQUEST,   /* nothing read yet */
  MSIQ_WORKER_REQUEST_EXPECT_OPERATION, /* `request` read */
  MSIQ_WORKER_REQUEST_EXPECT_OPTIONS,   /* properties, log or start */
  MSIQ_WORKER_REQUEST_COMPLETE,         /* `start` read */
  MSIQ_WORKER_REQUEST_REFUSED,          /* a message was refused */
} msiq_worker_request_stage;

/* What was asked, in the job model's terms: job.action, job.target,
 * job.properties (added through msiq_job_spec_add_property(), so enqueue's
 * rules apply) and job.log_path (NULL when the request names no log); the
 * spec's other fields keep their defaults. */
typedef struct msiq_worker_request {
  msiq_worker_request_stage stage;
  msiq_job_spec job;
  char *repair_mode; /* repair only */
  /* The log's mode: msiexec's /l letters as MSIQ_LOG_* flags
   * (core/log_mode.h), and whether the request named one; a request
   * without a mode gets the worker's default. */
  unsigned log_flags;
  bool log_mode_given;
} msiq_worker_request;

void msiq_worker_request_init(msiq_worker_request *request);
void msiq_worker_request_cleanup(msiq_worker_request *request);

/* Adds one parsed message. MSIQ_EINVAL, with the reason in diag, for a
 * message out of order (anything before `request`, a second operation, a
 * property before the operation, anything after `start`), a protocol
 * version other than MSIQ_WORKER_PROTOCOL_VERSION, a message the
 * dispatcher does not send, a bad property (name rule, control character,
 * given twice), a bad repair mode, a second `log`, or a `log` whose second
 * field is not a log mode (msiq_log_mode_parse). After an error the request
 * stays refused. */
int msiq_worker_request_add(msiq_worker_request *request,
                            const msiq_worker_message *message,
                            msiq_diag *diag);

/* True once `start` was added. */
bool msiq_worker_request_is_complete(const msiq_worker_request *request);

#endif /* MSIQ_WORKER_REQUEST_H */
