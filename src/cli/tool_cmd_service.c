/* tool_cmd_service.c: `msiq service`, the dispatcher as a Windows service.
 *
 *   install    register (LocalSystem, delayed automatic start)
 *   start, stop, status, uninstall
 *   run        what the service manager starts
 *
 * The stop control is the dispatcher's graceful stop: no new job starts and
 * a running installer is given the grace period, never killed.
 */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "dispatcher/dispatcher.h"
#include "host/host.h"
#include "core/decision.h"
#include "core/text.h"
#include "core/timeparse.h"

#define SERVICE_DEFAULT_NAME "msiq"
/* How long a stop may take: the dispatcher's grace period for a running
 * installer and time to record its outcome. `service stop` and `uninstall`
 * wait this long, the service keeps telling the service manager it is
 * stopping this long, and it is the preshutdown timeout `install` sets. */
#define SERVICE_STOP_WAIT_MS (MSIQ_DEFAULT_GRACE_MS + 15000)

typedef struct service_options {
  const char *name;
  const char *action;
  /* --cancel-grace, or 0 when not given (a duration is never 0): then the
   * service uses the dispatcher's default, and `install` records nothing,
   * so that the default keeps applying to it. */
  int64_t cancel_grace_ms;
} service_options;

static int service_parse_name(void *state, const char *value, msiq_diag *diag) {
  for (const char *cursor = value; *cursor != '\0'; cursor++) {
    /* Service names are passed on a command line; keep them simple. */
    char character = *cursor;
    if (!((character >= 'A' && character <= 'Z') ||
          (character >= 'a' && character <= 'z') ||
          (character >= '0' && character <= '9') || character == '_' ||
          character == '-')) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "invalid service name '%s' (letters, digits, _ "
                           "and - only)",
                           value);
    }
  }
  ((service_options *)state)->name = value;
  return MSIQ_OK;
}

static const tool_option service_option_table[] = {
    {"name", 'n', TOOL_OPTION_CUSTOM, 0, service_parse_name},
    {"cancel-grace", 0, TOOL_OPTION_DURATION,
     offsetof(service_options, cancel_grace_ms), NULL},
    TOOL_OPTION_TABLE_END,
};

static void service_init(void *state) {
  ((service_options *)state)->name = SERVICE_DEFAULT_NAME;
}

/* A duration as the command line gives it, exactly: the compact form
 * drops milliseconds. */
static void service_format_duration(int64_t milliseconds, char *buffer,
                                    size_t size) {
  if (milliseconds % 1000 == 0) {
    msiq_duration_format(milliseconds, buffer, size);
  } else {
    snprintf(buffer, size, "%lldms", (long long)milliseconds);
  }
}

static int service_unknown_action(const char *action, msiq_diag *diag) {
  return msiq_diag_set(diag, MSIQ_EUSAGE,
                       "unknown action '%s' (use install, uninstall, start, "
                       "stop, status or run)",
                       action);
}

/* Refuses what can be refused before the queue is opened. The dispatcher's
 * options are the service's to record (install) and to use (run); the
 * other actions only talk to the service manager, where such an option
 * would silently do nothing. */
static int service_check(void *state, msiq_diag *diag) {
  const service_options *options = state;
  const char *action = options->action;
  bool dispatcher_action =
      strcmp(action, "install") == 0 || strcmp(action, "run") == 0;
  if (!dispatcher_action && strcmp(action, "uninstall") != 0 &&
      strcmp(action, "start") != 0 && strcmp(action, "stop") != 0 &&
      strcmp(action, "status") != 0) {
    return service_unknown_action(action, diag);
  }
  if (options->cancel_grace_ms > 0 && !dispatcher_action) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "--cancel-grace applies to install and run only "
                         "(to change an installed service's, uninstall it "
                         "and install it again with --cancel-grace)");
  }
  return MSIQ_OK;
}

/* The service process: the dispatcher, with its report lines appended to a
 * log file beside the database (a service has no console). */
