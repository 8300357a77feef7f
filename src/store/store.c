/* store.c: the durable job queue in one SQLite file. See store.h.
 *
 * All SQL text comes from schema/ (embedded as msiq_sql_* by the build);
 * this file only prepares, binds and steps it, and translates SQLite's
 * result codes into msiq statuses at this one edge.
 */
#include "store/store_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "host/host.h"
#include "msiq_sql.h"
#include "core/timeparse.h"

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
  } else if (status == MSIQ_EREADONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
    hint = msiq_host_permission_hint();
  }
  return msiq_diag_set(diag, status, "database %s: %s (while %s)%s",
                       store->path, detail, doing, hint);
}

char *store_duplicate(const char *text) {
  size_t length = strlen(text) + 1;
  char *copy = malloc(length);
  if (copy != NULL) {
    memcpy(copy, text, length);
  }
  return copy;
}

/* Returns a cached statement for sql, reset and with its bindings cleared. */
int store_prepare(msiq_store *store, const char *sql, sqlite3_stmt **statement,
                  msiq_diag *diag) {
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
  char *copy = store_duplicate((const char *)text);
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
      return MSIQ_OK;
    }
  }
  if (!sqlite3_get_autocommit(store->db)) {
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
  }
  return status;
}

/* Opening and migrating. */

static int store_read_integer(msiq_store *store, const char *sql, int *value,
                              msiq_diag *diag, const char *doing) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *value = sqlite3_column_int(statement, 0);
  } else {
    status = store_fail(store, rc, diag, doing);
  }
  store_release(store, statement);
  return status;
}

int msiq_store_schema_version(msiq_store *store, int *version,
                              msiq_diag *diag) {
  return store_read_integer(store, msiq_sql_schema_version_get, version, diag,
                            "reading the schema version");
}

int msiq_store_latest_schema_version(void) {
  return MSIQ_SQL_MIGRATION_COUNT;
}

static int store_enable_wal(msiq_store *store, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_journal_mode_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  bool is_wal = false;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    is_wal =
        strcmp((const char *)sqlite3_column_text(statement, 0), "wal") == 0;
  } else {
    status = store_fail(store, rc, diag, "reading the journal mode");
  }
  store_release(store, statement);
  if (status != MSIQ_OK || is_wal) {
    return status;
  }
  /* Switching to WAL is persistent, so it happens once per database. It
   * needs an exclusive lock, and SQLite answers SQLITE_BUSY at once rather
   * than calling the busy handler when several processes open a new
   * database together, so wait here as the busy timeout would. */
  for (int waited_ms = 0;; waited_ms += 10) {
    status = store_exec(store, msiq_sql_journal_mode_set_wal, diag,
                        "switching to WAL mode");
    if (status != MSIQ_ELOCKED || waited_ms >= MSIQ_STORE_BUSY_TIMEOUT_MS) {
      return status;
    }
    uv_sleep(10);
  }
}

/* Fails unless PRAGMA foreign_key_check finds every reference intact. */
static int store_check_foreign_keys(msiq_store *store, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int rc = sqlite3_prepare_v2(store->db, "PRAGMA foreign_key_check", -1,
                              &statement, NULL);
  if (rc != SQLITE_OK) {
    return store_fail(store, rc, diag, "checking foreign keys");
  }
  rc = sqlite3_step(statement);
  int status = MSIQ_OK;
  if (rc == SQLITE_ROW) {
    status = msiq_diag_set(diag, MSIQ_ECORRUPT,
                           "database %s: a migration left a row of %s "
                           "referring to a missing row",
                           store->path,
                           (const char *)sqlite3_column_text(statement, 0));
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "checking foreign keys");
  }
  sqlite3_finalize(statement);
  return status;
}

/* Applies the migrations after `from` in one transaction. The version is
 * read again inside the transaction because another process may have
 * migrated the database while this one waited for the write lock.
 *
 * Foreign keys are off meanwhile, as SQLite's procedure for rebuilding a
 * table asks (0003 rebuilds the job table, which other tables refer to;
 * with them on, dropping the old table would delete its children), and
 * checked before the commit instead. The setting cannot change inside a
 * transaction, hence around it. */
