#!/usr/bin/env bash
# cli_dispatch_recovery.sh: how `msiq run` ends an installer, and how it
# survives its own end. Proves, against the POSIX simulation and the scripted
# fake installer, that:
#   - a job's --timeout (and run --default-timeout) stops the installer and
#     the child it started (its whole process group) and fails the job as
#     timed out;
#   - cancel of a running job is refused without --force, and cancel --force
#     stops the installer tree and records the job as cancelled;
#   - after the dispatcher is killed (kill -9) mid-job, the next dispatcher
#     records the attempt as interrupted and runs the job again (or fails it
#     when that was its last attempt), and doctor is happy afterwards;
#   - SIGTERM/SIGINT stop the dispatcher gracefully: no new job starts, a job
#     that ends within the grace period is recorded, one that does not is
#     left running (never killed) and recovered by the next dispatcher; a
#     second signal stops waiting at once;
#   - the installer runs in its own process group and session;
#   - a job enqueued while the dispatcher idles starts within a poll or two;
#   - an installer that cannot be started fails its job, not the dispatcher;
#   - `msiq run` without MSIQ_INSTALLER refuses to start.
#
# Each section has its own database, argv log and pid files, and its own
# dispatcher. Every wait is bounded; timing bounds are generous (the poll
# interval is 100 ms, the bounds are seconds).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

# The default grace period (30 s) is part of what the test checks.
dispatcher_options=(--poll 100ms)
# Every process this script started or learned about, killed on exit.
known_pids=""
cleanup_pid_variables="$cleanup_pid_variables known_pids"

# new_section NAME: a fresh directory, database, argv log and pid files.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_MARKER="$sec/marker"
  export FAKE_INSTALLER_PIDFILE="$sec/installer.pid"
  unset FAKE_INSTALLER_CHILD_PIDFILE FAKE_INSTALLER_CHILD_SLEEP_MS FAKE_INSTALLER_SLEEP_MS
  export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
}

marker_exists() {
  [ -s "$FAKE_INSTALLER_MARKER" ]
}

# wait_marker DESCRIPTION: waits for the fake installer's marker (its pid
# files are written before it) and sets $installer_pid (and $child_pid when
# a child was asked for).
wait_marker() {
  installer_pid=""
  child_pid=""
  if ! wait_until 10000 marker_exists; then
    fail "$1: the installer did not start ($(cat "$run_log"))"
    return 1
  fi
  installer_pid=$(cat "$FAKE_INSTALLER_PIDFILE")
  known_pids="$known_pids $installer_pid"
  if [ -n "${FAKE_INSTALLER_CHILD_PIDFILE:-}" ]; then
    child_pid=$(cat "$FAKE_INSTALLER_CHILD_PIDFILE")
    known_pids="$known_pids $child_pid"
  fi
  return 0
}

# check_dead PID MS DESCRIPTION: the process ends within MS.
check_dead() {
  if [ -z "$1" ]; then
    fail "$3: no pid"
  elif wait_until "$2" process_dead "$1"; then
    pass
  else
    fail "$3: process $1 still runs: $(ps -o pid=,pgid=,sid=,stat=,args= -p "$1")"
  fi
}

