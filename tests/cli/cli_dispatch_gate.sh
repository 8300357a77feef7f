#!/usr/bin/env bash
# cli_dispatch_gate.sh: when `msiq run` starts a job and when it must not.
# Proves, against the POSIX simulation (MSIQ_SIM_MUTEX, MSIQ_SIM_SERVICE) and
# the scripted fake installer, that a held installer mutex, a busy installer
# service and a paused queue each keep a queued job from starting (and that
# status and the run log say why), and that the job starts promptly once the
# gate opens; that msiq never owns the mutex, so its holder can always take
# it back; that "stopped" counts as idle and an unknown service state is
# warned about once and left to the mutex; that a queued job cancelled behind
# a closed gate never runs, even when the cancel lands between the pick and
# the start; that jobs start by priority, then oldest first;
# that --after, --not-before and --deadline are honoured; that only one
# dispatcher runs per database; and that --drain exits once the queue is
# drained (but not while a ready job waits for the mutex).
#
# Each section has its own database, argv log and simulated mutex and service
# files, and its own dispatcher. Every wait is bounded; timing bounds are
# generous (the poll interval is 100 ms, the bounds are seconds).
# MSIQ_RUNNER (empty, or a word such as "wine") is meant to split, and the
# bash -c scripts expand their own arguments.
# shellcheck disable=SC2016,SC2086
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms --retry-base 100ms --retry-max 400ms)
drain_pid=""
cleanup_pid_variables="$cleanup_pid_variables drain_pid"

# new_section NAME: a fresh directory, database, argv log, codes file and
# simulated mutex and service for one part of the test.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  export MSIQ_SIM_MUTEX="$sec/mutex"
  export MSIQ_SIM_SERVICE="$sec/service"
}

set_service() {
  printf '%s\n' "$1" >"$sec/service.tmp"
  mv "$sec/service.tmp" "$sec/service"
}

summary_of() {
  job_field "$1" '"state " + .state + ", attempts " + (.attempts | tostring)'
}

# started_targets: the targets in the argv log, in start order, one line.
started_targets() {
  if [ -e "$FAKE_INSTALLER_LOG" ]; then
    sed -E 's/^\[[^]]*\] \[([^]]*)\].*/\1/' "$FAKE_INSTALLER_LOG" | sed "s|^$sec/||" | tr '\n' ' '
  fi
}

# ---------------------------------------------------------------------------
# 1. A held installer mutex closes the gate.
new_section mutex
start_dispatcher
hold_mutex
a=$(pkg a)
b=$(pkg b)
job_a=$(enqueue "$a")
job_b=$(enqueue "$b")
check_match "$job_a $job_b" '^[0-9]+ [0-9]+$' "mutex: two jobs enqueued"
sleep 1.5
if [ -e "$FAKE_INSTALLER_LOG" ]; then
  fail "mutex: an installer started while the mutex was held: $(cat "$FAKE_INSTALLER_LOG")"
else
  pass
fi
check_equal "$(job_field "$job_a" .state)" "queued" "mutex: the job stays queued while the mutex is held"
run status
check_status 0 "mutex: status exits 0"
check_match "$out" '^dispatcher: +running$' "mutex: status says the dispatcher runs"
check_match "$out" '^gate: +closed \(another installation holds the mutex\)$' "mutex: status says the gate is closed by the mutex"
check_match "$out" '^  mutex: +held$' "mutex: status says the mutex is held"
check_match "$out" '^running: +none$' "mutex: status says nothing runs"
run --json status
check_equal "$(jq_of "$out" '[.gate.open, .gate.mutex, .gate.paused] | map(tostring) | join(" ")')" "false held false" \
  "mutex: status --json: gate closed, mutex held, not paused"
# The reason and the text come from the same evaluator as the run log's line.
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" \
  "mutex_held|another installation holds the Windows Installer mutex" \
  "mutex: status --json: gate.reason and gate.text, as the run log says them"
