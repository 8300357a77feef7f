/* sim_mutex.c: holds, churns and probes the POSIX simulation's installer
 * mutex, the file named by MSIQ_SIM_MUTEX (docs/testing.md).
 *
 * The simulated Global\_MSIExecute is held while some open file description
 * (OFD) holds a write lock on that whole file. msiq only asks, with
 * F_OFD_GETLK, whether it could lock the file, and never locks it, so a
 * holder may release and re-take the lock at any moment without finding
 * msiq in its way. The `flock` command cannot stand in for a holder: on
 * Linux flock() and fcntl() locks do not see each other.
 *
 *   sim_mutex hold FILE [OPTIONS]
 *       Takes the lock (waiting while another holder has it), holds it,
 *       releases it.
 *   sim_mutex churn FILE COUNT [OPTIONS]
 *       Takes the lock, then COUNT times holds it for 1 ms, releases it and
 *       re-takes it at once without waiting, as Windows Installer does
 *       between the sequences of a chained installation. Exits 1 the first
 *       time a re-take fails, that is when anything else had locked the file
 *       in that instant. Then holds and releases it like `hold`.
 *   sim_mutex probe FILE
 *       Exits 0 when the simulated mutex is free, 1 when it is held, asking
 *       the way msiq does (a missing file is free).
 *
 * Options:
 *   --ready FILE     created once the lock is held
 *   --go FILE        churn: waits for FILE to exist before churning
 *   --churned FILE   churn: created after the last re-take
 *   --until FILE     releases once FILE exists (looked for every 2 ms)
 *   --for MS         releases after MS milliseconds
 *   --released FILE  written with the time of the release (Unix seconds with
 *                    microseconds), just before the lock is released
 * Without --until or --for the lock is released at once. No wait lasts
 * longer than 60 s (exit 3), so a test that dies leaves no holder behind.
 * Exit 2: bad usage or an I/O error.
 */
/* F_OFD_SETLK and friends are Linux's: glibc declares them with
 * _GNU_SOURCE. */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef F_OFD_SETLK
#define SIM_SETLK F_OFD_SETLK
#define SIM_GETLK F_OFD_GETLK
#else
/* POSIX record locks: the same answers between processes. */
#define SIM_SETLK F_SETLK
#define SIM_GETLK F_GETLK
#endif

#define SIM_LONGEST_WAIT_MS 60000
#define SIM_CHURN_HOLD_MS   1
#define SIM_LOOK_EVERY_MS   2

enum { SIM_OK = 0, SIM_FAILED = 1, SIM_USAGE = 2, SIM_TIMEOUT = 3 };

typedef struct sim_options {
  const char *ready;
  const char *go;
  const char *churned;
  const char *until;
  const char *released;
  long hold_ms; /* -1: not given */
} sim_options;

static void sim_sleep_ms(long ms) {
  struct timespec request = {ms / 1000, (ms % 1000) * 1000000L};
  struct timespec remaining;
  while (nanosleep(&request, &remaining) != 0 && errno == EINTR) {
    request = remaining;
  }
}

static long long sim_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* fcntl on the whole file; type is F_WRLCK or F_UNLCK. */
static int sim_lock(int fd, int command, short type) {
  struct flock lock;
  memset(&lock, 0, sizeof lock); /* l_pid must be 0 for the OFD commands */
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  int status;
  do {
    status = fcntl(fd, command, &lock);
  } while (status != 0 && errno == EINTR);
  return status;
}

static int sim_touch(const char *path) {
  FILE *file = fopen(path, "w");
  if (file == NULL || fclose(file) != 0) {
    fprintf(stderr, "sim_mutex: cannot create %s: %s\n", path, strerror(errno));
    return SIM_USAGE;
  }
  return SIM_OK;
}

/* Takes the lock, waiting (bounded) while another holder has it. */
static int sim_take(int fd, const char *path) {
  long long end = sim_now_ms() + SIM_LONGEST_WAIT_MS;
  while (sim_lock(fd, SIM_SETLK, F_WRLCK) != 0) {
    if (errno != EAGAIN && errno != EACCES) {
      fprintf(stderr, "sim_mutex: cannot lock %s: %s\n", path, strerror(errno));
      return SIM_USAGE;
    }
    if (sim_now_ms() >= end) {
      fprintf(stderr, "sim_mutex: %s stayed locked for %d ms\n", path,
              SIM_LONGEST_WAIT_MS);
      return SIM_TIMEOUT;
    }
    sim_sleep_ms(SIM_LOOK_EVERY_MS);
  }
  return SIM_OK;
}

static int sim_wait_for_file(const char *path) {
  long long end = sim_now_ms() + SIM_LONGEST_WAIT_MS;
  while (access(path, F_OK) != 0) {
    if (sim_now_ms() >= end) {
      fprintf(stderr, "sim_mutex: %s did not appear within %d ms\n", path,
              SIM_LONGEST_WAIT_MS);
      return SIM_TIMEOUT;
    }
    sim_sleep_ms(SIM_LOOK_EVERY_MS);
  }
  return SIM_OK;
}

