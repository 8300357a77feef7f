/* worker_win.c: the msi.dll worker, `msiq --worker` (see host.h).
 *
 * With msiexec /qn the installation runs inside the Windows Installer
 * service, so ending msiexec cancels nothing and its caller sees no
 * progress. The worker instead calls msi.dll itself, with an external UI
 * handler that receives every message Windows Installer would have shown:
 * it turns them into protocol lines on standard output, and it answers
 * IDCANCEL when the dispatcher asks to cancel, which makes Windows
 * Installer roll back and return ERROR_INSTALL_USEREXIT (1602).
 *
 * Three threads:
 *   - the main thread reads the request, then waits for the call and sends
 *     the reports the rate limit held back (a quiet stretch, such as a long
 *     custom action, must not leave a stale action on the dispatcher's
 *     screen);
 *   - the call thread sets up msi.dll and makes the one API call; Windows
 *     Installer calls the UI handler on it;
 *   - the input thread reads standard input after `start` and turns
 *     `cancel`, or the pipe closing (the dispatcher died), into a cancel
 *     request.
 * One critical section guards the shared state and standard output, so
 * every line is written whole, by one thread at a time. Which call is made
 * and with what properties is decided in the core (installer_command.h);
 * this file converts strings and calls. docs/engine.md tells the story.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <msi.h>
#include <msiquery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/decision.h"
#include "core/installer_command.h"
#include "core/log_mode.h"
#include "core/progress.h"
#include "core/worker_protocol.h"
#include "core/worker_request.h"
#include "host/host.h"
#include "host/win/host_win_internal.h"

/* The shortest time between two `progress` lines, and between two `action`
 * lines: about four a second is as fast as a person reads, and a large
 * package sends thousands of progress records. */
#define WORKER_REPORT_INTERVAL_MS 250

/* How often the main thread looks for held-back reports. */
#define WORKER_FLUSH_INTERVAL_MS 100

/* Free text (an error message, an action's description) is cut to this
 * many bytes so that the line, escaped, stays under MSIQ_WORKER_LINE_MAX. */
#define WORKER_TEXT_MAX 1500

/* msiexec's /l*v, the log of a job that names no mode: every kind of
 * message ('*' is i w e a r u c m o p) plus verbose output (v). */
#define WORKER_LOG_MODE                                                        \
  (INSTALLLOGMODE_FATALEXIT | INSTALLLOGMODE_ERROR | INSTALLLOGMODE_WARNING |  \
   INSTALLLOGMODE_USER | INSTALLLOGMODE_INFO | INSTALLLOGMODE_RESOLVESOURCE |  \
   INSTALLLOGMODE_OUTOFDISKSPACE | INSTALLLOGMODE_ACTIONSTART |                \
   INSTALLLOGMODE_ACTIONDATA | INSTALLLOGMODE_COMMONDATA |                     \
   INSTALLLOGMODE_PROPERTYDUMP | INSTALLLOGMODE_VERBOSE)

/* The messages the UI handler asks for. */
#define WORKER_UI_FILTER                                                       \
  (INSTALLLOGMODE_PROGRESS | INSTALLLOGMODE_ACTIONSTART |                      \
   INSTALLLOGMODE_ACTIONDATA | INSTALLLOGMODE_ERROR |                          \
   INSTALLLOGMODE_FATALEXIT | INSTALLLOGMODE_WARNING |                         \
   INSTALLLOGMODE_FILESINUSE | INSTALLLOGMODE_RMFILESINUSE |                   \
   INSTALLLOGMODE_COMMONDATA)

/* COMMONDATA's field 1 when the message is about the Cancel button. */
#define WORKER_COMMONDATA_CANCEL 2

