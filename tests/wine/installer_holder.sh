#!/usr/bin/env bash
# installer_holder.sh: who holds the installer, under Wine, with the real
# Global\_MSIExecute and Wine's process list.
#
# Wine's event log functions are stubs, so only the process list can answer
# here. tests/win/hold_mutex.c holds the mutex; run under its own name it is
# no msiexec.exe, and `status` must say that Windows shows no holder. A copy
# of it named msiexec.exe, started with "/i C:\x.msi /qn" after its own two
# arguments, stands for another installation's client: `status` (text and
# --json) and the dispatcher's waiting line must show its command line and
# process id, read from that other process. Exit codes through `wine` are
# not used.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

export MSIQ_RUNNER=wine
export MSIQ_BIN="$MSIQ_EXE"
holder_pid=""
dispatcher_pid=""

cleanup_wine() {
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_wine EXIT

wine_prefix_init
MSIQ_DB=$(win_path "$work_dir/queue.db")
export MSIQ_DB
export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
make_package "$work_dir/pkg.msi"
run enqueue "$(win_path "$work_dir/pkg.msi")"
check_status 0 "enqueue"
job_id=$out

# hold PROGRAM ARGS...: starts PROGRAM (a hold_mutex) holding the mutex for
# up to 60 s and waits until it holds it.
hold() {
  rm -f "$work_dir/held"
  local program=$1
  shift
  wine "$program" 60000 "$(win_path "$work_dir/held")" "$@" &
  holder_pid=$!
  wait_until 20000 test -e "$work_dir/held" || fail "$program did not take the mutex"
}

release() {
  kill "$holder_pid" 2>/dev/null
  wait "$holder_pid" 2>/dev/null
  holder_pid=""
}

# 1. The mutex held by a program that is not msiexec.exe: nobody to name.
hold "$HOLD_MUTEX_EXE"
run status
check_match "$out" 'gate: +closed \(another installation holds the mutex\)' "plain: the mutex closes the gate"
check_match "$out" '  holder: +not shown by Windows' "plain: no msiexec.exe, no holder"
run --json status
check_equal "$(jq -r '.gate.holder | tostring' <<<"$out")" "null" "plain: gate.holder is null"
release

# 2. The same program as msiexec.exe, with an installation's arguments.
mkdir -p "$work_dir/other"
cp "$HOLD_MUTEX_EXE" "$work_dir/other/msiexec.exe"
hold "$work_dir/other/msiexec.exe" /i 'C:\x.msi' /qn
run status
check_match "$out" '  holder: +.*msiexec\.exe.* /i C:\\x\.msi /qn \(process [0-9]+\), from the process list' \
  "msiexec: status shows the other process's command line"
run --json status
check_equal "$(jq -r '[.gate.holder.source, (.gate.holder.process_id | type)] | join(" ")' <<<"$out")" \
  "process list number" "msiexec: gate.holder from the process list, with a process id"
check_match "$(jq -r '.gate.holder.command_line' <<<"$out")" 'msiexec\.exe.* /i C:\\x\.msi /qn$' \
  "msiexec: gate.holder.command_line"
check_match "$(jq -r '.gate.text' <<<"$out")" '^another installation is running: .*msiexec\.exe.* /i C:\\x\.msi /qn \(process [0-9]+\)$' \
  "msiexec: gate.text names it"
wine "$MSIQ_EXE" run --poll 200ms >>"$work_dir/run.log" 2>&1 &
dispatcher_pid=$!
waits_for_holder() {
  grep -qE 'waiting: another installation is running: .*msiexec\.exe.* /i C:\\x\.msi /qn \(process [0-9]+\)' "$work_dir/run.log"
}
if wait_until 30000 waits_for_holder; then pass; else fail "msiexec: the waiting line does not name it ($(tr -d '\r' <"$work_dir/run.log"))"; fi
check_equal "$(job_field "$job_id" .state)" "queued" "msiexec: the job waits"
release
if wait_until 30000 job_finished "$job_id"; then pass; else fail "msiexec: the job did not run after the release"; fi
check_equal "$(job_field "$job_id" .state)" "succeeded" "msiexec: the job succeeded"
kill -INT "$dispatcher_pid" 2>/dev/null
wait_until 10000 bash -c "! kill -0 $dispatcher_pid 2>/dev/null"
kill "$dispatcher_pid" 2>/dev/null
wait "$dispatcher_pid" 2>/dev/null
dispatcher_pid=""

finish
