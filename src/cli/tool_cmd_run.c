/* tool_cmd_run.c: `msiq run`, the dispatcher. */
#include "cli/tool.h"

#include <stdio.h>

#include "dispatcher/dispatcher.h"
#include "host/host.h"
#include "core/timeparse.h"

enum run_option_id {
  RUN_POLL = 1,
  RUN_RETRY_BASE,
  RUN_RETRY_MAX,
  RUN_GIVE_UP_AFTER,
  RUN_DEFAULT_TIMEOUT,
  RUN_GRACE,
  RUN_CANCEL_GRACE,
  RUN_DRAIN,
  RUN_LOG_DIRECTORY,
  RUN_WINDOW,
  RUN_HOLD_ON_PENDING_REBOOT,
};

static const tool_option run_options[] = {
    {"poll", 0, TOOL_ARGUMENT_REQUIRED, RUN_POLL},
    {"retry-base", 0, TOOL_ARGUMENT_REQUIRED, RUN_RETRY_BASE},
    {"retry-max", 0, TOOL_ARGUMENT_REQUIRED, RUN_RETRY_MAX},
    {"give-up-after", 0, TOOL_ARGUMENT_REQUIRED, RUN_GIVE_UP_AFTER},
    {"default-timeout", 0, TOOL_ARGUMENT_REQUIRED, RUN_DEFAULT_TIMEOUT},
    {"grace", 0, TOOL_ARGUMENT_REQUIRED, RUN_GRACE},
    {"cancel-grace", 0, TOOL_ARGUMENT_REQUIRED, RUN_CANCEL_GRACE},
    {"drain", 0, TOOL_ARGUMENT_NONE, RUN_DRAIN},
    {"log-dir", 0, TOOL_ARGUMENT_REQUIRED, RUN_LOG_DIRECTORY},
    {"window", 0, TOOL_ARGUMENT_REQUIRED, RUN_WINDOW},
    {"hold-on-pending-reboot", 0, TOOL_ARGUMENT_NONE,
     RUN_HOLD_ON_PENDING_REBOOT},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

static int run_handle_option(void *state, int id, const char *value,
                             msiq_diag *diag) {
  msiq_dispatcher_options *options = state;
  switch (id) {
    case RUN_POLL:
      return msiq_duration_parse(value, &options->poll_ms, diag);
    case RUN_RETRY_BASE:
      return msiq_duration_parse(value, &options->retry_base_ms, diag);
    case RUN_RETRY_MAX:
      return msiq_duration_parse(value, &options->retry_max_ms, diag);
    case RUN_GIVE_UP_AFTER:
      return msiq_duration_parse(value, &options->give_up_after_ms, diag);
    case RUN_DEFAULT_TIMEOUT:
      return msiq_duration_parse(value, &options->default_timeout_ms, diag);
    case RUN_GRACE:
      return msiq_duration_parse(value, &options->grace_ms, diag);
    case RUN_CANCEL_GRACE:
      return msiq_duration_parse(value, &options->cancel_grace_ms, diag);
    case RUN_DRAIN:
      options->drain = true;
      return MSIQ_OK;
    case RUN_LOG_DIRECTORY:
      options->log_directory = value;
      return MSIQ_OK;
    case RUN_WINDOW:
      options->has_window = true;
      return msiq_window_parse(value, &options->window, diag);
    case RUN_HOLD_ON_PENDING_REBOOT:
      options->hold_on_pending_reboot = true;
      return MSIQ_OK;
  }
  return MSIQ_OK;
}

/* One line per dispatcher event, time-stamped, flushed at once so that a
 * service log or a scheduled task's output is complete after a crash. */
static void run_print_report(void *context, const char *line) {
  (void)context;
  char now[40];
  msiq_time_format_utc(msiq_host_now_ms(), now, sizeof now);
  printf("%s %s\n", now, line);
  fflush(stdout);
}

static int run_exec(tool_context *context, int argc, char **argv) {
  msiq_dispatcher_options options;
  msiq_dispatcher_options_init(&options);
  int exit_code =
      tool_parse_command_line(context, argc, argv, run_options,
                              run_handle_option, &options, NULL, 0, 0, "");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  if (options.retry_max_ms < options.retry_base_ms) {
    return tool_report(context,
                       msiq_diag_set(&diag, MSIQ_EUSAGE,
                                     "--retry-max must not be shorter than "
                                     "--retry-base"),
                       &diag);
  }
  options.report = run_print_report;
  /* Checked before the database is opened, so a misconfigured run creates
   * nothing. */
  char program[4096];
  int status =
      msiq_host_installer_program(program, sizeof program, NULL, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  msiq_store *store = NULL;
  exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  status = msiq_dispatcher_run(store, &options, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  msiq_store_close(store);
  return exit_code;
}

const tool_command tool_cmd_run = {
    "run",
    "[options]",
    "Run the dispatcher: start queued jobs one at a time when Windows "
    "Installer is free.",
    "Starts a job only when the queue is not paused, the Global\\_MSIExecute\n"
    "mutex is free and the msiserver service is idle. Exit code 1618 is\n"
    "retried with capped, jittered exponential backoff. SIGINT, SIGTERM or\n"
    "Ctrl-C stop it: no new job starts, and a running installer is never\n"
    "killed. Only one dispatcher may run per database (exit 5 otherwise).\n\n"
    "Options:\n"
    "  --poll D             re-check interval while waiting (default 1s)\n"
    "  --retry-base D       first delay after 1618 (default 10s)\n"
    "  --retry-max D        longest delay between attempts (default 5m)\n"
    "  --give-up-after D    time budget for 1618 retries of a job (default "
    "1h)\n"
    "  --default-timeout D  installer timeout for jobs without --timeout\n"
    "                       (default 4h)\n"
    "  --grace D            on stop, wait this long for the running installer\n"
    "                       to finish and record it (default 30s)\n"
    "  --cancel-grace D     on a timeout or cancel --force, how long a worker\n"
    "                       may take to roll back before its process tree is\n"
    "                       ended (default 10m)\n"
    "  --drain              exit once no installer runs and no job is ready\n"
    "                       or waiting for a retry (for scheduled tasks)\n"
    "  --log-dir DIR        msiexec logs of jobs without --log (default: logs\n"
    "                       beside the database)\n"
    "  --window HH:MM-HH:MM start jobs only inside this daily window, local\n"
    "                       time; it may cross midnight (22:00-05:00)\n"
    "  --hold-on-pending-reboot\n"
    "                       start nothing while Windows has a reboot pending\n"
    "\n"
    "After an installer answers 1641 (it started a reboot) the queue pauses;\n"
    "it resumes by itself once the machine has really rebooted.\n",
    run_exec,
};