static int store_migrate(msiq_store *store, msiq_diag *diag) {
  int status = store_exec(store, "PRAGMA foreign_keys = OFF", diag,
                          "preparing to migrate");
  if (status != MSIQ_OK) {
    return status;
  }
  status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    store_exec(store, "PRAGMA foreign_keys = ON", NULL, "migrating");
    return status;
  }
  int version = 0;
  status = msiq_store_schema_version(store, &version, diag);
  for (int next = version; status == MSIQ_OK && next < MSIQ_SQL_MIGRATION_COUNT;
       next++) {
    char doing[160];
    snprintf(doing, sizeof doing, "applying migration %s",
             msiq_sql_migrations[next].name);
    status = store_exec(store, msiq_sql_migrations[next].sql, diag, doing);
  }
  if (status == MSIQ_OK && version < MSIQ_SQL_MIGRATION_COUNT) {
    status = store_check_foreign_keys(store, diag);
  }
  if (status == MSIQ_OK && version < MSIQ_SQL_MIGRATION_COUNT) {
    /* PRAGMA takes no parameters, so the number is formatted in. */
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
             MSIQ_SQL_MIGRATION_COUNT);
    status = store_exec(store, pragma, diag, "recording the schema version");
  }
  status = store_finish(store, status, diag);
  int restored = store_exec(store, "PRAGMA foreign_keys = ON",
                            status == MSIQ_OK ? diag : NULL, "migrating");
  return status == MSIQ_OK ? restored : status;
}

int msiq_store_open(const char *path, int flags, msiq_store **out,
                    msiq_diag *diag) {
  int status = MSIQ_OK;
  *out = NULL;
  msiq_store *store = calloc(1, sizeof *store);
  if (store == NULL || (store->path = store_duplicate(path)) == NULL) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    goto cleanup;
  }
  bool exists = msiq_host_file_exists(path);
  if (!exists && !(flags & MSIQ_STORE_CREATE)) {
    status = msiq_diag_set(diag, MSIQ_EMISSING,
                           "database %s does not exist (enqueue a job to "
                           "create it, or pass --db)",
                           path);
    goto cleanup;
  }
  if (!exists) {
    status = msiq_host_prepare_database_directory(path, diag);
    if (status != MSIQ_OK) {
      goto cleanup;
    }
  }
  int open_flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE;
  if (flags & MSIQ_STORE_CREATE) {
    open_flags |= SQLITE_OPEN_CREATE;
  }
  int rc = sqlite3_open_v2(path, &store->db, open_flags, NULL);
  if (rc != SQLITE_OK) {
    status = store_fail(store, rc, diag, "opening");
    goto cleanup;
  }
  sqlite3_busy_timeout(store->db, MSIQ_STORE_BUSY_TIMEOUT_MS);

  /* The version check comes before anything that could write, so a
   * database from a newer msiq (or a file that is not a database at all) is
   * left exactly as it was. */
  int version = 0;
  status = msiq_store_schema_version(store, &version, diag);
  if (status != MSIQ_OK) {
    goto cleanup;
  }
  if (version > MSIQ_SQL_MIGRATION_COUNT) {
    status = msiq_diag_set(diag, MSIQ_ESCHEMA,
                           "database %s has schema version %d but this msiq "
                           "knows only up to %d: use a newer msiq",
                           path, version, MSIQ_SQL_MIGRATION_COUNT);
    goto cleanup;
  }
  status = store_enable_wal(store, diag);
  if (status == MSIQ_OK) {
    status = store_exec(store, msiq_sql_connection_configure, diag,
                        "configuring the connection");
  }
  if (status == MSIQ_OK && version < MSIQ_SQL_MIGRATION_COUNT) {
    status = store_migrate(store, diag);
  }

