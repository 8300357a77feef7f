/* host_posix.c: the POSIX simulation host (development and tests).
 *
 * It stands in for Windows so that the core can be built and tested quickly
 * on Linux under sanitizers; see docs/testing.md for the settings that
 * simulate the installer mutex and service.
 */
/* flock() is BSD, not POSIX, and F_OFD_GETLK is Linux's: glibc declares
 * both with _GNU_SOURCE. */
#define _GNU_SOURCE

#include "host/host.h"
#include "host/host_installer.h"
#include "host/host_test_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t msiq_host_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int msiq_host_default_database_path(char *buffer, size_t size,
                                    msiq_diag *diag) {
  int written;
  const char *state_home = getenv("XDG_STATE_HOME");
  const char *home = getenv("HOME");
  if (geteuid() == 0) {
    written = snprintf(buffer, size, "/var/lib/msiq/queue.db");
  } else if (state_home != NULL && state_home[0] == '/') {
    written = snprintf(buffer, size, "%s/msiq/queue.db", state_home);
  } else if (home != NULL && home[0] == '/') {
    written = snprintf(buffer, size, "%s/.local/state/msiq/queue.db", home);
  } else {
    return msiq_diag_set(diag, MSIQ_EUSAGE,
                         "no default database location (HOME is not set); "
                         "pass --db or set MSIQ_DB");
  }
  if (written < 0 || (size_t)written >= size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "default database path too long");
  }
  return MSIQ_OK;
}

/* mkdir -p, with owner-only permissions on the directories it creates: the
 * queue decides what gets installed, so only its owner may change it. */
int msiq_host_make_directory(const char *path, msiq_diag *diag) {
  char directory[4096];
  if (snprintf(directory, sizeof directory, "%s", path) >=
      (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "path too long: %s", path);
  }
  for (char *cursor = directory + 1;; cursor++) {
    bool at_end = *cursor == '\0';
    if (*cursor == '/' || at_end) {
      *cursor = '\0';
      if (mkdir(directory, 0700) != 0 && errno != EEXIST) {
        return msiq_diag_set(diag, MSIQ_EIO, "cannot create directory %s: %s",
                             directory, strerror(errno));
      }
      if (at_end) {
        break;
      }
      *cursor = '/';
    }
  }
  return MSIQ_OK;
}

int msiq_host_prepare_database_directory(const char *database_path,
                                         msiq_diag *diag) {
  char directory[4096];
  if (snprintf(directory, sizeof directory, "%s", database_path) >=
      (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  char *last_slash = strrchr(directory, '/');
  if (last_slash == NULL || last_slash == directory) {
    return MSIQ_OK;
  }
  *last_slash = '\0';
  return msiq_host_make_directory(directory, diag);
}

const char *msiq_host_permission_hint(void) {
  return geteuid() == 0 ? ""
                        : " (check the owner and mode of the file and its "
                          "directory)";
}

static int host_check_private_path(const char *path, const char *what,
                                   msiq_diag *diag) {
  struct stat info;
  if (stat(path, &info) != 0) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot check %s %s: %s", what, path,
                         strerror(errno));
  }
  if (info.st_uid != 0 && info.st_uid != geteuid()) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is owned by another user "
                         "(uid %ld)",
                         what, path, (long)info.st_uid);
  }
  if (info.st_mode & (S_IWGRP | S_IWOTH)) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is writable by %s (mode "
                         "%04o); chmod go-w it",
                         what, path,
                         (info.st_mode & S_IWOTH) ? "everyone" : "its group",
                         (unsigned)(info.st_mode & 07777));
  }
  return MSIQ_OK;
}

