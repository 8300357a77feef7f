#!/usr/bin/env bash
# cli_progress.sh: following a running job from the command line, with the
# dispatcher and the fake installer in its protocol mode
# (FAKE_INSTALLER_PROTOCOL, tests/fake_installer.c), which reports
# progress and appends lines to the job's log as a script says. Proves
# that:
#   - `status` shows the running job's percentage, action and since when,
#     in text and in --json ("running": {..., "progress": {...}}), and says
#     so when a running job has reported none (null in JSON);
#   - `list` has a PROGRESS column with the percentage of a running job
#     that has reported one, blank for every other job;
#   - `wait --progress` prints a line on stderr each time the percentage or
#     action changes (rising percentages, no line repeated), and still
#     prints its result and exits with the job's code;
#   - `log --follow`, started before the job, waits for it to start,
#     prints lines of the log while the job still runs (the log does not
#     exist when it starts looking), ends once the job ends with every line
#     of the log, and exits 0; the same for a UTF-16 log, printed as UTF-8;
#     a finished job's log is printed at once;
#   - bad input (no id, an unknown id, --failure with --follow, a job that
#     never started, a log that never appeared) is one line on stderr and a
#     non-zero exit.
# POSIX keeps the low 8 bits of an exit status: `wait` exiting 3010 is seen
# as 194. The worker's script holds the job at "await" lines until the test
# has looked at it; every wait is a bounded wait-until loop.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

export MSIQ_SIM_MUTEX="$work_dir/mutex"
dispatcher_options=(--poll 100ms)
dispatcher_time_limit=120

# The background followers (`log --follow`, `wait --progress`), killed on
# exit if a failing test leaves them running.
follow_pid=""
wait_pid=""
cleanup_pid_variables="dispatcher_pid follow_pid wait_pid"

# new_section NAME: a fresh directory, database and worker script.
new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_PROTOCOL="$sec/script"
  unset FAKE_INSTALLER_DEFAULT_CODE FAKE_INSTALLER_LOG_UTF16
  : >"$FAKE_INSTALLER_PROTOCOL"
}

# script LINE...: the worker's script, one argument a line ("\t" is a tab).
script() {
  printf '%b\n' "$@" >"$FAKE_INSTALLER_PROTOCOL"
}

# start_follow ID: `msiq log --follow ID` in the background, its output in
# $sec/follow.out and .err (end_background waits for it).
start_follow() {
  # shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
  ${MSIQ_RUNNER:-} "$MSIQ_BIN" log --follow "$1" >"$sec/follow.out" 2>"$sec/follow.err" &
  follow_pid=$!
}

# start_wait_progress ID: `msiq wait --progress ID` in the background, its
# output in $sec/wait.out and .err (end_background waits for it).
start_wait_progress() {
  # shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
  ${MSIQ_RUNNER:-} "$MSIQ_BIN" wait --progress "$1" >"$sec/wait.out" 2>"$sec/wait.err" &
  wait_pid=$!
}

# end_background DESCRIPTION PID_VARIABLE: a check that the process whose
# pid PID_VARIABLE holds ends within 10 s (else it is killed); sets
# $background_status to its exit status ("running" if it had to be killed)
# and empties PID_VARIABLE.
background_status=""
end_background() {
  local pid=${!2}
  if wait_until 10000 process_dead "$pid"; then
    pass
    wait "$pid"
    background_status=$?
  else
    fail "$1 did not end"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    background_status=running
  fi
  printf -v "$2" '%s' ""
}

file_has_line() {
  grep -qxF -- "$2" "$1" 2>/dev/null
}

# status_json_field FILTER: a jq filter (raw output) over `status --json`.
status_json_field() {
  msiq --json status 2>/dev/null | jq -r "$1"
}

# status_progress_is PERCENT ACTION: `status --json` shows them for the
# running job.
status_progress_is() {
  [ "$(status_json_field '[.running.progress.percent, .running.progress.action] | map(tostring) | join("|")')" = "$1|$2" ]
}

