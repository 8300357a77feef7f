/* tool_cmd_log.c: `msiq log ID`, a job's msiexec log as UTF-8 text, and
 * `msiq log --follow ID`, the log of a running job as it grows. */
#include "cli/tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/text.h"
#include "dispatcher/log_excerpt.h"
#include "host/host.h"

/* How often `log --follow` looks at the job and its log, as `wait` looks
 * at its jobs: a look costs one PRAGMA data_version and one open of the
 * log. */
#define LOG_FOLLOW_POLL_MS 200

typedef struct log_options {
  bool failure_only;
  bool follow;
  int64_t id;
} log_options;

static const tool_option log_option_table[] = {
    {"failure", 'f', TOOL_OPTION_FLAG, offsetof(log_options, failure_only),
     NULL},
    {"follow", 0, TOOL_OPTION_FLAG, offsetof(log_options, follow), NULL},
    TOOL_OPTION_TABLE_END,
};

static int log_check(void *state, msiq_diag *diag) {
  const log_options *options = state;
  if (options->failure_only && options->follow) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--failure and --follow cannot be used together");
  }
  return MSIQ_OK;
}

/* `msiq log --follow`: one job's log, read again each poll from where the
 * last read ended. */
typedef struct log_follower {
  int64_t id;
  char *path;  /* the job's log, once the job has started */
  long offset; /* how many of its bytes were read */
  bool opened; /* it could be opened at least once */
  tool_log_stream stream;
} log_follower;

static void log_follow_print(const char *text) {
  if (text[0] != '\0') {
    fputs(text, stdout);
    fflush(stdout);
  }
}

/* Prints what the stream still holds (the last line, even without its
 * line feed, which is then added) and starts the stream afresh. */
static int log_follow_flush(log_follower *follower, msiq_diag *diag) {
  char *rest = NULL;
  int status = tool_log_stream_finish(&follower->stream, &rest, diag);
  if (status == MSIQ_OK) {
    log_follow_print(rest);
    if (rest[0] != '\0' && rest[strlen(rest) - 1] != '\n') {
      log_follow_print("\n");
    }
  }
  free(rest);
  tool_log_stream_cleanup(&follower->stream);
  return status;
}

/* Reads what was added to the log since the last read and prints its whole
 * lines; at_end (the job no longer runs) also the rest. While the job runs
 * a log that cannot be opened is not an error: the installer may not have
 * created it yet. */
static int log_follow_read(log_follower *follower, bool at_end,
                           msiq_diag *diag) {
  FILE *file = msiq_host_fopen(follower->path, "rb");
  if (file == NULL) {
    int error = errno;
    if (at_end && !follower->opened) {
      return msiq_diag_set(
          diag, MSIQ_ESTATE, "job %lld: cannot open log %s: %s",
          (long long)follower->id, follower->path, strerror(error));
    }
    return at_end ? log_follow_flush(follower, diag) : MSIQ_OK;
  }
  follower->opened = true;
  int status = MSIQ_OK;
  long size = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
  if (size >= 0 && size < follower->offset) {
    /* Shorter than what was read: the log was written afresh (a new
     * attempt that does not append), so it is read from its start. */
    status = log_follow_flush(follower, diag);
    follower->offset = 0;
  }
  if (status == MSIQ_OK && fseek(file, follower->offset, SEEK_SET) != 0) {
    status =
        msiq_diag_set(diag, MSIQ_EIO, "job %lld: cannot read log %s: %s",
                      (long long)follower->id, follower->path, strerror(errno));
  }
  unsigned char chunk[65536];
  size_t count;
  while (status == MSIQ_OK &&
         (count = fread(chunk, 1, sizeof chunk, file)) > 0) {
    char *lines = NULL;
    status =
        tool_log_stream_feed(&follower->stream, chunk, count, &lines, diag);
    if (status == MSIQ_OK) {
      log_follow_print(lines);
      follower->offset += (long)count;
    }
    free(lines);
  }
  if (status == MSIQ_OK && ferror(file)) {
    status =
        msiq_diag_set(diag, MSIQ_EIO, "job %lld: cannot read log %s: %s",
                      (long long)follower->id, follower->path, strerror(errno));
  }
  fclose(file);
  if (status == MSIQ_OK && at_end) {
    status = log_follow_flush(follower, diag);
  }
  return status;
}

/* Follows the job: waits for it to start if it has not, prints its log as
 * it grows while it runs, and the rest once it no longer runs. */
