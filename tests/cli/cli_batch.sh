#!/usr/bin/env bash
# cli_batch.sh: unattended batch patching (issue 5) on the POSIX simulation
# host. Proves:
#   1. maintenance window: `run --window` outside the window starts nothing,
#      says why in the run log and in `status` (text and --json, with the next
#      opening in UTC, computed from local time); inside the window the job
#      runs; a window crossing midnight is accepted; bad windows are refused
#      with exit 2 before anything is created; the window is cleared when the
#      dispatcher stops.
#   2. pending reboot (MSIQ_SIM_REBOOT_PENDING): `--hold-on-pending-reboot`
#      holds the queue and says why; removing the file releases it; without
#      the option the job runs anyway; status shows the pending reboot.
#   3. 1641 auto-resume (MSIQ_SIM_BOOT_TIME): the queue paused by a 1641 stays
#      paused across a dispatcher restart and a boot time that moved by less
#      than a minute, and resumes by itself once the boot time changed; a
#      manual pause is never resumed that way.
#   4. manifests with "after" by key: patches run after their base; a repeated
#      import while the jobs are unfinished adds nothing; once they finished
#      the keys are free and a repeated import adds a new batch.
#   5. (`msiq exec` has its own test, cli_exec.sh.)
#   6. diagnostics: a UTF-16LE verbose log with a failing action is excerpted
#      into last_error (show, show --json), the history keeps one line,
#      `msiq log` prints the log as UTF-8 and `log --failure` the excerpt.
#   7. `msiq report` (text, --json, --since) and the simulated event log
#      (MSIQ_SIM_EVENT_LOG).
#   8. jobs that fail before starting (dependency, deadline) are failures in
#      the report and in the event log.
#
# Every section has its own database; dispatchers poll every 100 ms; every
# wait is bounded.
# MSIQ_RUNNER (empty, or a word such as "wine") is meant to split.
# shellcheck disable=SC2086
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

# A dispatcher left running by a failing section ends on its own.
dispatcher_options=(--poll 100ms --grace 2s)
dispatcher_time_limit=85

# new_section NAME: a fresh directory, database, argv log, codes file and
# stand-in packages.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  make_package "$sec/app.msi"
  make_package "$sec/b.msi"
  make_package "$sec/c.msi"
  app="$sec/app.msi"
}

installer_runs() {
  if [ -e "$FAKE_INSTALLER_LOG" ]; then wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' '; else echo 0; fi
}

run_log_has() {
  grep -q -- "$1" "$run_log"
}

