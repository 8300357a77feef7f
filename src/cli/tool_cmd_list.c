/* tool_cmd_list.c: `msiq list`, the queue at a glance. */
#include "cli/tool.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeparse.h"
#include "host/host.h"

typedef struct list_options {
  msiq_job_filter filter;
} list_options;

static int list_parse_state(void *state, const char *value, msiq_diag *diag) {
  msiq_state parsed;
  if (msiq_state_parse(value, &parsed) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "unknown state '%s' (use queued, running, retrying, "
                         "succeeded, failed or cancelled)",
                         value);
  }
  ((list_options *)state)->filter.state = (int)parsed;
  return MSIQ_OK;
}

static int list_parse_action(void *state, const char *value, msiq_diag *diag) {
  msiq_action parsed;
  if (msiq_action_parse(value, &parsed) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "unknown action '%s' (use " MSIQ_ACTION_CHOICES ")",
                         value);
  }
  ((list_options *)state)->filter.action = (int)parsed;
  return MSIQ_OK;
}

/* A duration means "that long ago" ("24h", "7d"), as for `report`; else a
 * time. */
static int list_parse_since(void *state, const char *value, msiq_diag *diag) {
  int64_t *since = &((list_options *)state)->filter.since;
  int64_t ago = 0;
  if (msiq_duration_parse(value, &ago, NULL) == MSIQ_OK) {
    *since = msiq_host_now_ms() - ago;
    return MSIQ_OK;
  }
  return msiq_time_parse(value, msiq_host_now_ms(), since, diag);
}

static int list_parse_limit(void *state, const char *value, msiq_diag *diag) {
  char *end = NULL;
  errno = 0;
  long long parsed = strtoll(value, &end, 10);
  if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
      parsed < 1) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "--limit '%s' is not a whole number of 1 or more",
                         value);
  }
  ((list_options *)state)->filter.limit = (int64_t)parsed;
  return MSIQ_OK;
}

static const tool_option list_option_table[] = {
    {"state", 's', TOOL_OPTION_CUSTOM, 0, list_parse_state},
    {"action", 'a', TOOL_OPTION_CUSTOM, 0, list_parse_action},
    {"key", 'k', TOOL_OPTION_STRING, offsetof(list_options, filter.key), NULL},
    {"product", 0, TOOL_OPTION_STRING, offsetof(list_options, filter.product),
     NULL},
    {"since", 0, TOOL_OPTION_CUSTOM, 0, list_parse_since},
    {"limit", 'n', TOOL_OPTION_CUSTOM, 0, list_parse_limit},
    TOOL_OPTION_TABLE_END,
};

static void list_init(void *state) {
  msiq_job_filter_init(&((list_options *)state)->filter);
}

/* What list_print_row needs besides the job: the store, to read a running
 * job's progress, and where to leave a failure. */
typedef struct list_rows {
  msiq_store *store;
  msiq_diag *diag;
} list_rows;

static int list_print_row(const msiq_job *job, void *context) {
  const list_rows *rows = context;
  char exit_code[24] = "-";
  if (job->has_exit_code) {
    tool_format_exit_code(job->exit_code, false, exit_code, sizeof exit_code);
  }
  /* The percentage of a running job that has reported one; the column is
   * blank for every other job. */
  char percent[16] = "";
  if (job->state == MSIQ_STATE_RUNNING) {
    msiq_progress_report progress;
    int status =
        msiq_store_get_progress(rows->store, job->id, &progress, rows->diag);
    if (status != MSIQ_OK && status != MSIQ_ENOT_FOUND) {
      return status;
    }
    if (status == MSIQ_OK && progress.reported && progress.percent >= 0) {
      snprintf(percent, sizeof percent, "%d%%", progress.percent);
    }
  }
  /* People know a package by its name and version ("Sample App 1.0.0"),
   * so that stands for the path when the package was read at enqueue. */
  char label[256];
  const char *target =
      msiq_package_info_label(&job->package, label, sizeof label) ? label
                                                                  : job->target;
  /* A related uninstall's target is an UpgradeCode, named as such. */
  if (job->related) {
    snprintf(label, sizeof label, "products of upgrade code %s", job->target);
    target = label;
  }
  /* An unpatch job's target is the product; the patch it removes is its
   * MSIPATCHREMOVE property, which the list's rows do not carry, so it
   * is read for these rows alone: "{PATCH} from {PRODUCT}". */
  if (job->action == MSIQ_ACTION_UNPATCH) {
    msiq_job full;
    msiq_job_init(&full);
    int status = msiq_store_get_job(rows->store, job->id, &full, rows->diag);
    if (status != MSIQ_OK) {
      msiq_job_cleanup(&full);
      return status;
    }
    const char *patch_code = msiq_property_value_of(
        full.properties, full.property_count, MSIQ_PATCHREMOVE_PROPERTY);
    if (patch_code != NULL) {
      snprintf(label, sizeof label, "%s from %s", patch_code, job->target);
      target = label;
    }
    msiq_job_cleanup(&full);
  }
  printf("%-6lld %-9s %-9s %8lld %3lld/%-3lld %-6s %-8s %s\n",
         (long long)job->id, msiq_state_name(job->state),
         msiq_action_name(job->action), (long long)job->priority,
         (long long)job->attempts, (long long)job->max_attempts, exit_code,
         percent, target);
  return MSIQ_OK;
}

