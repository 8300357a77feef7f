/* tool_store.c: opening the queue the way a command's descriptor declares
 * (tool_store_mode), so no command repeats the preamble. */
#include "cli/tool.h"

#include <stdio.h>

#include "core/text.h"
#include "host/host.h"

/* Resolves --db, else $MSIQ_DB, else the platform default. */
int tool_database_path(const tool_context *context, char *buffer, size_t size,
                       msiq_diag *diag) {
  const char *path = context->database_path;
  if (path == NULL || path[0] == '\0') {
    int status = MSIQ_OK;
    const char *source = "MSIQ_DB";
    if (!msiq_host_getenv("MSIQ_DB", buffer, size)) {
      source = "the default database path";
      status = msiq_host_default_database_path(buffer, size, diag);
    }
    /* Arguments were checked to be UTF-8; the environment was not. */
    if (status == MSIQ_OK && !msiq_text_is_utf8(buffer)) {
      char quoted[160];
      msiq_quote_for_message(buffer, quoted, sizeof quoted);
      status = msiq_diag_set(diag, MSIQ_EUSAGE, "%s ('%s') is not valid UTF-8",
                             source, quoted);
    }
    return status;
  }
  if (snprintf(buffer, size, "%s", path) >= (int)size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  return MSIQ_OK;
}

/* Set by main() (tool_exit_on_mapping_faults); in-process callers such as
 * the fuzzers keep their own signal handlers. */
static bool tool_mapping_faults_exit;

void tool_exit_on_mapping_faults(void) {
  tool_mapping_faults_exit = true;
}

/* SQLite maps the queue's -shm file: if it becomes impossible to write
 * (made immutable, truncated, its disk full) while this process has it
 * mapped, the next write to it faults. Exit as for any database error then,
 * with a line that says what happened, rather than crash. */
static void tool_guard_mapped_queue(const msiq_store *store) {
  if (!tool_mapping_faults_exit) {
    return;
  }
  char message[1024];
  snprintf(message, sizeof message,
           "msiq: database %s: its shared-memory file %s-shm can no longer "
           "be written (made read-only or immutable, truncated, or its disk "
           "is full); stopping",
           msiq_store_path(store), msiq_store_path(store));
  msiq_host_exit_on_mapping_fault(message,
                                  msiq_status_exit_code(MSIQ_EREADONLY));
}

int tool_open_store(const tool_context *context, int flags,
                    msiq_store **store) {
  msiq_diag diag = {{0}};
  char path[4096];
  int status = tool_database_path(context, path, sizeof path, &diag);
  if (status == MSIQ_OK) {
    status = msiq_store_open(path, flags, store, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  tool_guard_mapped_queue(*store);
  return TOOL_EXIT_OK;
}

/* TOOL_STORE_REHEARSED and TOOL_STORE_REHEARSED_ONCE (publish). */
static int tool_open_store_rehearsed(tool_context *context,
                                     tool_store_check rehearse, void *options,
                                     bool publish, msiq_store **store) {
  msiq_diag diag = {{0}};
  char path[4096];
  int status = tool_database_path(context, path, sizeof path, &diag);
  if (status == MSIQ_OK && !msiq_host_file_exists(path)) {
    /* A rehearsal on a private, empty in-memory queue with the same schema
     * and rules: if it fails, the real database is never created. */
    msiq_store *rehearsal = NULL;
    status = msiq_store_open(":memory:", MSIQ_STORE_CREATE, &rehearsal, &diag);
    if (status == MSIQ_OK) {
      status = rehearse(rehearsal, options, &diag);
    }
    if (status == MSIQ_OK && publish) {
      status = msiq_store_publish_new(rehearsal, path, store, &diag);
      context->rehearsal_published = *store != NULL;
    }
    msiq_store_close(rehearsal);
  }
  if (status == MSIQ_OK && *store == NULL) {
    status = msiq_store_open(path, MSIQ_STORE_CREATE, store, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  tool_guard_mapped_queue(*store);
  return TOOL_EXIT_OK;
}

int tool_open_command_store(tool_context *context, const tool_command *command,
                            void *options, msiq_store **store) {
  *store = NULL;
  context->rehearsal_published = false;
  switch (command->store) {
    case TOOL_STORE_NONE:
      return TOOL_EXIT_OK;
    case TOOL_STORE_EXISTING:
      return tool_open_store(context, 0, store);
    case TOOL_STORE_CREATE:
      return tool_open_store(context, MSIQ_STORE_CREATE, store);
    case TOOL_STORE_REHEARSED:
      return tool_open_store_rehearsed(context, command->rehearse, options,
                                       false, store);
    case TOOL_STORE_REHEARSED_ONCE:
      return tool_open_store_rehearsed(context, command->rehearse, options,
                                       true, store);
    case TOOL_STORE_PRIVATE:
      return tool_open_store(context, MSIQ_STORE_CREATE | MSIQ_STORE_PRIVATE,
                             store);
  }
  return tool_open_store(context, 0, store);
}
