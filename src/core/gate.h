/* gate.h: may a job start now? The one place that decides.
 *
 * The gate is a list of checks tried in a fixed order; the first one that
 * closes the gate is the verdict's reason, and the gate is open when none
 * does. The dispatcher and `msiq status` both ask msiq_gate_evaluate(), so
 * they cannot disagree about whether the gate is open or why not.
 *
 * The evaluator does no I/O: its caller gathers the facts (the queue's
 * pause, the maintenance window, the host's mutex, service and reboot
 * state) and passes them in. A fact that costs a host probe may be left
 * unknown (see msiq_gate_inputs.unknown): the evaluator then asks for it
 * only when the checks before it all let the job pass, so the dispatcher
 * never touches the installer mutex while the queue is paused.
 *
 * To add a check: add its reason to MSIQ_GATE_REASON_MAP below, the fact it
 * reads to msiq_gate_inputs, one row to gate_checks[] in gate.c (where its
 * place in the table is its place in the order), and one test to
 * tests/test_gate.c that shows it closing the gate, with its text.
 */
#ifndef MSIQ_GATE_H
#define MSIQ_GATE_H

#include "core/installer_holder.h"
#include "core/msiq.h"
#include "core/timeparse.h"

/* The Global\_MSIExecute mutex, as the host saw it. */
typedef enum msiq_mutex_state {
  MSIQ_MUTEX_FREE,
  MSIQ_MUTEX_HELD,
} msiq_mutex_state;

/* The Windows Installer service (msiserver), as the host saw it. */
typedef enum msiq_service_state {
  MSIQ_SERVICE_IDLE,    /* running, not installing */
  MSIQ_SERVICE_BUSY,    /* installing: SERVICE_ACCEPT_SHUTDOWN is set */
  MSIQ_SERVICE_STOPPED, /* not running: starts on demand, counts as idle */
  MSIQ_SERVICE_UNKNOWN, /* could not be queried: the mutex decides alone */
} msiq_service_state;

/* "free", "held". */
const char *msiq_mutex_state_name(msiq_mutex_state state);
/* "idle", "busy", "stopped", "unknown". */
const char *msiq_service_state_name(msiq_service_state state);

/* Why the gate is closed, or that it is open. Columns: name, the name in
 * JSON (`msiq --json status`, gate.reason). */
#define MSIQ_GATE_REASON_MAP(XX)                                               \
  XX(OPEN, "open")                                                             \
  XX(PAUSED, "paused")                                                         \
  XX(OUTSIDE_WINDOW, "outside_window")                                         \
  XX(REBOOT_PENDING, "reboot_pending")                                         \
  XX(MUTEX_HELD, "mutex_held")                                                 \
  XX(SERVICE_BUSY, "service_busy")

typedef enum msiq_gate_reason {
#define MSIQ_GATE_REASON_ENUM(name, text) MSIQ_GATE_##name,
  MSIQ_GATE_REASON_MAP(MSIQ_GATE_REASON_ENUM)
#undef MSIQ_GATE_REASON_ENUM
      MSIQ_GATE_REASON_COUNT
} msiq_gate_reason;

/* The JSON name of a reason ("mutex_held"). */
const char *msiq_gate_reason_name(msiq_gate_reason reason);

/* The few words `msiq status` puts in its gate line, "closed (...)":
 * "queue paused", "another installation holds the mutex"; "open" for
 * MSIQ_GATE_OPEN. */
const char *msiq_gate_reason_summary(msiq_gate_reason reason);

/* The facts that cost a host probe, as bits of msiq_gate_inputs.unknown. */
typedef enum msiq_gate_fact {
  MSIQ_GATE_FACT_NONE = 0,
  MSIQ_GATE_FACT_REBOOT = 1 << 0,  /* reboot_pending, reboot_reason */
  MSIQ_GATE_FACT_MUTEX = 1 << 1,   /* mutex */
  MSIQ_GATE_FACT_SERVICE = 1 << 2, /* service */
} msiq_gate_fact;

/* What the gate is decided from. Zero-initialised, every fact is known and
 * nothing closes the gate. */
typedef struct msiq_gate_inputs {
  /* The queue's pause (`msiq pause`, or a 1641). */
  bool paused;
  const char *pause_reason; /* NULL: none given */
  /* The dispatcher's maintenance window, and the time to judge it at. */
  bool has_window;
  msiq_window window;
  int64_t now; /* UTC ms */
  /* A pending reboot closes the gate only when the dispatcher was told to
   * hold jobs for it (--hold-on-pending-reboot). */
  bool hold_on_pending_reboot;
  bool reboot_pending;
  const char *reboot_reason; /* which sign of it; NULL: not said */
  msiq_mutex_state mutex;
  msiq_service_state service;
  /* The msiq_gate_fact bits of the facts above not probed yet; 0 when all
   * are known. */
  unsigned unknown;
} msiq_gate_inputs;

/* The size of a verdict's text. */
#define MSIQ_GATE_TEXT_SIZE 1024

typedef struct msiq_gate_verdict {
  msiq_gate_reason reason;
  /* One line with the facts behind the reason, as the dispatcher reports
   * it after "waiting: " ("queue paused: <reason>", "outside the
   * maintenance window 22:00-05:00 (opens at 2026-11-24T21:00:00Z)");
   * "open" when the gate is open; "another installation is running:
   * msiexec.exe /i C:\x.msi (process 1234)" once msiq_gate_verdict_name_holder
   * has named the installation behind a held mutex or a busy service. */
  char text[MSIQ_GATE_TEXT_SIZE];
} msiq_gate_verdict;

/* Decides the gate from in, check by check in the table's order. Returns
 * MSIQ_GATE_FACT_NONE when *out holds the verdict. When the next check
 * needs a fact that in->unknown marks as not probed yet, returns that
 * fact instead and leaves *out unset: the caller probes it, clears its bit
 * and calls again. */
msiq_gate_fact msiq_gate_evaluate(const msiq_gate_inputs *in,
                                  msiq_gate_verdict *out);

/* True for the reasons another installation causes (the mutex held, the
 * service busy): only then is it worth asking the host who that is
 * (msiq_host_find_installer_holder), which costs an event log query. */
bool msiq_gate_reason_names_holder(msiq_gate_reason reason);

/* When the verdict's reason names a holder and *holder is known, makes its
 * text "another installation is running: " and the holder's one line
 * (msiq_installer_holder_describe); otherwise leaves it as it is. */
void msiq_gate_verdict_name_holder(msiq_gate_verdict *verdict,
                                   const msiq_installer_holder *holder);

/* When in->now is outside the maintenance window: when the window opens
 * next (UTC ms). MSIQ_TIME_UNSET when there is no window or it is open
 * now. The window check and `status`'s window line both use it. */
int64_t msiq_gate_window_opens_at(const msiq_gate_inputs *in);

#endif /* MSIQ_GATE_H */
