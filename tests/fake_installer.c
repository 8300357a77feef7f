/* fake_installer.c: a scripted stand-in for msiexec, for the dispatcher's
 * integration tests.
 *
 * A test points MSIQ_INSTALLER at this program. The dispatcher then runs it
 * with the msiexec arguments as separate argv elements (the POSIX
 * simulation host), or as one msiexec-style command line that the C runtime
 * splits back into argv (the Windows host, run under Wine). Everything it
 * does is scripted through environment variables, which the child inherits
 * from the dispatcher:
 *
 *   FAKE_INSTALLER_LOG=FILE
 *       Append one line per invocation: every argument after argv[0], each
 *       wrapped in [ ] and separated by single spaces, for example
 *       "[/i] [/tmp/a.msi] [/qn] [/norestart] [/l*v] [/tmp/log] [A=1]".
 *       A CR or LF inside an argument is written as \r or \n so the record
 *       stays one line. The line goes out with one fwrite on a file opened
 *       for appending, so whole lines never interleave.
 *
 *   FAKE_INSTALLER_RAW_LOG=FILE
 *       Windows only: append the raw command line (GetCommandLineW, as
 *       UTF-8), one line per invocation, to check msiexec's quoting exactly.
 *
 *   FAKE_INSTALLER_CODES=FILE
 *       Whitespace-separated exit codes ("1618 1618 0"), unsigned 32-bit
 *       decimal. Each invocation takes the first code, at start-up, and
 *       rewrites the file without it (temporary file in the same directory,
 *       then a rename over it). Two invocations running at the same moment
 *       may take the same code; the dispatcher runs one job at a time.
 *
 *   FAKE_INSTALLER_DEFAULT_CODE=N
 *       The exit code when FAKE_INSTALLER_CODES is unset, missing or has no
 *       codes left. Default 0.
 *
 *   FAKE_INSTALLER_SLEEP_MS=N
 *       Sleep N milliseconds before exiting. Default 0.
 *
 *   FAKE_INSTALLER_PIDFILE=FILE
 *       Write this process's pid (decimal, newline) to FILE.
 *
 *   FAKE_INSTALLER_CHILD_PIDFILE=FILE
 *       Start a real child process that sleeps FAKE_INSTALLER_CHILD_SLEEP_MS
 *       (default 60000) and then exits 0, and write its pid (decimal,
 *       newline) to FILE. POSIX: fork(), in the parent's process group.
 *       Windows: this same program run as "fake_installer --fake-child MS",
 *       which lands in the parent's Job Object. A test can check that
 *       stopping the installer tree ends the child too.
 *
 *   FAKE_INSTALLER_ESCAPED_PIDFILE=FILE
 *       POSIX only (ignored on Windows, where nothing leaves the Job
 *       Object): start a daemon the way `setsid sleep N &` in a script
 *       does, which leaves the installer's session and process group and
 *       whose parent exits at once, so it is nobody's child in the
 *       installer's tree: a child calls setsid() and forks the daemon, then
 *       exits (this program reaps it); the daemon points its standard
 *       input and output at /dev/null and execs `sleep` for
 *       FAKE_INSTALLER_CHILD_SLEEP_MS (rounded up to seconds). Its pid
 *       (decimal, newline) is written to FILE. A test can check that
 *       stopping the installer tree ends it too.
 *
 *   FAKE_INSTALLER_MARKER=FILE
 *       Create FILE containing "started\n" once the set-up above (log line,
 *       code, pid files, child, mutex, verbose log) is done and before the
 *       sleep, so a test that waits for it can rely on all of them.
 *
 *   FAKE_INSTALLER_WRITE_LOG=1
 *       Write a small fake verbose log to the argument after the log
 *       switch ("/l*v", or /l with any of msiexec's letters, matched
 *       without regard to case): appended to what the file holds when the
 *       switch has +, replacing it otherwise, as Windows Installer does.
 *
 *   FAKE_INSTALLER_HOLD_MUTEX=FILE
 *       POSIX only (ignored on Windows): hold an open file description
 *       write lock (F_OFD_SETLKW) on the whole of FILE (created if needed)
 *       until exit, the way a concurrent msiexec holds Global\_MSIExecute.
 *       Point it at the file the dispatcher probes (MSIQ_SIM_MUTEX). The
 *       lock is taken blocking.
 *
 *   MSIQ_SIM_EXIT_CODE_DIR=DIR
 *       POSIX only (ignored on Windows). A POSIX exit status keeps only the
 *       low 8 bits of the code (3010 arrives as 194, 1641 as 105), so
 *       before exiting the program writes its full code in decimal, with no
 *       newline, to DIR/<pid>.code (atomically: temporary file, then
 *       rename), and exits with code & 0xff. The simulation host reads that
 *       file after the process has exited, and deletes it. Without this
 *       variable only the low 8 bits reach the dispatcher. On Windows the
 *       full 32-bit code is the process exit code.
 *
 * The worker protocol (docs/engine.md). Without FAKE_INSTALLER_PROTOCOL the
 * program is a plain stand-in: it never reads its standard input (where
 * the dispatcher writes the request) and writes nothing on its standard
 * output, so the dispatcher judges it by its exit code alone. With it, it
 * plays `msiq --worker`:
 *
 *   FAKE_INSTALLER_PROTOCOL=FILE
 *       Say "hello<TAB>1<TAB>PID" on standard output, read the request
 *       from standard input up to its "start" line, then carry out FILE
 *       line by line: "sleep MS" waits MS milliseconds while listening for
 *       "cancel"; "exit CODE" ends the process at once with CODE and no
 *       result line, as a crash inside msi.dll would (CODE may be larger
 *       than 255, for example 3221225477 for 0xC0000005, with
 *       MSIQ_SIM_EXIT_CODE_DIR below); an empty line or one starting with
 *       '#' is skipped; any other line is sent as it is, so FILE holds
 *       protocol lines with real tabs ("progress<TAB>10",
 *       "action<TAB>InstallFiles<TAB>Copying new files",
 *       "error<TAB>1722<TAB>text<TAB>CA_Run"); "log TEXT" appends
 *       TEXT and a line feed to the log the request names (its "log"
 *       line; a log line with a mode without + empties the log first, as
 *       MsiEnableLog without INSTALLLOGATTRIBUTES_APPEND does; each append is
 * its own open, write and close, as Windows Installer flushes each line), as
 * UTF-8, or with FAKE_INSTALLER_LOG_UTF16=1 as UTF-16LE (TEXT must then be
 * ASCII) after a byte-order mark that starts the file; "await PATH" waits
 *       (listening for "cancel") until PATH exists, at most 60 seconds,
 *       so a test can hold the job at a point of its script while it
 *       looks at it. After FILE and
 *       FAKE_INSTALLER_SLEEP_MS (listening too) it sends "result<TAB>CODE"
 *       with its exit code and exits with that code. A FILE that does not
 *       exist is an empty script. Standard input ending counts as "cancel",
 *       as it does for the worker (the dispatcher is gone); if it ends
 *       before "start", the program sends "result<TAB>1639" and exits 1639,
 *       the worker's answer to a request it cannot use.
 *
 *   FAKE_INSTALLER_ON_CANCEL=rollback:MS | ignore
 *       What "cancel" does in protocol mode. rollback:MS (the default is
 *       rollback:0) sends "cancelling", waits MS, sends "result<TAB>1602"
 *       and exits 1602, as Windows Installer rolls back and returns
 *       ERROR_INSTALL_USEREXIT. ignore goes on as if nothing came (the
 *       dispatcher then ends the process tree after its cancel grace).
 *
 *   FAKE_INSTALLER_REQUEST_LOG=FILE
 *       In protocol mode, append each request line as it was read (escapes
 *       as sent), up to and including "start", to FILE.
 *
 * If the script itself cannot be carried out (an unwritable file, a
 * malformed code) the program says why on stderr and exits 125, a code
 * msiexec does not use.
 *
 * Order of events: log line, take code, own pid file, mutex, child and its
 * pid file, escaped daemon and its pid file, verbose log, (protocol: hello,
 * request), marker, (protocol: FILE), sleep, (protocol: result),
 * MSIQ_SIM_EXIT_CODE_DIR file, exit.
 *
 * Portable C11; the few OS calls are the os_* functions at the top. Meant
 * to build natively and with mingw-w64.
 */
