/* fuzz_arguments.c: the whole command-line tool (msiq_tool_main) on hostile
 * argument lists.
 *
 * Why the whole tool: the option tables are static to each tool_cmd_*.c, so
 * fuzzing tool_parser_next() alone would need a table of our own and miss
 * what each command does with its words (times, durations, ids, NAME=VALUE
 * properties, exit-code rules, JSON import). Running msiq_tool_main()
 * in-process covers the global parser, every command's parser and the
 * store behind it, at a few hundred runs per second.
 *
 * Input: a small script, one command line per line ('\n'), at most 8.
 * Words are separated by spaces, tabs, '\r' or NUL; '...' and "..." group
 * a word with spaces or newlines, as in sh (no escapes inside, so Windows
 * paths stay readable). Each line runs as `msiq WORDS...` against the same
 * database, so a script can enqueue, then cancel, retry or purge. Special
 * lines:
 *   @nodb   (first line only) start without a database, instead of the
 *           template queue that holds a few jobs in several states;
 *   ---     the rest of the input is standard input (for `import -`).
 * Inputs of more than 4096 bytes are rejected.
 *
 * Safety: the tool must not touch real queues or block.
 *   - MSIQ_DB names a database in a private temporary directory (on
 *     /dev/shm when it can, so fsync costs nothing), recreated from the
 *     template before each input; MSIQ_INSTALLER and the MSIQ_SIM_*
 *     variables are unset, so nothing can start an installer. The
 *     directory goes at exit; one left by a run that ended in a finding
 *     is removed by the next run (its pid file names a dead process).
 *   - An input is rejected (not run) if any word names a command that is
 *     not on the reviewed safe list below: `run`, `wait`, `exec` and
 *     `service` block or touch services, `log` reads a file a job names,
 *     and any command `msiq --help` lists that the list does not know is
 *     left out until someone checks it (the harness names them at start);
 *     if any word is `-w` or starts with `--wait` (enqueue --wait blocks)
 *     or `--db` (could create a database anywhere); or, on a line that
 *     mentions `import`, if any word has a '/' (import reads the file it
 *     is given: /dev/zero would never end). Relative names stay in the
 *     working directory, where import can only read what is there.
 *   - stdout goes to /dev/null. While the tool runs, the C library's
 *     `stderr` (a plain variable in glibc) points to a stream of our own
 *     (fopencookie), so the tool's messages are checked, not printed;
 *     libFuzzer and the sanitizers write to the real standard error.
 * Invariants: the exit code is one of the tool's (0-5); every message the
 * tool writes on stderr is one line that starts with "msiq: ", as
 * tool_msgs.c promises (it flushes after each message, and the stream is
 * fully buffered, so each write is one message); user text with a newline
 * must not split a message into lines that could pass for other messages
 * (skipped with MSIQ_FUZZ_ALLOW=cli-message-newline); every message is
 * UTF-8, whatever bytes the arguments held; after the script
 * the database, if any, opens and passes quick_check.
 */
/* fopencookie() is a GNU extension. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "store/store.h"
#include "cli/tool.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 8
#define MAX_WORDS 48

static char directory[512];
static char database_path[600];
static char stdin_path[600];
static unsigned char *template_bytes;
static size_t template_size;

/* Every file the harness or the tool makes in its directory. */
static const char *const directory_files[] = {
    "queue.db",
    "queue.db-wal",
    "queue.db-shm",
    "queue.db-journal",
    "queue.db.dispatcher.lock",
    "stdin",
    "pid",
};

static void remove_database(void) {
  char path[700];
  for (size_t i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s/%s", directory, directory_files[i]);
    unlink(path);
  }
}

/* Empties and removes dir; leaves it alone if it holds anything else. */
static void directory_remove(const char *dir) {
  char path[700];
  for (size_t i = 0; i < sizeof directory_files / sizeof directory_files[0];
       i++) {
    snprintf(path, sizeof path, "%s/%s", dir, directory_files[i]);
    unlink(path);
  }
  rmdir(dir);
}

static void cleanup_directory(void) {
  directory_remove(directory);
}

