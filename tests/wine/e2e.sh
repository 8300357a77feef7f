#!/usr/bin/env bash
# e2e.sh: msiq.exe end to end under Wine, with Wine's real msiexec.
#
# Proves on a fresh Wine prefix that:
#   - real .msi packages (built here by wixl from tests/packages/sample.wxs)
#     are installed by the dispatcher through msiexec, and an uninstall job
#     removes what was installed;
#   - while a process holds Global\_MSIExecute (tests/win/hold_mutex.c; Wine
#     never creates it itself) no installer starts, and after the release the
#     job starts within a second;
#   - while the installer service accepts SHUTDOWN (tests/win/toggle_service.c
#     standing in for msiserver) the dispatcher waits;
#   - a stub installer answering 1618, 1618, 0 gives three attempts, and 3010
#     is recorded as the full 32-bit code with reboot_required;
#   - a package path with non-ASCII characters and a property value with
#     spaces and quotes reach msiexec intact (raw command line checked);
#   - msiq runs as a Windows service: install (with --cancel-grace, which
#     the service's command line keeps and the service uses), start, a job
#     completes, stop, uninstall.
#
# Exit codes seen from Linux through `wine` keep only 8 bits, so every
# outcome is read from what msiq recorded, never from wine's status.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

export MSIQ_RUNNER=wine
export MSIQ_BIN="$MSIQ_EXE"

