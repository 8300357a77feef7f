#!/usr/bin/env bash
# mutex_churn.sh: msiq.exe under Wine never owns Global\_MSIExecute.
#
# Proves on a fresh Wine prefix that while a ready job waits at the gate
# because another process owns Global\_MSIExecute, that owner
# (tests/win/mutex_churn.c) can release the mutex and take it back with a
# zero-timeout wait 1,000 times without a single failure, as Windows
# Installer does between the sequences of a chained installation; and that
# the job starts within 2 s of the owner's final release. The old gate,
# which tested the mutex by acquiring it and woke up by waiting on it, made
# such a re-take fail: a waiting thread is handed the mutex on release.
#
# As during a chained installation, the installer service looks busy while
# the owner churns (tests/win/toggle_service.c standing in for msiserver), so
# the gate stays closed in the instants the mutex is free; it turns idle
# before the final release. The dispatcher polls only every 10 s, so a
# start within 2 s of the release is the mutex watch at work (it looks every
# 100 ms; most of the 2 s allow for starting the stand-in installer, a new
# Wine process, which takes several hundred ms on a busy machine; the
# watch's own timing is test_gate_watch's business).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

dispatcher_pid=""
churn_pid=""
cleanup_wine() {
  [ -n "$churn_pid" ] && touch "$work_dir/churn/go" "$work_dir/churn/release"
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_wine EXIT

wine_prefix_init

# The stand-in for msiserver, busy for now.
state_file="$work_dir/service.state"
echo busy >"$state_file"
wine sc create msiqchurn binPath= "$(win_path "$TOGGLE_SERVICE_EXE") $(win_path "$state_file")" >/dev/null 2>&1
wine sc start msiqchurn >/dev/null 2>&1
toggle_running() {
  wine sc query msiqchurn 2>/dev/null | grep -q RUNNING
}
wait_until 20000 toggle_running || fail "the test service did not start"
export MSIQ_INSTALLER_SERVICE=msiqchurn

# The owner takes the mutex before anything is queued.
churn_dir="$work_dir/churn"
mkdir -p "$churn_dir"
wine "$MUTEX_CHURN_EXE" 1000 "$(win_path "$churn_dir")" 2>"$work_dir/churn.err" &
churn_pid=$!
wait_until 20000 test -e "$churn_dir/held" || fail "mutex_churn did not take the mutex: $(cat "$work_dir/churn.err")"

MSIQ_DB=$(win_path "$work_dir/queue.db")
export MSIQ_DB
export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
export FAKE_INSTALLER_MARKER
FAKE_INSTALLER_MARKER=$(win_path "$work_dir/started")
make_package "$work_dir/pkg.msi"
run enqueue "$(win_path "$work_dir/pkg.msi")"
check_status 0 "enqueue"
job_id=$out
run_log="$work_dir/run.log"
wine "$MSIQ_EXE" run --poll 10s >>"$run_log" 2>&1 &
dispatcher_pid=$!

# last_gate_line: the dispatcher's latest report of the gate.
last_gate_line() {
  grep -E 'waiting: |gate open' "$run_log" | tail -1 | tr -d '\r'
}
waits_for_mutex() {
  last_gate_line | grep -qF 'waiting: another installation holds the Windows Installer mutex'
}
if wait_until 30000 waits_for_mutex; then pass; else fail "the dispatcher did not wait at the mutex: $(cat "$run_log")"; fi
run status
check_match "$out" "mutex: +held" "status says the mutex is held"

touch "$churn_dir/go"
churn_over() {
  [ -e "$churn_dir/churned" ] || [ -e "$churn_dir/result" ]
}
wait_until 120000 churn_over
check_equal "$(cat "$churn_dir/result" 2>/dev/null)" "" "no re-take of the mutex failed during the churn"
if [ -e "$churn_dir/churned" ]; then pass; else fail "the owner did not finish the churn: $(cat "$work_dir/churn.err")"; fi
check_equal "$(job_field "$job_id" .state)" "queued" "no job started during the churn"

# The service turns idle; the dispatcher, should it have seen the mutex
# free in an instant of the churn, waits at the service until its next
# poll and then at the mutex again.
echo idle >"$state_file"
if wait_until 25000 waits_for_mutex; then pass; else fail "the dispatcher is not waiting at the mutex: $(last_gate_line)"; fi
sleep 0.5
if [ -e "$work_dir/started" ]; then fail "the job started while the mutex was held"; else pass; fi

touch "$churn_dir/release"
if ! wait_until 5000 test -e "$churn_dir/released"; then
  fail "the owner did not record its final release"
elif wait_until 5000 test -e "$work_dir/started"; then
  released_at=$(cat "$churn_dir/released")
  started_at=$(stat -c %.6Y "$work_dir/started")
  latency=$(awk -v r="$released_at" -v s="$started_at" 'BEGIN { printf "%d", (s - r) * 1000 }')
  echo "mutex_churn: the job started $latency ms after the final release"
  if [ "$latency" -ge 0 ] && [ "$latency" -le 2000 ]; then
    pass
  else
    fail "the job started $latency ms after the final release (at most 2000 expected)"
  fi
else
  fail "the job did not start after the final release"
fi
wait "$churn_pid"
churn_pid=""
check_equal "$(cat "$churn_dir/result" 2>/dev/null)" "ok 1000" "the owner re-took the mutex 1,000 times"
job_finished() {
  case "$(job_field "$job_id" .state)" in
    succeeded | failed | cancelled) return 0 ;;
  esac
  return 1
}
wait_until 20000 job_finished
check_equal "$(job_field "$job_id" .state)" "succeeded" "the job succeeded"

kill -INT "$dispatcher_pid" 2>/dev/null
wait_until 10000 bash -c "! kill -0 $dispatcher_pid 2>/dev/null"
kill "$dispatcher_pid" 2>/dev/null
wait "$dispatcher_pid" 2>/dev/null
dispatcher_pid=""
wine sc stop msiqchurn >/dev/null 2>&1
wine sc delete msiqchurn >/dev/null 2>&1

if [ "$failed" -ne 0 ]; then
  echo "--- dispatcher output" >&2
  cat "$run_log" >&2
fi
finish
