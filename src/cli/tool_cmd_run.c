/* tool_cmd_run.c: `msiq run`, the dispatcher. */
#include "cli/tool.h"

#include <stdio.h>

#include "dispatcher/dispatcher.h"
#include "host/host.h"
#include "core/timeparse.h"

typedef struct run_options {
  msiq_dispatcher_options dispatcher;
} run_options;

static int run_parse_window(void *state, const char *value, msiq_diag *diag) {
  msiq_dispatcher_options *options = &((run_options *)state)->dispatcher;
  options->has_window = true;
  return msiq_window_parse(value, &options->window, diag);
}

#define RUN_FIELD(member) offsetof(run_options, dispatcher.member)

static const tool_option run_option_table[] = {
    {"poll", 0, TOOL_OPTION_DURATION, RUN_FIELD(poll_ms), NULL},
    {"retry-base", 0, TOOL_OPTION_DURATION, RUN_FIELD(retry_base_ms), NULL},
    {"retry-max", 0, TOOL_OPTION_DURATION, RUN_FIELD(retry_max_ms), NULL},
    {"give-up-after", 0, TOOL_OPTION_DURATION, RUN_FIELD(give_up_after_ms),
     NULL},
    {"default-timeout", 0, TOOL_OPTION_DURATION, RUN_FIELD(default_timeout_ms),
     NULL},
    {"grace", 0, TOOL_OPTION_DURATION, RUN_FIELD(grace_ms), NULL},
    {"cancel-grace", 0, TOOL_OPTION_DURATION, RUN_FIELD(cancel_grace_ms), NULL},
    {"drain", 0, TOOL_OPTION_FLAG, RUN_FIELD(drain), NULL},
    {"log-dir", 0, TOOL_OPTION_STRING, RUN_FIELD(log_directory), NULL},
    {"window", 0, TOOL_OPTION_CUSTOM, 0, run_parse_window},
    {"hold-on-pending-reboot", 0, TOOL_OPTION_FLAG,
     RUN_FIELD(hold_on_pending_reboot), NULL},
    TOOL_OPTION_TABLE_END,
};

#undef RUN_FIELD

/* The options start zeroed: a duration is never 0, so a value that is
 * still 0 after parsing was not given. What was given is fixed for this
 * run (it wins over the settings stored with `msiq config`); the rest gets
 * its default here and a stored setting's value when there is one. */
static void run_take_defaults(msiq_dispatcher_options *options) {
  msiq_dispatcher_options defaults;
  msiq_dispatcher_options_init(&defaults);
  uint32_t fixed = 0;
#define RUN_DURATION(field, setting)                                           \
  if (options->field != 0) {                                                   \
    fixed |= MSIQ_SETTING_BIT(setting);                                        \
  } else {                                                                     \
    options->field = defaults.field;                                           \
  }
  RUN_DURATION(poll_ms, MSIQ_SETTING_POLL)
  RUN_DURATION(retry_base_ms, MSIQ_SETTING_RETRY_BASE)
  RUN_DURATION(retry_max_ms, MSIQ_SETTING_RETRY_MAX)
  RUN_DURATION(give_up_after_ms, MSIQ_SETTING_GIVE_UP_AFTER)
  RUN_DURATION(default_timeout_ms, MSIQ_SETTING_DEFAULT_TIMEOUT)
  RUN_DURATION(cancel_grace_ms, MSIQ_SETTING_CANCEL_GRACE)
#undef RUN_DURATION
  if (options->grace_ms == 0) {
    options->grace_ms = defaults.grace_ms;
  }
  if (options->has_window) {
    fixed |= MSIQ_SETTING_BIT(MSIQ_SETTING_WINDOW);
  }
  if (options->hold_on_pending_reboot) {
    fixed |= MSIQ_SETTING_BIT(MSIQ_SETTING_HOLD_ON_PENDING_REBOOT);
  }
  if (options->log_directory != NULL) {
    fixed |= MSIQ_SETTING_BIT(MSIQ_SETTING_LOG_DIR);
  }
  options->use_stored_settings = true;
  options->fixed_settings = fixed;
}

/* Checked before the database is opened, so a misconfigured run creates
 * nothing. */
static int run_check(void *state, msiq_diag *diag) {
  msiq_dispatcher_options *options = &((run_options *)state)->dispatcher;
  run_take_defaults(options);
  if (options->retry_max_ms < options->retry_base_ms) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--retry-max must not be shorter than --retry-base");
  }
  char program[4096];
  return msiq_host_installer_program(program, sizeof program, NULL, diag);
}

static int run_exec(const tool_context *context, void *state,
                    msiq_store *store) {
  msiq_dispatcher_options *options = &((run_options *)state)->dispatcher;
  int exit_code = TOOL_EXIT_OK;
  msiq_diag diag = {{0}};
  /* One line per dispatcher event, on stdout (a task's output). */
  options->report = tool_print_report_line;
  options->report_context = stdout;
  int status = msiq_dispatcher_run(store, options, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  return exit_code;
}

static const char run_help[] =
    "Starts a job only when the queue is not paused, the Global\\_MSIExecute\n"
    "mutex is free and the msiserver service is idle. Exit code 1618 is\n"
    "retried with capped, jittered exponential backoff. SIGINT, SIGTERM or\n"
    "Ctrl-C stop it: no new job starts, and a running installer is never\n"
    "killed. Only one dispatcher may run per database (exit 5 otherwise).\n\n"
    "Options:\n"
    "  --poll D             safety net: look at the queue at least this\n"
    "                       often (default 60s; work is noticed at once)\n"
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
    "Each of these options but --grace and --drain can also be stored in the\n"
    "queue with `msiq config set NAME VALUE` (NAME without the dashes); an\n"
    "option given here wins over the stored value, and a change to the\n"
    "stored settings applies at the next check, without a restart.\n\n"
    "After an installer answers 1641 (it started a reboot) the queue pauses;\n"
    "it resumes by itself once the machine has really rebooted.\n";

const tool_command tool_cmd_run = {
    .name = "run",
    .usage = "[options]",
    .summary = "Run the dispatcher: start queued jobs one at a time when "
               "Windows Installer is free.",
    .help = run_help,
    .options = run_option_table,
    .options_size = sizeof(run_options),
    .check = run_check,
    .store = TOOL_STORE_PRIVATE,
    .exec = run_exec,
};
