/* dispatcher.c: `msiq run`. See dispatcher.h and docs/dispatcher.md.
 *
 * Everything happens on one libuv loop: a repeating check timer (the poll
 * interval, on the monotonic clock), the installer's exit and output
 * callbacks, a timeout timer for the running installer, a cancel-grace
 * timer for a worker asked to cancel, a progress timer that spaces the
 * progress writes, a grace timer for stopping, and signal handlers.
 * Between checks the process sleeps; a check costs a look at the queue
 * file's identity and one PRAGMA data_version unless something changed or
 * a job became due. What the worker says is
 * folded in by worker_link.c; docs/engine.md tells the dispatcher's side.
 */
#include "dispatcher/dispatcher.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "dispatcher/gate_watch.h"
#include "dispatcher/worker_link.h"
#include "host/host.h"
#include "core/admission.h"
#include "core/gate.h"
#include "core/installer_command.h"
#include "core/text.h"
#include "dispatcher/log_excerpt.h"
#include "core/decision.h"
#include "core/timeparse.h"
#include "store/store_dispatch.h"
#include "core/worker_protocol.h"

/* With nothing due, the queue is still looked at this often even when the
 * safety-net poll is longer (the next-due read already covers deadlines,
 * not-before and retry times; this bounds what it cannot see, such as a
 * wall clock set forward). */
#define DISPATCHER_IDLE_RECHECK_MS (60 * 1000)

/* While a ready job waits at a closed gate for something no ring announces
 * (the installer service busy, the maintenance window, a pending reboot,
 * an outcome not stored yet), the gate is looked at again this often, or at
 * the poll interval when that is shorter. A held mutex has its own faster
 * watch (gate_watch.h); a paused queue waits for the ring of `resume`. */
#define DISPATCHER_GATE_RECHECK_MS 1000

/* A running job's progress is written at most this often: a worker sends
 * a few lines a second, and each write is a durable commit. The test
 * setting MSIQ_PROGRESS_INTERVAL_MS (docs/engine.md) shortens it, so that
 * a test sees many values without a long installation. */
#define DISPATCHER_PROGRESS_INTERVAL_MS     1000
#define DISPATCHER_PROGRESS_INTERVAL_MAX_MS (60 * 1000)

typedef enum dispatcher_stop_reason {
  DISPATCHER_STOP_NONE,
  DISPATCHER_STOP_TIMEOUT,
  DISPATCHER_STOP_CANCEL,
} dispatcher_stop_reason;

/* An attempt's outcome that could not be stored yet (the database was
 * locked past the busy timeout, or full). It is kept, tried again at every
 * check, and nothing new starts until it is stored; `status` shows the
 * note the dispatcher writes meanwhile (docs/reliability.md, "Outcomes
 * that cannot be recorded"). */
typedef struct dispatcher_pending_outcome {
  bool active;
  /* From an attempt's end (dispatcher_record): once stored, its line and
   * event follow; a failed start reported both before the store. */
  bool has_decision;
  msiq_attempt_result result; /* its texts point into the fields below */
  msiq_attempt_decision decision;
  char reason[sizeof(msiq_diag)]; /* a failed start's message */
  msiq_action action;
  char *target;
  int64_t failed_since; /* wall clock of the first failed try */
  int64_t tries;
} dispatcher_pending_outcome;

typedef struct msiq_dispatcher {
  msiq_store *store;
  /* What the caller gave (the command line), and what is in force: the
   * same with the queue's stored settings applied over what the caller did
   * not fix (dispatcher_apply_settings). */
  msiq_dispatcher_options given;
  msiq_dispatcher_options options;
  /* The settings' generation last applied (0010_settings.sql). */
  bool have_settings_generation;
  int64_t settings_generation;
  /* A stored log-dir, which options.log_directory then points to. */
  char stored_log_directory[MSIQ_SETTING_PATH_MAX];
  char program[4096];
  msiq_installer_kind installer_kind;
  char log_directory[4096];
  uv_loop_t loop;
  uv_timer_t check_timer;
  uv_timer_t timeout_timer;
  uv_timer_t grace_timer;
  uv_timer_t cancel_timer;
  uv_timer_t progress_timer;
  uv_signal_t interrupt_signal;
  uv_signal_t terminate_signal;
  uv_signal_t hangup_signal;
  /* The running job, if any. */
  msiq_installer *installer;
  msiq_job job;
  int64_t attempt_number;
  int64_t attempt_started_at;
  char log_path[4096];
  /* The version of the running install's product that was installed when
   * it started (dispatcher_skip_if_done asked), or NULL: a 1638 names it. */
  char *installed_version;
  /* A related uninstall's products as they were found right before it
   * started (dispatcher_check_related), ';'-separated, or NULL. */
  char *related_products;
  int64_t timeout_ms;
  dispatcher_stop_reason stop_reason;
  /* What the running job's worker said, and what was done about it. */
  msiq_worker_link link;
  bool reboot_suppressed; /* the request added REBOOT=ReallySuppress */
  bool cancel_sent;       /* the worker was asked to cancel */
  bool stopped_after_grace;
  int64_t progress_interval_ms; /* the spacing of progress writes */
  bool progress_pending;        /* a progress change not written yet */
  bool progress_written;        /* progress_written_at holds a time */
  uint64_t progress_written_at; /* loop time of the last write */
  int64_t progress_received_at; /* wall clock of the newest change */
  /* What the last check saw, to skip work when nothing changed. */
  bool have_data_version;
  int64_t data_version;
  /* Loop time (uv_now, the monotonic clock) of the next full check; 0: at
   * the next tick. Not the wall clock, which may be set back. */
  int64_t next_check_at;
  /* Loop time the check timer is armed for after this check: the next due
   * moment, the gate's recheck or the safety-net poll, whichever is first
   * (dispatcher_arm_check). */
  int64_t wake_at;
  /* Rung by every commit to the queue (host.h): the check runs at once. */
  msiq_host_doorbell *doorbell;
  /* The wall clock minus the monotonic clock at the last check: when it
   * drops, the wall clock went back (see dispatcher_watch_clock). */
  bool have_clock_offset;
  int64_t clock_offset;
  char last_gate_report[MSIQ_GATE_TEXT_SIZE];
  bool warned_unknown_service;
  bool stopping;
  bool closing;
  int status; /* the first fatal error */
  msiq_diag diag;
  /* Wakes the loop from another thread (a Windows service's stop). */
  uv_async_t stop_async;
  /* Set while a ready job waits for the installer mutex. */
  msiq_gate_watch *mutex_watch;
  dispatcher_pending_outcome pending;
  /* The file the queue's path named when it was opened: a file renamed
   * over it or its deletion is noticed at the next check. */
  msiq_host_file_identity queue_identity;
} dispatcher;

static void dispatcher_report(dispatcher *self, const char *format, ...)
    MSIQ_PRINTF_FORMAT(2, 3);

static void dispatcher_report(dispatcher *self, const char *format, ...) {
  if (self->options.report == NULL) {
    return;
  }
  char line[1536];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  self->options.report(self->options.report_context, line);
}

void msiq_dispatcher_options_init(msiq_dispatcher_options *options) {
  memset(options, 0, sizeof *options);
  options->poll_ms = MSIQ_DEFAULT_POLL_MS;
  options->retry_base_ms = MSIQ_DEFAULT_RETRY_BASE_MS;
  options->retry_max_ms = MSIQ_DEFAULT_RETRY_MAX_MS;
  options->give_up_after_ms = MSIQ_DEFAULT_GIVE_UP_AFTER_MS;
  options->default_timeout_ms = MSIQ_DEFAULT_TIMEOUT_MS;
  options->grace_ms = MSIQ_DEFAULT_GRACE_MS;
  options->cancel_grace_ms = MSIQ_DEFAULT_CANCEL_GRACE_MS;
}

/* Shutting down. */

static void dispatcher_close_handles(dispatcher *self) {
  if (self->closing) {
    return;
  }
  self->closing = true;
  /* Before the stop request's handle closes: whoever may still send one
   * from another thread stops doing so now. */
  if (self->options.on_stopping != NULL) {
    self->options.on_stopping(self->options.report_context);
  }
  msiq_host_doorbell_close(self->doorbell);
  self->doorbell = NULL;
  uv_close((uv_handle_t *)&self->check_timer, NULL);
  uv_close((uv_handle_t *)&self->timeout_timer, NULL);
  uv_close((uv_handle_t *)&self->grace_timer, NULL);
  uv_close((uv_handle_t *)&self->cancel_timer, NULL);
  uv_close((uv_handle_t *)&self->progress_timer, NULL);
  uv_close((uv_handle_t *)&self->interrupt_signal, NULL);
  uv_close((uv_handle_t *)&self->terminate_signal, NULL);
  uv_close((uv_handle_t *)&self->hangup_signal, NULL);
  uv_close((uv_handle_t *)&self->stop_async, NULL);
  msiq_gate_watch_stop(self->mutex_watch);
  self->mutex_watch = NULL;
  if (self->installer != NULL) {
    /* Still running after the grace period: it is left running, never
     * killed by a stop. The next start records the attempt as interrupted. */
    msiq_host_installer_close(self->installer);
    self->installer = NULL;
  }
}

/* A database error that the loop cannot work around ends the run. A lock
 * held past the busy timeout is not such an error: the next check tries
 * again. */
static bool dispatcher_fatal(dispatcher *self, int status) {
  if (status == MSIQ_OK) {
    return false;
  }
  if (status == MSIQ_ELOCKED) {
    dispatcher_report(self, "warning: %s; trying again", self->diag.message);
    return true;
  }
  dispatcher_report(self, "error: %s", self->diag.message);
  if (self->status == MSIQ_OK) {
    self->status = status;
  }
  self->stopping = true;
  dispatcher_close_handles(self);
  return true;
}

/* Schedules a check at the next loop iteration (after a job ended, say). */
static void dispatcher_check_soon(dispatcher *self) {
  self->next_check_at = 0;
  /* Also when called during a check, which arms the timer for wake_at. */
  self->wake_at = (int64_t)uv_now(&self->loop);
  if (!self->closing) {
    uv_timer_start(&self->check_timer, self->check_timer.timer_cb, 0, 0);
  }
}

/* Someone committed a change to the queue (enqueue, cancel, resume...):
 * look at once rather than at the next poll. */
static void dispatcher_on_ring(void *data) {
  dispatcher_check_soon(data);
}

/* The gate's recheck interval: DISPATCHER_GATE_RECHECK_MS, or the poll
 * when that is shorter (a test's --poll 10ms). */
static int64_t dispatcher_gate_recheck_ms(const dispatcher *self) {
  return self->options.poll_ms < DISPATCHER_GATE_RECHECK_MS
             ? self->options.poll_ms
             : DISPATCHER_GATE_RECHECK_MS;
}

/* Recording outcomes. */

/* Job event texts are cut to these sizes so that an event stays readable in
 * an event viewer's list. An event after an attempt, whose error may carry
 * the log lines, is cut at 1024 bytes; the others at 1200. */
#define DISPATCHER_EVENT_SIZE         1200
#define DISPATCHER_OUTCOME_EVENT_SIZE 1024

/* Sends one job event to the operating system's event log (on Windows an
 * Application event per job start, success and failure), its text cut to
 * size (at most DISPATCHER_EVENT_SIZE). */