typedef struct worker {
  HANDLE input;
  HANDLE output;
  CRITICAL_SECTION lock; /* guards what follows and standard output */

  /* Reading. */
  msiq_worker_line_reader reader;
  msiq_worker_request request;
  msiq_diag request_diag;
  bool request_refused;

  /* The call. */
  msiq_installer_call call;
  wchar_t *target;
  wchar_t *properties;
  wchar_t *transforms; /* an advertisement's, or NULL */
  wchar_t *log_path;
  UINT result;
  /* A related uninstall: the products found with the request's UpgradeCode
   * (';'-separated, NULL for none), removed one call each. */
  char *related_products;

  /* Cancelling. */
  volatile LONG cancel_requested;
  bool cancel_enabled; /* Windows Installer shows its Cancel button */
  bool cancelling_sent;

  /* Reports. */
  msiq_progress progress;
  bool progress_received; /* a progress record has changed the bar */
  int progress_sent;      /* the last percentage sent, -1 before the first */
  ULONGLONG progress_sent_at;
  bool action_pending;
  ULONGLONG action_sent_at;
  char *action_name;        /* the newest ACTIONSTART, sent or held back */
  char *action_description; /* its description ("" when it has none) */
} worker;

/* Cuts text to at most WORKER_TEXT_MAX bytes on a character boundary, and
 * drops the line ends Windows Installer puts after its messages. */
static void worker_text_trim(char *text) {
  size_t length = strlen(text);
  if (length > WORKER_TEXT_MAX) {
    length = WORKER_TEXT_MAX;
    while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80) {
      length--;
    }
  }
  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r' ||
                        text[length - 1] == ' ')) {
    length--;
  }
  text[length] = '\0';
}

/* Output. */

/* Writes one message; a line that does not fit is dropped (every text field
 * is trimmed first, so only a bug gets here). Once the pipe is broken the
 * dispatcher is gone; what is left to do is finish, so errors are not
 * reported further. */
static void worker_send(worker *w, msiq_worker_message_kind kind,
                        const char *const *fields, size_t field_count) {
  char line[MSIQ_WORKER_LINE_MAX];
  if (msiq_worker_message_format(kind, fields, field_count, line, sizeof line,
                                 NULL) != MSIQ_OK) {
    return;
  }
  EnterCriticalSection(&w->lock);
  const char *cursor = line;
  DWORD left = (DWORD)strlen(line);
  while (left > 0) {
    DWORD written = 0;
    if (!WriteFile(w->output, cursor, left, &written, NULL) || written == 0) {
      break;
    }
    cursor += written;
    left -= written;
  }
  LeaveCriticalSection(&w->lock);
}

static void worker_send_number(worker *w, msiq_worker_message_kind kind,
                               long long number) {
  char text[32];
  snprintf(text, sizeof text, "%lld", number);
  const char *fields[] = {text};
  worker_send(w, kind, fields, 1);
}

/* Sends percent if it differs from what was sent last, at most once per
 * interval unless forced (the final value). Called with the lock held. */
static void worker_report_percent(worker *w, int percent, bool force) {
  if (percent == w->progress_sent) {
    return;
  }
  ULONGLONG now = GetTickCount64();
  if (!force && w->progress_sent >= 0 &&
      now - w->progress_sent_at < WORKER_REPORT_INTERVAL_MS) {
    return;
  }
  worker_send_number(w, MSIQ_WORKER_PROGRESS, percent);
  w->progress_sent = percent;
  w->progress_sent_at = now;
}

/* Sends the bar's percentage (see worker_report_percent). Nothing before
 * Windows Installer's first progress record: the main thread's flush would
 * otherwise send the empty bar's 0 %, possibly before the `operation`
 * line, and for a call that fails before any progress. */
static void worker_report_progress(worker *w, bool force) {
  if (!w->progress_received) {
    return;
  }
  worker_report_percent(w, msiq_progress_percent(&w->progress), force);
}

/* Sends the newest action if one is held back, with the same limit.
 * Called with the lock held. */
static void worker_report_action(worker *w, bool force) {
  if (!w->action_pending) {
    return;
  }
  ULONGLONG now = GetTickCount64();
  if (!force && w->action_sent_at != 0 &&
      now - w->action_sent_at < WORKER_REPORT_INTERVAL_MS) {
    return;
  }
  const char *fields[] = {w->action_name, w->action_description};
  worker_send(w, MSIQ_WORKER_ACTION, fields,
              w->action_description[0] != '\0' ? 2 : 1);
  w->action_pending = false;
  w->action_sent_at = now;
}

/* Reading records. */

