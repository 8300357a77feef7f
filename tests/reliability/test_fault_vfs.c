/* test_fault_vfs.c: SQLite I/O errors injected through a test VFS, in the
 * manner of SQLite's own I/O error tests.
 *
 * A shim VFS wraps the default one and becomes the default itself
 * (sqlite3_vfs_register(..., 1)), so every connection the store opens goes
 * through it. Once armed, it counts the calls of one kind (xRead, xWrite,
 * xSync) on the database, its WAL and its journal, and makes the Nth one
 * fail (SQLITE_IOERR_READ, SQLITE_IOERR_WRITE or SQLITE_FULL,
 * SQLITE_IOERR_FSYNC); a persistent fault keeps failing every later call of
 * that kind, like a disk that stays full.
 *
 * For each store operation and each kind of fault, N runs from 1 upwards
 * until the operation completes without reaching the Nth call, so every
 * read, write and sync the operation makes is made to fail once. Each time:
 *   - the operation returns the status for the fault (MSIQ_EIO, or
 *     MSIQ_EFULL for a full disk) and a message that names the database;
 *   - with the fault cleared, a fresh connection passes quick_check, holds
 *     every job committed before, and shows nothing of the failed
 *     operation (a failed import stored no job, a failed enqueue no
 *     property row...);
 *   - the connection that saw the fault works again: the same operation
 *     then succeeds on it, and a fresh connection sees its whole effect.
 * Opening (creating and migrating) a new database is run the same way.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "host/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"

/* ---- The fault-injecting VFS ------------------------------------------- */

enum fault_kind {
  FAULT_READ = 1,
  FAULT_WRITE = 2,
  FAULT_SYNC = 4,
};

static struct {
  int kinds;       /* which calls count; 0: disarmed */
  int countdown;   /* the call that fails first (1: the first one) */
  int write_error; /* SQLITE_IOERR_WRITE or SQLITE_FULL */
  bool persistent; /* keep failing after the first fault */
  int calls;       /* matching calls since armed */
  int faults;      /* faults injected since armed */
} fault;

typedef struct fault_file {
  sqlite3_file base;
  sqlite3_file *real; /* the wrapped file, right after this struct */
  int flags;
} fault_file;

static sqlite3_vfs *real_vfs;

static void fault_arm(int kinds, int countdown, int write_error,
                      bool persistent) {
  fault.kinds = kinds;
  fault.countdown = countdown;
  fault.write_error = write_error;
  fault.persistent = persistent;
  fault.calls = 0;
  fault.faults = 0;
}

static void fault_disarm(void) {
  fault.kinds = 0;
}

/* True when this call must fail. Only the database, its WAL and its journal
 * count; temporary files do not. */
static bool fault_now(const fault_file *file, int kind) {
  if ((fault.kinds & kind) == 0 ||
      (file->flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
                      SQLITE_OPEN_MAIN_JOURNAL)) == 0) {
    return false;
  }
  fault.calls++;
  if (fault.calls == fault.countdown ||
      (fault.persistent && fault.calls > fault.countdown)) {
    fault.faults++;
    return true;
  }
  return false;
}

static sqlite3_file *real_file(sqlite3_file *file) {
  return ((fault_file *)file)->real;
}

static int fault_close(sqlite3_file *file) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xClose(real);
}

static int fault_read(sqlite3_file *file, void *buffer, int amount,
                      sqlite3_int64 offset) {
  if (fault_now((fault_file *)file, FAULT_READ)) {
    return SQLITE_IOERR_READ;
  }
  sqlite3_file *real = real_file(file);
  return real->pMethods->xRead(real, buffer, amount, offset);
}

static int fault_write(sqlite3_file *file, const void *buffer, int amount,
                       sqlite3_int64 offset) {
  if (fault_now((fault_file *)file, FAULT_WRITE)) {
    return fault.write_error;
  }
  sqlite3_file *real = real_file(file);
  return real->pMethods->xWrite(real, buffer, amount, offset);
}

static int fault_truncate(sqlite3_file *file, sqlite3_int64 size) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xTruncate(real, size);
}

static int fault_sync(sqlite3_file *file, int flags) {
  if (fault_now((fault_file *)file, FAULT_SYNC)) {
    return SQLITE_IOERR_FSYNC;
  }
  sqlite3_file *real = real_file(file);
  return real->pMethods->xSync(real, flags);
}

static int fault_file_size(sqlite3_file *file, sqlite3_int64 *size) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xFileSize(real, size);
}

static int fault_lock(sqlite3_file *file, int lock) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xLock(real, lock);
}

static int fault_unlock(sqlite3_file *file, int lock) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xUnlock(real, lock);
}

static int fault_check_reserved_lock(sqlite3_file *file, int *reserved) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xCheckReservedLock(real, reserved);
}

static int fault_file_control(sqlite3_file *file, int op, void *argument) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xFileControl(real, op, argument);
}

static int fault_sector_size(sqlite3_file *file) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xSectorSize(real);
}

static int fault_device_characteristics(sqlite3_file *file) {
  sqlite3_file *real = real_file(file);
  return real->pMethods->xDeviceCharacteristics(real);
}

static int fault_shm_map(sqlite3_file *file, int region, int size, int extend,
                         void volatile **memory) {
  sqlite3_file *real = real_file(file);
  if (real->pMethods->iVersion < 2) {
    return SQLITE_IOERR_SHMMAP;
  }
  return real->pMethods->xShmMap(real, region, size, extend, memory);
}

