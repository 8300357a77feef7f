/* store.h: the durable job queue in one SQLite file, as the CLI uses it:
 * open, enqueue, import, read, list, cancel, retry, pause, purge, status and
 * the JSON reports. The dispatcher's operations (picking jobs, recording
 * attempts) are in store_dispatch.h, which only the dispatcher includes.
 *
 * Every connection runs in WAL mode with synchronous=FULL (an acknowledged
 * enqueue survives power loss), a busy timeout and foreign keys. Every write
 * is one BEGIN IMMEDIATE transaction and every state change is a
 * compare-and-set on the state the caller saw. SQLite result codes are
 * translated into msiq statuses here and nowhere else.
 *
 * A msiq_store is one connection and is used by one thread at a time (a
 * thread that needs the queue opens its own): SQLite runs in multi-thread
 * mode, without locks around each call (store_open.c).
 */
#ifndef MSIQ_STORE_H
#define MSIQ_STORE_H

#include "core/admission.h"
#include "core/job.h"

typedef struct msiq_store msiq_store;

/* How long a connection waits for another writer before giving up with
 * MSIQ_ELOCKED. Long enough for a burst of parallel enqueues with fsync.
 * (The simulation host lets tests shorten it: msiq_host_busy_timeout_ms.) */
#define MSIQ_STORE_BUSY_TIMEOUT_MS 30000

enum msiq_store_open_flags {
  /* Create the database (and its directory) if it does not exist. Without
   * it a missing database is MSIQ_EMISSING, so a mistyped --db path on a
   * read-only command does not silently show an empty queue. */
  MSIQ_STORE_CREATE = 1 << 0,
  /* Refuse (MSIQ_EINSECURE) a queue that others than administrators can
   * change (msiq_host_check_private), before anything is opened, created
   * or migrated: the dispatcher's open. */
  MSIQ_STORE_PRIVATE = 1 << 1,
};

/* Opens the database, refusing one written by a newer msiq (MSIQ_ESCHEMA,
 * file untouched), and applies pending migrations in one transaction.
 * Once the database is open, temporary copies a killed import left beside
 * it (msiq_store_publish_new's DATABASE.new-*) are removed. */
int msiq_store_open(const char *path, int flags, msiq_store **store,
                    msiq_diag *diag);
void msiq_store_close(msiq_store *store);

/* Writes the whole database of `store` (an in-memory rehearsal queue) to a
 * new database file at path, then opens that as *published. Nothing is
 * written at path if a file appeared there meanwhile: *published stays NULL
 * and the caller works on that file instead. The copy is made under a
 * temporary name in the same directory and takes the final name in one
 * step, so no other process ever sees a half-written database. */
int msiq_store_publish_new(msiq_store *store, const char *path,
                           msiq_store **published, msiq_diag *diag);
/* The temporary copy's name is DATABASE.new- and 16 hexadecimal digits;
 * while it is written its creator holds a claim on it (host.h), so the
 * clean-up at open removes only the copies of processes that died. */

/* The schema version in PRAGMA user_version, and the newest one this build
 * knows. */
int msiq_store_schema_version(msiq_store *store, int *version, msiq_diag *diag);
int msiq_store_latest_schema_version(void);

/* Stores a job that passed admission (core/admission.h) in one
 * transaction. With an idempotency key that names an unfinished job, stores
 * nothing, sets *existing and returns that job's id; otherwise delivers the
 * admission's refusal, if any, checks that every dependency (by id, or by
 * key: the newest job with that key) names a job, and inserts. The spec is
 * left as it was. */
int msiq_store_enqueue(msiq_store *store, const msiq_admission *admission,
                       int64_t *id, bool *existing, msiq_diag *diag);

/* Reads a JSON array of job objects and enqueues all of them in one
 * transaction: on any error nothing is stored. Each item is admitted
 * (core/admission.h) with the services the caller passes in admission_host
 * (the CLI passes the host's, msiq_host_admission; tests may pass fakes), so
 * the store itself never touches the file system for admission. Admission
 * happens before the transaction begins, so a manifest refused by admission
 * never takes the write lock; each item is then stored as by enqueue.
 * *ids (free() it) receives one id per item, in order. no_check skips the
 * package existence checks. */
int msiq_store_import(msiq_store *store, const char *json_text, bool no_check,
                      const msiq_admission_host *admission_host, int64_t **ids,
                      size_t *id_count, msiq_diag *diag);

/* Reads one job with every field; MSIQ_ENOT_FOUND if there is none. The
 * caller cleans *job up with msiq_job_cleanup(). */