int msiq_host_check_private(const char *database_path, msiq_diag *diag) {
  char directory[4096];
  if (snprintf(directory, sizeof directory, "%s", database_path) >=
      (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  char *slash = strrchr(directory, '/');
  if (slash == NULL) {
    snprintf(directory, sizeof directory, ".");
  } else if (slash == directory) {
    slash[1] = '\0';
  } else {
    *slash = '\0';
  }
  int status = host_check_private_path(database_path, "database", diag);
  if (status == MSIQ_OK) {
    status = host_check_private_path(directory, "database directory", diag);
  }
  return status;
}

void msiq_host_remove_file(const char *path) {
  unlink(path);
}

int msiq_host_move_file_if_absent(const char *from, const char *to,
                                  bool *existed, msiq_diag *diag) {
  /* rename() would replace `to`; link() refuses when it exists. */
  *existed = false;
  int status = MSIQ_OK;
  if (link(from, to) != 0) {
    if (errno == EEXIST) {
      *existed = true;
    } else {
      status = msiq_diag_set(diag, MSIQ_EIO, "cannot create %s: %s", to,
                             strerror(errno));
    }
  }
  msiq_host_remove_file(from);
  return status;
}

bool msiq_host_file_exists(const char *path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

int msiq_host_absolute_path(const char *path, char **absolute,
                            msiq_diag *diag) {
  char directory[4096];
  size_t length = strlen(path);
  if (path[0] == '/') {
    directory[0] = '\0';
  } else if (getcwd(directory, sizeof directory) == NULL) {
    return msiq_diag_set(diag, MSIQ_EIO,
                         "cannot resolve '%s': current directory unknown: %s",
                         path, strerror(errno));
  }
  size_t prefix = strlen(directory);
  char *result = malloc(prefix + 1 + length + 1);
  if (result == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  if (prefix > 0) {
    memcpy(result, directory, prefix);
    result[prefix++] = '/';
  }
  memcpy(result + prefix, path, length + 1);
  *absolute = result;
  return MSIQ_OK;
}

/* The simulated gate (docs/testing.md). */

/* The simulated Global\_MSIExecute is an open file description (OFD)
 * lock: a holder (tests/sim_mutex.c, FAKE_INSTALLER_HOLD_MUTEX) keeps a
 * write lock on the whole file named by MSIQ_SIM_MUTEX. The probe asks with
 * F_OFD_GETLK whether a read lock could be placed, which places nothing: the
 * holder can release and re-take the lock at any moment and never finds the
 * probe in its way, as msiq must never be in the way of Windows Installer.
 * An flock() holder is not seen: on Linux flock() and fcntl() locks do not
 * interact. Where F_OFD_GETLK is missing, F_GETLK asks the same question
 * about other processes' locks. */
#ifdef F_OFD_GETLK
#define HOST_MUTEX_GETLK F_OFD_GETLK
#else
#define HOST_MUTEX_GETLK F_GETLK
#endif

msiq_mutex_state msiq_host_installer_mutex_state(void) {
  const char *path = host_test_getenv("MSIQ_SIM_MUTEX");
  if (path == NULL || path[0] == '\0') {
    return MSIQ_MUTEX_FREE;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MSIQ_MUTEX_FREE; /* absent, like a mutex nobody created */
  }
  struct flock lock;
  memset(&lock, 0, sizeof lock); /* l_pid must be 0 for F_OFD_GETLK */
  lock.l_type = F_RDLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0; /* the whole file */
  msiq_mutex_state state = MSIQ_MUTEX_FREE;
  if (fcntl(fd, HOST_MUTEX_GETLK, &lock) != 0) {
    /* Cannot tell: count it as held, as the Windows host does when it may
     * not look at the mutex. */
    state = MSIQ_MUTEX_HELD;
  } else if (lock.l_type != F_UNLCK) {
    state = MSIQ_MUTEX_HELD; /* a write lock is in the way */
  }
  close(fd);
  return state;
}

msiq_service_state msiq_host_installer_service_state(void) {
  const char *path = host_test_getenv("MSIQ_SIM_SERVICE");
  if (path == NULL || path[0] == '\0') {
    return MSIQ_SERVICE_IDLE;
  }
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    return errno == ENOENT ? MSIQ_SERVICE_IDLE : MSIQ_SERVICE_UNKNOWN;
  }
  char word[32] = "";
  if (fscanf(file, "%31s", word) != 1) {
    word[0] = '\0';
  }
  fclose(file);
  if (strcmp(word, "busy") == 0) {
    return MSIQ_SERVICE_BUSY;
  }
  if (strcmp(word, "idle") == 0 || word[0] == '\0') {
    return MSIQ_SERVICE_IDLE;
  }
  if (strcmp(word, "stopped") == 0) {
    return MSIQ_SERVICE_STOPPED;
  }
  return MSIQ_SERVICE_UNKNOWN;
}

/* The dispatcher lock. */

struct msiq_host_lock {
  int fd;
};

static int host_lock_path(const char *database_path, char *buffer,
                          size_t size) {
  int written = snprintf(buffer, size, "%s.dispatcher.lock", database_path);
  return written < 0 || (size_t)written >= size ? -1 : 0;
}

int msiq_host_lock_acquire(const char *database_path, msiq_host_lock **out,
                           msiq_diag *diag) {
  char path[4096];
  if (host_lock_path(database_path, path, sizeof path) != 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  /* O_CLOEXEC: an installer started later must not inherit the lock, or a
   * crashed dispatcher's orphaned installer would block the next start. */
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot open lock file %s: %s", path,
                         strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) {
      return msiq_diag_set(diag, MSIQ_EDISPATCHER_RUNNING,
                           "another dispatcher is running on %s (lock %s)",
                           database_path, path);
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot lock %s: %s", path,
                         strerror(error));
  }
  msiq_host_lock *lock = malloc(sizeof *lock);
  if (lock == NULL) {
    close(fd);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  /* The pid in the file is for people; the lock itself is the flock. */
  char pid[32];
  int length = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) == 0 && write(fd, pid, (size_t)length) < 0) {
    /* Best effort only. */
  }
  lock->fd = fd;
  *out = lock;
  return MSIQ_OK;
}

bool msiq_host_lock_is_held(const char *database_path) {
  char path[4096];
  if (host_lock_path(database_path, path, sizeof path) != 0) {
    return false;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  return held;
}

void msiq_host_lock_release(msiq_host_lock *lock) {
  if (lock != NULL) {
    close(lock->fd);
    free(lock);
  }
}

/* The installer process: the lifecycle is host_installer.c's; this is the
 * POSIX part. */

/* Only a test build names the setting, so that a release binary does not
 * even hold its name. */
#if defined(MSIQ_TEST_SETTINGS) && MSIQ_TEST_SETTINGS
#define HOST_NO_INSTALLER                                                      \
  "no installer: the POSIX simulation host has no msiexec; set "               \
  "MSIQ_INSTALLER to a program that stands in for it"
#else
#define HOST_NO_INSTALLER                                                      \
  "no installer: the POSIX simulation host has no msiexec, and a release "     \
  "build takes no stand-in"
#endif

int msiq_host_installer_program(char *buffer, size_t size,
                                msiq_installer_kind *kind, msiq_diag *diag) {
  const char *program = host_test_getenv("MSIQ_INSTALLER");
  if (program == NULL || program[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "%s", HOST_NO_INSTALLER);
  }
  if (snprintf(buffer, size, "%s", program) >= (int)size) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "MSIQ_INSTALLER is too long");
  }
  if (kind != NULL) {
    *kind = MSIQ_INSTALLER_STAND_IN;
  }
  return MSIQ_OK;
}