/* POSIX, plus Linux's F_OFD_SETLKW (glibc declares it with _GNU_SOURCE). */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#endif

#define FAKE_SETUP_FAILURE  125
#define FAKE_CHILD_SLEEP_MS 60000u
#define FAKE_CHILD_ARGUMENT "--fake-child"
#define FAKE_PATH_MAX       4096

/* ---- OS-specific parts ------------------------------------------------- */

static unsigned long os_pid(void) {
#ifdef _WIN32
  return (unsigned long)GetCurrentProcessId();
#else
  return (unsigned long)getpid();
#endif
}

static void os_sleep_ms(uint32_t ms) {
#ifdef _WIN32
  Sleep((DWORD)ms);
#else
  struct timespec request;
  struct timespec remaining;
  request.tv_sec = (time_t)(ms / 1000u);
  request.tv_nsec = (long)(ms % 1000u) * 1000000L;
  while (nanosleep(&request, &remaining) != 0 && errno == EINTR) {
    request = remaining;
  }
#endif
}

/* Renames from over to, replacing to if it exists. 0 on success. */
static int os_replace_file(const char *from, const char *to) {
#ifdef _WIN32
  return MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING) ? 0 : -1;
#else
  return rename(from, to);
#endif
}

#ifndef _WIN32
static int mutex_fd = -1;
#endif