int msiq_store_get_job(msiq_store *store, int64_t id, msiq_job *job,
                       msiq_diag *diag);

/* One attempt of the history. */
typedef struct msiq_attempt {
  int64_t number;
  int64_t started_at;
  int64_t finished_at; /* MSIQ_TIME_UNSET while running */
  bool has_exit_code;
  int64_t exit_code;
  char outcome[16]; /* "" while running */
  char *message;
  /* How far it got: the last progress its worker reported (for the attempt
   * that runs, the job's live progress). progress_at is MSIQ_TIME_UNSET
   * when it reported none; progress_percent is -1 when only an action was
   * reported, and progress_action NULL when only percentages were. */
  int progress_percent;
  char *progress_action;
  int64_t progress_at;
} msiq_attempt;

int msiq_store_get_attempts(msiq_store *store, int64_t job_id,
                            msiq_attempt **attempts, size_t *count,
                            msiq_diag *diag);
void msiq_attempts_free(msiq_attempt *attempts, size_t count);

/* Calls visit for each job in id order (state_filter < 0: every job). The
 * job passed to visit carries the job table's columns only (no properties,
 * dependencies or rules) and is cleaned up after the call. */
typedef int (*msiq_job_visitor)(const msiq_job *job, void *context);
int msiq_store_list_jobs(msiq_store *store, int state_filter,
                         msiq_job_visitor visit, void *context,
                         msiq_diag *diag);

/* What `list` asks for beyond a state: a job matches when it matches
 * every filter given. */
typedef struct msiq_job_filter {
  int state;           /* a msiq_state, or -1 for any */
  int action;          /* a msiq_action, or -1 for any */
  const char *key;     /* the idempotency key, or NULL */
  const char *product; /* a product name (in any case) or code, or NULL */
  int64_t since;       /* created at or after (UTC ms), or MSIQ_TIME_UNSET */
  int64_t limit;       /* only the newest `limit` of them; 0 for all */
} msiq_job_filter;

/* Every filter unset: every job. */
void msiq_job_filter_init(msiq_job_filter *filter);

/* As msiq_store_list_jobs and msiq_store_list_json_rows, for the jobs that
 * match filter, in id order. Each filter reads through its index
 * (schema/queries/job_list_filtered.sql), so a narrow filter costs what
 * it finds, not the history. */
int msiq_store_list_jobs_filtered(msiq_store *store,
                                  const msiq_job_filter *filter,
                                  msiq_job_visitor visit, void *context,
                                  msiq_diag *diag);

/* JSON text (free() it): one job object, with "history" when asked; or an
 * array of job objects, filtered by state as above (built from
 * msiq_store_list_json_rows, so it holds the same objects). */
int msiq_store_job_json(msiq_store *store, int64_t id, bool with_history,
                        char **json, msiq_diag *diag);
int msiq_store_list_json(msiq_store *store, int state_filter, char **json,
                         msiq_diag *diag);

/* Calls visit with each job's JSON object (length bytes, NUL-terminated,
 * valid only during the call) in id order, filtered by state as above, one
 * row at a time as SQLite steps the statement: `list --json` writes a
 * million jobs in the memory of one. A status other than MSIQ_OK from visit
 * stops the walk and is returned (visit sets diag). */
typedef int (*msiq_json_visitor)(const char *json, size_t length, void *context,
                                 msiq_diag *diag);
int msiq_store_list_json_rows(msiq_store *store, int state_filter,
                              msiq_json_visitor visit, void *context,
                              msiq_diag *diag);
int msiq_store_list_json_rows_filtered(msiq_store *store,
                                       const msiq_job_filter *filter,
                                       msiq_json_visitor visit, void *context,
                                       msiq_diag *diag);

/* Cancels a queued or retrying job. A running job is refused with
 * MSIQ_ESTATE unless force is set, in which case the cancel is requested
 * and the dispatcher stops the installer (*requested is set). */
int msiq_store_cancel(msiq_store *store, int64_t id, bool force,
                      bool *requested, msiq_diag *diag);

/* Puts a failed or cancelled job back in the queue for a new round of
 * attempts; its history is kept. */
int msiq_store_retry(msiq_store *store, int64_t id, msiq_diag *diag);

/* The queue's paused flag and its reason. */
typedef struct msiq_queue_status {
  bool paused;
  char pause_reason[256];
  int64_t paused_at;
  /* The pause came from an installer that started a reboot (1641). */
  bool reboot_initiated;
  /* The machine's boot time when that happened (UTC ms), or unset. */
  int64_t paused_boot_time;
  /* The running dispatcher's maintenance window ("22:00-05:00"), or "". */
  char maintenance_window[16];
  /* The running dispatcher holds jobs while a reboot is pending. */
  bool hold_on_pending_reboot;
} msiq_queue_status;

