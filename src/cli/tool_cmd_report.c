/* tool_cmd_report.c: `msiq report`, what happened since a time: counts,
 * failures with their reasons, reboots needed. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"
#include "core/timeparse.h"

typedef struct report_options {
  int64_t since; /* UTC milliseconds */
} report_options;

static int report_parse_since(void *state, const char *value, msiq_diag *diag) {
  int64_t *since = &((report_options *)state)->since;
  /* A duration means "that long ago" ("24h", "7d"); else a time. */
  int64_t ago = 0;
  if (msiq_duration_parse(value, &ago, NULL) == MSIQ_OK) {
    *since = msiq_host_now_ms() - ago;
    return MSIQ_OK;
  }
  /* "08:00" is the last 08:00: a period to report on has begun. */
  return msiq_time_parse_past(value, msiq_host_now_ms(), since, diag);
}

static const tool_option report_option_table[] = {
    {"since", 's', TOOL_OPTION_CUSTOM, 0, report_parse_since},
    TOOL_OPTION_TABLE_END,
};

/* Default: the last 24 hours, a patch night and the morning after. */
static void report_init(void *state) {
  ((report_options *)state)->since = msiq_host_now_ms() - 24LL * 60 * 60 * 1000;
}

typedef struct report_totals {
  int64_t counts[MSIQ_STATE_COUNT];
  int64_t reboots;
} report_totals;

static int report_count(const msiq_job *job, void *context) {
  report_totals *totals = context;
  totals->counts[job->state]++;
  totals->reboots += job->reboot_required ? 1 : 0;
  return MSIQ_OK;
}

/* The first line of a last_error (a log excerpt may follow it). */
static void report_print_failure(const msiq_job *job) {
  const char *reason = job->last_error != NULL ? job->last_error : "";
  size_t length = strcspn(reason, "\n");
  char exit_code[32] = "-";
  if (job->has_exit_code) {
    snprintf(exit_code, sizeof exit_code, "%lld", (long long)job->exit_code);
  }
  printf("  job %-5lld %-9s %-9s exit %-5s %s\n    %.*s\n", (long long)job->id,
         msiq_state_name(job->state), msiq_action_name(job->action), exit_code,
         job->target, (int)length, reason);
}

static int report_visit_failure(const msiq_job *job, void *context) {
  (void)context;
  if (job->state != MSIQ_STATE_SUCCEEDED) {
    report_print_failure(job);
  }
  return MSIQ_OK;
}

static int report_visit_reboot(const msiq_job *job, void *context) {
  (void)context;
  if (job->reboot_required) {
    printf("  job %-5lld %s\n", (long long)job->id, job->target);
  }
  return MSIQ_OK;
}

static int report_print_text(msiq_store *store, int64_t since,
                             msiq_diag *diag) {
  report_totals totals = {{0}, 0};
  int64_t waiting[MSIQ_STATE_COUNT];
  msiq_queue_status queue;
  int status =
      msiq_store_list_finished(store, since, report_count, &totals, diag);
  if (status == MSIQ_OK) {
    status = msiq_store_count_by_state(store, waiting, diag);
  }
  if (status == MSIQ_OK) {
    status = msiq_store_queue_status(store, &queue, diag);
  }
  if (status != MSIQ_OK) {
    return status;
  }
  char since_text[40];
  tool_format_time(since, since_text, sizeof since_text);
  printf("since %s\n", since_text);
  printf("finished:  succeeded %lld, failed %lld, cancelled %lld\n",
         (long long)totals.counts[MSIQ_STATE_SUCCEEDED],
         (long long)totals.counts[MSIQ_STATE_FAILED],
         (long long)totals.counts[MSIQ_STATE_CANCELLED]);
  printf("waiting:   queued %lld, running %lld, retrying %lld\n",
         (long long)waiting[MSIQ_STATE_QUEUED],
         (long long)waiting[MSIQ_STATE_RUNNING],
         (long long)waiting[MSIQ_STATE_RETRYING]);
  int64_t failures =
      totals.counts[MSIQ_STATE_FAILED] + totals.counts[MSIQ_STATE_CANCELLED];
  printf("\nfailures (%lld):\n", (long long)failures);
  status =
      msiq_store_list_finished(store, since, report_visit_failure, NULL, diag);
  if (status == MSIQ_OK) {
    printf("\nreboot required (%lld):\n", (long long)totals.reboots);
    status =
        msiq_store_list_finished(store, since, report_visit_reboot, NULL, diag);
  }
  if (status == MSIQ_OK && queue.reboot_initiated) {
    printf("\nreboot initiated: the queue is paused until the machine "
           "reboots (%s)\n",
           queue.pause_reason);
  }
  return status;
}

static int report_exec(const tool_context *context, void *state,
                       msiq_store *store) {
  int64_t since = ((const report_options *)state)->since;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  int status;
  if (context->json) {
    char *json = NULL;
    status = msiq_store_report_json(store, since, &json, &diag);
    if (status == MSIQ_OK) {
      tool_print_json(json);
    }
    free(json);
  } else {
    status = report_print_text(store, since, &diag);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  return exit_code;
}

static const char report_help[] =
    "Options:\n"
    "  -s, --since T   the period's start: a time (ISO 8601; HH:MM is the\n"
    "                  last such local time), or a duration meaning that\n"
    "                  long ago (12h, 7d); default 24h\n";

const tool_command tool_cmd_report = {
    .name = "report",
    .usage = "[--since T]",
    .summary = "Summarise what happened: counts, failures with reasons, "
               "reboots needed.",
    .help = report_help,
    .options = report_option_table,
    .options_size = sizeof(report_options),
    .init = report_init,
    .store = TOOL_STORE_EXISTING,
    .exec = report_exec,
};
