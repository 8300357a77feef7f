/* stamp_installer.c: the stand-in installer of the latency benchmarks
 * (tests/bench/run.sh, figures 6 and 8). As its first action it writes the
 * wall clock (CLOCK_REALTIME, "SECONDS.MICROSECONDS\n") to the file named
 * by BENCH_STAMP. Starting it costs one exec, so the time it records is when
 * the dispatcher (or the 1 s polling loop it is compared with) started the
 * installer, to within a fraction of a millisecond; the file's mtime would
 * only be as precise as the kernel's coarse clock tick. Arguments (the
 * msiexec command line) are ignored.
 *
 *   BENCH_STAMP=FILE        where the time goes (nothing is written without)
 *   BENCH_STAMP_APPEND=1    append a line instead of replacing the file, so
 *                           that one file holds a stamp per invocation
 *   BENCH_PROTOCOL=1        play the worker (docs/engine.md): right after
 *                           the stamp say "hello<TAB>1<TAB>PID" on standard
 *                           output, read the request from standard input up
 *                           to its "start" line, then send "result<TAB>0"
 *                           and exit 0, as `msiq --worker` does for an
 *                           installation that succeeds at once. The stamp is
 *                           then the moment the worker says hello. If
 *                           the input ends before "start" it exits 125.
 *
 * Without BENCH_PROTOCOL it exits 0 at once. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int stamp(const struct timespec *now) {
  const char *path = getenv("BENCH_STAMP");
  if (path == NULL || path[0] == '\0') {
    return 0;
  }
  const char *append = getenv("BENCH_STAMP_APPEND");
  FILE *file =
      fopen(path, append != NULL && strcmp(append, "1") == 0 ? "a" : "w");
  if (file == NULL) {
    return 125;
  }
  fprintf(file, "%lld.%06ld\n", (long long)now->tv_sec, now->tv_nsec / 1000);
  return fclose(file) == 0 ? 0 : 125;
}

/* The worker's side of a successful job: hello, the request, result 0. */
static int play_worker(void) {
  char line[8192];
  int length = snprintf(line, sizeof line, "hello\t1\t%ld\n", (long)getpid());
  if (write(STDOUT_FILENO, line, (size_t)length) != length) {
    return 125;
  }
  while (fgets(line, sizeof line, stdin) != NULL) {
    if (strcmp(line, "start\n") == 0) {
      static const char result[] = "result\t0\n";
      ssize_t written = write(STDOUT_FILENO, result, sizeof result - 1);
      return written == (ssize_t)(sizeof result - 1) ? 0 : 125;
    }
  }
  /* The input ended before "start": nothing to install, as the worker
   * refuses a request it cannot use. */
  return 125;
}

int main(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int status = stamp(&now);
  const char *protocol = getenv("BENCH_PROTOCOL");
  if (status == 0 && protocol != NULL && strcmp(protocol, "1") == 0) {
    status = play_worker();
  }
  return status;
}