cleanup_wine() {
  [ -n "${dispatcher_pid:-}" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_wine EXIT

wine_prefix_init
program_files="$WINEPREFIX/drive_c/Program Files (x86)"

# build_package NAME DIRECTORY: a real .msi installing NAME\payload.txt.
build_package() {
  local name=$1 directory=$2
  mkdir -p "$directory"
  echo "payload of $name" >"$work_dir/payload-$name.txt"
  # wixl resolves File/@Source relative to the current directory.
  (cd "$work_dir" && wixl -D "ProductName=$name" -D ProductVersion=1.0.0 \
    -D "UpgradeCode=$(printf '%08X-0000-4000-8000-%012d' "${#name}" "$RANDOM")" \
    -D "PayloadFile=payload-$name.txt" \
    -o "$directory/$name.msi" "$MSIQ_TESTS_DIR/packages/sample.wxs") >"$work_dir/wixl.err" 2>&1 ||
    fail "wixl could not build $name: $(tail -1 "$work_dir/wixl.err")"
}

start_dispatcher() {
  wine "$MSIQ_EXE" run --poll 5s "$@" >>"$work_dir/run.log" 2>&1 &
  dispatcher_pid=$!
}

stop_dispatcher() {
  [ -n "${dispatcher_pid:-}" ] || return 0
  kill -INT "$dispatcher_pid" 2>/dev/null
  wait_until 10000 bash -c "! kill -0 $dispatcher_pid 2>/dev/null"
  kill "$dispatcher_pid" 2>/dev/null
  wait "$dispatcher_pid" 2>/dev/null
  dispatcher_pid=""
}

new_queue() {
  MSIQ_DB=$(win_path "$work_dir/$1.db")
  export MSIQ_DB
}

# 1. A real install through msiexec, then an uninstall job.
new_queue real
build_package MsiqSampleA "$work_dir/packages"
run enqueue "$(win_path "$work_dir/packages/MsiqSampleA.msi")" ALLUSERS=1
check_status 0 "real: enqueue"
install_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$install_id" '.state + " " + (.exit_code|tostring)')" "succeeded 0" \
  "real: the install job succeeded ($(job_field "$install_id" .last_error))"
check_equal "$(cat "$program_files/MsiqSampleA/payload.txt" 2>/dev/null)" "payload of MsiqSampleA" \
  "real: msiexec installed the package's file"
if [ -e "$work_dir/logs/job-$install_id.log" ]; then pass; else fail "real: no msiexec log at logs/job-$install_id.log beside the database"; fi
run enqueue --action uninstall "$(win_path "$work_dir/packages/MsiqSampleA.msi")"
uninstall_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$uninstall_id" .state)" "succeeded" "real: the uninstall job succeeded"
if [ ! -e "$program_files/MsiqSampleA/payload.txt" ]; then pass; else fail "real: the uninstall left the file"; fi

# 2. The mutex gate: nothing starts while Global\_MSIExecute is held; the
# job starts within a second of its release (the dispatcher polls only every
# 5 s, so this is the release wake-up at work).
new_queue mutex
export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
export FAKE_INSTALLER_MARKER
FAKE_INSTALLER_MARKER=$(win_path "$work_dir/mutex.marker")
make_package "$work_dir/pkg.msi"
run enqueue "$(win_path "$work_dir/pkg.msi")"
mutex_id=$out
# 8 s: starting the dispatcher, the 1.5 s look and `status` each start a
# Wine process, and on a loaded machine 3 s did not always cover them.
wine "$HOLD_MUTEX_EXE" 8000 "$(win_path "$work_dir/held")" &
holder_pid=$!
wait_until 20000 test -e "$work_dir/held" || fail "mutex: hold_mutex did not take the mutex"
start_dispatcher
sleep 1.5
check_equal "$(job_field "$mutex_id" .state)" "queued" "mutex: no job starts while the mutex is held"
run status
check_match "$out" "mutex: +held" "mutex: status says the mutex is held"
wait "$holder_pid"
released_at=$(now_ms)
if wait_until 5000 test -e "$work_dir/mutex.marker"; then
  latency=$(($(now_ms) - released_at))
  if [ "$latency" -le 1000 ]; then pass; else fail "mutex: the job started $latency ms after the release"; fi
else
  fail "mutex: the job did not start after the release"
fi
wait_until 10000 job_finished "$mutex_id"
check_equal "$(job_field "$mutex_id" .state)" "succeeded" "mutex: the job succeeded"
stop_dispatcher
unset FAKE_INSTALLER_MARKER

# 3. The service gate, against a real service manager.
new_queue service_gate
state_file="$work_dir/service.state"
echo busy >"$state_file"
wine sc create msiqtoggle binPath= "$(win_path "$TOGGLE_SERVICE_EXE") $(win_path "$state_file")" >/dev/null 2>&1
wine sc start msiqtoggle >/dev/null 2>&1
export MSIQ_INSTALLER_SERVICE=msiqtoggle
toggle_running() {
  wine sc query msiqtoggle 2>/dev/null | grep -q RUNNING
}
wait_until 10000 toggle_running || fail "service: the test service did not start"
run enqueue "$(win_path "$work_dir/pkg.msi")"
gate_id=$out
start_dispatcher --poll 200ms
sleep 1.5
check_equal "$(job_field "$gate_id" .state)" "queued" "service: no job starts while the service is busy"
run status
check_match "$out" "service: +busy" "service: status says the service is busy"
echo idle >"$state_file"
wait_until 10000 job_finished "$gate_id"
check_equal "$(job_field "$gate_id" .state)" "succeeded" "service: the job runs once the service is idle"
stop_dispatcher
wine sc stop msiqtoggle >/dev/null 2>&1
wine sc delete msiqtoggle >/dev/null 2>&1
unset MSIQ_INSTALLER_SERVICE

# 4. A stub installer: 1618, 1618, 0 gives three attempts; 3010 keeps all
# 32 bits and sets reboot_required.
new_queue stub
export FAKE_INSTALLER_CODES="$work_dir/codes"
echo "1618 1618 0" >"$FAKE_INSTALLER_CODES"
FAKE_INSTALLER_CODES=$(win_path "$FAKE_INSTALLER_CODES")
run enqueue "$(win_path "$work_dir/pkg.msi")"
retry_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms --retry-base 200ms --retry-max 400ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$retry_id" '.state + " " + (.attempts|tostring)')" "succeeded 3" "stub: succeeded on attempt 3"
check_equal "$(job_field "$retry_id" '[.history[].exit_code] | map(tostring) | join(",")')" "1618,1618,0" \
  "stub: three history rows with 1618, 1618, 0"
echo "3010" >"$work_dir/codes"
run enqueue "$(win_path "$work_dir/pkg.msi")"
reboot_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$reboot_id" '(.exit_code|tostring) + " " + (.reboot_required|tostring)')" "3010 true" \
  "stub: 3010 recorded in full with reboot_required"
unset FAKE_INSTALLER_CODES

# 5. Non-ASCII paths and awkward property values reach msiexec intact: a
# real install from a non-ASCII directory, then a patch for that installed
# product (a patch whose target is not installed fails unrun) beside it, whose
# raw command line the stub installer records.
new_queue unicode
unicode_dir="$work_dir/Logiciels/Mise à jour"
mkdir -p "$unicode_dir"
unset MSIQ_INSTALLER
build_package MsiqSampleB "$unicode_dir"
run enqueue "$(win_path "$unicode_dir/MsiqSampleB.msi")" "NOTE=two words"
unicode_real_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$unicode_real_id" .state)" "succeeded" "unicode: msiexec installed from the non-ASCII directory"
check_equal "$(cat "$program_files/MsiqSampleB/payload.txt" 2>/dev/null)" "payload of MsiqSampleB" \
  "unicode: the package's file is installed"
sample_b_code=$(package_property "$unicode_dir/MsiqSampleB.msi" ProductCode)
make_patch_package "$unicode_dir/correctif.msp" "" "$sample_b_code"
export MSIQ_INSTALLER="$FAKE_INSTALLER_EXE"
export FAKE_INSTALLER_RAW_LOG
FAKE_INSTALLER_RAW_LOG=$(win_path "$work_dir/raw.log")
run enqueue --action patch "$(win_path "$unicode_dir/correctif.msp")" 'NOTE=a "quoted" value with spaces' 'TRICK=" /x {11111111-2222-3333-4444-555555555555}'
check_status 0 "unicode: enqueue a patch from a non-ASCII directory"
unicode_id=$out
timeout 120 wine "$MSIQ_EXE" run --drain --poll 200ms >>"$work_dir/run.log" 2>&1
check_equal "$(job_field "$unicode_id" .state)" "succeeded" "unicode: the patch job succeeded ($(job_field "$unicode_id" .last_error))"
raw=$(cat "$work_dir/raw.log" 2>/dev/null)
check_match "$raw" '/update "?Z:\\.*\\Logiciels\\Mise à jour\\correctif\.msp' "unicode: the .msp path reached the installer intact"
check_match "$raw" 'NOTE="a ""quoted"" value with spaces"' "unicode: the property with quotes and spaces is quoted for msiexec"
check_match "$raw" 'TRICK=""" /x \{11111111-2222-3333-4444-555555555555\}"' "unicode: an injected switch stays inside the value"
unset FAKE_INSTALLER_RAW_LOG
unset MSIQ_INSTALLER

# 6. Service mode: the dispatcher as a Windows service. The service manager
# starts it with its own environment, so it runs the real msiexec.
new_queue service_mode
build_package MsiqSampleC "$work_dir/packages"
run service --name msiqtest --cancel-grace 3m install
check_status 0 "service mode: install"
check_match "$out" "runs: msiq service run --name msiqtest --cancel-grace 3m --db " \
  "service mode: install puts --cancel-grace on the service's command line"
image_path=$(wine reg query 'HKLM\System\CurrentControlSet\Services\msiqtest' /v ImagePath 2>/dev/null | tr -d '\r')
check_match "$image_path" "service run --name msiqtest --cancel-grace 3m --db " \
  "service mode: the service manager recorded --cancel-grace"
run service --name msiqtest start
check_status 0 "service mode: start ($err)"
run service --name msiqtest status
check_match "$out" "running|start pending" "service mode: status says it runs"
run enqueue "$(win_path "$work_dir/packages/MsiqSampleC.msi")"
service_job=$out
wait_until 30000 job_finished "$service_job"
check_equal "$(job_field "$service_job" .state)" "succeeded" "service mode: the service ran the job"
check_match "$(tr -d '\r' <"$work_dir/msiq-service.log" 2>/dev/null)" "service msiqtest: cancel grace 3m$" \
  "service mode: the service runs with the recorded cancel grace"
check_equal "$(cat "$program_files/MsiqSampleC/payload.txt" 2>/dev/null)" "payload of MsiqSampleC" \
  "service mode: msiexec installed the package"
run service --name msiqtest stop
check_status 0 "service mode: stop ($err)"
run service --name msiqtest status
check_match "$out" "stopped" "service mode: stopped"
run service --name msiqtest uninstall
check_status 0 "service mode: uninstall ($err)"
run service --name msiqtest status
check_match "$out" "not installed" "service mode: uninstalled"

if [ "$failed" -ne 0 ]; then
  echo "--- dispatcher output" >&2
  cat "$work_dir/run.log" >&2
fi
finish