/* Takes a write lock on all of path for the rest of the process's life:
 * the simulated mutex is an open file description lock, which the
 * dispatcher looks at without taking (docs/testing.md). */
static int os_hold_mutex(const char *path) {
#ifdef _WIN32
  (void)path; /* Wine's msiexec mutex is not simulated. */
  return 0;
#else
#ifdef F_OFD_SETLKW
  const int set_lock_waiting = F_OFD_SETLKW;
#else
  const int set_lock_waiting = F_SETLKW;
#endif
  struct flock lock;
  mutex_fd = open(path, O_RDWR | O_CREAT, 0644);
  if (mutex_fd < 0) {
    return -1;
  }
  memset(&lock, 0, sizeof lock); /* l_pid must be 0 for F_OFD_SETLKW */
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  while (fcntl(mutex_fd, set_lock_waiting, &lock) != 0) {
    if (errno != EINTR) {
      return -1;
    }
  }
  return 0;
#endif
}

/* Starts a separate process that sleeps ms and exits 0; stores its pid. */
static int os_start_child(uint32_t ms, unsigned long *child_pid) {
#ifdef _WIN32
  char program[MAX_PATH];
  char command_line[MAX_PATH + 64];
  STARTUPINFOA startup;
  PROCESS_INFORMATION process;
  DWORD length = GetModuleFileNameA(NULL, program, sizeof program);
  if (length == 0 || length >= sizeof program) {
    return -1;
  }
  snprintf(command_line, sizeof command_line, "\"%s\" %s %lu", program,
           FAKE_CHILD_ARGUMENT, (unsigned long)ms);
  memset(&startup, 0, sizeof startup);
  startup.cb = sizeof startup;
  memset(&process, 0, sizeof process);
  if (!CreateProcessA(program, command_line, NULL, NULL, FALSE, 0, NULL, NULL,
                      &startup, &process)) {
    return -1;
  }
  *child_pid = (unsigned long)process.dwProcessId;
  CloseHandle(process.hThread);
  CloseHandle(process.hProcess);
  return 0;
#else
  pid_t pid;
  fflush(NULL); /* so the child cannot flush our buffers a second time */
  pid = fork();
  if (pid < 0) {
    return -1;
  }
  if (pid == 0) {
    if (mutex_fd >= 0) {
      /* The lock belongs to the open file description, so this does not
       * release it; it only lets it go when the parent exits. */
      close(mutex_fd);
    }
    os_sleep_ms(ms);
    _exit(0);
  }
  *child_pid = (unsigned long)pid;
  return 0;
#endif
}

/* Starts a daemon that left this process's session and lost its parent
 * (see FAKE_INSTALLER_ESCAPED_PIDFILE); 0 on success, 1 where there is no
 * session to leave (Windows: nothing is started), -1 on failure. */
static int os_start_escaped(uint32_t ms, unsigned long *daemon_pid) {
#ifdef _WIN32
  (void)ms;
  (void)daemon_pid;
  return 1;
#else
  int report[2];
  if (pipe(report) != 0) {
    return -1;
  }
  fflush(NULL);
  pid_t middle = fork();
  if (middle < 0) {
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (middle == 0) {
    close(report[0]);
    if (mutex_fd >= 0) {
      close(mutex_fd);
    }
    if (setsid() < 0) {
      _exit(1);
    }
    pid_t daemon = fork();
    if (daemon < 0) {
      _exit(1);
    }
    if (daemon == 0) {
      char seconds[32];
      int null_fd = open("/dev/null", O_RDWR);
      if (null_fd >= 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        close(null_fd);
      }
      close(report[1]);
      snprintf(seconds, sizeof seconds, "%lu",
               (unsigned long)((ms + 999u) / 1000u));
      execlp("sleep", "sleep", seconds, (char *)NULL);
      os_sleep_ms(ms);
      _exit(0);
    }
    long value = (long)daemon;
    ssize_t written = write(report[1], &value, sizeof value);
    _exit(written == (ssize_t)sizeof value ? 0 : 1);
  }
  close(report[1]);
  long value = 0;
  ssize_t got = read(report[0], &value, sizeof value);
  close(report[0]);
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != (ssize_t)sizeof value || value <= 0) {
    return -1;
  }
  *daemon_pid = (unsigned long)value;
  return 0;
#endif
}

/* The status the parent will see; on POSIX only the low 8 bits survive. */
_Noreturn static void os_exit(uint32_t code) {
  fflush(NULL);
#ifdef _WIN32
  ExitProcess((UINT)code);
#else
  exit((int)(code & 0xffu));
#endif
}