# hhmm MINUTES: the local clock time MINUTES from now (may be negative),
# wrapped around midnight, as HH:MM.
hhmm() {
  local now total
  now=$(date +%H:%M)
  total=$(((10#${now%:*} * 60 + 10#${now#*:} + $1 + 1440 * 2) % 1440))
  printf '%02d:%02d' $((total / 60)) $((total % 60))
}

# next_opening HH:MM: the next moment, after now, at which the local clock
# shows HH:MM, in UTC (callers pass the start of a window that is closed now).
next_opening() {
  local today
  today=$(date -d "today $1" +%s)
  if [ "$today" -le "$(date +%s)" ]; then
    today=$(date -d "tomorrow $1" +%s)
  fi
  date -u -d "@$today" +%Y-%m-%dT%H:%M:%SZ
}

# local_time ISO: the time as status and show print it (local, with its
# offset), "+" escaped for a regular expression.
local_time() {
  date -d "$1" '+%Y-%m-%d %H:%M %:z' | sed 's/+/\\+/'
}

# ---------------------------------------------------------------------------
# 1. The maintenance window. Local time is a fixed offset that is not UTC
# (UTC+5:30, no daylight saving), so a mix-up of local time and UTC shows.
saved_tz=${TZ-unset}
export TZ='IST-5:30'
new_section window

# Bad windows are refused before anything is created.
for bad in 25:00-01:00 22:00-22:00 2200-0500 22:60-05:00 22:00-5:00 "" 22:00-05:00-06:00; do
  run run --window "$bad"
  check_error 2 "maintenance window" "run --window '$bad' is refused"
  check_no_database "run --window '$bad' creates no database"
done
run run --window
check_error 2 "needs a value" "run --window without a value is refused"

closed_start=$(hhmm 120)
closed_end=$(hhmm 180)
closed="$closed_start-$closed_end"
expected_opening=$(next_opening "$closed_start")
job=$(enqueue "$app")
start_dispatcher --window "$closed"
sleep 1.5
check_equal "$(installer_runs)" "0" "window $closed (closed now): no installer started within 1.5 s"
check_equal "$(job_field "$job" .state)" "queued" "window closed: the job stays queued"
check_match "$(cat "$run_log")" "waiting: outside the maintenance window $closed \(opens at $(local_time "$expected_opening")\)" \
  "window closed: the run log says so and when it opens (local time with its offset)"
check_match "$(grep 'waiting: outside' "$run_log" | head -n 1)" "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \+05:30 " \
  "window closed: the run log's lines are stamped in local time with its offset, to the second"
run status
check_status 0 "window closed: status exits 0"
check_match "$out" "^gate: +closed \(outside the maintenance window\)" "window closed: status says the gate is closed by the window"
check_match "$out" "window: +$closed local time, opens at $(local_time "$expected_opening")" "window closed: status shows the window and its next opening (local time)"
run --json status
check_equal "$(jq_of "$out" '[.gate.open, .gate.maintenance_window, .gate.window_opens_at] | map(tostring) | join(" ")')" \
  "false $closed $expected_opening" "window closed: status --json gate.open, maintenance_window, window_opens_at"
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" \
  "outside_window|outside the maintenance window $closed (opens at $(date -d "$expected_opening" '+%Y-%m-%d %H:%M %:z'))" \
  "window closed: status --json gate.reason, and gate.text as the run log says it (window_opens_at stays UTC)"
stop_dispatcher
run --json status
check_equal "$(jq_of "$out" '[.gate.maintenance_window, .gate.window_opens_at, .gate.open] | map(tostring) | join(" ")')" \
  "null null true" "window: cleared from status once the dispatcher stopped"
check_equal "$(job_field "$job" .state)" "queued" "window closed: the job never started"

# A window that is open now (it may cross midnight).
open="$(hhmm -60)-$(hhmm 60)"
start_dispatcher --window "$open"
if wait_until 5000 job_state_is "$job" succeeded; then pass; else fail "window $open (open now): the job did not run (state $(job_field "$job" .state))"; fi
run --json status
check_equal "$(jq_of "$out" '[.gate.maintenance_window, .gate.window_opens_at] | map(tostring) | join(" ")')" \
  "$open null" "window open: status --json shows the window and no next opening"
run status
check_match "$out" "window: +$open local time, open now" "window open: status says open now"
stop_dispatcher

# A window across midnight: 22:00-05:00 local is open from 22:00 to 04:59.
hour=$((10#$(date +%H)))
start_dispatcher --window 22:00-05:00
run --json status
if [ "$hour" -ge 22 ] || [ "$hour" -lt 5 ]; then
  check_equal "$(jq_of "$out" '[.gate.maintenance_window, .gate.window_opens_at, .gate.open] | map(tostring) | join(" ")')" \
    "22:00-05:00 null true" "window 22:00-05:00 at local hour $hour: open"
else
  check_equal "$(jq_of "$out" '[.gate.maintenance_window, .gate.window_opens_at, .gate.open] | map(tostring) | join(" ")')" \
    "22:00-05:00 $(next_opening 22:00) false" "window 22:00-05:00 at local hour $hour: closed until 22:00 local"
fi
stop_dispatcher
# The same window in drain mode on an empty queue: accepted, and drained.
run run --drain --poll 100ms --window 22:00-05:00
check_status 0 "run --drain --window 22:00-05:00 on an empty queue exits 0"
if [ "$saved_tz" = unset ]; then unset TZ; else export TZ="$saved_tz"; fi

# ---------------------------------------------------------------------------
# 2. A pending reboot.
new_section reboot_pending
export MSIQ_SIM_REBOOT_PENDING="$sec/reboot-pending"
echo "Component Based Servicing RebootPending" >"$MSIQ_SIM_REBOOT_PENDING"
job=$(enqueue "$app")
start_dispatcher --hold-on-pending-reboot
sleep 1.5
check_equal "$(installer_runs)" "0" "pending reboot + --hold-on-pending-reboot: no installer started within 1.5 s"
check_match "$(cat "$run_log")" "waiting: a reboot is pending \(Component Based Servicing RebootPending\)" \
  "pending reboot: the run log names the reason"
run status
check_match "$out" "^reboot: +pending \(Component Based Servicing RebootPending\)$" "pending reboot: status shows it"
run --json status
check_equal "$(jq_of "$out" '[.gate.reboot_pending, .gate.reboot_pending_reason] | map(tostring) | join(" ")')" \
  "true Component Based Servicing RebootPending" "pending reboot: status --json gate.reboot_pending and its reason"
check_equal "$(jq_of "$out" .gate.open)" "false" \
  "status --json says the gate is closed while the running dispatcher holds the queue for the pending reboot"
check_equal "$(jq_of "$out" '[.gate.reason, .gate.text] | join("|")')" \
  "reboot_pending|a reboot is pending (Component Based Servicing RebootPending)" \
  "pending reboot: status --json gate.reason, and gate.text with the reason"
rm -f "$MSIQ_SIM_REBOOT_PENDING"
if wait_until 5000 job_state_is "$job" succeeded; then pass; else fail "pending reboot cleared: the job did not run (state $(job_field "$job" .state))"; fi
check_match "$(cat "$run_log")" "gate open" "pending reboot cleared: the run log says the gate opened"
run --json status
check_equal "$(jq_of "$out" '[.gate.reboot_pending, .gate.reboot_pending_reason] | map(tostring) | join(" ")')" \
  "false null" "no pending reboot: status --json"
run status
check_match "$out" "^reboot: +not pending$" "no pending reboot: status text"
stop_dispatcher
# Without the option a pending reboot does not hold the queue.
echo "Windows Update RebootRequired" >"$MSIQ_SIM_REBOOT_PENDING"
job=$(enqueue "$app")
start_dispatcher
if wait_until 5000 job_state_is "$job" succeeded; then pass; else fail "pending reboot without --hold-on-pending-reboot: the job did not run"; fi
run status
check_match "$out" "^reboot: +pending \(Windows Update RebootRequired\)$" "pending reboot without the option: status still shows it"
stop_dispatcher
# An empty file still means pending.
: >"$MSIQ_SIM_REBOOT_PENDING"
run --json status
check_equal "$(jq_of "$out" .gate.reboot_pending)" "true" "an empty reboot-pending file: pending"
unset MSIQ_SIM_REBOOT_PENDING

# ---------------------------------------------------------------------------
# 3. 1641: the queue pauses and resumes by itself after a real reboot.
new_section reboot_1641
export MSIQ_SIM_BOOT_TIME="$sec/boot-time"
export MSIQ_SIM_EVENT_LOG="$sec/events.log"
echo 1000000000 >"$MSIQ_SIM_BOOT_TIME"
echo "1641 0 0" >"$FAKE_INSTALLER_CODES"
job_a=$(enqueue "$app")
job_b=$(enqueue "$sec/b.msi")
start_dispatcher
if wait_until 5000 job_state_is "$job_a" succeeded; then pass; else fail "1641: job A did not finish"; fi
check_equal "$(job_field "$job_a" '[.exit_code, .reboot_required] | map(tostring) | join(" ")')" "1641 true" "1641: job A recorded 1641 and a reboot"
sleep 0.5
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated, .gate.open] | map(tostring) | join(" ")')" "true true false" \
  "1641: paused with reboot_initiated"
check_equal "$(job_field "$job_b" .state)" "queued" "1641: job B stays queued"
# A wait for both ends at once with 1641: job B runs only after the reboot,
# so waiting for it would last until the timeout (1460).
run wait --timeout 20s "$job_a" "$job_b"
check_status $((1641 & 255)) "1641: wait for both ends at once with 1641 (seen as 105), not at its timeout"
check_match "$out" "job $job_b: queued" "1641: wait shows job B as it is"
check_match "$(grep "job $job_a succeeded" "$MSIQ_SIM_EVENT_LOG")" "^warning: msiq job $job_a succeeded: install .*1641.*; a reboot is required$" \
  "1641: the event is a warning"
# The boot time moving by less than a minute (clock jitter) is no reboot.
echo 1000000030 >"$MSIQ_SIM_BOOT_TIME"
sleep 0.8
check_equal "$(job_field "$job_b" .state)" "queued" "1641: a boot time 30 s off is not a reboot; job B still queued"
# A boot time that cannot be read (here an empty file, as while it is
# rewritten) proves no reboot either.
: >"$MSIQ_SIM_BOOT_TIME"
sleep 0.8
check_equal "$(job_field "$job_b" .state)" "queued" "1641: an unreadable boot time is not a reboot; job B still queued"
echo 1000000000 >"$MSIQ_SIM_BOOT_TIME"
# A restarted dispatcher with the same boot time keeps waiting.
stop_dispatcher
start_dispatcher
sleep 1
check_equal "$(job_field "$job_b" .state)" "queued" "1641: after a dispatcher restart without a reboot, job B still queued"
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated] | map(tostring) | join(" ")')" "true true" \
  "1641: still paused after a dispatcher restart without a reboot"
check_equal "$(installer_runs)" "1" "1641: no other installer started"
# The machine rebooted (boot time an hour later): the running dispatcher
# resumes the queue by itself.
echo 1000003600 >"$MSIQ_SIM_BOOT_TIME"
if wait_until 5000 job_state_is "$job_b" succeeded; then pass; else fail "1641: job B did not run after the boot time changed (state $(job_field "$job_b" .state))"; fi
check_match "$(cat "$run_log")" "the machine has rebooted since the queue was paused for a reboot; queue resumed" \
  "1641: the run log says the queue resumed"
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated, .gate.pause_reason] | map(tostring) | join(" ")')" "false false null" \
  "1641: the pause and the reboot flag are cleared"
# A pause by an administrator is not lifted by a reboot.
run pause
check_status 0 "manual pause"
job_c=$(enqueue "$sec/c.msi")
echo 1000007200 >"$MSIQ_SIM_BOOT_TIME"
sleep 1
check_equal "$(job_field "$job_c" .state)" "queued" "a manual pause is not resumed by a changed boot time"
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated] | map(tostring) | join(" ")')" "true false" \
  "manual pause: still paused, not reboot-initiated"
run resume
if wait_until 5000 job_state_is "$job_c" succeeded; then pass; else fail "after resume, job C did not run"; fi
stop_dispatcher
# Restarting the dispatcher after the reboot (the usual case: the service
# starts at boot) resumes too.
echo "1641 0" >"$FAKE_INSTALLER_CODES"
job_d=$(enqueue "$app")
job_e=$(enqueue "$sec/b.msi")
run run --drain --poll 100ms
check_status 0 "1641 in drain mode: the run ends (paused)"
check_equal "$(job_field "$job_d" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 1641" "1641 in drain mode: the job ran"
check_equal "$(job_field "$job_e" .state)" "queued" "1641 in drain mode: the next job waits"
echo 1000010800 >"$MSIQ_SIM_BOOT_TIME"
run run --drain --poll 100ms
check_status 0 "after the reboot: the drain run exits 0"
check_equal "$(job_field "$job_e" .state)" "succeeded" "after the reboot: a new dispatcher resumes the queue and runs the next job"
check_match "$out" "queue resumed" "after the reboot: the new dispatcher says it resumed the queue"
# 1641 from the last job of the queue: nothing waits behind it, but the pause
# should still end once the machine has rebooted.
echo "1641" >"$FAKE_INSTALLER_CODES"
job_f=$(enqueue "$app")
start_dispatcher
if wait_until 5000 job_state_is "$job_f" succeeded; then pass; else fail "1641 last job: did not finish"; fi
sleep 0.3
echo 1000014400 >"$MSIQ_SIM_BOOT_TIME"
sleep 1.5
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated] | map(tostring) | join(" ")')" "false false" \
  "after a 1641 from the last queued job and a reboot, the queue resumes even with nothing queued"
