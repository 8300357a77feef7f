/* tool_cmd_config.c: `msiq config`, the dispatcher's settings stored in
 * the queue.
 *
 *   get NAME          the value in force without command-line options:
 *                     the stored one, else the default
 *   set NAME VALUE    store a value (validated as `msiq run` validates the
 *                     option of the same name)
 *   unset NAME        back to the default
 *   show              every setting, stored or default (--json: the stored
 *                     ones as one object)
 *
 * `msiq run` and the service read them at start and again when they
 * change (dispatcher.h), so a change needs no restart. Writes are queue
 * writes: only those who may change the queue (administrators) can.
 */
#include "cli/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher/dispatcher.h"
#include "host/host.h"
#include "core/settings.h"
#include "core/text.h"

typedef struct config_options {
  const char *words[3]; /* action, NAME, VALUE */
  int word_count;
} config_options;

typedef enum config_action {
  CONFIG_GET,
  CONFIG_SET,
  CONFIG_UNSET,
  CONFIG_SHOW,
} config_action;

typedef struct config_request {
  config_action action;
  msiq_setting setting;
  /* set: the value as stored (canonical; a log-dir made absolute). */
  char value[MSIQ_SETTING_PATH_MAX];
} config_request;

static int config_parse_word(void *state, int index, const char *word,
                             msiq_diag *diag) {
  (void)diag;
  config_options *options = state;
  options->words[index] = word;
  options->word_count = index + 1;
  return MSIQ_OK;
}

/* The words as a request: the action, the setting it names and, for set,
 * the value parsed and made canonical. Prints nothing. */
static int config_request_parse(const config_options *options,
                                config_request *request, msiq_diag *diag) {
  static const struct {
    const char *name;
    config_action action;
    int words; /* after the action */
  } actions[] = {
      {"get", CONFIG_GET, 1},
      {"set", CONFIG_SET, 2},
      {"unset", CONFIG_UNSET, 1},
      {"show", CONFIG_SHOW, 0},
  };
  const char *action = options->words[0];
  int found = -1;
  for (int i = 0; i < (int)(sizeof actions / sizeof actions[0]); i++) {
    if (strcmp(action, actions[i].name) == 0) {
      found = i;
    }
  }
  if (found < 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "unknown action '%s' (use get, set, unset or show)",
                         action);
  }
  request->action = actions[found].action;
  int given = options->word_count - 1;
  if (given < actions[found].words) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "%s: missing %s", action,
                         given == 0 ? "NAME" : "VALUE");
  }
  if (given > actions[found].words) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "unexpected argument '%s'",
                         options->words[actions[found].words + 1]);
  }
  if (request->action == CONFIG_SHOW) {
    return MSIQ_OK;
  }
  int status = msiq_setting_find(options->words[1], &request->setting, diag);
  if (status != MSIQ_OK || request->action != CONFIG_SET) {
    return status;
  }
  const char *value = options->words[2];
  char *absolute = NULL;
  if (msiq_setting_kind_of(request->setting) == MSIQ_SETTING_KIND_PATH &&
      value[0] != '\0') {
    /* The dispatcher runs from another folder (a service from System32):
     * a relative folder is fixed now, as a job's log path is. */
    status = msiq_host_absolute_path(value, &absolute, diag);
    if (status != MSIQ_OK) {
      return status;
    }
    value = absolute;
  }
  msiq_settings settings;
  memset(&settings, 0, sizeof settings);
  status = msiq_settings_parse(&settings, request->setting, value,
                               request->value, sizeof request->value, diag);
  free(absolute);
  return status;
}

/* Refused before the queue is opened: a bad value creates nothing. */
static int config_check(void *state, msiq_diag *diag) {
  config_request request;
  return config_request_parse(state, &request, diag);
}

/* The dispatcher's default of a setting, as `config get` prints it: "-"
 * for a setting that is off when not stored (no window, no log-dir of its
 * own). */
static void config_default_value(msiq_setting setting, char *buffer,
                                 size_t size) {
  msiq_dispatcher_options defaults;
  msiq_dispatcher_options_init(&defaults);
  int64_t duration = 0;
  switch (setting) {
    case MSIQ_SETTING_HOLD_ON_PENDING_REBOOT:
      snprintf(buffer, size, "%s",
               defaults.hold_on_pending_reboot ? "true" : "false");
      return;
    case MSIQ_SETTING_POLL:
      duration = defaults.poll_ms;
      break;
    case MSIQ_SETTING_RETRY_BASE:
      duration = defaults.retry_base_ms;
      break;
    case MSIQ_SETTING_RETRY_MAX:
      duration = defaults.retry_max_ms;
      break;
    case MSIQ_SETTING_GIVE_UP_AFTER:
      duration = defaults.give_up_after_ms;
      break;
    case MSIQ_SETTING_DEFAULT_TIMEOUT:
      duration = defaults.default_timeout_ms;
      break;
    case MSIQ_SETTING_CANCEL_GRACE:
      duration = defaults.cancel_grace_ms;
      break;
    case MSIQ_SETTING_WINDOW:
    case MSIQ_SETTING_LOG_DIR:
    default:
      snprintf(buffer, size, "-");
      return;
  }
  msiq_setting_format_duration(duration, buffer, size);
}