/* A record field as UTF-8 (free() it), "" when it is empty or unreadable. */
static char *worker_record_string(MSIHANDLE record, UINT field) {
  DWORD length = 0;
  wchar_t empty[1] = {L'\0'};
  char *text = NULL;
  UINT status = MsiRecordGetStringW(record, field, empty, &length);
  if (status == ERROR_MORE_DATA) {
    wchar_t *wide = malloc(((size_t)length + 1) * sizeof *wide);
    length++;
    if (wide != NULL &&
        MsiRecordGetStringW(record, field, wide, &length) == ERROR_SUCCESS) {
      text = host_win_narrow(wide);
    }
    free(wide);
  }
  if (text == NULL) {
    text = calloc(1, 1);
  }
  if (text != NULL) {
    worker_text_trim(text);
  }
  return text;
}

/* The record as Windows Installer would show it (its template in field 0
 * with the fields put in, or "1: ... 2: ..." without one), as UTF-8. */
static char *worker_record_text(MSIHANDLE record) {
  DWORD length = 0;
  wchar_t empty[1] = {L'\0'};
  char *text = NULL;
  UINT status = MsiFormatRecordW(0, record, empty, &length);
  if (status == ERROR_MORE_DATA || (status == ERROR_SUCCESS && length > 0)) {
    wchar_t *wide = malloc(((size_t)length + 1) * sizeof *wide);
    length++;
    if (wide != NULL &&
        MsiFormatRecordW(0, record, wide, &length) == ERROR_SUCCESS) {
      text = host_win_narrow(wide);
    }
    free(wide);
  }
  if (text == NULL) {
    text = calloc(1, 1);
  }
  if (text != NULL) {
    worker_text_trim(text);
  }
  return text;
}

/* A record field as an integer; an empty field counts as 0. */
static int64_t worker_record_integer(MSIHANDLE record, UINT field) {
  int value = MsiRecordGetInteger(record, field);
  return (unsigned int)value == MSI_NULL_INTEGER ? 0 : value;
}

/* The UI handler's parts, each called with the lock held. */

static void worker_on_progress(worker *w, MSIHANDLE record) {
  int64_t fields[4];
  UINT count = MsiRecordGetFieldCount(record);
  if (count > 4) {
    count = 4;
  }
  for (UINT i = 0; i < count; i++) {
    fields[i] = worker_record_integer(record, i + 1);
  }
  if (msiq_progress_apply_record(&w->progress, fields, count)) {
    w->progress_received = true;
    worker_report_progress(w, false);
  }
}

static void worker_on_action_start(worker *w, MSIHANDLE record) {
  char *name = worker_record_string(record, 1);
  char *description = worker_record_string(record, 2);
  if (name == NULL || description == NULL) {
    free(name);
    free(description);
    return;
  }
  free(w->action_name);
  free(w->action_description);
  w->action_name = name;
  w->action_description = description;
  w->action_pending = true;
  worker_report_action(w, false);
}

static void worker_on_error(worker *w, MSIHANDLE record) {
  char number[32];
  snprintf(number, sizeof number, "%lld",
           (long long)worker_record_integer(record, 1));
  char *text = worker_record_text(record);
  if (text == NULL) {
    return;
  }
  const char *action = w->action_name != NULL ? w->action_name : "";
  const char *fields[] = {number, text, action};
  worker_send(w, MSIQ_WORKER_ERROR, fields, action[0] != '\0' ? 3 : 2);
  free(text);
}

static void worker_on_files_in_use(worker *w, MSIHANDLE record) {
  char *text = worker_record_text(record);
  if (text == NULL) {
    return;
  }
  const char *fields[] = {text};
  worker_send(w, MSIQ_WORKER_FILES_IN_USE, fields, 1);
  free(text);
}

static void worker_on_common_data(worker *w, MSIHANDLE record) {
  if (worker_record_integer(record, 1) != WORKER_COMMONDATA_CANCEL) {
    return;
  }
  w->cancel_enabled = worker_record_integer(record, 2) != 0;
  worker_send_number(w, MSIQ_WORKER_CANCELLABLE, w->cancel_enabled ? 1 : 0);
}