stop_dispatcher
unset MSIQ_SIM_BOOT_TIME MSIQ_SIM_EVENT_LOG

# ---------------------------------------------------------------------------
# 4. A manifest with "after" by key; re-running it.
new_section manifest
cd "$sec" || exit 1
mkdir -p packages
make_package packages/app-1.0.msi
make_patch_package packages/app-1.0.1.msp
make_patch_package packages/app-1.0.2.msp
# The base has the lowest priority, so only the dependency can make it first.
cat >patch-night.json <<'EOF'
[
  {"key": "base", "target": "packages/app-1.0.msi", "priority": -5,
   "properties": {"ALLUSERS": "1"}},
  {"key": "patch-1", "action": "patch", "target": "packages/app-1.0.1.msp",
   "after": ["base"], "priority": 100},
  {"key": "patch-2", "action": "patch", "target": "packages/app-1.0.2.msp",
   "after": ["base"], "priority": 50}
]
EOF
run import patch-night.json
check_status 0 "manifest: import exits 0"
ids=$(printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//')
check_match "$ids" '^[0-9]+ [0-9]+ [0-9]+$' "manifest: three ids"
read -r base p1 p2 <<<"$ids"
check_equal "$(job_field "$p1" '.after | map(tostring) | join(",")')" "$base" "manifest: patch 1 waits for the base (by key)"
check_equal "$(job_field "$p2" '.after | map(tostring) | join(",")')" "$base" "manifest: patch 2 waits for the base (by key)"
# Re-importing while the jobs are unfinished adds nothing.
run import patch-night.json
check_status 0 "manifest: re-import while unfinished exits 0"
check_equal "$(printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//')" "$ids" "manifest: re-import while unfinished gives the same ids"
check_equal "$(msiq --json list | jq length)" "3" "manifest: re-import while unfinished adds no job"
cd "$work_dir" || exit 1
run run --drain --poll 100ms
check_status 0 "manifest: drain exits 0"
check_equal "$(msiq --json list | jq -r 'map(.state) | unique | join(",")')" "succeeded" "manifest: every job succeeded"
check_equal "$(cut -d' ' -f1,2 "$FAKE_INSTALLER_LOG" | tr '\n' '|')" \
  "[/i] [$sec/packages/app-1.0.msi]|[/update] [$sec/packages/app-1.0.1.msp]|[/update] [$sec/packages/app-1.0.2.msp]|" \
  "manifest: the base ran first, then the patches by priority"
# Once they finished, the keys are free: the same manifest is a new batch.
cd "$sec" || exit 1
run --json import patch-night.json
cd "$work_dir" || exit 1
check_status 0 "manifest: re-import after the batch finished exits 0"
read -r base2 p12 p22 <<<"$(jq_of "$out" 'map(tostring) | join(" ")')"
check_match "$base2 $p12 $p22" '^[0-9]+ [0-9]+ [0-9]+$' "manifest: three new ids"
if [ "${base2:-0}" -gt "$p2" ]; then pass; else fail "manifest: re-import after the batch finished reused ids ($base2 $p12 $p22)"; fi
check_equal "$(job_field "$p12" '.after | map(tostring) | join(",")')" "$base2" "manifest: the new patch waits for the new base"
check_equal "$(msiq --json list | jq length)" "6" "manifest: six jobs in all"
run run --drain --poll 100ms
check_equal "$(sed -n 4p "$FAKE_INSTALLER_LOG" | cut -d' ' -f1)" "[/i]" "manifest: the second batch also starts with the base"
# A key nobody has: the manifest is refused and nothing is added.
printf '[{"target":"%s","after":["no-such-key"]}]' "$sec/packages/app-1.0.msi" >"$sec/bad.json"
check_rejected 2 "import item 1: after key 'no-such-key': no job has that key" "manifest: unknown after key" import "$sec/bad.json"

# ---------------------------------------------------------------------------
# 5. msiq exec: see cli_exec.sh.

# ---------------------------------------------------------------------------
# 6. Diagnostics from a failing installer's UTF-16LE verbose log.
new_section diagnostics
cat >"$sec/msiexec.sh" <<'EOF'
#!/usr/bin/env bash
# A stand-in msiexec: writes a verbose log like msiexec's (UTF-16LE with a
# byte-order mark, CRLF lines) to the path after /l*v; fails with 1603 unless
# it is given OUTCOME=ok.
log="" previous="" outcome=fail
for argument in "$@"; do
  case "$previous" in /l*v) log=$argument ;; esac
  case "$argument" in OUTCOME=ok) outcome=ok ;; esac
  previous=$argument