typedef struct service_process {
  const tool_context *context;
  const char *name;
  bool cancel_grace_given; /* --cancel-grace was on the command line */
  int64_t cancel_grace_ms; /* the one given, when given */
  msiq_store *store;
  msiq_dispatcher_options options;
  /* msiq-service.log beside the queue; it rotates (host.h). */
  msiq_host_log *log;
  /* Guards dispatcher and stop_requested: the service manager's thread
   * reads them while the dispatcher's thread sets them. */
  uv_mutex_t lock;
  /* Set while the dispatcher runs (from on_started to on_stopping), NULL
   * before and after: a stop arriving later must not touch the freed
   * dispatcher. */
  msiq_dispatcher *dispatcher;
  bool stop_requested;
  /* What service_body ended with, for `service run`'s own report. */
  int exit_code;
  msiq_diag diag;
} service_process;

static void service_write_log(void *context, const char *line) {
  service_process *process = context;
  char now[40];
  msiq_time_format_utc(msiq_host_now_ms(), now, sizeof now);
  if (process->log != NULL) {
    char stamped[2048];
    snprintf(stamped, sizeof stamped, "%s %s", now, line);
    msiq_host_log_write_line(process->log, stamped);
  }
}

static void service_on_started(msiq_dispatcher *dispatcher, void *context) {
  service_process *process = context;
  uv_mutex_lock(&process->lock);
  process->dispatcher = dispatcher;
  if (process->stop_requested) {
    msiq_dispatcher_request_stop(dispatcher);
  }
  uv_mutex_unlock(&process->lock);
}

/* The dispatcher is closing: its stop request handle goes away, and the
 * dispatcher itself is freed before msiq_dispatcher_run returns. */
static void service_on_stopping(void *context) {
  service_process *process = context;
  uv_mutex_lock(&process->lock);
  process->dispatcher = NULL;
  uv_mutex_unlock(&process->lock);
}

/* Called on the service manager's thread. */
static void service_request_stop(void *context) {
  service_process *process = context;
  uv_mutex_lock(&process->lock);
  process->stop_requested = true;
  if (process->dispatcher != NULL) {
    msiq_dispatcher_request_stop(process->dispatcher);
  }
  uv_mutex_unlock(&process->lock);
}

static int service_log_path(const msiq_store *store, char *buffer,
                            size_t size) {
  return msiq_path_beside(msiq_store_path(store), "msiq-service.log", buffer,
                          size)
             ? 0
             : -1;
}

/* Opens the queue and its log. This runs once the service manager has
 * started the service (after StartServiceCtrlDispatcherW connected), so
 * that a slow queue (a migration, a lock held by a backup) never delays
 * the connection the manager waits for only about 30 seconds. */
static int service_open(service_process *process) {
  const tool_context *context = process->context;
  /* A service has no console: a queue it refuses is also said in the
   * Application event log. */
  char path[4096];
  int status = tool_database_path(context, path, sizeof path, &process->diag);
  if (status == MSIQ_OK) {
    status = msiq_host_check_private(path, &process->diag);
  }
  if (status != MSIQ_OK) {
    msiq_host_report_event(MSIQ_EVENT_ERROR, MSIQ_EVENT_ID_QUEUE_ERROR,
                           process->diag.message);
    process->exit_code = tool_report(context, status, &process->diag);
    return status;
  }
  process->exit_code = tool_open_store(
      context, MSIQ_STORE_CREATE | MSIQ_STORE_PRIVATE, &process->store);
  if (process->exit_code != TOOL_EXIT_OK) {
    return MSIQ_EDATABASE;
  }
  char log_path[4096];
  if (service_log_path(process->store, log_path, sizeof log_path) == 0) {
    /* A log that cannot be opened leaves the event log, which says the
     * same in fewer words; it does not stop the service. */
    msiq_host_log_open(log_path, &process->log, NULL);
  }
  return MSIQ_OK;
}