static int log_follow(const tool_context *context, msiq_store *store,
                      int64_t id) {
  msiq_diag diag = {{0}};
  log_follower follower = {.id = id};
  tool_log_stream_init(&follower.stream);
  msiq_job job;
  msiq_job_init(&job);
  int64_t seen_version = -1;
  int64_t first_attempts = -1;
  /* The job runs, or has run since the follow began (a job that goes from
   * queued to running and on between two looks has a new attempt). */
  bool started = false;
  bool ended = false;
  int status = MSIQ_OK;
  for (;;) {
    int64_t version = 0;
    status = msiq_store_data_version(store, &version, &diag);
    if (status != MSIQ_OK) {
      break;
    }
    /* Re-read the job only when another process committed something. */
    if (version != seen_version) {
      seen_version = version;
      msiq_job_cleanup(&job);
      status = msiq_store_get_job(store, id, &job, &diag);
      if (status != MSIQ_OK) {
        break;
      }
      if (first_attempts < 0) {
        first_attempts = job.attempts;
      }
      started = started || job.state == MSIQ_STATE_RUNNING ||
                job.attempts != first_attempts;
      ended = msiq_state_is_final(job.state) ||
              (started && job.state != MSIQ_STATE_RUNNING);
      if (ended && job.log_path == NULL) {
        status = msiq_diag_set(&diag, MSIQ_ESTATE,
                               "job %lld has no log (it never started)",
                               (long long)id);
        break;
      }
      if ((started || ended) && follower.path == NULL && job.log_path != NULL) {
        follower.path = msiq_text_duplicate(job.log_path);
        if (follower.path == NULL) {
          status = msiq_diag_set(&diag, MSIQ_ENOMEM, "out of memory");
          break;
        }
      }
    }
    /* The log grows without a commit, so it is read at every look. */
    if (follower.path != NULL) {
      status = log_follow_read(&follower, ended, &diag);
      if (status != MSIQ_OK) {
        break;
      }
    }
    if (ended) {
      break;
    }
    uv_sleep(LOG_FOLLOW_POLL_MS);
  }
  msiq_job_cleanup(&job);
  tool_log_stream_cleanup(&follower.stream);
  free(follower.path);
  return status == MSIQ_OK ? TOOL_EXIT_OK : tool_report(context, status, &diag);
}

static int log_exec(const tool_context *context, void *state,
                    msiq_store *store) {
  const log_options *options = state;
  int64_t id = options->id;
  if (options->follow) {
    return log_follow(context, store, id);
  }
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  msiq_job job;
  char *text = NULL;
  int status = msiq_store_get_job(store, id, &job, &diag);
  if (status == MSIQ_OK && job.log_path == NULL) {
    status = msiq_diag_set(&diag, MSIQ_ESTATE,
                           "job %lld has no log yet (it has not started)",
                           (long long)id);
  }
  if (status == MSIQ_OK) {
    /* msiexec writes UTF-16; msiq prints UTF-8. The reader's explanation
     * gets its own buffer: formatting a diagnostic into itself would
     * repeat the prefix over the message it is reading. */
    msiq_diag reason = {{0}};
    status = msiq_log_read(job.log_path, &text, &reason);
    if (status != MSIQ_OK) {
      status = msiq_diag_set(&diag, MSIQ_ESTATE, "job %lld: %s", (long long)id,
                             reason.message);
    }
  }
  if (status == MSIQ_OK && options->failure_only) {
    char *excerpt = msiq_log_failure_excerpt(text);
    free(text);
    text = excerpt;
    if (text == NULL) {
      status = msiq_diag_set(&diag, MSIQ_ESTATE,
                             "job %lld: the log shows no failure (no "
                             "\"Return value 3\")",
                             (long long)id);
    }
  }
  if (status == MSIQ_OK) {
    fputs(text, stdout);
    if (text[0] != '\0' && text[strlen(text) - 1] != '\n') {
      fputc('\n', stdout);
    }
  } else {
    exit_code = tool_report(context, status, &diag);
  }
  free(text);
  if (status != MSIQ_ENOT_FOUND) {
    msiq_job_cleanup(&job);
  }
  return exit_code;
}

static const char log_help[] =
    "Options:\n"
    "  -f, --failure   only the lines around the first \"Return value 3\",\n"
    "                  where the installation failed\n"
    "      --follow    follow the job: wait for it to start, print its log\n"
    "                  as it grows while it runs, then the rest, and exit\n"
    "                  0 once it no longer runs (like tail -f)\n";

const tool_command tool_cmd_log = {
    .name = "log",
    .usage = "[--failure | --follow] ID",
    .summary = "Print a job's msiexec log (converted from UTF-16 to UTF-8), "
               "or follow it while the job runs.",
    .help = log_help,
    .options = log_option_table,
    .options_size = sizeof(log_options),
    .words = {.min = 1,
              .max = 1,
              .name = "job ID",
              .type = TOOL_WORD_JOB_ID,
              .offset = offsetof(log_options, id)},
    .check = log_check,
    .store = TOOL_STORE_EXISTING,
    .exec = log_exec,
};