# ---------------------------------------------------------------------------
# 1. --timeout stops the installer and its child; so does --default-timeout.
new_section timeout
export FAKE_INSTALLER_SLEEP_MS=30000
export FAKE_INSTALLER_CHILD_PIDFILE="$sec/child.pid"
export FAKE_INSTALLER_CHILD_SLEEP_MS=30000
a=$(pkg a)
# 4 s, not 1 s: the process-group checks below run between the start and the
# timeout, and on a loaded machine 1 s was not always enough for them.
job_a=$(enqueue --timeout 4s "$a")
check_match "$job_a" '^[0-9]+$' "timeout: job enqueued"
start_dispatcher
if wait_marker "timeout"; then
  started_at=$(now_ms)
  check_match "$installer_pid $child_pid" '^[0-9]+ [0-9]+$' "timeout: the installer and its child wrote their pids"
  if process_alive "$installer_pid" && process_alive "$child_pid"; then pass; else
    fail "timeout: the installer or its child is not running right after start"
  fi
  # 5. The installer leads its own process group and session, apart from the
  # dispatcher's; its child is in its group.
  installer_ids=$(ps -o pgid=,sid= -p "$installer_pid" | awk '{print $1, $2}')
  child_ids=$(ps -o pgid=,sid= -p "$child_pid" | awk '{print $1, $2}')
  dispatcher_ids=$(ps -o pgid=,sid= -p "$dispatcher_pid" | awk '{print $1, $2}')
  check_equal "$installer_ids" "$installer_pid $installer_pid" \
    "process group: the installer leads its own process group and session"
  check_equal "$child_ids" "$installer_pid $installer_pid" \
    "process group: the installer's child is in the installer's group and session"
  dispatcher_pgid=${dispatcher_ids% *}
  dispatcher_sid=${dispatcher_ids#* }
  if [ -n "$dispatcher_ids" ] && [ "$dispatcher_pgid" != "$installer_pid" ] &&
    [ "$dispatcher_sid" != "$installer_pid" ]; then
    pass
  else
    fail "process group: the dispatcher ($dispatcher_ids) shares the installer's group or session ($installer_ids)"
  fi
  if wait_until 12000 job_state_is "$job_a" failed; then pass; else
    fail "timeout: the job did not fail within 12 s (state $(job_field "$job_a" .state))"
  fi
  elapsed=$(($(now_ms) - started_at))
  if [ "$elapsed" -ge 3000 ]; then pass; else fail "timeout: the job ended $elapsed ms after start, before its 4 s timeout"; fi
  check_dead "$installer_pid" 3000 "timeout: the installer is stopped"
  check_dead "$child_pid" 3000 "timeout: the installer's child is stopped"
fi
check_match "$(job_field "$job_a" .last_error)" '^timed out after 4s; ' "timeout: last_error says it timed out after 4s"
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "timed_out" "timeout: one attempt, outcome timed_out"
check_equal "$(job_field "$job_a" '.history[0].exit_code')" "null" "timeout: a stopped installer has no exit code"
check_equal "$(count_in_run_log "job $job_a: timed out after 4s; stopping installer")" "1" "timeout: the run log says the installer was stopped"
if process_alive "$dispatcher_pid"; then pass; else fail "timeout: the dispatcher ended after the timeout"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "timeout: the dispatcher exits 0 on SIGTERM"

# --default-timeout applies to a job without --timeout.
rm -f "$FAKE_INSTALLER_MARKER"
b=$(pkg b)
job_b=$(enqueue "$b")
start_dispatcher --default-timeout 1s
if wait_marker "default-timeout"; then
  if wait_until 6000 job_state_is "$job_b" failed; then pass; else
    fail "default-timeout: the job did not fail within 6 s (state $(job_field "$job_b" .state))"
  fi
  check_dead "$installer_pid" 3000 "default-timeout: the installer is stopped"
  check_dead "$child_pid" 3000 "default-timeout: the installer's child is stopped"
fi
check_match "$(job_field "$job_b" .last_error)" '^timed out after 1s; ' "default-timeout: last_error says it timed out after 1s"
check_equal "$(job_field "$job_b" '[.history[] | .outcome] | join(",")')" "timed_out" "default-timeout: outcome timed_out"
stop_dispatcher
check_equal "$dispatcher_status" "0" "default-timeout: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 2. cancel of a running job: refused without --force; --force stops it.
new_section cancel
export FAKE_INSTALLER_SLEEP_MS=30000
export FAKE_INSTALLER_CHILD_PIDFILE="$sec/child.pid"
export FAKE_INSTALLER_CHILD_SLEEP_MS=30000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_marker "cancel"; then
  if wait_until 3000 job_state_is "$job_a" running; then pass; else fail "cancel: the job is not running"; fi
  run cancel "$job_a"
  check_error 3 "job $job_a is running; use cancel --force" "cancel: cancel of a running job without --force"
  sleep 0.3
  check_equal "$(job_field "$job_a" '.state + " " + (.cancel_requested | tostring)')" "running false" \
    "cancel: the job still runs after a refused cancel"
  if process_alive "$installer_pid"; then pass; else fail "cancel: a refused cancel stopped the installer"; fi
  run cancel --force "$job_a"
  check_status 0 "cancel: cancel --force exits 0"
  check_equal "$out" "job $job_a: cancel requested; the dispatcher stops its installer" "cancel: cancel --force says the installer is being stopped"
  if wait_until 2500 job_state_is "$job_a" cancelled; then pass; else
    fail "cancel: the job was not cancelled within 2.5 s (state $(job_field "$job_a" .state))"
  fi
  check_dead "$installer_pid" 3000 "cancel: the installer is stopped"
  check_dead "$child_pid" 3000 "cancel: the installer's child is stopped"
fi
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "cancelled" "cancel: one attempt, outcome cancelled"
check_match "$(job_field "$job_a" .last_error)" '^cancelled by an administrator while running' "cancel: last_error says it was cancelled"
check_match "$(job_field "$job_a" .finished_at)" '^[0-9]{4}-' "cancel: the cancelled job has a finish time"
check_equal "$(count_in_run_log "job $job_a: cancel requested; stopping installer")" "1" "cancel: the run log says the cancel stopped the installer"
run cancel --force "$job_a"
check_error 3 "already cancelled" "cancel: cancel --force of a cancelled job"
if process_alive "$dispatcher_pid"; then pass; else fail "cancel: the dispatcher ended after the cancel"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "cancel: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 3. Crash recovery: the dispatcher is killed while an installer runs.
new_section crash
export FAKE_INSTALLER_SLEEP_MS=2000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_marker "crash"; then
  orphan_pid=$installer_pid
  kill_dispatcher
  check_equal "$dispatcher_status" "137" "crash: the dispatcher was killed by SIGKILL"
  check_equal "$(job_field "$job_a" '.state + " " + (.history | length | tostring) + " " + (.history[0].outcome | tostring)')" \
    "running 1 null" "crash: the job is left running with an open attempt"
  run --json status
  check_equal "$(jq_of "$out" '.dispatcher_running')" "false" "crash: status --json says no dispatcher runs"
  # The orphaned installer runs to its end (at-least-once): wait for it.
  check_dead "$orphan_pid" 10000 "crash: the orphaned installer ends on its own"
fi
rm -f "$FAKE_INSTALLER_MARKER"
export FAKE_INSTALLER_SLEEP_MS=200
run_drain
check_equal "$drain_status" "0" "crash: the recovering drain dispatcher exits 0"
check_equal "$(count_in_run_log 'recovered 1 job left running by a previous dispatcher')" "1" \
  "crash: the run log says one job was recovered"
check_equal "$(job_field "$job_a" '.state + " " + (.attempts | tostring)')" "succeeded 2" "crash: the job succeeds on its second attempt"
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "interrupted,succeeded" \
  "crash: history has the interrupted attempt, then the successful one"
check_match "$(job_field "$job_a" '.history[0].finished_at')" '^[0-9]{4}-' "crash: the interrupted attempt is closed"
check_equal "$(runs_of "$a")" "2" "crash: the installer ran exactly twice for the job"
run doctor
check_status 0 "crash: doctor exits 0 after recovery"
check_match "$out" '^quick_check: +ok$' "crash: doctor says the database is ok"
check_match "$out" '^running +0$' "crash: doctor counts no running job"

# The same with --max-attempts 1: the job fails and does not run again.
new_section crash_last
export FAKE_INSTALLER_SLEEP_MS=2000
a=$(pkg a)
job_a=$(enqueue --max-attempts 1 "$a")
start_dispatcher
if wait_marker "crash (last attempt)"; then
  orphan_pid=$installer_pid
  kill_dispatcher
  check_equal "$(job_field "$job_a" .state)" "running" "crash (last attempt): the job is left running"
  check_dead "$orphan_pid" 10000 "crash (last attempt): the orphaned installer ends on its own"
fi
export FAKE_INSTALLER_SLEEP_MS=0
run_drain
check_equal "$drain_status" "0" "crash (last attempt): the drain dispatcher exits 0"
check_equal "$(count_in_run_log 'recovered 1 job left running by a previous dispatcher')" "1" \
  "crash (last attempt): the run log says one job was recovered"
check_equal "$(job_field "$job_a" '.state + " " + (.attempts | tostring)')" "failed 1" "crash (last attempt): the job fails"
check_match "$(job_field "$job_a" .last_error)" 'interrupted.*no attempts left' "crash (last attempt): last_error says the attempt was interrupted"
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "interrupted" "crash (last attempt): history has the interrupted attempt only"
check_equal "$(runs_of "$a")" "1" "crash (last attempt): the job did not run again"
run doctor
check_status 0 "crash (last attempt): doctor exits 0"

# ---------------------------------------------------------------------------
# 4. Graceful stop: SIGTERM waits for the running job (default grace) and
# starts nothing new.
new_section sigterm
export FAKE_INSTALLER_SLEEP_MS=1000
a=$(pkg a)
b=$(pkg b)
job_a=$(enqueue "$a")
job_b=$(enqueue "$b")
start_dispatcher
if wait_marker "sigterm"; then
  kill -TERM "$dispatcher_pid"
  wait_dispatcher 10000
  check_equal "$dispatcher_status" "0" "sigterm: the dispatcher exits 0 after the job ends"
fi
check_equal "$(count_in_run_log 'signal 15: stopping; no new job starts')" "1" "sigterm: the run log says it is stopping"
check_equal "$(count_in_run_log "waiting up to 30s for job $job_a to finish")" "1" "sigterm: the run log says it waits for the running job"
check_equal "$(count_in_run_log 'dispatcher stopped')" "1" "sigterm: the run log says the dispatcher stopped"
check_equal "$(job_field "$job_a" '.state + " " + ([.history[] | .outcome] | join(","))')" "succeeded succeeded" \
  "sigterm: the running job's outcome is recorded"
check_equal "$(job_field "$job_b" '.state + " " + (.attempts | tostring)')" "queued 0" "sigterm: the queued job was not started"
check_equal "$(runs_of "$b")" "0" "sigterm: no installer ran for the queued job"

# SIGINT with --grace 300ms: the dispatcher leaves the installer running.
new_section sigint
export FAKE_INSTALLER_SLEEP_MS=3000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher --grace 300ms
if wait_marker "sigint"; then
  signalled_at=$(now_ms)
  kill -INT "$dispatcher_pid"
  wait_dispatcher 5000
  elapsed=$(($(now_ms) - signalled_at))
  check_equal "$dispatcher_status" "0" "sigint: the dispatcher exits 0 after the grace period"
  if [ "$elapsed" -le 1500 ]; then pass; else fail "sigint: the dispatcher took $elapsed ms to exit with --grace 300ms"; fi
  if process_alive "$installer_pid"; then pass; else fail "sigint: the installer was killed by the dispatcher's stop"; fi
  check_equal "$(job_field "$job_a" .state)" "running" "sigint: the job stays running in the database"
  check_equal "$(count_in_run_log 'signal 2: stopping; no new job starts')" "1" "sigint: the run log says it is stopping"
  check_equal "$(count_in_run_log "job $job_a: installer still running after 300ms; leaving it running")" "1" \
    "sigint: the run log says the installer was left running"
  check_dead "$installer_pid" 10000 "sigint: the installer ends on its own"
  if [ -s "$FAKE_INSTALLER_LOG" ] && [ "$(runs_of "$a")" = "1" ]; then pass; else fail "sigint: the installer did not run once"; fi
fi
rm -f "$FAKE_INSTALLER_MARKER"
export FAKE_INSTALLER_SLEEP_MS=0
run_drain
check_equal "$drain_status" "0" "sigint: the recovering drain dispatcher exits 0"
check_equal "$(count_in_run_log 'recovered 1 job left running by a previous dispatcher')" "1" \
  "sigint: the next dispatcher recovers the job"
check_equal "$(job_field "$job_a" '.state + " " + ([.history[] | .outcome] | join(","))')" "succeeded interrupted,succeeded" \
  "sigint: the interrupted attempt is recorded and the job runs again"
check_equal "$(runs_of "$a")" "2" "sigint: the installer ran twice for the job"

# A second signal stops waiting for the installer at once.
new_section second_signal
export FAKE_INSTALLER_SLEEP_MS=3000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_marker "second signal"; then
  kill -TERM "$dispatcher_pid"
  sleep 0.5
  if process_alive "$dispatcher_pid"; then pass; else fail "second signal: the dispatcher did not wait for the installer (grace 30s)"; fi
  signalled_at=$(now_ms)
  kill -TERM "$dispatcher_pid"
  wait_dispatcher 5000
  elapsed=$(($(now_ms) - signalled_at))
  check_equal "$dispatcher_status" "0" "second signal: the dispatcher exits 0"
  if [ "$elapsed" -le 1500 ]; then pass; else fail "second signal: the dispatcher took $elapsed ms to exit after the second signal"; fi
  if process_alive "$installer_pid"; then pass; else fail "second signal: the installer was killed"; fi
  check_equal "$(job_field "$job_a" .state)" "running" "second signal: the job stays running in the database"
  check_dead "$installer_pid" 10000 "second signal: the installer ends on its own"
fi

# ---------------------------------------------------------------------------
# Regression: cancel --force while no dispatcher runs (after a crash) is
# honoured by the next dispatcher: the job ends cancelled, not run again.
new_section crash_cancel
export FAKE_INSTALLER_SLEEP_MS=1500
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_marker "crash cancel"; then
  orphan_pid=$installer_pid
  kill_dispatcher
  check_dead "$orphan_pid" 10000 "crash cancel: the orphaned installer ends on its own"
fi
run cancel --force "$job_a"
check_status 0 "crash cancel: cancel --force of the orphaned running job is accepted"
export FAKE_INSTALLER_SLEEP_MS=0
run_drain
check_equal "$drain_status" "0" "crash cancel: the recovering drain dispatcher exits 0"
check_equal "$(job_field "$job_a" .state)" "cancelled" "crash cancel: the job ends cancelled"
check_match "$(job_field "$job_a" .last_error)" 'cancelled as requested' "crash cancel: last_error says why"
check_equal "$(runs_of "$a")" "1" "crash cancel: the job did not run again"

# Regression: cancel --force during a graceful stop's grace period stops the
# installer and records the job as cancelled.
new_section grace_cancel
export FAKE_INSTALLER_SLEEP_MS=6000
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher --grace 5s
if wait_marker "grace cancel"; then
  kill -TERM "$dispatcher_pid"
  sleep 0.3
  run cancel --force "$job_a"
  check_status 0 "grace cancel: cancel --force during the grace period is accepted"
  wait_dispatcher 5000
  check_equal "$dispatcher_status" "0" "grace cancel: the dispatcher exits 0 once the installer is stopped"
  check_dead "$installer_pid" 3000 "grace cancel: the installer is stopped"
  check_equal "$(job_field "$job_a" '.state + " " + ([.history[] | .outcome] | join(","))')" "cancelled cancelled" \
    "grace cancel: the job and its attempt are cancelled"
fi

# ---------------------------------------------------------------------------
# 6. A job enqueued while the dispatcher idles starts within a poll or two.
new_section idle
start_dispatcher
sleep 0.5
check_equal "$(count_in_run_log 'job ')" "0" "idle: nothing started with nothing queued"
a=$(pkg a)
enqueued_at=$(now_ms)
job_a=$(enqueue "$a")
if wait_marker "idle"; then
  elapsed=$(($(now_ms) - enqueued_at))
  if [ "$elapsed" -le 2000 ]; then pass; else fail "idle: the job started $elapsed ms after enqueue"; fi
fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "idle: the job did not succeed"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "idle: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 7. An installer that cannot be started fails its job, not the dispatcher.
new_section no_program
export MSIQ_INSTALLER=/nonexistent/program
a=$(pkg a)
job_a=$(enqueue "$a")
start_dispatcher
if wait_until 5000 job_state_is "$job_a" failed; then pass; else fail "no program: the job did not fail (state $(job_field "$job_a" .state))"; fi
check_match "$(job_field "$job_a" .last_error)" '/nonexistent/program' "no program: last_error names the program"
check_match "$(job_field "$job_a" .last_error)" '^cannot start installer ' "no program: last_error says the installer could not start"
check_equal "$(job_field "$job_a" '[.history[] | .outcome] | join(",")')" "failed" "no program: one failed attempt"
check_equal "$(count_in_run_log "job $job_a: failed: cannot start installer /nonexistent/program")" "1" \
  "no program: the run log says why the job failed"
sleep 0.5
if [ -n "$dispatcher_pid" ] && process_alive "$dispatcher_pid"; then pass; else fail "no program: the dispatcher ended after the failed start"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "no program: the dispatcher exits 0 on SIGTERM"
export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"

# ---------------------------------------------------------------------------
# 8. No MSIQ_INSTALLER at all: `msiq run` refuses to start.
new_section no_installer
started_at=$(now_ms)
# shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
out=$(env -u MSIQ_INSTALLER timeout 10 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --poll 100ms 2>"$work_dir/stderr")
status=$?
err=$(cat "$work_dir/stderr")
elapsed=$(($(now_ms) - started_at))
check_error 2 "MSIQ_INSTALLER" "no installer: run without MSIQ_INSTALLER"
check_equal "$out" "" "no installer: run prints nothing on stdout"
if [ "$elapsed" -le 5000 ]; then pass; else fail "no installer: run took $elapsed ms to refuse"; fi

finish
