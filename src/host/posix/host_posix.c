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

#include "core/msiexec_words.h"
#include "core/text.h"

#include <dirent.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The simulated wall clock's offset: the signed number of milliseconds in
 * the file named by MSIQ_SIM_CLOCK_OFFSET, read at every reading of the
 * clock, so that a test can step the clock of running processes (a
 * missing or unreadable file is no offset). See docs/testing.md. */
static int64_t host_clock_offset_ms(void) {
  const char *path = host_test_getenv("MSIQ_SIM_CLOCK_OFFSET");
  if (path == NULL || path[0] == '\0') {
    return 0;
  }
  FILE *file = fopen(path, "r");
  if (file == NULL) {
    return 0;
  }
  long long offset = 0;
  if (fscanf(file, "%lld", &offset) != 1) {
    offset = 0;
  }
  fclose(file);
  return (int64_t)offset;
}

int64_t msiq_host_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 +
         host_clock_offset_ms();
}

int64_t msiq_host_monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
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

/* The queue's safety check (host.h, msiq_host_check_private). */

/* What a path is to the queue, and so what may be done to it by others. */
typedef enum host_private_rule {
  /* The database or one of its -wal, -shm, -journal files: a regular file
   * nobody else may write. */
  HOST_PRIVATE_FILE,
  /* The directory that holds them: nobody else may write it, or they could
   * create a -wal or -shm of their own before the dispatcher does. */
  HOST_PRIVATE_FOLDER,
  /* A directory above: nobody else may replace what is inside it. A sticky
   * directory (like /tmp) lets nobody rename or delete what is not theirs,
   * so it may be writable by others. */
  HOST_PRIVATE_PARENT,
} host_private_rule;

static bool host_owner_is_trusted(uid_t owner) {
  return owner == 0 || owner == geteuid();
}

static int host_check_private_entry(const char *path, const struct stat *info,
                                    host_private_rule rule, const char *what,
                                    msiq_diag *diag) {
  if (S_ISLNK(info->st_mode)) {
    /* Only a link's owner (and, in a sticky directory, nobody else) can
     * change where it points; its mode means nothing. */
    if (rule == HOST_PRIVATE_FILE) {
      return msiq_diag_set(diag, MSIQ_EINSECURE,
                           "refusing to run: %s %s is a symbolic link; name "
                           "the file itself",
                           what, path);
    }
    if (!host_owner_is_trusted(info->st_uid)) {
      return msiq_diag_set(diag, MSIQ_EINSECURE,
                           "refusing to run: %s %s is a symbolic link owned "
                           "by another user (uid %ld)",
                           what, path, (long)info->st_uid);
    }
    return MSIQ_OK;
  }
  if (rule == HOST_PRIVATE_FILE && !S_ISREG(info->st_mode)) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is not a regular file", what,
                         path);
  }
  if (rule != HOST_PRIVATE_FILE && !S_ISDIR(info->st_mode)) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is not a directory", what,
                         path);
  }
  if (!host_owner_is_trusted(info->st_uid)) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is owned by another user "
                         "(uid %ld)",
                         what, path, (long)info->st_uid);
  }
  bool sticky = (info->st_mode & S_ISVTX) != 0;
  if ((info->st_mode & (S_IWGRP | S_IWOTH)) &&
      !(rule == HOST_PRIVATE_PARENT && sticky)) {
    return msiq_diag_set(diag, MSIQ_EINSECURE,
                         "refusing to run: %s %s is writable by %s (mode "
                         "%04o); chmod go-w it",
                         what, path,
                         (info->st_mode & S_IWOTH) ? "everyone" : "its group",
                         (unsigned)(info->st_mode & 07777));
  }
  return MSIQ_OK;
}

/* Checks one directory of a walk: MSIQ_OK with *exists false when it is not
 * there (nor, then, anything below it). */
static int host_check_walk_step(const char *path, host_private_rule rule,
                                bool *exists, msiq_diag *diag) {
  struct stat info;
  *exists = false;
  if (lstat(path, &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return MSIQ_OK;
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot check directory %s: %s", path,
                         strerror(errno));
  }
  *exists = true;
  return host_check_private_entry(
      path, &info, rule,
      rule == HOST_PRIVATE_FOLDER ? "database directory" : "parent directory",
      diag);
}

