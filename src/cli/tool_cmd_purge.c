/* tool_cmd_purge.c: `msiq purge --older-than D`, forget old finished jobs. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "host/host.h"

typedef struct purge_options {
  int64_t older_than_ms;
  const char *log_directory; /* --log-dir, as `run` was given it, or NULL */
} purge_options;

static const tool_option purge_option_table[] = {
    {"older-than", 0, TOOL_OPTION_DURATION,
     offsetof(purge_options, older_than_ms), NULL},
    {"log-dir", 0, TOOL_OPTION_STRING, offsetof(purge_options, log_directory),
     NULL},
    TOOL_OPTION_TABLE_END,
};

/* The ids of the default logs ("job-ID.log") found in the log folder. */
typedef struct purge_log_list {
  int64_t *ids;
  size_t count;
  bool out_of_memory;
} purge_log_list;

static void purge_note_log(void *context, const char *name) {
  purge_log_list *list = context;
  /* Exactly "job-" digits ".log", as the dispatcher names them. */
  if (strncmp(name, "job-", 4) != 0) {
    return;
  }
  const char *digits = name + 4;
  size_t count = strspn(digits, "0123456789");
  if (count == 0 || count > 18 || digits[0] == '0' ||
      strcmp(digits + count, ".log") != 0) {
    return;
  }
  int64_t *grown = realloc(list->ids, (list->count + 1) * sizeof *grown);
  if (grown == NULL) {
    list->out_of_memory = true;
    return;
  }
  list->ids = grown;
  list->ids[list->count++] = strtoll(digits, NULL, 10);
}

/* The folder the dispatcher writes default logs to: --log-dir, else the
 * stored `log-dir` setting (`msiq config`), else `logs` beside the
 * database, as `run` chooses it; *directory is free()d by the caller. */
static int purge_log_directory(const purge_options *options, msiq_store *store,
                               char **directory, msiq_diag *diag) {
  char relative[4096];
  char *stored = NULL;
  if (options->log_directory == NULL) {
    int status = msiq_store_setting_get(store, "log-dir", &stored, diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  if (options->log_directory != NULL || stored != NULL) {
    snprintf(relative, sizeof relative, "%s",
             options->log_directory != NULL ? options->log_directory : stored);
    free(stored);
  } else if (!msiq_path_beside(msiq_store_path(store), "logs", relative,
                               sizeof relative)) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "log directory too long");
  }
  return msiq_host_absolute_path(relative, directory, diag);
}

/* Deletes the default logs of the jobs no longer in the queue (the ones
 * just purged, and any an earlier purge could not delete): ids are never
 * given twice, so such a log belongs to no job now. A job's own --log is
 * the administrator's file and stays. A log that cannot be deleted is a
 * warning: the jobs are purged either way. *removed counts the logs
 * deleted. */
static int purge_remove_logs(const purge_options *options, msiq_store *store,
                             int64_t *removed, msiq_diag *diag) {
  *removed = 0;
  char *directory = NULL;
  purge_log_list list = {NULL, 0, false};
  int status = purge_log_directory(options, store, &directory, diag);
  msiq_host_file_identity identity;
  if (status == MSIQ_OK &&
      msiq_host_file_identify(directory, &identity, NULL) != MSIQ_OK) {
    goto cleanup; /* no log folder (no dispatcher wrote one yet) */
  }
  if (status == MSIQ_OK) {
    status = msiq_host_list_directory(directory, purge_note_log, &list, diag);
  }
  if (status == MSIQ_OK && list.out_of_memory) {
    status = msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  const char *separator =
      strchr(directory != NULL ? directory : "", '\\') ? "\\" : "/";
  for (size_t i = 0; status == MSIQ_OK && i < list.count; i++) {
    bool gone = false;
    status = msiq_store_job_id_gone(store, list.ids[i], &gone, diag);
    if (status != MSIQ_OK || !gone) {
      continue;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s%sjob-%lld.log", directory, separator,
             (long long)list.ids[i]);
    msiq_diag problem = {{0}};
    if (msiq_host_delete_file(path, &problem) != MSIQ_OK) {
      warnf("%s (the job is purged; delete the log yourself)", problem.message);
    } else {
      (*removed)++;
    }
  }

cleanup:
  free(list.ids);
  free(directory);
  return status;
}

/* --older-than has no default: forgetting history is always asked for. */
static int purge_check(void *state, msiq_diag *diag) {
  if (((const purge_options *)state)->older_than_ms <= 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--older-than D is required (for example "
                         "--older-than 30d)");
  }
  return MSIQ_OK;
}

static int purge_exec(const tool_context *context, void *state,
                      msiq_store *store) {
  int64_t older_than = ((const purge_options *)state)->older_than_ms;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int64_t deleted = 0;
  int status =
      msiq_store_purge(store, msiq_host_now_ms() - older_than, &deleted, &diag);
  /* Staged packages of the jobs now gone leave the disk too (also any that
   * an earlier purge could not delete). */
  int64_t removed = 0;
  if (status == MSIQ_OK) {
    status = msiq_store_remove_staged_copies(store, &removed, &diag);
  }
  int64_t logs_removed = 0;
  if (status == MSIQ_OK) {
    status = purge_remove_logs(state, store, &logs_removed, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (context->json) {
    printf("{\"purged\":%lld,\"logs_deleted\":%lld}\n", (long long)deleted,
           (long long)logs_removed);
  } else {
    printf("purged %lld finished job%s\n", (long long)deleted,
           deleted == 1 ? "" : "s");
  }
  return exit_code;
}

static const char purge_help[] =
    "Only succeeded, failed and cancelled jobs are deleted, and never one an\n"
    "unfinished job still waits for. The staged copies of the jobs deleted\n"
    "(enqueue --stage) are deleted with them, and so are their logs in the\n"
    "dispatcher's log folder (job-ID.log; a job's own --log stays).\n\n"
    "Options:\n"
    "  --older-than D   age of the finish time: 90s, 15m, 2h, 30d\n"
    "  --log-dir DIR    the log folder, if `run` was given --log-dir "
    "(default:\n"
    "                   the stored log-dir setting, else logs beside the\n"
    "                   database)\n";

const tool_command tool_cmd_purge = {
    .name = "purge",
    .usage = "--older-than D [--log-dir DIR]",
    .summary = "Delete finished jobs (and their history) older than D.",
    .help = purge_help,
    .options = purge_option_table,
    .options_size = sizeof(purge_options),
    .check = purge_check,
    .store = TOOL_STORE_EXISTING,
    .exec = purge_exec,
};
