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
 *   FAKE_INSTALLER_MARKER=FILE
 *       Create FILE containing "started\n" once the set-up above (log line,
 *       code, pid files, child, mutex, verbose log) is done and before the
 *       sleep, so a test that waits for it can rely on all of them.
 *
 *   FAKE_INSTALLER_WRITE_LOG=1
 *       Write a small fake verbose log to the argument after "/l*v"
 *       (matched without regard to case).
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
 * If the script itself cannot be carried out (an unwritable file, a
 * malformed code) the program says why on stderr and exits 125, a code
 * msiexec does not use.
 *
 * Order of events: log line, take code, own pid file, mutex, child and its
 * pid file, verbose log, marker, sleep, MSIQ_SIM_EXIT_CODE_DIR file, exit.
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

static bool is_verbose_log_switch(const char *argument) {
  const char *expected = "/l*v";
  size_t i;
  for (i = 0; expected[i] != '\0'; i++) {
    if (tolower((unsigned char)argument[i]) != expected[i]) {
      return false;
    }
  }
  return argument[i] == '\0';
}

static void write_verbose_log(int argc, char **argv) {
  static const char text[] = "=== Verbose logging started ===\n"
                             "MSI (s) fake log\n"
                             "=== Logging stopped ===\n";
  FILE *file;
  int i;
  for (i = 1; i + 1 < argc; i++) {
    if (is_verbose_log_switch(argv[i])) {
      break;
    }
  }
  if (i + 1 >= argc) {
    fail("FAKE_INSTALLER_WRITE_LOG is set but no /l*v LOG argument", NULL);
  }
  file = fopen(argv[i + 1], "wb");
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

int main(int argc, char **argv) {
  uint32_t code;
  const char *value;

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

  if ((value = env("FAKE_INSTALLER_WRITE_LOG")) != NULL &&
      strcmp(value, "1") == 0) {
    write_verbose_log(argc, argv);
  }

  if ((value = env("FAKE_INSTALLER_MARKER")) != NULL) {
    write_text_atomically(value, "started\n");
  }

  os_sleep_ms(env_u32("FAKE_INSTALLER_SLEEP_MS", 0));

  if (os_exit_code_is_truncated() &&
      (value = env("MSIQ_SIM_EXIT_CODE_DIR")) != NULL) {
    write_full_exit_code(value, code);
  }

  os_exit(code);
  return 0; /* not reached */
}
