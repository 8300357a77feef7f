/* installer_holder.h: "the other installation", the one that keeps
 * msiq's gate closed, as far as Windows lets us see it.
 *
 * When the Global\_MSIExecute mutex is held or the Windows Installer
 * service is busy, an administrator's first question is who is
 * installing. Windows names it in two places: the MsiInstaller events of
 * the Application log (1040 "Beginning a Windows Installer transaction:
 * PACKAGE. Client Process Id: PID." and its 1042 "Ending a Windows
 * Installer transaction: ..."), and the running msiexec.exe processes with
 * their command lines. The host reads them (host.h,
 * msiq_host_find_installer_holder); this module holds the model and the
 * pure rules: reading one event as EvtRender gives it as XML, picking the
 * transaction still open from a list of events, and the one line that
 * `status` and the dispatcher print. No I/O.
 */
#ifndef MSIQ_INSTALLER_HOLDER_H
#define MSIQ_INSTALLER_HOLDER_H

#include "core/msiq.h"

/* Where the holder was learned. */
typedef enum msiq_holder_source {
  MSIQ_HOLDER_SOURCE_NONE,         /* nothing learned */
  MSIQ_HOLDER_SOURCE_EVENT_LOG,    /* an MsiInstaller 1040 without its 1042 */
  MSIQ_HOLDER_SOURCE_PROCESS_LIST, /* a running msiexec.exe */
} msiq_holder_source;

/* "event log", "process list"; "none". */
const char *msiq_holder_source_name(msiq_holder_source source);

/* The other installation. Zero-initialised: nothing known. */
typedef struct msiq_installer_holder {
  msiq_holder_source source; /* MSIQ_HOLDER_SOURCE_NONE: nothing known */
  /* The package path or product name the event names; "" when unknown
   * (a process list names no package apart from its command line). */
  char package[1024];
  /* The client process id; 0 when unknown. */
  int64_t process_id;
  /* The process's command line; "" when unknown. */
  char command_line[2048];
} msiq_installer_holder;

/* True when *holder names anything. */
bool msiq_installer_holder_known(const msiq_installer_holder *holder);

/* The words after "another installation is running: ": the command line
 * when known, else the package, then " (process PID)" when the id is known
 * ("msiexec.exe /i C:\x.msi (process 1234)"). "" when nothing is known.
 * Control characters become spaces, so the text stays one line. */
void msiq_installer_holder_describe(const msiq_installer_holder *holder,
                                    char *text, size_t size);

/* The two MsiInstaller events that bracket a transaction. */
#define MSIQ_MSI_EVENT_TRANSACTION_BEGIN 1040
#define MSIQ_MSI_EVENT_TRANSACTION_END   1042

/* One MsiInstaller transaction event, read from its XML. */
typedef struct msiq_msi_event {
  unsigned event_id;  /* 1040 or 1042 */
  int64_t process_id; /* the client process id (the event's second value) */
  char package[1024]; /* the package (its first value), entities decoded */
} msiq_msi_event;

/* Reads one event as EvtRender(EvtRenderEventXml) writes it: the provider
 * in <System><Provider Name='...'/>, the id in <EventID>, and the values
 * of the message in <EventData>, in order: <Data>PACKAGE</Data><Data>PID
 * </Data>. Returns MSIQ_OK with *out filled for a 1040 or 1042 of the
 * MsiInstaller provider; MSIQ_ENOT_FOUND for a well-formed event of another
 * provider or another id (nothing to learn from it); MSIQ_EINVAL for text
 * that is not such an event (no <Event>, no id, a missing or non-numeric
 * process id), explained in diag. */
int msiq_msi_event_parse(const char *xml, msiq_msi_event *out, msiq_diag *diag);

/* From events newest first (as EvtQuery's reverse direction gives them):
 * the newest 1040 with no later 1042 of the same client process. Events
 * that do not parse, and events of other sources, are skipped: one odd
 * record must not hide the holder. Returns true and fills *out (source
 * MSIQ_HOLDER_SOURCE_EVENT_LOG, package and process id) when found, else
 * false with *out zeroed. */
bool msiq_installer_holder_from_events(const char *const *events, size_t count,
                                       msiq_installer_holder *out);

/* The process list's rule: is this msiexec.exe command line the Windows
 * Installer service's own process ("msiexec.exe /V"), which runs every
 * installation's server side and so names none of them? */
bool msiq_installer_holder_is_service_process(const char *command_line);

#endif /* MSIQ_INSTALLER_HOLDER_H */
