/* store_internal.h: what the store's source files share. Not for use
 * outside the store (white-box tests and fuzzers excepted).
 *
 *   store_sql.c       SQLite status translation, statements, transactions,
 *                     compare-and-set, the row-visiting loop
 *   store_open.c      open, migrate, publish a rehearsal, close
 *   store_enqueue.c   store an admitted job (key, dependencies, rows)
 *   store_import.c    import manifests through json_tree
 *   store_control.c   cancel, retry, pause, resume, purge
 *   store_report.c    reads, lists, counts, status and the JSON reports
 *   store_dispatch.c  the dispatcher's queries (store_dispatch.h)
 */
#ifndef MSIQ_STORE_INTERNAL_H
#define MSIQ_STORE_INTERNAL_H

#include <sqlite3.h>

#include "core/text.h"
#include "store/store.h"
#include "store/store_dispatch.h"

/* Prepared statements are kept for the connection's lifetime: the
 * dispatcher runs the same few queries thousands of times. The cache is
 * keyed by the address of the embedded SQL text. */
#define STORE_STATEMENT_CACHE_SIZE 48

typedef struct store_cached_statement {
  const char *sql;
  sqlite3_stmt *statement;
} store_cached_statement;

struct msiq_store {
  sqlite3 *db;
  char *path;
  store_cached_statement cache[STORE_STATEMENT_CACHE_SIZE];
  size_t cache_count;
  /* This connection committed to the WAL (store_open.c: only then does its
   * close leave the WAL in place). */
  bool wrote_wal;
};

/* SQL helpers (store_sql.c). */

/* Translates a SQLite result code into a status and fills diag with
 * "database PATH: <what SQLite said> (while <doing>)". */
int store_fail(msiq_store *store, int rc, msiq_diag *diag, const char *doing);
/* Returns a cached statement for sql, reset and with its bindings cleared. */
int store_prepare(msiq_store *store, const char *sql, sqlite3_stmt **statement,
                  msiq_diag *diag);
/* Gives a statement back after use (resets a cached one). */
void store_release(msiq_store *store, sqlite3_stmt *statement);
/* Steps a statement to completion, ignoring rows, and releases it. */
int store_run(msiq_store *store, sqlite3_stmt *statement, msiq_diag *diag,
              const char *doing);
void store_bind_optional_time(sqlite3_stmt *statement, int index,
                              int64_t value);
void store_bind_optional_text(sqlite3_stmt *statement, int index,
                              const char *text);
/* Binds a progress report to the three parameters from `first` on
 * (percent, action, when received): NULL for a percentage of -1 or an
 * action of NULL, and all three NULL when progress is NULL. */
void store_bind_progress(sqlite3_stmt *statement, int first,
                         const msiq_job_progress *progress);
int64_t store_column_optional_time(sqlite3_stmt *statement, int index);
/* A copy of a text column, or NULL for NULL; sets *failed when out of
 * memory. */
char *store_column_optional_text(sqlite3_stmt *statement, int index,
                                 bool *failed);
int store_exec(msiq_store *store, const char *sql, msiq_diag *diag,
               const char *doing);
/* BEGIN IMMEDIATE. */
int store_begin(msiq_store *store, msiq_diag *diag);
/* Commits when status is MSIQ_OK, else rolls back; returns the final
 * status. */
int store_finish(msiq_store *store, int status, msiq_diag *diag);
/* Runs a compare-and-set statement and insists that it changed one row
 * (else MSIQ_ESTATE). */
int store_compare_and_set(msiq_store *store, sqlite3_stmt *statement,
                          int64_t id, msiq_diag *diag, const char *doing);

/* Called by store_visit_rows for each row of a statement; a status other
 * than MSIQ_OK (with diag filled) stops the loop. */
typedef int (*store_row_visitor)(sqlite3_stmt *statement, void *context,
                                 msiq_diag *diag);
/* Steps statement through its rows, calling visit for each, then releases
 * it. Returns the first failure: the visitor's, or SQLite's (while
 * `doing`). */
int store_visit_rows(msiq_store *store, sqlite3_stmt *statement,
                     store_row_visitor visit, void *context, msiq_diag *diag,
                     const char *doing);

/* Enqueue (store_enqueue.c). */

/* The body of an enqueue, inside a transaction the caller owns. */
int store_insert_job(msiq_store *store, const msiq_admission *admission,
                     int64_t now, int64_t *id, bool *existing, msiq_diag *diag);

/* The job row (store_report.c). */

/* The result columns of schema/queries/job_get.sql, in order, with the
 * names the SELECT gives them. job_list.sql and report_finished.sql select
 * the same columns: all three SELECTs must match this list, which
 * tests/test_store.c checks against each prepared statement. */
#define STORE_JOB_COLUMN_MAP(XX)                                               \
  XX(ID, "id")                                                                 \
  XX(STATE, "state")                                                           \
  XX(ACTION, "action")                                                         \
  XX(TARGET, "target")                                                         \
  XX(PRIORITY, "priority")                                                     \
  XX(NOT_BEFORE, "not_before")                                                 \
  XX(DEADLINE, "deadline")                                                     \
  XX(MAX_ATTEMPTS, "max_attempts")                                             \
  XX(TIMEOUT_MS, "timeout_ms")                                                 \
  XX(KEY, "idempotency_key")                                                   \
  XX(LOG_PATH, "log_path")                                                     \
  XX(ATTEMPTS, "attempts")                                                     \
  XX(EXIT_CODE, "exit_code")                                                   \
  XX(REBOOT_REQUIRED, "reboot_required")                                       \
  XX(LAST_ERROR, "last_error")                                                 \
  XX(CREATED_AT, "created_at")                                                 \
  XX(STARTED_AT, "started_at")                                                 \
  XX(FINISHED_AT, "finished_at")                                               \
  XX(RETRY_AT, "retry_at")                                                     \
  XX(CANCEL_REQUESTED, "cancel_requested")                                     \
  XX(PACKAGE_SHA256, "package_sha256")                                         \
  XX(PACKAGE_SOURCE, "package_source")                                         \
  XX(PACKAGE_KIND, "package_kind")                                             \
  XX(PRODUCT_CODE, "product_code")                                             \
  XX(PRODUCT_NAME, "product_name")                                             \
  XX(PRODUCT_VERSION, "product_version")                                       \
  XX(MANUFACTURER, "manufacturer")                                             \
  XX(UPGRADE_CODE, "upgrade_code")                                             \
  XX(ALL_USERS, "all_users")                                                   \
  XX(INSTALL_PER_USER, "install_per_user")                                     \
  XX(PACKAGE_PLATFORM, "package_platform")                                     \
  XX(PACKAGE_LANGUAGES, "package_languages")                                   \
  XX(PATCH_CODE, "patch_code")                                                 \
  XX(PATCH_TARGETS, "patch_targets")                                           \
  XX(PACKAGE_DISPLAY_NAME, "package_display_name")                             \
  XX(LOG_MODE, "log_mode")                                                     \
  XX(RELATED, "related")

enum store_job_column {
#define STORE_JOB_COLUMN_ENUM(name, text) STORE_JOB_COLUMN_##name,
  STORE_JOB_COLUMN_MAP(STORE_JOB_COLUMN_ENUM)
#undef STORE_JOB_COLUMN_ENUM
      STORE_JOB_COLUMN_COUNT
};

/* Reads the job row columns (enum store_job_column) of statement's current
 * row into job; MSIQ_ENOMEM if a text could not be copied. */
int store_read_job_row(sqlite3_stmt *statement, msiq_job *job);

#endif /* MSIQ_STORE_INTERNAL_H */