done
[ -n "$log" ] || exit 125
{
  cat <<'LOG'
=== Verbose logging started: 24/11/2026  10:00:00  Build type: SHIP UNICODE 5.00.10011.00  Calling process: C:\Windows\system32\msiexec.exe ===
MSI (c) (AC:B0) [10:00:00:001]: Resetting cached policy values
MSI (s) (AC:B4) [10:00:00:100]: Product: Démo -- Installation started.
Action start 10:00:00: InstallValidate.
Action ended 10:00:00: InstallValidate. Return value 1.
Action start 10:00:00: InstallFiles.
LOG
  if [ "$outcome" = fail ]; then
    cat <<'LOG'
MSI (s) (AC:B4) [10:00:01:000]: Note: 1: 2205 2:  3: Error
MSI (s) (AC:B4) [10:00:01:000]: Product: Démo -- Error 1310. Error writing to file: C:\Program Files\Démo\x.dll. Verify that you have access to that directory.
Error 1310. Error writing to file: C:\Program Files\Démo\x.dll.
Action ended 10:00:01: InstallFiles. Return value 3.
Action ended 10:00:01: INSTALL. Return value 3.
MSI (s) (AC:B4) [10:00:01:100]: Product: Démo -- Installation failed.
MSI (s) (AC:B4) [10:00:01:101]: Windows Installer installed the product. Installation success or error status: 1603.
=== Logging stopped: 24/11/2026  10:00:01 ===
LOG
  else
    cat <<'LOG'
Action ended 10:00:01: InstallFiles. Return value 1.
Action ended 10:00:01: INSTALL. Return value 1.
MSI (s) (AC:B4) [10:00:01:101]: Windows Installer installed the product. Installation success or error status: 0.
=== Logging stopped: 24/11/2026  10:00:01 ===
LOG
  fi
} | sed 's/$/\r/' | iconv -f UTF-8 -t UTF-16LE | { printf '\377\376'; cat; } >"$log"
code=1603
[ "$outcome" = ok ] && code=0
if [ -n "${MSIQ_SIM_EXIT_CODE_DIR:-}" ]; then
  printf '%s' "$code" >"$MSIQ_SIM_EXIT_CODE_DIR/$$.code.tmp"
  mv "$MSIQ_SIM_EXIT_CODE_DIR/$$.code.tmp" "$MSIQ_SIM_EXIT_CODE_DIR/$$.code"
