/* store_dispatch.h: the dispatcher's side of the queue.
 *
 * Only the one dispatcher that holds the database's dispatcher lock calls
 * these (src/dispatcher, and tests that play the dispatcher): recovering a
 * dead dispatcher's attempts, failing jobs that can no longer start, picking
 * the next job, opening and closing attempts, and the queue settings only a
 * running dispatcher knows. The CLI includes store.h alone, so no command can
 * start or finish an attempt. Like the CLI's operations, every state change
 * here is a compare-and-set inside one BEGIN IMMEDIATE transaction.
 */
#ifndef MSIQ_STORE_DISPATCH_H
#define MSIQ_STORE_DISPATCH_H

/* The dispatcher also reads jobs, the queue's state and the data version
 * through the CLI's API. */
#include "core/outcome.h"
#include "store/store.h"

/* Crash recovery at start: every job left running by a dead dispatcher has
 * its open attempt closed as interrupted and is retried at once (or fails
 * when that was its last attempt). */
int msiq_store_recover_interrupted(msiq_store *store, int64_t now,
                                   int64_t *recovered, msiq_diag *diag);

/* Fails waiting jobs whose deadline passed or whose dependency failed or
 * was cancelled; *failed receives how many, and visit (if not NULL) sees
 * each one. */
typedef void (*msiq_failed_job_visitor)(void *context, int64_t id,
                                        const char *action, const char *target,
                                        const char *reason);
int msiq_store_fail_unrunnable(msiq_store *store, int64_t now, int64_t *failed,
                               msiq_failed_job_visitor visit, void *context,
                               msiq_diag *diag);

/* The next job to start at `now`, if any (see dispatch_pick_next.sql), and
 * the state it was picked in: the expected state of the start's
 * compare-and-set, so a cancel committed in between wins. */
int msiq_store_pick_next(msiq_store *store, int64_t now, int64_t *id,
                         msiq_state *state, bool *found, msiq_diag *diag);

/* The earliest time after `now` at which a waiting job becomes due, or
 * MSIQ_TIME_UNSET. */
int msiq_store_next_due(msiq_store *store, int64_t now, int64_t *due,
                        msiq_diag *diag);

/* Compare-and-set from `expected` (queued or retrying) to running, and opens
 * the next attempt; MSIQ_ESTATE if the job changed meanwhile (cancelled from
 * the CLI, say) or the queue is paused: the pause flag is part of the same
 * compare-and-set, so a job never starts after `pause` returned, whatever
 * the gate read before. Committed before the installer starts, so a crash
 * after this point is seen as an interrupted attempt. */
int msiq_store_start_attempt(msiq_store *store, int64_t id, msiq_state expected,
                             int64_t now, const char *log_path,
                             int64_t *attempt_number, msiq_diag *diag);

/* How an attempt ended and what becomes of its job. */
typedef struct msiq_attempt_result {
  int64_t job_id;
  int64_t attempt_number;
  int64_t finished_at;
  bool has_exit_code;
  int64_t exit_code;
  /* succeeded, reboot, retry, failed, timed_out or cancelled */
  const char *attempt_outcome;
  const char *message;  /* for the history row */
  msiq_state new_state; /* succeeded, failed, retrying or cancelled */
  bool reboot_required;
  int64_t retry_at;         /* for retrying; else MSIQ_TIME_UNSET */
  const char *last_error;   /* NULL on success */
  const char *pause_reason; /* non-NULL: pause the queue for a reboot */
  int64_t boot_time;        /* with pause_reason: the boot time now */
  /* The last progress the worker reported, newer than what the job's row
   * may hold (writes are spaced); NULL when it reported none. */
  const msiq_job_progress *progress;
} msiq_attempt_result;

/* Closes the attempt, with its last progress, and moves the job from
 * running to its new state, in one transaction (compare-and-set on
 * running). */
int msiq_store_finish_attempt(msiq_store *store,
                              const msiq_attempt_result *result,
                              msiq_diag *diag);

/* Clock steps: a retry time is stored on the wall clock (the time the
 * attempt ended plus its backoff), so a wall clock that went back leaves it
 * further away than the backoff ever allows. Every retrying job due later
 * than now + msiq_backoff_limit(backoff, its attempts) (now itself when its
 * last attempt was interrupted, which is retried at once) is moved to that
 * time, each with a compare-and-set in one transaction (none when nothing
 * needs it). *clamped receives how many; visit (if not NULL) sees each one
 * with its old and new time. */
typedef void (*msiq_clamped_retry_visitor)(void *context, int64_t id,
                                           int64_t from, int64_t to);
int msiq_store_clamp_retry_times(msiq_store *store, int64_t now,
                                 const msiq_backoff *backoff,
                                 msiq_clamped_retry_visitor visit,
                                 void *context, int64_t *clamped,
                                 msiq_diag *diag);

/* Whether `cancel --force` asked to stop running job id. */
int msiq_store_cancel_requested(msiq_store *store, int64_t id, bool *requested,
                                msiq_diag *diag);

/* Records the running dispatcher's maintenance window (NULL: none) and
 * whether it holds jobs while a reboot is pending. */
int msiq_store_set_dispatcher_settings(msiq_store *store, const char *window,
                                       bool hold_on_pending_reboot,
                                       msiq_diag *diag);

/* Pauses because an installer started a reboot (exit 1641), outside an
 * attempt (msiq_store_finish_attempt pauses within its own transaction). */
int msiq_store_pause_for_reboot(msiq_store *store, const char *reason,
                                msiq_diag *diag);

/* Resumes a queue that a 1641 paused if the machine has booted since
 * (boot_time differs from the one recorded at the pause); *resumed says
 * whether it did. */
int msiq_store_resume_after_reboot(msiq_store *store, int64_t boot_time,
                                   bool *resumed, msiq_diag *diag);

/* For a database file that was replaced (another file renamed over it) or
 * deleted under this connection: flushes what this connection's WAL holds
 * into the file it has open and empties that WAL, then closes the
 * connection. SQLite neither checkpoints nor deletes the WAL of a database
 * that moved, and the WAL keeps its name: left as it is, it would be read
 * as the WAL of whatever file next takes the database's name. Only the
 * files this connection has open are touched. Afterwards every call but
 * msiq_store_reopen() and msiq_store_close() fails. */
void msiq_store_detach(msiq_store *store);

/* msiq_store_detach(), then opens the path again as msiq_store_open() does
 * (flags as there). On failure the store stays detached. */
int msiq_store_reopen(msiq_store *store, int flags, msiq_diag *diag);

#endif /* MSIQ_STORE_DISPATCH_H */