cleanup:
  if (status != MSIQ_OK) {
    msiq_store_close(store);
    return status;
  }
  *out = store;
  return MSIQ_OK;
}

void msiq_store_close(msiq_store *store) {
  if (store == NULL) {
    return;
  }
  for (size_t i = 0; i < store->cache_count; i++) {
    sqlite3_finalize(store->cache[i].statement);
  }
  for (size_t i = 0; i < STORE_JSON_EACH_DEPTHS; i++) {
    sqlite3_finalize(store->json_each[i]);
  }
  if (store->db != NULL) {
    sqlite3_close(store->db);
  }
  free(store->path);
  free(store);
}

int msiq_store_publish_new(msiq_store *store, const char *path,
                           msiq_store **published, msiq_diag *diag) {
  *published = NULL;
  int status = msiq_host_prepare_database_directory(path, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  unsigned char random[8];
  sqlite3_randomness(sizeof random, random);
  char temporary[4200];
  int written = snprintf(temporary, sizeof temporary,
                         "%s.new-%02x%02x%02x%02x%02x%02x%02x%02x", path,
                         random[0], random[1], random[2], random[3], random[4],
                         random[5], random[6], random[7]);
  if (written < 0 || (size_t)written >= sizeof temporary) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long: %s", path);
  }
  /* VACUUM INTO writes a compact copy with every row id, the schema and
   * PRAGMA user_version; it is far cheaper than doing the work again. */
  sqlite3_stmt *statement = NULL;
  int rc =
      sqlite3_prepare_v2(store->db, "VACUUM INTO ?1", -1, &statement, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(statement, 1, temporary, -1, SQLITE_STATIC);
    rc = sqlite3_step(statement);
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE && rc != SQLITE_OK) {
    status = msiq_diag_set(diag, MSIQ_EIO, "cannot write %s: %s", temporary,
                           sqlite3_errmsg(store->db));
  }
  /* VACUUM INTO writes a rollback-journal database. Opening the copy under
   * its temporary name switches it to WAL, and closing it checkpoints with
   * synchronous=FULL: once it takes the real name it is a finished, durable
   * database that any process can open without a lock of its own. */
  msiq_store *copy = NULL;
  if (status == MSIQ_OK) {
    status = msiq_store_open(temporary, 0, &copy, diag);
    msiq_store_close(copy);
  }
  bool existed = false;
  if (status == MSIQ_OK) {
    status = msiq_host_move_file_if_absent(temporary, path, &existed, diag);
  } else {
    msiq_host_remove_file(temporary);
  }
  if (status != MSIQ_OK || existed) {
    return status;
  }
  status = msiq_store_open(path, 0, published, diag);
  if (status != MSIQ_OK) {
    /* The jobs are in the queue; say so, or a retry would add them again. */
    char reason[sizeof diag->message];
    snprintf(reason, sizeof reason, "%s", diag != NULL ? diag->message : "");
    status = msiq_diag_set(diag, status,
                           "the jobs were stored in the new database %s, but "
                           "it could not be opened again: %s",
                           path, reason);
  }
  return status;
}

/* Small lookups used inside transactions. */

/* Runs a one-parameter query that yields an id; *found says if it did. */
int store_lookup_id(msiq_store *store, const char *sql, int64_t id_arg,
                    const char *text_arg, int64_t *id, bool *found,
                    msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (text_arg != NULL) {
    sqlite3_bind_text(statement, 1, text_arg, -1, SQLITE_STATIC);
  } else {
    sqlite3_bind_int64(statement, 1, id_arg);
  }
  *found = false;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *found = true;
    if (id != NULL) {
      *id = sqlite3_column_int64(statement, 0);
    }
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "looking up a job");
  }
  store_release(store, statement);
  return status;
}

