/* store_staged.c: where staged packages live and how the copies of purged
 * jobs leave the disk. See store.h and schema/migrations/0006_*.sql. */
#include "store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "msiq_sql.h"

/* Notes dealt with per transaction: each one deletes a file, so a batch
 * keeps the write lock for a short while only. */
#define STORE_STAGED_BATCH 100

int msiq_store_staged_directory(const msiq_store *store, char *buffer,
                                size_t size, msiq_diag *diag) {
  if (!msiq_path_beside(store->path, "staged", buffer, size)) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "staged folder path too long");
  }
  return MSIQ_OK;
}

/* True when path is a file directly inside directory. */
static bool store_staged_is_inside(const char *path, const char *directory) {
  size_t length = strlen(directory);
  if (strncmp(path, directory, length) != 0 ||
      (path[length] != '/' && path[length] != '\\')) {
    return false;
  }
  const char *name = path + length + 1;
  return name[0] != '\0' && strcspn(name, "/\\") == strlen(name) &&
         strcmp(name, "..") != 0 && strcmp(name, ".") != 0;
}

/* One batch: up to STORE_STAGED_BATCH notes, their files deleted and the
 * notes dropped, in one transaction. *count says how many. */
static int store_staged_remove_batch(msiq_store *store, const char *directory,
                                     int64_t *count, msiq_diag *diag) {
  *count = 0;
  int status = store_begin(store, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char *paths[STORE_STAGED_BATCH];
  sqlite3_stmt *statement;
  status = store_prepare(store, msiq_sql_staged_removal_list, &statement, diag);
  if (status == MSIQ_OK) {
    sqlite3_bind_int(statement, 1, STORE_STAGED_BATCH);
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW &&
           *count < STORE_STAGED_BATCH) {
      const char *path = (const char *)sqlite3_column_text(statement, 0);
      paths[*count] = msiq_text_duplicate(path != NULL ? path : "");
      if (paths[*count] == NULL) {
        status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
        break;
      }
      (*count)++;
    }
    if (status == MSIQ_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) {
      status = store_fail(store, rc, diag, "listing staged copies");
    }
    store_release(store, statement);
  }
  for (int64_t i = 0; status == MSIQ_OK && i < *count; i++) {
    /* A file deleted before a commit that then fails is simply gone when
     * the note is dealt with again. */
    if (store_staged_is_inside(paths[i], directory)) {
      msiq_host_remove_file(paths[i]);
    }
    status =
        store_prepare(store, msiq_sql_staged_removal_done, &statement, diag);
    if (status == MSIQ_OK) {
      sqlite3_bind_text(statement, 1, paths[i], -1, SQLITE_STATIC);
      status = store_run(store, statement, diag, "forgetting a staged copy");
    }
  }
  for (int64_t i = 0; i < *count; i++) {
    free(paths[i]);
  }
  return store_finish(store, status, diag);
}

int msiq_store_remove_staged_copies(msiq_store *store, int64_t *removed,
                                    msiq_diag *diag) {
  *removed = 0;
  char relative[4096];
  char *directory = NULL;
  /* The copies' paths were made absolute when they were staged. */
  int status =
      msiq_store_staged_directory(store, relative, sizeof relative, diag);
  if (status == MSIQ_OK) {
    status = msiq_host_absolute_path(relative, &directory, diag);
  }
  int64_t count = STORE_STAGED_BATCH;
  while (status == MSIQ_OK && count == STORE_STAGED_BATCH) {
    status = store_staged_remove_batch(store, directory, &count, diag);
    if (status == MSIQ_OK) {
      *removed += count;
    }
  }
  free(directory);
  return status;
}