static void dispatcher_send_event(msiq_event_kind kind,
                                  const msiq_job_event *event, size_t size) {
  char text[DISPATCHER_EVENT_SIZE];
  msiq_job_event_format(event, text, size < sizeof text ? size : sizeof text);
  msiq_host_report_event(kind, (int)msiq_job_event_id(event), text);
}

static msiq_attempt_ending
dispatcher_attempt_ending(dispatcher_stop_reason reason) {
  switch (reason) {
    case DISPATCHER_STOP_TIMEOUT:
      return MSIQ_ATTEMPT_TIMED_OUT;
    case DISPATCHER_STOP_CANCEL:
      return MSIQ_ATTEMPT_CANCELLED;
    case DISPATCHER_STOP_NONE:
    default:
      return MSIQ_ATTEMPT_EXITED;
  }
}

/* The lines of the verbose log around its first "Return value 3", or NULL
 * (no log, unreadable, or no failure in it). free() the result. */
static char *dispatcher_read_failure_excerpt(const dispatcher *self) {
  char *log = NULL;
  if (self->log_path[0] == '\0' ||
      msiq_log_read(self->log_path, &log, NULL) != MSIQ_OK) {
    return NULL;
  }
  char *excerpt = msiq_log_failure_excerpt(log);
  free(log);
  return excerpt;
}

/* The event for a job that reached a final state after an attempt. */
static void
dispatcher_report_outcome_event(const msiq_attempt_result *result,
                                msiq_action action, const char *target,
                                const msiq_attempt_decision *decision) {
  msiq_job_event event = {
      .job_id = result->job_id,
      .action = msiq_action_name(action),
      .target = target,
      .attempt_number = result->attempt_number,
      .reboot_required = decision->reboot_required,
  };
  msiq_event_kind kind = MSIQ_EVENT_ERROR;
  switch (decision->new_state) {
    case MSIQ_STATE_SUCCEEDED:
      event.kind = MSIQ_JOB_EVENT_SUCCEEDED;
      event.detail = decision->message;
      /* A reboot the installer started is worth an administrator's look. */
      kind =
          decision->pause_queue ? MSIQ_EVENT_WARNING : MSIQ_EVENT_INFORMATION;
      break;
    case MSIQ_STATE_FAILED:
      event.kind = MSIQ_JOB_EVENT_FAILED;
      event.detail = decision->last_error;
      break;
    case MSIQ_STATE_CANCELLED:
      event.kind = MSIQ_JOB_EVENT_CANCELLED;
      event.detail = decision->last_error;
      break;
    default:
      /* A job waiting for its retry has not finished. */
      return;
  }
  dispatcher_send_event(kind, &event, DISPATCHER_OUTCOME_EVENT_SIZE);
  if (decision->pause_queue) {
    /* An event of its own, so that an administrator can filter for the
     * queue stopping, not only for the job that stopped it. */
    char text[DISPATCHER_EVENT_SIZE];
    snprintf(text, sizeof text, "msiq queue paused: %s",
             decision->pause_reason);
    msiq_host_report_event(MSIQ_EVENT_WARNING,
                           MSIQ_EVENT_ID_QUEUE_PAUSED_REBOOT, text);
  }
}

/* How a stopped installer ended, for the decision. */
static msiq_stop_method dispatcher_stop_method(const dispatcher *self) {
  if (!self->cancel_sent) {
    return MSIQ_STOP_TREE_AT_ONCE;
  }
  return self->stopped_after_grace ? MSIQ_STOP_TREE_AFTER_GRACE
                                   : MSIQ_STOP_WORKER_ENDED;
}

/* Outcomes that cannot be recorded yet. */

/* A locked or full database may be free again at the next check; any
 * other error ends the run (dispatcher_fatal). */
static bool dispatcher_outcome_can_wait(int status) {
  return status == MSIQ_ELOCKED || status == MSIQ_EFULL;
}

/* What follows a stored outcome of an attempt: its line, the queue's pause
 * and the job's event. */
static void dispatcher_report_stored(dispatcher *self,
                                     const msiq_attempt_result *result,
                                     msiq_action action, const char *target,
                                     const msiq_attempt_decision *decision) {
  dispatcher_report(
      self, "job %lld: attempt %lld %s: %s%s", (long long)result->job_id,
      (long long)result->attempt_number, msiq_state_name(result->new_state),
      result->last_error != NULL ? result->last_error : result->message,
      result->reboot_required ? " (reboot required)" : "");
  if (result->pause_reason != NULL) {
    dispatcher_report(self, "queue paused: %s", result->pause_reason);
  }
  dispatcher_report_outcome_event(result, action, target, decision);
}

/* Rewrites the note `status` shows; a note that cannot be written is only
 * reported (the outcome is kept all the same). */
static void dispatcher_write_pending_note(dispatcher *self,
                                          const char *reason) {
  const dispatcher_pending_outcome *pending = &self->pending;
  char since[40];
  msiq_time_format_local(pending->failed_since, since, sizeof since);
  char note[1024];
  snprintf(note, sizeof note,
           "the outcome of job %lld, attempt %lld (%s), is not recorded yet: "
           "%s; tried %lld time%s since %s, again at every check; no job "
           "starts until it is recorded",
           (long long)pending->result.job_id,
           (long long)pending->result.attempt_number,
           msiq_state_name(pending->result.new_state), reason,
           (long long)pending->tries, pending->tries == 1 ? "" : "s", since);
  msiq_diag diag = {{0}};
  if (msiq_host_dispatcher_note_write(msiq_store_path(self->store), note,
                                      &diag) != MSIQ_OK) {
    dispatcher_report(self, "warning: %s", diag.message);
  }
}

static void dispatcher_clear_pending(dispatcher *self) {
  free(self->pending.target);
  memset(&self->pending, 0, sizeof self->pending);
  msiq_host_dispatcher_note_write(msiq_store_path(self->store), NULL, NULL);
}

/* Keeps an outcome the store refused for now. The result's texts are
 * copied, since the decision and the job they point into are gone by the
 * next check. */
static void dispatcher_keep_pending(dispatcher *self,
                                    const msiq_attempt_result *result,
                                    const msiq_attempt_decision *decision) {
  dispatcher_pending_outcome *pending = &self->pending;
  free(pending->target);
  memset(pending, 0, sizeof *pending);
  pending->active = true;
  pending->result = *result;
  pending->action = self->job.action;
  pending->target =
      msiq_text_duplicate(self->job.target != NULL ? self->job.target : "");
  pending->failed_since = msiq_host_now_ms();
  pending->tries = 1;
  if (decision != NULL) {
    pending->has_decision = true;
    pending->decision = *decision;
    pending->result.message = pending->decision.message;
    pending->result.last_error = pending->decision.last_error[0] != '\0'
                                     ? pending->decision.last_error
                                     : NULL;
    pending->result.pause_reason =
        pending->decision.pause_queue ? pending->decision.pause_reason : NULL;
  } else {
    snprintf(pending->reason, sizeof pending->reason, "%s",
             result->message != NULL ? result->message : "");
    pending->result.message = pending->reason;
    pending->result.last_error = pending->reason;
    pending->result.pause_reason = NULL;
  }
}

/* Stores an attempt's outcome; decision is NULL for a start that failed.
 * An outcome the database cannot take now is kept and tried again at
 * every check (dispatcher_retry_pending) rather than dropped: before, the
 * job stayed `running` in the queue while the next one started. */
static void dispatcher_store_outcome(dispatcher *self,
                                     const msiq_attempt_result *result,
                                     const msiq_attempt_decision *decision) {
  int status = msiq_store_finish_attempt(self->store, result, &self->diag);
  if (status == MSIQ_OK) {
    if (decision != NULL) {
      dispatcher_report_stored(self, result, self->job.action, self->job.target,
                               decision);
    }
    return;
  }
  if (!dispatcher_outcome_can_wait(status)) {
    /* The job stays running in the database; the next start recovers it as
     * interrupted and runs it again (at-least-once). */
    dispatcher_report(self,
                      "error: job %lld: could not record the outcome (%s): "
                      "%s",
                      (long long)result->job_id, result->message,
                      self->diag.message);
    dispatcher_fatal(self, status);
    return;
  }
  dispatcher_keep_pending(self, result, decision);
  dispatcher_report(self,
                    "error: job %lld: could not record the outcome of attempt "
                    "%lld (%s): %s; keeping it and trying again at every "
                    "check; no job starts until it is recorded",
                    (long long)result->job_id,
                    (long long)result->attempt_number,
                    msiq_state_name(result->new_state), self->diag.message);
  dispatcher_write_pending_note(self, self->diag.message);
}

/* Tries to store the kept outcome again; true once it is stored. */
static bool dispatcher_retry_pending(dispatcher *self) {
  dispatcher_pending_outcome *pending = &self->pending;
  int status =
      msiq_store_finish_attempt(self->store, &pending->result, &self->diag);
  if (status == MSIQ_OK) {
    char waited[32];
    msiq_duration_format(msiq_host_now_ms() - pending->failed_since, waited,
                         sizeof waited);
    dispatcher_report(self,
                      "job %lld: the outcome of attempt %lld is recorded, "
                      "after %lld failed tr%s over %s",
                      (long long)pending->result.job_id,
                      (long long)pending->result.attempt_number,
                      (long long)pending->tries,
                      pending->tries == 1 ? "y" : "ies", waited);
    if (pending->has_decision) {
      dispatcher_report_stored(self, &pending->result, pending->action,
                               pending->target, &pending->decision);
    }
    dispatcher_clear_pending(self);
    return true;
  }
  if (!dispatcher_outcome_can_wait(status)) {
    dispatcher_report(self,
                      "error: job %lld: could not record the outcome (%s): "
                      "%s",
                      (long long)pending->result.job_id,
                      pending->result.message, self->diag.message);
    dispatcher_fatal(self, status);
    return false;
  }
  pending->tries++;
  /* Every try may wait for the whole busy timeout: a line for every tenth
   * keeps the log readable, the note has the count. */
  if (pending->tries % 10 == 0) {
    dispatcher_report(self,
                      "warning: job %lld: the outcome of attempt %lld is "
                      "still not recorded after %lld tries: %s",
                      (long long)pending->result.job_id,
                      (long long)pending->result.attempt_number,
                      (long long)pending->tries, self->diag.message);
  }
  dispatcher_write_pending_note(self, self->diag.message);
  return false;
}

/* A stop with an outcome still kept: it is tried once more, and if it is
 * still refused it is lost here, as with a crash, which the next start
 * repairs. */
static void dispatcher_abandon_pending(dispatcher *self) {
  if (!self->pending.active || dispatcher_retry_pending(self)) {
    return;
  }
  dispatcher_report(self,
                    "job %lld: stopping with the outcome of attempt %lld "
                    "(%s) not recorded; the next start records that attempt "
                    "as interrupted and runs the job again",
                    (long long)self->pending.result.job_id,
                    (long long)self->pending.result.attempt_number,
                    msiq_state_name(self->pending.result.new_state));
  dispatcher_clear_pending(self);
}

/* Gathers what the decision needs, lets the core decide, stores the result
 * and reports it. */