static int fault_shm_lock(sqlite3_file *file, int offset, int n, int flags) {
  sqlite3_file *real = real_file(file);
  if (real->pMethods->iVersion < 2) {
    return SQLITE_IOERR_SHMLOCK;
  }
  return real->pMethods->xShmLock(real, offset, n, flags);
}

static void fault_shm_barrier(sqlite3_file *file) {
  sqlite3_file *real = real_file(file);
  if (real->pMethods->iVersion >= 2) {
    real->pMethods->xShmBarrier(real);
  }
}

static int fault_shm_unmap(sqlite3_file *file, int delete_flag) {
  sqlite3_file *real = real_file(file);
  if (real->pMethods->iVersion < 2) {
    return SQLITE_OK;
  }
  return real->pMethods->xShmUnmap(real, delete_flag);
}

/* Memory-mapped reads would bypass xRead; refusing them makes SQLite read
 * through xRead (mmap is off by default anyway). */
static int fault_fetch(sqlite3_file *file, sqlite3_int64 offset, int amount,
                       void **pointer) {
  (void)file;
  (void)offset;
  (void)amount;
  *pointer = NULL;
  return SQLITE_OK;
}

static int fault_unfetch(sqlite3_file *file, sqlite3_int64 offset,
                         void *pointer) {
  (void)file;
  (void)offset;
  (void)pointer;
  return SQLITE_OK;
}

static const sqlite3_io_methods fault_methods = {
    3,
    fault_close,
    fault_read,
    fault_write,
    fault_truncate,
    fault_sync,
    fault_file_size,
    fault_lock,
    fault_unlock,
    fault_check_reserved_lock,
    fault_file_control,
    fault_sector_size,
    fault_device_characteristics,
    fault_shm_map,
    fault_shm_lock,
    fault_shm_barrier,
    fault_shm_unmap,
    fault_fetch,
    fault_unfetch,
};

static int fault_open(sqlite3_vfs *vfs, sqlite3_filename name,
                      sqlite3_file *file, int flags, int *out_flags) {
  (void)vfs;
  fault_file *wrapper = (fault_file *)file;
  wrapper->real = (sqlite3_file *)(wrapper + 1);
  wrapper->real->pMethods = NULL;
  wrapper->flags = flags;
  int rc = real_vfs->xOpen(real_vfs, name, wrapper->real, flags, out_flags);
  /* SQLite calls xClose whenever pMethods is set, even after a failure. */
  wrapper->base.pMethods =
      wrapper->real->pMethods != NULL ? &fault_methods : NULL;
  return rc;
}

static int fault_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  (void)vfs;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fault_access(sqlite3_vfs *vfs, const char *name, int flags,
                        int *result) {
  (void)vfs;
  return real_vfs->xAccess(real_vfs, name, flags, result);
}

static int fault_full_pathname(sqlite3_vfs *vfs, const char *name, int size,
                               char *out) {
  (void)vfs;
  return real_vfs->xFullPathname(real_vfs, name, size, out);
}

static void *fault_dl_open(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return real_vfs->xDlOpen(real_vfs, name);
}

static void fault_dl_error(sqlite3_vfs *vfs, int size, char *message) {
  (void)vfs;
  real_vfs->xDlError(real_vfs, size, message);
}

static void (*fault_dl_sym(sqlite3_vfs *vfs, void *handle,
                           const char *symbol))(void) {
  (void)vfs;
  return real_vfs->xDlSym(real_vfs, handle, symbol);
}

static void fault_dl_close(sqlite3_vfs *vfs, void *handle) {
  (void)vfs;
  real_vfs->xDlClose(real_vfs, handle);
}

static int fault_randomness(sqlite3_vfs *vfs, int size, char *out) {
  (void)vfs;
  return real_vfs->xRandomness(real_vfs, size, out);
}

static int fault_sleep(sqlite3_vfs *vfs, int microseconds) {
  (void)vfs;
  return real_vfs->xSleep(real_vfs, microseconds);
}

static int fault_current_time(sqlite3_vfs *vfs, double *now) {
  (void)vfs;
  return real_vfs->xCurrentTime(real_vfs, now);
}

static int fault_get_last_error(sqlite3_vfs *vfs, int size, char *message) {
  (void)vfs;
  return real_vfs->xGetLastError(real_vfs, size, message);
}

static int fault_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
  (void)vfs;
  return real_vfs->xCurrentTimeInt64(real_vfs, now);
}

static sqlite3_vfs fault_vfs;

static void fault_vfs_register(void) {
  if (real_vfs != NULL) {
    return;
  }
  real_vfs = sqlite3_vfs_find(NULL);
  assert_non_null(real_vfs);
  assert_true(real_vfs->iVersion >= 2);
  memset(&fault_vfs, 0, sizeof fault_vfs);
  fault_vfs.iVersion = 2;
  fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
  fault_vfs.mxPathname = real_vfs->mxPathname;
  fault_vfs.zName = "msiq-fault";
  fault_vfs.xOpen = fault_open;
  fault_vfs.xDelete = fault_delete;
  fault_vfs.xAccess = fault_access;
  fault_vfs.xFullPathname = fault_full_pathname;
  fault_vfs.xDlOpen = fault_dl_open;
  fault_vfs.xDlError = fault_dl_error;
  fault_vfs.xDlSym = fault_dl_sym;
  fault_vfs.xDlClose = fault_dl_close;
  fault_vfs.xRandomness = fault_randomness;
  fault_vfs.xSleep = fault_sleep;
  fault_vfs.xCurrentTime = fault_current_time;
  fault_vfs.xGetLastError = fault_get_last_error;
  fault_vfs.xCurrentTimeInt64 = fault_current_time_int64;
  assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
  assert_ptr_equal(sqlite3_vfs_find(NULL), &fault_vfs);
}