# ---------------------------------------------------------------------------
# 1. One job followed from before it starts to its end: status, list,
# wait --progress and log --follow side by side. The script holds the job
# at each "await" until the test has looked, so what is seen "while the job
# runs" does not depend on how fast a loaded machine runs the test.
new_section follow
export FAKE_INSTALLER_DEFAULT_CODE=3010
a=$(pkg a)
script "action\tCostInitialize\tComputing space requirements" "progress\t0" \
  "await $sec/go1" \
  "log === Verbose logging started ===" \
  "action\tInstallFiles\tCopying new files" "progress\t20" \
  "log Action start InstallFiles." \
  "await $sec/go2" \
  "progress\t40" "log MSI (s) copying file 1" \
  "await $sec/go3" \
  "progress\t100" "log Action ended InstallFiles. Return value 1." \
  "log === Logging stopped ==="
job=$(enqueue "$a")
check_match "$job" '^[0-9]+$' "follow: the job is enqueued"
# Both followers start before the job does.
start_follow "$job"
start_wait_progress "$job"
sleep 0.5
if process_alive "$follow_pid"; then pass; else fail "follow: log --follow of a queued job did not wait for it ($(cat "$sec/follow.err"))"; fi
check_equal "$(cat "$sec/follow.out")" "" "follow: nothing is printed before the job starts"
start_dispatcher

# Held at go1: the job runs, has reported 0%, and has written no log yet.
if wait_until 20000 file_has_line "$sec/wait.err" "job $job: 0% CostInitialize: Computing space requirements"; then pass; else
  fail "follow: wait --progress did not print the first report ($(cat "$sec/wait.err"))"
fi
check_equal "$(job_field "$job" .state)" "running" "follow: held at the first await, the job runs"
if process_alive "$follow_pid"; then pass; else fail "follow: log --follow ended while the job ran without a log"; fi
check_equal "$(cat "$sec/follow.out")" "" "follow: log --follow prints nothing while the log does not exist"
: >"$sec/go1"

# Held at go2: 20% InstallFiles, two lines in the log.
if wait_until 20000 status_progress_is 20 "InstallFiles: Copying new files"; then pass; else
  fail "follow: status --json never showed 20% InstallFiles ($(msiq --json status 2>&1))"
fi
run --json status
check_status 0 "follow: status --json exits 0"
check_equal "$(jq_of "$out" '.running.id')" "$job" "follow: status --json names the running job"
check_equal "$(jq_of "$out" '.running.progress.percent')" "20" "follow: status --json has the percentage"
check_equal "$(jq_of "$out" '.running.progress.action')" "InstallFiles: Copying new files" \
  "follow: status --json has the action"
check_match "$(jq_of "$out" '.running.progress.since')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
  "follow: status --json says since when, in UTC"
check_equal "$(jq_of "$out" '.running.progress | keys | join(",")')" "action,percent,since" \
  "follow: the progress object has percent, action and since"
since=$(jq_of "$out" '.running.progress.since')
# JSON is UTC; the text shows local time with its offset ("+" escaped for
# the regular expression).
since=$(date -d "$since" '+%Y-%m-%d %H:%M %:z' | sed 's/+/\\+/')
run status
check_status 0 "follow: status exits 0"
check_match "$out" "^running: +job $job, attempt 1, since " "follow: status names the running job"
check_match "$out" "^  progress:  20% InstallFiles: Copying new files \\(since $since\\)\$" \
  "follow: status shows the percentage, the action and since when"
run list
check_status 0 "follow: list exits 0"
check_match "$(printf '%s\n' "$out" | sed -n 1p)" '^ID +STATE +ACTION +PRIORITY +TRIES +EXIT +PROGRESS +TARGET$' \
  "follow: list has a PROGRESS column"
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^$job +running +install +0 +1/10 +- +20% +Sample App 1\.0\.0\$" \
  "follow: list shows the running job's percentage"