/* Holds as the options say, then writes --released and releases. */
static int sim_hold_then_release(int fd, const sim_options *options) {
  int status = SIM_OK;
  if (options->until != NULL) {
    status = sim_wait_for_file(options->until);
  } else if (options->hold_ms >= 0) {
    sim_sleep_ms(options->hold_ms < SIM_LONGEST_WAIT_MS ? options->hold_ms
                                                        : SIM_LONGEST_WAIT_MS);
  }
  if (options->released != NULL) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    FILE *file = fopen(options->released, "w");
    if (file == NULL) {
      fprintf(stderr, "sim_mutex: cannot create %s: %s\n", options->released,
              strerror(errno));
      status = SIM_USAGE;
    } else {
      fprintf(file, "%lld.%06ld\n", (long long)now.tv_sec, now.tv_nsec / 1000);
      fclose(file);
    }
  }
  sim_lock(fd, SIM_SETLK, F_UNLCK);
  return status;
}

static int sim_churn(int fd, const char *path, long count) {
  for (long round = 1; round <= count; round++) {
    sim_sleep_ms(SIM_CHURN_HOLD_MS);
    if (sim_lock(fd, SIM_SETLK, F_UNLCK) != 0) {
      fprintf(stderr, "sim_mutex: cannot release %s: %s\n", path,
              strerror(errno));
      return SIM_USAGE;
    }
    if (sim_lock(fd, SIM_SETLK, F_WRLCK) != 0) {
      fprintf(stderr,
              "sim_mutex: re-take %ld of %ld failed: something else locked "
              "%s in the instant it was free (%s)\n",
              round, count, path, strerror(errno));
      return SIM_FAILED;
    }
  }
  return SIM_OK;
}

static int sim_probe(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return SIM_OK;
  }
  struct flock lock;
  memset(&lock, 0, sizeof lock);
  lock.l_type = F_RDLCK;
  lock.l_whence = SEEK_SET;
  int held = fcntl(fd, SIM_GETLK, &lock) != 0 || lock.l_type != F_UNLCK;
  close(fd);
  return held ? SIM_FAILED : SIM_OK;
}

static int sim_usage(void) {
  fprintf(stderr,
          "usage: sim_mutex hold FILE [OPTIONS]\n"
          "       sim_mutex churn FILE COUNT [OPTIONS]\n"
          "       sim_mutex probe FILE\n"
          "options: --ready FILE --go FILE --churned FILE --until FILE\n"
          "         --for MS --released FILE\n");
  return SIM_USAGE;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    return sim_usage();
  }
  const char *command = argv[1];
  const char *path = argv[2];
  if (strcmp(command, "probe") == 0) {
    return argc == 3 ? sim_probe(path) : sim_usage();
  }
  int first_option = 3;
  long count = 0;
  if (strcmp(command, "churn") == 0) {
    char *end = NULL;
    count = argc > 3 ? strtol(argv[3], &end, 10) : -1;
    if (count < 0 || end == NULL || *end != '\0') {
      return sim_usage();
    }
    first_option = 4;
  } else if (strcmp(command, "hold") != 0) {
    return sim_usage();
  }
  sim_options options = {NULL, NULL, NULL, NULL, NULL, -1};
  for (int index = first_option; index < argc; index += 2) {
    if (index + 1 >= argc) {
      return sim_usage();
    }
    const char *name = argv[index];
    const char *value = argv[index + 1];
    if (strcmp(name, "--ready") == 0) {
      options.ready = value;
    } else if (strcmp(name, "--go") == 0) {
      options.go = value;
    } else if (strcmp(name, "--churned") == 0) {
      options.churned = value;
    } else if (strcmp(name, "--until") == 0) {
      options.until = value;
    } else if (strcmp(name, "--released") == 0) {
      options.released = value;
    } else if (strcmp(name, "--for") == 0) {
      options.hold_ms = strtol(value, NULL, 10);
    } else {
      return sim_usage();
    }
  }

  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "sim_mutex: cannot open %s: %s\n", path, strerror(errno));
    return SIM_USAGE;
  }
  int status = sim_take(fd, path);
  if (status != SIM_OK) {
    goto cleanup;
  }
  if (options.ready != NULL && (status = sim_touch(options.ready)) != SIM_OK) {
    goto cleanup;
  }
  if (count > 0) {
    if (options.go != NULL &&
        (status = sim_wait_for_file(options.go)) != SIM_OK) {
      goto cleanup;
    }
    if ((status = sim_churn(fd, path, count)) != SIM_OK) {
      goto cleanup;
    }
    if (options.churned != NULL &&
        (status = sim_touch(options.churned)) != SIM_OK) {
      goto cleanup;
    }
  }
  status = sim_hold_then_release(fd, &options);

cleanup:
  close(fd); /* releases the lock if it is still held */
  return status;
}