check_equal "$(count_in_run_log 'waiting: another installation holds the Windows Installer mutex')" "1" \
  "mutex: the run log says once that it waits for the mutex"
# A queued job cancelled while the dispatcher waits on the closed gate.
run cancel "$job_b"
check_status 0 "mutex: cancel of a job waiting behind the gate exits 0"
check_equal "$out" "job $job_b: cancelled" "mutex: the waiting job is cancelled at once"
release_mutex
if wait_until 2000 ran "$a"; then pass; else fail "mutex: the job did not start within 2 s of the release ($(cat "$run_log"))"; fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "mutex: the job did not succeed after the release (state $(job_field "$job_a" .state))"; fi
check_equal "$(count_in_run_log 'gate open')" "1" "mutex: the run log says the gate opened"
sleep 0.5
if ran "$b"; then fail "mutex: the cancelled job ran"; else pass; fi
check_equal "$(job_field "$job_b" '.state + " " + (.attempts | tostring)')" "cancelled 0" \
  "mutex: the cancelled job stays cancelled with no attempt"
check_equal "$(wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' ')" "1" "mutex: exactly one installer ran"
stop_dispatcher
check_equal "$dispatcher_status" "0" "mutex: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 1b. msiq never owns the mutex. While a ready job waits at the held mutex,
# the holder lets it go and takes it back at once, without waiting, 1,000
# times, as Windows Installer does between the sequences of a chained
# installation, and must never find it taken; once the holder lets go for
# good, the job starts within a few hundred ms. As during a chained
# installation, the service is busy while the holder churns, so the gate
# stays closed in the instants the mutex is free; it turns idle before the
# final release.
new_section churn
set_service busy
export FAKE_INSTALLER_MARKER="$sec/started" # the dispatcher passes it on
start_dispatcher
rm -f "$sec/held" "$sec/go" "$sec/churned" "$sec/release" "$sec/released"
"$MSIQ_SIM_MUTEX_TOOL" churn "$MSIQ_SIM_MUTEX" 1000 --ready "$sec/held" --go "$sec/go" \
  --churned "$sec/churned" --until "$sec/release" --released "$sec/released" 2>"$sec/churn.err" &
mutex_holder_pid=$!
wait_until 5000 mutex_held_file || fail "churn: could not take the simulated mutex"
a=$(pkg a)
job_a=$(enqueue "$a")
waits_for_mutex() {
  grep -qF 'waiting: another installation holds the Windows Installer mutex' "$run_log"
}
if wait_until 5000 waits_for_mutex; then pass; else fail "churn: the dispatcher did not wait at the mutex ($(cat "$run_log"))"; fi
touch "$sec/go"
churn_over() {
  [ -e "$sec/churned" ] || process_gone "$mutex_holder_pid"
}
if wait_until 30000 churn_over && [ -e "$sec/churned" ]; then
  pass
else
  fail "churn: the holder could not take the mutex back: $(cat "$sec/churn.err")"
fi
set_service idle
sleep 0.5
if ran "$a"; then fail "churn: the job started while the mutex was held"; else pass; fi
touch "$sec/release"
wait "$mutex_holder_pid"
check_equal "$?" "0" "churn: the holder took the mutex back every time ($(cat "$sec/churn.err"))"
mutex_holder_pid=""
if [ ! -e "$sec/released" ]; then
  fail "churn: the holder did not record its final release"
elif wait_until 5000 test -e "$sec/started"; then
  released_at=$(cat "$sec/released")
  started_at=$(stat -c %.6Y "$sec/started")
  latency=$(awk -v r="$released_at" -v s="$started_at" 'BEGIN { printf "%d", (s - r) * 1000 }')
  if [ "$latency" -ge 0 ] && [ "$latency" -le 500 ]; then
    pass
  else
    fail "churn: the job started $latency ms after the final release (at most 500 expected)"
  fi