/* Checks every directory of the absolute path `directory` from the root
 * down as the path names it (lstat: a symbolic link is checked as a link,
 * and the walk goes on through it): the last one by `last_rule`, the
 * others as parents. The walk ends at the first that does not exist;
 * *existing is then the length of the part that does. */
static int host_check_directory_walk(const char *directory,
                                     host_private_rule last_rule,
                                     size_t *existing, msiq_diag *diag) {
  char path[PATH_MAX];
  size_t length = strlen(directory);
  if (length >= sizeof path || directory[0] != '/') {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "bad database directory %s",
                         directory);
  }
  memcpy(path, directory, length + 1);
  *existing = 0;
  bool exists = false;
  int status = host_check_walk_step(
      "/", length == 1 ? last_rule : HOST_PRIVATE_PARENT, &exists, diag);
  if (status != MSIQ_OK || !exists) {
    return status;
  }
  *existing = 1;
  for (size_t end = 2; end <= length; end++) {
    if (end < length && path[end] != '/') {
      continue;
    }
    char saved = path[end];
    path[end] = '\0';
    status = host_check_walk_step(
        path, end == length ? last_rule : HOST_PRIVATE_PARENT, &exists, diag);
    path[end] = saved;
    if (status != MSIQ_OK || !exists) {
      return status;
    }
    *existing = end;
  }
  return MSIQ_OK;
}

int msiq_host_check_private(const char *database_path, msiq_diag *diag) {
  char *absolute = NULL;
  int status = msiq_host_absolute_path(database_path, &absolute, diag);
  if (status != MSIQ_OK) {
    return status;
  }
  char path[PATH_MAX];
  static const struct {
    const char *suffix;
    const char *what;
  } files[] = {
      {"", "database"},
      {"-wal", "database WAL file"},
      {"-shm", "database shared-memory file"},
      {"-journal", "database journal"},
  };
  for (size_t i = 0; status == MSIQ_OK && i < sizeof files / sizeof files[0];
       i++) {
    struct stat info;
    if (snprintf(path, sizeof path, "%s%s", absolute, files[i].suffix) >=
        (int)sizeof path) {
      status = msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
    } else if (lstat(path, &info) == 0) {
      status = host_check_private_entry(path, &info, HOST_PRIVATE_FILE,
                                        files[i].what, diag);
    } else if (errno != ENOENT) {
      status = msiq_diag_set(diag, MSIQ_EIO, "cannot check %s %s: %s",
                             files[i].what, path, strerror(errno));
    }
  }
  /* The directories as the path names them, then as they really are: a
   * symbolic link on the way was checked as a link by the first walk, and
   * the directories its target lies in are checked by the second. */
  char *slash = strrchr(absolute, '/');
  if (status == MSIQ_OK) {
    if (slash == absolute) {
      slash[1] = '\0';
    } else {
      *slash = '\0';
    }
    size_t existing = 0;
    status = host_check_directory_walk(absolute, HOST_PRIVATE_FOLDER, &existing,
                                       diag);
    if (status == MSIQ_OK && existing > 0) {
      /* When the queue's folder does not exist yet (msiq creates it
       * private), the part that exists is a parent. */
      host_private_rule last_rule = absolute[existing] == '\0'
                                        ? HOST_PRIVATE_FOLDER
                                        : HOST_PRIVATE_PARENT;
      absolute[existing] = '\0';
      char resolved[PATH_MAX];
      if (realpath(absolute, resolved) == NULL) {
        status =
            msiq_diag_set(diag, MSIQ_EIO, "cannot resolve directory %s: %s",
                          absolute, strerror(errno));
      } else {
        status =
            host_check_directory_walk(resolved, last_rule, &existing, diag);
      }
    }
  }
  free(absolute);
  return status;
}

void msiq_host_remove_file(const char *path) {
  unlink(path);
}

int msiq_host_delete_file(const char *path, msiq_diag *diag) {
  if (unlink(path) != 0 && errno != ENOENT) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot delete %s: %s", path,
                         strerror(errno));
  }
  return MSIQ_OK;
}

/* fsync() of the directory that holds path, so that a name created or
 * removed in it survives a power loss. */