/* ---- The kinds of fault ------------------------------------------------ */

typedef struct fault_case {
  const char *name;
  int kinds;
  int write_error;
  bool persistent;
  int expected_status;
} fault_case;

static const fault_case fault_cases[] = {
    {"write error", FAULT_WRITE, SQLITE_IOERR_WRITE, false, MSIQ_EIO},
    {"disk full", FAULT_WRITE, SQLITE_FULL, true, MSIQ_EFULL},
    {"fsync error", FAULT_SYNC, 0, false, MSIQ_EIO},
    {"read error", FAULT_READ, 0, false, MSIQ_EIO},
    {"persistent read error", FAULT_READ, 0, true, MSIQ_EIO},
};

#define FAULT_CASE_COUNT (sizeof fault_cases / sizeof fault_cases[0])
/* No operation here makes this many calls of one kind; reaching it means
 * the loop never got past the fault. */
#define FAULT_MAX_POINT 400

static int fault_points_total;
/* Failed operations found whole in a crash copy (see run_fault_points). */
static int fault_done_after_crash_total;

/* ---- The baseline queue ------------------------------------------------ *
 *
 * job 1..2  queued
 * job 3     cancelled
 * job 4     succeeded after one attempt
 * job 5     running (attempt 1 open)
 * job 6..8  queued, with properties, a dependency and an exit-code rule
 */
#define BASELINE_JOBS 8

static char template_path[512];

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  assert_non_null(in);
  FILE *out = fopen(to, "wb");
  assert_non_null(out);
  char buffer[8192];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, in)) > 0) {
    assert_int_equal(fwrite(buffer, 1, got, out), got);
  }
  assert_int_equal(ferror(in), 0);
  fclose(in);
  assert_int_equal(fclose(out), 0);
}

static bool file_exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file != NULL) {
    fclose(file);
    return true;
  }
  return false;
}

/* The size of the file at path, or -1 when it cannot be opened. */
static long file_size(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return -1;
  }
  long size = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
  fclose(file);
  return size;
}

static int64_t enqueue_job(msiq_store *store, const char *target,
                           int with_extras) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  msiq_diag diag = {{0}};
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, target), MSIQ_OK);
  if (with_extras) {
    assert_int_equal(msiq_job_spec_add_property(&spec, "ALLUSERS", "1", &diag),
                     MSIQ_OK);
    assert_int_equal(msiq_job_spec_add_property(&spec, "INSTALLDIR",
                                                "C:\\Program Files\\X", &diag),
                     MSIQ_OK);
    assert_int_equal(msiq_job_spec_add_after(&spec, 1), MSIQ_OK);
    assert_int_equal(
        msiq_job_spec_add_exit_code_rule(&spec, "1603=retry", &diag), MSIQ_OK);
  }
  msiq_admission admission;
  test_admit(&spec, &admission);
  int64_t id = 0;
  bool existing = false;
  assert_int_equal(msiq_store_enqueue(store, &admission, &id, &existing, &diag),
                   MSIQ_OK);
  assert_false(existing);
  msiq_job_spec_cleanup(&spec);
  return id;
}

static int group_setup(void **state) {
  (void)state;
  fault_vfs_register();
  test_unique_path(template_path, sizeof template_path, "fault-template");
  msiq_store *store = NULL;
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_open(template_path, MSIQ_STORE_CREATE, &store, &diag),
      MSIQ_OK);
  char target[64];
  for (int i = 1; i <= BASELINE_JOBS; i++) {
    snprintf(target, sizeof target, "/pkgs/base-%d.msi", i);
    assert_int_equal(enqueue_job(store, target, i >= 6), i);
  }
  bool requested = false;
  assert_int_equal(msiq_store_cancel(store, 3, false, &requested, &diag),
                   MSIQ_OK);
  int64_t now = msiq_host_now_ms();
  int64_t attempt = 0;
  assert_int_equal(msiq_store_start_attempt(store, 4, MSIQ_STATE_QUEUED, now,
                                            "/logs/job-4.log", &attempt, &diag),
                   MSIQ_OK);
  msiq_attempt_result result = {
      .job_id = 4,
      .attempt_number = attempt,
      .finished_at = now + 1,
      .has_exit_code = true,
      .exit_code = 0,
      .attempt_outcome = "succeeded",
      .message = "exit code 0",
      .new_state = MSIQ_STATE_SUCCEEDED,
      .retry_at = MSIQ_TIME_UNSET,
  };
  assert_int_equal(msiq_store_finish_attempt(store, &result, &diag), MSIQ_OK);
  assert_int_equal(msiq_store_start_attempt(store, 5, MSIQ_STATE_QUEUED, now,
                                            "/logs/job-5.log", &attempt, &diag),
                   MSIQ_OK);
  /* Each case copies the database file alone, so everything must be in it:
   * closing leaves the WAL (store_open.c), emptying it first does not. */
  msiq_store_detach(store);
  msiq_store_close(store);
  char wal[600];
  snprintf(wal, sizeof wal, "%s-wal", template_path);
  assert_int_equal(file_size(wal), 0);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  test_remove_database(template_path);
  printf("fault_vfs: %d fault points injected; %d failed operations were "
         "whole after a simulated crash, none half done\n",
         fault_points_total, fault_done_after_crash_total);
  return 0;
}

