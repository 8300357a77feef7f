/* store_settings.c: the dispatcher's settings kept in the queue
 * (`msiq config`, schema/migrations/0010_settings.sql). The store keeps
 * each value as the text it is given; the CLI has validated it with the
 * parser of the `msiq run` option it stands for, and the dispatcher parses
 * it again when it applies it. See store.h.
 */
#include "store/store_internal.h"

#include <sqlite3.h>

#include "host/host.h"
#include "msiq_sql.h"

int msiq_store_setting_set(msiq_store *store, const char *name,
                           const char *value, msiq_diag *diag) {
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_setting_set, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 3, msiq_host_now_ms());
    status = store_run(store, statement, diag, "storing a setting");
  }
  return store_finish(store, status, diag);
}

int msiq_store_setting_unset(msiq_store *store, const char *name, bool *removed,
                             msiq_diag *diag) {
  *removed = false;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_setting_delete, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_TRANSIENT);
    status = store_run(store, statement, diag, "removing a setting");
    *removed = status == MSIQ_OK && sqlite3_changes(store->db) == 1;
  }
  return store_finish(store, status, diag);
}

int msiq_store_setting_get(msiq_store *store, const char *name, char **value,
                           msiq_diag *diag) {
  *value = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_setting_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  sqlite3_bind_text(statement, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    bool failed = false;
    *value = store_column_optional_text(statement, 0, &failed);
    if (failed) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  } else if (rc != SQLITE_DONE) {
    status = store_fail(store, rc, diag, "reading a setting");
  }
  store_release(store, statement);
  return status;
}

typedef struct settings_visit {
  msiq_store_setting_visitor visit;
  void *context;
} settings_visit;

static int store_visit_setting(sqlite3_stmt *statement, void *context,
                               msiq_diag *diag) {
  const settings_visit *visit = context;
  const char *name = (const char *)sqlite3_column_text(statement, 0);
  const char *value = (const char *)sqlite3_column_text(statement, 1);
  return visit->visit(visit->context, name != NULL ? name : "",
                      value != NULL ? value : "", diag);
}

int msiq_store_settings_list(msiq_store *store,
                             msiq_store_setting_visitor visit, void *context,
                             msiq_diag *diag) {
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_setting_list, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  settings_visit state = {visit, context};
  return store_visit_rows(store, statement, store_visit_setting, &state, diag,
                          "reading the settings");
}

int msiq_store_settings_generation(msiq_store *store, int64_t *generation,
                                   msiq_diag *diag) {
  *generation = 0;
  sqlite3_stmt *statement;
  int status =
      store_prepare(store, msiq_sql_setting_generation_get, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    *generation = sqlite3_column_int64(statement, 0);
  } else {
    status = store_fail(store, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, diag,
                        "reading the settings' generation");
  }
  store_release(store, statement);
  return status;
}

int msiq_store_settings_json(msiq_store *store, char **json, msiq_diag *diag) {
  *json = NULL;
  sqlite3_stmt *statement;
  int status = store_prepare(store, msiq_sql_setting_json, &statement, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(statement, 0);
    *json = msiq_text_duplicate(text != NULL ? text : "{}");
    if (*json == NULL) {
      status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
    }
  } else {
    status = store_fail(store, rc, diag, "writing the settings as JSON");
  }
  store_release(store, statement);
  return status;
}