fi
exit $((code & 255))
EOF
chmod +x "$sec/msiexec.sh"
export MSIQ_INSTALLER="$sec/msiexec.sh"
job_bad=$(enqueue "$app")
job_ok=$(enqueue --log "$sec/ok.log" "$app" OUTCOME=ok)
# Before it ran, a job has no log.
check_rejected 3 "job $job_bad has no log yet" "log of a queued job" log "$job_bad"
run run --drain --poll 100ms
check_status 0 "diagnostics: drain exits 0"
export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
check_equal "$(job_field "$job_bad" '[.state, .exit_code] | map(tostring) | join(" ")')" "failed 1603" "diagnostics: the job failed with 1603"
check_equal "$(job_field "$job_ok" .state)" "succeeded" "diagnostics: the other job succeeded"
if [ "$(head -c 2 "$sec/logs/job-$job_bad.log" | od -An -tx1 | tr -d ' \n')" = "fffe" ]; then pass; else fail "diagnostics: the stand-in did not write a UTF-16LE log"; fi
last_error=$(job_field "$job_bad" .last_error)
check_match "$(printf '%s\n' "$last_error" | head -n 1)" "^installer failed with exit code 1603 \(ERROR_INSTALL_FAILURE\)" \
  "diagnostics: last_error starts with the exit code"