/* Windows Installer reads IDCANCEL from a progress-type message as "the
 * user pressed Cancel". It is returned only while the Cancel button would
 * be shown: Windows Installer hides it where stopping is not possible
 * (while committing or rolling back), and the request waits until then. */
static bool worker_cancel_now(worker *w) {
  if (InterlockedCompareExchange(&w->cancel_requested, 0, 0) == 0 ||
      !w->cancel_enabled) {
    return false;
  }
  if (!w->cancelling_sent) {
    worker_send(w, MSIQ_WORKER_CANCELLING, NULL, 0);
    w->cancelling_sent = true;
  }
  return true;
}

static INT CALLBACK worker_ui_handler(LPVOID context, UINT message_type,
                                      MSIHANDLE record) {
  worker *w = context;
  /* The high byte is the message; the rest are button and icon flags. */
  INSTALLMESSAGE message = (INSTALLMESSAGE)(message_type & 0xFF000000u);
  bool may_cancel = false;
  EnterCriticalSection(&w->lock);
  switch (message) {
    case INSTALLMESSAGE_PROGRESS:
      worker_on_progress(w, record);
      may_cancel = true;
      break;
    case INSTALLMESSAGE_ACTIONDATA:
      if (msiq_progress_apply_action_data(&w->progress)) {
        w->progress_received = true;
        worker_report_progress(w, false);
      }
      may_cancel = true;
      break;
    case INSTALLMESSAGE_ACTIONSTART:
      worker_on_action_start(w, record);
      may_cancel = true;
      break;
    case INSTALLMESSAGE_ERROR:
    case INSTALLMESSAGE_FATALEXIT:
    case INSTALLMESSAGE_WARNING:
      worker_on_error(w, record);
      break;
    case INSTALLMESSAGE_FILESINUSE:
    case INSTALLMESSAGE_RMFILESINUSE:
      worker_on_files_in_use(w, record);
      break;
    case INSTALLMESSAGE_COMMONDATA:
      worker_on_common_data(w, record);
      break;
    default:
      break;
  }
  bool cancel = may_cancel && worker_cancel_now(w);
  LeaveCriticalSection(&w->lock);
  /* 0 is "no action taken": Windows Installer applies the silent default,
   * as it would under msiexec /qn. */
  return cancel ? IDCANCEL : 0;
}

/* Reading standard input. */

static void worker_request_cancel(worker *w) {
  InterlockedExchange(&w->cancel_requested, 1);
}

/* Before `start`, each line goes into the request; after it, only `cancel`
 * means something, and anything else is ignored so that a newer dispatcher
 * may send more. */
static void worker_on_line(void *context, const char *line, size_t length,
                           bool truncated) {
  worker *w = context;
  msiq_worker_message message;
  if (msiq_worker_request_is_complete(&w->request)) {
    if (!truncated &&
        msiq_worker_message_parse(line, length, &message, NULL) == MSIQ_OK &&
        message.kind == MSIQ_WORKER_CANCEL) {
      worker_request_cancel(w);
    }
    return;
  }
  if (w->request_refused) {
    return;
  }
  int status = truncated ? msiq_diag_set(&w->request_diag, MSIQ_EINVAL,
                                         "worker request: a line longer than "
                                         "%d bytes",
                                         MSIQ_WORKER_LINE_MAX - 1)
                         : msiq_worker_message_parse(line, length, &message,
                                                     &w->request_diag);
  if (status == MSIQ_OK) {
    status = msiq_worker_request_add(&w->request, &message, &w->request_diag);
  }
  if (status != MSIQ_OK) {
    w->request_refused = true;
  }
}

/* Reads until the request is complete or refused; false when standard
 * input ended first. Bytes after `start` in the same read are already fed
 * to worker_on_line(), so a `cancel` sent right behind it counts. */
static bool worker_read_request(worker *w) {
  char buffer[4096];
  while (!msiq_worker_request_is_complete(&w->request) && !w->request_refused) {
    DWORD count = 0;
    if (!ReadFile(w->input, buffer, sizeof buffer, &count, NULL) ||
        count == 0) {
      return false;
    }
    msiq_worker_line_reader_feed(&w->reader, buffer, count, worker_on_line, w);
  }
  return true;
}