int store_job_state(msiq_store *store, int64_t id, msiq_state *state,
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

/* Enqueue. */

/* Inserts the job's dependent rows: properties, dependencies (the resolved
 * ids, not the spec's), exit codes. */
static int store_insert_job_children(msiq_store *store,
                                     const msiq_job_spec *spec,
                                     const int64_t *after, size_t after_count,
                                     int64_t id, msiq_diag *diag) {
  int status = MSIQ_OK;
  sqlite3_stmt *statement;
  for (size_t i = 0; status == MSIQ_OK && i < spec->property_count; i++) {
    status =
        store_prepare(store, msiq_sql_job_property_insert, &statement, diag);
    if (status != MSIQ_OK) {
      break;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_int64(statement, 2, (int64_t)i);
    sqlite3_bind_text(statement, 3, spec->properties[i].name, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(statement, 4, spec->properties[i].value, -1,
                      SQLITE_STATIC);
    status = store_run(store, statement, diag, "storing a property");
  }
  for (size_t i = 0; status == MSIQ_OK && i < after_count; i++) {
    status =
        store_prepare(store, msiq_sql_job_dependency_insert, &statement, diag);
    if (status != MSIQ_OK) {
      break;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_int64(statement, 2, after[i]);
    status = store_run(store, statement, diag, "storing a dependency");
  }
  for (size_t i = 0; status == MSIQ_OK && i < spec->exit_code_rule_count; i++) {
    status =
        store_prepare(store, msiq_sql_job_exit_code_insert, &statement, diag);
    if (status != MSIQ_OK) {
      break;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_int64(statement, 2, spec->exit_code_rules[i].code);
    sqlite3_bind_text(statement, 3,
                      msiq_outcome_name(spec->exit_code_rules[i].outcome), -1,
                      SQLITE_STATIC);
    status = store_run(store, statement, diag, "storing an exit-code rule");
  }
  return status;
}

/* Fills after (room for the spec's ids and keys) with the ids the job waits
 * for: the spec's ids, then each after-key's newest job, and checks that
 * every one names a job. Runs inside the enqueue transaction, so a key may
 * name a job stored earlier in the same import. */
static int store_resolve_dependencies(msiq_store *store,
                                      const msiq_job_spec *spec, int64_t *after,
                                      size_t *after_count, msiq_diag *diag) {
  int status = MSIQ_OK;
  size_t count = 0;
  for (size_t i = 0; i < spec->after_count; i++) {
    after[count++] = spec->after[i];
  }
  for (size_t i = 0; status == MSIQ_OK && i < spec->after_key_count; i++) {
    bool found = false;
    status = store_lookup_id(store, msiq_sql_job_find_latest_by_key, 0,
                             spec->after_keys[i], &after[count], &found, diag);
    if (status == MSIQ_OK && !found) {
      status = msiq_diag_set(diag, MSIQ_EINVAL,
                             "after key '%s': no job has that key",
                             spec->after_keys[i]);
    }
    if (status == MSIQ_OK) {
      count++;
    }
  }
  for (size_t i = 0; status == MSIQ_OK && i < count; i++) {
    bool found = false;
    status = store_lookup_id(store, msiq_sql_job_exists, after[i], NULL, NULL,
                             &found, diag);
    if (status == MSIQ_OK && !found) {
      status = msiq_diag_set(diag, MSIQ_EINVAL, "--after %lld: no such job",
                             (long long)after[i]);
    }
  }
  *after_count = count;
  return status;
}

/* Inserts the job row and its children; after holds the resolved
 * dependencies. */
static int store_insert_job_rows(msiq_store *store, const msiq_job_spec *spec,
                                 const int64_t *after, size_t after_count,
                                 int64_t now, int64_t *id, msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_insert, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_text(statement, 1, msiq_action_name(spec->action), -1,
                    SQLITE_STATIC);
  sqlite3_bind_text(statement, 2, spec->target, -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 3, spec->priority);
  store_bind_optional_time(statement, 4, spec->not_before);
  store_bind_optional_time(statement, 5, spec->deadline);
  sqlite3_bind_int64(statement, 6, spec->max_attempts);
  sqlite3_bind_int64(statement, 7, spec->timeout_ms);
  store_bind_optional_text(statement, 8, spec->key);
  store_bind_optional_text(statement, 9, spec->log_path);
  sqlite3_bind_int64(statement, 10, now);
  status = store_run(store, statement, diag, "storing the job");
  if (status != MSIQ_OK) {
    return status;
  }
  *id = sqlite3_last_insert_rowid(store->db);
  return store_insert_job_children(store, spec, after, after_count, *id, diag);
}

/* The body of an enqueue, inside a transaction the caller owns. The order
 * is what users see: the idempotency key first (it answers its unfinished
 * job whatever else), then the admission's refusal, then the
 * dependencies. */
int store_insert_job(msiq_store *store, const msiq_admission *admission,
                     int64_t now, int64_t *id, bool *existing,
                     msiq_diag *diag) {
  const msiq_job_spec *spec = admission->spec;
  *existing = false;
  int status = MSIQ_OK;
  int64_t *after = NULL;
  size_t after_count = spec->after_count + spec->after_key_count;
  if (spec->key != NULL) {
    bool found = false;
    status = store_lookup_id(store, msiq_sql_job_find_unfinished_by_key, 0,
                             spec->key, id, &found, diag);
    if (status != MSIQ_OK || found) {
      *existing = found;
      goto cleanup;
    }
  }
  if (admission->refusal != MSIQ_OK) {
    status = msiq_diag_set(diag, admission->refusal, "%s",
                           admission->refusal_diag.message);
    goto cleanup;
  }
  if (after_count > 0) {
    after = malloc(after_count * sizeof *after);
    if (after == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      goto cleanup;
    }
  }
  status = store_resolve_dependencies(store, spec, after, &after_count, diag);
  if (status == MSIQ_OK) {
    status =
        store_insert_job_rows(store, spec, after, after_count, now, id, diag);
  }

cleanup:
  free(after);
  return status;
}

int msiq_store_enqueue(msiq_store *store, const msiq_admission *admission,
                       int64_t *id, bool *existing, msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status == MSIQ_OK) {
    status = store_insert_job(store, admission, msiq_host_now_ms(), id,
                              existing, diag);
    status = store_finish(store, status, diag);
  }
  return status;
}

/* Reading jobs. */

/* Reads the columns of job_get.sql / job_list.sql into job. */
int store_read_job_row(sqlite3_stmt *statement, msiq_job *job) {
  bool failed = false;
  job->id = sqlite3_column_int64(statement, 0);
  msiq_state_parse((const char *)sqlite3_column_text(statement, 1),
                   &job->state);
  msiq_action_parse((const char *)sqlite3_column_text(statement, 2),
                    &job->action);
  job->target = store_column_optional_text(statement, 3, &failed);
  job->priority = sqlite3_column_int64(statement, 4);
  job->not_before = store_column_optional_time(statement, 5);
  job->deadline = store_column_optional_time(statement, 6);
  job->max_attempts = sqlite3_column_int64(statement, 7);
  job->timeout_ms = sqlite3_column_int64(statement, 8);
  job->key = store_column_optional_text(statement, 9, &failed);
  job->log_path = store_column_optional_text(statement, 10, &failed);
  job->attempts = sqlite3_column_int64(statement, 11);
  job->has_exit_code = sqlite3_column_type(statement, 12) != SQLITE_NULL;
  job->exit_code = sqlite3_column_int64(statement, 12);
  job->reboot_required = sqlite3_column_int(statement, 13) != 0;
  job->last_error = store_column_optional_text(statement, 14, &failed);
  job->created_at = sqlite3_column_int64(statement, 15);
  job->started_at = store_column_optional_time(statement, 16);
  job->finished_at = store_column_optional_time(statement, 17);
  job->retry_at = store_column_optional_time(statement, 18);
  job->cancel_requested = sqlite3_column_int(statement, 19) != 0;
  return failed ? MSIQ_ENOMEM : MSIQ_OK;
}

static int store_read_job_children(msiq_store *store, msiq_job *job,
                                   msiq_diag *diag) {
  sqlite3_stmt *statement;
  int rc = SQLITE_DONE;
  int status =
      store_prepare(store, msiq_sql_job_properties_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, job->id);
  while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
    msiq_property *grown = realloc(
        job->properties, (job->property_count + 1) * sizeof *job->properties);
    if (grown == NULL) {
      status = MSIQ_ENOMEM;
      break;
    }
    job->properties = grown;
    bool failed = false;
    grown[job->property_count].name =
        store_column_optional_text(statement, 0, &failed);
    grown[job->property_count].value =
        store_column_optional_text(statement, 1, &failed);
    job->property_count++;
    if (failed) {
      status = MSIQ_ENOMEM;
    }
  }
  store_release(store, statement);

  if (status == MSIQ_OK) {
    status =
        store_prepare(store, msiq_sql_job_dependencies_get, &statement, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    sqlite3_bind_int64(statement, 1, job->id);
    while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
      int64_t *grown =
          realloc(job->after, (job->after_count + 1) * sizeof *job->after);
      if (grown == NULL) {
        status = MSIQ_ENOMEM;
        break;
      }
      job->after = grown;
      job->after[job->after_count++] = sqlite3_column_int64(statement, 0);
    }
    store_release(store, statement);
  }

  if (status == MSIQ_OK) {
    status =
        store_prepare(store, msiq_sql_job_exit_codes_get, &statement, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    sqlite3_bind_int64(statement, 1, job->id);
    while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
      msiq_exit_code_rule *grown =
          realloc(job->exit_code_rules, (job->exit_code_rule_count + 1) *
                                            sizeof *job->exit_code_rules);
      if (grown == NULL) {
        status = MSIQ_ENOMEM;
        break;
      }
      job->exit_code_rules = grown;
      grown[job->exit_code_rule_count].code =
          sqlite3_column_int64(statement, 0);
      msiq_outcome_parse((const char *)sqlite3_column_text(statement, 1),
                         &grown[job->exit_code_rule_count].outcome);
      job->exit_code_rule_count++;
    }
    store_release(store, statement);
  }
  if (status == MSIQ_ENOMEM) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  if (status == MSIQ_OK && rc != SQLITE_DONE) {
    return store_fail(store, rc, diag, "reading a job");
  }
  return status;
}

int msiq_store_get_job(msiq_store *store, int64_t id, msiq_job *job,
                       msiq_diag *diag) {
  msiq_job_init(job);
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    status = store_read_job_row(statement, job);
    if (status != MSIQ_OK) {
      status = msiq_diag_set(diag, status, "out of memory");
    }
  } else if (rc == SQLITE_DONE) {
    status = msiq_diag_set(diag, MSIQ_ENOT_FOUND, "no job with id %lld",
                           (long long)id);
  } else {
    status = store_fail(store, rc, diag, "reading a job");
  }
  store_release(store, statement);
  if (status == MSIQ_OK) {
    status = store_read_job_children(store, job, diag);
  }
  if (status != MSIQ_OK) {
    msiq_job_cleanup(job);
  }
  return status;
}

int msiq_store_get_attempts(msiq_store *store, int64_t job_id,
                            msiq_attempt **attempts, size_t *count,
                            msiq_diag *diag) {
  *attempts = NULL;
  *count = 0;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_job_attempts_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, job_id);
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    msiq_attempt *grown = realloc(*attempts, (*count + 1) * sizeof *grown);
    if (grown == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      break;
    }
    *attempts = grown;
    msiq_attempt *attempt = &grown[*count];
    bool failed = false;
    memset(attempt, 0, sizeof *attempt);
    attempt->number = sqlite3_column_int64(statement, 0);
    attempt->started_at = sqlite3_column_int64(statement, 1);
    attempt->finished_at = store_column_optional_time(statement, 2);
    attempt->has_exit_code = sqlite3_column_type(statement, 3) != SQLITE_NULL;
    attempt->exit_code = sqlite3_column_int64(statement, 3);
    const unsigned char *outcome = sqlite3_column_text(statement, 4);
    snprintf(attempt->outcome, sizeof attempt->outcome, "%s",
             outcome != NULL ? (const char *)outcome : "");
    attempt->message = store_column_optional_text(statement, 5, &failed);
    (*count)++;
    if (failed) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
      break;
    }
  }
  if (status == MSIQ_OK && rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "reading the attempt history");
  }
  store_release(store, statement);
  if (status != MSIQ_OK) {
    msiq_attempts_free(*attempts, *count);
    *attempts = NULL;
    *count = 0;
  }
  return status;
}