run --json list
check_equal "$(jq_of "$out" '.[0].progress.percent')" "20" "follow: list --json carries the progress"
# log --follow prints the log's lines while the job still runs.
if wait_until 10000 file_has_line "$sec/follow.out" "Action start InstallFiles."; then pass; else
  fail "follow: log --follow did not print the lines written while the job ran ($(cat "$sec/follow.out"))"
fi
check_equal "$(cat "$sec/follow.out")" "$(printf '=== Verbose logging started ===\nAction start InstallFiles.')" \
  "follow: log --follow printed the log so far"
check_equal "$(job_field "$job" .state)" "running" "follow: while the job was running"
if process_alive "$follow_pid"; then pass; else fail "follow: log --follow ended while the job ran"; fi
if wait_until 10000 file_has_line "$sec/wait.err" "job $job: 20% InstallFiles: Copying new files"; then pass; else
  fail "follow: wait --progress did not print 20% ($(cat "$sec/wait.err"))"
fi
: >"$sec/go2"

# Held at go3: 40%.
if wait_until 20000 file_has_line "$sec/wait.err" "job $job: 40% InstallFiles: Copying new files"; then pass; else
  fail "follow: wait --progress did not print 40% ($(cat "$sec/wait.err"))"
fi
if wait_until 10000 file_has_line "$sec/follow.out" "MSI (s) copying file 1"; then pass; else
  fail "follow: log --follow did not print the third line ($(cat "$sec/follow.out"))"
fi
if process_alive "$wait_pid"; then pass; else fail "follow: wait --progress ended while the job ran"; fi
: >"$sec/go3"

if wait_until 30000 job_state_is "$job" succeeded; then pass; else
  fail "follow: the job did not succeed (state $(job_field "$job" .state))"
fi
end_background "follow: log --follow, once the job ended," follow_pid
check_equal "$background_status" "0" "follow: log --follow exits 0"
end_background "follow: wait --progress, once the job ended," wait_pid
wait_status=$background_status
check_equal "$(cat "$sec/follow.err")" "" "follow: log --follow wrote nothing on stderr"
log_path=$(job_field "$job" .log)
check_equal "$(cat "$sec/follow.out")" "$(cat "$log_path")" "follow: log --follow printed the whole log"
check_equal "$(tail -n 1 "$sec/follow.out")" "=== Logging stopped ===" "follow: down to its last line"
check_equal "$(grep -c . "$sec/follow.out")" "5" "follow: each line once"

# wait --progress: one line per change, rising, then the usual result.
check_equal "$wait_status" "194" "follow: wait --progress exits with the job's code (3010 & 255)"
check_equal "$(cat "$sec/wait.out")" "job $job: succeeded (exit 3010), reboot required" \
  "follow: wait --progress prints the usual result"
# The wait started before the dispatcher, so it said so once, at once.
check_equal "$(grep -c '^msiq: warning: no dispatcher is running' "$sec/wait.err")" "1" \
  "follow: wait --progress started before the dispatcher says once that none runs"
other_lines=$(grep -v '^msiq: warning: no dispatcher is running' "$sec/wait.err" | grep -cv "^job $job: ")
check_equal "$other_lines" "0" "follow: every other stderr line of wait --progress names the job ($(cat "$sec/wait.err"))"
mapfile -t percents < <(sed -nE 's/^job [0-9]+: ([0-9]+)%.*/\1/p' "$sec/wait.err")
rising=yes
previous=-1
for value in "${percents[@]}"; do
  [ "$value" -ge "$previous" ] || rising=no
  previous=$value
done
check_equal "$rising" "yes" "follow: the percentages never fall (${percents[*]})"
check_equal "$(uniq -d "$sec/wait.err")" "" "follow: no line is printed twice in a row"

