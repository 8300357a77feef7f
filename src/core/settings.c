/* settings.c: the names, parsers and canonical texts of the dispatcher's
 * stored settings. See settings.h. */
#include "core/settings.h"

#include "core/text.h"

#include <stdio.h>
#include <string.h>

typedef struct setting_row {
  const char *name;
  msiq_setting_kind kind;
} setting_row;

static const setting_row setting_table[] = {
#define MSIQ_SETTING_ROW(id, name, kind) {name, kind},
    MSIQ_SETTING_MAP(MSIQ_SETTING_ROW)
#undef MSIQ_SETTING_ROW
};

const char *msiq_setting_name(msiq_setting setting) {
  return (unsigned)setting < MSIQ_SETTING_COUNT ? setting_table[setting].name
                                                : "?";
}

msiq_setting_kind msiq_setting_kind_of(msiq_setting setting) {
  return (unsigned)setting < MSIQ_SETTING_COUNT ? setting_table[setting].kind
                                                : MSIQ_SETTING_KIND_PATH;
}

int msiq_setting_find(const char *name, msiq_setting *setting,
                      msiq_diag *diag) {
  for (int i = 0; i < MSIQ_SETTING_COUNT; i++) {
    if (strcmp(name, setting_table[i].name) == 0) {
      *setting = (msiq_setting)i;
      return MSIQ_OK;
    }
  }
  char known[512] = "";
  size_t used = 0;
  for (int i = 0; i < MSIQ_SETTING_COUNT && used < sizeof known; i++) {
    int written = snprintf(known + used, sizeof known - used, "%s%s",
                           i > 0 ? ", " : "", setting_table[i].name);
    if (written < 0) {
      break;
    }
    used += (size_t)written;
  }
  return msiq_diag_set(diag, MSIQ_EINVAL, "unknown setting '%s' (known: %s)",
                       name, known);
}

void msiq_setting_format_duration(int64_t milliseconds, char *buffer,
                                  size_t size) {
  if (milliseconds % 1000 == 0) {
    msiq_duration_format(milliseconds, buffer, size);
  } else {
    snprintf(buffer, size, "%lldms", (long long)milliseconds);
  }
}

/* The words a flag's value may be: what scripts and admins commonly
 * write, in any case. */
static int setting_parse_boolean(const char *value, bool *result,
                                 msiq_diag *diag) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    if (msiq_text_equal_ignoring_case(value, yes[i])) {
      *result = true;
      return MSIQ_OK;
    }
    if (msiq_text_equal_ignoring_case(value, no[i])) {
      *result = false;
      return MSIQ_OK;
    }
  }
  return msiq_diag_set(diag, MSIQ_EINVAL,
                       "invalid value '%s' (use true or false)", value);
}

static int setting_check_path(const char *value, msiq_diag *diag) {
  size_t length = strlen(value);
  if (length == 0) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "empty folder name");
  }
  if (length >= MSIQ_SETTING_PATH_MAX) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "folder name too long");
  }
  for (const char *c = value; *c != '\0'; c++) {
    if ((unsigned char)*c < 0x20) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "folder name with a control character");
    }
  }
  return MSIQ_OK;
}

/* Where a duration setting lives in the struct. */
static int64_t *setting_duration_field(msiq_settings *settings,
                                       msiq_setting setting) {
  switch (setting) {
    case MSIQ_SETTING_POLL:
      return &settings->poll_ms;
    case MSIQ_SETTING_RETRY_BASE:
      return &settings->retry_base_ms;
    case MSIQ_SETTING_RETRY_MAX:
      return &settings->retry_max_ms;
    case MSIQ_SETTING_GIVE_UP_AFTER:
      return &settings->give_up_after_ms;
    case MSIQ_SETTING_DEFAULT_TIMEOUT:
      return &settings->default_timeout_ms;
    case MSIQ_SETTING_CANCEL_GRACE:
      return &settings->cancel_grace_ms;
    default:
      return NULL;
  }
}

int msiq_settings_parse(msiq_settings *settings, msiq_setting setting,
                        const char *value, char *canonical, size_t size,
                        msiq_diag *diag) {
  if ((unsigned)setting >= MSIQ_SETTING_COUNT) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "unknown setting");
  }
  msiq_diag local = {{0}};
  if (diag == NULL) {
    diag = &local;
  }
  msiq_settings parsed = *settings;
  int status = MSIQ_OK;
  switch (setting_table[setting].kind) {
    case MSIQ_SETTING_KIND_WINDOW:
      status = msiq_window_parse(value, &parsed.window, diag);
      break;
    case MSIQ_SETTING_KIND_BOOLEAN:
      status =
          setting_parse_boolean(value, &parsed.hold_on_pending_reboot, diag);
      break;
    case MSIQ_SETTING_KIND_DURATION:
      status = msiq_duration_parse(
          value, setting_duration_field(&parsed, setting), diag);
      break;
    case MSIQ_SETTING_KIND_PATH:
      status = setting_check_path(value, diag);
      if (status == MSIQ_OK) {
        snprintf(parsed.log_directory, sizeof parsed.log_directory, "%s",
                 value);
      }
      break;
  }
  if (status != MSIQ_OK) {
    /* The parsers name the problem; the line also names the setting. */
    char problem[sizeof diag->message];
    snprintf(problem, sizeof problem, "%s", diag->message);
    return msiq_diag_set(diag, MSIQ_EINVAL, "setting %s: %s",
                         setting_table[setting].name, problem);
  }
  parsed.present |= MSIQ_SETTING_BIT(setting);
  *settings = parsed;
  if (canonical != NULL) {
    msiq_settings_format(settings, setting, canonical, size);
  }
  return MSIQ_OK;
}

void msiq_settings_format(const msiq_settings *settings, msiq_setting setting,
                          char *buffer, size_t size) {
  if (size == 0) {
    return;
  }
  buffer[0] = '\0';
  if ((unsigned)setting >= MSIQ_SETTING_COUNT ||
      (settings->present & MSIQ_SETTING_BIT(setting)) == 0) {
    return;
  }
  switch (setting_table[setting].kind) {
    case MSIQ_SETTING_KIND_WINDOW:
      msiq_window_format(&settings->window, buffer, size);
      break;
    case MSIQ_SETTING_KIND_BOOLEAN:
      snprintf(buffer, size, "%s",
               settings->hold_on_pending_reboot ? "true" : "false");
      break;
    case MSIQ_SETTING_KIND_DURATION: {
      msiq_settings copy = *settings;
      msiq_setting_format_duration(*setting_duration_field(&copy, setting),
                                   buffer, size);
      break;
    }
    case MSIQ_SETTING_KIND_PATH:
      snprintf(buffer, size, "%s", settings->log_directory);
      break;
  }
}
