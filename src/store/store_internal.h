/* store_internal.h: what the store's source files share (store.c, the
 * import reader store_import.c and the dispatcher's queries in
 * store_dispatch.c). Not for use outside the store. */
#ifndef MSIQ_STORE_INTERNAL_H
#define MSIQ_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/store.h"

/* Prepared statements are kept for the connection's lifetime: the
 * dispatcher runs the same few queries thousands of times. The cache is
 * keyed by the address of the embedded SQL text. */
#define STORE_STATEMENT_CACHE_SIZE 48

typedef struct store_cached_statement {
  const char *sql;
  sqlite3_stmt *statement;
} store_cached_statement;

/* json_each is re-entered for nested documents (an import item inside the
 * manifest array, its properties inside the item), so one statement cannot
 * serve every level at once: each nesting depth keeps its own. */
#define STORE_JSON_EACH_DEPTHS 4

struct msiq_store {
  sqlite3 *db;
  char *path;
  store_cached_statement cache[STORE_STATEMENT_CACHE_SIZE];
  size_t cache_count;
  sqlite3_stmt *json_each[STORE_JSON_EACH_DEPTHS];
  /* How many store_json_each calls are under way (the next one's depth). */
  size_t json_each_depth;
};

/* Translates a SQLite result code into a status and fills diag with
 * "database PATH: <what SQLite said> (while <doing>)". */
int store_fail(msiq_store *store, int rc, msiq_diag *diag, const char *doing);
/* strdup, which C11 lacks. */
char *store_duplicate(const char *text);
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
/* Runs a one-parameter query (text_arg, or id_arg when text_arg is NULL)
 * that yields an id; *found says if it did. */
int store_lookup_id(msiq_store *store, const char *sql, int64_t id_arg,
                    const char *text_arg, int64_t *id, bool *found,
                    msiq_diag *diag);
/* The state of job id, or MSIQ_ENOT_FOUND. */
int store_job_state(msiq_store *store, int64_t id, msiq_state *state,
                    msiq_diag *diag);
/* The body of an enqueue, inside a transaction the caller owns. */
int store_insert_job(msiq_store *store, const msiq_admission *admission,
                     int64_t now, int64_t *id, bool *existing, msiq_diag *diag);
/* Runs a compare-and-set statement and insists that it changed one row
 * (else MSIQ_ESTATE). */
int store_compare_and_set(msiq_store *store, sqlite3_stmt *statement,
                          int64_t id, msiq_diag *diag, const char *doing);
/* Reads the columns of job_get.sql / job_list.sql into job. */
int store_read_job_row(sqlite3_stmt *statement, msiq_job *job);

#endif /* MSIQ_STORE_INTERNAL_H */