int msiq_store_pause(msiq_store *store, const char *reason, msiq_diag *diag);
int msiq_store_resume(msiq_store *store, msiq_diag *diag);
int msiq_store_queue_status(msiq_store *store, msiq_queue_status *status,
                            msiq_diag *diag);

/* Deletes finished jobs that finished before `before` (UTC ms), except those
 * an unfinished job still waits for, in transactions of about 300 ms each
 * with a pause after it, so that other writers (an enqueue, the
 * dispatcher) wait for one transaction at most. *deleted counts the
 * transactions that committed, also when a later one fails. */
int msiq_store_purge(msiq_store *store, int64_t before, int64_t *deleted,
                     msiq_diag *diag);

/* *gone says whether id was given to a job of this queue that is no longer
 * in it (purged): ids are never given twice, so such a job's files (its
 * default log) belong to no job now. */
int msiq_store_job_id_gone(msiq_store *store, int64_t id, bool *gone,
                           msiq_diag *diag);

/* How msiq_store_purge_in_batches divides its work; msiq_store_purge uses
 * the defaults of store_control.c, tests force tiny batches. */
typedef struct msiq_purge_batching {
  int64_t window_jobs; /* jobs chosen and deleted by one statement, >= 1 */
  int64_t batch_ms;    /* a transaction ends after the first window past this
                          (0: one window per transaction) */
  int64_t pause_ms;    /* the sleep between two transactions */
} msiq_purge_batching;

int msiq_store_purge_in_batches(msiq_store *store, int64_t before,
                                const msiq_purge_batching *batching,
                                int64_t *deleted, msiq_diag *diag);

/* Counts of jobs by state, indexed by msiq_state. */
int msiq_store_count_by_state(msiq_store *store,
                              int64_t counts[MSIQ_STATE_COUNT],
                              msiq_diag *diag);

/* Runs PRAGMA quick_check; *problem receives its first complaint, or "" for
 * a healthy database. */
int msiq_store_quick_check(msiq_store *store, char *problem, size_t size,
                           msiq_diag *diag);

/* For `status`: the running job (if any) and since when, and the earliest
 * retry time (MSIQ_TIME_UNSET if none), which the dispatcher reads too. */
typedef struct msiq_running_job {
  bool found;
  int64_t id;
  int64_t attempt_number;
  int64_t since;
  char target[1024];
} msiq_running_job;

int msiq_store_running_job(msiq_store *store, msiq_running_job *running,
                           msiq_diag *diag);
int msiq_store_next_retry(msiq_store *store, int64_t *retry_at,
                          msiq_diag *diag);

/* A job's live progress as `status`, `list` and `wait --progress` show it:
 * what the dispatcher last wrote (msiq_store_set_progress below), by the
 * rule of the job's JSON "progress": only while the job runs. */
typedef struct msiq_progress_report {
  bool reported;     /* the job runs and its worker has reported something */
  int percent;       /* 0..100, or -1 when no percentage was reported */
  char action[1024]; /* "InstallFiles: Copying new files", or "" */
  int64_t at;        /* when the dispatcher received it (UTC ms), or unset */
} msiq_progress_report;

/* Reads a job's progress; MSIQ_ENOT_FOUND if there is no such job. A job
 * that does not run, or has not reported yet, gives reported == false. */
int msiq_store_get_progress(msiq_store *store, int64_t job_id,
                            msiq_progress_report *progress, msiq_diag *diag);

/* PRAGMA data_version: changes whenever another connection commits. `wait`
 * and the dispatcher both poll it to re-read only after a change. */
int msiq_store_data_version(msiq_store *store, int64_t *version,
                            msiq_diag *diag);

/* JSON reports (free() the text). SQLite writes them, so every string is
 * escaped by the same rules as the job objects. */
/* What `status` learns from the host, for its JSON. */
typedef struct msiq_status_facts {
  bool dispatcher_running;
  const char *mutex_state;
  const char *service_state;
  bool gate_open;
  const char *gate_reason; /* msiq_gate_reason_name() of the verdict */
  const char *gate_text;   /* the verdict's text */
  const char *reboot_pending_reason; /* NULL: no reboot pending */
  const char *window_opens_at;       /* NULL: no window, or open now */
  /* The running dispatcher's note about an outcome it has not recorded
   * yet (host.h, msiq_host_dispatcher_note_read); NULL: none. */
  const char *unrecorded_outcome;
  /* Who holds the installer while the mutex or the service closes the
   * gate (core/installer_holder.h): where it was learned ("event log",
   * "process list"; NULL: not asked, or nothing learned), the package,
   * the client process id (decimal) and its command line (each NULL when
   * unknown). */
  const char *holder_source;
  const char *holder_package;
  const char *holder_process_id;
  const char *holder_command_line;
} msiq_status_facts;

