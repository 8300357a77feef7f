/* store_dispatch.c: the queries only the dispatcher runs (store_dispatch.h):
 * crash recovery, housekeeping, picking the next job, recording attempts
 * and the settings of the running dispatcher. Every state change is a
 * compare-and-set inside BEGIN IMMEDIATE, like the CLI's. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "msiq_sql.h"

/* Runs a statement whose only parameter is `now`, in its own transaction
 * unless the caller has one, and returns how many rows it changed. */
static int dispatch_update_at(msiq_store *store, const char *sql, int64_t now,
                              int64_t *changed, msiq_diag *diag,
                              const char *doing) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, now);
  status = store_run(store, statement, diag, doing);
  if (status == MSIQ_OK) {
    *changed = sqlite3_changes(store->db);
  }
  return status;
}

int msiq_store_recover_interrupted(msiq_store *store, int64_t now,
                                   int64_t *recovered, msiq_diag *diag) {
  *recovered = 0;
  int64_t attempts = 0;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = dispatch_update_at(store, msiq_sql_dispatch_recover_attempts, now,
                              &attempts, diag, "recovering attempts");
  if (status == MSIQ_OK) {
    status = dispatch_update_at(store, msiq_sql_dispatch_recover_jobs, now,
                                recovered, diag, "recovering jobs");
  }
  return store_finish(store, status, diag);
}

/* What dispatch_fail_jobs passes to dispatch_report_failed. */
typedef struct dispatch_failed_jobs {
  msiq_failed_job_visitor visit;
  void *context;
  int64_t *changed;
} dispatch_failed_jobs;

/* Counts and reports one RETURNING row (id, action, target, reason). */
static int dispatch_report_failed(sqlite3_stmt *statement, void *context,
                                  msiq_diag *diag) {
  const dispatch_failed_jobs *failed = context;
  (void)diag;
  (*failed->changed)++;
  if (failed->visit != NULL) {
    failed->visit(failed->context, sqlite3_column_int64(statement, 0),
                  (const char *)sqlite3_column_text(statement, 1),
                  (const char *)sqlite3_column_text(statement, 2),
                  (const char *)sqlite3_column_text(statement, 3));
  }
  return MSIQ_OK;
}

/* Runs one of the fail-before-start statements and reports each job it
 * failed (their RETURNING rows). */
static int dispatch_fail_jobs(msiq_store *store, const char *sql, int64_t now,
                              msiq_failed_job_visitor visit, void *context,
                              int64_t *changed, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, now);
  *changed = 0;
  dispatch_failed_jobs failed = {visit, context, changed};
  return store_visit_rows(store, statement, dispatch_report_failed, &failed,
                          diag, "failing jobs that cannot start");
}

/* Reads one optional integer from a query bound to `now` (or an id). */
static int dispatch_read_optional(msiq_store *store, const char *sql,
                                  int64_t argument, int64_t *value, bool *found,
                                  msiq_diag *diag, const char *doing) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, argument);
  *found = false;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *found = sqlite3_column_type(statement, 0) != SQLITE_NULL;
    *value = sqlite3_column_int64(statement, 0);
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, doing);
  }
  store_release(store, statement);
  return status;
}

int msiq_store_fail_unrunnable(msiq_store *store, int64_t now, int64_t *failed,
                               msiq_failed_job_visitor visit, void *context,
                               msiq_diag *diag) {
  *failed = 0;
  /* Nearly every check has nothing to fail: a read answers that without the
   * write lock (see dispatch_unrunnable_pending.sql). */
  int64_t pending = 0;
  bool found = false;
  int status = dispatch_read_optional(
      store, msiq_sql_dispatch_unrunnable_pending, now, &pending, &found, diag,
      "looking for jobs that cannot start");
  if (status != MSIQ_OK || pending == 0) {
    return status;
  }
  status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int64_t changed = 0;
  status = dispatch_fail_jobs(store, msiq_sql_dispatch_fail_past_deadline, now,
                              visit, context, &changed, diag);
  *failed += changed;
  /* A failed dependency fails its dependents, which may fail theirs: repeat
   * until nothing changes (each round finishes at least one more job, so
   * this ends). */
  do {
    changed = 0;
    if (status == MSIQ_OK) {
      status =
          dispatch_fail_jobs(store, msiq_sql_dispatch_fail_broken_dependencies,
                             now, visit, context, &changed, diag);
    }
    *failed += changed;
  } while (status == MSIQ_OK && changed > 0);
  sqlite3_stmt *clear;
  if (status == MSIQ_OK) {
    status = store_prepare(store, msiq_sql_dispatch_clear_broken_dependencies,
                           &clear, diag);
  }
  if (status == MSIQ_OK) {
    status = store_run(store, clear, diag,
                       "clearing the broken-dependency work list");
  }
  if (status != MSIQ_OK) {
    *failed = 0;
  }
  return store_finish(store, status, diag);
}