/* True when the full code must also be written to MSIQ_SIM_EXIT_CODE_DIR. */
static bool os_exit_code_is_truncated(void) {
#ifdef _WIN32
  return false;
#else
  return true;
#endif
}

/* Appends the raw command line this process received, as UTF-8 and one line
 * per run, to path. On Windows that is GetCommandLineW(): exactly what msiq
 * passed to CreateProcess, before any parsing, so a test can check msiexec's
 * quoting. POSIX has no raw command line; nothing is written there. */
static void os_log_raw_command_line(const char *path) {
#ifdef _WIN32
  const wchar_t *line = GetCommandLineW();
  int length = WideCharToMultiByte(CP_UTF8, 0, line, -1, NULL, 0, NULL, NULL);
  char *text = length > 0 ? malloc((size_t)length) : NULL;
  if (text == NULL || WideCharToMultiByte(CP_UTF8, 0, line, -1, text, length,
                                          NULL, NULL) != length) {
    free(text);
    return;
  }
  wchar_t *wide_path = NULL;
  int path_length = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
  if (path_length > 0) {
    wide_path = malloc((size_t)path_length * sizeof *wide_path);
  }
  FILE *file = NULL;
  if (wide_path != NULL && MultiByteToWideChar(CP_UTF8, 0, path, -1, wide_path,
                                               path_length) == path_length) {
    file = _wfopen(wide_path, L"ab");
  }
  if (file != NULL) {
    fprintf(file, "%s\n", text);
    fclose(file);
  }
  free(wide_path);
  free(text);
#else
  (void)path;
#endif
}

/* A monotonic clock in milliseconds. */
static uint64_t os_now_ms(void) {
#ifdef _WIN32
  return (uint64_t)GetTickCount64();
#else
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
#endif
}

/* A write to a dispatcher that has gone must fail, not end this process:
 * the Windows worker carries on the same way when its output pipe breaks. */
static void os_ignore_broken_pipe(void) {
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
}

/* Reads what standard input has, waiting up to timeout_ms (forever when
 * negative): the number of bytes read, 0 at its end, -1 when nothing came
 * in time. */
static long os_read_input(char *buffer, size_t size, int timeout_ms) {
#ifdef _WIN32
  HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
  DWORD count = 0;
  if (timeout_ms >= 0) {
    /* Anonymous and named pipes alike: peek until bytes are there. */
    uint64_t end = os_now_ms() + (uint64_t)timeout_ms;
    DWORD available = 0;
    for (;;) {
      if (!PeekNamedPipe(input, NULL, 0, NULL, &available, NULL)) {
        return 0;
      }
      if (available > 0) {
        break;
      }
      if (os_now_ms() >= end) {
        return -1;
      }
      Sleep(10);
    }
    if (available < size) {
      size = available;
    }
  }
  if (!ReadFile(input, buffer, (DWORD)size, &count, NULL)) {
    return 0;
  }
  return (long)count;
#else
  if (timeout_ms >= 0) {
    struct pollfd watch = {0, POLLIN, 0};
    int ready = poll(&watch, 1, timeout_ms);
    if (ready == 0 || (ready < 0 && errno == EINTR)) {
      return -1;
    }
  }
  ssize_t count;
  do {
    count = read(0, buffer, size);
  } while (count < 0 && errno == EINTR);
  return count < 0 ? 0 : (long)count;
#endif
}

/* ---- Portable parts ---------------------------------------------------- */

_Noreturn static void fail(const char *what, const char *path) {
  fprintf(stderr, "fake_installer: %s%s%s\n", what, path ? ": " : "",
          path ? path : "");
  os_exit(FAKE_SETUP_FAILURE);
}

static const char *env(const char *name) {
  const char *value = getenv(name);
  return value != NULL && value[0] != '\0' ? value : NULL;
}

/* Parses an unsigned 32-bit decimal number of exactly length characters. */
static bool parse_u32(const char *text, size_t length, uint32_t *value) {
  uint64_t result = 0;
  size_t i;
  if (length == 0) {
    return false;
  }
  for (i = 0; i < length; i++) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    result = result * 10u + (uint64_t)(text[i] - '0');
    if (result > UINT32_MAX) {
      return false;
    }
  }
  *value = (uint32_t)result;
  return true;
}

static uint32_t env_u32(const char *name, uint32_t fallback) {
  const char *value = env(name);
  uint32_t result;
  if (value == NULL) {
    return fallback;
  }
  if (!parse_u32(value, strlen(value), &result)) {
    fail("not an unsigned 32-bit decimal number", name);
  }
  return result;
}

/* Writes length bytes to path through a temporary file in the same
 * directory and a rename, so a reader never sees a partial file. */