static void dispatcher_record(dispatcher *self, int64_t exit_code) {
  msiq_worker_error error;
  msiq_attempt_facts facts = {
      .job_id = self->job.id,
      .action = self->job.action,
      .exit_code_rules = self->job.exit_code_rules,
      .exit_code_rule_count = self->job.exit_code_rule_count,
      .attempts_before = self->job.attempts,
      .max_attempts = self->job.max_attempts,
      .first_started_at = self->job.started_at,
      .started_at = self->attempt_started_at,
      .finished_at = msiq_host_now_ms(),
      .ending = dispatcher_attempt_ending(self->stop_reason),
      .exit_code = exit_code,
      .timeout_ms = self->timeout_ms,
      .stop_method = dispatcher_stop_method(self),
      .cancel_grace_ms = self->options.cancel_grace_ms,
      .speaks_protocol = self->link.speaks_protocol,
      .has_result = self->link.has_result,
      .result = self->link.result,
      .error = msiq_worker_link_error(&self->link, &error),
      .files_in_use =
          self->link.files_in_use[0] != '\0' ? self->link.files_in_use : NULL,
      .retry = {{self->options.retry_base_ms, self->options.retry_max_ms},
                self->options.give_up_after_ms},
      .random_fraction = msiq_host_random_fraction(),
      .boot_time = msiq_host_boot_time_ms(),
      .installed_version = self->job.action == MSIQ_ACTION_INSTALL
                               ? self->installed_version
                               : NULL,
  };
  /* The system's name for a code msiq's table does not know ("Access is
   * denied"), for the texts the history and the event log keep. */
  char exit_code_message[512];
  if (msiq_host_exit_code_message(msiq_attempt_code(&facts), exit_code_message,
                                  sizeof exit_code_message)) {
    facts.exit_code_message = exit_code_message;
  }
  char *excerpt = NULL;
  if (msiq_attempt_wants_log_excerpt(&facts)) {
    excerpt = dispatcher_read_failure_excerpt(self);
    facts.log_excerpt = excerpt;
  }
  msiq_attempt_decision decision;
  msiq_attempt_decide(&facts, &decision);
  free(excerpt);

  /* The attempt keeps the newest progress the worker reported, which may
   * be newer than the job's row when the last write was held back: this
   * is the flush of what is pending, in the transaction that closes the
   * attempt (whose end clears the job's row). */
  bool has_progress = self->link.percent >= 0 || self->link.action[0] != '\0';
  msiq_job_progress progress = {
      .percent = self->link.percent,
      .action = self->link.action[0] != '\0' ? self->link.action : NULL,
      .at = self->progress_received_at,
  };
  uv_timer_stop(&self->progress_timer);
  self->progress_pending = false;

  msiq_attempt_result result = {
      .job_id = self->job.id,
      .attempt_number = self->attempt_number,
      .finished_at = facts.finished_at,
      .has_exit_code = decision.has_exit_code,
      .exit_code = decision.exit_code,
      .attempt_outcome = decision.attempt_outcome,
      .message = decision.message,
      .new_state = decision.new_state,
      .reboot_required = decision.reboot_required,
      .retry_at = decision.retry_at,
      .last_error = decision.last_error[0] != '\0' ? decision.last_error : NULL,
      .pause_reason = decision.pause_queue ? decision.pause_reason : NULL,
      .boot_time = decision.boot_time,
      .progress = has_progress ? &progress : NULL,
  };
  /* The simulation keeps its own record of installed products, which a
   * succeeded install or uninstall changes (Windows Installer keeps its
   * own, so on Windows this does nothing). */
  const char *product_code = msiq_job_skip_product_code(&self->job);
  if (decision.new_state == MSIQ_STATE_SUCCEEDED && product_code != NULL) {
    bool install = self->job.action == MSIQ_ACTION_INSTALL;
    msiq_host_product_note_result(
        product_code, install ? self->job.package.product_version : NULL,
        install ? self->job.package.upgrade_code : NULL);
  }
  /* A related uninstall removed each product found before it started. */
  char removed[MSIQ_PRODUCT_CODE_SIZE];
  for (const char *cursor = self->related_products;
       decision.new_state == MSIQ_STATE_SUCCEEDED &&
       (cursor = msiq_patch_targets_next(cursor, removed, sizeof removed)) !=
           NULL;) {
    msiq_host_product_note_result(removed, NULL, NULL);
  }
  /* And the patches applied to them: each patch of a succeeded patch job
   * is recorded against each of its targets that is installed. */
  const char *patch_code = NULL;
  const char *cursor = NULL;
  for (size_t patch = 0;
       decision.new_state == MSIQ_STATE_SUCCEEDED &&
       msiq_job_patch_checkable(&self->job) &&
       msiq_job_patch_metadata(&self->job, patch, &patch_code, &cursor);
       patch++) {
    char target[MSIQ_PRODUCT_CODE_SIZE];
    while ((cursor = msiq_patch_targets_next(cursor, target, sizeof target)) !=
           NULL) {
      msiq_host_patch_note_applied(patch_code, target);
    }
  }
  /* And a removed patch is no longer recorded against its product. */
  const char *removed_patch = msiq_job_unpatch_patch_code(&self->job);
  if (decision.new_state == MSIQ_STATE_SUCCEEDED && removed_patch != NULL) {
    msiq_host_patch_note_removed(removed_patch, self->job.target);
  }
  dispatcher_store_outcome(self, &result, &decision);
}

static void dispatcher_end_job(dispatcher *self) {
  uv_timer_stop(&self->timeout_timer);
  uv_timer_stop(&self->cancel_timer);
  uv_timer_stop(&self->progress_timer);
  msiq_host_installer_close(self->installer);
  self->installer = NULL;
  msiq_job_cleanup(&self->job);
  free(self->installed_version);
  self->installed_version = NULL;
  free(self->related_products);
  self->related_products = NULL;
  self->stop_reason = DISPATCHER_STOP_NONE;
  if (self->stopping) {
    dispatcher_abandon_pending(self);
    dispatcher_close_handles(self);
  } else {
    dispatcher_check_soon(self);
  }
}

static void dispatcher_on_installer_exit(msiq_installer *installer,
                                         int64_t exit_code, void *data) {
  dispatcher *self = data;
  (void)installer;
  /* A stopped installer has no exit code of its own to judge; the decision
   * knows that from the stop reason. */
  dispatcher_record(self, exit_code);
  dispatcher_end_job(self);
}

/* The worker's progress. */

/* Writes the newest progress now. Called by the progress timer, for the
 * first report at once, and when the worker sends its result (the last
 * write of the attempt; its end clears the progress). */
static void dispatcher_write_progress(dispatcher *self) {
  uv_timer_stop(&self->progress_timer);
  if (!self->progress_pending || self->installer == NULL || self->closing) {
    return;
  }
  self->progress_pending = false;
  self->progress_written = true;
  self->progress_written_at = uv_now(&self->loop);
  msiq_job_progress progress = {
      .percent = self->link.percent,
      .action = self->link.action[0] != '\0' ? self->link.action : NULL,
      .at = self->progress_received_at,
  };
  int status = msiq_store_set_progress(self->store, self->job.id, &progress,
                                       &self->diag);
  if (status == MSIQ_ESTATE) {
    return; /* the job ended meanwhile */
  }
  if (status == MSIQ_ELOCKED) {
    /* Written with the next report instead. */
    self->progress_pending = true;
  }
  dispatcher_fatal(self, status);
}

static void dispatcher_on_progress_timer(uv_timer_t *timer) {
  dispatcher_write_progress(timer->data);
}

/* A progress change: written at once when the last write is a second (the
 * progress interval) old, else when it is. */
static void dispatcher_schedule_progress(dispatcher *self) {
  self->progress_pending = true;
  self->progress_received_at = msiq_host_now_ms();
  if (uv_is_active((uv_handle_t *)&self->progress_timer)) {
    return;
  }
  uint64_t now = uv_now(&self->loop);
  uint64_t due =
      self->progress_written
          ? self->progress_written_at + (uint64_t)self->progress_interval_ms
          : now;
  if (due <= now) {
    dispatcher_write_progress(self);
  } else {
    uv_timer_start(&self->progress_timer, dispatcher_on_progress_timer,
                   due - now, 0);
  }
}

static void dispatcher_record_operation(dispatcher *self) {
  char operation[MSIQ_WORKER_LINK_TEXT_SIZE + 128];
  msiq_worker_operation_describe(self->link.operation, self->reboot_suppressed,
                                 operation, sizeof operation);
  int status = msiq_store_set_attempt_operation(
      self->store, self->job.id, self->attempt_number, operation, &self->diag);
  if (status != MSIQ_ESTATE) {
    dispatcher_fatal(self, status);
  }
}

/* What the worker wrote on its standard output. */
static void dispatcher_on_installer_output(msiq_installer *installer,
                                           const char *bytes, size_t count,
                                           void *data) {
  dispatcher *self = data;
  (void)installer;
  if (self->closing) {
    return;
  }
  unsigned changes = msiq_worker_link_feed(&self->link, bytes, count);
  if (changes & MSIQ_WORKER_LINK_BAD_LINE) {
    dispatcher_report(self,
                      "warning: job %lld: %s; ignoring it, and any other line "
                      "from the worker that cannot be read",
                      (long long)self->job.id, self->link.bad_line);
  }
  if (changes & MSIQ_WORKER_LINK_OPERATION) {
    dispatcher_record_operation(self);
  }
  if (changes & MSIQ_WORKER_LINK_PROGRESS) {
    dispatcher_schedule_progress(self);
  }
  if (changes & MSIQ_WORKER_LINK_CANCELLING) {
    dispatcher_report(self,
                      "job %lld: the worker is cancelling; Windows Installer "
                      "rolls the installation back",
                      (long long)self->job.id);
  }
  if (changes & MSIQ_WORKER_LINK_RESULT) {
    dispatcher_write_progress(self);
  }
}

/* Stopping the installer. */

static void dispatcher_stop_tree(dispatcher *self) {
  if (msiq_host_installer_stop_tree(self->installer) != MSIQ_OK) {
    dispatcher_report(self, "warning: job %lld: could not stop installer %lld",
                      (long long)self->job.id,
                      (long long)msiq_host_installer_pid(self->installer));
  }
}

static void dispatcher_on_cancel_grace_expired(uv_timer_t *timer) {
  dispatcher *self = timer->data;
  if (self->installer == NULL) {
    return;
  }
  char grace[32];
  msiq_duration_format(self->options.cancel_grace_ms, grace, sizeof grace);
  dispatcher_report(self,
                    "job %lld: the worker has not ended %s after it was asked "
                    "to cancel; stopping it and every process it started (the "
                    "Windows Installer service may still be running or "
                    "rolling back that installation)",
                    (long long)self->job.id, grace);
  self->stopped_after_grace = true;
  dispatcher_stop_tree(self);
}

/* Ends the running attempt for `reason` (`why` says it in the report). A
 * worker that speaks the protocol is asked to cancel, so that Windows
 * Installer rolls back, and its tree is ended only if it has not ended
 * within the cancel grace; any other installer cannot be asked, so its
 * tree is ended at once. */
