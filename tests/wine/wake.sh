#!/usr/bin/env bash
# wake.sh: the queue's doorbell on Windows (a named event, docs/dispatcher.md
# "How the dispatcher notices work") under Wine. Proves that:
#   1. `msiq run --poll 60s`, once idle, starts a job enqueued from another
#      process within seconds: the enqueue's commit set the event across
#      processes and the dispatcher's listener thread woke its loop;
#   2. the event the dispatcher made admits SYSTEM and Administrators only
#      (its DACL read back through tests/win/acl.c);
#   3. two `msiq wait` processes on a running job both return within
#      seconds of its end (the manual-reset event wakes every waiter; their
#      own safety net is 30 s);
#   4. an enqueue with no dispatcher running (no event) succeeds silently.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

dispatcher_pid=""
waiter_pids=""
cleanup_wine() {
  local pid
  for pid in $dispatcher_pid $waiter_pids; do
    kill "$pid" 2>/dev/null
  done
  wine_prefix_cleanup
}
trap cleanup_wine EXIT

wine_prefix_init
export MSIQ_INSTALLER FAKE_INSTALLER_LOG MSIQ_DB
MSIQ_INSTALLER=$(win_path "$FAKE_INSTALLER_EXE")
queue_dir="$work_dir/queue"
mkdir -m 0700 "$queue_dir"
MSIQ_DB=$(win_path "$queue_dir/queue.db")
FAKE_INSTALLER_LOG=$(win_path "$queue_dir/argv.log")
run_log="$work_dir/run.log"

job_state_is() {
  [ "$(job_field "$1" .state)" = "$2" ]
}

dispatcher_started() {
  grep -q 'dispatcher started' "$run_log" 2>/dev/null
}

# 4. No dispatcher: nobody to ring for.
make_package "$queue_dir/first.msi"
run enqueue "$(win_path "$queue_dir/first.msi")"
check_status 0 "enqueue with no dispatcher"
check_equal "$err" "" "enqueue with no dispatcher: stderr"
first=$out

# The dispatcher, with a safety net far longer than the bounds below.
export FAKE_INSTALLER_SLEEP_MS=3000
wine "$MSIQ_EXE" run --poll 60s >"$run_log" 2>&1 &
dispatcher_pid=$!
wait_until 30000 dispatcher_started && pass || fail "the dispatcher did not start: $(cat "$run_log")"
wait_until 30000 job_state_is "$first" succeeded && pass || fail "job $first did not succeed: $(cat "$run_log")"

# 2. The event's access list.
lower=$(printf '%s' "$MSIQ_DB" | tr '[:upper:]' '[:lower:]')
hash=$(printf '%s' "$lower" | sha256sum | cut -d' ' -f1)
dacl=$(wine "$ACL_EXE" --event "Global\\msiq-doorbell-$hash" 2>"$work_dir/acl.err" | tr -d '\r')
if [ -z "$dacl" ]; then
  dacl=$(wine "$ACL_EXE" --event "Local\\msiq-doorbell-$hash" 2>>"$work_dir/acl.err" | tr -d '\r')
fi
check_match "$dacl" '^D:P?\(A;;[^;()]*;;;SY\)\(A;;[^;()]*;;;BA\)$' \
  "the doorbell event admits SYSTEM and Administrators only ($(cat "$work_dir/acl.err"))"

# 1. Idle now (the next poll is a minute away); an enqueue rings.
sleep 2
make_package "$queue_dir/rung.msi"
second=$(msiq enqueue "$(win_path "$queue_dir/rung.msi")")
if wait_until 15000 job_state_is "$second" running; then
  pass
else
  fail "job $second enqueued to an idle dispatcher (poll 60s) did not start within 15 s: $(cat "$run_log")"
fi

# 3. Two waiters on the running job.
msiq wait "$second" >"$work_dir/wait1.out" 2>&1 &
waiter_pids=$!
msiq wait "$second" >"$work_dir/wait2.out" 2>&1 &
waiter_pids="$waiter_pids $!"
wait_until 30000 job_state_is "$second" succeeded && pass || fail "job $second did not succeed"
for pid in $waiter_pids; do
  dead() { ! kill -0 "$1" 2>/dev/null; }
  if wait_until 10000 dead "$pid"; then
    pass
  else
    fail "a waiter (pid $pid) did not return within 10 s of the job's end"
  fi
done
waiter_pids=""
check_match "$(cat "$work_dir/wait1.out")" "succeeded" "the first waiter's report"
check_match "$(cat "$work_dir/wait2.out")" "succeeded" "the second waiter's report"

kill "$dispatcher_pid" 2>/dev/null
wait "$dispatcher_pid" 2>/dev/null
dispatcher_pid=""
finish
