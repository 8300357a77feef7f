#!/usr/bin/env bash
# tests/bench/purge_enqueue.sh: how long an enqueue waits while `msiq
# purge` deletes a large history (issue 15, item 2: purge deletes in
# batches so that an enqueue never waits more than about a second). Prints
# figures; checks nothing. Run on demand, on the native build:
#
#   bash tests/bench/purge_enqueue.sh
#   PURGE_JOBS=200000 bash tests/bench/purge_enqueue.sh
#   PURGE_BUILD_DIR=/path/to/other/build bash tests/bench/purge_enqueue.sh
#
# Each run: a queue with PURGE_JOBS finished jobs (a day old, one attempt
# each; tests/bench/bench_data.py), then `msiq purge --older-than 1h` in the
# background while one process after another enqueues a job and times
# itself (one msiq process per enqueue, as a script would). Per run it
# prints the purge's duration, the number of enqueues made during it, and
# their median and longest wall time. docs/reliability.md has the figures.
#
# Settings (environment):
#   PURGE_JOBS=100000     finished jobs in the history
#   PURGE_RUNS=3          runs
#   PURGE_BUILD_DIR=build/native  where msiq is built
#   PURGE_WORK=DIR        work directory (default: a new /tmp/msiq-purge.*)
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JOBS=${PURGE_JOBS:-100000}
RUNS=${PURGE_RUNS:-3}
BUILD_DIR=${PURGE_BUILD_DIR:-$ROOT/build/native}
MSIQ=$BUILD_DIR/src/msiq
WORK=${PURGE_WORK:-$(mktemp -d /tmp/msiq-purge.XXXXXX)}
mkdir -p "$WORK"
chmod 700 "$WORK"
purge_pid=
cleanup() {
  if [ -n "$purge_pid" ]; then kill "$purge_pid" 2>/dev/null || true; fi
  if [ -z "${PURGE_WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ -x "$MSIQ" ] || { echo "no msiq at $MSIQ (build it first)" >&2; exit 1; }

now_us() {
  echo "${EPOCHREALTIME/./}"
}

echo "purge of $JOBS finished jobs beside enqueues ($MSIQ)"
for ((run = 1; run <= RUNS; run++)); do
  db=$WORK/run-$run.db
  rm -f "$db" "$db-wal" "$db-shm"
  "$MSIQ" --db "$db" enqueue --no-check /srv/seed.msi >/dev/null
  python3 "$ROOT/tests/bench/bench_data.py" fill "$db" "$JOBS" succeeded
  : >"$WORK/latencies"
  start=$(now_us)
  "$MSIQ" --db "$db" purge --older-than 1h >"$WORK/purge.out" &
  purge_pid=$!
  i=0
  while kill -0 "$purge_pid" 2>/dev/null; do
    i=$((i + 1))
    before=$(now_us)
    "$MSIQ" --db "$db" enqueue --no-check "/srv/during-$i.msi" >/dev/null
    after=$(now_us)
    echo $(((after - before) / 1000)) >>"$WORK/latencies"
  done
  wait "$purge_pid"
  purge_pid=
  end=$(now_us)
  count=$(wc -l <"$WORK/latencies")
  median=$(sort -n "$WORK/latencies" | awk '{a[NR] = $1} END {print (NR ? a[int((NR + 1) / 2)] : 0)}')
  longest=$(sort -n "$WORK/latencies" | tail -n 1)
  printf 'run %d: %s in %d ms; %d enqueues during it, median %s ms, longest %s ms\n' \
    "$run" "$(cat "$WORK/purge.out")" $(((end - start) / 1000)) "$count" "$median" "${longest:-0}"
done