else
  fail "churn: the job did not start after the final release ($(cat "$run_log"))"
fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "churn: the job did not succeed (state $(job_field "$job_a" .state))"; fi
unset FAKE_INSTALLER_MARKER
stop_dispatcher
check_equal "$dispatcher_status" "0" "churn: the dispatcher exits 0 on SIGTERM"

# ---------------------------------------------------------------------------
# 2. The installer service: busy closes the gate; idle and stopped open it;
# an unknown state is warned about once and the mutex decides alone.
new_section service
set_service busy
start_dispatcher
a=$(pkg a)
job_a=$(enqueue "$a")
sleep 1.5
if ran "$a"; then fail "service: a job started while the service was busy"; else pass; fi
check_equal "$(job_field "$job_a" .state)" "queued" "service: the job stays queued while the service is busy"
run status
check_match "$out" '^gate: +closed \(the Windows Installer service is busy\)$' "service: status says the service closes the gate"
check_match "$out" '^  service: +busy$' "service: status says the service is busy"
run --json status
check_equal "$(jq_of "$out" '[.gate.open, .gate.service] | map(tostring) | join(" ")')" "false busy" \
  "service: status --json: gate closed, service busy"
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" \
  "service_busy|the Windows Installer service is busy installing" \
  "service: status --json: gate.reason and gate.text"
check_equal "$(count_in_run_log 'waiting: the Windows Installer service is busy installing')" "1" \
  "service: the run log says once that it waits for the service"
set_service idle
if wait_until 2000 ran "$a"; then pass; else fail "service: the job did not start within 2 s of the service going idle"; fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "service: the job did not succeed once the service was idle"; fi

set_service stopped
run status
check_match "$out" '^gate: +open$' "service: a stopped service leaves the gate open"
check_match "$out" '^  service: +stopped$' "service: status says the service is stopped"
b=$(pkg b)
job_b=$(enqueue "$b")
if wait_until 2000 ran "$b"; then pass; else fail "service: a job did not start while the service was stopped"; fi
if wait_until 5000 job_state_is "$job_b" succeeded; then pass; else fail "service: the job did not succeed while the service was stopped"; fi

set_service weird
run status
check_match "$out" '^gate: +open$' "service: an unknown service state leaves the gate open"
check_match "$out" '^  service: +unknown \(the mutex decides alone\)$' "service: status says the service state is unknown"
run --json status
check_equal "$(jq_of "$out" '[.gate.open, .gate.service] | map(tostring) | join(" ")')" "true unknown" \
  "service: status --json: gate open, service unknown"
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" "open|open" \
  "service: status --json: an open gate's reason and text"
ids=""
for name in c d e; do
  ids="$ids $(enqueue "$(pkg "$name")")"
done
all_succeeded() {
  local id
  for id in "$@"; do job_state_is "$id" succeeded || return 1; done
}
# shellcheck disable=SC2086 # one id per word
if wait_until 10000 all_succeeded $ids; then pass; else fail "service: jobs did not run while the service state was unknown"; fi
# With the service unknown, the mutex alone keeps a job waiting.
hold_mutex
f=$(pkg f)
job_f=$(enqueue "$f")
sleep 1
if ran "$f"; then fail "service: a job started under a held mutex while the service state was unknown"; else pass; fi
release_mutex
if wait_until 2000 ran "$f"; then pass; else fail "service: the job did not start after the mutex was released (service unknown)"; fi
if wait_until 5000 job_state_is "$job_f" succeeded; then pass; else fail "service: the job did not succeed (service unknown)"; fi
check_equal "$(count_in_run_log 'warning: the Windows Installer service state is unknown; relying on the mutex alone')" "1" \
  "service: exactly one warning about the unknown service state over four jobs"
check_equal "$(grep -c 'warning' "$run_log")" "1" "service: no other warning in the run log"
stop_dispatcher

