/* worker_request.c: collecting and checking a worker's request. See
 * worker_request.h. */
#include "core/worker_request.h"

#include <stdlib.h>
#include <string.h>

#include "core/installer_command.h"
#include "core/log_mode.h"

/* Room for a quoted field inside a diagnostic. */
#define QUOTED_TEXT_SIZE 160

void msiq_worker_request_init(msiq_worker_request *request) {
  request->stage = MSIQ_WORKER_REQUEST_EXPECT_REQUEST;
  msiq_job_spec_init(&request->job);
  request->repair_mode = NULL;
  request->log_flags = 0;
  request->log_mode_given = false;
}

void msiq_worker_request_cleanup(msiq_worker_request *request) {
  msiq_job_spec_cleanup(&request->job);
  free(request->repair_mode);
  msiq_worker_request_init(request);
}

bool msiq_worker_request_is_complete(const msiq_worker_request *request) {
  return request->stage == MSIQ_WORKER_REQUEST_COMPLETE;
}

/* The action an operation message names, or false for other messages. */
static bool request_operation_action(msiq_worker_message_kind kind,
                                     msiq_action *action) {
  switch (kind) {
    case MSIQ_WORKER_INSTALL:
      *action = MSIQ_ACTION_INSTALL;
      return true;
    case MSIQ_WORKER_UNINSTALL:
      *action = MSIQ_ACTION_UNINSTALL;
      return true;
    case MSIQ_WORKER_PATCH:
      *action = MSIQ_ACTION_PATCH;
      return true;
    case MSIQ_WORKER_REPAIR:
      *action = MSIQ_ACTION_REPAIR;
      return true;
    case MSIQ_WORKER_ADMIN:
      *action = MSIQ_ACTION_ADMIN;
      return true;
    case MSIQ_WORKER_ADVERTISE:
      *action = MSIQ_ACTION_ADVERTISE;
      return true;
    case MSIQ_WORKER_UNPATCH:
      *action = MSIQ_ACTION_UNPATCH;
      return true;
    case MSIQ_WORKER_UNINSTALL_RELATED:
      *action = MSIQ_ACTION_UNINSTALL;
      return true;
    default:
      return false;
  }
}