static int host_sync_directory_of(const char *path, msiq_diag *diag) {
  char directory[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (slash == NULL) {
    snprintf(directory, sizeof directory, ".");
  } else if (snprintf(directory, sizeof directory, "%.*s",
                      slash == path ? 1 : (int)(slash - path),
                      path) >= (int)sizeof directory) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "path too long: %s", path);
  }
  int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    int error = errno;
    if (fd >= 0) {
      close(fd);
    }
    return msiq_diag_set(diag, MSIQ_EIO,
                         "%s was created, but its directory %s could not be "
                         "synced to disk: %s",
                         path, directory, strerror(error));
  }
  close(fd);
  return MSIQ_OK;
}

int msiq_host_move_file_if_absent(const char *from, const char *to,
                                  bool *existed, msiq_diag *diag) {
  /* rename() would replace `to`; link() refuses when it exists. */
  *existed = false;
  int status = MSIQ_OK;
  bool linked = link(from, to) == 0;
  if (!linked) {
    if (errno == EEXIST) {
      *existed = true;
    } else {
      status = msiq_diag_set(diag, MSIQ_EIO, "cannot create %s: %s", to,
                             strerror(errno));
    }
  }
  msiq_host_remove_file(from);
  /* The new name (and the old one gone) must be on disk before the caller
   * acknowledges anything stored under it: a file's fsync() does not make
   * its directory entry durable. */
  if (linked) {
    status = host_sync_directory_of(to, diag);
  }
  return status;
}

int msiq_host_list_directory(const char *directory,
                             void (*visit)(void *context, const char *name),
                             void *context, msiq_diag *diag) {
  DIR *stream = opendir(directory);
  if (stream == NULL) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot list directory %s: %s",
                         directory, strerror(errno));
  }
  struct dirent *entry;
  while ((entry = readdir(stream)) != NULL) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
      visit(context, entry->d_name);
    }
  }
  closedir(stream);
  return MSIQ_OK;
}

/* A claim is a flock() on the file, which is independent of the fcntl()
 * locks SQLite takes on the same file. */
struct msiq_host_claim {
  int fd;
};

int msiq_host_claim_create(const char *path, msiq_host_claim **claim,
                           msiq_diag *diag) {
  *claim = NULL;
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return MSIQ_OK;
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot create %s: %s", path,
                         strerror(errno));
  }
  /* Between the open() and the flock() another process may have found the
   * file unclaimed and removed it: then the name is no longer this file. */
  struct stat mine;
  struct stat named;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &mine) != 0 ||
      stat(path, &named) != 0 || mine.st_dev != named.st_dev ||
      mine.st_ino != named.st_ino) {
    close(fd);
    return MSIQ_OK;
  }
  msiq_host_claim *made = malloc(sizeof *made);
  if (made == NULL) {
    close(fd);
    unlink(path);
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  made->fd = fd;
  *claim = made;
  return MSIQ_OK;
}

void msiq_host_claim_release(msiq_host_claim *claim) {
  if (claim != NULL) {
    close(claim->fd);
    free(claim);
  }
}

bool msiq_host_remove_unclaimed(const char *path) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  /* Removed while the lock is held, so its creator cannot claim it in
   * between. */
  bool removed = flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0;
  close(fd);
  return removed;
}

int msiq_host_file_identify(const char *path, msiq_host_file_identity *identity,
                            msiq_diag *diag) {
  struct stat info;
  if (stat(path, &info) != 0) {
    if (errno == ENOENT) {
      return msiq_diag_set(diag, MSIQ_EMISSING, "%s does not exist", path);
    }
    return msiq_diag_set(diag, MSIQ_EIO, "cannot look at %s: %s", path,
                         strerror(errno));
  }
  identity->volume = (uint64_t)info.st_dev;
  identity->file = (uint64_t)info.st_ino;
  return MSIQ_OK;
}

/* What the SIGBUS handler writes and how it exits: set before the handler
 * is installed, read only by it. */
static char host_fault_message[1024];
static size_t host_fault_message_length;
static volatile sig_atomic_t host_fault_exit_code = 4;

static void host_on_mapping_fault(int signal_number) {
  (void)signal_number;
  /* Only async-signal-safe calls: the process may be anywhere in SQLite. */
  ssize_t written =
      write(STDERR_FILENO, host_fault_message, host_fault_message_length);
  (void)written;
  _exit(host_fault_exit_code);
}