# ---------------------------------------------------------------------------
# 3. Pause and resume; a cancel behind a paused queue is honoured.
new_section pause
start_dispatcher
run pause --reason "maintenance window"
check_status 0 "pause: pause exits 0"
a=$(pkg a)
b=$(pkg b)
job_a=$(enqueue "$a")
job_b=$(enqueue "$b")
sleep 1.5
if [ -e "$FAKE_INSTALLER_LOG" ]; then fail "pause: an installer started while the queue was paused"; else pass; fi
check_equal "$(job_field "$job_a" .state)" "queued" "pause: the job stays queued while paused"
run status
check_match "$out" '^gate: +closed \(queue paused\)$' "pause: status says the queue closes the gate"
check_match "$out" '^  queue: +paused since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2}: maintenance window$' "pause: status shows the pause reason"
run --json status
check_equal "$(jq_of "$out" '[.gate.open, .gate.paused, .gate.pause_reason, .gate.reboot_initiated] | map(tostring) | join("|")')" \
  "false|true|maintenance window|false" "pause: status --json: paused with the reason"
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" \
  "paused|queue paused: maintenance window" "pause: status --json: gate.reason and gate.text with the pause reason"
check_equal "$(count_in_run_log 'waiting: queue paused: maintenance window')" "1" "pause: the run log says it waits for the pause"
run cancel "$job_b"
check_equal "$out" "job $job_b: cancelled" "pause: a queued job is cancelled while the queue is paused"
run resume
check_status 0 "pause: resume exits 0"
if wait_until 2000 ran "$a"; then pass; else fail "pause: the job did not start within 2 s of resume"; fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "pause: the job did not succeed after resume"; fi
sleep 0.5
if ran "$b"; then fail "pause: the job cancelled while paused ran"; else pass; fi
check_equal "$(job_field "$job_b" '.state + " " + (.attempts | tostring)')" "cancelled 0" \
  "pause: the cancelled job stays cancelled with no attempt"
stop_dispatcher

# ---------------------------------------------------------------------------
# 3b. A cancel that commits while the dispatcher is in the middle of its gate
# check: after it picked the job, before it starts it. The simulated service
# file is a symlink to a FIFO, so the dispatcher's service probe blocks until
# the test writes to the FIFO, and the cancel lands in exactly that window.
# (`msiq status` would block on the FIFO too, so it is not used here.)
new_section cancel_window
mkfifo "$sec/service.fifo"
ln -s "$sec/service.fifo" "$sec/service"
start_dispatcher
a=$(pkg a)
job_a=$(enqueue "$a")
sleep 1 # the dispatcher picks the job and blocks in its service probe
run cancel "$job_a"
check_equal "$out" "job $job_a: cancelled" "cancel window: the picked job is cancelled"
# Later probes read a regular file; the pending one reads "idle" from the FIFO.
set_service idle
timeout 5 bash -c 'printf "idle\n" >"$1"' _ "$sec/service.fifo"
sleep 1
if ran "$a"; then
  fail "cancel window: a job cancelled after the dispatcher picked it and before it started ran anyway ($(summary_of "$job_a"))"
else
  pass
fi
check_equal "$(job_field "$job_a" '.state + " " + (.attempts | tostring)')" "cancelled 0" \
  "cancel window: the job stays cancelled with no attempt"
stop_dispatcher

# ---------------------------------------------------------------------------
# 4. Priority first, then oldest first.
new_section priority
start_dispatcher
hold_mutex
job_p0=$(enqueue --priority 0 "$(pkg p0)")
job_p5a=$(enqueue --priority 5 "$(pkg p5a)")
job_p5b=$(enqueue --priority 5 "$(pkg p5b)")
job_p1=$(enqueue --priority 1 "$(pkg p1)")
sleep 0.3
if [ -e "$FAKE_INSTALLER_LOG" ]; then fail "priority: a job started while the mutex was held"; else pass; fi
release_mutex
if wait_until 10000 all_succeeded "$job_p0" "$job_p5a" "$job_p5b" "$job_p1"; then pass; else fail "priority: not every job succeeded"; fi
check_equal "$(started_targets)" "p5a.msi p5b.msi p1.msi p0.msi " "priority: start order is priority first, then oldest"
stop_dispatcher