/* ---- Checks ------------------------------------------------------------ */

static int64_t job_count(msiq_store *store) {
  int64_t counts[MSIQ_STATE_COUNT];
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_count_by_state(store, counts, &diag), MSIQ_OK);
  int64_t total = 0;
  for (int i = 0; i < MSIQ_STATE_COUNT; i++) {
    total += counts[i];
  }
  return total;
}

/* The state of job id, or -1 when there is no such job. */
static int job_state(msiq_store *store, int64_t id) {
  msiq_job job;
  msiq_job_init(&job);
  msiq_diag diag = {{0}};
  int status = msiq_store_get_job(store, id, &job, &diag);
  int state = -1;
  if (status == MSIQ_OK) {
    state = (int)job.state;
  } else {
    assert_int_equal(status, MSIQ_ENOT_FOUND);
  }
  msiq_job_cleanup(&job);
  return state;
}

static size_t attempt_count(msiq_store *store, int64_t id, char *last_outcome,
                            size_t size) {
  msiq_attempt *attempts = NULL;
  size_t count = 0;
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_store_get_attempts(store, id, &attempts, &count, &diag),
                   MSIQ_OK);
  if (last_outcome != NULL) {
    snprintf(last_outcome, size, "%s",
             count > 0 ? attempts[count - 1].outcome : "");
  }
  msiq_attempts_free(attempts, count);
  return count;
}

/* Every baseline job still holds what the baseline gave it (jobs the
 * operation under test may change are skipped through `except`). */
static void check_baseline_jobs(msiq_store *store, int64_t except_mask) {
  static const int states[BASELINE_JOBS + 1] = {-1,
                                                MSIQ_STATE_QUEUED,
                                                MSIQ_STATE_QUEUED,
                                                MSIQ_STATE_CANCELLED,
                                                MSIQ_STATE_SUCCEEDED,
                                                MSIQ_STATE_RUNNING,
                                                MSIQ_STATE_QUEUED,
                                                MSIQ_STATE_QUEUED,
                                                MSIQ_STATE_QUEUED};
  for (int64_t id = 1; id <= BASELINE_JOBS; id++) {
    if (except_mask & (1 << id)) {
      continue;
    }
    assert_int_equal(job_state(store, id), states[id]);
  }
  msiq_job job;
  msiq_job_init(&job);
  msiq_diag diag = {{0}};
  if (!(except_mask & (1 << 7))) {
    assert_int_equal(msiq_store_get_job(store, 7, &job, &diag), MSIQ_OK);
    assert_int_equal(job.property_count, 2);
    assert_string_equal(job.properties[1].value, "C:\\Program Files\\X");
    assert_int_equal(job.after_count, 1);
    assert_int_equal(job.exit_code_rule_count, 1);
  }
  msiq_job_cleanup(&job);
}

/* ---- The operations ---------------------------------------------------- */

typedef struct fault_op {
  const char *name;
  /* Runs the operation; returns its status. */
  int (*run)(msiq_store *store, msiq_diag *diag);
  /* Asserts that the operation left no trace. */
  void (*check_not_done)(msiq_store *store);
  /* Asserts the operation's whole effect. */
  void (*check_done)(msiq_store *store);
} fault_op;

/* enqueue: a job with properties, a dependency, an exit-code rule, a key. */
static int op_enqueue(msiq_store *store, msiq_diag *diag) {
  msiq_job_spec spec;
  msiq_job_spec_init(&spec);
  spec.no_check = true;
  assert_int_equal(msiq_job_spec_set_target(&spec, "/pkgs/new.msi"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_set_key(&spec, "new-key"), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "A", "1", NULL), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_property(&spec, "B", "two words", NULL),
                   MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_after(&spec, 2), MSIQ_OK);
  assert_int_equal(msiq_job_spec_add_exit_code_rule(&spec, "1641=fail", NULL),
                   MSIQ_OK);
  msiq_admission admission;
  test_admit(&spec, &admission);
  int64_t id = 0;
  bool existing = false;
  int status = msiq_store_enqueue(store, &admission, &id, &existing, diag);
  if (status == MSIQ_OK) {
    assert_int_equal(id, BASELINE_JOBS + 1);
    assert_false(existing);
  }
  msiq_job_spec_cleanup(&spec);
  return status;
}

static void enqueue_not_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS);
  assert_int_equal(job_state(store, BASELINE_JOBS + 1), -1);
  check_baseline_jobs(store, 0);
}

static void enqueue_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS + 1);
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, BASELINE_JOBS + 1, &job, NULL),
                   MSIQ_OK);
  assert_int_equal(job.property_count, 2);
  assert_string_equal(job.properties[1].value, "two words");
  assert_int_equal(job.after_count, 1);
  assert_int_equal(job.exit_code_rule_count, 1);
  assert_string_equal(job.key, "new-key");
  msiq_job_cleanup(&job);
  check_baseline_jobs(store, 0);
}