void msiq_host_exit_on_mapping_fault(const char *message, int exit_code) {
  /* Blocked while the message changes, so the handler never reads half of
   * one. */
  sigset_t block;
  sigset_t previous;
  sigemptyset(&block);
  sigaddset(&block, SIGBUS);
  sigprocmask(SIG_BLOCK, &block, &previous);
  int length =
      snprintf(host_fault_message, sizeof host_fault_message, "%s\n", message);
  host_fault_message_length = length < 0
                                  ? 0
                                  : ((size_t)length < sizeof host_fault_message
                                         ? (size_t)length
                                         : sizeof host_fault_message - 1);
  host_fault_exit_code = exit_code;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = host_on_mapping_fault;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, NULL);
  sigprocmask(SIG_SETMASK, &previous, NULL);
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

/* The dispatcher's note. */

static int host_note_path(const char *database_path, const char *suffix,
                          char *buffer, size_t size) {
  int written =
      snprintf(buffer, size, "%s.dispatcher.note%s", database_path, suffix);
  return written < 0 || (size_t)written >= size ? -1 : 0;
}

int msiq_host_dispatcher_note_write(const char *database_path, const char *text,
                                    msiq_diag *diag) {
  char path[4096];
  char temporary[4096];
  if (host_note_path(database_path, "", path, sizeof path) != 0 ||
      host_note_path(database_path, ".new", temporary, sizeof temporary) != 0) {
    return msiq_diag_set(diag, MSIQ_EUSAGE, "database path too long");
  }
  if (text == NULL) {
    if (unlink(path) != 0 && errno != ENOENT) {
      return msiq_diag_set(diag, MSIQ_EIO, "cannot remove %s: %s", path,
                           strerror(errno));
    }
    return MSIQ_OK;
  }
  /* O_NOFOLLOW: the note is never written through a link someone left in
   * its place. */
  int fd = open(temporary,
                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return msiq_diag_set(diag, MSIQ_EIO, "cannot write %s: %s", temporary,
                         strerror(errno));
  }
  size_t length = strlen(text);
  bool written =
      write(fd, text, length) == (ssize_t)length && write(fd, "\n", 1) == 1;
  int saved = errno;
  close(fd);
  if (!written || rename(temporary, path) != 0) {
    if (written) {
      saved = errno;
    }
    unlink(temporary);
    return msiq_diag_set(diag, MSIQ_EIO, "cannot write %s: %s", path,
                         strerror(saved));
  }
  return MSIQ_OK;
}

int msiq_host_busy_timeout_ms(int default_ms) {
  const char *value = host_test_getenv("MSIQ_SIM_BUSY_TIMEOUT_MS");
  if (value == NULL || value[0] == '\0') {
    return default_ms;
  }
  char *end = NULL;
  long milliseconds = strtol(value, &end, 10);
  if (*end != '\0' || milliseconds < 0 || milliseconds > INT_MAX) {
    return default_ms;
  }
  return (int)milliseconds;
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

/* Linux's own bounds on what execve() takes, which sysconf(_SC_ARG_MAX)
 * does not tell: the strings may take at most three quarters of the
 * default 8 MiB stack limit (fs/exec.c), and one of them at most 32 pages
 * (MAX_ARG_STRLEN). */
#define HOST_LINUX_ARGUMENTS_MAX  (6L * 1024 * 1024)
#define HOST_LINUX_ARGUMENT_PAGES 32L

extern char **environ;

/* Says which argument is too long without showing a property's value,
 * which may be a password: its name, or its position. */
static void host_describe_argument(const char *argument, size_t index,
                                   char *buffer, size_t size) {
  const char *equals = strchr(argument, '=');
  if (argument[0] != '/' && equals != NULL && equals != argument) {
    char name[80];
    msiq_quote_prefix_for_message(argument, (size_t)(equals - argument), name,
                                  sizeof name);
    snprintf(buffer, size, "argument for property '%s'", name);
  } else {
    snprintf(buffer, size, "argument %zu", index + 1);
  }
}

int msiq_host_installer_command_check(const msiq_installer_command *command,
                                      msiq_diag *diag) {
  const char *program = host_test_getenv("MSIQ_INSTALLER");
  if (program == NULL || program[0] == '\0') {
    program = "msiexec";
  }
  long limit = sysconf(_SC_ARG_MAX);
  if (limit <= 0) {
    limit = _POSIX_ARG_MAX;
  }
  long argument_limit = 0;
#ifdef __linux__
  if (limit > HOST_LINUX_ARGUMENTS_MAX) {
    limit = HOST_LINUX_ARGUMENTS_MAX;
  }
  long page = sysconf(_SC_PAGESIZE);
  argument_limit = HOST_LINUX_ARGUMENT_PAGES * (page > 0 ? page : 4096);
#endif
  /* execve() counts every string with its NUL and one pointer for each,
   * the environment's too. */
  size_t total = strlen(program) + 1 + sizeof(char *);
  for (size_t i = 0; i < command->argument_count; i++) {
    size_t length = strlen(command->arguments[i]) + 1;
    if (argument_limit > 0 && length > (size_t)argument_limit) {
      char which[128];
      host_describe_argument(command->arguments[i], i, which, sizeof which);
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "the installer's %s would be %zu bytes; this "
                           "system allows at most %ld for one argument "
                           "(MAX_ARG_STRLEN)",
                           which, length, argument_limit);
    }
    total += length + sizeof(char *);
  }
  for (char **variable = environ; variable != NULL && *variable != NULL;
       variable++) {
    total += strlen(*variable) + 1 + sizeof(char *);
  }
  if (total > (size_t)limit) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "the installer's command line would take %zu bytes "
                         "with the environment; this system allows at most "
                         "%ld (ARG_MAX): use fewer or shorter properties",
                         total, limit);
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