int msiq_store_pick_next(msiq_store *store, int64_t now, int64_t *id,
                         msiq_state *state, bool *found, msiq_diag *diag) {
  *found = false;
  /* The pick walks the waiting jobs in priority order and stops at the
   * first due one; when none is due it would walk them all. One seek in
   * job_due says whether any is (dispatch_any_due.sql). */
  int64_t any_due = 0;
  bool answered = false;
  int status =
      dispatch_read_optional(store, msiq_sql_dispatch_any_due, now, &any_due,
                             &answered, diag, "looking for a due job");
  if (status != MSIQ_OK || any_due == 0) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_dispatch_pick_next, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, now);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *found = true;
    *id = sqlite3_column_int64(statement, 0);
    msiq_state_parse((const char *)sqlite3_column_text(statement, 1), state);
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "picking the next job");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_next_due(msiq_store *store, int64_t now, int64_t *due,
                        msiq_diag *diag) {
  bool found = false;
  int status =
      dispatch_read_optional(store, msiq_sql_dispatch_next_due, now, due,
                             &found, diag, "finding the next due job");
  if (status == MSIQ_OK && !found) {
    *due = MSIQ_TIME_UNSET;
  }
  return status;
}

static int dispatch_start_locked(msiq_store *store, int64_t id,
                                 msiq_state expected, int64_t now,
                                 const char *log_path, int64_t *attempt_number,
                                 msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_start_job, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  sqlite3_bind_text(statement, 2, msiq_state_name(expected), -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 3, now);
  store_bind_optional_text(statement, 4, log_path);
  status = store_run(store, statement, diag, "starting it");
  if (status == MSIQ_OK && sqlite3_changes(store->db) != 1) {
    /* Either the job changed (a cancel) or the queue was paused since the
     * gate looked; the queue is read in this same transaction to say
     * which. */
    msiq_queue_status queue;
    status = msiq_store_queue_status(store, &queue, diag);
    if (status == MSIQ_OK && queue.paused) {
      return msiq_diag_set(diag, MSIQ_ESTATE,
                           "the queue was paused (%s) before the job could "
                           "start; not started",
                           queue.pause_reason);
    }
    if (status == MSIQ_OK) {
      status = msiq_diag_set(diag, MSIQ_ESTATE,
                             "job %lld changed state while starting it; try "
                             "again",
                             (long long)id);
    }
  }
  if (status != MSIQ_OK) {
    return status;
  }
  status =
      store_prepare(store, msiq_sql_dispatch_open_attempt, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  sqlite3_bind_int64(statement, 2, now);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *attempt_number = sqlite3_column_int64(statement, 0);
    rc = sqlite3_step(statement);
  }
  if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "opening an attempt");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_start_attempt(msiq_store *store, int64_t id, msiq_state expected,
                             int64_t now, const char *log_path,
                             int64_t *attempt_number, msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = dispatch_start_locked(store, id, expected, now, log_path,
                                 attempt_number, diag);
  return store_finish(store, status, diag);
}

static int dispatch_finish_locked(msiq_store *store,
                                  const msiq_attempt_result *result,
                                  msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_close_attempt, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, result->job_id);
  sqlite3_bind_int64(statement, 2, result->attempt_number);
  sqlite3_bind_int64(statement, 3, result->finished_at);
  if (result->has_exit_code) {
    sqlite3_bind_int64(statement, 4, result->exit_code);
  } else {
    sqlite3_bind_null(statement, 4);
  }
  sqlite3_bind_text(statement, 5, result->attempt_outcome, -1, SQLITE_STATIC);
  store_bind_optional_text(statement, 6, result->message);
  store_bind_progress(statement, 7, result->progress);
  status = store_compare_and_set(store, statement, result->job_id, diag,
                                 "closing its attempt");
  if (status != MSIQ_OK) {
    return status;
  }

  status = store_prepare(store, msiq_sql_dispatch_finish_job, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, result->job_id);
  sqlite3_bind_text(statement, 2, msiq_state_name(result->new_state), -1,
                    SQLITE_STATIC);
  if (result->has_exit_code) {
    sqlite3_bind_int64(statement, 3, result->exit_code);
  } else {
    sqlite3_bind_null(statement, 3);
  }
  sqlite3_bind_int(statement, 4, result->reboot_required ? 1 : 0);
  store_bind_optional_time(statement, 5, result->retry_at);
  store_bind_optional_text(statement, 6, result->last_error);
  sqlite3_bind_int64(statement, 7, result->finished_at);
  status = store_compare_and_set(store, statement, result->job_id, diag,
                                 "recording its outcome");
  if (status != MSIQ_OK || result->pause_reason == NULL) {
    return status;
  }

  status = store_prepare(store, msiq_sql_queue_set_paused, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int(statement, 1, 1);
  sqlite3_bind_text(statement, 2, result->pause_reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 3, result->finished_at);
  sqlite3_bind_int(statement, 4, 1);
  sqlite3_bind_int64(statement, 5, result->boot_time);
  return store_run(store, statement, diag, "pausing the queue for a reboot");
}

int msiq_store_finish_attempt(msiq_store *store,
                              const msiq_attempt_result *result,
                              msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = dispatch_finish_locked(store, result, diag);
  return store_finish(store, status, diag);
}

