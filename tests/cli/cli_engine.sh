#!/usr/bin/env bash
# cli_engine.sh: the dispatcher's side of the worker protocol
# (docs/engine.md), against the fake installer in its protocol mode
# (FAKE_INSTALLER_PROTOCOL, tests/fake_installer.c) and the POSIX
# simulation. Proves that:
#   - the request on the worker's standard input carries the job's
#     properties, REBOOT=ReallySuppress and the log;
#   - progress values reach `show --json` while the job runs (rising, 100
#     last for a success), at most about once a second, and are gone once
#     it ended; the attempt's operation is in its history, with msiq's note
#     about REBOOT;
#   - each finished attempt keeps how far it got (`show --json` history
#     "progress", `show`'s PROGRESS column): 100 and the last action for a
#     success, the last value for a cancel, and a report the interval still
#     held back when the worker ended; MSIQ_PROGRESS_INTERVAL_MS is checked;
#   - cancel --force of a worker sends `cancel`: the worker rolls back and
#     the job ends cancelled with 1602 and the rollback text; a timeout does
#     the same as failed;
#   - a worker that ignores `cancel` is stopped, with the process it
#     started, after --cancel-grace, and the record says so plainly;
#   - an error record becomes last_error and the history message, with
#     files-in-use below it;
#   - a worker that ends without a result fails its job, and the dispatcher
#     goes on to the next job; a bad line is reported once;
#   - a plain stand-in (no hello) still works, is judged by its exit code
#     and is stopped at once on cancel, whatever the cancel grace.
# Each section has its own database and dispatcher; the poll interval is
# 100 ms and every wait is bounded by seconds.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

# The workers this test started and their children, killed on exit with
# the dispatcher.
known_pids=""
cleanup_pid_variables="dispatcher_pid known_pids"

# section NAME: a fresh directory, database and run log (begin_section),
# with the worker's script, marker and request log.
section() {
  begin_section "$1"
  export FAKE_INSTALLER_MARKER="$sec/marker"
  export FAKE_INSTALLER_PIDFILE="$sec/installer.pid"
  export FAKE_INSTALLER_PROTOCOL="$sec/script"
  export FAKE_INSTALLER_REQUEST_LOG="$sec/request.log"
  unset FAKE_INSTALLER_ON_CANCEL FAKE_INSTALLER_DEFAULT_CODE \
    FAKE_INSTALLER_SLEEP_MS FAKE_INSTALLER_CHILD_PIDFILE
  : >"$sec/script"
}

# script LINE...: the worker's script, one argument a line ("\t" is a tab).
script() {
  printf '%b\n' "$@" >"$FAKE_INSTALLER_PROTOCOL"
}

marker_exists() {
  [ -s "$FAKE_INSTALLER_MARKER" ]
}

# wait_started DESCRIPTION: waits for the worker's marker (written once it
# read its request) and sets $installer_pid.
wait_started() {
  installer_pid=""
  if ! wait_until 10000 marker_exists; then
    fail "$1: the worker did not start ($(cat "$run_log"))"
    return 1
  fi
  installer_pid=$(cat "$FAKE_INSTALLER_PIDFILE")
  known_pids="$known_pids $installer_pid"
}

count_in_run_log() {
  grep -cF -- "$1" "$run_log"
}

# ---------------------------------------------------------------------------
# 1. Progress, the operation and the request.
section progress
a=$(pkg a)
operation="MsiInstallProductW(\"$a\", \"ALLUSERS=1 REBOOT=ReallySuppress\")"
script "operation\t$operation" \
  "action\tCostInitialize\tComputing space requirements" "progress\t0" \
  "sleep 400" \
  "action\tInstallFiles\tCopying new files" "progress\t10" \
  "progress\t11" "progress\t12" "progress\t13" "progress\t14" "progress\t15" \
  "sleep 1500" "progress\t40" "sleep 1500" "progress\t70" "sleep 1500" \
  "progress\t100" "sleep 2000"
