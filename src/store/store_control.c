/* store_control.c: the administrator's state changes: cancel, retry,
 * pause, resume and purge. Each one reads the state, decides, and writes with
 * a compare-and-set on the state it read, inside one BEGIN IMMEDIATE. See
 * store.h.
 */
#include "store/store_internal.h"

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"

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

int msiq_store_purge(msiq_store *store, int64_t before, int64_t *deleted,
                     msiq_diag *diag) {
  *deleted = 0;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_job_purge, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int64(statement, 1, before);
    status = store_run(store, statement, diag, "purging");
    if (status == MSIQ_OK) {
      *deleted = sqlite3_changes(store->db);
    }
  }
  return store_finish(store, status, diag);
}