typedef struct config_show_state {
  char *values[MSIQ_SETTING_COUNT];
} config_show_state;

static int config_collect(void *context, const char *name, const char *value,
                          msiq_diag *diag) {
  config_show_state *state = context;
  msiq_setting setting;
  /* A name this msiq does not know (a newer one stored it) is skipped, as
   * the dispatcher skips it. */
  if (msiq_setting_find(name, &setting, NULL) != MSIQ_OK) {
    return MSIQ_OK;
  }
  free(state->values[setting]);
  state->values[setting] = msiq_text_duplicate(value);
  if (state->values[setting] == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

static int config_show(const tool_context *context, msiq_store *store) {
  msiq_diag diag = {{0}};
  if (context->json) {
    char *json = NULL;
    int status = msiq_store_settings_json(store, &json, &diag);
    if (status != MSIQ_OK) {
      return tool_report(context, status, &diag);
    }
    tool_print_json(json);
    free(json);
    return TOOL_EXIT_OK;
  }
  config_show_state state;
  memset(&state, 0, sizeof state);
  int status = msiq_store_settings_list(store, config_collect, &state, &diag);
  int exit_code = TOOL_EXIT_OK;
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  } else {
    for (int i = 0; i < MSIQ_SETTING_COUNT; i++) {
      char fallback[64];
      const char *value = state.values[i];
      if (value == NULL) {
        config_default_value((msiq_setting)i, fallback, sizeof fallback);
      }
      printf("%-24s %s%s\n", msiq_setting_name((msiq_setting)i),
             value != NULL ? value : fallback,
             value != NULL ? "" : " (default)");
    }
  }
  for (int i = 0; i < MSIQ_SETTING_COUNT; i++) {
    free(state.values[i]);
  }
  return exit_code;
}

static int config_exec(const tool_context *context, void *state,
                       msiq_store *unused) {
  (void)unused;
  msiq_diag diag = {{0}};
  config_request request;
  int status = config_request_parse(state, &request, &diag);
  if (status != MSIQ_OK) {
    return tool_report(context, status, &diag); /* config_check saw it */
  }
  bool writes = request.action == CONFIG_SET || request.action == CONFIG_UNSET;
  msiq_store *store = NULL;
  int exit_code =
      tool_open_store(context, writes ? MSIQ_STORE_CREATE : 0, &store);
  if (exit_code != TOOL_EXIT_OK) {
    return exit_code;
  }
  const char *name = msiq_setting_name(request.setting);
  switch (request.action) {
    case CONFIG_SET:
      status = msiq_store_setting_set(store, name, request.value, &diag);
      if (status == MSIQ_OK) {
        printf("%s = %s\n", name, request.value);
      }
      break;
    case CONFIG_UNSET: {
      bool removed = false;
      status = msiq_store_setting_unset(store, name, &removed, &diag);
      if (status == MSIQ_OK) {
        char fallback[64];
        config_default_value(request.setting, fallback, sizeof fallback);
        printf("%s %s; the default applies (%s)\n", name,
               removed ? "removed" : "was not stored", fallback);
      }
      break;
    }
    case CONFIG_GET: {
      char *value = NULL;
      status = msiq_store_setting_get(store, name, &value, &diag);
      if (status == MSIQ_OK) {
        char fallback[64];
        if (value == NULL) {
          config_default_value(request.setting, fallback, sizeof fallback);
        }
        printf("%s\n", value != NULL ? value : fallback);
      }
      free(value);
      break;
    }
    case CONFIG_SHOW:
    default:
      exit_code = config_show(context, store);
      break;
  }
  if (status != MSIQ_OK) {
    exit_code = tool_report(context, status, &diag);
  }
  msiq_store_close(store);
  return exit_code;
}

static const char config_help[] =
    "The dispatcher's settings, kept in the queue: `msiq run` and the\n"
    "service read them at start and again when they change (no restart).\n"
    "An option given to `msiq run` wins over the stored value.\n\n"
    "  get NAME        print the value (the stored one, else the default;\n"
    "                  \"-\" for none)\n"
    "  set NAME VALUE  store a value; refused (exit 2, nothing stored) when\n"
    "                  `msiq run --NAME VALUE` would refuse it\n"
    "  unset NAME      remove it: the default applies again\n"
    "  show            every setting and its value (--json: the stored ones)\n"
    "\n"
    "Settings (the `msiq run` option of the same name):\n"
    "  window                  HH:MM-HH:MM, daily, local time\n"
    "  hold-on-pending-reboot  true or false\n"
    "  poll, retry-base, retry-max, give-up-after, default-timeout,\n"
    "  cancel-grace            durations: 90s, 15m, 2h, 1d, 1h30m\n"
    "  log-dir                 a folder (stored absolute)\n"
    "\n"
    "Writing needs the rights to change the queue (an administrator).\n";

const tool_command tool_cmd_config = {
    .name = "config",
    .usage = "get NAME | set NAME VALUE | unset NAME | show",
    .summary = "Show or change the dispatcher's settings stored in the queue.",
    .help = config_help,
    .words = {1, 3, "action", TOOL_WORD_CUSTOM, 0, config_parse_word},
    .options_size = sizeof(config_options),
    .check = config_check,
    .store = TOOL_STORE_NONE,
    .exec = config_exec,
};