/* The installer's tree.
 *
 * The installer leads its own session and process group, and a timeout
 * ends that group. A process can leave both with setsid(), and once its
 * parent has exited it is nobody's child in the installer's tree any more
 * (a daemon started with `setsid sleep &` is both): killing the group
 * would leave it running, although the dispatcher records that every
 * process the installer started was stopped. So each installer gets a
 * mark in its environment, MSIQ_JOB_TREE=<128 random bits>, which
 * every process it starts inherits through fork() and exec() and keeps
 * through setsid() and the death of its parent, and stopping the tree
 * walks the process table (/proc) for the installer's descendants, its
 * session, its group and every process that carries the mark.
 *
 * A child subreaper (prctl PR_SET_CHILD_SUBREAPER) would keep the orphans
 * in the dispatcher's own tree, but the dispatcher would then have to reap
 * them itself, and libuv reaps only the processes it started: every
 * leftover of a finished job would stay a zombie of the dispatcher. With
 * the mark the orphans stay with whoever adopts them (init reaps them) and
 * are still found. Only a process that both empties its environment
 * (exec with a new one) and loses its parent escapes the walk; the
 * Windows host's Job Object has no such gap. */

#define HOST_TREE_MARK_NAME   "MSIQ_JOB_TREE"
#define HOST_TREE_MARK_DIGITS 32

typedef struct host_posix_tree {
  /* "MSIQ_JOB_TREE=" and the hex digits, as in the environment. */
  char mark[sizeof HOST_TREE_MARK_NAME "=" + HOST_TREE_MARK_DIGITS];
  /* When the installer started, in clock ticks since boot; 0 if unknown.
   * Only a process started since then can be one it started. */
  unsigned long long start_time;
} host_posix_tree;

/* One row of the process table. */
typedef struct host_process {
  pid_t pid;
  pid_t parent;
  pid_t group;
  pid_t session;
  char state;
  unsigned long long start_time;
  signed char marked; /* -1 not read yet, else 0 or 1 */
  bool member;        /* found to belong to the installer's tree */
} host_process;

/* Reads /proc/PID/stat; false when the process is gone (or there is no
 * /proc). */
static bool host_process_read(pid_t pid, host_process *process) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  char text[1024];
  ssize_t length = read(fd, text, sizeof text - 1);
  close(fd);
  if (length <= 0) {
    return false;
  }
  text[length] = '\0';
  /* The command name (field 2) is in parentheses and may hold anything,
   * spaces and parentheses too: the fields start after the last ')'. */
  char *fields = strrchr(text, ')');
  if (fields == NULL) {
    return false;
  }
  /* Fields 3 (the state) to 22 (the start time), one at a time. Not with
   * sscanf: a skipped %u of a count past UINT_MAX (page faults, times) is
   * undefined, and under AddressSanitizer's stack-use-after-return checks
   * the start time came out wrong. */
  memset(process, 0, sizeof *process);
  unsigned long long values[23] = {0};
  const char *cursor = fields + 1;
  for (int field = 3; field <= 22; field++) {
    while (*cursor == ' ') {
      cursor++;
    }
    if (*cursor == '\0') {
      return false;
    }
    if (field == 3) {
      process->state = *cursor++;
    } else {
      char *end = NULL;
      /* Signed fields (a priority, a nice value) are negative at most; they
       * are not used, and strtoull() reads them without harm. */
      values[field] = strtoull(cursor, &end, 10);
      if (end == cursor) {
        return false;
      }
      cursor = end;
    }
    while (*cursor != ' ' && *cursor != '\0') {
      cursor++;
    }
  }
  process->pid = pid;
  process->parent = (pid_t)values[4];
  process->group = (pid_t)values[5];
  process->session = (pid_t)values[6];
  process->start_time = values[22];
  process->marked = -1;
  return true;
}

