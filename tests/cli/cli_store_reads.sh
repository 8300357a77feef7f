#!/usr/bin/env bash
# cli_store_reads.sh: the reads of issue 16 through the binary. `list
# --json` writes row by row and still prints exactly the array of the jobs'
# objects (`[]` for an empty queue, the `show --json` objects in id order,
# filtered by --state); the text list streams with its header; `status
# --json` counts (kept by triggers) equal what counting the jobs finds after
# enqueue, cancel, dispatch outcomes, retry and purge; and a purge of a
# large history lets an enqueue from another process in while it runs,
# deletes every old finished job and leaves a consistent database.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms --retry-base 100ms --retry-max 200ms)

have_python=false
if command -v python3 >/dev/null 2>&1; then have_python=true; fi

# sql QUERY: the rows of QUERY on $MSIQ_DB, one per line, columns joined by
# '|' (python3's sqlite3, a connection of its own).
sql() {
  python3 -c 'import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for row in con.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))' "$MSIQ_DB" "$1"
}

# check_counts DESCRIPTION: `status --json`'s counts equal COUNT(*) by state.
check_counts() {
  local kept counted
  kept=$(msiq --json status | jq -r '.counts | [.queued, .running, .retrying, .succeeded, .failed, .cancelled] | map(tostring) | join(" ")')
  counted=$(sql "SELECT $(for s in queued running retrying succeeded failed cancelled; do
    printf "(SELECT count(*) FROM job WHERE state = '%s')," "$s"
  done | sed 's/,$//')" | tr '|' ' ')
  check_equal "$kept" "$counted" "$1: status counts equal the jobs counted"
}

# ---------------------------------------------------------------------------
# 1. An empty queue: the array is exactly [].
begin_section empty
run_drain
check_equal "$drain_status" "0" "empty: run --drain creates the queue"
run --json list
check_status 0 "empty: list --json exits 0"
check_equal "$out" "[]" "empty: list --json prints []"
run --json list --state queued
check_equal "$out" "[]" "empty: list --json --state queued prints []"
run list
check_equal "$out" "$(printf '%-6s %-9s %-9s %8s %7s %-6s %-8s %s' ID STATE ACTION PRIORITY TRIES EXIT PROGRESS TARGET)" \
  "empty: list prints its header only"

# ---------------------------------------------------------------------------
# 2. A few jobs: the array is the show --json objects in id order.
begin_section small
export FAKE_INSTALLER_CODES="$sec/codes"
export MSIQ_SIM_MUTEX="$sec/mutex"
app=$(pkg app)
j1=$(enqueue --priority 2 "$app" ALLUSERS=1 'DIR=C:\Program Files\A "b"')
j2=$(enqueue --exit-code 42=success --key k2 "$app")
j3=$(enqueue --after "$j1" -a uninstall "$app")
run cancel "$j2"
check_status 0 "small: cancel"
run --json list
check_status 0 "small: list --json exits 0"
list_json=$out
# (show --json adds the attempt history, which the list has not.)
expected=$(for j in "$j1" "$j2" "$j3"; do msiq --json show "$j"; done | jq -s -c 'map(del(.history))')
check_equal "$(jq_of "$list_json" '.' | jq -c .)" "$expected" "small: list --json is the show --json objects in id order"
check_equal "$(jq_of "$list_json" 'length')" "3" "small: the array parses and has three jobs"
run --json list --state queued
check_equal "$out" "$(jq_of "$list_json" '[.[] | select(.state == "queued")]' | jq -c .)" \
  "small: --state queued is the queued jobs of the whole list"
run --json list --state cancelled
check_equal "$(jq_of "$out" '[.[] | .id] | map(tostring) | join(" ")')" "$j2" "small: --state cancelled lists the cancelled job"
run list --state queued
check_equal "$(printf '%s\n' "$out" | awk 'NR > 1 { print $1 }' | tr '\n' ' ')" "$j1 $j3 " \
  "small: the text list --state queued has the queued jobs in id order"
if $have_python; then
  check_counts "small: after enqueue and cancel"
  # Outcomes: j1 succeeds, j3 (after j1) fails, one more is retried once.
  j4=$(enqueue "$app")
  echo "0 1603 1618 0" >"$FAKE_INSTALLER_CODES"
  run_drain
  check_equal "$drain_status" "0" "small: run --drain"
  check_equal "$(msiq --json show "$j4" | jq -r .state)" "succeeded" "small: the retried job succeeded"
  check_counts "small: after the dispatcher's outcomes"
  run retry "$j3"
  check_status 0 "small: retry the failed job"
  check_counts "small: after retry"
  run purge --older-than 1ms
  check_status 0 "small: purge"
  check_counts "small: after purge"
fi

# ---------------------------------------------------------------------------
# 3. A large history: purge in batches while another process enqueues.
if $have_python; then
  begin_section large
  run_drain
  jobs=60000
  python3 "$MSIQ_TESTS_DIR/bench/bench_data.py" fill "$MSIQ_DB" "$jobs" succeeded
  python3 "$MSIQ_TESTS_DIR/bench/bench_data.py" fill "$MSIQ_DB" 10 queued
  check_counts "large: after a fill straight into the table"
  msiq purge --older-than 1h >"$sec/purge.out" 2>"$sec/purge.err" &
  purge_pid=$!
  cleanup_pid_variables="$cleanup_pid_variables purge_pid"
  enqueued=0
  enqueue_failures=0
  during=0
  while :; do
    alive=false
    if process_alive "$purge_pid"; then alive=true; fi
    if msiq enqueue --no-check "$sec/new-$enqueued.msi" >>"$sec/ids" 2>>"$sec/enqueue.err"; then
      enqueued=$((enqueued + 1))
      if $alive; then during=$((during + 1)); fi
    else
      enqueue_failures=$((enqueue_failures + 1))
    fi
    $alive || break
  done
  wait "$purge_pid"
  purge_status=$?
  purge_pid=""
  check_equal "$purge_status" "0" "large: purge exits 0 ($(cat "$sec/purge.err"))"
  check_equal "$(cat "$sec/purge.out")" "purged $jobs finished jobs" "large: purge deleted every old finished job"
  check_equal "$enqueue_failures" "0" "large: every enqueue during the purge succeeded ($(head -n 3 "$sec/enqueue.err"))"
  echo "large: $during enqueue(s) committed while purge ran"
  check_equal "$(sql 'SELECT count(*) FROM job')" "$((10 + enqueued))" "large: the queued and enqueued jobs are all that is left"
  check_equal "$(sql 'SELECT count(*) FROM attempt')" "0" "large: the deleted jobs' attempts went with them"
  check_equal "$(sql 'PRAGMA foreign_key_check')" "" "large: no row refers to a deleted job"
  check_equal "$(sql 'PRAGMA integrity_check')" "ok" "large: the database is intact"
  check_counts "large: after the purge"
else
  echo "SKIP: python3 is not available for the count and purge sections"
fi

finish