/* import: 25 jobs in one transaction, some waiting for others by key. */
#define IMPORT_JOBS 25

static int op_import(msiq_store *store, msiq_diag *diag) {
  char json[IMPORT_JOBS * 200 + 16];
  size_t length = 0;
  json[length++] = '[';
  for (int i = 1; i <= IMPORT_JOBS; i++) {
    length += (size_t)snprintf(
        json + length, sizeof json - length,
        "%s{\"target\":\"/pkgs/import-%d.msi\",\"key\":\"k%d\","
        "\"properties\":{\"N\":%d,\"P\":\"value %d\"}%s%s}",
        i > 1 ? "," : "", i, i, i, i, i > 1 ? ",\"after\":[\"k" : "",
        i > 1 ? "1\"]" : "");
  }
  snprintf(json + length, sizeof json - length, "]");
  int64_t *ids = NULL;
  size_t count = 0;
  int status = msiq_store_import(store, json, true, &msiq_host_admission, &ids,
                                 &count, diag);
  if (status == MSIQ_OK) {
    assert_int_equal(count, IMPORT_JOBS);
    assert_int_equal(ids[0], BASELINE_JOBS + 1);
  } else {
    assert_null(ids);
  }
  free(ids);
  return status;
}

static void import_not_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS);
  assert_int_equal(job_state(store, BASELINE_JOBS + 1), -1);
  check_baseline_jobs(store, 0);
}

static void import_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS + IMPORT_JOBS);
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(
      msiq_store_get_job(store, BASELINE_JOBS + IMPORT_JOBS, &job, NULL),
      MSIQ_OK);
  assert_int_equal(job.property_count, 2);
  assert_string_equal(job.properties[1].value, "value 25");
  assert_int_equal(job.after_count, 1);
  assert_int_equal(job.after[0], BASELINE_JOBS + 1);
  msiq_job_cleanup(&job);
  check_baseline_jobs(store, 0);
}

/* cancel of queued job 2. */
static int op_cancel(msiq_store *store, msiq_diag *diag) {
  bool requested = false;
  return msiq_store_cancel(store, 2, false, &requested, diag);
}

static void cancel_not_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS);
  check_baseline_jobs(store, 0);
}

static void cancel_done(msiq_store *store) {
  assert_int_equal(job_state(store, 2), MSIQ_STATE_CANCELLED);
  check_baseline_jobs(store, 1 << 2);
}

/* retry of cancelled job 3. */
static int op_retry(msiq_store *store, msiq_diag *diag) {
  return msiq_store_retry(store, 3, diag);
}

static void retry_done(msiq_store *store) {
  assert_int_equal(job_state(store, 3), MSIQ_STATE_QUEUED);
  check_baseline_jobs(store, 1 << 3);
}

/* pause. */
static int op_pause(msiq_store *store, msiq_diag *diag) {
  return msiq_store_pause(store, "maintenance", diag);
}

static void pause_not_done(msiq_store *store) {
  msiq_queue_status queue;
  assert_int_equal(msiq_store_queue_status(store, &queue, NULL), MSIQ_OK);
  assert_false(queue.paused);
  check_baseline_jobs(store, 0);
}

static void pause_done(msiq_store *store) {
  msiq_queue_status queue;
  assert_int_equal(msiq_store_queue_status(store, &queue, NULL), MSIQ_OK);
  assert_true(queue.paused);
  assert_string_equal(queue.pause_reason, "maintenance");
  check_baseline_jobs(store, 0);
}

/* purge of every finished job (3 and 4, with 4's history). */
static int op_purge(msiq_store *store, msiq_diag *diag) {
  int64_t deleted = 0;
  int status =
      msiq_store_purge(store, msiq_host_now_ms() + 86400000, &deleted, diag);
  if (status == MSIQ_OK) {
    assert_int_equal(deleted, 2);
  }
  return status;
}

static void purge_not_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS);
  assert_int_equal(attempt_count(store, 4, NULL, 0), 1);
  check_baseline_jobs(store, 0);
}

static void purge_done(msiq_store *store) {
  assert_int_equal(job_count(store), BASELINE_JOBS - 2);
  assert_int_equal(job_state(store, 3), -1);
  assert_int_equal(job_state(store, 4), -1);
  assert_int_equal(attempt_count(store, 4, NULL, 0), 0);
  check_baseline_jobs(store, (1 << 3) | (1 << 4));
}

/* The dispatcher commits an attempt of queued job 2 before starting it. */
static int op_start_attempt(msiq_store *store, msiq_diag *diag) {
  int64_t attempt = 0;
  int status =
      msiq_store_start_attempt(store, 2, MSIQ_STATE_QUEUED, msiq_host_now_ms(),
                               "/logs/job-2.log", &attempt, diag);
  if (status == MSIQ_OK) {
    assert_int_equal(attempt, 1);
  }
  return status;
}

static void start_attempt_not_done(msiq_store *store) {
  assert_int_equal(attempt_count(store, 2, NULL, 0), 0);
  check_baseline_jobs(store, 0);
}

static void start_attempt_done(msiq_store *store) {
  char outcome[16];
  assert_int_equal(job_state(store, 2), MSIQ_STATE_RUNNING);
  assert_int_equal(attempt_count(store, 2, outcome, sizeof outcome), 1);
  assert_string_equal(outcome, "");
  check_baseline_jobs(store, 1 << 2);
}