/* True when the environment of pid holds the entry `mark` exactly. It is
 * read as a stream of NUL-terminated entries, so an environment of any
 * size needs no buffer of its size. A process whose environment cannot be
 * read (another user's, when the dispatcher is not root) is not marked. */
static bool host_process_has_mark(pid_t pid, const char *mark) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  size_t mark_length = strlen(mark);
  size_t matched = 0;   /* bytes of the current entry that match mark */
  bool matching = true; /* the current entry matches so far */
  bool found = false;
  char chunk[4096];
  ssize_t count;
  while (!found && (count = read(fd, chunk, sizeof chunk)) > 0) {
    for (ssize_t i = 0; i < count && !found; i++) {
      if (chunk[i] == '\0') {
        found = matching && matched == mark_length;
        matched = 0;
        matching = true;
      } else if (matching && matched < mark_length &&
                 chunk[i] == mark[matched]) {
        matched++;
      } else {
        matching = false;
      }
    }
  }
  close(fd);
  return found;
}

/* Signals the process only if it is still the one the table showed (same
 * start time), so a pid the system gave to a new process is left alone. A
 * pidfd pins the process between that check and the signal. */
static void host_process_signal(const host_process *process, int number) {
  host_process now;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
  int fd = (int)syscall(SYS_pidfd_open, process->pid, 0);
  if (fd >= 0) {
    if (host_process_read(process->pid, &now) &&
        now.start_time == process->start_time) {
      syscall(SYS_pidfd_send_signal, fd, number, NULL, 0);
    }
    close(fd);
    return;
  }
  if (errno != ENOSYS) {
    return; /* gone already */
  }
#endif
  if (host_process_read(process->pid, &now) &&
      now.start_time == process->start_time) {
    kill(process->pid, number);
  }
}

/* The process table: every process in /proc. */
typedef struct host_process_table {
  host_process *rows;
  size_t count;
  size_t capacity;
} host_process_table;

static bool host_process_table_read(host_process_table *table) {
  table->count = 0;
  DIR *directory = opendir("/proc");
  if (directory == NULL) {
    return false;
  }
  bool ok = true;
  struct dirent *entry;
  while (ok && (entry = readdir(directory)) != NULL) {
    char *end = NULL;
    long pid = strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') {
      continue;
    }
    if (table->count == table->capacity) {
      size_t capacity = table->capacity == 0 ? 256 : table->capacity * 2;
      host_process *grown = realloc(table->rows, capacity * sizeof *grown);
      if (grown == NULL) {
        ok = false;
        break;
      }
      table->rows = grown;
      table->capacity = capacity;
    }
    if (host_process_read((pid_t)pid, &table->rows[table->count])) {
      table->count++;
    }
  }
  closedir(directory);
  return ok;
}

/* Members found so far, with the start time that identifies each. */
typedef struct host_tree_members {
  host_process *items;
  size_t count;
  size_t capacity;
} host_tree_members;

static bool host_tree_members_has(const host_tree_members *members, pid_t pid) {
  for (size_t i = 0; i < members->count; i++) {
    if (members->items[i].pid == pid) {
      return true;
    }
  }
  return false;
}

static bool host_tree_members_add(host_tree_members *members,
                                  const host_process *process) {
  if (members->count == members->capacity) {
    size_t capacity = members->capacity == 0 ? 16 : members->capacity * 2;
    host_process *grown = realloc(members->items, capacity * sizeof *grown);
    if (grown == NULL) {
      return false;
    }
    members->items = grown;
    members->capacity = capacity;
  }
  members->items[members->count++] = *process;
  return true;
}