/* POSIX exit statuses keep only 8 bits, but Windows Installer codes need 32
 * (3010, 1641). A stand-in installer may therefore leave its full code in
 * $MSIQ_SIM_EXIT_CODE_DIR/<pid>.code; see docs/testing.md. */
static int64_t host_full_exit_code(int64_t pid, int64_t status) {
  const char *directory = host_test_getenv("MSIQ_SIM_EXIT_CODE_DIR");
  if (directory == NULL || directory[0] == '\0') {
    return status;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/%lld.code", directory, (long long)pid);
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    return status;
  }
  long long code = 0;
  if (fscanf(file, "%lld", &code) == 1 && (code & 0xff) == status) {
    status = code;
  }
  fclose(file);
  remove(path);
  return status;
}

int64_t host_installer_os_exit_code(const msiq_installer *installer,
                                    int64_t exit_status, int term_signal) {
  return term_signal != 0 ? 128 + term_signal
                          : host_full_exit_code(installer->pid, exit_status);
}

int host_installer_os_prepare(const msiq_installer_start_options *start,
                              uv_process_options_t *options, char ***arguments,
                              msiq_diag *diag) {
  /* A write to an installer that closed its input (it exited, or never
   * reads) must be an EPIPE error, not a signal that ends the dispatcher.
   * libuv resets every signal's disposition in the processes it starts, so
   * the installer does not inherit this. */
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, NULL);

  size_t count = start->command != NULL ? start->command->argument_count : 0;
  char **argv = calloc(count + 2, sizeof *argv);
  if (argv == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  argv[0] = (char *)start->program;
  for (size_t i = 0; i < count; i++) {
    argv[i + 1] = start->command->arguments[i];
  }
  options->file = start->program;
  options->args = argv;
  /* DETACHED makes the installer a session and process-group leader: a
   * Ctrl-C or stop of the dispatcher never reaches it, and the group can be
   * ended as a whole on timeout or forced cancel. */
  options->flags = UV_PROCESS_DETACHED;
  *arguments = argv;
  return MSIQ_OK;
}

void host_installer_os_free_arguments(char **arguments) {
  /* The elements belong to the caller's command. */
  free(arguments);
}

int host_installer_os_group_create(msiq_installer *installer, msiq_diag *diag) {
  (void)installer;
  (void)diag;
  return MSIQ_OK;
}

void host_installer_os_group_join(msiq_installer *installer) {
  /* The installer leads its own process group from its first instruction
   * (setsid in the child before exec). */
  (void)installer;
}