/* A finding ends the process before atexit() handlers run, so directories
 * of earlier runs may be left: remove those whose process is gone. */
static void remove_stale_directories(const char *base) {
  DIR *listing = opendir(base);
  if (listing == NULL) {
    return;
  }
  struct dirent *entry;
  while ((entry = readdir(listing)) != NULL) {
    if (strncmp(entry->d_name, "msiq-fuzz-", 10) != 0) {
      continue;
    }
    char dir[600];
    char path[700];
    snprintf(dir, sizeof dir, "%s/%s", base, entry->d_name);
    snprintf(path, sizeof path, "%s/pid", dir);
    FILE *file = fopen(path, "r");
    long pid = 0;
    if (file != NULL) {
      if (fscanf(file, "%ld", &pid) != 1) {
        pid = 0;
      }
      fclose(file);
    }
    if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
      directory_remove(dir);
    }
  }
  closedir(listing);
}

/* Commands reviewed as safe to fuzz: they neither block nor read files
 * named by their input (other than import's, which has its own rule). */
static const char *const safe_commands[] = {
    "enqueue", "import", "list",  "show",   "cancel", "retry",
    "pause",   "resume", "purge", "doctor", "status", "report",
};

/* Never run, whatever `msiq --help` says: they block (run, wait, exec
 * waits for its job, service) or read a file a job names (log). */
static const char *const unsafe_commands[] = {"run", "wait", "service", "exec",
                                              "log"};

/* Words that reject an input: the unsafe commands and every command that
 * `msiq --help` lists but safe_commands does not (a new command is not
 * fuzzed until someone has checked it and added it above). */
#define MAX_BLOCKED_COMMANDS 64
static char blocked_storage[MAX_BLOCKED_COMMANDS][32];
static const char *blocked_commands[MAX_BLOCKED_COMMANDS];
static size_t blocked_command_count;

static void block_command(const char *name) {
  for (size_t i = 0; i < blocked_command_count; i++) {
    if (strcmp(blocked_commands[i], name) == 0) {
      return;
    }
  }
  if (blocked_command_count < MAX_BLOCKED_COMMANDS) {
    snprintf(blocked_storage[blocked_command_count], sizeof blocked_storage[0],
             "%s", name);
    blocked_commands[blocked_command_count] =
        blocked_storage[blocked_command_count];
    blocked_command_count++;
  }
}

/* The process's stderr while the tool's is replaced. */
static FILE *real_stderr;

/* What run_tool() is running, for the message check. */
typedef struct message_check {
  const char *command;
  const char *argument;
} message_check;

/* Called with each message the tool flushes to stderr. */
static ssize_t message_write(void *cookie, const char *buffer, size_t size) {
  const message_check *check = cookie;
  const char *first_newline = memchr(buffer, '\n', size);
  const char *carriage_return = memchr(buffer, '\r', size);
  bool one_line = size >= 7 && memcmp(buffer, "msiq: ", 6) == 0 &&
                  first_newline == buffer + size - 1 && carriage_return == NULL;
  /* Whatever bytes the arguments held, the message is UTF-8: they are
   * refused or quoted as \xNN. */
  if (!fuzz_is_utf8(buffer, size)) {
    stderr = real_stderr;
    fuzz_fail("`msiq %s %s...` wrote a message on stderr that is not "
              "UTF-8: [%.*s]",
              check->command, check->argument, (int)size, buffer);
  }
  if (!one_line && !fuzz_allowed("cli-message-newline")) {
    /* fuzz_fail() reports on stderr: the real one again. */
    stderr = real_stderr;
    fuzz_fail("`msiq %s %s...` wrote a message on stderr that is not one "
              "line starting with \"msiq: \": [%.*s]",
              check->command, check->argument, (int)size, buffer);
  }
  return (ssize_t)size;
}

