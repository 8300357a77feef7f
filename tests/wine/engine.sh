#!/usr/bin/env bash
# engine.sh: the engine end to end under Wine. Jobs go in with `msiq
# enqueue`; `msiq run` (the dispatcher) starts `msiq.exe --worker` for each,
# which drives Wine's real msi.dll; the test reads only what msiq records
# (`msiq show`), never the worker's lines. The package is worker.sh's
# (tests/packages/worker.wxs, worker_package_build in lib.sh): 200 files and
# custom actions a job's properties steer. Proves on a fresh prefix that:
#   - an install job installs the package, and `msiq show --json`, polled
#     while it runs, shows at least ten increasing progress values (the
#     package's MsiqReportProgress moves the bar in small steps for about
#     40 s, however fast the files are copied); the finished attempt keeps
#     progress 100, in `show --json` and `show`; the attempt's operation is
#     the exact call; an uninstall job removes the product and its files;
#   - `msiq cancel --force` while an install runs (half way through a slow
#     MsiqReportProgress, before any file is copied) asks the worker to
#     cancel: Windows Installer returns 1602, the job is cancelled with exit
#     code 1602 and the rollback text, the attempt keeps how far it got
#     (below 100), the product is not installed and none of its files is
#     there;
#   - a custom action that reports error 25001 fails the job with
#     last_error and the history message taken from the error record (its
#     number, action and text), not from the log.
# What Wine cannot show (Wine's msi.dll runs the whole installation inside
# the worker, with no Windows Installer service) is in docs/testing.md.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

dispatcher_pid=""
cleanup_engine_test() {
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_engine_test EXIT

# The dispatcher's own default program, msiq.exe --worker (not a
# stand-in), and progress written every 100 ms instead of every second, so
# that polling sees many values in a short install (the worker itself sends
# at most four a second).
unset MSIQ_INSTALLER
export MSIQ_PROGRESS_INTERVAL_MS=100
MSIQ_DB=$(win_path "$work_dir/queue.db")
export MSIQ_DB
run_log="$work_dir/run.log"

start_dispatcher() {
  wine "$MSIQ_EXE" run --poll 200ms --cancel-grace 10m >>"$run_log" 2>&1 &
  dispatcher_pid=$!
  wait_until 120000 grep -q 'dispatcher started' "$run_log" ||
    fail "the dispatcher did not start: $(cat "$run_log")"
}

stop_dispatcher() {
  [ -n "$dispatcher_pid" ] || return 0
  kill -INT "$dispatcher_pid" 2>/dev/null
  wait_until 30000 bash -c "! kill -0 $dispatcher_pid 2>/dev/null"
  kill "$dispatcher_pid" 2>/dev/null
  wait "$dispatcher_pid" 2>/dev/null
  dispatcher_pid=""
}

# wait_finished ID DESCRIPTION: waits (generously: Wine on a loaded machine)
# for the job to end.
# sample ID: one look at the running job, "STATE PERCENT" (PERCENT empty
# while it has none).
sample() {
  job_field "$1" '[.state, (.progress.percent // "")] | map(tostring) | join(" ")'
}

wine_prefix_init
worker_package_build
start_dispatcher

# ---------------------------------------------------------------------------
# 1. An install: progress while it runs, 100 kept by the attempt.
# MsiqReportProgress in 160 steps 250 ms apart: the bar moves by about half
# in 40 s, a percent every second or so, so even polls that take two
# seconds each under load (starting a Wine process) see some twenty values.
run enqueue "$package" ALLUSERS=1 "MSIQACTIONPROGRESS=160 250"
check_status 0 "install: enqueue"
install_id=$out
seen=""
polls=0
end=$(($(now_ms) + 600000))
while [ "$(now_ms)" -lt "$end" ]; do
  read -r state percent <<<"$(sample "$install_id")"
  polls=$((polls + 1))
  case $state in queued | running) ;; *) break ;; esac
  if [ -n "${percent:-}" ] && [ "${seen##* }" != "$percent" ]; then
    seen="$seen $percent"
  fi