check_match "$last_error" "Product: Démo -- Error 1310\. Error writing to file: C:\\\\Program Files\\\\Démo\\\\x\.dll" \
  "diagnostics: last_error has the error message, decoded from UTF-16"
check_equal "$(printf '%s\n' "$last_error" | tail -n 1)" "Action ended 10:00:01: InstallFiles. Return value 3." \
  "diagnostics: last_error ends with the first Return value 3 line"
check_equal "$(printf '%s' "$last_error" | tr -cd '\r\000' | wc -c | tr -d ' ')" "0" "diagnostics: last_error has no CR or NUL"
if printf '%s' "$last_error" | grep -q "Installation failed\|Logging stopped"; then
  fail "diagnostics: last_error holds lines after the first Return value 3"
else
  pass
fi
run show "$job_bad"
check_match "$out" "last error: +installer failed with exit code 1603" "diagnostics: show prints the last error"
check_match "$out" "Error 1310\. Error writing to file" "diagnostics: show prints the log excerpt"
check_match "$out" "InstallFiles\. Return value 3\." "diagnostics: show prints the failing action"
check_equal "$(job_field "$job_bad" '.history | map(.message) | join("|")')" "exit code 1603 (ERROR_INSTALL_FAILURE): failed" \
  "diagnostics: the history message is one line"
check_equal "$(job_field "$job_ok" .last_error)" "null" "diagnostics: no last_error for the successful job"
# msiq log: the whole log, as UTF-8.
msiq log "$job_bad" >"$sec/log.out" 2>"$sec/log.err"
check_equal "$?" "0" "log: exits 0"
check_equal "$(tr -cd '\000' <"$sec/log.out" | wc -c | tr -d ' ')" "0" "log: no NUL byte in the output (converted from UTF-16)"
check_match "$(head -n 1 "$sec/log.out")" "^=== Verbose logging started" "log: starts with the first log line, without a byte-order mark"
check_match "$(cat "$sec/log.out")" "Product: Démo -- Error 1310" "log: the error line is readable UTF-8"
check_match "$(cat "$sec/log.out")" "Logging stopped" "log: prints the whole log"
if iconv -f UTF-16 -t UTF-8 "$sec/logs/job-$job_bad.log" | cmp -s - "$sec/log.out"; then
  pass
else
  fail "log: the output is not the log converted to UTF-8 byte for byte"