/* The dispatcher records running job 5's attempt as succeeded. */
static int op_finish_attempt(msiq_store *store, msiq_diag *diag) {
  msiq_attempt_result result = {
      .job_id = 5,
      .attempt_number = 1,
      .finished_at = msiq_host_now_ms(),
      .has_exit_code = true,
      .exit_code = 3010,
      .attempt_outcome = "succeeded",
      .message = "exit code 3010",
      .new_state = MSIQ_STATE_SUCCEEDED,
      .reboot_required = true,
      .retry_at = MSIQ_TIME_UNSET,
  };
  return msiq_store_finish_attempt(store, &result, diag);
}

static void finish_attempt_not_done(msiq_store *store) {
  char outcome[16];
  assert_int_equal(attempt_count(store, 5, outcome, sizeof outcome), 1);
  assert_string_equal(outcome, "");
  check_baseline_jobs(store, 0);
}

static void finish_attempt_done(msiq_store *store) {
  char outcome[16];
  assert_int_equal(job_state(store, 5), MSIQ_STATE_SUCCEEDED);
  assert_int_equal(attempt_count(store, 5, outcome, sizeof outcome), 1);
  assert_string_equal(outcome, "succeeded");
  msiq_job job;
  msiq_job_init(&job);
  assert_int_equal(msiq_store_get_job(store, 5, &job, NULL), MSIQ_OK);
  assert_true(job.has_exit_code);
  assert_int_equal(job.exit_code, 3010);
  assert_true(job.reboot_required);
  msiq_job_cleanup(&job);
  check_baseline_jobs(store, 1 << 5);
}

/* Crash recovery: running job 5's open attempt becomes interrupted. */
static int op_recover(msiq_store *store, msiq_diag *diag) {
  int64_t recovered = 0;
  int status = msiq_store_recover_interrupted(store, msiq_host_now_ms(),
                                              &recovered, diag);
  if (status == MSIQ_OK) {
    assert_int_equal(recovered, 1);
  }
  return status;
}

static void recover_done(msiq_store *store) {
  char outcome[16];
  assert_int_equal(job_state(store, 5), MSIQ_STATE_RETRYING);
  assert_int_equal(attempt_count(store, 5, outcome, sizeof outcome), 1);
  assert_string_equal(outcome, "interrupted");
  check_baseline_jobs(store, 1 << 5);
}

/* ---- The loop ---------------------------------------------------------- */

static void assert_names_database(const msiq_diag *diag, const char *path,
                                  const char *what) {
  if (strstr(diag->message, path) == NULL ||
      strstr(diag->message, "database") == NULL) {
    fail_msg("%s: the message does not name the database %s: %s", what, path,
             diag->message);
  }
  if (strchr(diag->message, '\n') != NULL) {
    fail_msg("%s: the message is not one line: %s", what, diag->message);
  }
}

static void assert_quick_check(msiq_store *store) {
  char problem[512];
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_store_quick_check(store, problem, sizeof problem, &diag), MSIQ_OK);
  assert_string_equal(problem, "");
}

static msiq_store *open_store(const char *path) {
  msiq_store *store = NULL;
  msiq_diag diag = {{0}};
  int status = msiq_store_open(path, 0, &store, &diag);
  if (status != MSIQ_OK) {
    fail_msg("cannot open %s: %s", path, diag.message);
  }
  return store;
}

/* A summary of the queue without times: every job's id, state and attempt
 * count, and the paused flag. Two states of the queue that differ in what
 * an operation changes have different fingerprints. */
typedef struct fingerprint {
  char text[4096];
  size_t length;
} fingerprint;

static int fingerprint_visit(const msiq_job *job, void *context) {
  fingerprint *print = context;
  int n =
      snprintf(print->text + print->length, sizeof print->text - print->length,
               "%lld:%s:%lld;", (long long)job->id, msiq_state_name(job->state),
               (long long)job->attempts);
  assert_true(n > 0 && (size_t)n < sizeof print->text - print->length);
  print->length += (size_t)n;
  return MSIQ_OK;
}

static void queue_fingerprint(msiq_store *store, fingerprint *print) {
  print->length = 0;
  print->text[0] = '\0';
  assert_int_equal(
      msiq_store_list_jobs(store, -1, fingerprint_visit, print, NULL), MSIQ_OK);
  msiq_queue_status queue;
  assert_int_equal(msiq_store_queue_status(store, &queue, NULL), MSIQ_OK);
  snprintf(print->text + print->length, sizeof print->text - print->length,
           "paused:%d", queue.paused ? 1 : 0);
}

/* Copies the database and its WAL as they are on disk now, as if the
 * machine stopped at this moment (the -shm index is not copied, so the
 * next open recovers the WAL), and returns the copy's path in crash. */
static void crash_copy(const char *path, char *crash, size_t size) {
  char from[600];
  char to[600];
  test_unique_path(crash, size, "fault-crash");
  copy_file(path, crash);
  snprintf(from, sizeof from, "%s-wal", path);
  snprintf(to, sizeof to, "%s-wal", crash);
  if (file_exists(from)) {
    copy_file(from, to);
  }
}