static void dispatcher_stop_installer(dispatcher *self,
                                      dispatcher_stop_reason reason,
                                      const char *why) {
  if (self->installer == NULL || self->stop_reason != DISPATCHER_STOP_NONE) {
    return;
  }
  self->stop_reason = reason;
  if (!self->link.speaks_protocol) {
    dispatcher_report(self, "job %lld: %s; stopping installer",
                      (long long)self->job.id, why);
    dispatcher_stop_tree(self);
    return;
  }
  char grace[32];
  msiq_duration_format(self->options.cancel_grace_ms, grace, sizeof grace);
  dispatcher_report(self,
                    "job %lld: %s; asking the worker to cancel (it is "
                    "stopped if it has not ended within %s)",
                    (long long)self->job.id, why, grace);
  char line[16];
  if (msiq_worker_message_format(MSIQ_WORKER_CANCEL, NULL, 0, line, sizeof line,
                                 NULL) != MSIQ_OK ||
      msiq_host_installer_send(self->installer, line, strlen(line)) !=
          MSIQ_OK) {
    /* A worker whose input is gone reads that as the dispatcher gone and
     * cancels all the same; the grace bounds the wait either way. */
    dispatcher_report(self,
                      "warning: job %lld: could not write to the worker; "
                      "waiting for it to end",
                      (long long)self->job.id);
  }
  self->cancel_sent = true;
  uv_timer_start(&self->cancel_timer, dispatcher_on_cancel_grace_expired,
                 (uint64_t)self->options.cancel_grace_ms, 0);
}

static void dispatcher_on_timeout(uv_timer_t *timer) {
  dispatcher *self = timer->data;
  char why[64];
  char limit[32];
  msiq_duration_format(self->timeout_ms, limit, sizeof limit);
  snprintf(why, sizeof why, "timed out after %s", limit);
  dispatcher_stop_installer(self, DISPATCHER_STOP_TIMEOUT, why);
}

/* Starting a job. */

/* Fails a job whose installer could not even be started. */
static void dispatcher_fail_start(dispatcher *self, const char *why) {
  /* A copy: why may be self->diag's, which the store writes into. */
  char reason[sizeof(msiq_diag)];
  snprintf(reason, sizeof reason, "%s", why);
  msiq_attempt_result result = {
      .job_id = self->job.id,
      .attempt_number = self->attempt_number,
      .finished_at = msiq_host_now_ms(),
      .attempt_outcome = "failed",
      .message = reason,
      .new_state = MSIQ_STATE_FAILED,
      .retry_at = MSIQ_TIME_UNSET,
      .last_error = reason,
  };
  dispatcher_report(self, "job %lld: failed: %s", (long long)self->job.id,
                    reason);
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_FAILED,
      .job_id = self->job.id,
      .action = msiq_action_name(self->job.action),
      .target = self->job.target,
      .detail = reason,
  };
  dispatcher_send_event(MSIQ_EVENT_ERROR, &event, DISPATCHER_EVENT_SIZE);
  dispatcher_store_outcome(self, &result, NULL);
}

/* Records the attempt of a job that is already done as succeeded without
 * the installer started: its line, its event and its history say why. */
static void dispatcher_succeed_unrun(dispatcher *self, const char *message) {
  msiq_attempt_result result = {
      .job_id = self->job.id,
      .attempt_number = self->attempt_number,
      .finished_at = msiq_host_now_ms(),
      .attempt_outcome = "succeeded",
      .message = message,
      .new_state = MSIQ_STATE_SUCCEEDED,
      .retry_at = MSIQ_TIME_UNSET,
  };
  dispatcher_report(self, "job %lld: attempt %lld succeeded: %s",
                    (long long)self->job.id, (long long)self->attempt_number,
                    message);
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_SUCCEEDED,
      .job_id = self->job.id,
      .action = msiq_action_name(self->job.action),
      .target = self->job.target,
      .attempt_number = self->attempt_number,
      .detail = message,
  };
  dispatcher_send_event(MSIQ_EVENT_INFORMATION, &event, DISPATCHER_EVENT_SIZE);
  dispatcher_store_outcome(self, &result, NULL);
}

/* Asks the machine about the job's product and, when the job is already
 * done (core/decision.h: installed at this version, or not installed for
 * an uninstall), records its attempt as succeeded without starting the
 * installer; true then. A machine that cannot be asked lets the job run:
 * running it is what msiq always did. The installed version is kept for
 * the attempt's decision. */
static bool dispatcher_skip_if_done(dispatcher *self) {
  free(self->installed_version);
  self->installed_version = NULL;
  const char *product_code = msiq_job_skip_product_code(&self->job);
  if (product_code == NULL) {
    return false;
  }
  bool known = false;
  char *version = NULL;
  msiq_diag query_diag = {{0}};
  if (msiq_host_product_installed_version(product_code, &known, &version,
                                          &query_diag) != MSIQ_OK) {
    dispatcher_report(self,
                      "job %lld: cannot tell whether %s is installed (%s); "
                      "running it",
                      (long long)self->job.id, product_code,
                      query_diag.message);
    return false;
  }
  char message[256];
  bool skip = known && msiq_job_skip_decide(&self->job, version, message,
                                            sizeof message);
  /* Kept for the attempt's decision: a 1638 names the version in the way. */
  self->installed_version = version;
  if (!skip) {
    return false;
  }
  dispatcher_succeed_unrun(self, message);
  return true;
}

/* Asks the machine about each product a patch job's patches target (its
 * target's and each further one's) and, when every patch is applied to
 * every one installed, records the attempt as succeeded, or when none is
 * installed, as failed (never retried: only installing the product changes
 * that), without starting the installer; true then (core/decision.h). A
 * machine that cannot be asked about every target lets the job run, as
 * msiq always did. */
static bool dispatcher_check_patch(dispatcher *self) {
  if (!msiq_job_patch_checkable(&self->job)) {
    return false;
  }
  /* A patch names a handful of products; more pairs than this run. */
  enum { PATCH_TARGETS_MAX = 128 };
  msiq_patch_target_state states[PATCH_TARGETS_MAX];
  char codes[PATCH_TARGETS_MAX][MSIQ_PRODUCT_CODE_SIZE];
  char *versions[PATCH_TARGETS_MAX] = {0};
  size_t count = 0;
  bool answered = true;
  const char *patch_code = NULL;
  const char *cursor = NULL;
  for (size_t patch = 0;
       answered &&
       msiq_job_patch_metadata(&self->job, patch, &patch_code, &cursor);
       patch++) {
    char code[MSIQ_PRODUCT_CODE_SIZE];
    while (answered && (cursor = msiq_patch_targets_next(
                            cursor, code, sizeof code)) != NULL) {
      if (count == PATCH_TARGETS_MAX) {
        /* More targets than any real patch night has: not worth judging. */
        answered = false;
        break;
      }
      size_t index = count++;
      snprintf(codes[index], sizeof codes[index], "%s", code);
      msiq_patch_target_state *state = &states[index];
      *state = (msiq_patch_target_state){.patch_code = patch_code,
                                         .product_code = codes[index]};
      bool known = false;
      msiq_diag query_diag = {{0}};
      int status = msiq_host_product_installed_version(
          code, &known, &versions[index], &query_diag);
      /* Whether the patch is applied matters only to an installed target. */
      if (status == MSIQ_OK && known && versions[index] != NULL) {
        state->installed_version = versions[index];
        status = msiq_host_patch_applied(patch_code, code, &known,
                                         &state->patch_applied, &query_diag);
      }
      if (status != MSIQ_OK) {
        dispatcher_report(self,
                          "job %lld: cannot tell whether patch %s applies to "
                          "%s (%s); running it",
                          (long long)self->job.id, patch_code, code,
                          query_diag.message);
      }
      answered = status == MSIQ_OK && known;
    }
  }
  char message[1024];
  msiq_patch_verdict verdict =
      answered ? msiq_patch_skip_decide(&self->job, states, count, message,
                                        sizeof message)
               : MSIQ_PATCH_RUN;
  for (size_t i = 0; i < count; i++) {
    free(versions[i]);
  }
  switch (verdict) {
    case MSIQ_PATCH_ALREADY_APPLIED:
      dispatcher_succeed_unrun(self, message);
      return true;
    case MSIQ_PATCH_NO_TARGET:
      dispatcher_fail_start(self, message);
      return true;
    case MSIQ_PATCH_RUN:
    default:
      return false;
  }
}

/* Asks the machine which products a related uninstall would remove and,
 * when none is installed, records the attempt as succeeded without
 * starting the installer; true then (core/decision.h). Otherwise says
 * which it found, and keeps them, so that the log names what the worker
 * is about to remove. A machine that cannot be asked lets the job run:
 * the worker looks the products up itself. */
static bool dispatcher_check_related(dispatcher *self) {
  free(self->related_products);
  self->related_products = NULL;
  if (!self->job.related) {
    return false;
  }
  bool known = false;
  char *codes = NULL;
  msiq_diag query_diag = {{0}};
  if (msiq_host_related_products(self->job.target, &known, &codes,
                                 &query_diag) != MSIQ_OK) {
    dispatcher_report(self,
                      "job %lld: cannot tell which products have upgrade "
                      "code %s (%s); running it",
                      (long long)self->job.id, self->job.target,
                      query_diag.message);
    return false;
  }
  char message[256];
  if (known &&
      msiq_related_skip_decide(&self->job, codes, message, sizeof message)) {
    free(codes);
    dispatcher_succeed_unrun(self, message);
    return true;
  }
  if (codes != NULL) {
    dispatcher_report(self, "job %lld: removing %s (upgrade code %s)",
                      (long long)self->job.id, codes, self->job.target);
  }
  self->related_products = codes;
  return false;
}

/* Asks the machine whether an unpatch job's product is installed and its
 * patch applied to it and, when not, records the attempt as succeeded
 * without starting the installer; true then (core/decision.h). A machine
 * that cannot be asked lets the job run, as msiq always did. */
static bool dispatcher_check_unpatch(dispatcher *self) {
  const char *patch_code = msiq_job_unpatch_patch_code(&self->job);
  if (patch_code == NULL) {
    return false;
  }
  const char *product_code = self->job.target;
  bool known = false;
  char *version = NULL;
  bool applied = false;
  msiq_diag query_diag = {{0}};
  int status = msiq_host_product_installed_version(product_code, &known,
                                                   &version, &query_diag);
  bool installed = version != NULL;
  free(version);
  /* Whether the patch is applied matters only to an installed product. */
  if (status == MSIQ_OK && known && installed) {
    status = msiq_host_patch_applied(patch_code, product_code, &known, &applied,
                                     &query_diag);
  }
  if (status != MSIQ_OK) {
    dispatcher_report(self,
                      "job %lld: cannot tell whether patch %s is applied to "
                      "%s (%s); running it",
                      (long long)self->job.id, patch_code, product_code,
                      query_diag.message);
    return false;
  }
  char message[256];
  if (!known || !msiq_unpatch_skip_decide(&self->job, installed, applied,
                                          message, sizeof message)) {
    return false;
  }
  dispatcher_succeed_unrun(self, message);
  return true;
}

/* Makes the folder of the per-job logs if it is missing and insists that
 * only administrators can change it: SYSTEM's installer writes there, so a
 * folder someone else can replace by a link, or a `logs` that is a file,
 * stops the dispatcher before any installer starts. */
static int dispatcher_prepare_log_directory(dispatcher *self) {
  int status = msiq_host_make_directory(self->log_directory, &self->diag);
  if (status == MSIQ_OK) {
    status = msiq_host_check_path(self->log_directory,
                                  MSIQ_PATH_ROLE_LOG_DIRECTORY, &self->diag);
  }
  return status;
}

/* A staged copy (the package, a transform, a further patch) must still be
 * what was copied: its SHA-256 now against the one recorded. */