/* Whether row belongs to the tree of the installer leader: the leader
 * itself, a process of its group or session, a child of a member, or a
 * process started since the leader that carries its mark. */
static bool host_tree_claims(const host_posix_tree *tree, pid_t leader,
                             const host_tree_members *members,
                             host_process *row) {
  if (row->pid == leader || row->group == leader || row->session == leader ||
      host_tree_members_has(members, row->parent)) {
    return true;
  }
  if (tree == NULL || row->start_time < tree->start_time) {
    return false;
  }
  if (row->marked < 0) {
    row->marked = host_process_has_mark(row->pid, tree->mark) ? 1 : 0;
  }
  return row->marked == 1;
}

/* How many times the table is read at most. Each reading stops (SIGSTOP)
 * every new member, so none can start another process; a reading that
 * finds no new member means the whole tree is stopped. */
#define HOST_TREE_ROUNDS 64

/* Stops every member of the tree of leader and collects them. */
static void host_tree_freeze(const host_posix_tree *tree, pid_t leader,
                             host_tree_members *members) {
  host_process_table table = {NULL, 0, 0};
  pid_t self = getpid();
  for (int round = 0; round < HOST_TREE_ROUNDS; round++) {
    if (!host_process_table_read(&table)) {
      break;
    }
    bool added = false;
    /* A child may come before its parent in the table: go over it until
     * nothing more is claimed. */
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < table.count; i++) {
        host_process *row = &table.rows[i];
        if (row->member || row->pid == self || row->state == 'Z' ||
            row->state == 'X' || host_tree_members_has(members, row->pid)) {
          continue;
        }
        if (host_tree_claims(tree, leader, members, row)) {
          row->member = true;
          if (!host_tree_members_add(members, row)) {
            free(table.rows);
            return;
          }
          host_process_signal(row, SIGSTOP);
          added = changed = true;
        }
      }
    }
    if (!added) {
      break;
    }
  }
  free(table.rows);
}

int host_installer_os_stop_tree(msiq_installer *installer) {
  pid_t leader = (pid_t)installer->pid;
  /* The group first, at once: most trees are just that. */
  kill(-leader, SIGSTOP);
  host_tree_members members = {NULL, 0, 0};
  host_tree_freeze(installer->group, leader, &members);
  for (size_t i = 0; i < members.count; i++) {
    host_process_signal(&members.items[i], SIGKILL);
  }
  free(members.items);
  if (kill(-leader, SIGKILL) != 0 && errno != ESRCH) {
    return MSIQ_EHOST;
  }
  return MSIQ_OK;
}

/* 128 random bits as hex: the mark only has to be one nobody else uses. */
static void host_tree_random_mark(host_posix_tree *tree) {
  unsigned char bytes[HOST_TREE_MARK_DIGITS / 2];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t count = getrandom(bytes + got, sizeof bytes - got, 0);
    if (count <= 0) {
      break;
    }
    got += (size_t)count;
  }
  if (got < sizeof bytes) {
    /* No getrandom (an old kernel): a mark unique to this process and
     * moment is enough to tell the trees apart. */
    static unsigned serial;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned long long mix[2] = {
        (unsigned long long)now.tv_sec * 1000000000ull +
            (unsigned long long)now.tv_nsec,
        ((unsigned long long)getpid() << 32) | ++serial};
    memcpy(bytes, mix, sizeof bytes);
  }
  int length =
      snprintf(tree->mark, sizeof tree->mark, "%s=", HOST_TREE_MARK_NAME);
  for (size_t i = 0; i < sizeof bytes; i++) {
    snprintf(tree->mark + length + 2 * i, 3, "%02x", bytes[i]);
  }
}