fi
run log --failure "$job_bad"
check_status 0 "log --failure exits 0"
check_equal "$out" "$(printf '%s\n' "$last_error" | tail -n +2)" "log --failure prints the excerpt stored in last_error"
check_equal "$(printf '%s\n' "$out" | tail -n 1)" "Action ended 10:00:01: InstallFiles. Return value 3." "log --failure ends with the Return value 3 line"
run log -f "$job_bad"
check_status 0 "log -f exits 0"
run log "$job_ok"
check_status 0 "log of the successful job (--log path)"
check_match "$out" "Installation success or error status: 0" "log of the successful job prints its log"
check_rejected 3 "shows no failure" "log --failure of a successful job" log --failure "$job_ok"
check_rejected 3 "no job" "log of a missing job" log 999
check_rejected 2 "invalid job id" "log of a bad id" log abc
run report
check_match "$out" "installer failed with exit code 1603 \(ERROR_INSTALL_FAILURE\); from the log:" "report: the failure's first line"
if printf '%s' "$out" | grep -q "Error 1310"; then fail "report text: prints the log excerpt, not only the first line"; else pass; fi
run --json report
check_match "$(jq_of "$out" '.failures[0].reason')" "Error 1310" "report --json: the full reason with the excerpt"
# A new queue in the same directory starts again at job 1, whose default log
# path is the old job 1's log. An installer that fails without writing a log
# must not get the old log's excerpt.
rm -f "$MSIQ_DB" "$MSIQ_DB-wal" "$MSIQ_DB-shm"
job_new=$(enqueue "$app")
check_equal "$job_new" "$job_bad" "diagnostics: the new queue reuses job id $job_bad"
echo "1603" >"$FAKE_INSTALLER_CODES"
run run --drain --poll 100ms
check_equal "$(job_field "$job_new" .last_error)" "installer failed with exit code 1603 (ERROR_INSTALL_FAILURE)" \
  "an installer that wrote no log does not get the excerpt of an older log at the same path"

# ---------------------------------------------------------------------------
# 7. Reports and the event log.
new_section report
export MSIQ_SIM_EVENT_LOG="$sec/events.log"
make_patch_package "$sec/fix.msp"
j_ok=$(enqueue "$app")
j_fail=$(enqueue "$sec/b.msi")
j_reboot=$(enqueue --action patch "$sec/fix.msp")
j_cancel=$(enqueue "$sec/c.msi")
msiq cancel "$j_cancel" >/dev/null
echo "0 1603 3010" >"$FAKE_INSTALLER_CODES"
run run --drain --poll 100ms
check_status 0 "report: drain exits 0"
run report
check_status 0 "report exits 0"
check_match "$out" "^since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2}$" "report: the period's start (local time)"
check_match "$out" "^finished: +succeeded 2, failed 1, cancelled 1$" "report: the counts"
check_match "$out" "^waiting: +queued 0, running 0, retrying 0$" "report: nothing waiting"
check_match "$out" "^failures \(2\):$" "report: two failures"
check_match "$out" "^  job $j_fail +failed +install +exit 1603 \(ERROR_INSTALL_FAILURE\) +$sec/b.msi$" "report: the failed job, its exit code named"
check_match "$out" "^    installer failed with exit code 1603 \(ERROR_INSTALL_FAILURE\)$" "report: the failure's reason"
check_match "$out" "^  job $j_cancel +cancelled +install +exit - +$sec/c.msi$" "report: the cancelled job"
check_match "$out" "^    cancelled by an administrator" "report: the cancellation's reason"
check_match "$out" "^reboot required \(1\):$" "report: one reboot required"
check_match "$out" "^  job $j_reboot +$sec/fix.msp$" "report: the job that needs a reboot"
if printf '%s' "$out" | grep -q "reboot initiated"; then fail "report: says a reboot was initiated"; else pass; fi
run --json report
check_status 0 "report --json exits 0"
check_equal "$(jq_of "$out" '.finished | [.succeeded, .failed, .cancelled] | map(tostring) | join(" ")')" "2 1 1" "report --json: finished counts"
check_equal "$(jq_of "$out" '.waiting | [.queued, .running, .retrying] | map(tostring) | join(" ")')" "0 0 0" "report --json: waiting counts"
check_equal "$(jq_of "$out" '.failures | map(.id) | sort | map(tostring) | join(" ")')" "$(printf '%s\n' "$j_fail" "$j_cancel" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
  "report --json: the failures' ids"
check_equal "$(jq_of "$out" ".failures[] | select(.id == $j_fail) | [.state, .exit_code, .reason] | map(tostring) | join(\"|\")")" \
  "failed|1603|installer failed with exit code 1603 (ERROR_INSTALL_FAILURE)" "report --json: the failure's state, code and reason"
check_equal "$(jq_of "$out" ".failures[] | select(.id == $j_cancel) | [.state, .exit_code] | map(tostring) | join(\" \")")" \
  "cancelled null" "report --json: the cancelled job"