void msiq_attempts_free(msiq_attempt *attempts, size_t count) {
  for (size_t i = 0; i < count; i++) {
    free(attempts[i].message);
  }
  free(attempts);
}

static void store_bind_state_filter(sqlite3_stmt *statement, int state_filter) {
  if (state_filter < 0) {
    sqlite3_bind_null(statement, 1);
  } else {
    sqlite3_bind_text(statement, 1, msiq_state_name((msiq_state)state_filter),
                      -1, SQLITE_STATIC);
  }
}

/* Steps a statement with job_get.sql's columns, calling visit for each job
 * (cleaned up after the call), and releases it. */
static int store_visit_job_rows(msiq_store *store, sqlite3_stmt *statement,
                                msiq_job_visitor visit, void *context,
                                msiq_diag *diag, const char *doing) {
  int status = MSIQ_OK;
  int rc = SQLITE_DONE;
  while (status == MSIQ_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
    msiq_job job;
    msiq_job_init(&job);
    status = store_read_job_row(statement, &job);
    if (status == MSIQ_OK) {
      status = visit(&job, context);
    } else {
      status = msiq_diag_set(diag, status, "out of memory");
    }
    msiq_job_cleanup(&job);
  }
  if (status == MSIQ_OK && rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, doing);
  }
  store_release(store, statement);
  return status;
}