# ---------------------------------------------------------------------------
# 5. --after: a dependency runs first whatever the priorities, and a failed
# dependency fails its dependents, which never run.
new_section after
start_dispatcher
hold_mutex
job_a=$(enqueue --priority 0 "$(pkg a)")
job_b=$(enqueue --priority 10 --after "$job_a" "$(pkg b)")
release_mutex
if wait_until 10000 all_succeeded "$job_a" "$job_b"; then pass; else fail "after: the jobs did not both succeed"; fi
check_equal "$(started_targets)" "a.msi b.msi " "after: the dependency ran before its higher-priority dependent"
hold_mutex
echo 1603 >"$FAKE_INSTALLER_CODES"
c=$(pkg c)
d=$(pkg d)
job_c=$(enqueue --priority 0 "$c")
job_d=$(enqueue --priority 10 --after "$job_c" "$d")
release_mutex
if wait_until 5000 job_state_is "$job_d" failed; then pass; else fail "after: the dependent of a failed job did not fail (state $(job_field "$job_d" .state))"; fi
check_equal "$(job_field "$job_c" '.state + " " + (.exit_code | tostring)')" "failed 1603" "after: the dependency failed with 1603"
check_match "$(job_field "$job_d" .last_error)" "^dependency job $job_c failed" "after: last_error names the failed dependency"
check_equal "$(job_field "$job_d" '.attempts')" "0" "after: the dependent has no attempt"
sleep 0.3
if ran "$d"; then fail "after: the dependent of a failed job ran"; else pass; fi
check_equal "$(count_in_run_log "job $job_d: failed before starting: dependency job")" "1" "after: the run log reports the job failed before starting"
stop_dispatcher

# ---------------------------------------------------------------------------
# 6. --not-before.
new_section not_before
start_dispatcher
a=$(pkg a)
enqueued_at=$(now_ms)
job_a=$(enqueue --not-before +2s "$a")
sleep 1
if ran "$a"; then fail "not-before: the job started before its not-before time"; else pass; fi
check_equal "$(job_field "$job_a" .state)" "queued" "not-before: the job is still queued after 1 s"
if wait_until 6000 ran "$a"; then pass; else fail "not-before: the job did not start within 4 s of its not-before time"; fi
started_after=$(($(now_ms) - enqueued_at))
if [ "$started_after" -ge 2000 ]; then pass; else fail "not-before: the job started $started_after ms after enqueue, before +2s"; fi
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "not-before: the job did not succeed"; fi
stop_dispatcher

# ---------------------------------------------------------------------------
# 7. --deadline passing while the gate is closed.
new_section deadline
start_dispatcher
hold_mutex
a=$(pkg a)
job_a=$(enqueue --deadline +1s "$a")
if wait_until 5000 job_state_is "$job_a" failed; then pass; else fail "deadline: the job did not fail once its deadline passed (state $(job_field "$job_a" .state))"; fi
release_mutex
check_match "$(job_field "$job_a" .last_error)" '^deadline passed \([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\) before the job could start$' \
  "deadline: last_error says the deadline passed"
check_equal "$(job_field "$job_a" '.attempts')" "0" "deadline: the job has no attempt"
sleep 0.5
if ran "$a"; then fail "deadline: a job past its deadline ran"; else pass; fi
check_equal "$(count_in_run_log 'failed before starting: deadline passed')" "1" \
  "deadline: the run log reports the job failed before starting"
stop_dispatcher

