/* mutex_churn.c: owns Global\_MSIExecute and lets it go and takes it back
 * at once, over and over, as Windows Installer does between the sequences of
 * a chained installation or a Burn bundle, to prove that msiq never stands
 * in the owner's way (tests/wine/mutex_churn.sh).
 *
 * usage: mutex_churn.exe COUNT DIRECTORY
 *
 * In DIRECTORY (files are looked for every 5 ms, at most 60 s each):
 *   1. creates "held" once it owns the mutex;
 *   2. waits for "go", then COUNT times holds the mutex for about 1 ms,
 *      releases it and takes it back with a zero-timeout wait: a re-take
 *      that does not succeed at once means something else had the mutex in
 *      that instant;
 *   3. creates "churned", waits for "release";
 *   4. writes "released" (the time, Unix seconds with microseconds) and
 *      releases the mutex for good.
 * The outcome goes to "result" ("ok COUNT", or "failed at re-take N of
 * COUNT: wait result R"), because exit codes seen through wine keep only
 * 8 bits; the exit code is 0, 1 when a re-take failed, 2 for bad usage or
 * an I/O error, 3 when a file did not appear in time.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#define CHURN_LONGEST_WAIT_MS 60000
#define CHURN_LOOK_EVERY_MS   5

static char directory[MAX_PATH];

static void churn_path(char *buffer, size_t size, const char *name) {
  snprintf(buffer, size, "%s\\%s", directory, name);
}

static int churn_write(const char *name, const char *text) {
  char path[MAX_PATH + 32];
  churn_path(path, sizeof path, name);
  FILE *file = fopen(path, "wb"); /* no CR: the test reads it on Linux */
  if (file == NULL) {
    fprintf(stderr, "mutex_churn: cannot create %s\n", path);
    return 2;
  }
  fputs(text, file);
  return fclose(file) == 0 ? 0 : 2;
}

static int churn_wait_for(const char *name) {
  char path[MAX_PATH + 32];
  churn_path(path, sizeof path, name);
  for (DWORD waited = 0; GetFileAttributesA(path) == INVALID_FILE_ATTRIBUTES;
       waited += CHURN_LOOK_EVERY_MS) {
    if (waited >= CHURN_LONGEST_WAIT_MS) {
      fprintf(stderr, "mutex_churn: %s did not appear\n", path);
      return 3;
    }
    Sleep(CHURN_LOOK_EVERY_MS);
  }
  return 0;
}

/* The time now as Unix seconds with microseconds, the clock Linux sees
 * under Wine, so the test can compare it with a file's modification time. */
static void churn_now(char *buffer, size_t size) {
  FILETIME now;
  GetSystemTimePreciseAsFileTime(&now);
  ULONGLONG ticks = ((ULONGLONG)now.dwHighDateTime << 32) | now.dwLowDateTime;
  ULONGLONG micro = ticks / 10 - 11644473600ULL * 1000000ULL;
  snprintf(buffer, size, "%llu.%06llu\n", micro / 1000000ULL,
           micro % 1000000ULL);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: mutex_churn COUNT DIRECTORY\n");
    return 2;
  }
  long count = strtol(argv[1], NULL, 10);
  snprintf(directory, sizeof directory, "%s", argv[2]);
  HANDLE mutex = CreateMutexW(NULL, FALSE, L"Global\\_MSIExecute");
  if (mutex == NULL) {
    fprintf(stderr, "mutex_churn: CreateMutex failed: %lu\n",
            (unsigned long)GetLastError());
    return 2;
  }
  DWORD waited = WaitForSingleObject(mutex, CHURN_LONGEST_WAIT_MS);
  if (waited != WAIT_OBJECT_0 && waited != WAIT_ABANDONED) {
    fprintf(stderr, "mutex_churn: could not own the mutex\n");
    CloseHandle(mutex);
    return 3;
  }
  int status = churn_write("held", "held\n");
  if (status == 0) {
    status = churn_wait_for("go");
  }
  char result[128];
  snprintf(result, sizeof result, "ok %ld\n", count);
  for (long round = 1; status == 0 && round <= count; round++) {
    Sleep(1);
    ReleaseMutex(mutex);
    DWORD retaken = WaitForSingleObject(mutex, 0);
    if (retaken != WAIT_OBJECT_0) {
      snprintf(result, sizeof result,
               "failed at re-take %ld of %ld: wait result %lu\n", round, count,
               (unsigned long)retaken);
      fputs(result, stderr);
      churn_write("result", result);
      CloseHandle(mutex); /* not the owner any more */
      return 1;
    }
  }
  if (status == 0) {
    status = churn_write("churned", "churned\n");
  }
  if (status == 0) {
    status = churn_wait_for("release");
  }
  char released[64];
  churn_now(released, sizeof released);
  if (status == 0) {
    status = churn_write("released", released);
  }
  ReleaseMutex(mutex);
  CloseHandle(mutex);
  if (status == 0) {
    status = churn_write("result", result);
  }
  return status;
}