/* One retry time to move, found by store_collect_retry_time. */
typedef struct dispatch_retry_move {
  int64_t id;
  int64_t from;
  int64_t to;
} dispatch_retry_move;

typedef struct dispatch_retry_moves {
  int64_t now;
  const msiq_backoff *backoff;
  dispatch_retry_move *moves;
  size_t count;
  size_t capacity;
} dispatch_retry_moves;

/* Keeps one row of dispatch_retry_times.sql (id, attempts, retry_at, the
 * last attempt's outcome) when its time is past what its backoff allows. */
static int dispatch_collect_retry_time(sqlite3_stmt *statement, void *context,
                                       msiq_diag *diag) {
  dispatch_retry_moves *found = context;
  int64_t id = sqlite3_column_int64(statement, 0);
  int64_t attempts = sqlite3_column_int64(statement, 1);
  int64_t retry_at = sqlite3_column_int64(statement, 2);
  const unsigned char *outcome = sqlite3_column_text(statement, 3);
  /* Crash recovery retries an interrupted attempt at once. */
  bool interrupted =
      outcome != NULL && strcmp((const char *)outcome, "interrupted") == 0;
  int64_t limit =
      interrupted ? 0 : msiq_backoff_limit(found->backoff, attempts);
  int64_t latest = found->now + limit;
  if (retry_at <= latest) {
    return MSIQ_OK;
  }
  if (found->count == found->capacity) {
    size_t capacity = found->capacity == 0 ? 16 : found->capacity * 2;
    dispatch_retry_move *grown =
        realloc(found->moves, capacity * sizeof *grown);
    if (grown == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    found->moves = grown;
    found->capacity = capacity;
  }
  found->moves[found->count++] = (dispatch_retry_move){id, retry_at, latest};
  return MSIQ_OK;
}

int msiq_store_clamp_retry_times(msiq_store *store, int64_t now,
                                 const msiq_backoff *backoff,
                                 msiq_clamped_retry_visitor visit,
                                 void *context, int64_t *clamped,
                                 msiq_diag *diag) {
  *clamped = 0;
  /* A read finds what to move; only then is the write lock taken. */
  dispatch_retry_moves found = {now, backoff, NULL, 0, 0};
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_retry_times, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int64(statement, 1, now);
    status = store_visit_rows(store, statement, dispatch_collect_retry_time,
                              &found, diag, "reading retry times");
  }
  if (status == MSIQ_OK && found.count > 0) {
    status = store_begin(store, diag);
  }
  if (status == MSIQ_OK && found.count > 0) {
    int64_t moved = 0;
    for (size_t i = 0; status == MSIQ_OK && i < found.count; i++) {
      status =
          store_prepare(store, msiq_sql_dispatch_clamp_retry, &statement, diag);
      if (status != MSIQ_OK) {
        break;
      }
      sqlite3_bind_int64(statement, 1, found.moves[i].id);
      sqlite3_bind_int64(statement, 2, found.moves[i].from);
      sqlite3_bind_int64(statement, 3, found.moves[i].to);
      status = store_run(store, statement, diag, "clamping a retry time");
      /* A job that changed since the read (cancelled, say) is left to
       * what changed it. */
      if (status == MSIQ_OK && sqlite3_changes(store->db) == 1) {
        moved++;
      } else {
        found.moves[i].id = 0;
      }
    }
    status = store_finish(store, status, diag);
    if (status == MSIQ_OK) {
      *clamped = moved;
      for (size_t i = 0; visit != NULL && i < found.count; i++) {
        if (found.moves[i].id != 0) {
          visit(context, found.moves[i].id, found.moves[i].from,
                found.moves[i].to);
        }
      }
    }
  }
  free(found.moves);
  return status;
}

int msiq_store_cancel_requested(msiq_store *store, int64_t id, bool *requested,
                                msiq_diag *diag) {
  int64_t value = 0;
  bool found = false;
  int status =
      dispatch_read_optional(store, msiq_sql_dispatch_cancel_requested, id,
                             &value, &found, diag, "checking for a cancel");
  *requested = status == MSIQ_OK && found && value != 0;
  return status;
}

int msiq_store_set_dispatcher_settings(msiq_store *store, const char *window,
                                       bool hold_on_pending_reboot,
                                       msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_queue_set_maintenance_window,
                         &statement, diag);
  if (status == MSIQ_OK) {
    store_bind_optional_text(statement, 1, window);
    sqlite3_bind_int(statement, 2, hold_on_pending_reboot ? 1 : 0);
    status = store_run(store, statement, diag, "recording the window");
  }
  return store_finish(store, status, diag);
}

int msiq_store_resume_after_reboot(msiq_store *store, int64_t boot_time,
                                   bool *resumed, msiq_diag *diag) {
  *resumed = false;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_queue_resume_after_reboot, &statement,
                         diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int64(statement, 1, boot_time);
    status = store_run(store, statement, diag, "resuming after a reboot");
    *resumed = status == MSIQ_OK && sqlite3_changes(store->db) == 1;
  }
  return store_finish(store, status, diag);
}