int msiq_store_status_json(msiq_store *store, const msiq_status_facts *facts,
                           char **json, msiq_diag *diag);
int msiq_store_queue_json(msiq_store *store, char **json, msiq_diag *diag);
int msiq_store_doctor_json(msiq_store *store, const char *quick_check,
                           char **json, msiq_diag *diag);

/* `msiq report`: JSON for the period since `since` (UTC ms), and a visit
 * of the jobs that finished in it. */
int msiq_store_report_json(msiq_store *store, int64_t since, char **json,
                           msiq_diag *diag);
int msiq_store_list_finished(msiq_store *store, int64_t since,
                             msiq_job_visitor visit, void *context,
                             msiq_diag *diag);

/* The database's path as opened. */
const char *msiq_store_path(const msiq_store *store);

/* Staged packages (`enqueue --stage`, store_staged.c). */

/* The folder the staged copies go into: `staged` beside the database, in
 * the same protected directory, with the separator the path uses. */
int msiq_store_staged_directory(const msiq_store *store, char *buffer,
                                size_t size, msiq_diag *diag);

/* Deletes from the disk the staged copies of jobs that are gone (purged):
 * each file, then the note that it is to go (schema 0006). *removed counts
 * the notes dealt with. A noted path that is not directly inside the
 * staged folder is forgotten, never deleted. */
int msiq_store_remove_staged_copies(msiq_store *store, int64_t *removed,
                                    msiq_diag *diag);

/* The engine's additions (store_progress.c): what the dispatcher records
 * from a job's worker while the attempt runs. Only the dispatcher that
 * holds the database's dispatcher lock calls these. Each is one small
 * compare-and-set transaction, as durable as every other write. */

/* The exact call the running attempt makes (its worker's `operation`,
 * with msiq's note), shown in the attempt's history as "operation".
 * MSIQ_ESTATE when that attempt is no longer open. */
int msiq_store_set_attempt_operation(msiq_store *store, int64_t job_id,
                                     int64_t attempt_number,
                                     const char *operation, msiq_diag *diag);

/* The running job's live progress, shown by the job's JSON as "progress"
 * while it runs and cleared when the attempt ends. */
typedef struct msiq_job_progress {
  int percent;        /* 0..100, or -1 when none was reported yet */
  const char *action; /* "InstallFiles: Copying new files", or NULL */
  int64_t at;         /* when the dispatcher received it (UTC ms) */
} msiq_job_progress;

/* MSIQ_ESTATE when the job is not running (it ended meanwhile). */
int msiq_store_set_progress(msiq_store *store, int64_t job_id,
                            const msiq_job_progress *progress, msiq_diag *diag);

/* The dispatcher's settings (`msiq config`; store_settings.c). Values are
 * stored as given: callers validate them first (core/settings.h). */

/* Stores name = value, replacing an earlier value; one transaction. An
 * unchanged value writes nothing. */
int msiq_store_setting_set(msiq_store *store, const char *name,
                           const char *value, msiq_diag *diag);
/* Removes a stored setting (*removed: whether there was one). */
int msiq_store_setting_unset(msiq_store *store, const char *name, bool *removed,
                             msiq_diag *diag);
/* *value (free() it) receives the stored value, or NULL when none is. */
int msiq_store_setting_get(msiq_store *store, const char *name, char **value,
                           msiq_diag *diag);
/* Calls visit for each stored setting, by name; a status other than
 * MSIQ_OK from visit stops the walk and is returned. */
typedef int (*msiq_store_setting_visitor)(void *context, const char *name,
                                          const char *value, msiq_diag *diag);
int msiq_store_settings_list(msiq_store *store,
                             msiq_store_setting_visitor visit, void *context,
                             msiq_diag *diag);
/* A number that changes whenever a setting is stored or removed (kept by
 * triggers, so any writer moves it): the dispatcher re-reads the settings
 * only when it moved. */
int msiq_store_settings_generation(msiq_store *store, int64_t *generation,
                                   msiq_diag *diag);
/* The stored settings as one JSON object by name (free() it). */
int msiq_store_settings_json(msiq_store *store, char **json, msiq_diag *diag);

#endif /* MSIQ_STORE_H */