void host_installer_os_group_release(msiq_installer *installer) {
  (void)installer;
}

int host_installer_os_stop_tree(msiq_installer *installer) {
  /* The installer leads its own process group, so this ends it and every
   * process it started that did not leave the group. */
  if (kill(-(pid_t)installer->pid, SIGKILL) != 0 && errno != ESRCH) {
    return MSIQ_EHOST;
  }
  return MSIQ_OK;
}

double msiq_host_random_fraction(void) {
  static bool seeded;
  if (!seeded) {
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    seeded = true;
  }
  return (double)rand() / ((double)RAND_MAX + 1.0);
}

int msiq_host_main_arguments(int argc, char **argv, char ***utf8_argv) {
  (void)argc;
  *utf8_argv = argv;
  return MSIQ_OK;
}

bool msiq_host_getenv(const char *name, char *buffer, size_t size) {
  const char *value = getenv(name);
  if (value == NULL || value[0] == '\0') {
    return false;
  }
  return snprintf(buffer, size, "%s", value) < (int)size;
}

FILE *msiq_host_fopen(const char *path, const char *mode) {
  return fopen(path, mode);
}

/* No service manager in the simulation: `msiq run` under a supervisor
 * (systemd, a shell) plays that part. */
static int host_no_services(msiq_diag *diag) {
  return msiq_diag_set(diag, MSIQ_EUSAGE,
                       "services exist only on Windows; on this platform run "
                       "`msiq run` under a supervisor instead");
}

int msiq_host_service_install(const char *name, const char *arguments,
                              msiq_diag *diag) {
  (void)name;
  (void)arguments;
  return host_no_services(diag);
}

int msiq_host_service_uninstall(const char *name, msiq_diag *diag) {
  (void)name;
  return host_no_services(diag);
}

int msiq_host_service_start(const char *name, msiq_diag *diag) {
  (void)name;
  return host_no_services(diag);
}

int msiq_host_service_stop(const char *name, int64_t wait_ms, msiq_diag *diag) {
  (void)name;
  (void)wait_ms;
  return host_no_services(diag);
}

int msiq_host_service_query(const char *name, char *state, size_t size,
                            msiq_diag *diag) {
  (void)name;
  (void)state;
  (void)size;
  return host_no_services(diag);
}

int msiq_host_service_run(const char *name, msiq_service_body body,
                          void *context, void (*request_stop)(void *),
                          void *stop_context, int64_t stop_wait_ms,
                          msiq_diag *diag) {
  (void)name;
  (void)body;
  (void)context;
  (void)request_stop;
  (void)stop_context;
  (void)stop_wait_ms;
  return host_no_services(diag);
}

bool msiq_host_reboot_pending(char *why, size_t size) {
  const char *path = host_test_getenv("MSIQ_SIM_REBOOT_PENDING");
  FILE *file = path != NULL && path[0] != '\0' ? fopen(path, "r") : NULL;
  if (file == NULL) {
    return false;
  }
  if (fgets(why, (int)size, file) == NULL) {
    snprintf(why, size, "simulated reboot pending");
  }
  why[strcspn(why, "\r\n")] = '\0';
  fclose(file);
  return true;
}

int64_t msiq_host_boot_time_ms(void) {
  const char *path = host_test_getenv("MSIQ_SIM_BOOT_TIME");
  long long seconds = 0;
  FILE *file =
      fopen(path != NULL && path[0] != '\0' ? path : "/proc/stat", "r");
  if (file == NULL) {
    return 0;
  }
  if (path != NULL && path[0] != '\0') {
    if (fscanf(file, "%lld", &seconds) != 1) {
      seconds = 0;
    }
  } else {
    char line[256];
    while (fgets(line, sizeof line, file) != NULL) {
      if (sscanf(line, "btime %lld", &seconds) == 1) {
        break;
      }
    }
  }
  fclose(file);
  return (int64_t)seconds * 1000;
}

void msiq_host_report_event(msiq_event_kind kind, const char *message) {
  const char *path = host_test_getenv("MSIQ_SIM_EVENT_LOG");
  FILE *file = path != NULL && path[0] != '\0' ? fopen(path, "a") : NULL;
  if (file == NULL) {
    return;
  }
  static const char *const kinds[] = {"information", "warning", "error"};
  fprintf(file, "%s: %s\n", kinds[kind], message);
  fclose(file);
}

int msiq_host_worker_main(void) {
  /* The worker drives msi.dll; the simulation has none. The dispatcher's
   * simulation tests use a stand-in worker program instead. */
  fputs("msiq: the worker mode is not available on the simulation host\n",
        stderr);
  return 2;
}