static DWORD WINAPI worker_input_thread(LPVOID context) {
  worker *w = context;
  char buffer[4096];
  for (;;) {
    DWORD count = 0;
    if (!ReadFile(w->input, buffer, sizeof buffer, &count, NULL) ||
        count == 0) {
      break;
    }
    msiq_worker_line_reader_feed(&w->reader, buffer, count, worker_on_line, w);
  }
  /* The pipe closed: the dispatcher is gone, and an installation nobody
   * watches should not go on. */
  worker_request_cancel(w);
  return 0;
}

/* The call. */

/* The INSTALLLOGMODE_ bits and INSTALLLOGATTRIBUTES_ of msiexec's /l
 * letters (core/log_mode.h): what msiexec itself passes to MsiEnableLog. */
static DWORD worker_log_mode(unsigned flags, DWORD *attributes) {
  static const struct {
    unsigned flag;
    DWORD mode;
  } kinds[] = {
      {MSIQ_LOG_INFO, INSTALLLOGMODE_INFO},
      {MSIQ_LOG_WARNING, INSTALLLOGMODE_WARNING},
      {MSIQ_LOG_ERROR, INSTALLLOGMODE_ERROR},
      {MSIQ_LOG_ACTIONSTART, INSTALLLOGMODE_ACTIONSTART},
      {MSIQ_LOG_ACTIONDATA, INSTALLLOGMODE_ACTIONDATA},
      {MSIQ_LOG_USER, INSTALLLOGMODE_USER},
      {MSIQ_LOG_COMMONDATA, INSTALLLOGMODE_COMMONDATA},
      {MSIQ_LOG_FATALEXIT, INSTALLLOGMODE_FATALEXIT},
      {MSIQ_LOG_OUTOFDISKSPACE, INSTALLLOGMODE_OUTOFDISKSPACE},
      {MSIQ_LOG_PROPERTYDUMP, INSTALLLOGMODE_PROPERTYDUMP},
      {MSIQ_LOG_VERBOSE, INSTALLLOGMODE_VERBOSE},
      {MSIQ_LOG_EXTRADEBUG, INSTALLLOGMODE_EXTRADEBUG},
  };
  DWORD mode = 0;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if ((flags & kinds[i].flag) != 0) {
      mode |= (DWORD)kinds[i].mode;
    }
  }
  *attributes = 0;
  if ((flags & MSIQ_LOG_APPEND) != 0) {
    *attributes |= INSTALLLOGATTRIBUTES_APPEND;
  }
  if ((flags & MSIQ_LOG_FLUSH) != 0) {
    *attributes |= INSTALLLOGATTRIBUTES_FLUSHEACHLINE;
  }
  return mode;
}

/* A related uninstall: one MsiConfigureProductExW call per product found
 * with the UpgradeCode, each planned as an uninstall of that product code
 * with the job's properties and announced by its own `operation` line;
 * the results fold as msiq_related_result_fold says (a cancel's 1602
 * stops the rest like any failure). No product found is 0 with no call. */
static void worker_remove_related(worker *w) {
  const msiq_job_spec *job = &w->request.job;
  int64_t combined = ERROR_SUCCESS;
  char code[MSIQ_PRODUCT_CODE_SIZE];
  const char *cursor = w->related_products;
  while ((cursor = msiq_patch_targets_next(cursor, code, sizeof code)) !=
         NULL) {
    msiq_installer_call call;
    msiq_installer_call_init(&call);
    msiq_diag diag = {{0}};
    wchar_t *target = NULL;
    wchar_t *properties = NULL;
    UINT result = ERROR_INSTALL_FAILURE;
    if (msiq_installer_call_plan(MSIQ_ACTION_UNINSTALL, code, NULL,
                                 job->properties, job->property_count, &call,
                                 &diag) == MSIQ_OK &&
        (target = host_win_wide(call.target)) != NULL &&
        (properties = host_win_wide(call.properties)) != NULL) {
      const char *fields[] = {call.description};
      worker_send(w, MSIQ_WORKER_OPERATION, fields, 1);
      result = MsiConfigureProductExW(target, INSTALLLEVEL_DEFAULT,
                                      INSTALLSTATE_ABSENT, properties);
    }
    free(target);
    free(properties);
    msiq_installer_call_cleanup(&call);
    bool stop = false;
    combined = msiq_related_result_fold(combined, result, &stop);
    if (stop) {
      break;
    }
  }
  w->result = (UINT)combined;
}

