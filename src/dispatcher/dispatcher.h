/* dispatcher.h: `msiq run`, the loop that drains the queue.
 *
 * One installer at a time, started only when the gate is open (queue not
 * paused, Global\_MSIExecute free, msiserver idle); exit codes judged by
 * outcome.h; 1618 retried with capped, jittered backoff; timeouts and forced
 * cancels ask a worker to cancel (Windows Installer rolls back) and end the
 * installer's whole process tree only when it does not end within the
 * cancel grace, or at once when it speaks no worker protocol; a crash is
 * recovered at the next start. See docs/dispatcher.md and docs/engine.md.
 */
#ifndef MSIQ_DISPATCHER_H
#define MSIQ_DISPATCHER_H

#include "store/store.h"
#include "core/settings.h"
#include "core/timeparse.h"

/* Defaults, justified in docs/dispatcher.md. */
#define MSIQ_DEFAULT_POLL_MS          (60 * 1000)
#define MSIQ_DEFAULT_RETRY_BASE_MS    (10 * 1000)
#define MSIQ_DEFAULT_RETRY_MAX_MS     (5 * 60 * 1000)
#define MSIQ_DEFAULT_GIVE_UP_AFTER_MS (60 * 60 * 1000)
#define MSIQ_DEFAULT_TIMEOUT_MS       (4 * 60 * 60 * 1000)
#define MSIQ_DEFAULT_GRACE_MS         (30 * 1000)
#define MSIQ_DEFAULT_CANCEL_GRACE_MS  (10 * 60 * 1000)

typedef void (*msiq_dispatcher_report_cb)(void *context, const char *line);

typedef struct msiq_dispatcher msiq_dispatcher;

/* Asks a running dispatcher to stop gracefully, as SIGTERM does. Safe to
 * call from any thread (a Windows service's control handler). */
void msiq_dispatcher_request_stop(msiq_dispatcher *dispatcher);

typedef struct msiq_dispatcher_options {
  /* The safety net: the queue is looked at at least this often even when
   * no ring came (docs/dispatcher.md); a ring, a due time or a closed
   * gate's recheck wakes the dispatcher sooner. */
  int64_t poll_ms;
  int64_t retry_base_ms;      /* first 1618 back-off */
  int64_t retry_max_ms;       /* cap on one back-off */
  int64_t give_up_after_ms;   /* time budget for 1618 retries of a job */
  int64_t default_timeout_ms; /* for jobs without --timeout */
  int64_t grace_ms;           /* how long a stop waits for the installer */
  /* How long a worker asked to cancel (timeout, cancel --force) may take
   * to roll back before its process tree is ended. */
  int64_t cancel_grace_ms;
  /* Exit once no installer runs and no job is ready or waiting for a
   * retry (docs/dispatcher.md says exactly when). */
  bool drain;
  /* When positive: exit once this job has finished and no installer
   * runs. `exec` runs its own job this way when no dispatcher is running;
   * jobs ahead of it in the queue's order run first, as they would. */
  int64_t exit_after_job;
  /* Start jobs only inside this daily window (local time). */
  bool has_window;
  msiq_window window;
  /* Start nothing while Windows has a reboot pending. */
  bool hold_on_pending_reboot;
  /* Where per-job msiexec logs go when a job names none; NULL: "logs"
   * beside the database. */
  const char *log_directory;
  /* Apply the settings stored in the queue (`msiq config`, core/settings.h)
   * over these options: read at start, and again at a check that finds the
   * database changed and the settings' generation moved, so a change needs
   * no restart. A removed setting goes back to the value given here. */
  bool use_stored_settings;
  /* The settings (MSIQ_SETTING_BIT) given on the command line: their values
   * here win over stored ones. */
  uint32_t fixed_settings;
  /* Receives one line per event (job started, finished, gate closed...). */
  msiq_dispatcher_report_cb report;
  void *report_context;
  /* Called once the loop runs, with report_context; the dispatcher pointer
   * stays valid until msiq_dispatcher_run() returns. */
  void (*on_started)(msiq_dispatcher *dispatcher, void *context);
  /* Called once, with report_context, when the loop begins to close (after
   * on_started, or when the loop could not start): from then on the dispatcher
   * pointer given to on_started must not be used, since msiq_dispatcher_run()
   * frees it before it returns. Another thread that may call
   * msiq_dispatcher_request_stop() forgets the pointer here. */
  void (*on_stopping)(void *context);
} msiq_dispatcher_options;

void msiq_dispatcher_options_init(msiq_dispatcher_options *options);

/* Runs until a signal (SIGINT, SIGTERM, Ctrl-C) or, in drain mode, until
 * the queue is drained. MSIQ_EDISPATCHER_RUNNING if another dispatcher holds
 * the database. */
int msiq_dispatcher_run(msiq_store *store,
                        const msiq_dispatcher_options *options,
                        msiq_diag *diag);

#endif /* MSIQ_DISPATCHER_H */
