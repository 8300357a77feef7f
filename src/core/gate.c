/* gate.c: the gate's checks, one row each, in the order they are tried. */
#include "core/gate.h"

#include <stdio.h>
#include <string.h>

const char *msiq_mutex_state_name(msiq_mutex_state state) {
  return state == MSIQ_MUTEX_HELD ? "held" : "free";
}

const char *msiq_service_state_name(msiq_service_state state) {
  switch (state) {
    case MSIQ_SERVICE_IDLE:
      return "idle";
    case MSIQ_SERVICE_BUSY:
      return "busy";
    case MSIQ_SERVICE_STOPPED:
      return "stopped";
    case MSIQ_SERVICE_UNKNOWN:
      break;
  }
  return "unknown";
}

static const char *const gate_reason_names[] = {
#define MSIQ_GATE_REASON_TEXT(name, text) text,
    MSIQ_GATE_REASON_MAP(MSIQ_GATE_REASON_TEXT)
#undef MSIQ_GATE_REASON_TEXT
};

const char *msiq_gate_reason_name(msiq_gate_reason reason) {
  return (unsigned)reason < MSIQ_GATE_REASON_COUNT ? gate_reason_names[reason]
                                                   : "?";
}

int64_t msiq_gate_window_opens_at(const msiq_gate_inputs *in) {
  if (!in->has_window || msiq_window_contains(&in->window, in->now)) {
    return MSIQ_TIME_UNSET;
  }
  return msiq_window_next_open(&in->window, in->now);
}

/* The checks. Each reads only its own facts. */

static bool gate_always_applies(const msiq_gate_inputs *in) {
  (void)in;
  return true;
}

static bool gate_is_paused(const msiq_gate_inputs *in) {
  return in->paused;
}

static void gate_describe_pause(const msiq_gate_inputs *in, char *text,
                                size_t size) {
  snprintf(text, size, "queue paused: %s",
           in->pause_reason != NULL ? in->pause_reason : "");
}

static bool gate_is_outside_window(const msiq_gate_inputs *in) {
  return msiq_gate_window_opens_at(in) != MSIQ_TIME_UNSET;
}

static void gate_describe_window(const msiq_gate_inputs *in, char *text,
                                 size_t size) {
  char window[16];
  char opens[40];
  msiq_window_format(&in->window, window, sizeof window);
  /* Local time with its offset, as people read it: this text is what
   * `status` and the dispatcher's waiting line say. */
  msiq_time_format_local(msiq_gate_window_opens_at(in), opens, sizeof opens);
  snprintf(text, size, "outside the maintenance window %s (opens at %s)",
           window, opens);
}

/* Without --hold-on-pending-reboot a pending reboot is information only,
 * so it need not even be probed. */
static bool gate_holds_on_pending_reboot(const msiq_gate_inputs *in) {
  return in->hold_on_pending_reboot;
}

static bool gate_is_reboot_pending(const msiq_gate_inputs *in) {
  return in->reboot_pending;
}

static void gate_describe_reboot(const msiq_gate_inputs *in, char *text,
                                 size_t size) {
  if (in->reboot_reason != NULL && in->reboot_reason[0] != '\0') {
    snprintf(text, size, "a reboot is pending (%s)", in->reboot_reason);
  } else {
    snprintf(text, size, "a reboot is pending");
  }
}

static bool gate_is_mutex_held(const msiq_gate_inputs *in) {
  return in->mutex == MSIQ_MUTEX_HELD;
}

static void gate_describe_mutex(const msiq_gate_inputs *in, char *text,
                                size_t size) {
  (void)in;
  snprintf(text, size,
           "another installation holds the Windows Installer mutex");
}

/* Only a service seen installing closes the gate: a stopped one starts on
 * demand, and an unknown one leaves the decision to the mutex. */
static bool gate_is_service_busy(const msiq_gate_inputs *in) {
  return in->service == MSIQ_SERVICE_BUSY;
}

