/* bench_pick.c: times the dispatcher's "choose the next job" step on an
 * existing queue, through the store's own API (msiq_core), exactly as
 * dispatcher_on_check does it: msiq_store_fail_unrunnable (deadlines and
 * failed dependencies, one BEGIN IMMEDIATE transaction) and then
 * msiq_store_pick_next, with the same prepared-statement cache the
 * dispatcher keeps for its connection.
 *
 * Not part of the build or of ctest: tests/bench/run.sh compiles it by
 * hand against build/native/src/lib*.a (see docs/performance.md), with
 * -DBENCH_FAIL_UNRUNNABLE_VISITOR when msiq_store_fail_unrunnable (in
 * store_dispatch.h, formerly store.h) takes a visitor for the jobs it fails.
 *
 *   bench_pick DATABASE [ITERATIONS [WARMUP [BUDGET_MS]]]
 *
 * Prints one line of key=value pairs, times in microseconds per check:
 *   iterations=N found=0|1 id=ID
 *   fail_median_us=.. fail_max_us=.. pick_median_us=.. pick_max_us=..
 *   check_median_us=.. check_mean_us=.. check_p99_us=.. check_max_us=..
 * "check" is fail_unrunnable + pick_next, the cost the target is about.
 * The first WARMUP checks (default 20) warm the statement cache and
 * SQLite's page cache and are not counted. A slow check does not make the
 * run endless: warming up stops after a quarter of BUDGET_MS (default
 * 3000), and timing stops once BUDGET_MS have passed and at least 10 checks
 * were timed; "iterations" says how many were. The database is only read
 * (fail_unrunnable changes nothing on a queue without deadlines or failed
 * dependencies).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/host.h"
#include "store/store.h"
#include "store/store_dispatch.h"

static double bench_now_us(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e6 + (double)now.tv_nsec / 1e3;
}

static int bench_compare(const void *a, const void *b) {
  double x = *(const double *)a;
  double y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts values in place; returns the q-quantile (nearest rank). */
static double bench_quantile(double *values, size_t count, double q) {
  qsort(values, count, sizeof *values, bench_compare);
  size_t index = (size_t)(q * (double)(count - 1) + 0.5);
  return values[index];
}

static double bench_mean(const double *values, size_t count) {
  double sum = 0;
  for (size_t i = 0; i < count; i++) {
    sum += values[i];
  }
  return sum / (double)count;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 5) {
    fprintf(stderr,
            "usage: bench_pick DATABASE [ITERATIONS [WARMUP [BUDGET_MS]]]\n");
    return 2;
  }
  long iterations = argc >= 3 ? strtol(argv[2], NULL, 10) : 2000;
  long warmup = argc >= 4 ? strtol(argv[3], NULL, 10) : 20;
  double budget_us = (argc >= 5 ? strtod(argv[4], NULL) : 3000.0) * 1000.0;
  if (iterations < 1 || warmup < 0) {
    fprintf(stderr, "bench_pick: ITERATIONS must be at least 1, WARMUP at "
                    "least 0\n");
    return 2;
  }
  msiq_diag diag;
  memset(&diag, 0, sizeof diag);
  msiq_store *store = NULL;
  if (msiq_store_open(argv[1], 0, &store, &diag) != MSIQ_OK) {
    fprintf(stderr, "bench_pick: %s\n", diag.message);
    return 1;
  }
  size_t count = (size_t)iterations;
  double *fail = malloc(count * sizeof *fail);
  double *pick = malloc(count * sizeof *pick);
  double *check = malloc(count * sizeof *check);
  if (fail == NULL || pick == NULL || check == NULL) {
    fprintf(stderr, "bench_pick: out of memory\n");
    return 1;
  }
  bool found = false;
  int64_t id = 0;
  int64_t failed_total = 0;
  double started = bench_now_us();
  size_t timed = 0;
  for (long i = -warmup; i < iterations; i++) {
    double elapsed = bench_now_us() - started;
    if (i < 0 && elapsed > budget_us / 4) {
      i = -1; /* enough warming up: the next check is timed */
      continue;
    }
    if (i >= 10 && elapsed > budget_us) {
      break;
    }
    if (i == 0) {
      started = bench_now_us();
    }
    int64_t now = msiq_host_now_ms();
    int64_t failed = 0;
    msiq_state state = MSIQ_STATE_QUEUED;
    double t0 = bench_now_us();
#ifdef BENCH_FAIL_UNRUNNABLE_VISITOR
    int status =
        msiq_store_fail_unrunnable(store, now, &failed, NULL, NULL, &diag);
#else
    int status = msiq_store_fail_unrunnable(store, now, &failed, &diag);
#endif
    double t1 = bench_now_us();
    if (status == MSIQ_OK) {
      status = msiq_store_pick_next(store, now, &id, &state, &found, &diag);
    }
    double t2 = bench_now_us();
    if (status != MSIQ_OK) {
      fprintf(stderr, "bench_pick: %s\n", diag.message);
      return 1;
    }
    failed_total += failed;
    if (i >= 0) {
      fail[i] = t1 - t0;
      pick[i] = t2 - t1;
      check[i] = t2 - t0;
      timed = (size_t)i + 1;
    }
  }
  count = timed;
  iterations = (long)timed;
  /* Each quantile call sorts its array, so the maxima are read after. */
  double fail_median = bench_quantile(fail, count, 0.5);
  double fail_max = fail[count - 1];
  double pick_median = bench_quantile(pick, count, 0.5);
  double pick_max = pick[count - 1];
  double check_mean = bench_mean(check, count);
  double check_p99 = bench_quantile(check, count, 0.99);
  double check_median = bench_quantile(check, count, 0.5);
  double check_max = check[count - 1];
  printf("iterations=%ld found=%d id=%lld failed=%lld "
         "fail_median_us=%.1f fail_max_us=%.1f "
         "pick_median_us=%.1f pick_max_us=%.1f "
         "check_median_us=%.1f check_mean_us=%.1f check_p99_us=%.1f "
         "check_max_us=%.1f\n",
         iterations, found ? 1 : 0, (long long)(found ? id : 0),
         (long long)failed_total, fail_median, fail_max, pick_median, pick_max,
         check_median, check_mean, check_p99, check_max);
  free(fail);
  free(pick);
  free(check);
  msiq_store_close(store);
  return 0;
}
