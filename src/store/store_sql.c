/* store_sql.c: the SQL helpers every store file uses: SQLite's result
 * codes translated into msiq statuses (here and nowhere else), the
 * statement cache, binding and column helpers, transactions, the
 * compare-and-set and the row-visiting loop. See store_internal.h.
 */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "host/host.h"

/* Error translation (the only place SQLite codes become msiq statuses). */

static int store_status_from_sqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return MSIQ_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return MSIQ_ELOCKED;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return MSIQ_ECORRUPT;
    case SQLITE_FULL:
      return MSIQ_EFULL;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return MSIQ_EREADONLY;
    case SQLITE_NOMEM:
      return MSIQ_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return MSIQ_EIO;
    default:
      return MSIQ_EDATABASE;
  }
}

/* Fills diag with "database PATH: <what SQLite said> (while <doing>)". */
int store_fail(msiq_store *store, int rc, msiq_diag *diag, const char *doing) {
  int status = store_status_from_sqlite(rc);
  const char *detail =
      store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc);
  const char *hint = "";
  if ((rc & 0xff) == SQLITE_FULL) {
    detail = "disk is full";
  } else if ((rc & 0xff) == SQLITE_BUSY) {
    detail = "database is locked by another process past the busy timeout";
  } else if (rc == SQLITE_READONLY_DBMOVED) {
    /* SQLite refuses to write to a file that no longer has its name. */
    detail = "the file was renamed, replaced or deleted while it was open";
  } else if (status == MSIQ_EREADONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
    hint = msiq_host_permission_hint();
  }
  return msiq_diag_set(diag, status, "database %s: %s (while %s)%s",
                       store->path, detail, doing, hint);
}

/* A store whose connection was closed by msiq_store_detach() or a failed
 * msiq_store_reopen(). */
static int store_closed(msiq_store *store, msiq_diag *diag) {
  return msiq_diag_set(diag, MSIQ_EDATABASE, "database %s: not open",
                       store->path);
}

/* Returns a cached statement for sql, reset and with its bindings cleared. */
int store_prepare(msiq_store *store, const char *sql, sqlite3_stmt **statement,
                  msiq_diag *diag) {
  if (store->db == NULL) {
    return store_closed(store, diag);
  }
  for (size_t i = 0; i < store->cache_count; i++) {
    if (store->cache[i].sql == sql) {
      sqlite3_reset(store->cache[i].statement);
      sqlite3_clear_bindings(store->cache[i].statement);
      *statement = store->cache[i].statement;
      return MSIQ_OK;
    }
  }
  int rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                              statement, NULL);
  if (rc != SQLITE_OK) {
    return store_fail(store, rc, diag, "preparing a query");
  }
  if (store->cache_count < STORE_STATEMENT_CACHE_SIZE) {
    store->cache[store->cache_count].sql = sql;
    store->cache[store->cache_count].statement = *statement;
    store->cache_count++;
  }
  return MSIQ_OK;
}

/* Statements that did not fit in the cache are finalized by the caller
 * through this; cached ones are only reset. */
void store_release(msiq_store *store, sqlite3_stmt *statement) {
  for (size_t i = 0; i < store->cache_count; i++) {
    if (store->cache[i].statement == statement) {
      sqlite3_reset(statement);
      return;
    }
  }
  sqlite3_finalize(statement);
}

/* Steps a statement that returns no rows (or whose rows are ignored). */
int store_run(msiq_store *store, sqlite3_stmt *statement, msiq_diag *diag,
              const char *doing) {
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
  }
  int status = MSIQ_OK;
  if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, doing);
  }
  store_release(store, statement);
  return status;
}

void store_bind_optional_time(sqlite3_stmt *statement, int index,
                              int64_t value) {
  if (value == MSIQ_TIME_UNSET) {
    sqlite3_bind_null(statement, index);
  } else {
    sqlite3_bind_int64(statement, index, value);
  }
}

void store_bind_optional_text(sqlite3_stmt *statement, int index,
                              const char *text) {
  if (text == NULL) {
    sqlite3_bind_null(statement, index);
  } else {
    sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
  }
}

int64_t store_column_optional_time(sqlite3_stmt *statement, int index) {
  if (sqlite3_column_type(statement, index) == SQLITE_NULL) {
    return MSIQ_TIME_UNSET;
  }
  return sqlite3_column_int64(statement, index);
}

/* NULL for a NULL column; MSIQ_ENOMEM is reported through *failed. */
char *store_column_optional_text(sqlite3_stmt *statement, int index,
                                 bool *failed) {
  const unsigned char *text = sqlite3_column_text(statement, index);
  if (text == NULL) {
    return NULL;
  }
  char *copy = msiq_text_duplicate((const char *)text);
  if (copy == NULL) {
    *failed = true;
  }
  return copy;
}

/* Transactions. Every write is BEGIN IMMEDIATE: it takes the write lock up
 * front (waiting up to the busy timeout), so a transaction never has to be
 * abandoned half-way because another writer got there first. */

int store_exec(msiq_store *store, const char *sql, msiq_diag *diag,
               const char *doing) {
  if (store->db == NULL) {
    return store_closed(store, diag);
  }
  int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    return store_fail(store, rc, diag, doing);
  }
  return MSIQ_OK;
}

int store_begin(msiq_store *store, msiq_diag *diag) {
  return store_exec(store, "BEGIN IMMEDIATE", diag, "starting a transaction");
}

/* Commits when status is MSIQ_OK, else rolls back; returns the final status. */
int store_finish(msiq_store *store, int status, msiq_diag *diag) {
  if (status == MSIQ_OK) {
    status = store_exec(store, "COMMIT", diag, "committing");
    if (status == MSIQ_OK) {
      /* Every write to the queue ends here: the one place that tells the
       * dispatcher (work arrived, a cancel) and the waiters (a job started,
       * moved on or ended) at once, after the change is durable. */
      msiq_host_doorbell_ring(store->path);
      return MSIQ_OK;
    }
  }
  if (!sqlite3_get_autocommit(store->db)) {
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
  }
  return status;
}

/* State changes: each one reads the state, decides, and writes with a
 * compare-and-set on the state it read, inside one BEGIN IMMEDIATE. */

/* Runs a compare-and-set statement and insists that it changed one row. */
int store_compare_and_set(msiq_store *store, sqlite3_stmt *statement,
                          int64_t id, msiq_diag *diag, const char *doing) {
  int status = store_run(store, statement, diag, doing);
  if (status == MSIQ_OK && sqlite3_changes(store->db) != 1) {
    status = msiq_diag_set(diag, MSIQ_ESTATE,
                           "job %lld changed state while %s; try again",
                           (long long)id, doing);
  }
  return status;
}

/* Rows. */

int store_visit_rows(msiq_store *store, sqlite3_stmt *statement,
                     store_row_visitor visit, void *context, msiq_diag *diag,
                     const char *doing) {
  int status = MSIQ_OK;
  int rc = SQLITE_DONE;
  while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
    status = visit(statement, context, diag);
  }
  if (status == MSIQ_OK && rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, doing);
  }
  store_release(store, statement);
  return status;
}
