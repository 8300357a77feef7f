/* test_migrate.c: opening, migrating and refusing databases. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "msiq_sql.h"
#include "store/store.h"
#include "store/store_dispatch.h"

static void test_new_database_is_migrated_to_the_latest_version(void **state) {
  (void)state;
  char path[512];
  test_unique_path(path, sizeof path, "migrate-new");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, MSIQ_STORE_CREATE, &store, NULL),
                   MSIQ_OK);
  int version = 0;
  assert_int_equal(msiq_store_schema_version(store, &version, NULL), MSIQ_OK);
  assert_int_equal(version, msiq_store_latest_schema_version());
  assert_true(version >= 1);
  msiq_store_close(store);

  /* WAL is a property of the file, so a plain connection sees it too. */
  char *mode = test_database_text(path, "PRAGMA journal_mode");
  assert_string_equal(mode, "wal");
  free(mode);
  char *tables =
      test_database_text(path, "SELECT group_concat(name, ',') FROM "
                               "(SELECT name FROM sqlite_schema WHERE "
                               "type = 'table' ORDER BY name)");
  assert_string_equal(tables, "attempt,dependency_broken,job,job_dependency,"
                              "job_exit_code,job_id_high_water,"
                              "job_more_patch,job_property,job_staged_file,"
                              "job_state_count,queue,setting,"
                              "setting_generation,staged_removal");
  free(tables);

  /* Reopening finds nothing to do and keeps the version. */
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_schema_version(store, &version, NULL), MSIQ_OK);
  assert_int_equal(version, msiq_store_latest_schema_version());
  msiq_store_close(store);
  test_remove_database(path);
}

static void test_newer_schema_is_refused_and_left_untouched(void **state) {
  (void)state;
  char path[512];
  test_unique_path(path, sizeof path, "migrate-newer");
  test_database_exec(path,
                     "CREATE TABLE future (x); PRAGMA user_version = 99;");
  long size = 0;
  char *before = test_read_file(path, &size);

  msiq_store *store = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_open(path, MSIQ_STORE_CREATE, &store, &diag),
                   MSIQ_ESCHEMA);
  assert_null(store);
  assert_non_null(strstr(diag.message, "99"));
  assert_non_null(strstr(diag.message, "newer msiq"));
  assert_file_unchanged(path, before, size);
  free(before);
  test_remove_database(path);
}

static void
test_file_that_is_not_a_database_is_refused_untouched(void **state) {
  (void)state;
  char path[512];
  test_unique_path(path, sizeof path, "migrate-garbage");
  const char *garbage = "this is not a database, it is a shopping list\n";
  test_write_file(path, garbage);
  msiq_store *store = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_open(path, MSIQ_STORE_CREATE, &store, &diag),
                   MSIQ_ECORRUPT);
  assert_non_null(strstr(diag.message, path));
  assert_file_unchanged(path, garbage, (long)strlen(garbage));
  test_remove_database(path);
}

static void
test_missing_database_is_not_created_without_the_flag(void **state) {
  (void)state;
  char path[512];
  test_unique_path(path, sizeof path, "migrate-missing");
  msiq_store *store = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_open(path, 0, &store, &diag), MSIQ_EMISSING);
  assert_non_null(strstr(diag.message, "does not exist"));
  FILE *file = fopen(path, "rb");
  assert_null(file);
}

static void test_older_schema_is_upgraded_in_place(void **state) {
  (void)state;
  /* A database at version 0 with an unrelated table (as a brand-new file
   * someone pre-created) is migrated, and its data is kept. */
  char path[512];
  test_unique_path(path, sizeof path, "migrate-old");
  test_database_exec(
      path, "CREATE TABLE notes (text); INSERT INTO notes VALUES ('x');");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  msiq_store_close(store);
  char *kept = test_database_text(path, "SELECT text FROM notes");
  assert_string_equal(kept, "x");
  free(kept);
  char *version =
      test_database_text(path, "SELECT user_version FROM pragma_user_version");
  assert_int_equal(atoi(version), msiq_store_latest_schema_version());
  free(version);
  test_remove_database(path);
}