int host_installer_os_prepare(msiq_installer *installer,
                              const msiq_installer_start_options *start,
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

  /* One block: the arguments, then the environment (the dispatcher's, with
   * the tree's mark instead of any mark it had itself). */
  size_t count = start->command != NULL ? start->command->argument_count : 0;
  size_t environment_count = 0;
  while (environ[environment_count] != NULL) {
    environment_count++;
  }
  char **argv = calloc(count + 2 + environment_count + 2, sizeof *argv);
  if (argv == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  argv[0] = (char *)start->program;
  for (size_t i = 0; i < count; i++) {
    argv[i + 1] = start->command->arguments[i];
  }
  char **environment = argv + count + 2;
  size_t kept = 0;
  const size_t name_length = strlen(HOST_TREE_MARK_NAME "=");
  for (size_t i = 0; i < environment_count; i++) {
    if (strncmp(environ[i], HOST_TREE_MARK_NAME "=", name_length) != 0) {
      environment[kept++] = environ[i];
    }
  }
  host_posix_tree *tree = installer->group;
  environment[kept] = tree->mark;
  options->file = start->program;
  options->args = argv;
  options->env = environment;
  /* DETACHED makes the installer a session and process-group leader: a
   * Ctrl-C or stop of the dispatcher never reaches it, and the group can be
   * ended as a whole on timeout or forced cancel. */
  options->flags = UV_PROCESS_DETACHED;
  *arguments = argv;
  return MSIQ_OK;
}

void host_installer_os_free_arguments(char **arguments) {
  /* The arguments belong to the caller's command, the environment's
   * entries to the environment and the mark to the tree. */
  free(arguments);
}

int host_installer_os_group_create(msiq_installer *installer, msiq_diag *diag) {
  host_posix_tree *tree = calloc(1, sizeof *tree);
  if (tree == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  host_tree_random_mark(tree);
  installer->group = tree;
  return MSIQ_OK;
}

void host_installer_os_group_join(msiq_installer *installer) {
  /* The installer leads its own process group from its first instruction
   * (setsid in the child before exec); what is left is to note when it
   * started, which tells its descendants from older processes. */
  host_posix_tree *tree = installer->group;
  host_process process;
  if (tree != NULL && host_process_read((pid_t)installer->pid, &process)) {
    tree->start_time = process.start_time;
  }
}

void host_installer_os_group_release(msiq_installer *installer) {
  free(installer->group);
  installer->group = NULL;
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

/* The shell split the line already; joined back, it splits into the same
 * words. */
int msiq_host_command_line_tail(int argc, char **argv, int first, char **tail,
                                msiq_diag *diag) {
  if (first < 0 || first > argc) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no such argument %d", first);
  }
  return msiq_msiexec_words_join((const char *const *)argv + first,
                                 (size_t)(argc - first), tail, diag);
}

bool msiq_host_getenv(const char *name, char *buffer, size_t size) {
  const char *value = getenv(name);
  if (value == NULL || value[0] == '\0') {
    return false;
  }
  return snprintf(buffer, size, "%s", value) < (int)size;
}

int msiq_host_text_from_ansi(const char *bytes, size_t length, char **utf8,
                             msiq_diag *diag) {
  /* The simulation's ANSI code page is fixed, so that what a test writes
   * converts the same on every machine. */
  *utf8 = msiq_text_from_windows_1252(bytes, length);
  return *utf8 != NULL ? MSIQ_OK
                       : msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
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

int msiq_host_service_check_program(msiq_diag *diag) {
  return host_no_services(diag);
}

int msiq_host_service_secure_queue(const char *database_path, bool *repaired,
                                   char *why, size_t size, msiq_diag *diag) {
  (void)database_path;
  (void)why;
  (void)size;
  *repaired = false;
  return host_no_services(diag);
}

int msiq_host_service_install(const char *name, const char *arguments,
                              int64_t stop_wait_ms, char *notes,
                              size_t notes_size, msiq_diag *diag) {
  (void)name;
  (void)arguments;
  (void)stop_wait_ms;
  if (notes_size > 0) {
    notes[0] = '\0';
  }
  return host_no_services(diag);
}

int msiq_host_service_uninstall(const char *name, int64_t stop_wait_ms,
                                msiq_diag *diag) {
  (void)name;
  (void)stop_wait_ms;
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

bool msiq_host_exit_code_message(int64_t exit_code, char *buffer, size_t size) {
  /* No message table: strerror's texts are for errno values, which an
   * installer's exit code is not. */
  (void)exit_code;
  if (size > 0) {
    buffer[0] = '\0';
  }
  return false;
}

bool msiq_host_inside_installation(char *ancestor, size_t size) {
  const char *name = host_test_getenv("MSIQ_SIM_INSIDE_INSTALLATION");
  if (name == NULL || name[0] == '\0') {
    return false;
  }
  snprintf(ancestor, size, "%s", name);
  return true;
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

void msiq_host_report_event(msiq_event_kind kind, int event_id,
                            const char *message) {
  (void)event_id;
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