/* The JSON array as it is written: objects gather in a buffer that goes
 * out in writes much bigger than stdio's default buffer for a pipe or a
 * file (fewer system calls for the same bytes). */
typedef struct list_json_rows {
  bool started; /* an object was written, so the next follows a comma */
  size_t used;
  char buffer[64 * 1024];
} list_json_rows;

/* Writes out what the buffer holds. */
static int list_json_flush(list_json_rows *rows, msiq_diag *diag) {
  if (rows->used > 0 &&
      fwrite(rows->buffer, 1, rows->used, stdout) != rows->used) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot write the list");
  }
  rows->used = 0;
  return MSIQ_OK;
}

/* Adds length bytes to the buffer; text longer than the buffer is written
 * at once after what the buffer held. */
static int list_json_add(list_json_rows *rows, const char *text, size_t length,
                         msiq_diag *diag) {
  int status = MSIQ_OK;
  if (rows->used + length > sizeof rows->buffer) {
    status = list_json_flush(rows, diag);
  }
  if (status == MSIQ_OK && length > sizeof rows->buffer) {
    if (fwrite(text, 1, length, stdout) != length) {
      status = msiq_diag_set(diag, MSIQ_EIO, "cannot write the list");
    }
  } else if (status == MSIQ_OK) {
    memcpy(rows->buffer + rows->used, text, length);
    rows->used += length;
  }
  return status;
}

static int list_print_json_row(const char *json, size_t length, void *context,
                               msiq_diag *diag) {
  list_json_rows *rows = context;
  int status = rows->started ? list_json_add(rows, ",", 1, diag) : MSIQ_OK;
  if (status == MSIQ_OK) {
    status = list_json_add(rows, json, length, diag);
  }
  rows->started = true;
  return status;
}

/* The JSON array of the jobs, written as SQLite gives the rows: a million
 * jobs take the memory of one (the objects are the job_json view's, as
 * msiq_store_list_json has them). A failure after the first row leaves the
 * array unterminated, so a reader cannot take it for the whole list. */
static int list_print_json(msiq_store *store, const msiq_job_filter *filter,
                           msiq_diag *diag) {
  list_json_rows *rows = malloc(sizeof *rows);
  if (rows == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  rows->started = false;
  rows->used = 0;
  int status = list_json_add(rows, "[", 1, diag);
  if (status == MSIQ_OK) {
    status = msiq_store_list_json_rows_filtered(
        store, filter, list_print_json_row, rows, diag);
  }
  if (status == MSIQ_OK) {
    status = list_json_add(rows, "]\n", 2, diag);
  }
  if (status == MSIQ_OK) {
    status = list_json_flush(rows, diag);
  }
  if (status == MSIQ_OK && fflush(stdout) == EOF) {
    status = msiq_diag_set(diag, MSIQ_EIO, "cannot write the list");
  }
  free(rows);
  return status;
}

static int list_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  const msiq_job_filter *filter = &((const list_options *)state)->filter;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int status;
  if (context->json) {
    status = list_print_json(store, filter, &diag);
  } else {
    printf("%-6s %-9s %-9s %8s %7s %-6s %-8s %s\n", "ID", "STATE", "ACTION",
           "PRIORITY", "TRIES", "EXIT", "PROGRESS", "TARGET");
    list_rows rows = {store, &diag};
    status = msiq_store_list_jobs_filtered(store, filter, list_print_row, &rows,
                                           &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  return exit_code;
}

static const char list_help[] =
    "Options (a job is listed when it matches every one given):\n"
    "  -s, --state S     only jobs in state S: queued, running, retrying,\n"
    "                    succeeded, failed or cancelled\n"
    "  -a, --action A    only install, uninstall, patch, repair, admin,\n"
    "                    advertise or unpatch jobs\n"
    "  -k, --key K       only jobs with idempotency key K\n"
    "  --product NAME    only jobs whose package is the product NAME (its\n"
    "                    name in any case, or its product code)\n"
    "  --since T         only jobs enqueued at or after T (a time, or a\n"
    "                    duration ago: 24h, 7d)\n"
    "  -n, --limit N     only the newest N of them\n";

const tool_command tool_cmd_list = {
    .name = "list",
    .usage = "[--state S] [--action A] [--key K] [--product NAME] [--since T] "
             "[--limit N]",
    .summary = "List jobs, oldest first.",
    .help = list_help,
    .options = list_option_table,
    .options_size = sizeof(list_options),
    .init = list_init,
    .store = TOOL_STORE_EXISTING,
    .exec = list_exec,
};