static int service_body(void *context) {
  service_process *process = context;
  int status = service_open(process);
  if (status != MSIQ_OK) {
    return status;
  }
  msiq_dispatcher_options_init(&process->options);
  process->options.report = service_write_log;
  process->options.report_context = process;
  process->options.on_started = service_on_started;
  process->options.on_stopping = service_on_stopping;
  /* The settings stored with `msiq config` apply, and follow changes
   * without a restart; the --cancel-grace the service was installed with
   * wins over a stored one, as a command-line option does for `run`. */
  process->options.use_stored_settings = true;
  if (process->cancel_grace_given) {
    process->options.cancel_grace_ms = process->cancel_grace_ms;
    process->options.fixed_settings |=
        MSIQ_SETTING_BIT(MSIQ_SETTING_CANCEL_GRACE);
  }
  /* What the service was installed with, for whoever reads its log. */
  char grace[32];
  char line[512];
  service_format_duration(process->options.cancel_grace_ms, grace,
                          sizeof grace);
  snprintf(line, sizeof line, "service %s: cancel grace %s%s", process->name,
           grace,
           process->cancel_grace_given
               ? ""
               : " (the default unless stored with msiq config)");
  service_write_log(process, line);
  status =
      msiq_dispatcher_run(process->store, &process->options, &process->diag);
  if (status != MSIQ_OK) {
    service_write_log(process, process->diag.message);
    process->exit_code = tool_report(process->context, status, &process->diag);
  }
  return status;
}

