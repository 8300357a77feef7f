#!/usr/bin/env bash
# load_test.sh: eight processes enqueue 1,000 jobs each (`enqueue
# --no-check`, one msiq process per job) while one dispatcher drains the
# queue with an installer that exits 0 at once, and a reader asks
# `msiq --json status` every 100 ms. Proves that:
#   - every enqueue succeeds and prints an id, and no process (writers,
#     reader, dispatcher) prints anything on stderr, in particular no
#     "database is locked";
#   - the live dispatcher runs all 8,000 jobs, each exactly once (the
#     installer's argv log has one line per job, found by its log path), and
#     a final `msiq run --drain` finds nothing left to start;
#   - the queue holds exactly the 8,000 printed ids, distinct, all
#     succeeded with one attempt; `msiq doctor` is clean.
# Prints the figures: elapsed time, enqueues per second, jobs run per second.
# WRITERS and JOBS_PER_WRITER override the 8 x 1000.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

cd "$work_dir" || exit 1

writers=${WRITERS:-8}
jobs_per_writer=${JOBS_PER_WRITER:-1000}
total=$((writers * jobs_per_writer))

unset FAKE_INSTALLER_CODES FAKE_INSTALLER_DEFAULT_CODE FAKE_INSTALLER_SLEEP_MS \
  FAKE_INSTALLER_MARKER FAKE_INSTALLER_PIDFILE FAKE_INSTALLER_CHILD_PIDFILE \
  FAKE_INSTALLER_CHILD_SLEEP_MS FAKE_INSTALLER_HOLD_MUTEX FAKE_INSTALLER_WRITE_LOG \
  MSIQ_SIM_MUTEX MSIQ_SIM_SERVICE
export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
export MSIQ_SIM_EXIT_CODE_DIR="$work_dir"
export FAKE_INSTALLER_LOG="$work_dir/argv.log"
run_log="$work_dir/run.log"

now_ms() {
  date +%s%3N
}

dispatcher_pid=""
reader_pid=""
cleanup() {
  [ -n "$dispatcher_pid" ] && kill -KILL "$dispatcher_pid" 2>/dev/null
  [ -n "$reader_pid" ] && kill -KILL "$reader_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work_dir"
}
trap cleanup EXIT

# count_state STATE: how many jobs are in STATE (from status --json).
count_state() {
  msiq --json status 2>/dev/null | jq ".counts.$1"
}

# The dispatcher creates the database (run does) and drains as jobs arrive.
${MSIQ_RUNNER:-} "$MSIQ_BIN" run --poll 50ms >"$run_log" 2>&1 &
dispatcher_pid=$!
for ((i = 0; i < 100; i++)); do
  grep -q 'dispatcher started' "$run_log" && break
  sleep 0.05
done
check_match "$(cat "$run_log")" 'dispatcher started' "the dispatcher started"

reader() {
  while :; do
    msiq --json status >/dev/null 2>>"$work_dir/reader.err" ||
      echo "status: exit $?" >>"$work_dir/reader.fail"
    sleep 0.1
  done
}
: >"$work_dir/reader.err"
reader &
reader_pid=$!

writer() {
  local n=$1 i rc
  for ((i = 1; i <= jobs_per_writer; i++)); do
    msiq enqueue --no-check "$work_dir/w$n/pkg$i.msi" "WRITER=$n" "SEQ=$i" \
      >>"$work_dir/ids.$n" 2>>"$work_dir/err.$n"
    rc=$?
    if [ "$rc" -ne 0 ]; then echo "job $i: exit $rc" >>"$work_dir/fail.$n"; fi
  done
}

started=$(now_ms)
pids=()
for ((n = 1; n <= writers; n++)); do
  : >"$work_dir/ids.$n"
  : >"$work_dir/err.$n"
  writer "$n" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid"
done
enqueued_at=$(now_ms)

# The live dispatcher should finish everything soon after the last enqueue.
drained_at=""
deadline=$(($(now_ms) + 150000))
while [ "$(now_ms)" -lt "$deadline" ]; do
  if [ "$(count_state succeeded)" = "$total" ]; then
    drained_at=$(now_ms)
    break
  fi
  sleep 0.25
done
if [ -n "$drained_at" ]; then pass; else
  fail "the dispatcher did not run all $total jobs within 150 s of the last enqueue ($(count_state succeeded) succeeded)"
  drained_at=$(now_ms)