static void
test_version_2_database_keeps_a_broken_dependency_to_fail(void **state) {
  (void)state;
  /* A database written by the version before the dependency work list
   * (0003), holding a job that waits for a cancelled one: the upgrade must
   * leave that job for the dispatcher's next check to fail. */
  char path[512];
  test_unique_path(path, sizeof path, "migrate-v2");
  assert_true(MSIQ_SQL_MIGRATION_COUNT >= 3);
  test_database_exec(path, msiq_sql_migrations[0].sql);
  test_database_exec(path, msiq_sql_migrations[1].sql);
  test_database_exec(
      path,
      "PRAGMA user_version = 2;"
      "INSERT INTO job (id, state, action, target, max_attempts, "
      "                 created_at, finished_at)"
      " VALUES (1, 'cancelled', 'install', '/a.msi', 1, 0, 0),"
      "        (2, 'queued', 'install', '/b.msi', 1, 0, NULL),"
      "        (3, 'queued', 'install', '/c.msi', 1, 0, NULL);"
      "INSERT INTO job_dependency (job_id, after_id) VALUES (2, 1);"
      "INSERT INTO job_property (job_id, position, name, value)"
      " VALUES (3, 0, 'ALLUSERS', '1');"
      "INSERT INTO attempt (job_id, number, started_at) VALUES (1, 1, 0);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  int64_t failed = 0;
  assert_int_equal(
      msiq_store_fail_unrunnable(store, 1, &failed, NULL, NULL, NULL), MSIQ_OK);
  assert_int_equal(failed, 1);
  msiq_store_close(store);
  char *states =
      test_database_text(path, "SELECT group_concat(id || ':' || state, ' ')"
                               " FROM (SELECT id, state FROM job ORDER BY id)");
  assert_string_equal(states, "1:cancelled 2:failed 3:queued");
  free(states);
  /* 0003 rebuilds the job table: the rows that refer to jobs survive it. */
  char *children = test_database_text(
      path, "SELECT (SELECT count(*) FROM job_dependency) || ' ' ||"
            " (SELECT group_concat(job_id || name) FROM job_property) || ' ' ||"
            " (SELECT count(*) FROM attempt WHERE job_id = 1)");
  assert_string_equal(children, "1 3ALLUSERS 1");
  free(children);
  char *foreign_keys = test_database_text(path, "SELECT count(*) FROM "
                                                "pragma_foreign_key_check");
  assert_string_equal(foreign_keys, "0");
  free(foreign_keys);
  test_remove_database(path);
}

static void test_version_3_database_gets_progress_and_operation(void **state) {
  (void)state;
  /* A database written by the version before the engine (0004), with a job
   * left running by a dispatcher of that version and its open attempt. */
  char path[512];
  test_unique_path(path, sizeof path, "migrate-v3");
  assert_true(MSIQ_SQL_MIGRATION_COUNT >= 4);
  for (int i = 0; i < 3; i++) {
    test_database_exec(path, msiq_sql_migrations[i].sql);
  }
  test_database_exec(
      path,
      "PRAGMA user_version = 3;"
      "INSERT INTO job (id, state, action, target, max_attempts, "
      "                 attempts, created_at, started_at)"
      " VALUES (1, 'running', 'install', '/a.msi', 3, 1, 0, 0);"
      "INSERT INTO attempt (job_id, number, started_at) VALUES (1, 1, 0);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  int version = 0;
  assert_int_equal(msiq_store_schema_version(store, &version, NULL), MSIQ_OK);
  assert_int_equal(version, msiq_store_latest_schema_version());

  /* The old rows read as they were, with nothing reported yet. */
  char *json = NULL;
  assert_int_equal(msiq_store_job_json(store, 1, true, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"progress\":null"));
  assert_non_null(strstr(json, "\"operation\":null"));
  free(json);

  /* The new columns take what the dispatcher writes... */
  msiq_job_progress progress = {30, "InstallFiles", 1000};
  assert_int_equal(msiq_store_set_progress(store, 1, &progress, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_set_attempt_operation(store, 1, 1, "call", NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_store_job_json(store, 1, true, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"progress\":{\"percent\":30,\"action\":"
                               "\"InstallFiles\",\"since\":"
                               "\"1970-01-01T00:00:01Z\"}"));
  assert_non_null(strstr(json, "\"operation\":\"call\""));
  free(json);
  /* ...and the migrated job's recovery clears the progress. */
  int64_t recovered = 0;
  assert_int_equal(
      msiq_store_recover_interrupted(store, 2000, &recovered, NULL), MSIQ_OK);
  assert_int_equal(recovered, 1);
  msiq_store_close(store);
  char *columns = test_database_text(
      path, "SELECT state || ' ' || coalesce(progress_percent, 'none') || ' ' "
            "|| coalesce(progress_at, 'none') FROM job WHERE id = 1");
  assert_string_equal(columns, "retrying none none");
  free(columns);
  /* The percentage is checked by the table itself. */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE job SET progress_percent = 101 "
                                "WHERE id = 1",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  sqlite3_close(db);
  test_remove_database(path);
}

static void test_version_4_database_gets_attempt_progress(void **state) {
  (void)state;
  /* A database written by the version before attempt progress (0005): a
   * finished job, and a job a dispatcher of that version left running with
   * its live progress written. */
  char path[512];
  test_unique_path(path, sizeof path, "migrate-v4");
  assert_true(MSIQ_SQL_MIGRATION_COUNT >= 5);
  for (int i = 0; i < 4; i++) {
    test_database_exec(path, msiq_sql_migrations[i].sql);
  }
  test_database_exec(
      path,
      "PRAGMA user_version = 4;"
      "INSERT INTO job (id, state, action, target, max_attempts, "
      "                 attempts, created_at, started_at, finished_at)"
      " VALUES (1, 'succeeded', 'install', '/a.msi', 3, 1, 0, 0, 1000);"
      "INSERT INTO attempt (job_id, number, started_at, finished_at, "
      "                     exit_code, outcome, message)"
      " VALUES (1, 1, 0, 1000, 0, 'succeeded', 'ok');"
      "INSERT INTO job (id, state, action, target, max_attempts, "
      "                 attempts, created_at, started_at, progress_percent,"
      "                 progress_action, progress_at)"
      " VALUES (2, 'running', 'install', '/b.msi', 3, 1, 0, 0, 64, "
      "         'InstallFiles', 2000);"
      "INSERT INTO attempt (job_id, number, started_at) VALUES (2, 1, 0);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  int version = 0;
  assert_int_equal(msiq_store_schema_version(store, &version, NULL), MSIQ_OK);
  assert_int_equal(version, msiq_store_latest_schema_version());

  /* The old attempt reads as one that reported no progress; the running
   * one shows its job's live progress. */
  char *json = NULL;
  assert_int_equal(msiq_store_job_json(store, 1, true, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"message\":\"ok\",\"operation\":null,"
                               "\"progress\":null}"));
  free(json);
  assert_int_equal(msiq_store_job_json(store, 2, true, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"history\":[{\"attempt\":1,"));
  assert_non_null(strstr(json, "\"progress\":{\"percent\":64,\"action\":"
                               "\"InstallFiles\",\"since\":"
                               "\"1970-01-01T00:00:02Z\"}}]"));
  free(json);
  /* Recovering the running job keeps that progress in its attempt. */
  int64_t recovered = 0;
  assert_int_equal(
      msiq_store_recover_interrupted(store, 3000, &recovered, NULL), MSIQ_OK);
  assert_int_equal(recovered, 1);
  msiq_store_close(store);
  char *columns = test_database_text(
      path, "SELECT outcome || ' ' || progress_percent || ' ' || "
            "progress_action || ' ' || progress_at || ' / ' || "
            "coalesce((SELECT progress_at FROM job WHERE id = 2), 'none')"
            " FROM attempt WHERE job_id = 2");
  assert_string_equal(columns, "interrupted 64 InstallFiles 2000 / none");
  free(columns);
  /* The attempt's percentage is checked by the table itself. */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE attempt SET progress_percent = -1 "
                                "WHERE job_id = 1",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  sqlite3_close(db);
  test_remove_database(path);
}

static void test_version_4_database_gets_staged_packages(void **state) {
  (void)state;
  /* A database of the engine's version (0004) with a job, migrated to
   * 0006 (staged packages). */
  char path[512];
  test_unique_path(path, sizeof path, "migrate-v4");
  assert_true(MSIQ_SQL_MIGRATION_COUNT >= 6);
  for (int i = 0; i < 4; i++) {
    test_database_exec(path, msiq_sql_migrations[i].sql);
  }
  test_database_exec(path, "PRAGMA user_version = 4;"
                           "INSERT INTO job (id, state, action, target, "
                           "                 max_attempts, created_at)"
                           " VALUES (1, 'queued', 'install', '/a.msi', 3, 0);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  char *json = NULL;
  assert_int_equal(msiq_store_job_json(store, 1, false, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"staged\":null"));
  free(json);
  msiq_store_close(store);

  /* The digest column takes only what msiq writes: 64 lowercase hex
   * digits. */
  const char *digest =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  test_database_exec(
      path, "UPDATE job SET package_source = '/src/a.msi', package_sha256 = "
            "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"
            " WHERE id = 1");
  char *count = test_database_text(
      path, "SELECT count(*) FROM job WHERE package_sha256 IS NOT NULL");
  assert_string_equal(count, "1");
  free(count);
  const char *bad[] = {"'E3B0'", "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
                                 "934ca495991b7852b85z'"};
  for (size_t i = 0; i < 2; i++) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE job SET package_sha256 = %s", bad[i]);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    sqlite3_close(db);
  }
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  assert_int_equal(msiq_store_job_json(store, 1, false, &json, NULL), MSIQ_OK);
  char expected[160];
  snprintf(expected, sizeof expected,
           "\"staged\":{\"source\":\"/src/a.msi\",\"sha256\":\"%s\","
           "\"files\":[]}",
           digest);
  assert_non_null(strstr(json, expected));
  free(json);
  msiq_store_close(store);

  /* A staged job that is deleted leaves a note to delete its copy. */
  test_database_exec(path, "DELETE FROM job WHERE id = 1");
  char *noted = test_database_text(path, "SELECT path FROM staged_removal");
  assert_string_equal(noted, "/a.msi");
  free(noted);
  test_remove_database(path);
}

/* Writes a new database at a unique path (named after name) as it was just
 * before the migration whose file name ends in suffix: every earlier
 * migration applied and user_version set to match, as a queue last opened by
 * that older msiq would be. Returns the migration's index. */
static int database_before_migration(const char *suffix, const char *name,
                                     char *path, size_t path_size) {
  int migration = -1;
  for (int i = 0; i < MSIQ_SQL_MIGRATION_COUNT; i++) {
    if (strstr(msiq_sql_migrations[i].name, suffix) != NULL) {
      migration = i;
    }
  }
  assert_true(migration >= 0);
  test_unique_path(path, path_size, name);
  for (int i = 0; i < migration; i++) {
    test_database_exec(path, msiq_sql_migrations[i].sql);
  }
  char version[64];
  snprintf(version, sizeof version, "PRAGMA user_version = %d;", migration);
  test_database_exec(path, version);
  return migration;
}

static void test_state_counts_are_filled_from_the_existing_jobs(void **state) {
  (void)state;
  /* A database of the version before the state counts, with jobs in four
   * states, migrated: the kept counts are what counting finds. */
  char path[512];
  int counts_migration = database_before_migration(
      "_state_counts.sql", "migrate-counts", path, sizeof path);
  assert_true(counts_migration >= 6);
  test_database_exec(path,
                     "INSERT INTO job (id, state, action, target, max_attempts,"
                     "                 created_at, finished_at) VALUES"
                     " (1, 'queued', 'install', '/a.msi', 3, 0, NULL),"
                     " (2, 'queued', 'install', '/b.msi', 3, 0, NULL),"
                     " (3, 'succeeded', 'install', '/c.msi', 3, 0, 5),"
                     " (4, 'failed', 'install', '/d.msi', 3, 0, 5),"
                     " (5, 'succeeded', 'install', '/e.msi', 3, 0, 5),"
                     " (6, 'succeeded', 'install', '/f.msi', 3, 0, 5);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  int64_t counts[MSIQ_STATE_COUNT];
  assert_int_equal(msiq_store_count_by_state(store, counts, NULL), MSIQ_OK);
  assert_int_equal(counts[MSIQ_STATE_QUEUED], 2);
  assert_int_equal(counts[MSIQ_STATE_RUNNING], 0);
  assert_int_equal(counts[MSIQ_STATE_RETRYING], 0);
  assert_int_equal(counts[MSIQ_STATE_SUCCEEDED], 3);
  assert_int_equal(counts[MSIQ_STATE_FAILED], 1);
  assert_int_equal(counts[MSIQ_STATE_CANCELLED], 0);
  msiq_store_close(store);
  /* The triggers keep them from then on, whoever writes. */
  test_database_exec(path, "UPDATE job SET state = 'cancelled', finished_at = 9"
                           " WHERE id = 1; DELETE FROM job WHERE id = 3;");
  char *kept = test_database_text(
      path, "SELECT group_concat(state || '=' || count, ',') FROM"
            " (SELECT state, count FROM job_state_count ORDER BY state)");
  assert_string_equal(kept, "cancelled=1,failed=1,queued=1,retrying=0,"
                            "running=0,succeeded=2");
  free(kept);
  test_remove_database(path);
}

static void test_job_ids_are_not_reused_after_an_upgrade(void **state) {
  (void)state;
  /* A database of the version before 0009 whose newest jobs an old purge
   * already removed (ids 4 and 5 are gone, 3 is the largest), upgraded in
   * place: it starts from the largest id it has, and from then on a purge
   * no longer gives ids back, whoever deletes. */
  char path[512];
  int high_water_migration = database_before_migration(
      "_purged_jobs.sql", "migrate-ids", path, sizeof path);
  assert_true(high_water_migration >= 8);
  test_database_exec(path,
                     "INSERT INTO job (id, state, action, target, max_attempts,"
                     "                 created_at, finished_at) VALUES"
                     " (1, 'succeeded', 'install', '/a.msi', 3, 0, 5),"
                     " (3, 'succeeded', 'install', '/c.msi', 3, 0, 5);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  int version_now = 0;
  assert_int_equal(msiq_store_schema_version(store, &version_now, NULL),
                   MSIQ_OK);
  assert_int_equal(version_now, msiq_store_latest_schema_version());
  msiq_store_close(store);
  char *kept = test_database_text(path, "SELECT id FROM job_id_high_water");
  assert_string_equal(kept, "3");
  free(kept);
  /* A tool that deletes the newest job directly is noted too. */
  test_database_exec(path, "DELETE FROM job WHERE id = 3;");
  kept = test_database_text(path, "SELECT id FROM job_id_high_water");
  assert_string_equal(kept, "3");
  free(kept);
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, "/d.msi"), MSIQ_OK);
  spec.no_check = true;
  msiq_admission admission;
  test_admit(&spec, &admission);
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(msiq_store_enqueue(store, &admission, &id, &existing, NULL),
                   MSIQ_OK);
  assert_int_equal(id, 4);
  msiq_job_spec_cleanup(&spec);
  msiq_store_close(store);
  test_remove_database(path);
}

static void test_version_11_database_gets_log_modes(void **state) {
  (void)state;
  /* A database of the version before log modes (0012), holding a job,
   * upgraded in place: the job names no mode (NULL, JSON null, the
   * default /l*v), a new job keeps its canonical mode, and the table
   * refuses a mode with characters outside msiexec's letters. */
  char path[512];
  int log_mode_migration = database_before_migration(
      "_log_mode.sql", "migrate-log-mode", path, sizeof path);
  assert_int_equal(log_mode_migration, 11);
  test_database_exec(path,
                     "INSERT INTO job (id, state, action, target, max_attempts,"
                     "                 created_at) VALUES"
                     " (1, 'queued', 'install', '/a.msi', 3, 0);");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, 1, &job, NULL), MSIQ_OK);
  assert_null(job.log_mode);
  msiq_job_cleanup(&job);
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  assert_int_equal(msiq_job_spec_set_target(&spec, "/b.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_log_mode(&spec, "VX*+", NULL), MSIQ_OK);
  spec.no_check = true;
  msiq_admission admission;
  test_admit(&spec, &admission);
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(msiq_store_enqueue(store, &admission, &id, &existing, NULL),
                   MSIQ_OK);
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, id, &job, NULL), MSIQ_OK);
  assert_string_equal(job.log_mode, "*vx+");
  msiq_job_cleanup(&job);
  msiq_job_spec_cleanup(&spec);
  msiq_store_close(store);
  char *modes = test_database_text(
      path, "SELECT group_concat(coalesce(json_extract(json, '$.log_mode'),"
            " 'null') || ' ' || json_type(json, '$.log_mode'), ',')"
            " FROM (SELECT json FROM job_json ORDER BY id)");
  assert_string_equal(modes, "null null,*vx+ text");
  free(modes);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "UPDATE job SET log_mode = '*v /x' "
                                "WHERE id = 1",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  sqlite3_close(db);
  test_remove_database(path);
}

static void test_sequences_widen_the_action_check_in_place(void **state) {
  (void)state;
  /* A database of the version before 0013 with a job, migrated: the job
   * stays as it was, admin and advertise jobs can be stored, any other
   * action is still refused, and the database is sound. */
  char path[512];
  int sequences_migration = database_before_migration(
      "_sequences.sql", "migrate-sequences", path, sizeof path);
  assert_true(sequences_migration >= 12);
  test_database_exec(path,
                     "INSERT INTO job (id, state, action, target, max_attempts,"
                     "                 created_at) VALUES"
                     " (1, 'queued', 'repair', '/a.msi', 3, 0);");
  /* One connection open across the upgrade, as a dispatcher's would be,
   * sees the new constraint too. */
  sqlite3 *other = NULL;
  assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(other, "SELECT count(*) FROM job", NULL, NULL, NULL),
      SQLITE_OK);
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  msiq_store_close(store);
  assert_int_equal(
      sqlite3_exec(other,
                   "INSERT INTO job (id, state, action, target, max_attempts,"
                   " created_at) VALUES (2, 'queued', 'admin', '/b.msi', 3, 0),"
                   " (3, 'queued', 'advertise', '/c.msi', 3, 0)",
                   NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(other,
                   "INSERT INTO job (id, state, action, target, max_attempts,"
                   " created_at) VALUES (4, 'queued', 'bogus', '/d.msi', 3, 0)",
                   NULL, NULL, NULL),
      SQLITE_CONSTRAINT);
  sqlite3_close(other);
  char *kept = test_database_text(
      path, "SELECT group_concat(id || ':' || action, ',') FROM"
            " (SELECT id, action FROM job ORDER BY id)");
  assert_string_equal(kept, "1:repair,2:admin,3:advertise");
  free(kept);
  kept = test_database_text(path, "PRAGMA integrity_check");
  assert_string_equal(kept, "ok");
  free(kept);
  test_remove_database(path);
}

static void test_unpatch_widens_the_action_check_in_place(void **state) {
  (void)state;
  /* A database of the version before 0014 with an advertise job, migrated:
   * the job stays as it was, an unpatch job can be stored, any other
   * action is still refused, and the database is sound. */
  char path[512];
  int unpatch_migration = database_before_migration(
      "_unpatch.sql", "migrate-unpatch", path, sizeof path);
  assert_true(unpatch_migration >= 13);
  test_database_exec(path,
                     "INSERT INTO job (id, state, action, target, max_attempts,"
                     "                 created_at) VALUES"
                     " (1, 'queued', 'advertise', '/a.msi', 3, 0);");
  sqlite3 *other = NULL;
  assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
  /* Before the migration the action is refused, so the test below proves
   * that 0014 is what admits it. */
  assert_int_equal(
      sqlite3_exec(other,
                   "INSERT INTO job (id, state, action, target, max_attempts,"
                   " created_at) VALUES (2, 'queued', 'unpatch',"
                   " '{11111111-2222-3333-4444-555555555555}', 3, 0)",
                   NULL, NULL, NULL),
      SQLITE_CONSTRAINT);
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  msiq_store_close(store);
  /* The connection open across the upgrade sees the new constraint. */
  assert_int_equal(
      sqlite3_exec(other,
                   "INSERT INTO job (id, state, action, target, max_attempts,"
                   " created_at) VALUES (2, 'queued', 'unpatch',"
                   " '{11111111-2222-3333-4444-555555555555}', 3, 0)",
                   NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(other,
                   "INSERT INTO job (id, state, action, target, max_attempts,"
                   " created_at) VALUES (3, 'queued', 'unpatched', '/d.msi',"
                   " 3, 0)",
                   NULL, NULL, NULL),
      SQLITE_CONSTRAINT);
  sqlite3_close(other);
  char *kept = test_database_text(
      path, "SELECT group_concat(id || ':' || action, ',') FROM"
            " (SELECT id, action FROM job ORDER BY id)");
  assert_string_equal(kept, "1:advertise,2:unpatch");
  free(kept);
  kept = test_database_text(path, "PRAGMA integrity_check");
  assert_string_equal(kept, "ok");
  free(kept);
  test_remove_database(path);
}

static void test_patches_related_staged_migrate_existing_jobs(void **state) {
  (void)state;
  /* A database of the version before 0015 with a staged patch job,
   * migrated: the job is not related, its JSON has an empty list of
   * further patches and of staged files, only an uninstall may be related,
   * and a staged file's row that goes leaves a note to delete its copy. */
  char path[512];
  int migration = database_before_migration("_patches_related_staged.sql",
                                            "migrate-0015", path, sizeof path);
  assert_true(migration >= 14);
  test_database_exec(
      path,
      "INSERT INTO job (id, state, action, target, max_attempts, created_at,"
      "                 package_sha256, package_source, package_kind,"
      "                 patch_code, patch_targets) VALUES"
      " (1, 'queued', 'patch', '/staged/1-fix.msp', 3, 0,"
      "  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',"
      "  '/src/fix.msp', 'patch', '{11111111-2222-3333-4444-555555555555}',"
      "  '{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}');");
  msiq_store *store = NULL;
  assert_int_equal(msiq_store_open(path, 0, &store, NULL), MSIQ_OK);
  char *json = NULL;
  assert_int_equal(msiq_store_job_json(store, 1, false, &json, NULL), MSIQ_OK);
  assert_non_null(strstr(json, "\"related\":false"));
  assert_non_null(strstr(json, "\"more_patches\":[]"));
  assert_non_null(strstr(json, "\"files\":[]"));
  free(json);
  msiq_store_close(store);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "UPDATE job SET related = 1 WHERE id = 1",
                                NULL, NULL, NULL),
                   SQLITE_CONSTRAINT);
  assert_int_equal(
      sqlite3_exec(db,
                   "INSERT INTO job_staged_file (job_id, position, path,"
                   " source, sha256) VALUES (1, 0, '/staged/2-more.msp',"
                   " '/src/more.msp', 'e3b0c44298fc1c149afbf4c8996fb92427ae41"
                   "e4649b934ca495991b7852b855')",
                   NULL, NULL, NULL),
      SQLITE_OK);
  assert_int_equal(sqlite3_exec(db,
                                "DELETE FROM job_staged_file WHERE job_id = 1",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  char *noted = test_database_text(path, "SELECT path FROM staged_removal");
  assert_string_equal(noted, "/staged/2-more.msp");
  free(noted);
  noted = test_database_text(path, "PRAGMA integrity_check");
  assert_string_equal(noted, "ok");
  free(noted);
  test_remove_database(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_database_is_migrated_to_the_latest_version),
      cmocka_unit_test(test_newer_schema_is_refused_and_left_untouched),
      cmocka_unit_test(test_file_that_is_not_a_database_is_refused_untouched),
      cmocka_unit_test(test_missing_database_is_not_created_without_the_flag),
      cmocka_unit_test(test_older_schema_is_upgraded_in_place),
      cmocka_unit_test(
          test_version_2_database_keeps_a_broken_dependency_to_fail),
      cmocka_unit_test(test_version_3_database_gets_progress_and_operation),
      cmocka_unit_test(test_version_4_database_gets_attempt_progress),
      cmocka_unit_test(test_version_4_database_gets_staged_packages),
      cmocka_unit_test(test_state_counts_are_filled_from_the_existing_jobs),
      cmocka_unit_test(test_job_ids_are_not_reused_after_an_upgrade),
      cmocka_unit_test(test_version_11_database_gets_log_modes),
      cmocka_unit_test(test_sequences_widen_the_action_check_in_place),
      cmocka_unit_test(test_unpatch_widens_the_action_check_in_place),
      cmocka_unit_test(test_patches_related_staged_migrate_existing_jobs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
