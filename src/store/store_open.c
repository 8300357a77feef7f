/* store_open.c: opening a queue, migrating its schema, and publishing an
 * in-memory rehearsal as a new database file. See store.h.
 */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <uv.h>

#include "host/host.h"
#include "msiq_sql.h"

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
    if (status != MSIQ_ELOCKED ||
        waited_ms >= msiq_host_busy_timeout_ms(MSIQ_STORE_BUSY_TIMEOUT_MS)) {
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

/* Temporary copies (msiq_store_publish_new). */

/* DATABASE.new- and this many hexadecimal digits. */
#define STORE_TEMPORARY_DIGITS 16

/* The files a killed import can leave for one temporary copy: the copy and
 * the files SQLite keeps beside it while it is open. */
static const char *const store_temporary_suffixes[] = {"", "-wal", "-shm",
                                                       "-journal"};

typedef struct store_sweep {
  const char *directory; /* with its separator, or "" */
  const char *base;      /* the database's file name */
  size_t base_length;
} store_sweep;

/* Length of the copy's own name within `name` (DATABASE.new-HEX), or 0
 * when name is not one of a copy's files. */
static size_t store_temporary_stem_length(const store_sweep *sweep,
                                          const char *name) {
  static const char marker[] = ".new-";
  size_t length = sweep->base_length;
  if (strncmp(name, sweep->base, length) != 0 ||
      strncmp(name + length, marker, sizeof marker - 1) != 0) {
    return 0;
  }
  length += sizeof marker - 1;
  for (size_t i = 0; i < STORE_TEMPORARY_DIGITS; i++, length++) {
    if (strchr("0123456789abcdef", name[length]) == NULL ||
        name[length] == '\0') {
      return 0;
    }
  }
  for (size_t i = 0;
       i < sizeof store_temporary_suffixes / sizeof store_temporary_suffixes[0];
       i++) {
    if (strcmp(name + length, store_temporary_suffixes[i]) == 0) {
      return length;
    }
  }
  return 0;
}

/* For each temporary copy found: removes it unless its creator is alive
 * (its claim is held), and then the files SQLite kept beside it. */
static void store_sweep_visit(void *context, const char *name) {
  const store_sweep *sweep = context;
  size_t stem = store_temporary_stem_length(sweep, name);
  if (stem == 0) {
    return;
  }
  char path[4200];
  int written =
      snprintf(path, sizeof path, "%s%.*s", sweep->directory, (int)stem, name);
  if (written < 0 || (size_t)written >= sizeof path) {
    return;
  }
  /* A copy that is already gone (or just went) had no live creator either:
   * its creator removes its own files before it lets the copy go. */
  if (!msiq_host_remove_unclaimed(path) && msiq_host_file_exists(path)) {
    return;
  }
  size_t length = (size_t)written;
  for (size_t i = 1;
       i < sizeof store_temporary_suffixes / sizeof store_temporary_suffixes[0];
       i++) {
    snprintf(path + length, sizeof path - length, "%s",
             store_temporary_suffixes[i]);
    msiq_host_remove_file(path);
  }
}

/* Removes what a killed import left beside the database at path. Best
 * effort: a file that cannot be removed is left for the next open. */
static void store_sweep_temporaries(const char *path) {
  char separator = '/';
  size_t directory_length = msiq_path_directory_length(path, &separator);
  char directory[4096];
  /* The directory with its separator (/srv/q/, C:\ProgramData\msiq\), for
   * listing and joining. */
  bool has_directory = directory_length > 0 || path[0] == separator;
  size_t joined = has_directory ? directory_length + 1 : 0;
  if (joined >= sizeof directory) {
    return;
  }
  memcpy(directory, path, joined);
  directory[joined] = '\0';
  store_sweep sweep = {
      .directory = directory,
      .base = path + joined,
      .base_length = strlen(path + joined),
  };
  msiq_host_list_directory(has_directory ? directory : ".", store_sweep_visit,
                           &sweep, NULL);
}

/* Opening. */

/* SQLite's process-wide settings, made once before its first use. Each
 * msiq_store is used by one thread at a time (store.h), so SQLite need not
 * lock a connection or a statement around every call (multi-thread mode),
 * and nothing reads SQLite's memory statistics, whose upkeep takes a global
 * mutex on every allocation. Together they made an import of 100,000 jobs
 * take about 0.72 times as long. sqlite3_config() refuses once SQLite is
 * initialised (a test that registered a VFS first): it then keeps its
 * defaults, which are correct, only slower. */
static uv_once_t store_library_once = UV_ONCE_INIT;

static void store_configure_library(void) {
  sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The WAL across connections.
 *
 * By default the last connection to close a database checkpoints the WAL
 * into the database file and deletes it, and the next connection creates it
 * again: a lone `msiq enqueue` paid five fdatasync for that (the commit, the
 * directory of the new WAL, the checkpoint's WAL and database file, and the
 * WAL header of the next one). Here the WAL stays (SQLITE_FCNTL_PERSIST_WAL)
 * and closing does not checkpoint (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE), so an
 * enqueue syncs the WAL at its commit and the WAL's directory once: two.
 *
 * Durability does not change: a commit is on disk when the WAL's fdatasync
 * returns (synchronous=FULL), wherever its pages are later copied; after a
 * power loss the next open replays the WAL as it would a crashed
 * dispatcher's. The -wal and -shm files that stay are the queue's files as
 * before and are judged by msiq_host_check_private whenever they exist.
 *
 * What closing no longer does, the commit that grows the WAL past
 * STORE_WAL_TRUNCATE_FRAMES does instead (store_on_wal_commit, in place of
 * SQLite's automatic checkpoint): it copies the WAL into the database file
 * and truncates it. SQLite's own automatic checkpoint would not do: a new
 * connection's recovery marks every frame as not yet copied, so with no
 * connection staying open each process would copy the whole WAL again and
 * the WAL would never start over.
 *
 * A connection that committed nothing (a read, a command that failed or
 * was refused) closes as SQLite closes any database: the last one copies
 * what the WAL holds into the file and deletes the WAL and -shm, so that a
 * command that changed nothing leaves the files as it found them. */
#define STORE_WAL_TRUNCATE_FRAMES 1000

static int store_on_wal_commit(void *context, sqlite3 *db, const char *name,
                               int frames) {
  msiq_store *store = context;
  store->wrote_wal = true;
  if (frames < STORE_WAL_TRUNCATE_FRAMES) {
    return SQLITE_OK;
  }
  /* Without a busy handler the checkpoint never waits: a reader still on
   * the WAL (a long `list`) or another writer makes it copy what it can and
   * leave the truncation to a later commit. The commit itself is done; a
   * checkpoint that fails leaves the WAL as it was. */
  sqlite3_busy_timeout(db, 0);
  sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  sqlite3_busy_timeout(db,
                       msiq_host_busy_timeout_ms(MSIQ_STORE_BUSY_TIMEOUT_MS));
  return SQLITE_OK;
}

/* The settings above, for a connection just opened. */
static void store_keep_wal(msiq_store *store) {
  int persist = 1;
  sqlite3_file_control(store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_wal_hook(store->db, store_on_wal_commit, store);
}

/* Undoes store_keep_wal: closing the connection, the last one, copies the
 * WAL into the database file and deletes the WAL and -shm. For a
 * connection that committed nothing, and for a file that is about to be
 * renamed (msiq_store_publish_new), whose WAL would not follow it. */
static void store_release_wal_at_close(msiq_store *store) {
  int persist = 0;
  sqlite3_file_control(store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_db_config(store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
}

/* Opens store->db on store->path as msiq_store_open() says. */
static int store_connect(msiq_store *store, int flags, msiq_diag *diag) {
  const char *path = store->path;
  if (flags & MSIQ_STORE_PRIVATE) {
    /* Before anything is created, opened or migrated: a queue others can
     * change must not even be upgraded by the dispatcher's rights. */
    int status = msiq_host_check_private(path, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  bool exists = msiq_host_file_exists(path);
  if (!exists && !(flags & MSIQ_STORE_CREATE)) {
    return msiq_diag_set(diag, MSIQ_EMISSING,
                         "database %s does not exist (enqueue a job to "
                         "create it, or pass --db)",
                         path);
  }
  if (!exists) {
    int status = msiq_host_prepare_database_directory(path, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  uv_once(&store_library_once, store_configure_library);
  /* NOMUTEX: one thread at a time per connection, as above. */
  int open_flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (flags & MSIQ_STORE_CREATE) {
    open_flags |= SQLITE_OPEN_CREATE;
  }
  int rc = sqlite3_open_v2(path, &store->db, open_flags, NULL);
  if (rc != SQLITE_OK) {
    return store_fail(store, rc, diag, "opening");
  }
  sqlite3_busy_timeout(store->db,
                       msiq_host_busy_timeout_ms(MSIQ_STORE_BUSY_TIMEOUT_MS));

  /* The version check comes before anything that could write, so a
   * database from a newer msiq (or a file that is not a database at all) is
   * left exactly as it was. */
  int version = 0;
  int status = msiq_store_schema_version(store, &version, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  if (version > MSIQ_SQL_MIGRATION_COUNT) {
    return msiq_diag_set(diag, MSIQ_ESCHEMA,
                         "database %s has schema version %d but this msiq "
                         "knows only up to %d: use a newer msiq",
                         path, version, MSIQ_SQL_MIGRATION_COUNT);
  }
  status = store_enable_wal(store, diag);
  if (status == MSIQ_OK) {
    status = store_exec(store, msiq_sql_connection_configure, diag,
                        "configuring the connection");
  }
  if (status == MSIQ_OK && version < MSIQ_SQL_MIGRATION_COUNT) {
    status = store_migrate(store, diag);
    /* A new or upgraded schema is most of a small database: it goes into
     * the file now, not into the WAL that stays (store_keep_wal). */
    if (status == MSIQ_OK) {
      status = store_exec(store, msiq_sql_wal_checkpoint_truncate, diag,
                          "copying the new schema into the file");
    }
  }
  if (status == MSIQ_OK && strcmp(path, ":memory:") != 0) {
    store_sweep_temporaries(path);
  }
  /* Only a queue that opened: one refused (a newer schema, not a database)
   * is closed as SQLite closes any database, its WAL and -shm deleted, so
   * that it is left as it was found. */
  if (status == MSIQ_OK) {
    store_keep_wal(store);
  }
  return status;
}

/* Closes the connection and forgets its statements. */
static void store_disconnect(msiq_store *store) {
  if (store->db != NULL && !store->wrote_wal) {
    store_release_wal_at_close(store);
  }
  store->wrote_wal = false;
  for (size_t i = 0; i < store->cache_count; i++) {
    sqlite3_finalize(store->cache[i].statement);
  }
  store->cache_count = 0;
  if (store->db != NULL) {
    sqlite3_close(store->db);
    store->db = NULL;
  }
}

int msiq_store_open(const char *path, int flags, msiq_store **out,
                    msiq_diag *diag) {
  *out = NULL;
  msiq_store *store = calloc(1, sizeof *store);
  if (store == NULL || (store->path = msiq_text_duplicate(path)) == NULL) {
    free(store);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  int status = store_connect(store, flags, diag);
  if (status != MSIQ_OK) {
    msiq_store_close(store);
    return status;
  }
  *out = store;
  return MSIQ_OK;
}

void msiq_store_detach(msiq_store *store) {
  if (store->db != NULL) {
    /* A failure leaves nothing worse than the WAL as it was. */
    store_exec(store, msiq_sql_wal_checkpoint_truncate, NULL,
               "emptying the WAL");
  }
  store_disconnect(store);
}

int msiq_store_reopen(msiq_store *store, int flags, msiq_diag *diag) {
  msiq_store_detach(store);
  int status = store_connect(store, flags, diag);
  if (status != MSIQ_OK) {
    store_disconnect(store);
  }
  return status;
}

void msiq_store_close(msiq_store *store) {
  if (store == NULL) {
    return;
  }
  store_disconnect(store);
  free(store->path);
  free(store);
}

/* Claims a new temporary name beside path (DATABASE.new-HEX). */
static int store_claim_temporary(const char *path, char *temporary, size_t size,
                                 msiq_host_claim **claim, msiq_diag *diag) {
  *claim = NULL;
  /* A name is taken only when another import chose the same 64 random
   * bits, or a sweep removed the new file at once; a few tries suffice. */
  for (int attempt = 0; attempt < 8; attempt++) {
    unsigned char random[STORE_TEMPORARY_DIGITS / 2];
    sqlite3_randomness(sizeof random, random);
    int written = snprintf(temporary, size, "%s.new-", path);
    for (size_t i = 0; written >= 0 && i < sizeof random; i++) {
      if ((size_t)written < size) {
        written += snprintf(temporary + written, size - (size_t)written, "%02x",
                            random[i]);
      }
    }
    if (written < 0 || (size_t)written >= size) {
      return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long: %s",
                           path);
    }
    int status = msiq_host_claim_create(temporary, claim, diag);
    if (status != MSIQ_OK || *claim != NULL) {
      return status;
    }
  }
  return msiq_diag_set(diag, MSIQ_EIO,
                       "cannot create a temporary file beside %s", path);
}

int msiq_store_publish_new(msiq_store *store, const char *path,
                           msiq_store **published, msiq_diag *diag) {
  *published = NULL;
  int status = msiq_host_prepare_database_directory(path, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* The copy is claimed for as long as it is being written, so that an
   * open of the queue by another process (which removes the copies of
   * killed imports) leaves it alone. */
  char temporary[4200];
  msiq_host_claim *claim = NULL;
  status =
      store_claim_temporary(path, temporary, sizeof temporary, &claim, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  /* VACUUM INTO writes a compact copy with every row id, the schema and
   * PRAGMA user_version; it is far cheaper than doing the work again. It
   * accepts the empty file the claim created. */
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
   * synchronous=FULL and deletes the WAL (store_release_wal_at_close: a WAL
   * would keep the temporary name): once it takes the real name it is a
   * finished, durable database that any process can open without a lock of
   * its own. */
  msiq_store *copy = NULL;
  if (status == MSIQ_OK) {
    status = msiq_store_open(temporary, 0, &copy, diag);
    if (status == MSIQ_OK) {
      store_release_wal_at_close(copy);
    }
    msiq_store_close(copy);
  }
  /* The move also syncs the directory, so the new name is on disk before
   * the caller prints a single id. */
  bool existed = false;
  if (status == MSIQ_OK) {
    status = msiq_host_move_file_if_absent(temporary, path, &existed, diag);
  } else {
    msiq_host_remove_file(temporary);
  }
  /* No SQLite connection of this process has the file open now (the copy
   * is closed, the real name not yet opened), so releasing the claim drops
   * no lock of SQLite's. */
  msiq_host_claim_release(claim);
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

const char *msiq_store_path(const msiq_store *store) {
  return store->path;
}
