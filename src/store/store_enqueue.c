/* store_enqueue.c: storing a job that passed admission (core/admission.h):
 * its idempotency key, its dependencies and its rows, in one transaction.
 * See store.h.
 */
#include "store/store_internal.h"

#include <stdlib.h>

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"

/* Runs a one-parameter query that yields an id; *found says if it did. */
static int store_lookup_id(msiq_store *store, const char *sql, int64_t id_arg,
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

/* Inserts the job's dependent rows: properties, further patches, staged
 * files, dependencies (the resolved ids, not the spec's), exit codes. */
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
  const msiq_package_info *package = &spec->package;
  for (size_t i = 0; status == MSIQ_OK && i < package->more_patch_count; i++) {
    const msiq_more_patch *patch = &package->more_patches[i];
    status =
        store_prepare(store, msiq_sql_job_more_patch_insert, &statement, diag);
    if (status != MSIQ_OK) {
      break;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_int64(statement, 2, (int64_t)i);
    store_bind_optional_text(statement, 3, patch->path);
    store_bind_optional_text(statement, 4, patch->patch_code);
    store_bind_optional_text(statement, 5, patch->patch_targets);
    store_bind_optional_text(statement, 6, patch->display_name);
    status = store_run(store, statement, diag, "storing a further patch");
  }
  for (size_t i = 0; status == MSIQ_OK && i < spec->staged_file_count; i++) {
    const msiq_staged_file *file = &spec->staged_files[i];
    status =
        store_prepare(store, msiq_sql_job_staged_file_insert, &statement, diag);
    if (status != MSIQ_OK) {
      break;
    }
    sqlite3_bind_int64(statement, 1, id);
    sqlite3_bind_int64(statement, 2, (int64_t)i);
    sqlite3_bind_text(statement, 3, file->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 4, file->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 5, file->sha256, -1, SQLITE_STATIC);
    status = store_run(store, statement, diag, "storing a staged file");
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

/* Binds what was read from the package to the thirteen parameters from
 * `first` on (job_insert.sql's order: kind, product code, name, version,
 * manufacturer, upgrade code, ALLUSERS, MSIINSTALLPERUSER, platform,
 * languages, patch code, targets, display name); all NULL when nothing
 * was read. */
static void store_bind_package(sqlite3_stmt *statement, int first,
                               const msiq_package_info *package) {
  const char *texts[] = {
      msiq_package_kind_name(package->kind),
      package->product_code,
      package->product_name,
      package->product_version,
      package->manufacturer,
      package->upgrade_code,
      package->all_users,
      package->install_per_user,
      package->platform,
      package->languages,
      package->patch_code,
      package->patch_targets,
      package->display_name,
  };
  for (int i = 0; i < (int)(sizeof texts / sizeof texts[0]); i++) {
    store_bind_optional_text(statement, first + i, texts[i]);
  }
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
  store_bind_optional_text(statement, 11, spec->package_sha256);
  store_bind_optional_text(statement, 12, spec->package_source);
  store_bind_package(statement, 13, &spec->package);
  store_bind_optional_text(statement, 26, spec->log_mode);
  sqlite3_bind_int(statement, 27, spec->related ? 1 : 0);
  status = store_run(store, statement, diag, "storing the job");
  if (status != MSIQ_OK) {
    return status;
  }
  *id = sqlite3_last_insert_rowid(store->db);
  return store_insert_job_children(store, spec, after, after_count, *id, diag);
}

/* The key's unfinished job (id) answers the enqueue only if it is the job
 * spec asks for (msiq_admission_check_key_reuse). */
static int store_check_key_reuse(msiq_store *store, const msiq_job_spec *spec,
                                 int64_t id, msiq_diag *diag) {
  msiq_job job;
  int status = msiq_store_get_job(store, id, &job, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  status = msiq_admission_check_key_reuse(spec, &job, diag);
  msiq_job_cleanup(&job);
  return status;
}

/* The body of an enqueue, inside a transaction the caller owns. The order
 * is what users see: the idempotency key first (it answers its unfinished
 * job whatever else, if that is the same job, and refuses the enqueue if
 * it is another), then the admission's refusal, then the
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
    if (status == MSIQ_OK && found) {
      status = store_check_key_reuse(store, spec, *id, diag);
      *existing = status == MSIQ_OK;
    }
    if (status != MSIQ_OK || found) {
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
