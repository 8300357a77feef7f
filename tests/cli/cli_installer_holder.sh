#!/usr/bin/env bash
# cli_installer_holder.sh: who holds the installer, in `status` (text and
# --json) and in the dispatcher's "waiting" line, against the POSIX
# simulation: the mutex (MSIQ_SIM_MUTEX) or the service (MSIQ_SIM_SERVICE)
# closes the gate, and the file MSIQ_SIM_MUTEX.holder names the other
# installation the way Windows would show it (one process line, or recorded
# MsiInstaller event XML). Proves that the holder is named where known and
# said to be unknown otherwise; that a holder that teaches nothing (the
# service's own "msiexec.exe /V") is not named; and that the host is not
# asked when the gate is open or closed for another reason (a pause).
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms)
dispatcher_time_limit=60

new_section() {
  begin_section "$1"
  export MSIQ_SIM_MUTEX="$sec/mutex"
  export MSIQ_SIM_SERVICE="$sec/service"
  holder_file="$MSIQ_SIM_MUTEX.holder"
  # A database to ask: status needs one.
  msiq pause --reason setup >/dev/null 2>&1 && msiq resume >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# 1. The mutex is held and nothing names its holder.
new_section unknown
hold_mutex
run status
check_status 0 "unknown: status exits 0"
check_match "$out" '^gate: +closed \(another installation holds the mutex\)$' "unknown: the gate is closed by the mutex"
check_match "$out" '^  holder: +not shown by Windows$' "unknown: status says Windows shows no holder"
run --json status
check_status 0 "unknown: status --json exits 0"
check_equal "$(jq_of "$out" '.gate.holder | tostring')" "null" "unknown: gate.holder is null"
check_equal "$(jq_of "$out" '.gate.text')" "another installation holds the Windows Installer mutex" \
  "unknown: gate.text is the mutex's own"

# ---------------------------------------------------------------------------
# 2. The process list names it: status and the dispatcher say so.
printf '%s\n' '1234 msiexec.exe /i C:\x.msi /qn' >"$holder_file"
run status
check_match "$out" '^  holder: +msiexec\.exe /i C:\\x\.msi /qn \(process 1234\), from the process list$' \
  "process: status names the holder, its process and the source"
check_match "$out" '^gate: +closed \(another installation holds the mutex\)$' "process: the gate line keeps its summary"
run --json status
check_equal "$(jq_of "$out" '[.gate.holder.source, (.gate.holder.process_id | tostring), .gate.holder.command_line, (.gate.holder.package | tostring)] | join("|")')" \
  'process list|1234|msiexec.exe /i C:\x.msi /qn|null' "process: gate.holder in JSON"
check_equal "$(jq_of "$out" '.gate.holder.process_id | type')" "number" "process: process_id is a number"
check_equal "$(jq_of "$out" '.gate.text')" 'another installation is running: msiexec.exe /i C:\x.msi /qn (process 1234)' \
  "process: gate.text names the holder"
a="$sec/a.msi"
make_package "$a" "Holder App" || fail "make_package a.msi"
job_a=$(enqueue "$a")
check_match "$job_a" '^[0-9]+$' "process: a job enqueued"
start_dispatcher
waits_for_holder() {
  grep -qF 'waiting: another installation is running: msiexec.exe /i C:\x.msi /qn (process 1234)' "$run_log"
}
if wait_until 5000 waits_for_holder; then pass; else fail "process: the waiting line does not name the holder ($(cat "$run_log"))"; fi
check_equal "$(job_field "$job_a" .state)" "queued" "process: the job waits"
release_mutex
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "process: the job did not run after the release"; fi
stop_dispatcher
check_equal "$(grep -c 'waiting: another installation is running' "$run_log")" "1" \
  "process: the waiting line is said once"

# ---------------------------------------------------------------------------
# 3. The service is busy (the mutex free) and the event log names the open
# transaction.
new_section events
printf '%s\n' busy >"$MSIQ_SIM_SERVICE"
cat >"$holder_file" <<'XML'
<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID></System><EventData><Data>C:\Packages\Tool &amp; Co.msi</Data><Data>4321</Data></EventData></Event>
<Event><System><Provider Name='MsiInstaller'/><EventID>1042</EventID></System><EventData><Data>C:\Packages\Old.msi</Data><Data>99</Data></EventData></Event>
<Event><System><Provider Name='MsiInstaller'/><EventID>1040</EventID></System><EventData><Data>C:\Packages\Old.msi</Data><Data>99</Data></EventData></Event>
XML
run status
check_match "$out" '^gate: +closed \(the Windows Installer service is busy\)$' "events: the gate is closed by the service"
check_match "$out" '^  holder: +C:\\Packages\\Tool & Co\.msi \(process 4321\), from the event log$' \
  "events: status names the package and process from the event log"
run --json status
check_equal "$(jq_of "$out" '[.gate.holder.source, .gate.holder.package, (.gate.holder.process_id | tostring), (.gate.holder.command_line | tostring)] | join("|")')" \
  'event log|C:\Packages\Tool & Co.msi|4321|null' "events: gate.holder in JSON"

# ---------------------------------------------------------------------------
# 4. What teaches nothing: the service's own /V process.
printf '%s\n' '88 C:\Windows\system32\msiexec.exe /V' >"$holder_file"
run status
check_match "$out" '^  holder: +not shown by Windows$' "service process: the /V process is not named"
run --json status
check_equal "$(jq_of "$out" '.gate.holder | tostring')" "null" "service process: gate.holder is null"

# ---------------------------------------------------------------------------
# 5. Not asked when the gate is open, or closed for another reason.
printf '%s\n' '1234 msiexec.exe /i C:\x.msi /qn' >"$holder_file"
printf '%s\n' idle >"$MSIQ_SIM_SERVICE"
run status
check_match "$out" '^gate: +open$' "open: the gate is open"
if printf '%s' "$out" | grep -q 'holder:'; then fail "open: status shows a holder line with the gate open"; else pass; fi
run --json status
check_equal "$(jq_of "$out" '.gate.holder | tostring')" "null" "open: gate.holder is null"
printf '%s\n' busy >"$MSIQ_SIM_SERVICE"
msiq pause --reason "patch night" >/dev/null
run status
check_match "$out" '^gate: +closed \(queue paused\)$' "paused: the pause closes the gate first"
if printf '%s' "$out" | grep -q 'holder:'; then fail "paused: status asked for a holder behind a pause"; else pass; fi
run --json status
check_equal "$(jq_of "$out" '[(.gate.holder | tostring), .gate.text] | join("|")')" "null|queue paused: patch night" \
  "paused: no holder, the pause's text"

finish
