/* settings.h: the dispatcher's settings stored in the queue (`msiq config`).
 *
 * Each setting has the name and the value syntax of the `msiq run` option
 * it stands for ("window" is --window, "22:00-05:00"), so an administrator
 * learns one language. `msiq run` and the service read the stored ones at
 * start and again whenever they change; an option given on the command
 * line wins over the stored value. This module only parses and formats:
 * the store keeps the text, the dispatcher applies it.
 */
#ifndef MSIQ_SETTINGS_H
#define MSIQ_SETTINGS_H

#include "core/msiq.h"
#include "core/timeparse.h"

/* XX(ID, name, kind): every setting, in the order `config show` lists
 * them. */
#define MSIQ_SETTING_MAP(XX)                                                   \
  XX(WINDOW, "window", MSIQ_SETTING_KIND_WINDOW)                               \
  XX(HOLD_ON_PENDING_REBOOT, "hold-on-pending-reboot",                         \
     MSIQ_SETTING_KIND_BOOLEAN)                                                \
  XX(POLL, "poll", MSIQ_SETTING_KIND_DURATION)                                 \
  XX(RETRY_BASE, "retry-base", MSIQ_SETTING_KIND_DURATION)                     \
  XX(RETRY_MAX, "retry-max", MSIQ_SETTING_KIND_DURATION)                       \
  XX(GIVE_UP_AFTER, "give-up-after", MSIQ_SETTING_KIND_DURATION)               \
  XX(DEFAULT_TIMEOUT, "default-timeout", MSIQ_SETTING_KIND_DURATION)           \
  XX(CANCEL_GRACE, "cancel-grace", MSIQ_SETTING_KIND_DURATION)                 \
  XX(LOG_DIR, "log-dir", MSIQ_SETTING_KIND_PATH)

typedef enum msiq_setting_kind {
  MSIQ_SETTING_KIND_WINDOW,   /* "HH:MM-HH:MM", as --window */
  MSIQ_SETTING_KIND_BOOLEAN,  /* true or false, for a flag option */
  MSIQ_SETTING_KIND_DURATION, /* "90s", "15m", "1h30m", as the options */
  MSIQ_SETTING_KIND_PATH,     /* a folder, stored absolute */
} msiq_setting_kind;

typedef enum msiq_setting {
#define MSIQ_SETTING_ENUM(id, name, kind) MSIQ_SETTING_##id,
  MSIQ_SETTING_MAP(MSIQ_SETTING_ENUM)
#undef MSIQ_SETTING_ENUM
      MSIQ_SETTING_COUNT
} msiq_setting;

/* The bit of a setting in msiq_settings.present and in the dispatcher's
 * set of settings fixed by the command line. */
#define MSIQ_SETTING_BIT(setting) (1u << (unsigned)(setting))

#define MSIQ_SETTING_PATH_MAX 4096

/* Parsed settings; only those whose bit is in `present` mean anything. */
typedef struct msiq_settings {
  uint32_t present;
  msiq_window window;
  bool hold_on_pending_reboot;
  int64_t poll_ms;
  int64_t retry_base_ms;
  int64_t retry_max_ms;
  int64_t give_up_after_ms;
  int64_t default_timeout_ms;
  int64_t cancel_grace_ms;
  char log_directory[MSIQ_SETTING_PATH_MAX];
} msiq_settings;

/* "window", "poll"... */
const char *msiq_setting_name(msiq_setting setting);
msiq_setting_kind msiq_setting_kind_of(msiq_setting setting);
/* Finds a setting by name (exactly as listed; the option's name without
 * "--"), else MSIQ_EINVAL naming the known ones. */
int msiq_setting_find(const char *name, msiq_setting *setting, msiq_diag *diag);

/* Parses value for setting with the same parser as the `msiq run` option,
 * sets it in settings (its bit in present) and writes its canonical text
 * (what the store keeps and `config get` prints: "22:00-05:00", "true",
 * "1h30m") into canonical. A bad value is MSIQ_EINVAL with one line in
 * diag, and settings is left as it was. A path must already be absolute
 * (the CLI makes it so); here it is only checked for being one line. */
int msiq_settings_parse(msiq_settings *settings, msiq_setting setting,
                        const char *value, char *canonical, size_t size,
                        msiq_diag *diag);

/* The canonical text of a setting that is present ("" otherwise). */
void msiq_settings_format(const msiq_settings *settings, msiq_setting setting,
                          char *buffer, size_t size);

/* A duration as an option takes it, exactly: "90s", "1h30m", "1500ms"
 * (the compact form alone drops milliseconds). */
void msiq_setting_format_duration(int64_t milliseconds, char *buffer,
                                  size_t size);

#endif /* MSIQ_SETTINGS_H */
