/* store_report.c: reading the queue: jobs with every field, attempt
 * histories, lists, counts, the queue's state, a running job's progress,
 * and the JSON that `show`, `list`, `status`, `doctor` and `report` print
 * (written by SQLite, so every string is escaped by the same rules). See
 * store.h.
 */
#include "store/store_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "msiq_sql.h"

/* Reading jobs. */

int store_read_job_row(sqlite3_stmt *statement, msiq_job *job) {
  bool failed = false;
  job->id = sqlite3_column_int64(statement, STORE_JOB_COLUMN_ID);
  msiq_state_parse(
      (const char *)sqlite3_column_text(statement, STORE_JOB_COLUMN_STATE),
      &job->state);
  msiq_action_parse(
      (const char *)sqlite3_column_text(statement, STORE_JOB_COLUMN_ACTION),
      &job->action);
  job->target =
      store_column_optional_text(statement, STORE_JOB_COLUMN_TARGET, &failed);
  job->priority = sqlite3_column_int64(statement, STORE_JOB_COLUMN_PRIORITY);
  job->not_before =
      store_column_optional_time(statement, STORE_JOB_COLUMN_NOT_BEFORE);
  job->deadline =
      store_column_optional_time(statement, STORE_JOB_COLUMN_DEADLINE);
  job->max_attempts =
      sqlite3_column_int64(statement, STORE_JOB_COLUMN_MAX_ATTEMPTS);
  job->timeout_ms =
      sqlite3_column_int64(statement, STORE_JOB_COLUMN_TIMEOUT_MS);
  job->key =
      store_column_optional_text(statement, STORE_JOB_COLUMN_KEY, &failed);
  job->log_path =
      store_column_optional_text(statement, STORE_JOB_COLUMN_LOG_PATH, &failed);
  job->log_mode =
      store_column_optional_text(statement, STORE_JOB_COLUMN_LOG_MODE, &failed);
  job->related = sqlite3_column_int(statement, STORE_JOB_COLUMN_RELATED) != 0;
  job->attempts = sqlite3_column_int64(statement, STORE_JOB_COLUMN_ATTEMPTS);
  job->has_exit_code =
      sqlite3_column_type(statement, STORE_JOB_COLUMN_EXIT_CODE) != SQLITE_NULL;
  job->exit_code = sqlite3_column_int64(statement, STORE_JOB_COLUMN_EXIT_CODE);
  job->reboot_required =
      sqlite3_column_int(statement, STORE_JOB_COLUMN_REBOOT_REQUIRED) != 0;
  job->last_error = store_column_optional_text(
      statement, STORE_JOB_COLUMN_LAST_ERROR, &failed);
  job->created_at =
      sqlite3_column_int64(statement, STORE_JOB_COLUMN_CREATED_AT);
  job->started_at =
      store_column_optional_time(statement, STORE_JOB_COLUMN_STARTED_AT);
  job->finished_at =
      store_column_optional_time(statement, STORE_JOB_COLUMN_FINISHED_AT);
  job->retry_at =
      store_column_optional_time(statement, STORE_JOB_COLUMN_RETRY_AT);
  job->cancel_requested =
      sqlite3_column_int(statement, STORE_JOB_COLUMN_CANCEL_REQUESTED) != 0;
  job->package_sha256 = store_column_optional_text(
      statement, STORE_JOB_COLUMN_PACKAGE_SHA256, &failed);
  job->package_source = store_column_optional_text(
      statement, STORE_JOB_COLUMN_PACKAGE_SOURCE, &failed);
  msiq_package_kind_parse((const char *)sqlite3_column_text(
                              statement, STORE_JOB_COLUMN_PACKAGE_KIND),
                          &job->package.kind);
  /* Pointers to the fields rather than offsets: gcc's object-size checks
   * (with the sanitizers) take an offset from &job->package as a write
   * into its first member. */
  msiq_package_info *package = &job->package;
  const struct {
    int column;
    char **field;
  } package_texts[] = {
      {STORE_JOB_COLUMN_PRODUCT_CODE, &package->product_code},
      {STORE_JOB_COLUMN_PRODUCT_NAME, &package->product_name},
      {STORE_JOB_COLUMN_PRODUCT_VERSION, &package->product_version},
      {STORE_JOB_COLUMN_MANUFACTURER, &package->manufacturer},
      {STORE_JOB_COLUMN_UPGRADE_CODE, &package->upgrade_code},
      {STORE_JOB_COLUMN_ALL_USERS, &package->all_users},
      {STORE_JOB_COLUMN_INSTALL_PER_USER, &package->install_per_user},
      {STORE_JOB_COLUMN_PACKAGE_PLATFORM, &package->platform},
      {STORE_JOB_COLUMN_PACKAGE_LANGUAGES, &package->languages},
      {STORE_JOB_COLUMN_PATCH_CODE, &package->patch_code},
      {STORE_JOB_COLUMN_PATCH_TARGETS, &package->patch_targets},
      {STORE_JOB_COLUMN_PACKAGE_DISPLAY_NAME, &package->display_name},
  };
  for (size_t i = 0; i < sizeof package_texts / sizeof package_texts[0]; i++) {
    *package_texts[i].field =
        store_column_optional_text(statement, package_texts[i].column, &failed);
  }
  return failed ? MSIQ_ENOMEM : MSIQ_OK;
}

