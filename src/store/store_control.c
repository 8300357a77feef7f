/* store_control.c: the administrator's state changes: cancel, retry,
 * pause, resume and purge. Each one reads the state, decides, and writes with
 * a compare-and-set on the state it read, inside one BEGIN IMMEDIATE. See
 * store.h.
 */
#include "store/store_internal.h"

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"

/* How `purge` batches by default (msiq_purge_batching): windows of a few
 * thousand job ids (milliseconds to tens of milliseconds each); a
 * transaction ends after the first window that finds it past 300 ms, which
 * with the last window and the commit holds the write lock well under a
 * second even on a loaded machine (with 500 ms and windows of 5,000, a
 * probe waited up to 1.7 s for the lock at a load of 13 on two CPUs); and
 * a pause after it as long as the longest sleep of SQLite's busy handler
 * between two tries for the lock (sqliteDefaultBusyCallback), so that a
 * writer waiting for the lock (an enqueue, the dispatcher) gets it before
 * the next transaction. */
#define STORE_PURGE_WINDOW_JOBS 2000
#define STORE_PURGE_BATCH_MS    300
#define STORE_PURGE_PAUSE_MS    100

/* The state of job id, or MSIQ_ENOT_FOUND. */
static int store_job_state(msiq_store *store, int64_t id, msiq_state *state,
                           msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_state_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    msiq_state_parse((const char *)sqlite3_column_text(statement, 0), state);
  } else if (rc == SQLITE_DONE) {
    status = msiq_diag_set(diag, MSIQ_ENOT_FOUND, "no job with id %lld",
                           (long long)id);
  } else {
    status = store_fail(store, rc, diag, "reading a job's state");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_job_id_gone(msiq_store *store, int64_t id, bool *gone,
                           msiq_diag *diag) {
  *gone = false;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_id_gone, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *gone = sqlite3_column_int64(statement, 0) != 0;
  } else {
    status = store_fail(store, rc, diag, "looking up a job id");
  }
  store_release(store, statement);
  return status;
}