/* Runs op under every fault case at every call point. */
static void run_fault_points(const fault_op *op) {
  char path[512];
  char context[160];
  fingerprint before;
  msiq_store *template_store = open_store(template_path);
  queue_fingerprint(template_store, &before);
  msiq_store_close(template_store);
  for (size_t c = 0; c < FAULT_CASE_COUNT; c++) {
    const fault_case *fc = &fault_cases[c];
    bool completed = false;
    int faults = 0;
    int done_after_crash = 0;
    for (int point = 1; point <= FAULT_MAX_POINT && !completed; point++) {
      snprintf(context, sizeof context, "%s, %s at call %d", op->name, fc->name,
               point);
      test_unique_path(path, sizeof path, "fault");
      copy_file(template_path, path);

      msiq_store *store = open_store(path);
      msiq_diag diag = {{0}};
      fault_arm(fc->kinds, point, fc->write_error, fc->persistent);
      int status = op->run(store, &diag);
      bool faulted = fault.faults > 0;
      fault_disarm();

      if (!faulted) {
        /* The operation made fewer than `point` calls: every point has
         * been covered. */
        if (status != MSIQ_OK) {
          fail_msg("%s: failed without a fault: %s", context, diag.message);
        }
        completed = true;
        op->check_done(store);
        msiq_store_close(store);
        store = open_store(path);
        assert_quick_check(store);
        op->check_done(store);
        msiq_store_close(store);
        test_remove_database(path);
        break;
      }
      faults++;
      fault_points_total++;
      if (status != fc->expected_status) {
        fail_msg("%s: status %s (%s), expected %s", context,
                 msiq_err_name(status), diag.message,
                 msiq_err_name(fc->expected_status));
      }
      assert_names_database(&diag, path, context);

      /* Had the machine stopped right after the failure, the next open
       * would find a healthy database with the operation wholly absent
       * or, when only the last step failed (an fsync after the commit
       * record was written), wholly present: never half of it. */
      char crash[512];
      crash_copy(path, crash, sizeof crash);
      msiq_store *recovered = open_store(crash);
      assert_quick_check(recovered);
      fingerprint after_crash;
      queue_fingerprint(recovered, &after_crash);
      if (strcmp(after_crash.text, before.text) == 0) {
        op->check_not_done(recovered);
      } else {
        op->check_done(recovered);
        done_after_crash++;
      }
      msiq_store_close(recovered);
      test_remove_database(crash);

      /* A fresh connection: the database is healthy and shows nothing of
       * the failed operation. */
      msiq_store *fresh = open_store(path);
      assert_quick_check(fresh);
      op->check_not_done(fresh);
      msiq_store_close(fresh);

      /* The connection that saw the fault works again. */
      memset(&diag, 0, sizeof diag);
      status = op->run(store, &diag);
      if (status != MSIQ_OK) {
        fail_msg("%s: the same connection fails after the fault: %s (%s)",
                 context, msiq_err_name(status), diag.message);
      }
      op->check_done(store);
      msiq_store_close(store);

      store = open_store(path);
      assert_quick_check(store);
      op->check_done(store);
      msiq_store_close(store);
      test_remove_database(path);
    }
    if (!completed) {
      fail_msg("%s, %s: still failing after %d fault points", op->name,
               fc->name, FAULT_MAX_POINT);
    }
    printf("fault_vfs: %-15s %-22s %3d fault points, %d present after a "
           "crash\n",
           op->name, fc->name, faults, done_after_crash);
    fault_done_after_crash_total += done_after_crash;
  }
}

#define FAULT_TEST(op_name, runner, not_done, done)                            \
  static void test_fault_##op_name(void **state) {                             \
    (void)state;                                                               \
    static const fault_op op = {#op_name, runner, not_done, done};             \
    run_fault_points(&op);                                                     \
  }

FAULT_TEST(enqueue, op_enqueue, enqueue_not_done, enqueue_done)
FAULT_TEST(import, op_import, import_not_done, import_done)
FAULT_TEST(cancel, op_cancel, cancel_not_done, cancel_done)
FAULT_TEST(retry, op_retry, cancel_not_done, retry_done)
FAULT_TEST(pause, op_pause, pause_not_done, pause_done)
FAULT_TEST(purge, op_purge, purge_not_done, purge_done)
FAULT_TEST(start_attempt, op_start_attempt, start_attempt_not_done,
           start_attempt_done)
FAULT_TEST(finish_attempt, op_finish_attempt, finish_attempt_not_done,
           finish_attempt_done)
FAULT_TEST(recover, op_recover, finish_attempt_not_done, recover_done)

/* Creating a new database (directory, WAL switch, every migration) under
 * each fault: a failed creation is reported, and the next open makes a
 * complete, healthy database. */