static int dispatcher_check_staged_copy(dispatcher *self, const char *what,
                                        const char *path, const char *sha256) {
  char found[MSIQ_SHA256_HEX_SIZE];
  msiq_diag read_diag = {{0}};
  if (msiq_host_file_sha256(path, found, &read_diag) != MSIQ_OK) {
    return msiq_diag_set(&self->diag, MSIQ_EIO,
                         "cannot check the staged %s: %s; enqueue the "
                         "package again with --stage",
                         what, read_diag.message);
  }
  if (strcmp(found, sha256) != 0) {
    return msiq_diag_set(&self->diag, MSIQ_EINSECURE,
                         "staged %s %s has changed since it was staged "
                         "(SHA-256 %s, staged as %s); enqueue the package "
                         "again with --stage",
                         what, path, found, sha256);
  }
  return MSIQ_OK;
}

/* What the job names is judged again now, as it was at enqueue: a package,
 * a transform, a further patch or a log that someone other than an
 * administrator can change by now fails the job before its installer
 * starts, and a staged copy must still be what was staged. */
static int dispatcher_check_job_paths(dispatcher *self) {
  const msiq_job *job = &self->job;
  int status =
      msiq_host_check_path(self->log_path, MSIQ_PATH_ROLE_LOG, &self->diag);
  if (status == MSIQ_OK &&
      msiq_job_target_is_package(job->action, job->target)) {
    status =
        msiq_host_check_path(job->target, MSIQ_PATH_ROLE_PACKAGE, &self->diag);
  }
  /* The transforms and further patches the installer reads beside the
   * package, judged as the package is: admission judged those of
   * --transform and --patch at enqueue, and a folder can be opened to
   * others since. */
  const char *list = msiq_action_file_list_property(job->action);
  const char *cursor =
      list != NULL
          ? msiq_property_value_of(job->properties, job->property_count, list)
          : NULL;
  char file[MSIQ_PROPERTY_VALUE_SIZE_MAX + 1];
  while (status == MSIQ_OK &&
         msiq_path_list_next_file(&cursor, file, sizeof file)) {
    status = msiq_host_check_path(file, MSIQ_PATH_ROLE_PACKAGE, &self->diag);
  }
  if (status != MSIQ_OK || job->package_sha256 == NULL) {
    return status;
  }
  status = dispatcher_check_staged_copy(self, "package", job->target,
                                        job->package_sha256);
  for (size_t i = 0; status == MSIQ_OK && i < job->staged_file_count; i++) {
    status = dispatcher_check_staged_copy(
        self, "file", job->staged_files[i].path, job->staged_files[i].sha256);
  }
  return status;
}

static int dispatcher_log_path(dispatcher *self, char *buffer, size_t size) {
  if (self->job.log_path != NULL) {
    snprintf(buffer, size, "%s", self->job.log_path);
    return MSIQ_OK;
  }
  /* The separator the directory already uses, so a Windows path stays one
   * (C:\ProgramData\msiq\logs\job-1.log). */
  const char *separator =
      strchr(self->log_directory, '\\') != NULL ? "\\" : "/";
  int written = snprintf(buffer, size, "%s%sjob-%lld.log", self->log_directory,
                         separator, (long long)self->job.id);
  if (written < 0 || (size_t)written >= size) {
    return msiq_diag_set(&self->diag, MSIQ_EUSAGE, "log path too long");
  }
  /* A log left by an earlier queue's job with the same id must not be
   * mistaken for this attempt's (msiexec writes a new one anyway). */
  remove(buffer);
  return MSIQ_OK;
}

static void dispatcher_start(dispatcher *self, int64_t id,
                             msiq_state picked_state) {
  int status = msiq_store_get_job(self->store, id, &self->job, &self->diag);
  if (dispatcher_fatal(self, status)) {
    return;
  }
  msiq_installer_command command;
  msiq_installer_command_init(&command);
  char *request = NULL;
  size_t request_length = 0;
  self->log_path[0] = '\0';
  /* A log folder that is not safe is every job's problem, not this one's:
   * the dispatcher stops and the job stays as it is. */
  if (self->job.log_path == NULL &&
      dispatcher_fatal(self, dispatcher_prepare_log_directory(self))) {
    goto cleanup;
  }
  status = dispatcher_log_path(self, self->log_path, sizeof self->log_path);
  if (status == MSIQ_OK) {
    status = dispatcher_check_job_paths(self);
  }
  if (status == MSIQ_OK) {
    status = msiq_installer_command_build(&self->job, self->log_path, &command,
                                          &self->diag);
  }
  /* Every installer gets the request on its standard input: a worker reads
   * it, a stand-in that speaks no protocol ignores it. */
  if (status == MSIQ_OK) {
    status = msiq_worker_request_build(&self->job, self->log_path, &request,
                                       &request_length,
                                       &self->reboot_suppressed, &self->diag);
  }
  int64_t now = msiq_host_now_ms();
  /* The attempt is committed before the installer starts: if the
   * dispatcher dies in between, the next start sees an interrupted attempt
   * rather than a job that silently ran twice. */
  int start_status = msiq_store_start_attempt(
      self->store, id, picked_state, now,
      self->log_path[0] != '\0' ? self->log_path : NULL, &self->attempt_number,
      &self->diag);
  if (start_status == MSIQ_ESTATE) {
    /* Cancelled or changed from the CLI between the pick and now. */
    dispatcher_report(self, "job %lld: %s", (long long)id, self->diag.message);
    goto cleanup;
  }
  if (dispatcher_fatal(self, start_status)) {
    goto cleanup;
  }
  self->attempt_started_at = now;
  if (status != MSIQ_OK) {
    dispatcher_fail_start(self, self->diag.message);
    goto cleanup;
  }
  if (dispatcher_skip_if_done(self) || dispatcher_check_patch(self) ||
      dispatcher_check_unpatch(self) || dispatcher_check_related(self)) {
    goto cleanup;
  }
  msiq_worker_link_init(&self->link);
  self->cancel_sent = false;
  self->stopped_after_grace = false;
  self->progress_pending = false;
  self->progress_written = false;
  msiq_installer_start_options start = {
      .program = self->program,
      .kind = self->installer_kind,
      .command = &command,
      .request = request,
      .request_length = request_length,
      .on_exit = dispatcher_on_installer_exit,
      .on_output = dispatcher_on_installer_output,
      .data = self,
  };
  status = msiq_host_installer_start(&self->loop, &start, &self->installer,
                                     &self->diag);
  if (status != MSIQ_OK) {
    dispatcher_fail_start(self, self->diag.message);
    goto cleanup;
  }
  self->timeout_ms = self->job.timeout_ms > 0
                         ? self->job.timeout_ms
                         : self->options.default_timeout_ms;
  uv_timer_start(&self->timeout_timer, dispatcher_on_timeout,
                 (uint64_t)self->timeout_ms, 0);
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_STARTED,
      .job_id = id,
      .action = msiq_action_name(self->job.action),
      .target = self->job.target,
      .attempt_number = self->attempt_number,
  };
  dispatcher_send_event(MSIQ_EVENT_INFORMATION, &event, DISPATCHER_EVENT_SIZE);
  dispatcher_report(self, "job %lld: attempt %lld started (%s %s, pid %lld)",
                    (long long)id, (long long)self->attempt_number,
                    msiq_action_name(self->job.action), self->job.target,
                    (long long)msiq_host_installer_pid(self->installer));
  msiq_installer_command_cleanup(&command);
  free(request);
  return;

cleanup:
  msiq_installer_command_cleanup(&command);
  free(request);
  msiq_job_cleanup(&self->job);
  dispatcher_check_soon(self);
}

/* The gate. */

/* After a 1641 paused the queue: once the machine has really rebooted (its
 * boot time changed) there is nothing left to wait for. Checked on every
 * full check, so it happens even when no job is waiting. Returns true while
 * the queue still waits for that reboot. */
static bool dispatcher_resume_after_reboot(dispatcher *self) {
  msiq_queue_status queue;
  int status = msiq_store_queue_status(self->store, &queue, &self->diag);
  if (dispatcher_fatal(self, status) ||
      !(queue.paused && queue.reboot_initiated)) {
    return false;
  }
  bool resumed = false;
  status = msiq_store_resume_after_reboot(self->store, msiq_host_boot_time_ms(),
                                          &resumed, &self->diag);
  if (!dispatcher_fatal(self, status) && resumed) {
    dispatcher_report(self, "the machine has rebooted since the queue was "
                            "paused for a reboot; queue resumed");
  }
  return !resumed;
}

static void dispatcher_on_mutex_released(void *data) {
  dispatcher *self = data;
  msiq_gate_watch_stop(self->mutex_watch);
  self->mutex_watch = NULL;
  dispatcher_check_soon(self);
}

/* Probes the host fact the gate evaluator asks for. */
static void dispatcher_probe_gate_fact(msiq_gate_inputs *inputs,
                                       msiq_gate_fact fact, char *reboot_reason,
                                       size_t size) {
  switch (fact) {
    case MSIQ_GATE_FACT_REBOOT:
      inputs->reboot_pending = msiq_host_reboot_pending(reboot_reason, size);
      inputs->reboot_reason = reboot_reason;
      break;
    case MSIQ_GATE_FACT_MUTEX:
      inputs->mutex = msiq_host_installer_mutex_state();
      break;
    case MSIQ_GATE_FACT_SERVICE:
      inputs->service = msiq_host_installer_service_state();
      break;
    case MSIQ_GATE_FACT_NONE:
      break;
  }
  inputs->unknown &= ~(unsigned)fact;
}

/* Returns true when a job may start now; otherwise reports (once per
 * change) what it waits for, and says in *paused whether the queue is.
 * core/gate.c decides; this gathers the facts and does what only the loop
 * can: report, watch the mutex, warn once about an unknown service. */
static bool dispatcher_gate_open(dispatcher *self, bool *paused) {
  msiq_queue_status queue;
  *paused = false;
  int status = msiq_store_queue_status(self->store, &queue, &self->diag);
  if (dispatcher_fatal(self, status)) {
    return false;
  }
  *paused = queue.paused;
  /* The host is probed only for the facts the evaluator gets to, so that
   * the installer mutex is left alone while the queue is paused or outside
   * its window. */
  char reboot_reason[128] = "";
  msiq_gate_inputs inputs = {
      .paused = queue.paused,
      .pause_reason = queue.pause_reason,
      .has_window = self->options.has_window,
      .window = self->options.window,
      .now = msiq_host_now_ms(),
      .hold_on_pending_reboot = self->options.hold_on_pending_reboot,
      .unknown =
          MSIQ_GATE_FACT_REBOOT | MSIQ_GATE_FACT_MUTEX | MSIQ_GATE_FACT_SERVICE,
  };
  msiq_gate_verdict verdict;
  msiq_gate_fact needed;
  while ((needed = msiq_gate_evaluate(&inputs, &verdict)) !=
         MSIQ_GATE_FACT_NONE) {
    dispatcher_probe_gate_fact(&inputs, needed, reboot_reason,
                               sizeof reboot_reason);
  }
  /* Held mutex: wake as soon as it is released rather than at the next
   * poll. This check has just looked at it, so the watch's next look is
   * due an interval from now (one wake-up fewer a second). */
  if (verdict.reason == MSIQ_GATE_MUTEX_HELD && self->mutex_watch != NULL) {
    msiq_gate_watch_defer(self->mutex_watch);
  } else if (verdict.reason == MSIQ_GATE_MUTEX_HELD &&
             msiq_gate_watch_start(&self->loop, dispatcher_on_mutex_released,
                                   self, &self->mutex_watch) != MSIQ_OK) {
    self->mutex_watch = NULL;
  }
  /* Another installation keeps the gate closed: name it where Windows
   * shows it. Once per gate check, and only for these two reasons, as it
   * costs an event log query and a process list. */
  if (msiq_gate_reason_names_holder(verdict.reason)) {
    msiq_installer_holder holder;
    if (msiq_host_find_installer_holder(&holder)) {
      msiq_gate_verdict_name_holder(&verdict, &holder);
    }
  }
  /* An open gate went through every check, so the service was probed. */
  if (verdict.reason == MSIQ_GATE_OPEN &&
      inputs.service == MSIQ_SERVICE_UNKNOWN && !self->warned_unknown_service) {
    self->warned_unknown_service = true;
    dispatcher_report(self, "warning: the Windows Installer service state "
                            "is unknown; relying on the mutex alone");
  }
  const char *waiting = verdict.reason == MSIQ_GATE_OPEN ? "" : verdict.text;
  if (strcmp(waiting, self->last_gate_report) != 0) {
    if (waiting[0] != '\0') {
      dispatcher_report(self, "waiting: %s", waiting);
    } else if (self->last_gate_report[0] != '\0') {
      dispatcher_report(self, "gate open");
    }
    snprintf(self->last_gate_report, sizeof self->last_gate_report, "%s",
             waiting);
  }
  return verdict.reason == MSIQ_GATE_OPEN;
}

