#!/usr/bin/env bash
# cli_dispatch_outcomes.sh: what `msiq run` passes to the installer and what
# it makes of the installer's exit code. Proves, with the scripted fake
# installer, the exact argument list for each action (properties in order,
# spaces and quotes intact, the default, --log-dir and --log log paths); the
# default exit-code table (1618 and 1601 retried, 3010/3011/1641 success with
# a reboot, 1641 pausing the queue, 1603 failing, 1707 success, 1605/1614
# success only for an uninstall); per-job --exit-code rules; the retry budget
# (--max-attempts, --give-up-after); and the exit codes of `msiq wait` and
# `enqueue --wait`.
#
# POSIX keeps only the low 8 bits of an exit status: the fake installer
# leaves its full code in MSIQ_SIM_EXIT_CODE_DIR for the dispatcher, but
# `msiq wait` exiting 3010 is seen here as 3010 & 255 = 194. Exit statuses of
# wait are therefore compared as (code & 255), and the full code is checked
# in the printed line or the JSON.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 100ms --retry-base 100ms --retry-max 400ms)

# new_section NAME: a fresh directory, database, argv log and codes file.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  export MSIQ_SIM_MUTEX="$sec/mutex"
  make_package "$sec/app.msi"
  app="$sec/app.msi"
}

# summary ID: "state attempts exit_code reboot_required" of a job.
summary() {
  job_field "$1" '[.state, .attempts, .exit_code, .reboot_required] | map(tostring) | join(" ")'
}

# history ID: "outcome:exit_code ..." of every attempt, in order.
history() {
  job_field "$1" '.history | map(.outcome + ":" + (.exit_code | tostring)) | join(" ")'
}

codes_left() {
  tr -s ' \n' ' ' <"$FAKE_INSTALLER_CODES" | sed 's/^ //; s/ $//'
}

# drain CODES [RUN OPTIONS...]: the fake installer exits with CODES in turn;
# `msiq run --drain` runs in the foreground until the queue is drained.
drain() {
  echo "$1" >"$FAKE_INSTALLER_CODES"
  shift
  run_drain "$@"
  if [ "$drain_status" -eq 0 ]; then pass; else fail "$sec: run --drain exited $drain_status: $(tail -n 5 "$run_log")"; fi
  check_equal "$(codes_left)" "" "$sec: the installer ran once per scripted code"
}

# ---------------------------------------------------------------------------
# 1. The installer's arguments.
new_section argv
cd "$sec" || exit 1
make_patch_package fix.msp
mkdir -p "custom logs" "other logs"
guid="{12345678-ABCD-EF01-2345-6789ABCDEF01}"
job_install=$(enqueue app.msi A=1 'NOTE=hello "world"' 'SPACED=a b  c' 'EMPTY=' 'Z.last=x=y')
job_uninstall=$(enqueue --action uninstall "$guid" REMOVE=ALL)
job_patch=$(enqueue --action patch fix.msp REINSTALLMODE=omus)
job_repair=$(enqueue --action repair app.msi --log "$sec/custom logs/repair.log")
cd "$work_dir" || exit 1
check_match "$job_install $job_uninstall $job_patch $job_repair" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "argv: four jobs enqueued"
FAKE_INSTALLER_WRITE_LOG=1 drain "0 0 0 0"
expected_install="[/i] [$sec/app.msi] [/qn] [/norestart] [/l*v] [$sec/logs/job-$job_install.log] [A=1] [NOTE=hello \"world\"] [SPACED=a b  c] [EMPTY=] [Z.last=x=y]"
expected_uninstall="[/x] [$guid] [/qn] [/norestart] [/l*v] [$sec/logs/job-$job_uninstall.log] [REMOVE=ALL]"
expected_patch="[/update] [$sec/fix.msp] [/qn] [/norestart] [/l*v] [$sec/logs/job-$job_patch.log] [REINSTALLMODE=omus]"
expected_repair="[/fomus] [$sec/app.msi] [/qn] [/norestart] [/l*v] [$sec/custom logs/repair.log]"
check_equal "$(wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' ')" "4" "argv: four installer runs"
check_equal "$(sed -n 1p "$FAKE_INSTALLER_LOG")" "$expected_install" "argv: install: /i, absolute package, properties in order with spaces and quotes"
check_equal "$(sed -n 2p "$FAKE_INSTALLER_LOG")" "$expected_uninstall" "argv: uninstall of a product code"
check_equal "$(sed -n 3p "$FAKE_INSTALLER_LOG")" "$expected_patch" "argv: patch"
check_equal "$(sed -n 4p "$FAKE_INSTALLER_LOG")" "$expected_repair" "argv: repair with --log"
if [ -s "$sec/logs/job-$job_install.log" ]; then pass; else fail "argv: no installer log at the default path $sec/logs/job-$job_install.log"; fi
if [ -s "$sec/custom logs/repair.log" ]; then pass; else fail "argv: no installer log at the --log path"; fi
check_equal "$(job_field "$job_repair" .log)" "$sec/custom logs/repair.log" "argv: show --json has the --log path"
# --log-dir moves the default logs.
job_logdir=$(enqueue "$app" B=2)
drain "0" --log-dir "$sec/other logs"
check_equal "$(tail -n 1 "$FAKE_INSTALLER_LOG")" \
  "[/i] [$app] [/qn] [/norestart] [/l*v] [$sec/other logs/job-$job_logdir.log] [B=2]" "argv: --log-dir sets the log directory"