static void gate_describe_service(const msiq_gate_inputs *in, char *text,
                                  size_t size) {
  (void)in;
  snprintf(text, size, "the Windows Installer service is busy installing");
}

typedef struct gate_check {
  msiq_gate_reason reason;
  /* The words of `status`'s gate line, "closed (...)". */
  const char *summary;
  /* The host fact the check reads, which must be known before it runs;
   * MSIQ_GATE_FACT_NONE when it reads only the queue and the clock. */
  msiq_gate_fact fact;
  /* False when the check has nothing to say for these inputs; then its
   * fact is not needed either. */
  bool (*applies)(const msiq_gate_inputs *in);
  bool (*closes)(const msiq_gate_inputs *in);
  void (*describe)(const msiq_gate_inputs *in, char *text, size_t size);
} gate_check;

/* The order matters: an administrator's pause says more than a busy
 * service, and the cheap checks of the queue come before the host probes. */
static const gate_check gate_checks[] = {
    {MSIQ_GATE_PAUSED, "queue paused", MSIQ_GATE_FACT_NONE, gate_always_applies,
     gate_is_paused, gate_describe_pause},
    {MSIQ_GATE_OUTSIDE_WINDOW, "outside the maintenance window",
     MSIQ_GATE_FACT_NONE, gate_always_applies, gate_is_outside_window,
     gate_describe_window},
    {MSIQ_GATE_REBOOT_PENDING, "a reboot is pending", MSIQ_GATE_FACT_REBOOT,
     gate_holds_on_pending_reboot, gate_is_reboot_pending,
     gate_describe_reboot},
    {MSIQ_GATE_MUTEX_HELD, "another installation holds the mutex",
     MSIQ_GATE_FACT_MUTEX, gate_always_applies, gate_is_mutex_held,
     gate_describe_mutex},
    {MSIQ_GATE_SERVICE_BUSY, "the Windows Installer service is busy",
     MSIQ_GATE_FACT_SERVICE, gate_always_applies, gate_is_service_busy,
     gate_describe_service},
};

#define GATE_CHECK_COUNT (sizeof gate_checks / sizeof gate_checks[0])

const char *msiq_gate_reason_summary(msiq_gate_reason reason) {
  for (size_t i = 0; i < GATE_CHECK_COUNT; i++) {
    if (gate_checks[i].reason == reason) {
      return gate_checks[i].summary;
    }
  }
  return "open";
}

msiq_gate_fact msiq_gate_evaluate(const msiq_gate_inputs *in,
                                  msiq_gate_verdict *out) {
  for (size_t i = 0; i < GATE_CHECK_COUNT; i++) {
    const gate_check *check = &gate_checks[i];
    if (!check->applies(in)) {
      continue;
    }
    if ((in->unknown & (unsigned)check->fact) != 0) {
      return check->fact;
    }
    if (check->closes(in)) {
      out->reason = check->reason;
      check->describe(in, out->text, sizeof out->text);
      return MSIQ_GATE_FACT_NONE;
    }
  }
  out->reason = MSIQ_GATE_OPEN;
  snprintf(out->text, sizeof out->text, "open");
  return MSIQ_GATE_FACT_NONE;
}

bool msiq_gate_reason_names_holder(msiq_gate_reason reason) {
  return reason == MSIQ_GATE_MUTEX_HELD || reason == MSIQ_GATE_SERVICE_BUSY;
}

void msiq_gate_verdict_name_holder(msiq_gate_verdict *verdict,
                                   const msiq_installer_holder *holder) {
  if (!msiq_gate_reason_names_holder(verdict->reason) ||
      !msiq_installer_holder_known(holder)) {
    return;
  }
  static const char prefix[] = "another installation is running: ";
  size_t used = sizeof prefix - 1;
  memcpy(verdict->text, prefix, used + 1);
  msiq_installer_holder_describe(holder, verdict->text + used,
                                 sizeof verdict->text - used);
}