/* Clock steps. */

/* A drop of the wall clock against the monotonic clock by more than this
 * between two checks is a step back (a slewing clock moves by far less). */
#define DISPATCHER_CLOCK_STEP_MS 1000

static void dispatcher_on_clamped_retry(void *context, int64_t id, int64_t from,
                                        int64_t to) {
  dispatcher *self = context;
  char from_text[40];
  char to_text[40];
  /* A line for people: local time with its offset, as `status` shows. */
  msiq_time_format_local_seconds(from, from_text, sizeof from_text);
  msiq_time_format_local_seconds(to, to_text, sizeof to_text);
  dispatcher_report(self,
                    "job %lld: next attempt moved from %s to %s, as its "
                    "backoff allows",
                    (long long)id, from_text, to_text);
}

/* Retry times are stored on the wall clock; after it went back (while this
 * dispatcher ran or before it started) they are clamped to what the
 * backoff allows from now, so a retry never waits longer than its
 * backoff. */
static void dispatcher_clamp_retry_times(dispatcher *self, int64_t now) {
  msiq_backoff backoff = {self->options.retry_base_ms,
                          self->options.retry_max_ms};
  int64_t clamped = 0;
  int status = msiq_store_clamp_retry_times(self->store, now, &backoff,
                                            dispatcher_on_clamped_retry, self,
                                            &clamped, &self->diag);
  dispatcher_fatal(self, status);
}

/* Watches the wall clock against the monotonic one at every check; a step
 * back clamps the retry times and makes this check a full one. */
static void dispatcher_watch_clock(dispatcher *self) {
  int64_t now = msiq_host_now_ms();
  int64_t offset = now - (int64_t)(uv_hrtime() / 1000000);
  bool stepped_back = self->have_clock_offset &&
                      offset < self->clock_offset - DISPATCHER_CLOCK_STEP_MS;
  int64_t step = self->clock_offset - offset;
  self->have_clock_offset = true;
  self->clock_offset = offset;
  if (!stepped_back) {
    return;
  }
  /* In whole seconds: the two clocks are read a moment apart. */
  char step_text[32];
  msiq_duration_format((step + 500) / 1000 * 1000, step_text, sizeof step_text);
  dispatcher_report(self,
                    "warning: the wall clock went back by %s; retry times "
                    "are kept within their backoff",
                    step_text);
  self->next_check_at = 0;
  dispatcher_clamp_retry_times(self, now);
}

/* The check: runs every poll interval. */

/* True when the database changed since the last look (another process
 * committed), which is what makes a re-read worth doing. */
static bool dispatcher_data_changed(dispatcher *self) {
  int64_t version = 0;
  if (dispatcher_fatal(
          self, msiq_store_data_version(self->store, &version, &self->diag))) {
    return false;
  }
  bool changed = !self->have_data_version || version != self->data_version;
  self->have_data_version = true;
  self->data_version = version;
  return changed;
}

static void dispatcher_check_running(dispatcher *self, bool changed) {
  if (!changed || self->stop_reason != DISPATCHER_STOP_NONE) {
    return;
  }
  bool requested = false;
  int status = msiq_store_cancel_requested(self->store, self->job.id,
                                           &requested, &self->diag);
  if (!dispatcher_fatal(self, status) && requested) {
    dispatcher_stop_installer(self, DISPATCHER_STOP_CANCEL, "cancel requested");
  }
}

/* A job that failed before it could start (deadline, dependency): a line
 * and an event of its own, like any other failure. */
static void dispatcher_on_failed_unstarted(void *context, int64_t id,
                                           const char *action,
                                           const char *target,
                                           const char *reason) {
  dispatcher *self = context;
  dispatcher_report(self, "job %lld: failed before starting: %s", (long long)id,
                    reason);
  msiq_job_event event = {
      .kind = MSIQ_JOB_EVENT_FAILED,
      .job_id = id,
      .action = action,
      .target = target,
      .detail = reason,
  };
  dispatcher_send_event(MSIQ_EVENT_ERROR, &event, DISPATCHER_EVENT_SIZE);
}

/* For exit_after_job: has that job finished (or is it gone)? */
static bool dispatcher_own_job_finished(dispatcher *self) {
  msiq_job job;
  msiq_job_init(&job);
  int status = msiq_store_get_job(self->store, self->options.exit_after_job,
                                  &job, &self->diag);
  bool finished = status == MSIQ_ENOT_FOUND ||
                  (status == MSIQ_OK && msiq_state_is_final(job.state));
  msiq_job_cleanup(&job);
  if (status != MSIQ_ENOT_FOUND && dispatcher_fatal(self, status)) {
    return false;
  }
  return finished;
}

/* In drain mode: is there anything left worth waiting for? A job ready now
 * (possibly behind a closed gate) or a pending retry is. */
static bool dispatcher_drained(dispatcher *self, int64_t now) {
  int64_t retry_at = MSIQ_TIME_UNSET;
  int status = msiq_store_next_retry(self->store, &retry_at, &self->diag);
  if (dispatcher_fatal(self, status)) {
    return false;
  }
  (void)now;
  return retry_at == MSIQ_TIME_UNSET;
}

/* What the dispatcher does to a queue it starts working on, at start and
 * when the file was replaced: it remembers which file it is, recovers what
 * a dead dispatcher left running, and records its own settings. */
static int dispatcher_adopt_queue(dispatcher *self) {
  const msiq_dispatcher_options *options = &self->options;
  int status = msiq_host_file_identify(msiq_store_path(self->store),
                                       &self->queue_identity, &self->diag);
  int64_t recovered = 0;
  if (status == MSIQ_OK) {
    /* A note a dead dispatcher left is stale: its attempt is recovered
     * below like any other. */
    msiq_host_dispatcher_note_write(msiq_store_path(self->store), NULL, NULL);
    status = msiq_store_recover_interrupted(self->store, msiq_host_now_ms(),
                                            &recovered, &self->diag);
  }
  if (status == MSIQ_OK && recovered > 0) {
    dispatcher_report(self,
                      "recovered %lld job%s left running by a previous "
                      "dispatcher: each interrupted attempt is in the "
                      "history; the job runs again unless that was its last "
                      "attempt or it was cancelled",
                      (long long)recovered, recovered == 1 ? "" : "s");
  }
  if (status == MSIQ_OK) {
    /* The wall clock may have gone back while no dispatcher ran. */
    msiq_backoff backoff = {options->retry_base_ms, options->retry_max_ms};
    int64_t clamped = 0;
    status = msiq_store_clamp_retry_times(self->store, msiq_host_now_ms(),
                                          &backoff, dispatcher_on_clamped_retry,
                                          self, &clamped, &self->diag);
  }
  if (status == MSIQ_OK) {
    char window[16] = "";
    if (options->has_window) {
      msiq_window_format(&options->window, window, sizeof window);
    }
    status = msiq_store_set_dispatcher_settings(
        self->store, options->has_window ? window : NULL,
        options->hold_on_pending_reboot, &self->diag);
  }
  return status;
}

/* The queue's file replaced (a backup renamed over it) or deleted under
 * the dispatcher: SQLite would go on with the file it has open, which
 * nobody else sees any more, and refuse to write to it. A deleted queue
 * ends the run; a replaced one is checked like a queue at start and opened
 * in its place. Returns false when the check has nothing more to do now. */
static bool dispatcher_follow_queue_file(dispatcher *self) {
  const char *path = msiq_store_path(self->store);
  msiq_host_file_identity now;
  int status = msiq_host_file_identify(path, &now, &self->diag);
  if (status == MSIQ_EMISSING) {
    msiq_store_detach(self->store);
    msiq_diag_set(&self->diag, MSIQ_EMISSING,
                  "database %s was deleted while the dispatcher ran; "
                  "stopping (nothing more runs from it)",
                  path);
  }
  if (dispatcher_fatal(self, status)) {
    return false;
  }
  if (now.volume == self->queue_identity.volume &&
      now.file == self->queue_identity.file) {
    return true;
  }
  dispatcher_report(self,
                    "database %s was replaced by another file; checking it "
                    "before opening it",
                    path);
  /* The open checks what is there now before it touches it. */
  status = msiq_store_reopen(self->store, MSIQ_STORE_PRIVATE, &self->diag);
  if (status == MSIQ_OK) {
    status = dispatcher_adopt_queue(self);
  }
  if (dispatcher_fatal(self, status)) {
    return false;
  }
  self->have_data_version = false;
  self->have_settings_generation = false;
  self->next_check_at = 0;
  self->last_gate_report[0] = '\0';
  dispatcher_report(self, "dispatcher reopened %s", path);
  return true;
}

/* Brings the check timer's next wake forward to loop time `at`. */
static void dispatcher_wake_by(dispatcher *self, int64_t at) {
  if (at < self->wake_at) {
    self->wake_at = at;
  }
}

static void dispatcher_wake_within(dispatcher *self, int64_t ms) {
  dispatcher_wake_by(self, (int64_t)uv_now(&self->loop) + ms);
}

static void dispatcher_on_check(uv_timer_t *timer);
static void dispatcher_refresh_settings(dispatcher *self);