fi

kill -KILL "$reader_pid" 2>/dev/null
wait "$reader_pid" 2>/dev/null
reader_pid=""
kill -TERM "$dispatcher_pid"
wait "$dispatcher_pid"
check_equal "$?" "0" "the dispatcher exits 0 on SIGTERM"
dispatcher_pid=""

# The final drain finds nothing to start.
# shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
timeout 60 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --poll 50ms --drain >"$work_dir/drain.log" 2>&1
check_equal "$?" "0" "the final drain exits 0"
check_equal "$(grep -c 'started (' "$work_dir/drain.log")" "0" "the final drain had nothing left to start"

failures=0
for ((n = 1; n <= writers; n++)); do
  if [ -e "$work_dir/fail.$n" ]; then
    failures=$((failures + $(wc -l <"$work_dir/fail.$n")))
    fail "writer $n had failures: $(head -n 3 "$work_dir/fail.$n") (stderr: $(head -n 3 "$work_dir/err.$n"))"
  else
    pass
  fi
  check_equal "$(wc -c <"$work_dir/err.$n" | tr -d ' ')" "0" "writer $n printed nothing on stderr ($(head -n 2 "$work_dir/err.$n"))"
  check_equal "$(grep -Ec '^[0-9]+$' "$work_dir/ids.$n")" "$jobs_per_writer" "writer $n printed $jobs_per_writer ids"
done
locked=$(cat "$work_dir"/err.* "$work_dir/reader.err" "$run_log" "$work_dir/drain.log" | grep -ci 'locked')
check_equal "$locked" "0" "no process saw \"database is locked\""
check_equal "$(cat "$work_dir/reader.err")" "" "the status reader printed nothing on stderr"
if [ -e "$work_dir/reader.fail" ]; then fail "status failed under load: $(head -n 3 "$work_dir/reader.fail")"; else pass; fi
check_equal "$(grep -c 'msiq:' "$run_log")" "0" "the dispatcher printed no error ($(grep -m 1 'msiq:' "$run_log"))"

run --json list
check_status 0 "list after the load"
check_equal "$(jq_of "$out" 'length')" "$total" "the queue holds every job"
check_equal "$(jq_of "$out" '[.[].id] | unique | length')" "$total" "every job has its own id"
check_equal "$(jq_of "$out" '.[].id' | sort -n | tr '\n' ' ')" "$(cat "$work_dir"/ids.* | sort -n | tr '\n' ' ')" \
  "the stored ids are exactly the printed ids"
check_equal "$(jq_of "$out" '[.[] | select(.state != "succeeded" or .attempts != 1)] | length')" "0" \
  "every job succeeded on its first attempt"
check_equal "$(jq_of "$out" "[.[] | select(.target != \"$work_dir/w\" + .properties.WRITER + \"/pkg\" + .properties.SEQ + \".msi\")] | length")" "0" \
  "every job's properties belong to its own target"

starts=$(wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' ')
check_equal "$starts" "$total" "the installer ran $total times"
distinct=$(sed -n 's/.*\[\/l\*v\] \[[^]]*\/job-\([0-9]*\)\.log\].*/\1/p' "$FAKE_INSTALLER_LOG" | sort -u | wc -l | tr -d ' ')
check_equal "$distinct" "$total" "the installer ran once for each job"

run doctor
check_status 0 "doctor after the load"
check_match "$out" '^quick_check: +ok$' "doctor: quick_check ok"
check_match "$out" "^succeeded +$total\$" "doctor: $total succeeded"

enqueue_ms=$((enqueued_at - started))
all_ms=$((drained_at - started))
echo "load_test figures: writers=$writers jobs=$total enqueue_failures=$failures locked_errors=$locked" \
  "enqueue_elapsed=$((enqueue_ms / 1000)).$(printf '%03d' $((enqueue_ms % 1000)))s" \
  "enqueues_per_s=$((total * 1000 / (enqueue_ms > 0 ? enqueue_ms : 1)))" \
  "all_run_elapsed=$((all_ms / 1000)).$(printf '%03d' $((all_ms % 1000)))s" \
  "jobs_per_s=$((total * 1000 / (all_ms > 0 ? all_ms : 1)))" \
  "drain_lag_after_last_enqueue=$(((drained_at - enqueued_at) / 1000)).$(printf '%03d' $(((drained_at - enqueued_at) % 1000)))s"
finish
