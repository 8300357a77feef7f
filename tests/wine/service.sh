#!/usr/bin/env bash
# service.sh: msiq as a Windows service under Wine's service manager.
#
# Proves on a fresh Wine prefix that:
#   - `service install` sets the preshutdown timeout and the description
#     (read back by tests/win/service_probe.c; Wine's manager cannot report
#     delayed start or failure actions, so those are checked only where it
#     can), and says which settings this manager does not support;
#   - a stop while a job runs is a graceful stop whose checkpoint advances
#     while it is pending (the service manager sees progress), and the job's
#     outcome is recorded;
#   - a stop arriving as the dispatcher ends, and repeated start/stop
#     cycles, leave the service stopped cleanly each time;
#   - `service uninstall` of a running service stops it first, then removes
#     it;
#   - msiq.exe carries the event log's message table (each documented id
#     formats with FormatMessageW from the exe loaded as a data file), and
#     install registers the event source "msiq" with msiq.exe as its
#     message file and uninstall removes it.
#
# The service gets its environment from the registry (wine_prefix_init), so
# it runs the scripted installer (tests/fake_installer.c) that sleeps.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

export MSIQ_RUNNER=wine
export MSIQ_BIN="$MSIQ_EXE"

trap wine_prefix_cleanup EXIT

wine_prefix_init "MSIQ_INSTALLER=$(win_path "$FAKE_INSTALLER_EXE")" FAKE_INSTALLER_SLEEP_MS=9000

MSIQ_DB=$(win_path "$work_dir/service.db")
export MSIQ_DB
make_package "$work_dir/pkg.msi"

probe() {
  wine "$SERVICE_PROBE_EXE" "$@" 2>&1 | tr -d '\r'
}

service_state() {
  msiq service --name msiqsvc status 2>/dev/null
}

is_running() {
  service_state | grep -q ': running$'
}

# 1. Install: the settings the service manager can report.
run service --name msiqsvc install
check_status 0 "install"
check_match "$out" "service msiqsvc installed \(runs: msiq service run --name msiqsvc --db " \
  "install: the command line stays as the msi and scripts expect"
config=$(probe config msiqsvc)
# The graceful stop's wait: the dispatcher's 30 s grace and 15 s to record.
check_match "$config" "^preshutdown 45000$" "install: the preshutdown timeout is the stop's wait"
check_match "$config" "description Runs queued Windows Installer jobs" "install: the description"
if printf '%s\n' "$config" | grep -q '^failure_actions [0-9]'; then
  check_match "$config" "^failure_actions 86400 3 1/60000 1/300000 0/0$" \
    "install: restart after one and after five minutes, reset after a day"
fi
if printf '%s\n' "$config" | grep -q '^delayed [01]'; then
  check_match "$config" "^delayed 1$" "install: delayed automatic start"
fi
# What Wine's manager does not take is named, not hidden.
if printf '%s\n' "$config" | grep -q '^failure_actions unsupported'; then
  check_match "$err" "does not support these settings of service msiqsvc: .*failure actions" \
    "install: a setting the manager does not know is named on stderr"
fi
source_key='HKLM\System\CurrentControlSet\Services\EventLog\Application\msiq'
source=$(wine reg query "$source_key" 2>/dev/null | tr -d '\r')
check_match "$source" "EventMessageFile +REG_EXPAND_SZ +Z:.*msiq\.exe$" \
  "install: the event source's message file is msiq.exe"
check_match "$source" "TypesSupported +REG_DWORD +0x7$" \
  "install: the event source takes information, warning and error"
messages=$(probe messages "$(win_path "$MSIQ_EXE")" 3100 3101 3110 3111 3112 3113 3114 3115 3190 3199)
for entry in "3100: The msiq dispatcher started" "3101: The msiq dispatcher stopped" \
  "3110: An msiq job started" "3111: An msiq job succeeded\." \
  "3112: An msiq job succeeded; a reboot is required" "3113: An msiq job failed" \
  "3114: An msiq job was cancelled" "3115: The msiq queue is paused: an installer started a reboot" \
  "3190: msiq cannot use its queue"; do
  check_match "$messages" "^$entry.*\|INSERT" "message table: ${entry%%:*} formats with its text and the event's"
done
check_match "$messages" "^3199: missing$" "message table: an undocumented id is not in it"
run service --name msiqsvc install
check_status 2 "install twice"
check_match "$err" "already installed" "install twice: says so"

# 2. A stop while a job runs: STOP_PENDING with a checkpoint that advances
# until the installer (9 s) ends and its outcome is recorded.
run service --name msiqsvc start
check_status 0 "start"
wait_until 20000 is_running || fail "start: the service did not reach running ($(service_state))"
run enqueue "$(win_path "$work_dir/pkg.msi")"
job=$out
job_running() { [ "$(job_field "$job" .state)" = "running" ]; }
wait_until 30000 job_running || fail "stop: the job did not start ($(job_field "$job" .state))"
stop_trace=$(probe stop msiqsvc 60000)
# States: 3 stop pending, 1 stopped. Each line is "STATE CHECKPOINT HINT".
pending_max=$(printf '%s\n' "$stop_trace" | awk '$1 == 3 && $2 > max { max = $2 } END { print max + 0 }')
if [ "$pending_max" -ge 3 ]; then pass; else fail "stop: the checkpoint did not advance while the stop was pending: $stop_trace"; fi
check_match "$stop_trace" "^3 [0-9]+ 10000$" "stop: the wait hint promises the next checkpoint"
check_match "$(printf '%s\n' "$stop_trace" | tail -1)" "^1 0 " "stop: the service ends stopped"
check_equal "$(job_field "$job" .state)" "succeeded" "stop: the running job's outcome was recorded"
check_match "$(tr -d '\r' <"$work_dir/msiq-service.log")" "dispatcher stopped" "stop: the dispatcher stopped cleanly"

# 3. Start and stop again, with a stop sent at once after the start (before
# or while the dispatcher starts) and while it ends: each cycle ends with the
# service stopped and the dispatcher's stop in the log.
for cycle in 1 2 3; do
  run service --name msiqsvc start
  check_status 0 "cycle $cycle: start"
  run service --name msiqsvc stop
  check_status 0 "cycle $cycle: stop ($err)"
  check_match "$(service_state)" ": stopped$" "cycle $cycle: stopped"
done
check_equal "$(grep -c 'dispatcher stopped' "$work_dir/msiq-service.log")" "4" \
  "cycles: every run ended with the dispatcher's own stop"

# 4. Uninstall while running: stopped first, then removed.
run service --name msiqsvc start
wait_until 20000 is_running || fail "uninstall: the service did not start again"
run service --name msiqsvc uninstall
check_status 0 "uninstall while running ($err)"
check_match "$(service_state)" "not installed" "uninstall: removed"
check_equal "$(grep -c 'dispatcher stopped' "$work_dir/msiq-service.log")" "5" \
  "uninstall: the running service was stopped gracefully first"
if wine reg query "$source_key" >/dev/null 2>&1; then
  fail "uninstall: the event source is still registered"
else
  pass
fi
run service --name msiqsvc uninstall
check_status 2 "uninstall twice"

if [ "$failed" -ne 0 ]; then
  echo "--- service log" >&2
  tr -d '\r' <"$work_dir/msiq-service.log" >&2
fi
finish