static DWORD WINAPI worker_call_thread(LPVOID context) {
  worker *w = context;
  /* The UI level and handler are set right before the call on the thread
   * that makes it, as Windows Installer's own examples do. */
  MsiSetInternalUI(INSTALLUILEVEL_NONE, NULL);
  if (w->log_path != NULL) {
    /* A job without a mode logs as msiq always has: /l*v, each line
     * flushed, so that `msiq log --follow` sees every line at once. */
    DWORD mode = WORKER_LOG_MODE;
    DWORD attributes = INSTALLLOGATTRIBUTES_FLUSHEACHLINE;
    if (w->request.log_mode_given) {
      mode = worker_log_mode(w->request.log_flags, &attributes);
    }
    if (MsiEnableLogW(mode, w->log_path, attributes) != ERROR_SUCCESS) {
      /* msiexec's answer when it cannot open its log. */
      w->result = ERROR_INSTALL_LOG_FAILURE;
      return 0;
    }
  }
  MsiSetExternalUIRecord(worker_ui_handler, WORKER_UI_FILTER, w, NULL);
  if (w->request.job.related) {
    worker_remove_related(w);
    return 0;
  }
  const char *fields[] = {w->call.description};
  worker_send(w, MSIQ_WORKER_OPERATION, fields, 1);
  switch (w->call.function) {
    case MSIQ_INSTALLER_CONFIGURE_PRODUCT:
      w->result = MsiConfigureProductExW(w->target, INSTALLLEVEL_DEFAULT,
                                         w->call.remove ? INSTALLSTATE_ABSENT
                                                        : INSTALLSTATE_DEFAULT,
                                         w->properties);
      break;
    case MSIQ_INSTALLER_APPLY_PATCHES:
      w->result = MsiApplyMultiplePatchesW(w->target, NULL, w->properties);
      break;
    case MSIQ_INSTALLER_ADVERTISE_PRODUCT:
      /* As msiexec /jm: the script path argument carries the flag that
       * advertises on this machine for all users; platform and options 0
       * mean this machine's platform and no extra options. */
      w->result = MsiAdvertiseProductExW(
          w->target, (LPCWSTR)(ULONG_PTR)ADVERTISEFLAGS_MACHINEASSIGN,
          w->transforms, (LANGID)w->call.language, 0, 0);
      break;
    case MSIQ_INSTALLER_INSTALL_PRODUCT:
    case MSIQ_INSTALLER_FUNCTION_COUNT:
      w->result = MsiInstallProductW(w->target, w->properties);
      break;
  }
  return 0;
}

static bool worker_result_is_success(UINT result) {
  return result == ERROR_SUCCESS || result == ERROR_SUCCESS_REBOOT_REQUIRED ||
         result == ERROR_SUCCESS_REBOOT_INITIATED;
}

/* Plans the call and converts its strings; false (with the reason in
 * request_diag) when the request cannot be carried out. */
static bool worker_prepare_call(worker *w) {
  const msiq_job_spec *job = &w->request.job;
  /* A related uninstall is planned as an uninstall of its UpgradeCode, so
   * that its properties are checked as every uninstall's; the calls are
   * planned again for each product the UpgradeCode finds. */
  if (msiq_installer_call_plan(job->action, job->target, w->request.repair_mode,
                               job->properties, job->property_count, &w->call,
                               &w->request_diag) != MSIQ_OK) {
    return false;
  }
  if (job->related) {
    bool known = false;
    if (msiq_host_related_products(job->target, &known, &w->related_products,
                                   &w->request_diag) != MSIQ_OK) {
      return false;
    }
  }
  w->target = host_win_wide(w->call.target);
  w->properties = host_win_wide(w->call.properties);
  if (w->call.transforms != NULL) {
    w->transforms = host_win_wide(w->call.transforms);
    if (w->transforms == NULL) {
      msiq_diag_set(&w->request_diag, MSIQ_EINVAL,
                    "worker request: a string is not valid UTF-8");
      return false;
    }
  }
  if (job->log_path != NULL) {
    w->log_path = host_win_wide(job->log_path);
  }
  if (w->target == NULL || w->properties == NULL ||
      (job->log_path != NULL && w->log_path == NULL)) {
    msiq_diag_set(&w->request_diag, MSIQ_EINVAL,
                  "worker request: a string is not valid UTF-8");
    return false;
  }
  return true;
}