static void write_file_atomically(const char *path, const char *data,
                                  size_t length) {
  char temporary[FAKE_PATH_MAX];
  FILE *file;
  int n = snprintf(temporary, sizeof temporary, "%s.tmp%lu", path, os_pid());
  if (n < 0 || (size_t)n >= sizeof temporary) {
    fail("path too long", path);
  }
  file = fopen(temporary, "wb");
  if (file == NULL) {
    fail("cannot create", temporary);
  }
  if (fwrite(data, 1, length, file) != length || fclose(file) != 0) {
    remove(temporary);
    fail("cannot write", temporary);
  }
  if (os_replace_file(temporary, path) != 0) {
    remove(temporary);
    fail("cannot rename over", path);
  }
}

static void write_text_atomically(const char *path, const char *text) {
  write_file_atomically(path, text, strlen(text));
}

static void write_pid_file(const char *path, unsigned long pid) {
  char text[32];
  snprintf(text, sizeof text, "%lu\n", pid);
  write_text_atomically(path, text);
}

/* Reads the whole file; NULL (and no failure) when it does not exist. */
static char *read_whole_file(const char *path, size_t *length) {
  FILE *file = fopen(path, "rb");
  char *data = NULL;
  size_t size = 0;
  size_t capacity = 0;
  if (file == NULL) {
    return NULL;
  }
  for (;;) {
    size_t got;
    if (capacity - size < 4096) {
      char *bigger;
      capacity = capacity * 2 + 4096;
      bigger = realloc(data, capacity + 1);
      if (bigger == NULL) {
        fail("out of memory", NULL);
      }
      data = bigger;
    }
    got = fread(data + size, 1, capacity - size, file);
    size += got;
    if (got == 0) {
      break;
    }
  }
  if (ferror(file)) {
    fail("cannot read", path);
  }
  fclose(file);
  data[size] = '\0';
  *length = size;
  return data;
}

static void append_text(char **buffer, size_t *length, size_t *capacity,
                        const char *text, size_t text_length) {
  if (*capacity - *length < text_length + 1) {
    char *bigger;
    size_t wanted = (*capacity + text_length) * 2 + 64;
    bigger = realloc(*buffer, wanted);
    if (bigger == NULL) {
      fail("out of memory", NULL);
    }
    *buffer = bigger;
    *capacity = wanted;
  }
  memcpy(*buffer + *length, text, text_length);
  *length += text_length;
  (*buffer)[*length] = '\0';
}

static void log_arguments(const char *path, int argc, char **argv) {
  char *line = NULL;
  size_t length = 0;
  size_t capacity = 0;
  FILE *file;
  int i;
  append_text(&line, &length, &capacity, "", 0);
  for (i = 1; i < argc; i++) {
    const char *p;
    if (i > 1) {
      append_text(&line, &length, &capacity, " ", 1);
    }
    append_text(&line, &length, &capacity, "[", 1);
    for (p = argv[i]; *p != '\0'; p++) {
      if (*p == '\n') {
        append_text(&line, &length, &capacity, "\\n", 2);
      } else if (*p == '\r') {
        append_text(&line, &length, &capacity, "\\r", 2);
      } else {
        append_text(&line, &length, &capacity, p, 1);
      }
    }
    append_text(&line, &length, &capacity, "]", 1);
  }
  append_text(&line, &length, &capacity, "\n", 1);

  file = fopen(path, "ab");
  if (file == NULL) {
    fail("cannot open", path);
  }
  /* Unbuffered, so the one fwrite becomes one write() on the O_APPEND
   * descriptor: a buffered stream would split a long line into
   * buffer-sized writes that concurrent runs could interleave. */
  setvbuf(file, NULL, _IONBF, 0);
  if (fwrite(line, 1, length, file) != length || fflush(file) != 0 ||
      fclose(file) != 0) {
    fail("cannot append to", path);
  }
  free(line);
}

/* Takes the first code from the codes file; false when none is left. */
static bool take_code(const char *path, uint32_t *code) {
  size_t length = 0;
  char *data = read_whole_file(path, &length);
  size_t start = 0;
  size_t end;
  size_t rest;
  if (data == NULL) {
    return false;
  }
  while (start < length && isspace((unsigned char)data[start])) {
    start++;
  }
  if (start == length) {
    free(data);
    return false;
  }
  end = start;
  while (end < length && !isspace((unsigned char)data[end])) {
    end++;
  }
  if (!parse_u32(data + start, end - start, code)) {
    fail("not an unsigned 32-bit decimal exit code in", path);
  }
  rest = end;
  while (rest < length && isspace((unsigned char)data[rest])) {
    rest++;
  }
  write_file_atomically(path, data + rest, length - rest);
  free(data);
  return true;
}