int msiq_store_list_jobs(msiq_store *store, int state_filter,
                         msiq_job_visitor visit, void *context,
                         msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_list, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  store_bind_state_filter(statement, state_filter);
  return store_visit_job_rows(store, statement, visit, context, diag,
                              "listing jobs");
}

/* Runs a query whose single row holds one JSON text, and copies it out. */
static int store_read_json(msiq_store *store, sqlite3_stmt *statement,
                           int64_t id, char **json, msiq_diag *diag) {
  int status = MSIQ_OK;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
    *json = store_duplicate((const char *)sqlite3_column_text(statement, 0));
    if (*json == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    status = msiq_diag_set(diag, MSIQ_ENOT_FOUND, "no job with id %lld",
                           (long long)id);
  } else {
    status = store_fail(store, rc, diag, "writing JSON");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_job_json(msiq_store *store, int64_t id, bool with_history,
                        char **json, msiq_diag *diag) {
  *json = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_json_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, id);
  sqlite3_bind_int(statement, 2, with_history ? 1 : 0);
  return store_read_json(store, statement, id, json, diag);
}

/* Runs a report query with up to three text parameters (NULL: unbound)
 * and copies out its single JSON value. */
static int store_report_json(msiq_store *store, const char *sql,
                             const char *const *parameters, int count,
                             char **json, msiq_diag *diag) {
  *json = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, sql, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  for (int i = 0; i < count; i++) {
    store_bind_optional_text(statement, i + 1, parameters[i]);
  }
  return store_read_json(store, statement, 0, json, diag);
}

int msiq_store_status_json(msiq_store *store, const msiq_status_facts *facts,
                           char **json, msiq_diag *diag) {
  const char *parameters[] = {
      facts->dispatcher_running ? "1" : "0",
      facts->mutex_state,
      facts->service_state,
      facts->gate_open ? "1" : "0",
      facts->reboot_pending_reason,
      facts->window_opens_at,
  };
  return store_report_json(store, msiq_sql_status_json, parameters, 6, json,
                           diag);
}

int msiq_store_queue_json(msiq_store *store, char **json, msiq_diag *diag) {
  return store_report_json(store, msiq_sql_queue_json, NULL, 0, json, diag);
}

int msiq_store_doctor_json(msiq_store *store, const char *quick_check,
                           char **json, msiq_diag *diag) {
  char latest[16];
  snprintf(latest, sizeof latest, "%d", MSIQ_SQL_MIGRATION_COUNT);
  const char *parameters[] = {quick_check, latest};
  return store_report_json(store, msiq_sql_doctor_json, parameters, 2, json,
                           diag);
}

int msiq_store_report_json(msiq_store *store, int64_t since, char **json,
                           msiq_diag *diag) {
  *json = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_report_json, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, since);
  return store_read_json(store, statement, 0, json, diag);
}