# Once the job ended: no progress anywhere.
run --json status
check_equal "$(jq_of "$out" '.running')" "null" "follow: status --json shows no running job afterwards"
run status
check_match "$out" '^running: +none$' "follow: status shows no running job afterwards"
check_equal "$(printf '%s\n' "$out" | grep -c '^  progress:')" "0" "follow: and no progress line"
run list
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^$job +succeeded +install +0 +1/10 +3010 +Sample App 1\.0\.0\$" \
  "follow: list leaves the column blank for a finished job"

# A finished job's log: printed at once, and log --follow exits 0.
run log --follow "$job"
check_status 0 "follow: log --follow of a finished job exits 0"
check_equal "$out" "$(cat "$log_path")" "follow: log --follow of a finished job prints its log"
stop_dispatcher

# ---------------------------------------------------------------------------
# 2. A running job that has reported nothing, and a UTF-16 log.
new_section utf16
export FAKE_INSTALLER_LOG_UTF16=1
a=$(pkg a)
b=$(pkg b)
script "await $sec/go" "log first line" "sleep 300" "log second line" "log third line"
job=$(enqueue "$a")
other=$(enqueue "$b")
start_dispatcher
if wait_until 10000 job_state_is "$job" running; then pass; else fail "utf16: the job did not start"; fi
start_follow "$job"
run --json status
check_equal "$(jq_of "$out" '[.running.id, .running.progress] | map(tostring) | join(" ")')" "$job null" \
  "utf16: status --json: a running job without a report has progress null"
run status
check_match "$out" '^  progress:  none reported$' "utf16: status says no progress was reported"
run list
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^$job +running +install +0 +1/10 +- +Sample App 1\.0\.0\$" \
  "utf16: list leaves the column blank for a job without a report"
check_match "$(printf '%s\n' "$out" | sed -n 3p)" "^$other +queued +install +0 +0/10 +- +Sample App 1\.0\.0\$" \
  "utf16: and for a queued job"
: >"$sec/go"
if wait_until 30000 job_state_is "$other" succeeded; then pass; else fail "utf16: the jobs did not run"; fi
end_background "utf16: log --follow, once the job ended," follow_pid
check_equal "$background_status" "0" "utf16: log --follow exits 0"
check_equal "$(head -c 2 "$(job_field "$job" .log)" | od -An -tx1 | tr -d ' \n')" "fffe" \
  "utf16: the log is UTF-16LE with a byte-order mark"
check_equal "$(cat "$sec/follow.out")" "$(printf 'first line\nsecond line\nthird line')" \
  "utf16: log --follow printed it as UTF-8"
stop_dispatcher

# ---------------------------------------------------------------------------
# 3. Bad input: one line on stderr, a non-zero exit.
new_section bad
script "sleep 300"
a=$(pkg a)
job=$(enqueue "$a")
check_rejected 2 "missing job ID" "bad: log --follow without an id" log --follow
check_rejected 2 "invalid job id 'abc'" "bad: log --follow with a bad id" log --follow abc
check_rejected 3 "no job with id 999" "bad: log --follow of an unknown job" log --follow 999
check_rejected 3 "no job with id 999" "bad: wait --progress of an unknown job" wait --progress 999
check_rejected 2 "cannot be used together" "bad: --failure with --follow" log --follow --failure "$job"
run cancel "$job"
check_status 0 "bad: a queued job is cancelled"
check_rejected 3 "job $job has no log \\(it never started\\)" "bad: log --follow of a job that never started" \
  log --follow "$job"
# A worker that writes no log: once its job ended, there is none to follow.
job=$(enqueue "$a")
start_dispatcher
if wait_until 10000 job_state_is "$job" succeeded; then pass; else fail "bad: the job did not run"; fi
check_rejected 3 "job $job: cannot open log " "bad: log --follow of a job whose log never appeared" \
  log --follow "$job"
stop_dispatcher

finish