/* Row visitors that append one child row (job_properties_get.sql,
 * job_more_patches_get.sql, job_staged_files_get.sql,
 * job_dependencies_get.sql,
 * job_exit_codes_get.sql) to the job. */

static int store_append_property(sqlite3_stmt *statement, void *context,
                                 msiq_diag *diag) {
  msiq_job *job = context;
  msiq_property *grown = realloc(job->properties, (job->property_count + 1) *
                                                      sizeof *job->properties);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  job->properties = grown;
  bool failed = false;
  grown[job->property_count].name =
      store_column_optional_text(statement, 0, &failed);
  grown[job->property_count].value =
      store_column_optional_text(statement, 1, &failed);
  job->property_count++;
  if (failed) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_append_more_patch(sqlite3_stmt *statement, void *context,
                                   msiq_diag *diag) {
  msiq_job *job = context;
  bool failed = false;
  char *path = store_column_optional_text(statement, 0, &failed);
  msiq_package_info patch;
  msiq_package_info_init(&patch);
  patch.kind = MSIQ_PACKAGE_KIND_PATCH;
  patch.patch_code = store_column_optional_text(statement, 1, &failed);
  patch.patch_targets = store_column_optional_text(statement, 2, &failed);
  patch.display_name = store_column_optional_text(statement, 3, &failed);
  if (!failed) {
    failed = msiq_package_info_add_more_patch(&job->package, path, &patch) !=
             MSIQ_OK;
  }
  free(path);
  msiq_package_info_cleanup(&patch);
  if (failed) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_append_staged_file(sqlite3_stmt *statement, void *context,
                                    msiq_diag *diag) {
  msiq_job *job = context;
  if (msiq_staged_files_add(&job->staged_files, &job->staged_file_count,
                            (const char *)sqlite3_column_text(statement, 0),
                            (const char *)sqlite3_column_text(statement, 1),
                            (const char *)sqlite3_column_text(statement, 2)) !=
      MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int store_append_dependency(sqlite3_stmt *statement, void *context,
                                   msiq_diag *diag) {
  msiq_job *job = context;
  int64_t *grown =
      realloc(job->after, (job->after_count + 1) * sizeof *job->after);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  job->after = grown;
  job->after[job->after_count++] = sqlite3_column_int64(statement, 0);
  return MSIQ_OK;
}

static int store_append_exit_code_rule(sqlite3_stmt *statement, void *context,
                                       msiq_diag *diag) {
  msiq_job *job = context;
  msiq_exit_code_rule *grown =
      realloc(job->exit_code_rules,
              (job->exit_code_rule_count + 1) * sizeof *job->exit_code_rules);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  job->exit_code_rules = grown;
  grown[job->exit_code_rule_count].code = sqlite3_column_int64(statement, 0);
  msiq_outcome_parse((const char *)sqlite3_column_text(statement, 1),
                     &grown[job->exit_code_rule_count].outcome);
  job->exit_code_rule_count++;
  return MSIQ_OK;
}

/* Reads the job's properties, further patches, staged files, dependencies
 * and exit-code rules. */
static int store_read_job_children(msiq_store *store, msiq_job *job,
                                   msiq_diag *diag) {
  static const struct {
    const char *sql;
    store_row_visitor append;
  } children[] = {
      {msiq_sql_job_properties_get, store_append_property},
      {msiq_sql_job_more_patches_get, store_append_more_patch},
      {msiq_sql_job_staged_files_get, store_append_staged_file},
      {msiq_sql_job_dependencies_get, store_append_dependency},
      {msiq_sql_job_exit_codes_get, store_append_exit_code_rule},
  };
  int status = MSIQ_OK;
  for (size_t i = 0;
       status == MSIQ_OK && i < sizeof children / sizeof children[0]; i++) {
    sqlite3_stmt *statement;
    status = store_prepare(store, children[i].sql, &statement, diag);
    if (status == MSIQ_OK) {
      sqlite3_bind_int64(statement, 1, job->id);
      status = store_visit_rows(store, statement, children[i].append, job, diag,
                                "reading a job");
    }
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

/* The attempts read so far, for store_append_attempt. */
typedef struct store_attempt_list {
  msiq_attempt *attempts;
  size_t count;
} store_attempt_list;

/* Appends one row of job_attempts_get.sql. */
static int store_append_attempt(sqlite3_stmt *statement, void *context,
                                msiq_diag *diag) {
  store_attempt_list *list = context;
  msiq_attempt *grown =
      realloc(list->attempts, (list->count + 1) * sizeof *grown);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  list->attempts = grown;
  msiq_attempt *attempt = &grown[list->count];
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
  attempt->progress_percent = sqlite3_column_type(statement, 6) != SQLITE_NULL
                                  ? sqlite3_column_int(statement, 6)
                                  : -1;
  attempt->progress_action = store_column_optional_text(statement, 7, &failed);
  attempt->progress_at = store_column_optional_time(statement, 8);
  list->count++;
  if (failed) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
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
  store_attempt_list list = {NULL, 0};
  status = store_visit_rows(store, statement, store_append_attempt, &list, diag,
                            "reading the attempt history");
  if (status != MSIQ_OK) {
    msiq_attempts_free(list.attempts, list.count);
    return status;
  }
  *attempts = list.attempts;
  *count = list.count;
  return MSIQ_OK;
}

void msiq_attempts_free(msiq_attempt *attempts, size_t count) {
  for (size_t i = 0; i < count; i++) {
    free(attempts[i].message);
    free(attempts[i].progress_action);
  }
  free(attempts);
}

/* Prepares the statement for every job (state_filter < 0) or, with the
 * state bound, the one for the jobs of a state: two statements, so that the
 * filtered one can seek job_by_state (an "?1 IS NULL OR state = ?1" would
 * walk every job). */
static int store_prepare_state_filter(msiq_store *store, const char *all_sql,
                                      const char *by_state_sql,
                                      int state_filter,
                                      sqlite3_stmt **statement,
                                      msiq_diag *diag) {
  int status = store_prepare(store, state_filter < 0 ? all_sql : by_state_sql,
                             statement, diag);
  if (status == MSIQ_OK && state_filter >= 0) {
    sqlite3_bind_text(*statement, 1, msiq_state_name((msiq_state)state_filter),
                      -1, SQLITE_STATIC);
  }
  return status;
}

/* A msiq_job_visitor and its context, for store_visit_job_row. */
typedef struct store_job_visit {
  msiq_job_visitor visit;
  void *context;
} store_job_visit;

/* Reads one job row into a msiq_job, shows it to the caller's visitor and
 * cleans it up again. */
static int store_visit_job_row(sqlite3_stmt *statement, void *context,
                               msiq_diag *diag) {
  const store_job_visit *job_visit = context;
  msiq_job job;
  msiq_job_init(&job);
  int status = store_read_job_row(statement, &job);
  if (status == MSIQ_OK) {
    status = job_visit->visit(&job, job_visit->context);
  } else {
    status = msiq_diag_set(diag, status, "out of memory");
  }
  msiq_job_cleanup(&job);
  return status;
}

/* Steps a statement with the job row columns, calling visit for each job
 * (cleaned up after the call), and releases it. */
static int store_visit_job_rows(msiq_store *store, sqlite3_stmt *statement,
                                msiq_job_visitor visit, void *context,
                                msiq_diag *diag, const char *doing) {
  store_job_visit job_visit = {visit, context};
  return store_visit_rows(store, statement, store_visit_job_row, &job_visit,
                          diag, doing);
}

void msiq_job_filter_init(msiq_job_filter *filter) {
  filter->state = -1;
  filter->action = -1;
  filter->key = NULL;
  filter->product = NULL;
  filter->since = MSIQ_TIME_UNSET;
  filter->limit = 0;
}

/* True when filter asks for no more than a state, which the plain
 * statements (job_list.sql, job_list_by_state.sql and their JSON twins)
 * serve. */
static bool store_filter_is_state_only(const msiq_job_filter *filter) {
  return filter->action < 0 && filter->key == NULL && filter->product == NULL &&
         filter->since == MSIQ_TIME_UNSET && filter->limit <= 0;
}

/* Prepares job_list_filtered.sql or its JSON twin with filter bound. */
static int store_prepare_filtered(msiq_store *store, const char *sql,
                                  const msiq_job_filter *filter,
                                  sqlite3_stmt **statement, msiq_diag *diag) {
  int status = store_prepare(store, sql, statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  store_bind_optional_text(*statement, 1, filter->key);
  store_bind_optional_text(*statement, 2, filter->product);
  store_bind_optional_text(*statement, 3,
                           filter->action >= 0
                               ? msiq_action_name((msiq_action)filter->action)
                               : NULL);
  store_bind_optional_text(
      *statement, 4,
      filter->state >= 0 ? msiq_state_name((msiq_state)filter->state) : NULL);
  store_bind_optional_time(*statement, 5, filter->since);
  sqlite3_bind_int64(*statement, 6, filter->limit > 0 ? filter->limit : -1);
  return MSIQ_OK;
}

int msiq_store_list_jobs_filtered(msiq_store *store,
                                  const msiq_job_filter *filter,
                                  msiq_job_visitor visit, void *context,
                                  msiq_diag *diag) {
  if (store_filter_is_state_only(filter)) {
    return msiq_store_list_jobs(store, filter->state, visit, context, diag);
  }
  sqlite3_stmt *statement;
  int status = store_prepare_filtered(store, msiq_sql_job_list_filtered, filter,
                                      &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  return store_visit_job_rows(store, statement, visit, context, diag,
                              "listing jobs");
}

int msiq_store_list_jobs(msiq_store *store, int state_filter,
                         msiq_job_visitor visit, void *context,
                         msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare_state_filter(store, msiq_sql_job_list,
                                          msiq_sql_job_list_by_state,
                                          state_filter, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  return store_visit_job_rows(store, statement, visit, context, diag,
                              "listing jobs");
}

/* JSON. */

/* Runs a query whose single row holds one JSON text, and copies it out. */
static int store_read_json(msiq_store *store, sqlite3_stmt *statement,
                           int64_t id, char **json, msiq_diag *diag) {
  int status = MSIQ_OK;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
    *json =
        msiq_text_duplicate((const char *)sqlite3_column_text(statement, 0));
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

/* Runs a report query with `count` text parameters (NULL binds NULL) and
 * copies out its single JSON value. */
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
      facts->gate_reason,
      facts->gate_text,
      facts->unrecorded_outcome,
      facts->holder_source,
      facts->holder_package,
      facts->holder_process_id,
      facts->holder_command_line,
  };
  return store_report_json(store, msiq_sql_status_json, parameters,
                           (int)(sizeof parameters / sizeof parameters[0]),
                           json, diag);
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

/* A msiq_json_visitor and its context, for store_visit_json_row. */
typedef struct store_json_visit {
  msiq_json_visitor visit;
  void *context;
} store_json_visit;

/* Shows one row's JSON text (column 0) to the caller's visitor. */
static int store_visit_json_row(sqlite3_stmt *statement, void *context,
                                msiq_diag *diag) {
  const store_json_visit *json_visit = context;
  const char *json = (const char *)sqlite3_column_text(statement, 0);
  if (json == NULL) {
    /* The view's json_object never gives NULL; only a failed allocation
     * of the text does. */
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return json_visit->visit(json, (size_t)sqlite3_column_bytes(statement, 0),
                           json_visit->context, diag);
}

int msiq_store_list_json_rows_filtered(msiq_store *store,
                                       const msiq_job_filter *filter,
                                       msiq_json_visitor visit, void *context,
                                       msiq_diag *diag) {
  if (store_filter_is_state_only(filter)) {
    return msiq_store_list_json_rows(store, filter->state, visit, context,
                                     diag);
  }
  sqlite3_stmt *statement;
  int status = store_prepare_filtered(store, msiq_sql_job_list_json_filtered,
                                      filter, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  store_json_visit json_visit = {visit, context};
  return store_visit_rows(store, statement, store_visit_json_row, &json_visit,
                          diag, "listing jobs");
}

int msiq_store_list_json_rows(msiq_store *store, int state_filter,
                              msiq_json_visitor visit, void *context,
                              msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare_state_filter(store, msiq_sql_job_list_json,
                                          msiq_sql_job_list_json_by_state,
                                          state_filter, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  store_json_visit json_visit = {visit, context};
  return store_visit_rows(store, statement, store_visit_json_row, &json_visit,
                          diag, "listing jobs");
}

/* The array msiq_store_list_json builds, grown as the rows come. */
typedef struct store_json_array {
  char *text;
  size_t length;
  size_t capacity;
} store_json_array;

/* Appends length bytes of text to the array, keeping it terminated. */
static int store_json_array_append(store_json_array *array, const char *text,
                                   size_t length, msiq_diag *diag) {
  if (array->length + length + 1 > array->capacity) {
    size_t capacity = array->capacity == 0 ? 256 : array->capacity;
    while (array->length + length + 1 > capacity) {
      capacity *= 2;
    }
    char *grown = realloc(array->text, capacity);
    if (grown == NULL) {
      return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
    array->text = grown;
    array->capacity = capacity;
  }
  memcpy(array->text + array->length, text, length);
  array->length += length;
  array->text[array->length] = '\0';
  return MSIQ_OK;
}

/* A msiq_json_visitor that appends the object to a store_json_array, after
 * a comma unless it is the first. */
static int store_json_array_add(const char *json, size_t length, void *context,
                                msiq_diag *diag) {
  store_json_array *array = context;
  int status = store_json_array_append(array, array->length > 1 ? "," : "",
                                       array->length > 1 ? 1 : 0, diag);
  if (status == MSIQ_OK) {
    status = store_json_array_append(array, json, length, diag);
  }
  return status;
}

int msiq_store_list_json(msiq_store *store, int state_filter, char **json,
                         msiq_diag *diag) {
  *json = NULL;
  store_json_array array = {NULL, 0, 0};
  int status = store_json_array_append(&array, "[", 1, diag);
  if (status == MSIQ_OK) {
    status = msiq_store_list_json_rows(store, state_filter,
                                       store_json_array_add, &array, diag);
  }
  if (status == MSIQ_OK) {
    status = store_json_array_append(&array, "]", 1, diag);
  }
  if (status != MSIQ_OK) {
    free(array.text);
    return status;
  }
  *json = array.text;
  return MSIQ_OK;
}

/* The queue's state, counts and health, for `status`, `report` and
 * `doctor`. */

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

/* Records one row of job_count_by_state.sql (a state and its count). */
static int store_record_count(sqlite3_stmt *statement, void *context,
                              msiq_diag *diag) {
  int64_t *counts = context;
  (void)diag;
  msiq_state state;
  if (msiq_state_parse((const char *)sqlite3_column_text(statement, 0),
                       &state) == MSIQ_OK) {
    counts[state] = sqlite3_column_int64(statement, 1);
  }
  return MSIQ_OK;
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
  return store_visit_rows(store, statement, store_record_count, counts, diag,
                          "counting jobs");
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

int msiq_store_data_version(msiq_store *store, int64_t *version,
                            msiq_diag *diag) {
  bool found = false;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_dispatch_data_version, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    found = true;
    *version = sqlite3_column_int64(statement, 0);
  }
  if (!found) {
    status = store_fail(store, rc, diag, "reading the data version");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_running_job(msiq_store *store, msiq_running_job *running,
                           msiq_diag *diag) {
  memset(running, 0, sizeof *running);
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_status_running_job, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    running->found = true;
    running->id = sqlite3_column_int64(statement, 0);
    snprintf(running->target, sizeof running->target, "%s",
             (const char *)sqlite3_column_text(statement, 1));
    running->since = sqlite3_column_int64(statement, 2);
    running->attempt_number = sqlite3_column_int64(statement, 3);
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "reading the running job");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_next_retry(msiq_store *store, int64_t *retry_at,
                          msiq_diag *diag) {
  bool found = false;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_status_next_retry, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    found = sqlite3_column_type(statement, 0) != SQLITE_NULL;
    *retry_at = sqlite3_column_int64(statement, 0);
  } else {
    status = store_fail(store, rc, diag, "reading the next retry");
  }
  store_release(store, statement);
  if (!found) {
    *retry_at = MSIQ_TIME_UNSET;
  }
  return status;
}

int msiq_store_get_progress(msiq_store *store, int64_t job_id,
                            msiq_progress_report *progress, msiq_diag *diag) {
  memset(progress, 0, sizeof *progress);
  progress->percent = -1;
  progress->at = MSIQ_TIME_UNSET;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_job_progress_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_int64(statement, 1, job_id);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    progress->reported = sqlite3_column_int(statement, 0) != 0;
  } else if (rc == SQLITE_DONE) {
    status = msiq_diag_set(diag, MSIQ_ENOT_FOUND, "no job with id %lld",
                           (long long)job_id);
  } else {
    status = store_fail(store, rc, diag, "reading a job's progress");
  }
  if (progress->reported) {
    if (sqlite3_column_type(statement, 1) != SQLITE_NULL) {
      progress->percent = sqlite3_column_int(statement, 1);
    }
    const unsigned char *action = sqlite3_column_text(statement, 2);
    snprintf(progress->action, sizeof progress->action, "%s",
             action != NULL ? (const char *)action : "");
    progress->at = store_column_optional_time(statement, 3);
  }
  store_release(store, statement);
  return status;
}