int msiq_store_list_finished(msiq_store *store, int64_t since,
                             msiq_job_visitor visit, void *context,
                             msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_report_finished, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, since);
  return store_visit_job_rows(store, statement, visit, context, diag,
                              "reading the report");
}

int msiq_store_list_json(msiq_store *store, int state_filter, char **json,
                         msiq_diag *diag) {
  *json = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_job_list_json, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  store_bind_state_filter(statement, state_filter);
  return store_read_json(store, statement, 0, json, diag);
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

const char *msiq_store_path(const msiq_store *store) {
  return store->path;
}

int msiq_store_queue_status(msiq_store *store, msiq_queue_status *queue,
                            msiq_diag *diag) {
  memset(queue, 0, sizeof *queue);
  queue->paused_at = MSIQ_TIME_UNSET;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_queue_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    queue->paused = sqlite3_column_int(statement, 0) != 0;
    const unsigned char *reason = sqlite3_column_text(statement, 1);
    snprintf(queue->pause_reason, sizeof queue->pause_reason, "%s",
             reason != NULL ? (const char *)reason : "");
    queue->paused_at = store_column_optional_time(statement, 2);
    queue->reboot_initiated = sqlite3_column_int(statement, 3) != 0;
    const unsigned char *window = sqlite3_column_text(statement, 4);
    snprintf(queue->maintenance_window, sizeof queue->maintenance_window, "%s",
             window != NULL ? (const char *)window : "");
    queue->paused_boot_time = store_column_optional_time(statement, 5);
    queue->hold_on_pending_reboot = sqlite3_column_int(statement, 6) != 0;
  } else {
    status = store_fail(store, rc, diag, "reading the queue state");
  }
  store_release(store, statement);
  return status;
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

int msiq_store_count_by_state(msiq_store *store,
                              int64_t counts[MSIQ_STATE_COUNT],
                              msiq_diag *diag) {
  memset(counts, 0, sizeof(int64_t) * MSIQ_STATE_COUNT);
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_job_count_by_state, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    msiq_state state;
    if (msiq_state_parse((const char *)sqlite3_column_text(statement, 0),
                         &state) == MSIQ_OK) {
      counts[state] = sqlite3_column_int64(statement, 1);
    }
  }
  if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "counting jobs");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_quick_check(msiq_store *store, char *problem, size_t size,
                           msiq_diag *diag) {
  problem[0] = '\0';
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_database_quick_check, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    const char *result = (const char *)sqlite3_column_text(statement, 0);
    if (result == NULL || strcmp(result, "ok") != 0) {
      snprintf(problem, size, "%s", result != NULL ? result : "unknown");
      /* quick_check's report spans lines; keep it on one. */
      for (char *cursor = problem; *cursor != '\0'; cursor++) {
        if (*cursor == '\n' || *cursor == '\r') {
          *cursor = ' ';
        }
      }
    }
  } else {
    status = store_fail(store, rc, diag, "checking the database");
  }
  store_release(store, statement);
  return status;
}
