/* store_progress.c: what the dispatcher records from a job's worker while
 * the attempt runs: the exact call it makes and its live progress. See the
 * end of store.h, and docs/engine.md for how often these are written. */
#include "store/store_internal.h"

#include "msiq_sql.h"

/* Runs one compare-and-set statement in its own transaction, committed
 * without a flush of its own (synchronous=NORMAL for this commit only).
 *
 * The operation and the progress only describe a running attempt; nothing
 * is decided on them. A power loss can lose such a commit, never half of
 * one: WAL frames reach the disk in order and recovery keeps a prefix of
 * them. The next flushed commit (the attempt's outcome, always
 * synchronous=FULL) makes them durable with it, and the start, which must
 * be on disk before the installer runs, is flushed before any of them.
 * Losing one leaves what a crash a moment earlier would have: a running
 * job whose attempt recovery closes as interrupted. This saves two of the
 * four fdatasync a short job cost. */
static int progress_write(msiq_store *store, sqlite3_stmt *statement,
                          int64_t job_id, msiq_diag *diag, const char *doing) {
  int status = store_exec(store, msiq_sql_commit_without_flush, diag,
                          "recording a running attempt");
  if (status == MSIQ_OK) {
    status = store_begin(store, diag);
  }
  if (status != MSIQ_OK) {
    store_release(store, statement);
  } else {
    status = store_compare_and_set(store, statement, job_id, diag, doing);
    status = store_finish(store, status, diag);
  }
  /* Whatever happened, the connection's other commits flush again. */
  int restored = store_exec(store, msiq_sql_commit_with_flush,
                            status == MSIQ_OK ? diag : NULL,
                            "recording a running attempt");
  return status == MSIQ_OK ? restored : status;
}

void store_bind_progress(sqlite3_stmt *statement, int first,
                         const msiq_job_progress *progress) {
  if (progress == NULL) {
    for (int index = first; index < first + 3; index++) {
      sqlite3_bind_null(statement, index);
    }
    return;
  }
  if (progress->percent >= 0 && progress->percent <= 100) {
    sqlite3_bind_int(statement, first, progress->percent);
  } else {
    sqlite3_bind_null(statement, first);
  }
  store_bind_optional_text(statement, first + 1, progress->action);
  sqlite3_bind_int64(statement, first + 2, progress->at);
}

int msiq_store_set_attempt_operation(msiq_store *store, int64_t job_id,
                                     int64_t attempt_number,
                                     const char *operation, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_set_operation, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, job_id);
  sqlite3_bind_int64(statement, 2, attempt_number);
  store_bind_optional_text(statement, 3, operation);
  return progress_write(store, statement, job_id, diag,
                        "recording its attempt's operation");
}

int msiq_store_set_progress(msiq_store *store, int64_t job_id,
                            const msiq_job_progress *progress,
                            msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_set_progress, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, job_id);
  store_bind_progress(statement, 2, progress);
  return progress_write(store, statement, job_id, diag,
                        "recording its progress");
}