static int request_add_operation(msiq_worker_request *request,
                                 msiq_action action,
                                 const msiq_worker_message *message,
                                 msiq_diag *diag) {
  const char *target = message->fields[0];
  if (target[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker request: %s target is empty",
                         msiq_action_name(action));
  }
  if (action == MSIQ_ACTION_REPAIR) {
    const char *mode = message->fields[1];
    if (!msiq_repair_mode_is_valid(mode)) {
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(mode, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "worker request: repair mode '%s' must be letters "
                           "from poedcamusv",
                           quoted);
    }
    size_t size = strlen(mode) + 1;
    request->repair_mode = malloc(size);
    if (request->repair_mode == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    memcpy(request->repair_mode, mode, size);
  }
  /* A related uninstall names an UpgradeCode, which the worker looks up;
   * anything else there would be looked up for nothing. */
  bool related = message->kind == MSIQ_WORKER_UNINSTALL_RELATED;
  if (related && !msiq_product_code_is_valid(target)) {
    char quoted[QUOTED_TEXT_SIZE];
    msiq_quote_for_message(target, quoted, sizeof quoted);
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker request: upgrade code '%s' is not a braced "
                         "GUID",
                         quoted);
  }
  if (msiq_job_spec_set_target(&request->job, target) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  request->job.action = action;
  request->job.related = related;
  request->stage = MSIQ_WORKER_REQUEST_EXPECT_OPTIONS;
  return MSIQ_OK;
}

static int request_add_log(msiq_worker_request *request,
                           const msiq_worker_message *message,
                           msiq_diag *diag) {
  if (request->job.log_path != NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "worker request: the log is named twice");
  }
  if (message->fields[0][0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINVAL, "worker request: empty log path");
  }
  if (message->field_count == 2) {
    msiq_diag reason = {{0}};
    if (message->fields[1][0] == '\0' ||
        msiq_log_mode_parse(message->fields[1], &request->log_flags, &reason) !=
            MSIQ_OK) {
      char quoted[QUOTED_TEXT_SIZE];
      msiq_quote_for_message(message->fields[1], quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "worker request: log mode '%s' is not msiexec's "
                           "/l letters",
                           quoted);
    }
    request->log_mode_given = true;
  }
  if (msiq_job_spec_set_log_path(&request->job, message->fields[0]) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* Adds one property, refusing a name the request already gave (Windows
 * Installer would keep only one of the two values). The setter leaves
 * repeated names to validation (job.h); a request is checked line by
 * line, so the name is looked for here, among at most
 * MSIQ_JOB_PROPERTY_COUNT_MAX, which the setter enforces. */
static int request_add_property(msiq_worker_request *request,
                                const msiq_worker_message *message,
                                msiq_diag *diag) {
  const char *name = message->fields[0];
  for (size_t i = 0; i < request->job.property_count; i++) {
    if (strcmp(request->job.properties[i].name, name) == 0) {
      char quoted[160];
      msiq_quote_for_message(name, quoted, sizeof quoted);
      return msiq_diag_set(diag, MSIQ_EINVAL, "property '%s' given twice",
                           quoted);
    }
  }
  return msiq_job_spec_add_property(&request->job, name, message->fields[1],
                                    diag);
}

/* The request checks; msiq_worker_request_add() marks the request refused
 * when one fails. */
static int request_add(msiq_worker_request *request,
                       const msiq_worker_message *message, msiq_diag *diag) {
  const char *keyword = msiq_worker_message_keyword(message->kind);
  msiq_action action = MSIQ_ACTION_INSTALL;
  bool is_operation = request_operation_action(message->kind, &action);
  switch (request->stage) {
    case MSIQ_WORKER_REQUEST_EXPECT_REQUEST:
      if (message->kind != MSIQ_WORKER_REQUEST) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "worker request: '%s' before 'request'", keyword);
      }
      if (msiq_worker_field_integer(message->fields[0]) !=
          MSIQ_WORKER_PROTOCOL_VERSION) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "worker request: protocol version %s, this "
                             "worker speaks %d",
                             message->fields[0], MSIQ_WORKER_PROTOCOL_VERSION);
      }
      request->stage = MSIQ_WORKER_REQUEST_EXPECT_OPERATION;
      return MSIQ_OK;
    case MSIQ_WORKER_REQUEST_EXPECT_OPERATION:
      if (!is_operation) {
        return msiq_diag_set(diag, MSIQ_EINVAL,
                             "worker request: '%s' before the operation",
                             keyword);
      }
      return request_add_operation(request, action, message, diag);
    case MSIQ_WORKER_REQUEST_EXPECT_OPTIONS:
      switch (message->kind) {
        case MSIQ_WORKER_PROPERTY:
          return request_add_property(request, message, diag);
        case MSIQ_WORKER_LOG:
          return request_add_log(request, message, diag);
        case MSIQ_WORKER_START:
          request->stage = MSIQ_WORKER_REQUEST_COMPLETE;
          return MSIQ_OK;
        default:
          return msiq_diag_set(diag, MSIQ_EINVAL,
                               "worker request: '%s' is not expected after "
                               "the operation",
                               keyword);
      }
    case MSIQ_WORKER_REQUEST_COMPLETE:
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "worker request: '%s' after 'start'", keyword);
    case MSIQ_WORKER_REQUEST_REFUSED:
      break;
  }
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "worker request: refused at an earlier line");
}

int msiq_worker_request_add(msiq_worker_request *request,
                            const msiq_worker_message *message,
                            msiq_diag *diag) {
  int status = request_add(request, message, diag);
  if (status != MSIQ_OK) {
    /* A refused request never becomes complete: later lines cannot repair
     * it. */
    request->stage = MSIQ_WORKER_REQUEST_REFUSED;
  }
  return status;
}