done
seen=${seen# }
echo "install: $polls polls saw progress $seen" >&2
wait_finished "$install_id" install
check_equal "$(job_field "$install_id" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 0" \
  "install: the job succeeded ($(job_field "$install_id" .last_error))"
read -ra values <<<"$seen"
if [ "${#values[@]}" -ge 10 ]; then pass; else fail "install: fewer than ten progress values were seen: $seen"; fi
rising=yes
previous=-1
for value in $seen; do
  [ "$value" -gt "$previous" ] || rising=no
  previous=$value
done
check_equal "$rising" yes "install: each value seen is above the one before ($seen)"
echo "install: the attempt kept $(job_field "$install_id" '.history[0].progress | tostring')" >&2
check_equal "$(job_field "$install_id" '.history[0].progress.percent')" 100 "install: the finished attempt keeps progress 100"
check_match "$(job_field "$install_id" '.history[0].progress.since')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
  "install: the attempt's progress says when it came"
check_equal "$(job_field "$install_id" .progress)" null "install: no live progress once the job ended"
run show "$install_id"
check_match "$out" "^  1 +[-0-9]+ [0-9:]+ [-+0-9:]+ +[-0-9]+ [0-9:]+ [-+0-9:]+ +0 +succeeded +100% " "install: show says the attempt got to 100%"
check_equal "$(job_field "$install_id" '.history[0].operation')" \
  "MsiInstallProductW(\"$package\", \"ALLUSERS=1 MSIQACTIONPROGRESS=\"160 250\" REBOOT=ReallySuppress\"); REBOOT=ReallySuppress was added by msiq (the job does not set REBOOT)" \
  "install: the attempt's operation is the exact call"
check_equal "$(product_state "$product_code")" "5 default" "install: the product is installed"
check_equal "$(installed_file_count)" "$payload_count" "install: every file is installed"

# The uninstall job takes it all away again, for the cancel below.
run enqueue --action uninstall "$product_code"
check_status 0 "uninstall: enqueue"
uninstall_id=$out
wait_finished "$uninstall_id" uninstall
check_equal "$(job_field "$uninstall_id" .state)" succeeded "uninstall: the job succeeded ($(job_field "$uninstall_id" .last_error))"
check_equal "$(product_state "$product_code")" "-1 unknown" "uninstall: the product is gone"
check_equal "$(installed_file_count)" 0 "uninstall: the files are gone"

# ---------------------------------------------------------------------------
# 2. cancel --force half way. MsiqReportProgress runs before InstallFiles
# and here takes 600 steps 200 ms apart (two minutes, far longer than the
# cancel needs on a loaded machine); the cancel goes in once the bar has
# moved a few percent. The worker answers IDCANCEL to the
# action's next progress report, the action stops, Windows Installer rolls
# back and returns 1602.
run enqueue "$package" "MSIQACTIONPROGRESS=600 200"
check_status 0 "cancel: enqueue"
cancel_id=$out
# half_way_or_over: the job runs and its bar has passed 3 %, or it ended.
half_way_or_over() {
  read -r state percent <<<"$(sample "$cancel_id")"
  case $state in queued) return 1 ;; running) ;; *) return 0 ;; esac
  [ -n "${percent:-}" ] && [ "$percent" -ge 3 ]
}
if wait_until 600000 half_way_or_over && [ "$state" = running ]; then
  cancelled_at_percent=$percent
  run cancel --force "$cancel_id"
  check_status 0 "cancel: cancel --force exits 0"
else
  cancelled_at_percent=""
  fail "cancel: the install never got half way ($(sample "$cancel_id"))"
fi
wait_finished "$cancel_id" cancel
check_equal "$(job_field "$cancel_id" '[.state, .exit_code, .history[0].outcome, .history[0].exit_code] | map(tostring) | join(" ")')" \
  "cancelled 1602 cancelled 1602" "cancel: the job and its attempt are cancelled with 1602"
check_equal "$(job_field "$cancel_id" .last_error)" \
  "cancelled by an administrator while running; Windows Installer rolled the installation back" \
  "cancel: last_error says Windows Installer rolled back"
check_equal "$(grep -c "job $cancel_id: the worker is cancelling" "$run_log")" 1 "cancel: the run log says the worker is cancelling"
check_equal "$(grep -c "job $cancel_id: the worker has not ended" "$run_log")" 0 "cancel: the worker ended by itself"
# How far it got: at least where the cancel was sent, and short of 100.
kept=$(job_field "$cancel_id" '.history[0].progress.percent')
echo "cancel: sent at ${cancelled_at_percent:-?} %, the attempt kept $(job_field "$cancel_id" '.history[0].progress | tostring')" >&2
if [[ $kept =~ ^[0-9]+$ ]] && [ -n "$cancelled_at_percent" ] && [ "$kept" -ge "$cancelled_at_percent" ] && [ "$kept" -lt 100 ]; then
  pass
else
  fail "cancel: the attempt kept progress '$kept' (the cancel was sent at ${cancelled_at_percent:-?} %)"
fi
run show "$cancel_id"
check_match "$out" "^  1 +[-0-9]+ [0-9:]+ [-+0-9:]+ +[-0-9]+ [0-9:]+ [-+0-9:]+ +1602 +cancelled +$kept% " "cancel: show says how far the attempt got"
check_equal "$(product_state "$product_code")" "-1 unknown" "cancel: the product is not installed"
check_equal "$(installed_file_count)" 0 "cancel: none of its files is installed"

# ---------------------------------------------------------------------------
# 3. A custom action that reports error 25001 (MsiqReportError): the job's
# last_error comes from the error record, with its number and action.
run enqueue "$package" MSIQACTIONERROR=1
check_status 0 "error: enqueue"
error_id=$out
wait_finished "$error_id" error
check_equal "$(job_field "$error_id" '[.state, .exit_code] | map(tostring) | join(" ")')" "failed 1603" "error: the job failed with 1603"
last_error=$(job_field "$error_id" .last_error)
check_match "$(printf '%s\n' "$last_error" | head -1)" '^error 25001 in action MsiqReportError: .*MSIQACTIONERROR is set$' \
  "error: last_error starts with the error record ($last_error)"
check_match "$last_error" 'installer failed with exit code 1603 \(ERROR_INSTALL_FAILURE\)' "error: last_error has the exit code below it"
check_equal "$(job_field "$error_id" '.history[0].message')" "$(printf '%s\n' "$last_error" | head -1)" \
  "error: the history message is the error record"
check_match "$(cat "$run_log")" "job $error_id: attempt 1 failed: error 25001 in action MsiqReportError" "error: the run log says the error"
check_equal "$(product_state "$product_code")" "-1 unknown" "error: the product is not installed"

stop_dispatcher
if [ "$failed" -ne 0 ]; then
  echo "--- dispatcher output" >&2
  cat "$run_log" >&2
fi
finish