# ---------------------------------------------------------------------------
# 2-9. Exit codes, one drain run each.
new_section codes

# 2. 1618 is retried.
job=$(enqueue "$app")
drain "1618 1618 0"
check_equal "$(summary "$job")" "succeeded 3 0 false" "1618: succeeded on the third attempt"
check_equal "$(history "$job")" "retry:1618 retry:1618 succeeded:0" "1618: the history has both retries and the success"
check_equal "$(job_field "$job" '.history | length')" "3" "1618: three attempts in the history"
check_match "$(job_field "$job" '.history[0].message')" 'exit code 1618 \(ERROR_INSTALL_ALREADY_RUNNING\)' "1618: the attempt message names the code"
check_equal "$(job_field "$job" .last_error)" "null" "1618: no last_error after the success"

# 9. 1601 is retried like 1618.
job=$(enqueue "$app")
drain "1601 0"
check_equal "$(summary "$job")" "succeeded 2 0 false" "1601: succeeded on the second attempt"
check_equal "$(history "$job")" "retry:1601 succeeded:0" "1601: retried once"

# 3. 3010 and 3011: success, reboot required, full code recorded.
job=$(enqueue "$app")
drain "3010"
check_equal "$(summary "$job")" "succeeded 1 3010 true" "3010: succeeded, reboot required, exit code 3010"
check_equal "$(history "$job")" "reboot:3010" "3010: the attempt's outcome is reboot"
job=$(enqueue "$app")
drain "3011"
check_equal "$(summary "$job")" "succeeded 1 3011 true" "3011: succeeded, reboot required, exit code 3011"
check_match "$(msiq show "$job")" 'reboot' "3011: show mentions the reboot"

# 5. 1603 fails; 1707 succeeds.
job=$(enqueue "$app")
drain "1603"
check_equal "$(summary "$job")" "failed 1 1603 false" "1603: failed after one attempt"
check_match "$(job_field "$job" .last_error)" '1603' "1603: last_error names the code"
check_equal "$(history "$job")" "failed:1603" "1603: the attempt's outcome is failed"
job=$(enqueue "$app")
drain "1707"
check_equal "$(summary "$job")" "succeeded 1 1707 false" "1707: succeeded"

# 6. 1605 and 1614 are success only for an uninstall.
guid="{12345678-ABCD-EF01-2345-6789ABCDEF01}"
job_x1605=$(enqueue --action uninstall "$guid")
job_x1614=$(enqueue --action uninstall "$app")
job_i1605=$(enqueue "$app")
job_f1605=$(enqueue --action repair "$guid")
drain "1605 1614 1605 1605"
check_equal "$(summary "$job_x1605")" "succeeded 1 1605 false" "uninstall 1605: succeeded (nothing to uninstall)"
check_equal "$(summary "$job_x1614")" "succeeded 1 1614 false" "uninstall 1614: succeeded"
check_equal "$(summary "$job_i1605")" "failed 1 1605 false" "install 1605: failed"
check_equal "$(summary "$job_f1605")" "failed 1 1605 false" "repair 1605: failed"

