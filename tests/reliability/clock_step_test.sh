#!/usr/bin/env bash
# clock_step_test.sh: a wall clock set back does not delay a retry beyond
# its backoff (issue 15, item 7; docs/reliability.md, "Clock steps"). The
# simulation host's wall clock is stepped through MSIQ_SIM_CLOCK_OFFSET (a
# file of milliseconds added to the real clock, read at every reading, so
# the running dispatcher sees the step at once; docs/testing.md). Proves
# that:
#   1. with a dispatcher running and a job waiting for its retry (1618, a
#      backoff of at most 4 s), a step back of one day makes the dispatcher
#      say so, move the retry time back within the backoff, and run the
#      job's second attempt, which succeeds (before, the retry waited a day
#      and a wait of 60 s here timed out);
#   2. a step back while no dispatcher runs: the next `run --drain` clamps
#      the retry time at its start and drains the queue;
#   3. a step forward changes nothing but the order of things: the retry is
#      due at once and runs.
# (The store's clamp itself, including a retry after an interruption,
# which has no backoff, is tested by tests/reliability/test_retry_clamp.c.)
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1
chmod 700 "$work_dir"

dispatcher_options=(--poll 100ms --retry-base 4s --retry-max 4s)
day_ms=86400000

# new_section NAME: a section whose installer answers 1618, then 0, and
# whose clock starts unshifted.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  echo "1618 0" >"$FAKE_INSTALLER_CODES"
  export MSIQ_SIM_CLOCK_OFFSET="$sec/clock"
  echo 0 >"$MSIQ_SIM_CLOCK_OFFSET"
}

# retry_at_ms ID: the stored retry time, in milliseconds (empty if none).
retry_at_ms() {
  sqlite3 "$MSIQ_DB" "SELECT retry_at FROM job WHERE id = $1"
}

# --- 1. A step back while the dispatcher runs ------------------------------
new_section running
id=$(enqueue "$(pkg app)")
start_dispatcher
if wait_until 30000 job_state_is "$id" retrying; then pass; else fail "running: the job never waited for a retry"; fi
before=$(retry_at_ms "$id")
echo "-$day_ms" >"$MSIQ_SIM_CLOCK_OFFSET"
if wait_until 60000 job_state_is "$id" succeeded; then
  pass
else
  fail "running: the retry did not run after the clock went back (retry_at $(retry_at_ms "$id"), was $before; $(tail -n 3 "$run_log"))"
fi
check_equal "$(job_field "$id" .attempts)" 2 "running: two attempts"
check_equal "$(count_in_run_log "warning: the wall clock went back by")" 1 "running: the step is reported once"
check_equal "$(count_in_run_log "job $id: next attempt moved from")" 1 "running: the retry time was moved"
# The moved time is on the stepped clock: about a day before the stored
# one (the stored time less a day, plus the time the step took to be seen,
# plus at most the 4 s backoff; five minutes allow for a slow machine),
# where the stored time itself is a day away.
# The times are local with their offset ("2026-12-02 22:00:05 +01:00"),
# which date reads back.
moved=$(grep "job $id: next attempt moved from" "$run_log" | sed 's/.* to \(.*\), as its backoff allows.*/\1/')
moved_s=$(date -u -d "$moved" +%s)
if [ "$moved_s" -lt $((before / 1000 - 86400 + 300)) ]; then
  pass
else
  fail "running: the retry was moved to $moved, not about a day before $(date -u -d "@$((before / 1000))" +%FT%TZ)"
fi
stop_dispatcher
check_equal "$dispatcher_status" 0 "running: the dispatcher stopped cleanly"

# --- 2. A step back while no dispatcher runs --------------------------------
new_section stopped
id=$(enqueue "$(pkg app)")
start_dispatcher
if wait_until 30000 job_state_is "$id" retrying; then pass; else fail "stopped: the job never waited for a retry"; fi
stop_dispatcher
echo "-$day_ms" >"$MSIQ_SIM_CLOCK_OFFSET"
run_drain
check_equal "$drain_status" 0 "stopped: run --drain drained the queue (124: it waited for the old retry time)"
check_equal "$(job_field "$id" .state)" succeeded "stopped: the retry ran"
check_equal "$(count_in_run_log "job $id: next attempt moved from")" 1 "stopped: the retry time was moved at start"

# --- 3. A step forward -------------------------------------------------------
new_section forward
id=$(enqueue "$(pkg app)")
start_dispatcher
if wait_until 30000 job_state_is "$id" retrying; then pass; else fail "forward: the job never waited for a retry"; fi
echo "$day_ms" >"$MSIQ_SIM_CLOCK_OFFSET"
if wait_until 60000 job_state_is "$id" succeeded; then pass; else fail "forward: the retry did not run"; fi
check_equal "$(count_in_run_log "wall clock went back")" 0 "forward: no step back reported"
check_equal "$(count_in_run_log "next attempt moved")" 0 "forward: no retry time moved"
stop_dispatcher

finish