job=$(msiq enqueue "$a" ALLUSERS=1 2>&1)
check_match "$job" '^[0-9]+$' "progress: job enqueued"
start_dispatcher
seen=""
actions=""
if wait_started "progress"; then
  # Sample the job while it runs (one jq per sample: the machine may be
  # busy); keep each new value.
  end=$(($(now_ms) + 20000))
  while [ "$(now_ms)" -lt "$end" ]; do
    sample=$(msiq --json show "$job" 2>/dev/null |
      jq -r '[.state, .progress.percent, .progress.action, .progress.since] | map(. // "" | tostring) | join("|")')
    IFS='|' read -r state percent action since <<<"$sample"
    [ "$state" = running ] || break
    if [ -n "$percent" ] && [ "${seen##* }" != "$percent" ]; then
      seen="$seen $percent"
    fi
    if [ -n "$action" ] && [ "${actions##*|}" != "$action" ]; then
      actions="$actions|$action"
    fi
    [ -z "$since" ] || last_since=$since
    sleep 0.1
  done
fi
wait_until 5000 job_state_is "$job" succeeded || fail "progress: the job did not succeed ($(job_field "$job" .state))"
seen=${seen# }
# Rising: each value sampled is above the one before.
rising=yes
previous=-1
for value in $seen; do
  [ "$value" -gt "$previous" ] || rising=no
  previous=$value
done
check_equal "$rising" "yes" "progress: the values seen rise ($seen)"
check_equal "${seen##* }" "100" "progress: the last value seen is 100 ($seen)"
read -ra values <<<"$seen"
if [ "${#values[@]}" -ge 3 ]; then pass; else fail "progress: fewer than three values were seen ($seen)"; fi
# Six reports within a few milliseconds (10..15) are written as one or
# two: the writes are spaced a second apart.
burst=0
for value in $seen; do
  if [ "$value" -ge 10 ] && [ "$value" -le 15 ]; then burst=$((burst + 1)); fi
done
if [ "$burst" -le 2 ]; then pass; else fail "progress: $burst of the values 10..15 were written ($seen)"; fi
check_match "$actions" '\|InstallFiles: Copying new files' "progress: the action is shown with its description ($actions)"
check_match "${last_since:-}" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "progress: since is a UTC time"
check_equal "$(job_field "$job" .progress)" "null" "progress: no progress once the job ended"
check_equal "$(job_field "$job" '.history[0].operation')" \
  "$operation; REBOOT=ReallySuppress was added by msiq (the job does not set REBOOT)" \
  "progress: the attempt's operation is in the history, with msiq's note"
check_equal "$(job_field "$job" '.history[0].exit_code')" "0" "progress: exit code 0"
check_equal "$(job_field "$job" '.history[0].progress | [.percent, .action] | map(tostring) | join(" ")')" \
  "100 InstallFiles: Copying new files" "progress: the finished attempt keeps 100 and its last action"
check_equal "$(job_field "$job" '.history[0].progress.since')" "$last_since" \
  "progress: the attempt's progress is the last one the job showed"
run show "$job"
check_match "$out" "^  #   STARTED +FINISHED +EXIT +OUTCOME +PROGRESS +MESSAGE\$" "progress: show has a PROGRESS column"
check_match "$out" "^  1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2} +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2} +0 +succeeded +100% +exit code 0" "progress: show says the attempt got to 100%"
check_match "$out" "^      last action: InstallFiles: Copying new files\$" "progress: show says the attempt's last action"
request=$(cat "$sec/request.log")
check_equal "$request" "$(printf 'request\t1\ninstall\t%s\nproperty\tALLUSERS\t1\nproperty\tREBOOT\tReallySuppress\nlog\t%s\nstart' "$a" "$(job_field "$job" .log)")" \
  "progress: the request carries the job, REBOOT=ReallySuppress and the log"
stop_dispatcher

# A job that sets REBOOT itself: no note, and the request keeps its value.
section own_reboot
a=$(pkg a)
script "operation\tMsiInstallProductW(\"$a\", \"REBOOT=Force\")"
job=$(msiq enqueue "$a" REBOOT=Force 2>&1)
start_dispatcher
wait_until 8000 job_state_is "$job" succeeded || fail "own reboot: the job did not succeed"
check_equal "$(job_field "$job" '.history[0].operation')" "MsiInstallProductW(\"$a\", \"REBOOT=Force\")" \
  "own reboot: the operation has no note"
check_equal "$(grep -c REBOOT "$sec/request.log")" "1" "own reboot: REBOOT is sent once"
check_match "$(cat "$sec/request.log")" "property	REBOOT	Force" "own reboot: with the job's value"
stop_dispatcher

# ---------------------------------------------------------------------------
# 2. cancel --force: the worker is asked, rolls back, the job is cancelled.
section cancel
export FAKE_INSTALLER_ON_CANCEL=rollback:300
script "progress\t10" "sleep 30000"
a=$(pkg a)
job=$(msiq enqueue "$a" 2>&1)
start_dispatcher --cancel-grace 20s
if wait_started "cancel"; then
  cancelled_at=$(now_ms)
  run cancel --force "$job"
  check_status 0 "cancel: cancel --force exits 0"
  if wait_until 6000 job_state_is "$job" cancelled; then pass; else
    fail "cancel: the job was not cancelled (state $(job_field "$job" .state))"
  fi
  elapsed=$(($(now_ms) - cancelled_at))
  if [ "$elapsed" -ge 300 ]; then pass; else fail "cancel: the job ended $elapsed ms after the cancel, before the 300 ms rollback"; fi
  if wait_until 3000 process_dead "$installer_pid"; then pass; else fail "cancel: the worker still runs"; fi
fi
check_equal "$(job_field "$job" '[.history[0].outcome, .history[0].exit_code, .exit_code] | map(tostring) | join(" ")')" \
  "cancelled 1602 1602" "cancel: the attempt is cancelled with 1602"
check_equal "$(job_field "$job" .last_error)" \
  "cancelled by an administrator while running; Windows Installer rolled the installation back" \
  "cancel: last_error says Windows Installer rolled back"
check_equal "$(count_in_run_log "job $job: cancel requested; asking the worker to cancel (it is stopped if it has not ended within 20s)")" "1" \
  "cancel: the run log says the worker was asked"
check_equal "$(count_in_run_log "job $job: the worker is cancelling; Windows Installer rolls the installation back")" "1" \
  "cancel: the run log says the worker is cancelling"
check_equal "$(count_in_run_log "stopping installer")" "0" "cancel: the tree was not stopped"
check_equal "$(job_field "$job" '[.history[0].progress.percent, .history[0].progress.action] | map(tostring) | join(" ")')" \
  "10 null" "cancel: the cancelled attempt keeps how far it got"
run show "$job"
check_match "$out" "^  1 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2} +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2} +1602 +cancelled +10% +cancelled by an administrator" \
  "cancel: show says the attempt got to 10%"
stop_dispatcher
check_equal "$dispatcher_status" "0" "cancel: the dispatcher exits 0"

# ---------------------------------------------------------------------------
# 3. A timeout does the same, and the job fails.
section timeout
export FAKE_INSTALLER_ON_CANCEL=rollback:200
script "progress\t5" "sleep 30000"
a=$(pkg a)
job=$(msiq enqueue --timeout 1s "$a" 2>&1)
start_dispatcher
if wait_started "timeout"; then
  if wait_until 8000 job_state_is "$job" failed; then pass; else
    fail "timeout: the job did not fail (state $(job_field "$job" .state))"
  fi
  if wait_until 3000 process_dead "$installer_pid"; then pass; else fail "timeout: the worker still runs"; fi
fi
check_equal "$(job_field "$job" '[.history[0].outcome, .history[0].exit_code] | map(tostring) | join(" ")')" \
  "timed_out 1602" "timeout: the attempt timed out with 1602"
check_equal "$(job_field "$job" .last_error)" "timed out after 1s; Windows Installer rolled the installation back" \
  "timeout: last_error says it timed out and rolled back"
check_equal "$(count_in_run_log "job $job: timed out after 1s; asking the worker to cancel")" "1" \
  "timeout: the run log says the worker was asked"
stop_dispatcher

# ---------------------------------------------------------------------------
# 4. A worker that ignores cancel is stopped after --cancel-grace, with the
# process it started.
section ignore
export FAKE_INSTALLER_ON_CANCEL=ignore
export FAKE_INSTALLER_CHILD_PIDFILE="$sec/child.pid"
export FAKE_INSTALLER_CHILD_SLEEP_MS=30000
script "progress\t5" "sleep 30000"
a=$(pkg a)
job=$(msiq enqueue "$a" 2>&1)
start_dispatcher --cancel-grace 3s
if wait_started "ignore"; then
  child_pid=$(cat "$FAKE_INSTALLER_CHILD_PIDFILE")
  known_pids="$known_pids $child_pid"
  cancelled_at=$(now_ms)
  run cancel --force "$job"
  sleep 0.3
  if [ "$(job_field "$job" .state)" = running ] && ! process_dead "$installer_pid"; then pass; else
    fail "ignore: the worker was not given its cancel grace"
  fi
  if wait_until 9000 job_state_is "$job" cancelled; then pass; else
    fail "ignore: the job was not cancelled (state $(job_field "$job" .state))"
  fi
  elapsed=$(($(now_ms) - cancelled_at))
  if [ "$elapsed" -ge 3000 ]; then pass; else fail "ignore: stopped $elapsed ms after the cancel, within the 3 s grace"; fi
  if wait_until 3000 process_dead "$installer_pid"; then pass; else fail "ignore: the worker still runs"; fi
  if wait_until 3000 process_dead "$child_pid"; then pass; else fail "ignore: the worker's child still runs"; fi
fi
check_equal "$(job_field "$job" '[.history[0].outcome, .history[0].exit_code] | map(tostring) | join(" ")')" \
  "cancelled null" "ignore: cancelled, with no exit code"
check_equal "$(job_field "$job" .last_error)" \
  "cancelled by an administrator while running; the worker was asked to cancel but had not ended after the cancel grace of 3s, so it and every process it started were stopped; the Windows Installer service may still be running or rolling back that installation" \
  "ignore: last_error says what is not known"
check_equal "$(count_in_run_log "job $job: the worker has not ended 3s after it was asked to cancel; stopping it")" "1" \
  "ignore: the run log says the worker was stopped after the grace"
stop_dispatcher

# ---------------------------------------------------------------------------
# 5. An error record becomes last_error, with files-in-use below it.
section error
export FAKE_INSTALLER_DEFAULT_CODE=1603
script "action\tCA_Run\tRunning the custom action" \
  "files-in-use\tNotepad (pid 12)" \
  "error\t1722\tThere is a problem with this Windows Installer package.\\\\nContact your vendor.\tCA_Run"
a=$(pkg a)
job=$(msiq enqueue "$a" 2>&1)
start_dispatcher
wait_until 8000 job_state_is "$job" failed || fail "error: the job did not fail ($(job_field "$job" .state))"
error_line="error 1722 in action CA_Run: There is a problem with this Windows Installer package. Contact your vendor."
check_equal "$(job_field "$job" .last_error)" \
  "$(printf '%s\ninstaller failed with exit code 1603 (ERROR_INSTALL_FAILURE)\nfiles in use: Notepad (pid 12)' "$error_line")" \
  "error: last_error is the error record, the exit code and the files in use"
check_equal "$(job_field "$job" '.history[0].message')" "$error_line" "error: the history message is the error record"
check_equal "$(job_field "$job" '.history[0].exit_code')" "1603" "error: exit code 1603"
check_match "$(cat "$run_log")" "job $job: attempt 1 failed: error 1722 in action CA_Run" "error: the run log line says the error"
stop_dispatcher

# ---------------------------------------------------------------------------
# 6. A worker that crashes without a result fails its job; the next job
# runs; a line the dispatcher cannot read is reported once.
section crash
script "progress\t20" "bogus\tline" "progress\t250" "exit 3221225477"
a=$(pkg a)
b=$(pkg b)
job_a=$(msiq enqueue --priority 5 "$a" 2>&1)
start_dispatcher
wait_until 8000 job_state_is "$job_a" failed || fail "crash: the job did not fail ($(job_field "$job_a" .state))"
check_equal "$(job_field "$job_a" .last_error)" "the worker ended without a result, exit code 0xC0000005 (STATUS_ACCESS_VIOLATION: access violation)" \
  "crash: last_error says the worker ended without a result"
check_equal "$(job_field "$job_a" '.history[0].exit_code')" "3221225477" "crash: the exit code is kept"
out=$(msiq show "$job_a" 2>&1)
check_match "$out" "exit code: +0xC0000005 \(STATUS_ACCESS_VIOLATION: access violation\)" \
  "crash: show names the exception status, in hex"
check_match "$(msiq list 2>&1)" "^$job_a +failed .* 0xC0000005 " "crash: list shows the exception status in hex"
check_equal "$(count_in_run_log "warning: job $job_a: unknown worker message 'bogus'; ignoring it")" "1" \
  "crash: the bad line is reported once"
check_equal "$(count_in_run_log "warning: job $job_a:")" "1" "crash: and no other line is"
script "progress\t100"
job_b=$(msiq enqueue "$b" 2>&1)
if wait_until 8000 job_state_is "$job_b" succeeded; then pass; else fail "crash: the dispatcher did not go on to the next job"; fi
if kill -0 "$dispatcher_pid" 2>/dev/null; then pass; else fail "crash: the dispatcher ended"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "crash: the dispatcher exits 0"

# ---------------------------------------------------------------------------
# 6b. The last report is kept even when the interval still held it back:
# with an interval of a minute only the first report reaches the job's row
# while it runs, and the worker ends (without a result) right behind the
# others, so only the flush at the attempt's end can record 55.
section flush
script "progress\t10" "sleep 300" "action\tInstallFiles\tCopying new files" "progress\t55" "exit 3221225477"
a=$(pkg a)
job=$(msiq enqueue "$a" 2>&1)
MSIQ_PROGRESS_INTERVAL_MS=60000 start_dispatcher
wait_until 8000 job_state_is "$job" failed || fail "flush: the job did not fail ($(job_field "$job" .state))"
check_equal "$(job_field "$job" '.history[0].progress | [.percent, .action] | map(tostring) | join(" ")')" \
  "55 InstallFiles: Copying new files" "flush: the attempt keeps the report that was held back"
stop_dispatcher
# A bad interval is refused before anything runs.
MSIQ_PROGRESS_INTERVAL_MS=soon run run --drain
check_error 2 "MSIQ_PROGRESS_INTERVAL_MS must be a whole number of milliseconds from 0 to 60000, not 'soon'" \
  "flush: a bad MSIQ_PROGRESS_INTERVAL_MS"
MSIQ_PROGRESS_INTERVAL_MS=60001 run run --drain
check_error 2 "not '60001'" "flush: an interval above a minute"

# ---------------------------------------------------------------------------
# 7. A plain stand-in (no hello): judged by its exit code, no operation,
# stopped at once on cancel whatever the cancel grace.
section plain
unset FAKE_INSTALLER_PROTOCOL
a=$(pkg a)
job=$(msiq enqueue "$a" 2>&1)
start_dispatcher --cancel-grace 1h
wait_until 8000 job_state_is "$job" succeeded || fail "plain: the job did not succeed"
check_equal "$(job_field "$job" '[.history[0].operation, .progress, .history[0].progress] | map(tostring) | join(" ")')" "null null null" \
  "plain: no operation, no progress, none kept by the attempt"
check_equal "$(cat "$sec/request.log" 2>/dev/null)" "" "plain: the stand-in read no request"
stop_dispatcher
rm -f "$FAKE_INSTALLER_MARKER"
export FAKE_INSTALLER_SLEEP_MS=30000
b=$(pkg b)
job=$(msiq enqueue "$b" 2>&1)
start_dispatcher --cancel-grace 1h
if wait_started "plain cancel"; then
  cancelled_at=$(now_ms)
  run cancel --force "$job"
  if wait_until 3000 job_state_is "$job" cancelled; then pass; else fail "plain: the stand-in was not stopped at once"; fi
  elapsed=$(($(now_ms) - cancelled_at))
  if [ "$elapsed" -le 2500 ]; then pass; else fail "plain: the cancel took $elapsed ms"; fi
  if wait_until 3000 process_dead "$installer_pid"; then pass; else fail "plain: the stand-in still runs"; fi
fi
check_equal "$(job_field "$job" .last_error)" \
  "cancelled by an administrator while running; the installer and every process it started were stopped at once (it speaks no worker protocol, so it could not be asked to roll back)" \
  "plain: last_error says it was stopped at once, and why"
check_equal "$(count_in_run_log "job $job: cancel requested; stopping installer")" "1" "plain: the run log says it was stopped"
stop_dispatcher

finish
