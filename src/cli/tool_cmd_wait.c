/* tool_cmd_wait.c: `msiq wait ID...`, block until jobs finish and exit with
 * an msiexec-style code, so msiq can stand in for msiexec in scripts. */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "host/host.h"
#include "core/outcome.h"
#include "core/timeparse.h"

/* Reads every job; *over says whether the wait is over (msiq_wait_is_over:
 * all finished, or one ended with 1641). */
static int wait_read_jobs(msiq_store *store, const int64_t *ids, size_t count,
                          msiq_job *jobs, bool *over, msiq_diag *diag) {
  for (size_t i = 0; i < count; i++) {
    msiq_job_cleanup(&jobs[i]);
    int status = msiq_store_get_job(store, ids[i], &jobs[i], diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  *over = msiq_wait_is_over(jobs, count);
  return MSIQ_OK;
}

/* What `wait --progress` last printed for one job, to print a line only
 * when the percentage or the action changed. */
typedef struct wait_progress {
  bool shown; /* a line was printed for the job's current report */
  int percent;
  char action[1024];
} wait_progress;

/* Prints a line on stderr for each unfinished job whose percentage or
 * action changed since the last line printed for it: at most one per job
 * each time the jobs are read. */
static int wait_print_progress(msiq_store *store, const msiq_job *jobs,
                               size_t count, wait_progress *last,
                               msiq_diag *diag) {
  for (size_t i = 0; i < count; i++) {
    msiq_progress_report progress;
    int status = msiq_store_get_progress(store, jobs[i].id, &progress, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    if (!progress.reported) {
      /* Not running, or its attempt has not reported yet: the next
       * attempt's first report is news again. */
      last[i].shown = false;
      continue;
    }
    if (last[i].shown && last[i].percent == progress.percent &&
        strcmp(last[i].action, progress.action) == 0) {
      continue;
    }
    char text[1200];
    fprintf(stderr, "job %lld: %s\n", (long long)jobs[i].id,
            tool_format_progress(&progress, text, sizeof text));
    fflush(stderr);
    last[i].shown = true;
    last[i].percent = progress.percent;
    snprintf(last[i].action, sizeof last[i].action, "%s", progress.action);
  }
  return MSIQ_OK;
}

static void wait_print_result(const tool_context *context, msiq_store *store,
                              const msiq_job *jobs, size_t count) {
  if (context->json) {
    fputc('[', stdout);
    for (size_t i = 0; i < count; i++) {
      char *json = NULL;
      if (msiq_store_job_json(store, jobs[i].id, false, &json, NULL) ==
          MSIQ_OK) {
        printf("%s%s", i ? "," : "", json);
      }
      free(json);
    }
    fputs("]\n", stdout);
    return;
  }
  for (size_t i = 0; i < count; i++) {
    char exit_code[32] = "";
    if (jobs[i].has_exit_code) {
      snprintf(exit_code, sizeof exit_code, " (exit %lld)",
               (long long)jobs[i].exit_code);
    }
    printf("job %lld: %s%s%s%s%s\n", (long long)jobs[i].id,
           msiq_state_name(jobs[i].state), exit_code,
           jobs[i].reboot_required ? ", reboot required" : "",
           jobs[i].last_error != NULL ? ": " : "",
           jobs[i].last_error != NULL ? jobs[i].last_error : "");
  }
}

/* A wait that no dispatcher will end is not kept silent: one line on
 * stderr, at once, and the wait goes on (one may be started). */
static void wait_warn_without_dispatcher(msiq_store *store) {
  if (!msiq_host_lock_is_held(msiq_store_path(store))) {
    warnf("no dispatcher is running: the jobs run once `msiq run` or the "
          "service starts; waiting");
  }
}

/* tool_wait_for_jobs, and with show_progress `wait --progress`. With
 * print_on_timeout the jobs are printed as they are when the time runs out
 * too, so `enqueue --wait` always tells the id of the job it added. */
static int wait_for_jobs(const tool_context *context, msiq_store *store,
                         const int64_t *ids, size_t count, int64_t timeout_ms,
                         bool show_progress, bool print_on_timeout) {
  msiq_diag diag = {{0}};
  msiq_job *jobs = calloc(count, sizeof *jobs);
  wait_progress *last = show_progress ? calloc(count, sizeof *last) : NULL;
  if (jobs == NULL || (show_progress && last == NULL)) {
    free(jobs);
    free(last);
    errorf("out of memory");
    return TOOL_EXIT_FAILURE;
  }
  for (size_t i = 0; i < count; i++) {
    msiq_job_init(&jobs[i]);
  }
  uint64_t deadline = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  int64_t seen_version = -1;
  bool over = false;
  bool warned = false;
  int exit_code;
  /* Woken by the queue's doorbell when a job starts, moves on or ends (the
   * dispatcher writes progress at most once a second, so a running job
   * wakes this at most that often), not by a timer. */
  tool_waiter waiter;
  int status = tool_waiter_init(&waiter, msiq_store_path(store), &diag);
  bool waiting = status == MSIQ_OK;
  while (status == MSIQ_OK) {
    int64_t version = 0;
    status = msiq_store_data_version(store, &version, &diag);
    if (status != MSIQ_OK) {
      break;
    }
    /* Re-read only when another process committed something. */
    if (version != seen_version) {
      seen_version = version;
      status = wait_read_jobs(store, ids, count, jobs, &over, &diag);
      if (status != MSIQ_OK || over) {
        break;
      }
      if (!warned) {
        wait_warn_without_dispatcher(store);
        warned = true;
      }
      if (show_progress) {
        status = wait_print_progress(store, jobs, count, last, &diag);
        if (status != MSIQ_OK) {
          break;
        }
      }
    }
    uint64_t now = uv_hrtime() / 1000000;
    if (timeout_ms > 0 && now >= deadline) {
      break;
    }
    tool_waiter_sleep(&waiter, timeout_ms > 0 ? (int64_t)(deadline - now) : -1);
  }
  if (waiting) {
    tool_waiter_close(&waiter);
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else if (!over) {
    char limit[32];
    msiq_duration_format(timeout_ms, limit, sizeof limit);
    errorf("timed out after %s waiting for %zu job%s", limit, count,
           count == 1 ? "" : "s");
    if (print_on_timeout) {
      wait_print_result(context, store, jobs, count);
    }
    exit_code = 1460; /* ERROR_TIMEOUT, in the msiexec style */
  } else {
    wait_print_result(context, store, jobs, count);
    exit_code = (int)msiq_wait_exit_code(jobs, count);
  }
  for (size_t i = 0; i < count; i++) {
    msiq_job_cleanup(&jobs[i]);
  }
  free(jobs);
  free(last);
  return exit_code;
}

int tool_wait_for_jobs(const tool_context *context, msiq_store *store,
                       const int64_t *ids, size_t count, int64_t timeout_ms) {
  return wait_for_jobs(context, store, ids, count, timeout_ms, false, false);
}

int tool_wait_for_new_job(const tool_context *context, msiq_store *store,
                          int64_t id, int64_t timeout_ms) {
  return wait_for_jobs(context, store, &id, 1, timeout_ms, false, true);
}

typedef struct wait_options {
  int64_t timeout_ms;
  bool progress;
  /* The ids as given (pointers into argv), any number of them, parsed by
   * wait_check once the whole line is read, so a bad option is named
   * before a bad id and --help still wins. */
  const char **words;
  int64_t *ids;
  size_t count;
} wait_options;

static const tool_option wait_option_table[] = {
    {"timeout", 't', TOOL_OPTION_DURATION, offsetof(wait_options, timeout_ms),
     NULL},
    {"progress", 'p', TOOL_OPTION_FLAG, offsetof(wait_options, progress), NULL},
    TOOL_OPTION_TABLE_END,
};

static int wait_take_word(void *state, int index, const char *word,
                          msiq_diag *diag) {
  wait_options *options = state;
  (void)index;
  const char **grown =
      realloc(options->words, (options->count + 1) * sizeof *grown);
  if (grown == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  grown[options->count++] = word;
  options->words = grown;
  return MSIQ_OK;
}

static int wait_check(void *state, msiq_diag *diag) {
  wait_options *options = state;
  options->ids = calloc(options->count, sizeof *options->ids);
  if (options->ids == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < options->count; i++) {
    int status = tool_parse_job_id(options->words[i], &options->ids[i], diag);
    if (status != MSIQ_OK) {
      return status;
    }
  }
  return MSIQ_OK;
}

static void wait_cleanup(void *state) {
  wait_options *options = state;
  free(options->words);
  free(options->ids);
}

static int wait_exec(const tool_context *context, void *state,
                     msiq_store *store) {
  const wait_options *options = state;
  return wait_for_jobs(context, store, options->ids, options->count,
                       options->timeout_ms, options->progress, false);
}

static const char wait_help[] =
    "Exit code, in this order: if a job failed or was cancelled, the first\n"
    "such job's code (its installer's exit code; 1603 when it had none;\n"
    "1602 for a cancelled job); else 1641 if a job started a reboot; else\n"
    "3010 if one needs a reboot; else 0. 1618 is never returned: a job that\n"
    "gave up on it reports 1603. 1460 when --timeout passes first. A job\n"
    "that ends with 1641 ends the wait at once: the machine is restarting,\n"
    "and the other jobs run after the reboot.\n\n"
    "Options:\n"
    "  -p, --progress    while waiting, print a line on stderr whenever a\n"
    "                    running job's percentage or action changes\n"
    "                    (\"job 12: 42% InstallFiles: Copying new files\")\n"
    "  -t, --timeout D   give up waiting after D (the jobs keep going)\n";

const tool_command tool_cmd_wait = {
    .name = "wait",
    .usage = "[--progress] [--timeout D] ID...",
    .summary = "Wait until jobs finish; exit with an msiexec-style code.",
    .help = wait_help,
    .options = wait_option_table,
    .options_size = sizeof(wait_options),
    .words = {.min = 1,
              .max = TOOL_WORDS_UNLIMITED,
              .name = "job ID",
              .type = TOOL_WORD_CUSTOM,
              .parse = wait_take_word},
    .check = wait_check,
    .store = TOOL_STORE_EXISTING,
    .exec = wait_exec,
    .cleanup = wait_cleanup,
};