/* Runs `msiq WORDS...` with stderr checked. */
static int run_tool(int count, const char *const *words) {
  char *argv[MAX_WORDS + 2];
  argv[0] = (char *)"msiq";
  for (int i = 0; i < count; i++) {
    argv[i + 1] = (char *)words[i];
  }
  argv[count + 1] = NULL;
  message_check check = {count > 0 ? words[0] : "", count > 1 ? words[1] : ""};
  cookie_io_functions_t functions = {NULL, message_write, NULL, NULL};
  FILE *checked = fopencookie(&check, "w", functions);
  /* Larger than any message an input of 4096 bytes can cause, so only
   * the tool's fflush() after each message writes. */
  static char buffer[65536];
  if (checked == NULL || setvbuf(checked, buffer, _IOFBF, sizeof buffer) != 0) {
    fuzz_fail("cannot open the stderr check: %s", strerror(errno));
  }
  real_stderr = stderr;
  stderr = checked;
  int exit_code = msiq_tool_main(count + 1, argv);
  stderr = real_stderr;
  fclose(checked);
  fflush(stdout);
  return exit_code;
}

static unsigned char *file_read(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    fuzz_fail("cannot read %s: %s", path, strerror(errno));
  }
  unsigned char *bytes = NULL;
  size_t used = 0;
  size_t capacity = 0;
  for (;;) {
    if (used == capacity) {
      capacity = capacity != 0 ? capacity * 2 : 65536;
      unsigned char *grown = realloc(bytes, capacity);
      if (grown == NULL) {
        fuzz_fail("out of memory reading %s", path);
      }
      bytes = grown;
    }
    size_t got = fread(bytes + used, 1, capacity - used, file);
    used += got;
    if (got == 0) {
      break;
    }
  }
  fclose(file);
  *size = used;
  return bytes;
}

static void file_write(const char *path, const void *bytes, size_t size) {
  FILE *file = fopen(path, "wb");
  if (file == NULL || fwrite(bytes, 1, size, file) != size) {
    fuzz_fail("cannot write %s: %s", path, strerror(errno));
  }
  fclose(file);
}

/* Reads the command names from `msiq --help` and blocks those that are
 * not known to be safe. */