# 7. --exit-code rules win over the table.
job=$(enqueue --exit-code 1603=success "$app")
drain "1603"
check_equal "$(summary "$job")" "succeeded 1 1603 false" "--exit-code 1603=success: succeeded"
job=$(enqueue --exit-code 0=fail "$app")
drain "0"
check_equal "$(summary "$job")" "failed 1 0 false" "--exit-code 0=fail: failed"
check_match "$(job_field "$job" .last_error)" 'exit code 0' "--exit-code 0=fail: last_error names the code"
job=$(enqueue --exit-code 5=retry "$app")
drain "5 0"
check_equal "$(summary "$job")" "succeeded 2 0 false" "--exit-code 5=retry: succeeded on attempt 2"
check_equal "$(history "$job")" "retry:5 succeeded:0" "--exit-code 5=retry: the first attempt was a retry"
job=$(enqueue "$app")
drain "5"
check_equal "$(summary "$job")" "failed 1 5 false" "without a rule, 5 fails"
job=$(enqueue --exit-code 3010=success "$app")
drain "3010"
check_equal "$(summary "$job")" "succeeded 1 3010 false" "--exit-code 3010=success: no reboot required"

# 8. The retry budget.
job=$(enqueue --max-attempts 3 "$app")
drain "1618 1618 1618"
check_equal "$(summary "$job")" "failed 3 1618 false" "--max-attempts 3: failed on attempt 3"
check_match "$(job_field "$job" .last_error)" '^another installation kept running: exit code 1618 .* on each of 3 attempts' \
  "--max-attempts 3: last_error says another installation kept running"
check_equal "$(history "$job")" "retry:1618 retry:1618 retry:1618" "--max-attempts 3: three retry attempts"
job=$(enqueue "$app")
started=$(now_ms)
FAKE_INSTALLER_DEFAULT_CODE=1618 drain "" --give-up-after 300ms
elapsed=$(($(now_ms) - started))
check_equal "$(job_field "$job" .state)" "failed" "--give-up-after: the job failed"
check_match "$(job_field "$job" .last_error)" '^another installation kept running: still exit code 1618 .*\(give-up-after 300ms\)$' \
  "--give-up-after: last_error names the budget"
check_match "$(job_field "$job" .attempts)" '^[2-9]$' "--give-up-after: it gave up after a few attempts, before max-attempts"
if [ "$elapsed" -lt 20000 ]; then pass; else fail "--give-up-after 300ms: the drain run took $elapsed ms"; fi

# ---------------------------------------------------------------------------
# 4. 1641 pauses the queue until an administrator resumes it.
new_section reboot
b="$sec/b.msi"
make_package "$b"
job_a=$(enqueue "$app")
job_b=$(enqueue "$b")
echo "1641 0" >"$FAKE_INSTALLER_CODES"
start_dispatcher
if wait_until 10000 job_state_is "$job_a" succeeded; then pass; else fail "1641: the job did not succeed (state $(job_field "$job_a" .state))"; fi
check_equal "$(summary "$job_a")" "succeeded 1 1641 true" "1641: succeeded with exit code 1641"
sleep 1.5
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated, .gate.open] | map(tostring) | join(" ")')" "true true false" \
  "1641: status --json: paused, reboot initiated, gate closed"
check_match "$(jq_of "$out" .gate.pause_reason)" "^reboot initiated by job $job_a \(exit 1641\)" "1641: the pause reason names the job"
run status
check_match "$out" '^  queue: +paused since .*\[reboot initiated\]$' "1641: status says a reboot was initiated"
check_equal "$(job_field "$job_b" .state)" "queued" "1641: the next job stays queued"
check_equal "$(wc -l <"$FAKE_INSTALLER_LOG" | tr -d ' ')" "1" "1641: no other installer started"
check_match "$(cat "$run_log")" "queue paused: reboot initiated by job $job_a" "1641: the run log says the queue paused"
run resume
check_status 0 "1641: resume exits 0"
if wait_until 2000 job_state_is "$job_b" succeeded; then pass; else fail "1641: the next job did not run within 2 s of resume (state $(job_field "$job_b" .state))"; fi
run --json status
check_equal "$(jq_of "$out" '[.gate.paused, .gate.reboot_initiated] | map(tostring) | join(" ")')" "false false" \
  "1641: resume clears the pause and the reboot flag"
stop_dispatcher

# ---------------------------------------------------------------------------
# 10. msiq wait and enqueue --wait, with a dispatcher in the background.
new_section wait
export FAKE_INSTALLER_SLEEP_MS=200
start_dispatcher
unset FAKE_INSTALLER_SLEEP_MS