/* True for msiexec's log switch: /l (in any case) and at least one of
 * its letters i w e a r u c m o p v x + ! *. */
static bool is_log_switch(const char *argument) {
  if (argument[0] != '/' || tolower((unsigned char)argument[1]) != 'l' ||
      argument[2] == '\0') {
    return false;
  }
  for (const char *cursor = argument + 2; *cursor != '\0'; cursor++) {
    if (strchr("iwearucmopvx+!*", tolower((unsigned char)*cursor)) == NULL) {
      return false;
    }
  }
  return true;
}

static void write_verbose_log(int argc, char **argv) {
  static const char text[] = "=== Verbose logging started ===\n"
                             "MSI (s) fake log\n"
                             "=== Logging stopped ===\n";
  FILE *file;
  int i;
  for (i = 1; i + 1 < argc; i++) {
    if (is_log_switch(argv[i])) {
      break;
    }
  }
  if (i + 1 >= argc) {
    fail("FAKE_INSTALLER_WRITE_LOG is set but no /l LOG argument", NULL);
  }
  /* As Windows Installer does: + appends to an existing log, anything
   * else replaces it. */
  file = fopen(argv[i + 1], strchr(argv[i], '+') != NULL ? "ab" : "wb");
  if (file == NULL) {
    fail("cannot create", argv[i + 1]);
  }
  if (fwrite(text, 1, sizeof text - 1, file) != sizeof text - 1 ||
      fclose(file) != 0) {
    fail("cannot write", argv[i + 1]);
  }
}

static void write_full_exit_code(const char *directory, uint32_t code) {
  char path[FAKE_PATH_MAX];
  char text[16];
  int n = snprintf(path, sizeof path, "%s/%lu.code", directory, os_pid());
  if (n < 0 || (size_t)n >= sizeof path) {
    fail("path too long", directory);
  }
  snprintf(text, sizeof text, "%lu", (unsigned long)code);
  write_text_atomically(path, text);
}

/* ---- The worker protocol ------------------------------------------------ */

#define FAKE_LINE_MAX 8192

typedef struct protocol {
  char pending[FAKE_LINE_MAX]; /* input received, not yet a whole line */
  size_t pending_length;
  bool input_ended;
  bool ignore_cancel;
  uint32_t rollback_ms;
  const char *request_log;
  char log_path[FAKE_PATH_MAX]; /* the request's log, or "" */
  /* The request's log names a mode without +: the log is replaced at
   * start, as MsiEnableLog without INSTALLLOGATTRIBUTES_APPEND does. */
  bool log_replace;
} protocol;

