/* decision.h: what becomes of a job when an attempt ends, and the texts
 * that say so.
 *
 * The dispatcher gathers the facts (the job, how the installer ended, the
 * clock, a random fraction, the boot time, the log excerpt) and stores and
 * reports the decision; everything in between is here, as plain functions
 * of plain inputs, so that each rule can be tested without a loop, a
 * database or an installer.
 *
 * Adding an exit-code rule does not start here: add one row to the table
 * in outcome.c and its expected row to tests/test_outcome.c (see
 * outcome.h). This file only turns the verdict into a new state, a retry
 * time and the history texts.
 */
#ifndef MSIQ_DECISION_H
#define MSIQ_DECISION_H

#include "core/outcome.h"

/* How an attempt ended. */
typedef enum msiq_attempt_ending {
  MSIQ_ATTEMPT_EXITED,    /* the installer exited on its own */
  MSIQ_ATTEMPT_TIMED_OUT, /* stopped when its time limit passed */
  MSIQ_ATTEMPT_CANCELLED, /* stopped by `cancel --force` while running */
} msiq_attempt_ending;

/* When a retry verdict leads to another attempt. */
typedef struct msiq_retry_policy {
  msiq_backoff backoff;
  /* No further attempt once this long has passed since the first start. */
  int64_t give_up_after_ms;
} msiq_retry_policy;

/* Everything the decision depends on; times are UTC milliseconds. */
typedef struct msiq_attempt_facts {
  int64_t job_id;
  msiq_action action;
  const msiq_exit_code_rule *exit_code_rules;
  size_t exit_code_rule_count;
  /* Attempts before this one, and the job's limit. */
  int64_t attempts_before;
  int64_t max_attempts;
  /* When the job's first attempt started; MSIQ_TIME_UNSET when this
   * attempt is the first, whose start then counts. */
  int64_t first_started_at;
  int64_t started_at;
  int64_t finished_at;
  msiq_attempt_ending ending;
  int64_t exit_code;  /* with MSIQ_ATTEMPT_EXITED */
  int64_t timeout_ms; /* with MSIQ_ATTEMPT_TIMED_OUT: the limit that passed */
  msiq_retry_policy retry;
  /* In [0, 1): the jitter of the backoff delay. */
  double random_fraction;
  /* The machine's boot time now, recorded when a 1641 pauses the queue so
   * that the queue resumes once the boot time changes. */
  int64_t boot_time;
  /* The verbose log's lines around the failure, or NULL; only used when
   * msiq_attempt_wants_log_excerpt() says so. */
  const char *log_excerpt;
} msiq_attempt_facts;

/* The whole decision, with the texts in buffers of their own (the sizes
 * bound what the history keeps). */
typedef struct msiq_attempt_decision {
  /* For the attempt's history row: succeeded, reboot, retry, failed,
   * timed_out or cancelled (a static string). */
  const char *attempt_outcome;
  /* succeeded, failed, retrying or cancelled */
  msiq_state new_state;
  /* With retrying: when the next attempt may start; else MSIQ_TIME_UNSET. */
  int64_t retry_at;
  /* False when the installer was stopped: its exit code means nothing. */
  bool has_exit_code;
  bool reboot_required;
  /* The installer started a reboot: pause the queue until the boot time
   * differs from boot_time. */
  bool pause_queue;
  int64_t boot_time; /* with pause_queue; else 0 */
  /* One line for the history ("exit code 0 (ERROR_SUCCESS): success"). */
  char message[768];
  /* Why the job did not succeed, with any log lines; empty on success. */
  char last_error[2048];
  /* With pause_queue: the reason the queue shows; else empty. */
  char pause_reason[256];
} msiq_attempt_decision;

/* True when the decision for these facts would show the verbose log's
 * failure excerpt, so that the caller reads the log only then. */
bool msiq_attempt_wants_log_excerpt(const msiq_attempt_facts *facts);

/* Decides what becomes of the job: judges the exit code (job rules first,
 * then the default table), spends the retry budget (attempts and
 * give-up-after), and writes the texts. */
void msiq_attempt_decide(const msiq_attempt_facts *facts,
                         msiq_attempt_decision *decision);

/* The operating-system events msiq reports for a job. */
typedef enum msiq_job_event_kind {
  MSIQ_JOB_EVENT_STARTED,
  MSIQ_JOB_EVENT_SUCCEEDED,
  MSIQ_JOB_EVENT_FAILED,
  MSIQ_JOB_EVENT_CANCELLED,
} msiq_job_event_kind;

typedef struct msiq_job_event {
  msiq_job_event_kind kind;
  int64_t job_id;
  const char *action; /* "install" */
  const char *target;
  /* With started and succeeded. */
  int64_t attempt_number;
  /* With succeeded: the history message; with failed and cancelled: why. */
  const char *detail;
  /* With succeeded. */
  bool reboot_required;
} msiq_job_event;

/* Writes the event's text ("msiq job 3 failed: install C:\a.msi: ...")
 * into buffer, truncated to size. */
void msiq_job_event_format(const msiq_job_event *event, char *buffer,
                           size_t size);

#endif /* MSIQ_DECISION_H */