static void dispatcher_check(dispatcher *self) {
  uint64_t loop_now = uv_now(&self->loop);
  /* The safety net, unless the check finds an earlier moment. */
  self->wake_at = (int64_t)loop_now + self->options.poll_ms;
  if (self->closing) {
    return;
  }
  dispatcher_watch_clock(self);
  if (self->closing) {
    return;
  }
  /* A kept outcome comes first, and until it is stored nothing starts:
   * the queue would show its job running while another one ran. */
  if (self->pending.active && self->installer == NULL &&
      !dispatcher_retry_pending(self)) {
    dispatcher_wake_within(self, dispatcher_gate_recheck_ms(self));
    return;
  }
  if (self->closing) {
    return;
  }
  /* Not while an installer runs: its outcome belongs to the queue it was
   * started from, and nothing new starts until it ends anyway. */
  if (self->installer == NULL && !self->stopping &&
      !dispatcher_follow_queue_file(self)) {
    return;
  }
  bool changed = dispatcher_data_changed(self);
  if (changed && !self->closing) {
    dispatcher_refresh_settings(self);
  }
  if (self->closing) {
    return;
  }
  /* A running installer is watched for cancel --force even while stopping:
   * the grace period is for it to finish, not to ignore the administrator. */
  if (self->installer != NULL) {
    dispatcher_check_running(self, changed);
    return;
  }
  if (self->stopping) {
    return;
  }
  int64_t now = msiq_host_now_ms();
  if (!changed && self->next_check_at != 0 &&
      (int64_t)uv_now(&self->loop) < self->next_check_at) {
    dispatcher_wake_by(self, self->next_check_at);
    return;
  }
  bool waiting_for_reboot = dispatcher_resume_after_reboot(self);
  if (self->closing) {
    return;
  }
  int64_t failed = 0;
  int status = msiq_store_fail_unrunnable(self->store, now, &failed,
                                          dispatcher_on_failed_unstarted, self,
                                          &self->diag);
  if (dispatcher_fatal(self, status)) {
    return;
  }
  if (self->options.exit_after_job > 0 && dispatcher_own_job_finished(self)) {
    dispatcher_report(self, "job %lld has finished: done",
                      (long long)self->options.exit_after_job);
    self->stopping = true;
    dispatcher_close_handles(self);
    return;
  }
  int64_t id = 0;
  msiq_state picked_state = MSIQ_STATE_QUEUED;
  bool found = false;
  status = msiq_store_pick_next(self->store, now, &id, &picked_state, &found,
                                &self->diag);
  if (dispatcher_fatal(self, status)) {
    return;
  }
  if (found) {
    /* A ready job is looked at again every tick until the gate opens. */
    self->next_check_at = 0;
    bool paused = false;
    if (dispatcher_gate_open(self, &paused)) {
      dispatcher_start(self, id, picked_state);
    } else if (!paused) {
      dispatcher_wake_within(self, dispatcher_gate_recheck_ms(self));
    } else if (paused && self->options.drain && !self->closing) {
      /* Only an administrator can resume a paused queue; a scheduled drain
       * run does not wait for that. */
      dispatcher_report(self, "drained: the queue is paused");
      self->stopping = true;
      dispatcher_close_handles(self);
    }
    return;
  }
  if (self->options.drain && dispatcher_drained(self, now)) {
    dispatcher_report(self, "drained: no job is running, ready or waiting "
                            "for a retry");
    self->stopping = true;
    dispatcher_close_handles(self);
    return;
  }
  int64_t due = MSIQ_TIME_UNSET;
  status = msiq_store_next_due(self->store, now, &due, &self->diag);
  if (dispatcher_fatal(self, status)) {
    return;
  }
  int64_t idle_until = now + DISPATCHER_IDLE_RECHECK_MS;
  int64_t check_at =
      due != MSIQ_TIME_UNSET && due < idle_until ? due : idle_until;
  /* Waited for on the monotonic clock: a wall clock set back meanwhile
   * does not stretch the wait. */
  self->next_check_at =
      (int64_t)uv_now(&self->loop) + (check_at > now ? check_at - now : 0);
  dispatcher_wake_by(self, self->next_check_at);
  if (waiting_for_reboot) {
    /* Cheap (one row read per recheck) and only until the reboot. */
    self->next_check_at = 0;
    dispatcher_wake_within(self, dispatcher_gate_recheck_ms(self));
  }
}

/* The check timer fires once; every check arms it again for the moment it
 * computed (self->wake_at), and a ring or a job's end brings it forward. */
static void dispatcher_arm_check(dispatcher *self) {
  if (self->closing) {
    return;
  }
  int64_t now = (int64_t)uv_now(&self->loop);
  int64_t delay = self->wake_at > now ? self->wake_at - now : 0;
  uv_timer_start(&self->check_timer, dispatcher_on_check, (uint64_t)delay, 0);
}

static void dispatcher_on_check(uv_timer_t *timer) {
  dispatcher *self = timer->data;
  dispatcher_check(self);
  dispatcher_arm_check(self);
}

/* Stopping on a signal. */

/* Leaves a still running installer alone and ends the loop. `why` says
 * what ended the wait ("after 30s", "on a second stop request"). */
static void dispatcher_leave_installer(dispatcher *self, const char *why) {
  if (self->installer != NULL && self->link.speaks_protocol) {
    /* The worker reads the end of its input as the dispatcher gone, and
     * cancels: msiq cannot keep talking to it once it has exited. */
    dispatcher_report(self,
                      "job %lld: worker still running %s; leaving it (its "
                      "input ends with this dispatcher, so it cancels and "
                      "Windows Installer rolls back; the next start records "
                      "this attempt as interrupted and runs the job again)",
                      (long long)self->job.id, why);
  } else if (self->installer != NULL) {
    dispatcher_report(self,
                      "job %lld: installer still running %s; leaving it "
                      "running (the next start records this attempt as "
                      "interrupted and runs the job again)",
                      (long long)self->job.id, why);
  }
  dispatcher_close_handles(self);
}

static void dispatcher_on_grace_expired(uv_timer_t *timer) {
  dispatcher *self = timer->data;
  char why[48];
  char grace[32];
  msiq_duration_format(self->options.grace_ms, grace, sizeof grace);
  snprintf(why, sizeof why, "after %s", grace);
  dispatcher_leave_installer(self, why);
}

/* Stops gracefully: no new job starts; a running installer gets the grace
 * period to finish so that its outcome is recorded, and is never killed. */
static void dispatcher_begin_stop(dispatcher *self, const char *why) {
  if (self->stopping) {
    /* A second request: stop waiting for the installer. */
    dispatcher_leave_installer(self, "on a second stop request");
    return;
  }
  self->stopping = true;
  dispatcher_report(self, "%s: stopping; no new job starts", why);
  if (self->installer == NULL) {
    dispatcher_abandon_pending(self);
    dispatcher_close_handles(self);
    return;
  }
  char grace[32];
  msiq_duration_format(self->options.grace_ms, grace, sizeof grace);
  dispatcher_report(self, "waiting up to %s for job %lld to finish", grace,
                    (long long)self->job.id);
  uv_timer_start(&self->grace_timer, dispatcher_on_grace_expired,
                 (uint64_t)self->options.grace_ms, 0);
}

static void dispatcher_on_signal(uv_signal_t *handle, int signal_number) {
  char why[32];
  snprintf(why, sizeof why, "signal %d", signal_number);
  dispatcher_begin_stop(handle->data, why);
}

static void dispatcher_on_stop_request(uv_async_t *handle) {
  dispatcher_begin_stop(handle->data, "stop requested");
}

void msiq_dispatcher_request_stop(msiq_dispatcher *self) {
  uv_async_send(&self->stop_async);
}

/* Setting up. */

static int dispatcher_default_log_directory(dispatcher *self) {
  char relative[sizeof self->log_directory];
  if (self->options.log_directory != NULL) {
    snprintf(relative, sizeof relative, "%s", self->options.log_directory);
  } else {
    /* "logs" beside the database: the same protected data directory. */
    if (!msiq_path_beside(msiq_store_path(self->store), "logs", relative,
                          sizeof relative)) {
      return msiq_diag_set(&self->diag, MSIQ_EUSAGE, "log directory too long");
    }
  }
  /* Absolute, as the logs a job names are: the installer gets it as is,
   * and the folder is judged from the root down. */
  char *absolute = NULL;
  int status = msiq_host_absolute_path(relative, &absolute, &self->diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int written =
      snprintf(self->log_directory, sizeof self->log_directory, "%s", absolute);
  free(absolute);
  if (written < 0 || (size_t)written >= sizeof self->log_directory) {
    return msiq_diag_set(&self->diag, MSIQ_EUSAGE, "log directory too long");
  }
  return MSIQ_OK;
}

/* The queue's stored settings (`msiq config`). */

typedef struct dispatcher_settings_load {
  dispatcher *self;
  msiq_settings settings;
} dispatcher_settings_load;

/* One stored setting: parsed as at `config set`. A value that does not
 * parse (written by a newer msiq, or by hand) is reported and skipped, so
 * the default or the command line's value keeps applying. */
static int dispatcher_visit_setting(void *context, const char *name,
                                    const char *value, msiq_diag *diag) {
  (void)diag;
  dispatcher_settings_load *load = context;
  msiq_diag problem = {{0}};
  msiq_setting setting;
  int status = msiq_setting_find(name, &setting, &problem);
  if (status == MSIQ_OK) {
    status =
        msiq_settings_parse(&load->settings, setting, value, NULL, 0, &problem);
  }
  if (status != MSIQ_OK) {
    dispatcher_report(load->self, "warning: stored setting ignored: %s",
                      problem.message);
  }
  return MSIQ_OK;
}

/* The options in force: what the caller gave, with each stored setting the
 * caller did not fix applied over it. */
static void dispatcher_merge_settings(dispatcher *self,
                                      const msiq_settings *settings,
                                      msiq_dispatcher_options *merged) {
  *merged = self->given;
  uint32_t use = settings->present & ~self->given.fixed_settings;
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_WINDOW)) {
    merged->has_window = true;
    merged->window = settings->window;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT)) {
    merged->hold_on_pending_reboot = settings->hold_on_pending_reboot;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_POLL)) {
    merged->poll_ms = settings->poll_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_RETRY_BASE)) {
    merged->retry_base_ms = settings->retry_base_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_RETRY_MAX)) {
    merged->retry_max_ms = settings->retry_max_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_GIVE_UP_AFTER)) {
    merged->give_up_after_ms = settings->give_up_after_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_DEFAULT_TIMEOUT)) {
    merged->default_timeout_ms = settings->default_timeout_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_CANCEL_GRACE)) {
    merged->cancel_grace_ms = settings->cancel_grace_ms;
  }
  if (use & MSIQ_SETTING_BIT(MSIQ_SETTING_LOG_DIR)) {
    merged->log_directory = self->stored_log_directory;
  }
  /* Each value was valid alone; a stored retry-max below the command
   * line's retry-base (or the other way round) is not, and the longer one
   * wins rather than a backoff that shrinks. */
  if (merged->retry_max_ms < merged->retry_base_ms) {
    merged->retry_max_ms = merged->retry_base_ms;
  }
}

/* "window 22:00-05:00, poll 90s": the stored settings in force, for the
 * report line. */
static void dispatcher_describe_settings(const dispatcher *self,
                                         const msiq_settings *settings,
                                         char *buffer, size_t size) {
  buffer[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < MSIQ_SETTING_COUNT && used < size; i++) {
    uint32_t bit = MSIQ_SETTING_BIT(i);
    if ((settings->present & bit) == 0) {
      continue;
    }
    char value[MSIQ_SETTING_PATH_MAX];
    msiq_settings_format(settings, (msiq_setting)i, value, sizeof value);
    int written =
        snprintf(buffer + used, size - used, "%s%s %s%s", used > 0 ? ", " : "",
                 msiq_setting_name((msiq_setting)i), value,
                 (self->given.fixed_settings & bit) != 0
                     ? " (overridden by the command line)"
                     : "");
    if (written < 0) {
      break;
    }
    used += (size_t)written;
  }
}