/* Sends one line (without its line feed) on standard output. */
static void send_line(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

static void send_code(const char *keyword, uint32_t code) {
  char line[64];
  snprintf(line, sizeof line, "%s\t%lu", keyword, (unsigned long)code);
  send_line(line);
}

_Noreturn static void finish(uint32_t code) {
  const char *directory;
  if (os_exit_code_is_truncated() &&
      (directory = env("MSIQ_SIM_EXIT_CODE_DIR")) != NULL) {
    write_full_exit_code(directory, code);
  }
  os_exit(code);
}

/* "cancel", or the end of standard input: roll back, or go on. */
static void on_cancel(protocol *state) {
  if (state->ignore_cancel) {
    return;
  }
  send_line("cancelling");
  os_sleep_ms(state->rollback_ms);
  send_code("result", 1602);
  finish(1602);
}

/* Takes the whole lines out of the pending input, calling on_line for each
 * (which returns true to stop, leaving the rest pending). */
static bool take_lines(protocol *state, bool (*on_line)(protocol *, char *)) {
  for (;;) {
    char *end = memchr(state->pending, '\n', state->pending_length);
    if (end == NULL) {
      if (state->pending_length == sizeof state->pending) {
        fail("a line from the dispatcher is too long", NULL);
      }
      return false;
    }
    *end = '\0';
    size_t used = (size_t)(end - state->pending) + 1;
    char line[FAKE_LINE_MAX];
    memcpy(line, state->pending, used);
    memmove(state->pending, state->pending + used,
            state->pending_length - used);
    state->pending_length -= used;
    size_t length = strlen(line);
    if (length > 0 && line[length - 1] == '\r') {
      line[length - 1] = '\0';
    }
    if (on_line(state, line)) {
      return true;
    }
  }
}

/* Reads more input, waiting up to timeout_ms; false when nothing came. */
static bool read_more(protocol *state, int timeout_ms) {
  long count =
      os_read_input(state->pending + state->pending_length,
                    sizeof state->pending - state->pending_length, timeout_ms);
  if (count < 0) {
    return false;
  }
  if (count == 0) {
    state->input_ended = true;
    return true;
  }
  state->pending_length += (size_t)count;
  return true;
}

static bool on_request_line(protocol *state, char *line) {
  if (state->request_log != NULL) {
    FILE *file = fopen(state->request_log, "ab");
    if (file == NULL || fprintf(file, "%s\n", line) < 0 || fclose(file) != 0) {
      fail("cannot append to", state->request_log);
    }
  }
  if (strncmp(line, "log\t", 4) == 0) {
    /* The path field, unescaped, then the mode field if any. */
    size_t length = 0;
    const char *cursor = line + 4;
    for (; *cursor != '\0' && *cursor != '\t'; cursor++) {
      char character = *cursor;
      if (character == '\\' && cursor[1] != '\0') {
        cursor++;
        character = *cursor == 't'   ? '\t'
                    : *cursor == 'r' ? '\r'
                    : *cursor == 'n' ? '\n'
                                     : *cursor;
      }
      if (length + 1 >= sizeof state->log_path) {
        fail("the request's log path is too long", NULL);
      }
      state->log_path[length++] = character;
    }
    state->log_path[length] = '\0';
    state->log_replace = *cursor == '\t' && strchr(cursor, '+') == NULL;
  }
  return strcmp(line, "start") == 0;
}

/* Reads the request up to "start". */
static void read_request(protocol *state) {
  while (!take_lines(state, on_request_line)) {
    read_more(state, -1);
    if (state->input_ended) {
      fprintf(stderr, "fake_installer: standard input ended before start\n");
      send_code("result", 1639);
      finish(1639);
    }
  }
  if (state->log_replace) {
    FILE *file = fopen(state->log_path, "wb");
    if (file == NULL || fclose(file) != 0) {
      fail("cannot replace", state->log_path);
    }
  }
}

static bool on_running_line(protocol *state, char *line) {
  if (strcmp(line, "cancel") == 0) {
    on_cancel(state);
  }
  return false;
}

/* Waits ms while listening for "cancel" (and the end of the input). */
static void listen_for_cancel(protocol *state, uint32_t ms) {
  uint64_t end = os_now_ms() + ms;
  for (;;) {
    take_lines(state, on_running_line);
    uint64_t now = os_now_ms();
    if (now >= end) {
      return;
    }
    if (state->input_ended) {
      /* Ended input was a cancel once; there is nothing more to hear. */
      os_sleep_ms((uint32_t)(end - now));
      return;
    }
    read_more(state, (int)(end - now));
    if (state->input_ended) {
      on_cancel(state);
    }
  }
}

/* The script's "log TEXT": one line appended to the request's log. */
static void append_to_log(const protocol *state, const char *text) {
  if (state->log_path[0] == '\0') {
    fail("the script writes a log line, but the request names no log", NULL);
  }
  const char *utf16 = env("FAKE_INSTALLER_LOG_UTF16");
  bool wide = utf16 != NULL && strcmp(utf16, "1") == 0;
  FILE *file = fopen(state->log_path, "ab");
  if (file == NULL) {
    fail("cannot open", state->log_path);
  }
  bool written = true;
  if (wide) {
    if (fseek(file, 0, SEEK_END) == 0 && ftell(file) == 0) {
      written = fwrite("\xff\xfe", 1, 2, file) == 2;
    }
    for (const char *cursor = text; written; cursor++) {
      char unit[2] = {*cursor != '\0' ? *cursor : '\n', 0};
      written = fwrite(unit, 1, 2, file) == 2;
      if (*cursor == '\0') {
        break;
      }
    }
  } else {
    written = fprintf(file, "%s\n", text) >= 0;
  }
  if (fclose(file) != 0 || !written) {
    fail("cannot append to", state->log_path);
  }
}

/* The script's "await PATH": waits until PATH exists (at most
 * FAKE_AWAIT_MAX_MS, so a test that failed before creating it does not
 * leave the job running for ever). */
#define FAKE_AWAIT_MAX_MS 60000u
static void await_file(protocol *state, const char *path) {
  uint64_t end = os_now_ms() + FAKE_AWAIT_MAX_MS;
  for (;;) {
    FILE *file = fopen(path, "rb");
    if (file != NULL) {
      fclose(file);
      return;
    }
    if (os_now_ms() >= end) {
      return;
    }
    listen_for_cancel(state, 20);
  }
}

/* Carries out the script file's lines. */
static void run_script(protocol *state, const char *path) {
  size_t length = 0;
  char *text = read_whole_file(path, &length);
  if (text == NULL) {
    return;
  }
  char *line = text;
  while (line < text + length) {
    char *end = strchr(line, '\n');
    if (end != NULL) {
      *end = '\0';
    }
    size_t line_length = strlen(line);
    if (line_length > 0 && line[line_length - 1] == '\r') {
      line[--line_length] = '\0';
    }
    uint32_t value;
    if (line_length == 0 || line[0] == '#') {
      /* skipped */
    } else if (strncmp(line, "sleep ", 6) == 0) {
      if (!parse_u32(line + 6, strlen(line + 6), &value)) {
        fail("bad sleep in", path);
      }
      listen_for_cancel(state, value);
    } else if (strncmp(line, "await ", 6) == 0) {
      await_file(state, line + 6);
    } else if (strncmp(line, "log ", 4) == 0) {
      append_to_log(state, line + 4);
    } else if (strncmp(line, "exit ", 5) == 0) {
      if (!parse_u32(line + 5, strlen(line + 5), &value)) {
        fail("bad exit in", path);
      }
      finish(value);
    } else {
      send_line(line);
    }
    if (end == NULL) {
      break;
    }
    line = end + 1;
  }
  free(text);
}

static void protocol_init(protocol *state) {
  const char *on_cancel_setting = env("FAKE_INSTALLER_ON_CANCEL");
  memset(state, 0, sizeof *state);
  state->request_log = env("FAKE_INSTALLER_REQUEST_LOG");
  if (on_cancel_setting == NULL) {
    return;
  }
  if (strcmp(on_cancel_setting, "ignore") == 0) {
    state->ignore_cancel = true;
  } else if (strncmp(on_cancel_setting, "rollback:", 9) != 0 ||
             !parse_u32(on_cancel_setting + 9, strlen(on_cancel_setting + 9),
                        &state->rollback_ms)) {
    fail("FAKE_INSTALLER_ON_CANCEL is not rollback:MS or ignore", NULL);
  }
}

int main(int argc, char **argv) {
  uint32_t code;
  const char *value;
  const char *script = env("FAKE_INSTALLER_PROTOCOL");
  static protocol state;

  if (argc == 3 && strcmp(argv[1], FAKE_CHILD_ARGUMENT) == 0) {
    uint32_t ms;
    if (!parse_u32(argv[2], strlen(argv[2]), &ms)) {
      fail("bad " FAKE_CHILD_ARGUMENT " duration", argv[2]);
    }
    os_sleep_ms(ms);
    os_exit(0);
  }

  if ((value = env("FAKE_INSTALLER_LOG")) != NULL) {
    log_arguments(value, argc, argv);
  }

  if ((value = env("FAKE_INSTALLER_RAW_LOG")) != NULL) {
    os_log_raw_command_line(value);
  }

  value = env("FAKE_INSTALLER_CODES");
  if (value == NULL || !take_code(value, &code)) {
    code = env_u32("FAKE_INSTALLER_DEFAULT_CODE", 0);
  }

  if ((value = env("FAKE_INSTALLER_PIDFILE")) != NULL) {
    write_pid_file(value, os_pid());
  }

  if ((value = env("FAKE_INSTALLER_HOLD_MUTEX")) != NULL &&
      os_hold_mutex(value) != 0) {
    fail("cannot lock", value);
  }

  if ((value = env("FAKE_INSTALLER_CHILD_PIDFILE")) != NULL) {
    unsigned long child_pid;
    if (os_start_child(
            env_u32("FAKE_INSTALLER_CHILD_SLEEP_MS", FAKE_CHILD_SLEEP_MS),
            &child_pid) != 0) {
      fail("cannot start the child process", NULL);
    }
    write_pid_file(value, child_pid);
  }

  if ((value = env("FAKE_INSTALLER_ESCAPED_PIDFILE")) != NULL) {
    unsigned long daemon_pid;
    int started = os_start_escaped(
        env_u32("FAKE_INSTALLER_CHILD_SLEEP_MS", FAKE_CHILD_SLEEP_MS),
        &daemon_pid);
    if (started < 0) {
      fail("cannot start the escaped daemon", NULL);
    }
    if (started == 0) {
      write_pid_file(value, daemon_pid);
    }
  }

  if ((value = env("FAKE_INSTALLER_WRITE_LOG")) != NULL &&
      strcmp(value, "1") == 0) {
    write_verbose_log(argc, argv);
  }

  if (script != NULL) {
    char hello[64];
    os_ignore_broken_pipe();
    protocol_init(&state);
    snprintf(hello, sizeof hello, "hello\t1\t%lu", os_pid());
    send_line(hello);
    read_request(&state);
  }

  if ((value = env("FAKE_INSTALLER_MARKER")) != NULL) {
    write_text_atomically(value, "started\n");
  }

  if (script != NULL) {
    run_script(&state, script);
    listen_for_cancel(&state, env_u32("FAKE_INSTALLER_SLEEP_MS", 0));
    send_code("result", code);
  } else {
    os_sleep_ms(env_u32("FAKE_INSTALLER_SLEEP_MS", 0));
  }

  finish(code);
  return 0; /* not reached */
}
