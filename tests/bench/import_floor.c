/* import_floor.c: the floor that figure 2 of tests/bench/run.sh compares
 * `msiq import` with: the least a process can do to store the same jobs in
 * the same database. It opens a database that msiq itself created (so the
 * schema, its triggers and indexes are msiq's own and cost the same), with
 * msiq's settings (WAL, synchronous=FULL, foreign_keys=ON, a busy timeout),
 * and inserts N jobs with their two properties and priority through
 * prepared INSERTs in one BEGIN IMMEDIATE transaction. The statements are
 * read from msiq's own files (schema/queries/job_insert.sql and
 * job_property_insert.sql), so the rows, columns and constraints are those
 * an import writes. The values are those of `bench_data.py manifest N`:
 * job i (from 0) installs "/srv/packages/app-i.msi" with priority i % 5 and
 * the properties ALLUSERS=1 and INSTALLDIR=C:\Program Files\Appi; the other
 * columns take msiq's defaults (10 attempts, no timeout, created now).
 *
 * What it leaves out is what makes msiq's import more than inserts: reading
 * and checking the JSON, the admission of each job, the rehearsal. It uses
 * one connection on one thread, so it opens it without SQLite's mutexes
 * (SQLITE_OPEN_NOMUTEX) and with memory statistics off: a floor, not a
 * copy of msiq's connection.
 *
 * Not part of the build or of ctest: run.sh compiles it by hand.
 *
 *   import_floor DATABASE N JOB_INSERT_SQL PROPERTY_INSERT_SQL
 *
 * Prints "inserted N jobs" and exits 0, or one line on stderr and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The whole of a small file, NUL-terminated, or NULL. */
static char *floor_read_file(const char *path) {
  char *text = NULL;
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return NULL;
  }
  if (fseek(file, 0, SEEK_END) == 0) {
    long size = ftell(file);
    if (size >= 0 && fseek(file, 0, SEEK_SET) == 0 &&
        (text = malloc((size_t)size + 1)) != NULL) {
      if (fread(text, 1, (size_t)size, file) == (size_t)size) {
        text[size] = '\0';
      } else {
        free(text);
        text = NULL;
      }
    }
  }
  fclose(file);
  return text;
}

static long long floor_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Runs one statement that returns no row we need. */
static int floor_exec(sqlite3 *db, const char *sql) {
  char *message = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
    fprintf(stderr, "import_floor: %s: %s\n", sql,
            message != NULL ? message : sqlite3_errmsg(db));
    sqlite3_free(message);
    return 1;
  }
  return 0;
}

/* Steps a bound INSERT once and resets it for the next row. */
static int floor_step(sqlite3 *db, sqlite3_stmt *statement) {
  int rc = sqlite3_step(statement);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  if (rc != SQLITE_DONE) {
    fprintf(stderr, "import_floor: insert: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: import_floor DATABASE N JOB_INSERT_SQL "
                    "PROPERTY_INSERT_SQL\n");
    return 2;
  }
  long count = strtol(argv[2], NULL, 10);
  int failed = 1;
  sqlite3 *db = NULL;
  sqlite3_stmt *job = NULL;
  sqlite3_stmt *property = NULL;
  char *job_sql = floor_read_file(argv[3]);
  char *property_sql = floor_read_file(argv[4]);
  if (count < 0 || job_sql == NULL || property_sql == NULL) {
    fprintf(stderr, "import_floor: bad N or cannot read the SQL files\n");
    goto cleanup;
  }
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    fprintf(stderr, "import_floor: %s: %s\n", argv[1],
            db != NULL ? sqlite3_errmsg(db) : "cannot open");
    goto cleanup;
  }
  sqlite3_busy_timeout(db, 30000);
  /* msiq's settings: the journal mode is the database's (msiq made it
   * WAL), the rest are the connection's (schema/queries/
   * connection_configure.sql). */
  if (floor_exec(db, "PRAGMA journal_mode = WAL") ||
      floor_exec(db, "PRAGMA synchronous = FULL") ||
      floor_exec(db, "PRAGMA foreign_keys = ON")) {
    goto cleanup;
  }
  if (sqlite3_prepare_v3(db, job_sql, -1, SQLITE_PREPARE_PERSISTENT, &job,
                         NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db, property_sql, -1, SQLITE_PREPARE_PERSISTENT,
                         &property, NULL) != SQLITE_OK) {
    fprintf(stderr, "import_floor: prepare: %s\n", sqlite3_errmsg(db));
    goto cleanup;
  }
  if (floor_exec(db, "BEGIN IMMEDIATE")) {
    goto cleanup;
  }
  long long now = floor_now_ms();
  char target[64];
  char directory[64];
  for (long i = 0; i < count; i++) {
    snprintf(target, sizeof target, "/srv/packages/app-%ld.msi", i);
    snprintf(directory, sizeof directory, "C:\\Program Files\\App%ld", i);
    /* job_insert.sql: action, target, priority, not_before, deadline,
     * max_attempts, timeout_ms, key, log, created_at, sha256, source,
     * thirteen of package metadata, log mode, and related (?27, which may
     * not be NULL); what is not bound is NULL, as in an import of jobs
     * whose packages were not read. */
    sqlite3_bind_text(job, 1, "install", -1, SQLITE_STATIC);
    sqlite3_bind_text(job, 2, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(job, 3, i % 5);
    sqlite3_bind_int64(job, 6, 10);
    sqlite3_bind_int64(job, 7, 0);
    sqlite3_bind_int64(job, 10, now);
    sqlite3_bind_int64(job, 27, 0);
    if (floor_step(db, job)) {
      goto cleanup;
    }
    sqlite3_int64 id = sqlite3_last_insert_rowid(db);
    const char *names[2] = {"ALLUSERS", "INSTALLDIR"};
    const char *values[2] = {"1", directory};
    for (int p = 0; p < 2; p++) {
      sqlite3_bind_int64(property, 1, id);
      sqlite3_bind_int64(property, 2, p);
      sqlite3_bind_text(property, 3, names[p], -1, SQLITE_STATIC);
      sqlite3_bind_text(property, 4, values[p], -1, SQLITE_STATIC);
      if (floor_step(db, property)) {
        goto cleanup;
      }
    }
  }
  if (floor_exec(db, "COMMIT")) {
    goto cleanup;
  }
  printf("inserted %ld jobs\n", count);
  failed = 0;

cleanup:
  sqlite3_finalize(job);
  sqlite3_finalize(property);
  if (db != NULL) {
    sqlite3_close(db);
  }
  free(job_sql);
  free(property_sql);
  return failed;
}