static void block_unreviewed_commands(void) {
  for (size_t i = 0; i < sizeof unsafe_commands / sizeof unsafe_commands[0];
       i++) {
    block_command(unsafe_commands[i]);
  }
  char *help = NULL;
  size_t help_size = 0;
  FILE *real_stdout = stdout;
  FILE *captured = open_memstream(&help, &help_size);
  if (captured == NULL) {
    fuzz_fail("cannot open a memory stream: %s", strerror(errno));
  }
  stdout = captured;
  static const char *const words[] = {"--help"};
  run_tool(1, words);
  stdout = real_stdout;
  fclose(captured);
  /* The lines after "Commands:" read "  NAME  summary" up to a blank one. */
  const char *cursor = strstr(help != NULL ? help : "", "Commands:\n");
  FUZZ_CHECK(cursor != NULL, "`msiq --help` lists no commands:\n%s", help);
  cursor = strchr(cursor, '\n') + 1;
  while (cursor[0] == ' ' && cursor[1] == ' ' && cursor[2] != ' ') {
    char name[32];
    size_t length = strcspn(cursor + 2, " \n");
    snprintf(name, sizeof name, "%.*s", (int)length, cursor + 2);
    bool safe = false;
    for (size_t i = 0; i < sizeof safe_commands / sizeof safe_commands[0];
         i++) {
      safe = safe || strcmp(name, safe_commands[i]) == 0;
    }
    if (!safe) {
      block_command(name);
    }
    const char *end = strchr(cursor, '\n');
    if (end == NULL) {
      break;
    }
    cursor = end + 1;
  }
  free(help);
  fprintf(stderr, "fuzz_arguments: never runs these commands:");
  for (size_t i = 0; i < blocked_command_count; i++) {
    fprintf(stderr, " %s", blocked_commands[i]);
  }
  fprintf(stderr, "\n");
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *base = getenv("MSIQ_FUZZ_TMPDIR");
  struct stat info;
  if (base == NULL || base[0] == '\0') {
    base = stat("/dev/shm", &info) == 0 && access("/dev/shm", W_OK) == 0
               ? "/dev/shm"
               : getenv("TMPDIR");
  }
  if (base == NULL || base[0] == '\0') {
    base = "/tmp";
  }
  remove_stale_directories(base);
  snprintf(directory, sizeof directory, "%s/msiq-fuzz-XXXXXX", base);
  if (mkdtemp(directory) == NULL) {
    fuzz_fail("cannot create a directory under %s: %s", base, strerror(errno));
  }
  snprintf(database_path, sizeof database_path, "%s/queue.db", directory);
  snprintf(stdin_path, sizeof stdin_path, "%s/stdin", directory);
  atexit(cleanup_directory);
  char pid_path[700];
  char pid_text[32];
  snprintf(pid_path, sizeof pid_path, "%s/pid", directory);
  snprintf(pid_text, sizeof pid_text, "%ld\n", (long)getpid());
  file_write(pid_path, pid_text, strlen(pid_text));

  setenv("MSIQ_DB", database_path, 1);
  static const char *const unset[] = {
      "MSIQ_INSTALLER",          "MSIQ_SIM_MUTEX",     "MSIQ_SIM_SERVICE",
      "MSIQ_SIM_EXIT_CODE_DIR",  "MSIQ_SIM_BOOT_TIME", "MSIQ_SIM_EVENT_LOG",
      "MSIQ_SIM_REBOOT_PENDING",
  };
  for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
    unsetenv(unset[i]);
  }
  block_unreviewed_commands();
  if (freopen("/dev/null", "w", stdout) == NULL ||
      freopen("/dev/null", "r", stdin) == NULL) {
    fuzz_fail("cannot redirect stdout and stdin: %s", strerror(errno));
  }

  /* The template: a queued job with properties, a second one waiting for
   * it, one cancelled and one uninstall by product code, so that show,
   * list, cancel, retry and purge find something. */
  static const char *const setup[][8] = {
      {"enqueue", "--no-check", "-k", "first", "C:\\pkg\\a.msi", "A=1",
       "B=two words", NULL},
      {"enqueue", "--no-check", "--after", "1", "--timeout", "15m",
       "C:\\pkg\\b.msi", NULL},
      {"enqueue", "--no-check", "-a", "patch", "C:\\pkg\\c.msp", NULL},
      {"cancel", "3", NULL},
      {"enqueue", "-a", "uninstall", "{12345678-1234-1234-1234-123456789ABC}",
       NULL},
      {"pause", "-r", "maintenance", NULL},
      {"resume", NULL},
  };
  for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
    int count = 0;
    while (count < 8 && setup[i][count] != NULL) {
      count++;
    }
    int exit_code = run_tool(count, setup[i]);
    if (exit_code != 0) {
      fuzz_fail("template command %lu (%s) exited %d", (unsigned long)i,
                setup[i][0], exit_code);
    }
  }
  template_bytes = file_read(database_path, &template_size);
  return 0;
}

/* The script of one input: up to MAX_LINES command lines of words. */
typedef struct script {
  int line_count;
  int word_counts[MAX_LINES];
  const char *words[MAX_LINES][MAX_WORDS];
  char *storage; /* every word, NUL-terminated */
} script;

