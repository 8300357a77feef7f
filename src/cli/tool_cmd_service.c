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
#include "core/timeparse.h"

#define SERVICE_DEFAULT_NAME "msiq"

enum service_option_id { SERVICE_NAME = 1, SERVICE_CANCEL_GRACE };

static const tool_option service_options[] = {
    {"name", 'n', TOOL_ARGUMENT_REQUIRED, SERVICE_NAME},
    {"cancel-grace", 0, TOOL_ARGUMENT_REQUIRED, SERVICE_CANCEL_GRACE},
    {NULL, 0, TOOL_ARGUMENT_NONE, 0},
};

/* What the options set. */
typedef struct service_settings {
  const char *name;
  /* --cancel-grace as given (for `install`, which passes it on to `run`)
   * and parsed; NULL when not given. */
  const char *cancel_grace;
  int64_t cancel_grace_ms;
} service_settings;

static int service_handle_option(void *state, int id, const char *value,
                                 msiq_diag *diag) {
  service_settings *settings = state;
  if (id == SERVICE_CANCEL_GRACE) {
    settings->cancel_grace = value;
    return msiq_duration_parse(value, &settings->cancel_grace_ms, diag);
  }
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
  settings->name = value;
  return MSIQ_OK;
}

/* The service process: the dispatcher, with its report lines appended to a
 * log file beside the database (a service has no console). */
typedef struct service_process {
  msiq_store *store;
  msiq_dispatcher_options options;
  FILE *log;
  uv_mutex_t lock; /* guards dispatcher and stop_requested */
  msiq_dispatcher *dispatcher;
  bool stop_requested;
  msiq_diag diag;
} service_process;

static void service_write_log(void *context, const char *line) {
  service_process *process = context;
  char now[40];
  msiq_time_format_utc(msiq_host_now_ms(), now, sizeof now);
  if (process->log != NULL) {
    fprintf(process->log, "%s %s\n", now, line);
    fflush(process->log);
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

static int service_body(void *context) {
  service_process *process = context;
  int status =
      msiq_dispatcher_run(process->store, &process->options, &process->diag);
  if (status != MSIQ_OK) {
    service_write_log(process, process->diag.message);
  }
  return status;
}

static int service_log_path(const msiq_store *store, char *buffer,
                            size_t size) {
  const char *path = msiq_store_path(store);
  const char *slash = strrchr(path, '/');
  const char *backslash = strrchr(path, '\\');
  if (backslash != NULL && (slash == NULL || backslash > slash)) {
    slash = backslash;
  }
  int length = slash != NULL ? (int)(slash - path + 1) : 0;
  int written = snprintf(buffer, size, "%.*smsiq-service.log", length, path);
  return written < 0 || (size_t)written >= size ? -1 : 0;
}

static int service_run(const tool_context *context,
                       const service_settings *settings) {
  const char *name = settings->name;
  service_process process;
  memset(&process, 0, sizeof process);
  int exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &process.store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  char log_path[4096];
  if (service_log_path(process.store, log_path, sizeof log_path) == 0) {
    process.log = msiq_host_fopen(log_path, "ab");
  }
  msiq_dispatcher_options_init(&process.options);
  process.options.report = service_write_log;
  process.options.report_context = &process;
  process.options.on_started = service_on_started;
  if (settings->cancel_grace != NULL) {
    process.options.cancel_grace_ms = settings->cancel_grace_ms;
  }
  uv_mutex_init(&process.lock);
  msiq_diag diag = {{0}};
  int status =
      msiq_host_service_run(name, service_body, &process, service_request_stop,
                            &process, process.options.grace_ms + 10000, &diag);
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  uv_mutex_destroy(&process.lock);
  if (process.log != NULL) {
    fclose(process.log);
  }
  msiq_store_close(process.store);
  return exit_code;
}

/* The service runs `msiq service run --name N --db ABSOLUTE_PATH`, so it
 * uses the same queue as the administrator who installed it. */
static int service_install(const tool_context *context,
                           const service_settings *settings) {
  const char *name = settings->name;
  msiq_store *store = NULL;
  int exit_code = tool_open_store(context, MSIQ_STORE_CREATE, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  char *database = NULL;
  char arguments[4096];
  int status =
      msiq_host_absolute_path(msiq_store_path(store), &database, &diag);
  if (status == MSIQ_OK &&
      snprintf(arguments, sizeof arguments,
               "service run --name %s%s%s --db \"%s\"", name,
               settings->cancel_grace != NULL ? " --cancel-grace " : "",
               settings->cancel_grace != NULL ? settings->cancel_grace : "",
               database) >= (int)sizeof arguments) {
    status = msiq_diag_set(&diag, MSIQ_EUSAGE, "database path too long");
  }
  if (status == MSIQ_OK) {
    status = msiq_host_service_install(name, arguments, &diag);
  }
  if (status == MSIQ_OK) {
    printf("service %s installed (runs: msiq %s)\n", name, arguments);
  } else {
    exit_code = tool_report(context, status, &diag);
  }
  free(database);
  msiq_store_close(store);
  return exit_code;
}

static int service_exec(tool_context *context, int argc, char **argv) {
  service_settings settings = {SERVICE_DEFAULT_NAME, NULL, 0};
  const char *action = NULL;
  int exit_code = tool_parse_command_line(context, argc, argv, service_options,
                                          service_handle_option, &settings,
                                          &action, 1, 1, "ACTION");
  if (exit_code != TOOL_CONTINUE) {
    return exit_code;
  }
  msiq_diag diag = {{0}};
  int status = MSIQ_OK;
  char state[64] = "";
  const char *name = settings.name;
  if (strcmp(action, "install") == 0) {
    return service_install(context, &settings);
  } else if (strcmp(action, "run") == 0) {
    return service_run(context, &settings);
  } else if (strcmp(action, "uninstall") == 0) {
    status = msiq_host_service_uninstall(name, &diag);
  } else if (strcmp(action, "start") == 0) {
    status = msiq_host_service_start(name, &diag);
  } else if (strcmp(action, "stop") == 0) {
    status = msiq_host_service_stop(name, MSIQ_DEFAULT_GRACE_MS + 15000, &diag);
  } else if (strcmp(action, "status") == 0) {
    status = msiq_host_service_query(name, state, sizeof state, &diag);
  } else {
    status = msiq_diag_set(&diag, MSIQ_EUSAGE,
                           "unknown action '%s' (use install, uninstall, "
                           "start, stop, status or run)",
                           action);
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

const tool_command tool_cmd_service = {
    "service",
    "[--name N] install|uninstall|start|stop|status|run",
    "Run the dispatcher as a Windows service (Windows only).",
    "install    register service N (default msiq): LocalSystem, automatic\n"
    "           delayed start, running `msiq service run` on this queue\n"
    "uninstall  remove it\n"
    "start      start it\n"
    "stop       stop it gracefully (a running installer is never killed;\n"
    "           its outcome is recorded if it ends within the grace period)\n"
    "status     print its state\n"
    "run        what the service manager starts; not for interactive use\n\n"
    "The service writes its events to msiq-service.log beside the database.\n"
    "\nOptions:\n"
    "  -n, --name N        service name (default msiq)\n"
    "  --cancel-grace D    with install or run: on a timeout or cancel\n"
    "                      --force, how long a worker may take to roll back\n"
    "                      before its process tree is ended (default 10m)\n",
    service_exec,
};