check_equal "$(jq_of "$out" '.reboot_required | map(tostring) | join(" ")')" "$j_reboot" "report --json: reboot_required ids"
check_equal "$(jq_of "$out" .reboot_initiated)" "false" "report --json: no reboot initiated"
run --json report --since 1h
check_equal "$(jq_of "$out" '.finished | [.succeeded, .failed, .cancelled] | map(tostring) | join(" ")')" "2 1 1" "report --since 1h: everything"
run --json report --since 2000-01-01T00:00:00Z
check_equal "$(jq_of "$out" '[.since, .finished.succeeded] | map(tostring) | join(" ")')" "2000-01-01T00:00:00Z 2" "report --since an ISO time in the past"
future=$(date -d '+1 hour' +%Y-%m-%dT%H:%M:%S)
run --json report --since "$future"
check_status 0 "report --since a future time exits 0"
check_equal "$(jq_of "$out" '[.finished.succeeded, .finished.failed, .finished.cancelled, (.failures | length), (.reboot_required | length)] | map(tostring) | join(" ")')" \
  "0 0 0 0 0" "report --since a future local time: empty"
run report --since "$future"
check_match "$out" "^failures \(0\):$" "report text --since the future: no failures"
check_match "$out" "^reboot required \(0\):$" "report text --since the future: no reboots"
check_rejected 2 "invalid time 'yesterday'" "report --since yesterday" report --since yesterday
check_rejected 2 "invalid time '5x'" "report --since 5x" report --since 5x
check_rejected 2 "needs a value" "report --since without a value" report --since
check_rejected 2 "unexpected argument" "report with an argument" report 1
job_waiting=$(enqueue "$app")
run --json report
check_equal "$(jq_of "$out" .waiting.queued)" "1" "report --json: a queued job is waiting ($job_waiting)"
# The event log: one line per start, success and failure.
events=$(cat "$MSIQ_SIM_EVENT_LOG")
check_match "$events" "^information: msiq job $j_ok started: install $sec/app.msi \(attempt 1\)$" "event log: start"
check_match "$events" "^information: msiq job $j_ok succeeded: install $sec/app.msi \(attempt 1, exit code 0" "event log: success"
check_match "$events" "^error: msiq job $j_fail failed: install $sec/b.msi: installer failed with exit code 1603" "event log: failure"
check_match "$events" "^information: msiq job $j_reboot succeeded: patch $sec/fix.msp .*3010.*; a reboot is required$" "event log: success needing a reboot"
check_equal "$(grep -c ' started: ' "$MSIQ_SIM_EVENT_LOG")" "3" "event log: three starts (the cancelled job never started)"
if grep -q "job $j_cancel" "$MSIQ_SIM_EVENT_LOG"; then fail "event log: the job cancelled before it started has an event"; else pass; fi
unset MSIQ_SIM_EVENT_LOG
rm -f "$MSIQ_DB" "$MSIQ_DB-wal" "$MSIQ_DB-shm"
check_rejected 4 "does not exist" "report of a missing database" report
check_no_database "report creates no database"

# ---------------------------------------------------------------------------
# 8. Jobs that fail before they start (a dependency failed, the deadline
# passed) are failures too: the event log should have them.
new_section events_unstarted
export MSIQ_SIM_EVENT_LOG="$sec/events.log"
: >"$MSIQ_SIM_EVENT_LOG"
echo "1603" >"$FAKE_INSTALLER_CODES"
j_base=$(enqueue "$app")
j_dep=$(enqueue --after "$j_base" "$sec/b.msi")
# A deadline already past is refused at enqueue, so the late job gets one a
# minute ahead and the dispatcher sees the clock two minutes ahead.
j_late=$(enqueue --deadline +1m "$sec/c.msi")
echo 120000 >"$sec/clock"
MSIQ_SIM_CLOCK_OFFSET="$sec/clock" run run --drain --poll 100ms
check_status 0 "unstarted: drain exits 0"
check_equal "$(job_field "$j_dep" '[.state, .last_error] | join(": ")')" "failed: dependency job $j_base failed" "unstarted: the dependent job failed"
check_match "$(job_field "$j_late" '[.state, .last_error] | join(": ")')" "^failed: deadline passed" "unstarted: the late job failed"
run --json report
check_equal "$(jq_of "$out" '.finished.failed')" "3" "unstarted: report counts the three failures"
check_match "$(cat "$MSIQ_SIM_EVENT_LOG")" "^error: msiq job $j_base failed" "unstarted: the base's failure is in the event log"
check_match "$(cat "$MSIQ_SIM_EVENT_LOG")" "^error: msiq job $j_dep failed" \
  "unstarted: a job failed by its dependency has its own event"
check_match "$(cat "$MSIQ_SIM_EVENT_LOG")" "^error: msiq job $j_late failed" \
  "unstarted: a job failed by its deadline has its own event"
unset MSIQ_SIM_EVENT_LOG

finish