static bool dispatcher_same_text(const char *a, const char *b) {
  return (a == NULL && b == NULL) ||
         (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Reads the stored settings when their generation moved (always at start)
 * and puts them in force. At start a log folder that cannot be used is
 * fatal, as one given on the command line is; later it is reported and the
 * folder in use stays. */
static int dispatcher_apply_settings(dispatcher *self, bool at_start) {
  if (!self->given.use_stored_settings) {
    return MSIQ_OK;
  }
  int64_t generation = 0;
  int status =
      msiq_store_settings_generation(self->store, &generation, &self->diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (self->have_settings_generation &&
      generation == self->settings_generation) {
    return MSIQ_OK;
  }
  dispatcher_settings_load *load = calloc(1, sizeof *load);
  if (load == NULL) {
    return msiq_diag_set(&self->diag, MSIQ_ENOMEM, "out of memory");
  }
  load->self = self;
  status = msiq_store_settings_list(self->store, dispatcher_visit_setting, load,
                                    &self->diag);
  if (status != MSIQ_OK) {
    free(load);
    return status;
  }
  self->have_settings_generation = true;
  self->settings_generation = generation;

  /* The texts the options in force point to, before they change. */
  msiq_dispatcher_options previous = self->options;
  char previous_stored[sizeof self->stored_log_directory];
  snprintf(previous_stored, sizeof previous_stored, "%s",
           self->stored_log_directory);
  const char *previous_log =
      previous.log_directory == self->stored_log_directory
          ? previous_stored
          : previous.log_directory;
  char previous_directory[sizeof self->log_directory];
  snprintf(previous_directory, sizeof previous_directory, "%s",
           self->log_directory);

  snprintf(self->stored_log_directory, sizeof self->stored_log_directory, "%s",
           load->settings.log_directory);
  dispatcher_merge_settings(self, &load->settings, &self->options);
  char described[1024];
  dispatcher_describe_settings(self, &load->settings, described,
                               sizeof described);
  free(load);
  if (described[0] != '\0') {
    dispatcher_report(self, "settings from the queue: %s", described);
  } else if (!at_start) {
    dispatcher_report(self, "settings from the queue: none (the command "
                            "line's and the defaults apply)");
  }
  if (at_start) {
    /* dispatcher_init makes the log folder from the options next. */
    return MSIQ_OK;
  }
  if (!dispatcher_same_text(previous_log, self->options.log_directory)) {
    status = dispatcher_default_log_directory(self);
    if (status == MSIQ_OK) {
      status = dispatcher_prepare_log_directory(self);
    }
    if (status != MSIQ_OK) {
      dispatcher_report(self,
                        "warning: the stored log-dir cannot be used (%s); "
                        "job logs stay in %s",
                        self->diag.message, previous_directory);
      snprintf(self->log_directory, sizeof self->log_directory, "%s",
               previous_directory);
      snprintf(self->stored_log_directory, sizeof self->stored_log_directory,
               "%s", previous_stored);
      self->options.log_directory = previous_log == previous_stored
                                        ? self->stored_log_directory
                                        : previous.log_directory;
    }
  }
  bool gate_changed =
      previous.has_window != self->options.has_window ||
      (self->options.has_window &&
       (previous.window.start_minute != self->options.window.start_minute ||
        previous.window.end_minute != self->options.window.end_minute)) ||
      previous.hold_on_pending_reboot != self->options.hold_on_pending_reboot;
  if (gate_changed) {
    /* `status` shows the window and the hold from the queue's row. */
    char window[16] = "";
    if (self->options.has_window) {
      msiq_window_format(&self->options.window, window, sizeof window);
    }
    status = msiq_store_set_dispatcher_settings(
        self->store, self->options.has_window ? window : NULL,
        self->options.hold_on_pending_reboot, &self->diag);
    self->last_gate_report[0] = '\0';
    self->next_check_at = 0;
    return status;
  }
  return MSIQ_OK;
}

/* At a check that found the database changed. */
static void dispatcher_refresh_settings(dispatcher *self) {
  dispatcher_fatal(self, dispatcher_apply_settings(self, false));
}

/* The progress interval: MSIQ_PROGRESS_INTERVAL_MS if set (a test
 * setting), else one second. */
static int dispatcher_progress_interval(dispatcher *self) {
  self->progress_interval_ms = DISPATCHER_PROGRESS_INTERVAL_MS;
  char text[32];
  if (!msiq_host_getenv("MSIQ_PROGRESS_INTERVAL_MS", text, sizeof text)) {
    return MSIQ_OK;
  }
  int64_t value = 0;
  bool valid = true;
  for (const char *digit = text; *digit != '\0'; digit++) {
    if (*digit < '0' || *digit > '9' ||
        value > DISPATCHER_PROGRESS_INTERVAL_MAX_MS) {
      valid = false;
      break;
    }
    value = value * 10 + (*digit - '0');
  }
  if (!valid || value > DISPATCHER_PROGRESS_INTERVAL_MAX_MS) {
    return msiq_diag_set(&self->diag, MSIQ_EUSAGE,
                         "MSIQ_PROGRESS_INTERVAL_MS must be a whole number of "
                         "milliseconds from 0 to %d, not '%s'",
                         DISPATCHER_PROGRESS_INTERVAL_MAX_MS, text);
  }
  self->progress_interval_ms = value;
  return MSIQ_OK;
}

static int dispatcher_init(dispatcher *self, msiq_store *store,
                           const msiq_dispatcher_options *options) {
  memset(self, 0, sizeof *self);
  self->store = store;
  self->given = *options;
  self->options = *options;
  msiq_job_init(&self->job);
  int status = msiq_host_installer_program(self->program, sizeof self->program,
                                           &self->installer_kind, &self->diag);
  if (status == MSIQ_OK) {
    status = dispatcher_apply_settings(self, true);
  }
  if (status == MSIQ_OK) {
    status = dispatcher_default_log_directory(self);
  }
  if (status == MSIQ_OK) {
    status = dispatcher_progress_interval(self);
  }
  /* Refused before anything runs, as an unsafe queue is; checked again
   * before every job that logs there. */
  if (status == MSIQ_OK) {
    status = dispatcher_prepare_log_directory(self);
  }
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = uv_loop_init(&self->loop);
  if (rc != 0) {
    return msiq_diag_set(&self->diag, MSIQ_EHOST, "cannot start event loop: %s",
                         uv_strerror(rc));
  }
  uv_timer_init(&self->loop, &self->check_timer);
  uv_timer_init(&self->loop, &self->timeout_timer);
  uv_timer_init(&self->loop, &self->grace_timer);
  uv_timer_init(&self->loop, &self->cancel_timer);
  uv_timer_init(&self->loop, &self->progress_timer);
  uv_signal_init(&self->loop, &self->interrupt_signal);
  uv_signal_init(&self->loop, &self->terminate_signal);
  uv_signal_init(&self->loop, &self->hangup_signal);
  self->check_timer.data = self;
  self->timeout_timer.data = self;
  self->grace_timer.data = self;
  self->cancel_timer.data = self;
  self->progress_timer.data = self;
  self->interrupt_signal.data = self;
  self->terminate_signal.data = self;
  self->hangup_signal.data = self;
  uv_async_init(&self->loop, &self->stop_async, dispatcher_on_stop_request);
  self->stop_async.data = self;
  /* On Windows libuv delivers Ctrl-C as SIGINT and closing the console as
   * SIGHUP; SIGTERM exists only on POSIX. */
  uv_signal_start(&self->interrupt_signal, dispatcher_on_signal, SIGINT);
  uv_signal_start(&self->terminate_signal, dispatcher_on_signal, SIGTERM);
  uv_signal_start(&self->hangup_signal, dispatcher_on_signal, SIGHUP);
  return MSIQ_OK;
}

int msiq_dispatcher_run(msiq_store *store,
                        const msiq_dispatcher_options *options,
                        msiq_diag *diag) {
  /* The dispatcher runs whatever the queue says: refuse a queue that
   * people other than administrators can change. */
  int status = msiq_host_check_private(msiq_store_path(store), diag);
  if (status != MSIQ_OK) {
    return status;
  }
  msiq_host_lock *lock = NULL;
  status = msiq_host_lock_acquire(msiq_store_path(store), &lock, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  dispatcher *self = malloc(sizeof *self);
  if (self == NULL) {
    msiq_host_lock_release(lock);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  status = dispatcher_init(self, store, options);
  if (status != MSIQ_OK) {
    msiq_diag_set(diag, status, "%s", self->diag.message);
    free(self);
    msiq_host_lock_release(lock);
    return status;
  }

  /* The doorbell before the first check, so a change committed while that
   * check runs still rings it. An unsafe doorbell is refused like an
   * unsafe queue; one that cannot be made or watched leaves the poll. */
  status = msiq_host_doorbell_listen(&self->loop, msiq_store_path(store), true,
                                     dispatcher_on_ring, self, &self->doorbell,
                                     &self->diag);
  if (status != MSIQ_OK && status != MSIQ_EINSECURE) {
    dispatcher_report(self, "warning: %s; noticing work at each poll only",
                      self->diag.message);
    status = MSIQ_OK;
  }
  if (status == MSIQ_OK) {
    status = dispatcher_adopt_queue(self);
  }
  if (status == MSIQ_OK) {
    char poll[32];
    msiq_duration_format(self->options.poll_ms, poll, sizeof poll);
    /* One text for the report line and, after "msiq ", the event. */
    char text[DISPATCHER_EVENT_SIZE] = "msiq ";
    size_t prefix = strlen(text);
    snprintf(text + prefix, sizeof text - prefix,
             "dispatcher started on %s (poll %s%s)", msiq_store_path(store),
             poll, self->options.drain ? ", drain mode" : "");
    dispatcher_report(self, "%s", text + prefix);
    msiq_host_report_event(MSIQ_EVENT_INFORMATION,
                           MSIQ_EVENT_ID_DISPATCHER_STARTED, text);
    uv_timer_start(&self->check_timer, dispatcher_on_check, 0, 0);
    if (options->on_started != NULL) {
      options->on_started(self, options->report_context);
    }
    uv_run(&self->loop, UV_RUN_DEFAULT);
    status = self->status;
  } else {
    dispatcher_close_handles(self);
    uv_run(&self->loop, UV_RUN_DEFAULT);
  }
  if (self->options.has_window || self->options.hold_on_pending_reboot) {
    msiq_store_set_dispatcher_settings(store, NULL, false, NULL);
  }
  char text[DISPATCHER_EVENT_SIZE];
  if (status != MSIQ_OK) {
    msiq_diag_set(diag, status, "%s", self->diag.message);
    snprintf(text, sizeof text, "msiq dispatcher stopped on %s: %s",
             msiq_store_path(store), self->diag.message);
    msiq_host_report_event(MSIQ_EVENT_ERROR, MSIQ_EVENT_ID_DISPATCHER_STOPPED,
                           text);
  } else {
    dispatcher_report(self, "dispatcher stopped");
    snprintf(text, sizeof text, "msiq dispatcher stopped on %s",
             msiq_store_path(store));
    msiq_host_report_event(MSIQ_EVENT_INFORMATION,
                           MSIQ_EVENT_ID_DISPATCHER_STOPPED, text);
  }
  if (self->pending.active) {
    /* Only a fatal error ends the run with an outcome kept; the next start
     * recovers that attempt as interrupted. */
    dispatcher_clear_pending(self);
  }
  msiq_job_cleanup(&self->job);
  free(self->installed_version);
  self->installed_version = NULL;
  uv_loop_close(&self->loop);
  free(self);
  msiq_host_lock_release(lock);
  return status;
}