static int service_run(const tool_context *context,
                       const service_options *options) {
  service_process process;
  memset(&process, 0, sizeof process);
  process.context = context;
  process.name = options->name;
  process.exit_code = TOOL_EXIT_OK;
  if (options->cancel_grace_ms > 0) {
    process.cancel_grace_ms = options->cancel_grace_ms;
    process.cancel_grace_given = true;
  }
  uv_mutex_init(&process.lock);
  msiq_diag diag = {{0}};
  int status = msiq_host_service_run(options->name, service_body, &process,
                                     service_request_stop, &process,
                                     SERVICE_STOP_WAIT_MS, &diag);
  int exit_code = process.exit_code;
  if (status != MSIQ_OK && exit_code == TOOL_EXIT_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  uv_mutex_destroy(&process.lock);
  msiq_host_log_close(process.log);
  msiq_store_close(process.store);
  return exit_code;
}

/* The service runs `msiq service run --name N [--cancel-grace D] --db
 * ABSOLUTE_PATH`, so it uses the same queue, and the options, that the
 * administrator who installed it gave. */
static int service_install(const tool_context *context,
                           const service_options *options) {
  const char *name = options->name;
  /* Before anything changes: the service will run this msiq.exe as
   * SYSTEM, so nobody else may be able to replace it. */
  msiq_diag diag = {{0}};
  char path[4096];
  int status = msiq_host_service_check_program(&diag);
  if (status == MSIQ_OK) {
    status = tool_database_path(context, path, sizeof path, &diag);
  }
  /* This runs elevated, so it can repair msiq's own data folder when
   * someone created it beforehand with an access list that lets others
   * in; any other weak queue is refused by the open below. */
  bool repaired = false;
  char why[512] = "";
  if (status == MSIQ_OK) {
    status =
        msiq_host_service_secure_queue(path, &repaired, why, sizeof why, &diag);
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  if (repaired) {
    printf("repaired the access list of the queue: %s; now only SYSTEM and "
           "Administrators can change it\n",
           why);
  }
  msiq_store *store = NULL;
  int exit_code =
      tool_open_store(context, MSIQ_STORE_CREATE | MSIQ_STORE_PRIVATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  char *database = NULL;
  char arguments[4096];
  char grace[64] = "";
  if (options->cancel_grace_ms > 0) {
    char duration[32];
    service_format_duration(options->cancel_grace_ms, duration,
                            sizeof duration);
    snprintf(grace, sizeof grace, " --cancel-grace %s", duration);
  }
  status = msiq_host_absolute_path(msiq_store_path(store), &database, &diag);
  if (status == MSIQ_OK && snprintf(arguments, sizeof arguments,
                                    "service run --name %s%s --db \"%s\"", name,
                                    grace, database) >= (int)sizeof arguments) {
    status = msiq_diag_set(&diag, MSIQ_EUSAGE, "database path too long");
  }
  char notes[256] = "";
  if (status == MSIQ_OK) {
    status = msiq_host_service_install(name, arguments, SERVICE_STOP_WAIT_MS,
                                       notes, sizeof notes, &diag);
  }
  if (status == MSIQ_OK) {
    printf("service %s installed (runs: msiq %s)\n", name, arguments);
    if (notes[0] != '\0') {
      fprintf(stderr,
              "warning: this service manager does not support these "
              "settings of service %s: %s\n",
              name, notes);
    }
  } else {
    exit_code = tool_report(context, status, &diag);
  }
  free(database);
  msiq_store_close(store);
  return exit_code;
}

/* The sub-commands decide for themselves whether they need the queue
 * (install and run do), so the descriptor opens none. */
static int service_exec(const tool_context *context, void *parsed,
                        msiq_store *store) {
  (void)store;
  const service_options *options = parsed;
  const char *name = options->name;
  const char *action = options->action;
  msiq_diag diag = {{0}};
  int status = MSIQ_OK;
  char state[64] = "";
  if (strcmp(action, "install") == 0) {
    return service_install(context, options);
  } else if (strcmp(action, "run") == 0) {
    return service_run(context, options);
  } else if (strcmp(action, "uninstall") == 0) {
    status = msiq_host_service_uninstall(name, SERVICE_STOP_WAIT_MS, &diag);
  } else if (strcmp(action, "start") == 0) {
    status = msiq_host_service_start(name, &diag);
  } else if (strcmp(action, "stop") == 0) {
    status = msiq_host_service_stop(name, SERVICE_STOP_WAIT_MS, &diag);
  } else if (strcmp(action, "status") == 0) {
    status = msiq_host_service_query(name, state, sizeof state, &diag);
  } else {
    status = service_unknown_action(action, &diag); /* service_check saw it */
  }
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag);
  }
  if (state[0] != '\0') {
    printf("service %s: %s\n", name, state);
  } else {
    printf("service %s: %s done\n", name, action);
  }
  return TOOL_EXIT_OK;
}

static const char service_help[] =
    "install    register service N (default msiq): LocalSystem, automatic\n"
    "           delayed start, running `msiq service run` on this queue\n"
    "uninstall  stop it if it runs (gracefully, as stop), then remove it\n"
    "start      start it\n"
    "stop       stop it gracefully (a running installer is never killed;\n"
    "           its outcome is recorded if it ends within the grace period)\n"
    "status     print its state\n"
    "run        what the service manager starts; not for interactive use\n\n"
    "The service writes its events to msiq-service.log beside the database.\n"
    "\nOptions:\n"
    "  -n, --name N      service name (default msiq)\n"
    "  --cancel-grace D  install, run: on a timeout or cancel --force, how\n"
    "                    long a worker may take to roll back before its\n"
    "                    process tree is ended (default 10m), as for\n"
    "                    `msiq run`; install records it in the service's\n"
    "                    command line\n";

const tool_command tool_cmd_service = {
    .name = "service",
    .usage = "[--name N] [--cancel-grace D] "
             "install|uninstall|start|stop|status|run",
    .summary = "Run the dispatcher as a Windows service (Windows only).",
    .help = service_help,
    .options = service_option_table,
    .options_size = sizeof(service_options),
    .init = service_init,
    .check = service_check,
    .words = {.min = 1,
              .max = 1,
              .name = "ACTION",
              .type = TOOL_WORD_STRING,
              .offset = offsetof(service_options, action)},
    .store = TOOL_STORE_NONE,
    .exec = service_exec,
};