# check_wait_status CODE DESCRIPTION: the last run exited with CODE as POSIX
# reports it (CODE & 255).
check_wait_status() {
  check_status $(($1 & 255)) "$2 (exit code $1, seen as $(($1 & 255)))"
}

echo "0 0" >"$FAKE_INSTALLER_CODES"
j1=$(enqueue "$app")
j2=$(enqueue "$app")
run wait "$j1" "$j2"
check_wait_status 0 "wait: all succeeded"
check_equal "$out" "job $j1: succeeded (exit 0)
job $j2: succeeded (exit 0)" "wait: one line per job"

echo "0 3010" >"$FAKE_INSTALLER_CODES"
j3=$(enqueue "$app")
j4=$(enqueue "$app")
run wait "$j3" "$j4"
check_wait_status 3010 "wait: one job needs a reboot"
check_equal "$(printf '%s\n' "$out" | sed -n 2p)" "job $j4: succeeded (exit 3010), reboot required" "wait: the line shows 3010"
run --json wait "$j3" "$j4"
check_wait_status 3010 "wait --json: one job needs a reboot"
check_equal "$(jq_of "$out" 'map([.id, .exit_code, .reboot_required] | map(tostring) | join(" ")) | join(",")')" \
  "$j3 0 false,$j4 3010 true" "wait --json prints both jobs with their full codes"

echo "3010 1641" >"$FAKE_INSTALLER_CODES"
j5=$(enqueue "$app")
j6=$(enqueue "$app")
run wait "$j5" "$j6"
check_wait_status 1641 "wait: one job started a reboot"
check_equal "$(printf '%s\n' "$out" | sed -n 2p)" "job $j6: succeeded (exit 1641), reboot required" "wait: the line shows 1641"
msiq resume >/dev/null

echo "3010 1603 1620" >"$FAKE_INSTALLER_CODES"
j7=$(enqueue "$app")
j8=$(enqueue "$app")
j9=$(enqueue "$app")
run wait "$j7" "$j8" "$j9"
check_wait_status 1603 "wait: the first failed job's code"
check_match "$out" "^job $j8: failed \(exit 1603\): installer failed with exit code 1603" "wait: the failed job's line"
run wait "$j9" "$j7" "$j8"
check_wait_status 1620 "wait: the first failed job in the order given"

echo "1618 1618" >"$FAKE_INSTALLER_CODES"
j10=$(enqueue --max-attempts 2 "$app")
run wait "$j10"
check_wait_status 1603 "wait: a job that gave up on 1618 reports 1603"
check_match "$out" "^job $j10: failed \(exit 1618\): another installation kept running" "wait: the line shows the job's own 1618"

msiq pause --reason "wait test" >/dev/null
j11=$(enqueue "$app")
msiq cancel "$j11" >/dev/null
run wait "$j11"
check_wait_status 1602 "wait: a cancelled job"
check_match "$out" "^job $j11: cancelled(\$|: )" "wait: the cancelled job's line"

j12=$(enqueue "$app")
started=$(now_ms)
run wait --timeout 300ms "$j12"
elapsed=$(($(now_ms) - started))
check_wait_status 1460 "wait --timeout on a job that cannot start"
check_error $((1460 & 255)) "timed out after 300ms waiting for 1 job" "wait --timeout: one stderr line"
check_equal "$out" "" "wait --timeout prints nothing on stdout"
if [ "$elapsed" -lt 10000 ]; then pass; else fail "wait --timeout 300ms took $elapsed ms"; fi
check_equal "$(job_field "$j12" .state)" "queued" "wait --timeout leaves the job queued"
msiq resume >/dev/null
if wait_until 5000 job_state_is "$j12" succeeded; then pass; else fail "wait: the job queued behind the pause did not run after resume"; fi

run wait 999999
check_error 3 "" "wait on a job that does not exist"

echo "3010" >"$FAKE_INSTALLER_CODES"
run enqueue --wait "$app"
check_wait_status 3010 "enqueue --wait exits with the job's code"
check_match "$out" '^job [0-9]+: succeeded \(exit 3010\), reboot required$' "enqueue --wait prints the job line"
echo "3010" >"$FAKE_INSTALLER_CODES"
run --json enqueue --wait "$app"
check_wait_status 3010 "enqueue --wait --json exits with the job's code"
check_equal "$(jq_of "$out" '.[0] | [.state, .exit_code, .reboot_required] | map(tostring) | join(" ")')" "succeeded 3010 true" \
  "enqueue --wait --json prints the finished job"

stop_dispatcher

finish