static int store_cancel_locked(msiq_store *store, int64_t id, bool force,
                               bool *requested, msiq_diag *diag) {
  msiq_state state;
  int status = store_job_state(store, id, &state, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  if (state == MSIQ_STATE_QUEUED || state == MSIQ_STATE_RETRYING) {
    status = store_prepare(store, msiq_sql_job_cancel, &statement, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_text(statement, 2, msiq_state_name(state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 3, msiq_host_now_ms());
    return store_compare_and_set(store, statement, id, diag, "cancelling");
  }
  if (state == MSIQ_STATE_RUNNING) {
    if (!force) {
      return msiq_diag_set(diag, MSIQ_ESTATE,
                           "job %lld is running; use cancel --force to stop "
                           "its installer",
                           (long long)id);
    }
    status =
        store_prepare(store, msiq_sql_job_request_cancel, &statement, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    sqlite3_bind_int64(statement, 1, id);
    status = store_compare_and_set(store, statement, id, diag,
                                   "requesting a cancel");
    *requested = status == MSIQ_OK;
    return status;
  }
  return msiq_diag_set(diag, MSIQ_ESTATE,
                       "job %lld is already %s and cannot be cancelled",
                       (long long)id, msiq_state_name(state));
}

int msiq_store_cancel(msiq_store *store, int64_t id, bool force,
                      bool *requested, msiq_diag *diag) {
  *requested = false;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = store_cancel_locked(store, id, force, requested, diag);
  return store_finish(store, status, diag);
}

static int store_retry_locked(msiq_store *store, int64_t id, msiq_diag *diag) {
  msiq_state state;
  int status = store_job_state(store, id, &state, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (state != MSIQ_STATE_FAILED && state != MSIQ_STATE_CANCELLED) {
    return msiq_diag_set(diag, MSIQ_ESTATE,
                         "job %lld is %s; only failed or cancelled jobs can "
                         "be retried",
                         (long long)id, msiq_state_name(state));
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_job_requeue, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  sqlite3_bind_text(statement, 2, msiq_state_name(state), -1, SQLITE_STATIC);
  status = store_run(store, statement, diag, "retrying");
  if (status == MSIQ_ECORRUPT || status == MSIQ_EDATABASE) {
    /* The unique index on unfinished keys refuses a second live job with
     * the same idempotency key. */
    if ((sqlite3_extended_errcode(store->db) & 0xff) == SQLITE_CONSTRAINT) {
      return msiq_diag_set(diag, MSIQ_ESTATE,
                           "job %lld cannot be retried: another unfinished "
                           "job has the same key",
                           (long long)id);
    }
    return status;
  }
  if (status == MSIQ_OK && sqlite3_changes(store->db) != 1) {
    status = msiq_diag_set(diag, MSIQ_ESTATE,
                           "job %lld changed state while retrying; try again",
                           (long long)id);
  }
  return status;
}

int msiq_store_retry(msiq_store *store, int64_t id, msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = store_retry_locked(store, id, diag);
  return store_finish(store, status, diag);
}

static int store_set_paused(msiq_store *store, bool paused, const char *reason,
                            bool reboot_initiated, msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_queue_set_paused, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int(statement, 1, paused ? 1 : 0);
    store_bind_optional_text(statement, 2, paused ? reason : NULL);
    store_bind_optional_time(statement, 3,
                             paused ? msiq_host_now_ms() : MSIQ_TIME_UNSET);
    sqlite3_bind_int(statement, 4, reboot_initiated ? 1 : 0);
    sqlite3_bind_null(statement, 5);
    status = store_run(store, statement, diag, "pausing or resuming");
  }
  return store_finish(store, status, diag);
}

int msiq_store_pause(msiq_store *store, const char *reason, msiq_diag *diag) {
  return store_set_paused(store, true, reason, false, diag);
}

int msiq_store_pause_for_reboot(msiq_store *store, const char *reason,
                                msiq_diag *diag) {
  return store_set_paused(store, true, reason, true, diag);
}

int msiq_store_resume(msiq_store *store, msiq_diag *diag) {
  return store_set_paused(store, false, NULL, false, diag);
}

/* One window of a purge, inside the caller's transaction: the jobs old
 * enough with ids in (*cursor_id, *cursor_id + window_jobs] are deleted
 * (but those still waited for) with the rows that refer to them, and the
 * cursor moves to the window's end. *more is false once the cursor has
 * passed last_id. */
static int store_purge_window(msiq_store *store, int64_t before,
                              int64_t window_jobs, int64_t last_id,
                              int64_t *cursor_id, int64_t *deleted, bool *more,
                              msiq_diag *diag) {
  int64_t end_id =
      *cursor_id +
      (last_id - *cursor_id < window_jobs ? last_id - *cursor_id : window_jobs);
  int64_t chosen = 0;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_job_purge_set_fill, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int64(statement, 1, *cursor_id);
    sqlite3_bind_int64(statement, 2, end_id);
    sqlite3_bind_int64(statement, 3, before);
    status = store_run(store, statement, diag, "purging");
  }
  if (status == MSIQ_OK) {
    chosen = sqlite3_changes(store->db);
  }
  if (status == MSIQ_OK && chosen > 0) {
    status = store_exec(store, msiq_sql_job_purge_set_delete, diag, "purging");
  }
  if (status == MSIQ_OK) {
    *deleted += chosen;
    *cursor_id = end_id;
  }
  *more = status == MSIQ_OK && *cursor_id < last_id;
  return status;
}

/* One transaction of a purge: windows until none is left or the
 * transaction has run batch_ms. The cursor and *deleted move on only when
 * the transaction commits. */
static int store_purge_batch(msiq_store *store, int64_t before,
                             const msiq_purge_batching *batching,
                             int64_t last_id, int64_t *cursor_id,
                             int64_t *deleted, bool *more, msiq_diag *diag) {
  *more = false;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* Timed from the moment the write lock is held. */
  int64_t started = msiq_host_monotonic_ms();
  int64_t window_id = *cursor_id;
  int64_t window_deleted = 0;
  do {
    status = store_purge_window(store, before, batching->window_jobs, last_id,
                                &window_id, &window_deleted, more, diag);
  } while (status == MSIQ_OK && *more &&
           msiq_host_monotonic_ms() - started < batching->batch_ms);
  status = store_finish(store, status, diag);
  if (status == MSIQ_OK) {
    *deleted += window_deleted;
    *cursor_id = window_id;
  } else {
    *more = false;
  }
  return status;
}

/* The ids of the oldest and newest finished job older than before
 * (job_purge_range.sql); *found is false when there is none. */
static int store_purge_range(msiq_store *store, int64_t before,
                             int64_t *first_id, int64_t *last_id, bool *found,
                             msiq_diag *diag) {
  *found = false;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_purge_range, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, before);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *found = sqlite3_column_type(statement, 0) != SQLITE_NULL;
    *first_id = sqlite3_column_int64(statement, 0);
    *last_id = sqlite3_column_int64(statement, 1);
  } else {
    status = store_fail(store, rc, diag, "purging");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_purge_in_batches(msiq_store *store, int64_t before,
                                const msiq_purge_batching *batching,
                                int64_t *deleted, msiq_diag *diag) {
  *deleted = 0;
  if (batching->window_jobs < 1 || batching->batch_ms < 0 ||
      batching->pause_ms < 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "invalid purge batching");
  }
  int64_t first_id = 0;
  int64_t last_id = 0;
  bool found = false;
  int status =
      store_purge_range(store, before, &first_id, &last_id, &found, diag);
  if (status == MSIQ_OK && found) {
    status = store_exec(store, msiq_sql_job_purge_set_create, diag, "purging");
  }
  if (status != MSIQ_OK || !found) {
    return status;
  }
  /* The deletes of job_purge_set_delete.sql are the cascade, without
   * SQLite's per-job trigger programs. */
  status =
      store_exec(store, msiq_sql_job_purge_foreign_keys_off, diag, "purging");
  /* The first window starts just before the oldest candidate. */
  int64_t cursor_id = first_id - 1;
  bool more = status == MSIQ_OK && cursor_id < last_id;
  for (int batch = 0; status == MSIQ_OK && more; batch++) {
    if (batch > 0 && batching->pause_ms > 0) {
      sqlite3_sleep((int)batching->pause_ms);
    }
    status = store_purge_batch(store, before, batching, last_id, &cursor_id,
                               deleted, &more, diag);
  }
  /* Also after a failure: the connection may serve other work. */
  int restored = store_exec(store, msiq_sql_job_purge_foreign_keys_on,
                            status == MSIQ_OK ? diag : NULL, "purging");
  return status != MSIQ_OK ? status : restored;
}

int msiq_store_purge(msiq_store *store, int64_t before, int64_t *deleted,
                     msiq_diag *diag) {
  static const msiq_purge_batching batching = {
      STORE_PURGE_WINDOW_JOBS, STORE_PURGE_BATCH_MS, STORE_PURGE_PAUSE_MS};
  return msiq_store_purge_in_batches(store, before, &batching, deleted, diag);
}