static void test_fault_create(void **state) {
  (void)state;
  char path[512];
  char context[160];
  for (size_t c = 0; c < FAULT_CASE_COUNT; c++) {
    const fault_case *fc = &fault_cases[c];
    bool completed = false;
    int faults = 0;
    for (int point = 1; point <= FAULT_MAX_POINT && !completed; point++) {
      snprintf(context, sizeof context, "create, %s at call %d", fc->name,
               point);
      test_unique_path(path, sizeof path, "fault-create");
      msiq_store *store = NULL;
      msiq_diag diag = {{0}};
      fault_arm(fc->kinds, point, fc->write_error, fc->persistent);
      int status = msiq_store_open(path, MSIQ_STORE_CREATE, &store, &diag);
      bool faulted = fault.faults > 0;
      fault_disarm();
      if (!faulted) {
        if (status != MSIQ_OK) {
          fail_msg("%s: failed without a fault: %s", context, diag.message);
        }
        completed = true;
      } else {
        faults++;
        fault_points_total++;
        if (status != fc->expected_status) {
          fail_msg("%s: status %s (%s), expected %s", context,
                   msiq_err_name(status), diag.message,
                   msiq_err_name(fc->expected_status));
        }
        assert_null(store);
        assert_names_database(&diag, path, context);
        memset(&diag, 0, sizeof diag);
        status = msiq_store_open(path, MSIQ_STORE_CREATE, &store, &diag);
        if (status != MSIQ_OK) {
          fail_msg("%s: the next open fails: %s", context, diag.message);
        }
      }
      int version = 0;
      assert_int_equal(msiq_store_schema_version(store, &version, NULL),
                       MSIQ_OK);
      assert_int_equal(version, msiq_store_latest_schema_version());
      assert_quick_check(store);
      assert_int_equal(enqueue_job(store, "/pkgs/first.msi", 0), 1);
      msiq_queue_status queue;
      assert_int_equal(msiq_store_queue_status(store, &queue, NULL), MSIQ_OK);
      assert_false(queue.paused);
      msiq_store_close(store);
      test_remove_database(path);
    }
    if (!completed) {
      fail_msg("create, %s: still failing after %d fault points", fc->name,
               FAULT_MAX_POINT);
    }
    printf("fault_vfs: %-15s %-22s %3d fault points\n", "create", fc->name,
           faults);
  }
}

/* Opening an existing queue when reads fail: refused with MSIQ_EIO and a
 * message naming it; the file is fine afterwards. */
static void test_fault_open_existing(void **state) {
  (void)state;
  char path[512];
  char context[160];
  bool completed = false;
  int faults = 0;
  for (int point = 1; point <= FAULT_MAX_POINT && !completed; point++) {
    snprintf(context, sizeof context, "open, read error at call %d", point);
    test_unique_path(path, sizeof path, "fault-open");
    copy_file(template_path, path);
    msiq_store *store = NULL;
    msiq_diag diag = {{0}};
    fault_arm(FAULT_READ, point, 0, false);
    int status = msiq_store_open(path, 0, &store, &diag);
    bool faulted = fault.faults > 0;
    fault_disarm();
    if (!faulted) {
      assert_int_equal(status, MSIQ_OK);
      completed = true;
      msiq_store_close(store);
    } else {
      faults++;
      fault_points_total++;
      if (status != MSIQ_EIO) {
        fail_msg("%s: status %s (%s), expected MSIQ_EIO", context,
                 msiq_err_name(status), diag.message);
      }
      assert_names_database(&diag, path, context);
    }
    store = open_store(path);
    assert_quick_check(store);
    check_baseline_jobs(store, 0);
    msiq_store_close(store);
    test_remove_database(path);
  }
  assert_true(completed);
  printf("fault_vfs: %-15s %-22s %3d fault points\n", "open", "read error",
         faults);
}

/* An acknowledged enqueue survives a failing checkpoint: the last
 * connection's close copies the WAL into the database file, and when a
 * write or sync of that copy fails, the job is still found by the next
 * open, in a healthy database. */
static void test_fault_checkpoint_at_close(void **state) {
  (void)state;
  char path[512];
  char context[160];
  for (size_t c = 0; c < FAULT_CASE_COUNT; c++) {
    const fault_case *fc = &fault_cases[c];
    if (fc->kinds == FAULT_READ) {
      continue;
    }
    bool completed = false;
    int faults = 0;
    for (int point = 1; point <= FAULT_MAX_POINT && !completed; point++) {
      snprintf(context, sizeof context, "close, %s at call %d", fc->name,
               point);
      test_unique_path(path, sizeof path, "fault-close");
      copy_file(template_path, path);
      msiq_store *store = open_store(path);
      msiq_diag diag = {{0}};
      if (op_enqueue(store, &diag) != MSIQ_OK) {
        fail_msg("%s: enqueue failed: %s", context, diag.message);
      }
      fault_arm(fc->kinds, point, fc->write_error, fc->persistent);
      msiq_store_close(store);
      if (fault.faults > 0) {
        faults++;
        fault_points_total++;
      } else {
        completed = true;
      }
      fault_disarm();
      store = open_store(path);
      assert_quick_check(store);
      enqueue_done(store);
      msiq_store_close(store);
      test_remove_database(path);
    }
    if (!completed) {
      fail_msg("close, %s: still failing after %d fault points", fc->name,
               FAULT_MAX_POINT);
    }
    printf("fault_vfs: %-15s %-22s %3d fault points\n", "checkpoint", fc->name,
           faults);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_enqueue),
      cmocka_unit_test(test_fault_import),
      cmocka_unit_test(test_fault_cancel),
      cmocka_unit_test(test_fault_retry),
      cmocka_unit_test(test_fault_pause),
      cmocka_unit_test(test_fault_purge),
      cmocka_unit_test(test_fault_start_attempt),
      cmocka_unit_test(test_fault_finish_attempt),
      cmocka_unit_test(test_fault_recover),
      cmocka_unit_test(test_fault_create),
      cmocka_unit_test(test_fault_open_existing),
      cmocka_unit_test(test_fault_checkpoint_at_close),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
