/* stamp_installer.c: the stand-in installer of the gate-latency benchmark
 * (tests/bench/run.sh, figure 6). As its first action it writes the wall
 * clock (CLOCK_REALTIME, "SECONDS.MICROSECONDS\n") to the file named by
 * BENCH_STAMP, then exits 0 at once. Starting it costs one exec, so the
 * time it records is when the dispatcher (or the 1 s polling loop it is
 * compared with) started the installer, to within a fraction of a
 * millisecond; the file's mtime would only be as precise as the kernel's
 * coarse clock tick. Arguments (the msiexec command line) are ignored. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  const char *path = getenv("BENCH_STAMP");
  if (path == NULL || path[0] == '\0') {
    return 0;
  }
  FILE *file = fopen(path, "w");
  if (file == NULL) {
    return 125;
  }
  fprintf(file, "%lld.%06ld\n", (long long)now.tv_sec, now.tv_nsec / 1000);
  return fclose(file) == 0 ? 0 : 125;
}
