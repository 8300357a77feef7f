#!/usr/bin/env bash
# unrecorded_outcome_test.sh: an outcome that cannot be recorded is never
# dropped (issue 15, item 1; docs/reliability.md, "Outcomes that cannot be
# recorded"). Another process (a sqlite3 shell, lib_write_lock.sh) holds the
# queue's write lock past the busy timeout while a job's installer ends.
# The busy timeout is shortened to 2 s with the simulation host's
# MSIQ_SIM_BUSY_TIMEOUT_MS (docs/testing.md), so that each try fails in
# seconds rather than half a minute. Proves that:
#   1. the dispatcher keeps the outcome: it says so in its log, `status`
#      (text and JSON) shows it while the lock is held, the job stays
#      `running` and the next job does not start, and the outcome is tried
#      again at every check (the note's count grows); once the lock is
#      released the outcome is recorded (one attempt, succeeded, the
#      installer ran once), the note is gone, and only then does the next
#      job start and succeed;
#   2. a dispatcher stopped while it still keeps an outcome tries once more,
#      says that the outcome is lost and what happens next, and stops; the
#      next `run --drain` records that attempt as interrupted and runs the
#      job again, as after a crash (at-least-once).
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"
# shellcheck source-path=SCRIPTDIR source=lib_write_lock.sh
. "$MSIQ_TESTS_DIR/reliability/lib_write_lock.sh"

cd "$work_dir" || exit 1
chmod 700 "$work_dir"

export MSIQ_SIM_BUSY_TIMEOUT_MS=2000
# Long enough to take the lock after the installer started and before it
# ends, even on a loaded machine.
export FAKE_INSTALLER_SLEEP_MS=3000
dispatcher_options=(--poll 100ms)

# new_section NAME: two jobs, a.msi (job 1) and b.msi (job 2); the fake
# installer leaves a marker when it starts.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_MARKER="$sec/marker"
  rm -f "$FAKE_INSTALLER_MARKER"
  first=$(enqueue "$(pkg a)")
  second=$(enqueue "$(pkg b)")
  note="$MSIQ_DB.dispatcher.note"
}

status_text() {
  msiq status 2>&1
}

# status_says TEXT: `status` shows TEXT.
status_says() {
  status_text | grep -qF -- "$1"
}

note_tries() {
  status_text | sed -n 's/.*tried \([0-9]*\) time.*/\1/p'
}

note_tried_at_least() {
  [ "$(note_tries)" -ge "$1" ] 2>/dev/null
}

# --- 1. Kept, retried, recorded, then the next job -------------------------
new_section kept
start_dispatcher
if wait_until 30000 test -e "$FAKE_INSTALLER_MARKER"; then pass; else fail "kept: the first installer never started"; fi
hold_write_lock "$MSIQ_DB"
if wait_until 60000 status_says "is not recorded yet"; then
  pass
else
  fail "kept: status never showed the unrecorded outcome: $(status_text); $(tail -n 3 "$run_log")"
fi
line=$(status_text | grep '^  outcome:')
check_match "$line" "^  outcome:   the outcome of job $first, attempt 1 \(succeeded\), is not recorded yet: database .* locked .*; tried [0-9]+ times? since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2})? [+-][0-9]{2}:[0-9]{2}, again at every check; no job starts until it is recorded$" \
  "kept: the status line says what is kept and why"
check_match "$(msiq --json status | jq -r .unrecorded_outcome)" "^the outcome of job $first, attempt 1 \(succeeded\), is not recorded yet" \
  "kept: status --json has unrecorded_outcome"
check_equal "$(count_in_run_log "error: job $first: could not record the outcome of attempt 1 (succeeded)")" 1 \
  "kept: the dispatcher logged it once"
check_equal "$(job_field "$first" .state)" running "kept: the job is still running in the queue"
# Tried again at every check: the count in the note grows while the lock is
# held, and the second job still does not start.
if wait_until 60000 note_tried_at_least 3; then pass; else fail "kept: the outcome was not tried again ($(status_text | grep outcome))"; fi
check_equal "$(runs_of "$sec/b.msi")" 0 "kept: the next job did not start"
check_equal "$(job_field "$second" .state)" queued "kept: the next job is still queued"
release_write_lock
if wait_until 60000 job_state_is "$first" succeeded; then pass; else fail "kept: the outcome was never recorded: $(tail -n 3 "$run_log")"; fi
if wait_until 60000 job_state_is "$second" succeeded; then pass; else fail "kept: the next job never ran"; fi
check_equal "$(job_field "$first" '[.history[].outcome] | join(",")')" succeeded "kept: one attempt, succeeded"
check_equal "$(runs_of "$sec/a.msi")" 1 "kept: the first installer ran once"
recorded=$(grep -n "job $first: the outcome of attempt 1 is recorded, after [0-9]* failed tries over" "$run_log" | cut -d: -f1)
started=$(grep -n "job $second: attempt 1 started" "$run_log" | cut -d: -f1)
if [ -n "$recorded" ] && [ -n "$started" ] && [ "$recorded" -lt "$started" ]; then
  pass
else
  fail "kept: the next job did not start after the outcome was recorded (lines '$recorded', '$started')"
fi
check_equal "$(count_in_run_log "job $first: attempt 1 succeeded")" 1 "kept: the outcome's own line follows"
check_equal "$(status_text | grep -c '^  outcome:')" 0 "kept: status no longer shows an outcome"
check_equal "$(msiq --json status | jq -r .unrecorded_outcome)" null "kept: unrecorded_outcome is null again"
if [ -e "$note" ]; then fail "kept: the note file is still there"; else pass; fi
stop_dispatcher
check_equal "$dispatcher_status" 0 "kept: the dispatcher stopped cleanly"

# --- 2. Stopped while it keeps an outcome -----------------------------------
new_section stopped
start_dispatcher
if wait_until 30000 test -e "$FAKE_INSTALLER_MARKER"; then pass; else fail "stopped: the first installer never started"; fi
hold_write_lock "$MSIQ_DB"
if wait_until 60000 status_says "is not recorded yet"; then pass; else fail "stopped: status never showed the unrecorded outcome"; fi
stop_dispatcher
check_equal "$dispatcher_status" 0 "stopped: the dispatcher stopped"
check_equal "$(count_in_run_log "job $first: stopping with the outcome of attempt 1 (succeeded) not recorded; the next start records that attempt as interrupted and runs the job again")" 1 \
  "stopped: the loss is said, with what happens next"
if [ -e "$note" ]; then fail "stopped: the note file is still there"; else pass; fi
check_equal "$(status_text | grep -c '^  outcome:')" 0 "stopped: status shows no outcome without a dispatcher"
release_write_lock
check_equal "$(job_field "$first" .state)" running "stopped: the job was left running, as after a crash"
run_drain
check_equal "$drain_status" 0 "stopped: the next run drained the queue"
check_equal "$(count_in_run_log "recovered 1 job left running")" 1 "stopped: the next run recovered the attempt"
check_equal "$(job_field "$first" '[.history[].outcome] | join(",")')" interrupted,succeeded \
  "stopped: the lost attempt is interrupted, the job ran again"
check_equal "$(job_field "$second" .state)" succeeded "stopped: the next job ran"

finish