static bool character_separates_words(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

/* Splits text into lines and words (see the header comment): a newline
 * outside quotes ends a command line; inside quotes it is part of the
 * word, as in sh. */
static void script_parse(const char *text, size_t length, script *parsed) {
  memset(parsed, 0, sizeof *parsed);
  /* Every word takes at most its bytes and a NUL, and words are
   * separated, so length + 1 bytes hold them all. */
  parsed->storage = fuzz_alloc(length + 1);
  size_t used = 0;
  size_t i = 0;
  int line = 0;
  while (i < length && line < MAX_LINES) {
    char c = text[i];
    if (c == '\n') {
      line++;
      i++;
      continue;
    }
    if (character_separates_words(c)) {
      i++;
      continue;
    }
    if (parsed->word_counts[line] == MAX_WORDS) {
      i++;
      continue;
    }
    parsed->words[line][parsed->word_counts[line]++] = parsed->storage + used;
    char quote = 0;
    while (i < length) {
      c = text[i];
      if (quote != 0) {
        i++;
        if (c == quote) {
          quote = 0;
        } else if (c != '\0') {
          parsed->storage[used++] = c;
        }
        continue;
      }
      if (character_separates_words(c) || c == '\n') {
        break;
      }
      i++;
      if (c == '\'' || c == '"') {
        quote = c;
      } else {
        parsed->storage[used++] = c;
      }
    }
    parsed->storage[used++] = '\0';
  }
  parsed->line_count = line < MAX_LINES ? line + 1 : MAX_LINES;
}

static bool word_is_blocked(const char *word, bool mentions_import) {
  for (size_t i = 0; i < blocked_command_count; i++) {
    if (strcmp(word, blocked_commands[i]) == 0) {
      return true;
    }
  }
  return strcmp(word, "-w") == 0 || strncmp(word, "--wait", 6) == 0 ||
         strncmp(word, "--db", 4) == 0 ||
         (mentions_import && strchr(word, '/') != NULL);
}

/* Finds the "---" line that starts standard input; returns the length of
 * the script before it (all of text when there is none). */
static size_t script_length(const char *text, size_t size,
                            const char **stdin_text, size_t *stdin_size) {
  *stdin_text = NULL;
  *stdin_size = 0;
  for (size_t i = 0; i + 3 <= size; i++) {
    if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "---", 3) == 0 &&
        (i + 3 == size || text[i + 3] == '\n')) {
      size_t start = i + 3 < size ? i + 4 : size;
      *stdin_text = text + start;
      *stdin_size = size - start;
      return i;
    }
  }
  return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) {
    return -1;
  }
  const char *text = (const char *)data;
  const char *stdin_text = NULL;
  size_t stdin_size = 0;
  size_t length = script_length(text, size, &stdin_text, &stdin_size);
  bool fresh = false;
  if (length >= 5 && memcmp(text, "@nodb", 5) == 0 &&
      (length == 5 || text[5] == '\n')) {
    fresh = true;
    text += length == 5 ? 5 : 6;
    length -= length == 5 ? 5 : 6;
  }
  script parsed;
  script_parse(text, length, &parsed);

  bool rejected = false;
  for (int l = 0; l < parsed.line_count; l++) {
    bool mentions_import = false;
    for (int w = 0; w < parsed.word_counts[l]; w++) {
      if (strcmp(parsed.words[l][w], "import") == 0) {
        mentions_import = true;
      }
    }
    for (int w = 0; w < parsed.word_counts[l]; w++) {
      if (word_is_blocked(parsed.words[l][w], mentions_import)) {
        rejected = true;
      }
    }
  }

  if (!rejected) {
    remove_database();
    if (!fresh) {
      file_write(database_path, template_bytes, template_size);
    }
    file_write(stdin_path, stdin_text != NULL ? stdin_text : "", stdin_size);
    if (freopen(stdin_path, "rb", stdin) == NULL) {
      fuzz_fail("cannot reopen stdin: %s", strerror(errno));
    }
    for (int l = 0; l < parsed.line_count; l++) {
      int exit_code = run_tool(parsed.word_counts[l], parsed.words[l]);
      FUZZ_CHECK(exit_code >= 0 && exit_code <= 5,
                 "line %d exited %d, not one of the tool's codes", l + 1,
                 exit_code);
    }
    struct stat info;
    if (stat(database_path, &info) == 0) {
      msiq_store *store = NULL;
      msiq_diag diag = {{0}};
      FUZZ_CHECK(msiq_store_open(database_path, 0, &store, &diag) == MSIQ_OK,
                 "the queue no longer opens: %s", diag.message);
      char problem[256];
      FUZZ_CHECK(msiq_store_quick_check(store, problem, sizeof problem,
                                        &diag) == MSIQ_OK &&
                     problem[0] == '\0',
                 "the queue fails quick_check: %s %s", problem, diag.message);
      msiq_store_close(store);
    }
  }
  free(parsed.storage);
  return rejected ? -1 : 0;
}