# ---------------------------------------------------------------------------
# 8. One dispatcher per database.
new_section single
start_dispatcher
run status
check_match "$out" '^dispatcher: +running$' "single: status says the dispatcher runs"
run --json status
check_equal "$(jq_of "$out" '.dispatcher_running')" "true" "single: status --json says the dispatcher runs"
out=$(timeout 10 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --poll 100ms 2>"$work_dir/stderr")
status=$?
err=$(cat "$work_dir/stderr")
check_error 5 "another dispatcher" "single: a second dispatcher on the same database"
check_equal "$out" "" "single: the second dispatcher prints nothing on stdout"
out=$(timeout 10 ${MSIQ_RUNNER:-} "$MSIQ_BIN" --db "$sec/./queue.db" run --poll 100ms 2>"$work_dir/stderr")
status=$?
err=$(cat "$work_dir/stderr")
check_error 5 "another dispatcher" "single: a second dispatcher on another spelling of the path"
if kill -0 "$dispatcher_pid" 2>/dev/null; then pass; else fail "single: the first dispatcher stopped"; fi
a=$(pkg a)
job_a=$(enqueue "$a")
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "single: the first dispatcher no longer runs jobs"; fi
stop_dispatcher
check_equal "$dispatcher_status" "0" "single: the first dispatcher exits 0 on SIGTERM"
check_equal "$(count_in_run_log 'dispatcher stopped')" "1" "single: the run log says the dispatcher stopped"
run status
check_match "$out" '^dispatcher: +not running$' "single: status says no dispatcher runs after it stopped"

# ---------------------------------------------------------------------------
# 9. --drain.
new_section drain
ids=""
for name in a b c; do
  ids="$ids $(enqueue "$(pkg "$name")")"
done
out=$(timeout 30 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --drain --poll 100ms --retry-base 100ms --retry-max 400ms 2>"$work_dir/stderr")
status=$?
err=$(cat "$work_dir/stderr")
check_status 0 "drain: run --drain exits 0"
check_match "$out" 'drained: no job is running, ready or waiting for a retry' "drain: the output says the queue is drained"
# shellcheck disable=SC2086 # one id per word
if all_succeeded $ids; then pass; else fail "drain: not every job succeeded: $(msiq --json list | jq -c 'map(.state)')"; fi
check_equal "$(started_targets)" "a.msi b.msi c.msi " "drain: the jobs ran oldest first"
# A ready job behind a held mutex keeps a drain run waiting.
d=$(pkg d)
job_d=$(enqueue "$d")
hold_mutex
${MSIQ_RUNNER:-} "$MSIQ_BIN" run --drain --poll 100ms >"$sec/drain.log" 2>&1 &
drain_pid=$!
sleep 1
if kill -0 "$drain_pid" 2>/dev/null; then pass; else fail "drain: run --drain exited while a ready job waited for the mutex: $(cat "$sec/drain.log")"; fi
if ran "$d"; then fail "drain: the job started under a held mutex"; else pass; fi
release_mutex
if wait_until 10000 process_dead "$drain_pid"; then pass; else fail "drain: run --drain did not exit after the job ran"; kill "$drain_pid"; fi
wait "$drain_pid"
status=$?
drain_pid=""
check_equal "$status" "0" "drain: run --drain exits 0 after the mutex was released"
check_equal "$(job_field "$job_d" .state)" "succeeded" "drain: the job behind the mutex succeeded"
# A paused queue ends a drain run without starting anything.
msiq pause --reason "drain test" >/dev/null
e=$(pkg e)
job_e=$(enqueue "$e")
out=$(timeout 30 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run --drain --poll 100ms 2>"$work_dir/stderr")
status=$?
err=$(cat "$work_dir/stderr")
check_status 0 "drain: run --drain on a paused queue exits 0"
check_match "$out" 'drained: the queue is paused' "drain: the output says the queue is paused"
check_equal "$(job_field "$job_e" .state)" "queued" "drain: the job of a paused queue stays queued"
if ran "$e"; then fail "drain: a job of a paused queue ran"; else pass; fi

finish