static void worker_init(worker *w) {
  memset(w, 0, sizeof *w);
  w->input = GetStdHandle(STD_INPUT_HANDLE);
  w->output = GetStdHandle(STD_OUTPUT_HANDLE);
  InitializeCriticalSection(&w->lock);
  msiq_worker_line_reader_init(&w->reader);
  msiq_worker_request_init(&w->request);
  msiq_installer_call_init(&w->call);
  /* Windows Installer shows its Cancel button until it says otherwise. */
  w->cancel_enabled = true;
  msiq_progress_init(&w->progress);
  w->progress_sent = -1;
}

int msiq_host_worker_main(void) {
  DWORD console_mode = 0;
  if (GetConsoleMode(GetStdHandle(STD_INPUT_HANDLE), &console_mode)) {
    fputs("msiq: --worker is internal: the dispatcher starts it with a pipe "
          "on standard input\n",
          stderr);
    return MSIQ_WORKER_BAD_REQUEST_CODE;
  }
  /* Static: the threads may still be running while the process exits. */
  static worker w;
  worker_init(&w);

  char pid[32];
  snprintf(pid, sizeof pid, "%lu", (unsigned long)GetCurrentProcessId());
  char version[16];
  snprintf(version, sizeof version, "%d", MSIQ_WORKER_PROTOCOL_VERSION);
  const char *hello[] = {version, pid};
  worker_send(&w, MSIQ_WORKER_HELLO, hello, 2);

  if (!worker_read_request(&w) && !w.request_refused) {
    msiq_diag_set(&w.request_diag, MSIQ_EINVAL,
                  "worker request: standard input ended before 'start'");
    w.request_refused = true;
  }
  if (w.request_refused || !worker_prepare_call(&w)) {
    fprintf(stderr, "msiq: %s\n", w.request_diag.message);
    worker_send_number(&w, MSIQ_WORKER_RESULT, MSIQ_WORKER_BAD_REQUEST_CODE);
    return MSIQ_WORKER_BAD_REQUEST_CODE;
  }

  HANDLE input_thread = CreateThread(NULL, 0, worker_input_thread, &w, 0, NULL);
  HANDLE call_thread = CreateThread(NULL, 0, worker_call_thread, &w, 0, NULL);
  if (call_thread == NULL) {
    /* Nothing was started; the call was never made. */
    worker_send_number(&w, MSIQ_WORKER_RESULT, ERROR_INSTALL_FAILURE);
    return ERROR_INSTALL_FAILURE;
  }
  while (WaitForSingleObject(call_thread, WORKER_FLUSH_INTERVAL_MS) ==
         WAIT_TIMEOUT) {
    EnterCriticalSection(&w.lock);
    worker_report_progress(&w, false);
    worker_report_action(&w, false);
    LeaveCriticalSection(&w.lock);
  }
  CloseHandle(call_thread);

  EnterCriticalSection(&w.lock);
  worker_report_action(&w, true);
  /* Windows Installer's last progress record need not reach the end of the
   * bar (the ticks are estimates), and a quick call may send none; a call
   * that succeeded is 100%. A call that failed before any progress (a
   * missing package) reports none. */
  if (worker_result_is_success(w.result)) {
    worker_report_percent(&w, 100, true);
  } else if (w.progress_sent >= 0) {
    worker_report_progress(&w, true);
  }
  worker_send_number(&w, MSIQ_WORKER_RESULT, w.result);
  LeaveCriticalSection(&w.lock);
  /* The input thread may be blocked reading; the process exit ends it. */
  if (input_thread != NULL) {
    CloseHandle(input_thread);
  }
  return (int)w.result;
}
