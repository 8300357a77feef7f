#!/usr/bin/env bash
# cli_wake.sh: the queue's doorbell (docs/dispatcher.md, "How the
# dispatcher notices work"). Proves, against the POSIX simulation, that a
# dispatcher whose safety-net poll is a minute starts a job enqueued after
# it went idle long before that poll, and one whose --not-before comes a
# few seconds later without any ring (its idle timer sleeps until the next
# due time); that `msiq wait` returns soon after the job ends, for two
# waiters at once; that ringing with no dispatcher (no doorbell, or one a
# dead dispatcher left) is silent; and that a doorbell that is a FIFO, a
# symbolic link, writable by others or owned by another user is neither
# rung (nothing is written through it, nothing blocks) nor used by the
# dispatcher, which refuses to start.
#
# Bounds are seconds against a poll of 60 s: a job that starts within them
# was started by the ring or the due-time timer, not by the poll.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 60s)
waiter_pids=""
cleanup_pid_variables="$cleanup_pid_variables waiter_pids"

new_section() {
  begin_section "$1"
  msiq status >/dev/null 2>&1 # creates the database
}

# job_started ID: the job has started (it has a start time).
job_started() {
  [ "$(job_field "$1" .started_at)" != null ]
}

# --- A ring starts a job at once. -------------------------------------------
new_section ring
start_dispatcher
# Idle: the first check found nothing, the next poll is a minute away.
sleep 1
id=$(enqueue "$(pkg ringing)")
if wait_until 10000 job_started "$id"; then
  pass
else
  fail "a job enqueued to an idle dispatcher (poll 60s) did not start within 10 s: $(cat "$run_log")"
fi
wait_until 10000 job_state_is "$id" succeeded && pass || fail "job $id did not succeed"
stop_dispatcher

# --- A not-before time wakes the dispatcher without a ring. -----------------
new_section due
start_dispatcher
sleep 1
now=$(date +%s)
id=$(enqueue --not-before "+3s" "$(pkg later)")
sleep 1
if job_started "$id"; then fail "the job started before its not-before time"; else pass; fi
if wait_until 15000 job_started "$id"; then
  pass
else
  fail "a job due 3 s later did not start within 15 s (poll 60s): $(cat "$run_log")"
fi
started=$(date -d "$(job_field "$id" .started_at)" +%s)
if [ "$started" -ge $((now + 2)) ]; then pass; else fail "job $id started at $started, before its not-before ($now + 3)"; fi
stop_dispatcher

# --- wait wakes on the change, two waiters at once. -------------------------
new_section waiters
export FAKE_INSTALLER_SLEEP_MS=2000
start_dispatcher
id=$(enqueue "$(pkg slow)")
wait_until 10000 job_state_is "$id" running && pass || fail "job $id did not start"
msiq wait "$id" >"$sec/wait1.out" 2>&1 &
waiter_pids="$!"
msiq wait "$id" >"$sec/wait2.out" 2>&1 &
waiter_pids="$waiter_pids $!"
wait_until 15000 job_state_is "$id" succeeded && pass || fail "job $id did not succeed"
for pid in $waiter_pids; do
  # The waiters' own safety net is 30 s: returning within 10 s of the end
  # is the ring's doing.
  if wait_until 10000 process_dead "$pid"; then
    wait "$pid"
    check_equal "$?" 0 "wait $id (pid $pid) exit status"
  else
    fail "wait $id (pid $pid) did not return within 10 s of the job's end"
  fi
done
waiter_pids=""
check_match "$(cat "$sec/wait1.out")" "succeeded" "the first waiter's report"
check_match "$(cat "$sec/wait2.out")" "succeeded" "the second waiter's report"
unset FAKE_INSTALLER_SLEEP_MS
stop_dispatcher

# --- No dispatcher: ringing is silent. --------------------------------------
new_section nobody
run enqueue "$(pkg alone)"
check_status 0 "enqueue with no doorbell"
check_equal "$err" "" "enqueue with no doorbell: stderr"
[ ! -e "$MSIQ_DB.doorbell" ] && pass || fail "a ring created the doorbell"
# The doorbell a dispatcher left behind, with nobody listening.
start_dispatcher
stop_dispatcher
[ -f "$MSIQ_DB.doorbell" ] && pass || fail "the dispatcher made no doorbell"
run enqueue "$(pkg stale)"
check_status 0 "enqueue with a stale doorbell"
check_equal "$err" "" "enqueue with a stale doorbell: stderr"

# --- Planted doorbells are refused. -----------------------------------------
# check_refused WHAT PATTERN: no dispatcher starts on the queue, saying
# PATTERN about its doorbell.
check_refused() {
  run_drain
  if [ "$drain_status" -ne 0 ] && grep -Eq -- "doorbell .*$2" "$run_log"; then
    pass
  else
    fail "$1: the dispatcher did not refuse it (exit $drain_status): $(cat "$run_log")"
  fi
}

new_section fifo
mkfifo "$MSIQ_DB.doorbell"
# A reader on the FIFO: a ring that opened it for writing would be read.
timeout 20 cat "$MSIQ_DB.doorbell" >"$sec/fifo.read" &
waiter_pids="$!"
sleep 0.2
timeout 10 "$MSIQ_BIN" enqueue "$(pkg through_fifo)" >/dev/null 2>"$sec/fifo.err"
status=$? err=$(cat "$sec/fifo.err")
check_status 0 "enqueue beside a planted FIFO (it must not block)"
check_refused "a FIFO doorbell" "not a regular file"
kill "$waiter_pids" 2>/dev/null
wait "$waiter_pids" 2>/dev/null
waiter_pids=""
check_equal "$(cat "$sec/fifo.read")" "" "bytes written into the planted FIFO"
rm -f "$MSIQ_DB.doorbell"

new_section symlink
printf 'victim' >"$sec/victim"
ln -s "$sec/victim" "$MSIQ_DB.doorbell"
run enqueue "$(pkg through_link)"
check_status 0 "enqueue beside a planted symbolic link"
check_equal "$(cat "$sec/victim")" "victim" "the symbolic link's target after a ring"
check_refused "a symbolic link doorbell" "symbolic link"
check_equal "$(cat "$sec/victim")" "victim" "the symbolic link's target after the dispatcher"

new_section writable
printf 'abc' >"$MSIQ_DB.doorbell"
chmod 0666 "$MSIQ_DB.doorbell"
run enqueue "$(pkg writable)"
check_status 0 "enqueue beside a doorbell others may write"
check_equal "$(cat "$MSIQ_DB.doorbell")" "abc" "a doorbell others may write after a ring"
check_refused "a doorbell others may write" "writable by group or others"

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
  new_section owner
  printf 'abc' >"$MSIQ_DB.doorbell"
  chmod 0600 "$MSIQ_DB.doorbell"
  chown nobody "$MSIQ_DB.doorbell"
  run enqueue "$(pkg owner)"
  check_status 0 "enqueue beside a doorbell of another user"
  check_equal "$(cat "$MSIQ_DB.doorbell")" "abc" "another user's doorbell after a ring"
  check_refused "another user's doorbell" "owned by another user"
else
  echo "cli_wake: not root: the other-owner case is skipped"
fi

finish
