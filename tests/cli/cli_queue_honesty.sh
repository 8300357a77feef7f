#!/usr/bin/env bash
# cli_queue_honesty.sh: the queue tells the truth (issue 13, "Honest waits,
# keys, ids, manifests, times"). Proves, against the POSIX simulation:
#   1. `wait` takes any number of ids (300 here), a job that ended with 1641
#      ends a wait at once with 1641, and `enqueue --wait` prints the new
#      job even when the wait times out.
#   2. A key reused for another job (target, action or properties) is
#      refused with exit 3 naming the job, by enqueue and by import; the
#      same job under the same key is answered with the existing one.
#   3. Job ids are never given twice: enqueue 3, purge all, enqueue: id 4.
#   4. Manifests as PowerShell writes them: UTF-8 with a byte-order mark,
#      UTF-16 LE and BE with one (invalid UTF-16 refused in one line, nothing
#      added), and a single job object instead of an array.
#   5. Times: show, status and report print local time with its offset,
#      JSON stays UTC; a deadline already past is refused (exit 2, nothing
#      enqueued) by enqueue and import; --not-before 22:00 is the next
#      22:00 local time, report --since 08:00 the last 08:00.
#   6. Option values in any case (--state Failed, --action Install,
#      --exit-code 1603=Retry, a manifest's "action": "Install"); `msiq /?`
#      and `msiq help [COMMAND]` print the help.
#   7. purge deletes the purged jobs' default logs in the log folder (the
#      stored log-dir setting's too; and
#      --log-dir's), keeps every other file, and warns about a log it cannot
#      delete.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

# One real package, copied wherever a test needs a target: the queue
# refuses what is not a Windows Installer package.
make_package "$work_dir/app.msi" "Honest App" 1.0.0 || exit 1

new_section() {
  begin_section "$1"
  export FAKE_INSTALLER_CODES="$sec/codes"
  msiq status >/dev/null 2>&1 # creates the database
}

# package NAME: a copy of the real package in the section; prints its path.
package() {
  cp "$work_dir/app.msi" "$sec/$1.msi"
  printf '%s\n' "$sec/$1.msi"
}

# --- 1. Waits. ---------------------------------------------------------------
new_section wait_many
target=$(package many)
for ((i = 1; i <= 300; i++)); do
  printf '{"target": "%s", "properties": {"N": "%d"}}\n' "$target" "$i"
done | jq -s . >"$sec/many.json"
run import "$sec/many.json"
check_status 0 "setup: import 300 jobs"
mapfile -t many_ids <<<"$out"
check_equal "${#many_ids[@]}" "300" "setup: 300 ids"
# Nothing runs them: the wait must accept all 300 ids and time out.
run wait --timeout 200ms "${many_ids[@]}"
# Without a dispatcher the wait first says so (issue 13), then times out.
check_status $((1460 & 255)) "wait takes 300 ids: exit 1460"
check_equal "$(printf '%s\n' "$err" | head -n 1)" "msiq: warning: no dispatcher is running: the jobs run once \`msiq run\` or the service starts; waiting" "wait takes 300 ids: says no dispatcher runs"
check_match "$(printf '%s\n' "$err" | tail -n 1)" "^msiq: timed out after 200ms waiting for 300 jobs" "wait takes 300 ids: then times out"
# A bad id among them is still named, and the queue is not touched.
run wait --timeout 200ms "${many_ids[@]}" 0
check_error 2 "invalid job id '0'" "wait with a bad id after 300 good ones"
run wait --timeout 200ms "${many_ids[@]}" --frob
check_error 2 "unknown option '--frob'" "a bad option is named before the ids are read"

new_section wait_1641
job_a=$(enqueue --priority 5 "$(package a)")
job_b=$(enqueue "$(package b)")
echo "1641 0" >"$FAKE_INSTALLER_CODES"
run_drain
check_equal "$drain_status" "0" "1641: the drain run ends (the queue pauses)"
check_equal "$(job_field "$job_a" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 1641" "1641: job A ended with 1641"
check_equal "$(job_field "$job_b" .state)" "queued" "1641: job B waits for the reboot"
run wait --timeout 30s "$job_b" "$job_a"
check_status $((1641 & 255)) "1641: a wait for both ends at once with 1641 (seen as 105), not at its timeout"
check_match "$out" "job $job_a: succeeded \(exit 1641\)" "1641: wait prints job A"
check_match "$out" "job $job_b: queued" "1641: wait prints job B as it is"
check_equal "$err" "" "1641: no timeout message"

new_section enqueue_wait_timeout
run enqueue --wait-timeout 200ms "$(package late)"
# Without a dispatcher the wait first says so (issue 13), then times out.
check_status $((1460 & 255)) "enqueue --wait-timeout without a dispatcher times out: exit 1460"
check_equal "$(printf '%s\n' "$err" | head -n 1)" "msiq: warning: no dispatcher is running: the jobs run once \`msiq run\` or the service starts; waiting" "enqueue --wait-timeout without a dispatcher times out: says no dispatcher runs"
check_match "$(printf '%s\n' "$err" | tail -n 1)" "^msiq: timed out after 200ms waiting for 1 job" "enqueue --wait-timeout without a dispatcher times out: then times out"
check_match "$out" "^job [0-9]+: queued$" "enqueue --wait prints the new job when the wait times out"
late_id=$(printf '%s' "$out" | sed -E 's/^job ([0-9]+):.*/\1/')
check_equal "$(job_field "$late_id" .state)" "queued" "the printed id is the queued job"
run --json enqueue --wait-timeout 200ms "$(package late_json)"
check_status $((1460 & 255)) "enqueue --json --wait-timeout times out"
check_equal "$(jq_of "$out" '.[0].state')" "queued" "enqueue --json --wait prints the job as a JSON array when the wait times out"
check_equal "$(jq_of "$out" '.[0].id')" "$((late_id + 1))" "the JSON names the new job's id"

# --- 2. Keys. ----------------------------------------------------------------
new_section keys
app=$(package app)
other=$(package other)
run enqueue --key app-1 "$app" A=1 B=2
check_status 0 "keys: enqueue with a key"
key_job=$out
run enqueue --key app-1 --priority 9 "$app" A=1 B=2
check_status 0 "keys: the same job again under its key is answered"
check_equal "$out" "$key_job" "keys: the existing job's id"
check_match "$err" "key 'app-1' already names unfinished job $key_job; nothing added" "keys: the warning names the job"
check_rejected 3 "key 'app-1' already names unfinished job $key_job, whose target is '$app', not '$other'" \
  "keys: another target under the key is refused" enqueue --key app-1 "$other" A=1 B=2
check_rejected 3 "key 'app-1' already names unfinished job $key_job, which is to install, not repair" \
  "keys: another action under the key is refused" enqueue --key app-1 --action repair "$app" A=1 B=2
check_rejected 3 "key 'app-1' already names unfinished job $key_job, whose properties differ" \
  "keys: other properties under the key are refused" enqueue --key app-1 "$app" A=1 B=3
check_rejected 3 "whose properties differ" \
  "keys: a property less under the key is refused" enqueue --key app-1 "$app" A=1
printf '[{"target": "%s", "key": "app-1", "properties": {"A": "1", "B": "2"}}]\n' "$app" >"$sec/same.json"
run import "$sec/same.json"
check_status 0 "keys: import of the same keyed job"
check_equal "$out" "$key_job" "keys: import answers the existing job"
printf '[{"target": "%s", "key": "fresh"}, {"target": "%s", "key": "app-1", "properties": {"A": "1", "B": "2"}}]\n' "$app" "$other" >"$sec/other.json"
check_rejected 3 "item 2: key 'app-1' already names unfinished job $key_job, whose target" \
  "keys: import of another job under the key is refused, nothing imported" import "$sec/other.json"
# Once the job has finished, the key is free for any job.
run cancel "$key_job"
check_status 0 "keys: cancel the keyed job"
run enqueue --key app-1 "$other"
check_status 0 "keys: a finished job's key may name another job"
check_match "$out" "^[0-9]+$" "keys: a new id"

# --- 3. Ids. -----------------------------------------------------------------
new_section ids
target=$(package ids)
for i in 1 2 3; do
  run enqueue "$target" "N=$i"
  check_equal "$out" "$i" "ids: job $i"
  run cancel "$i"
  check_status 0 "ids: cancel job $i"
done
# The purge sees the clock a minute ahead, so the jobs cancelled just now
# are older than 30 s for it.
echo 60000 >"$sec/clock"
MSIQ_SIM_CLOCK_OFFSET="$sec/clock" run purge --older-than 30s
check_equal "$out" "purged 3 finished jobs" "ids: purge removes all three"
check_equal "$(msiq --json list | jq length)" "0" "ids: the queue is empty"
run enqueue "$target" N=4
check_equal "$out" "4" "ids: the next job after a purge gets id 4, not 1 again"

# --- 4. Manifests as PowerShell writes them. ---------------------------------
new_section manifests
target=$(package manifest)
# manifest_text N: a manifest of one job (property N), as an array.
manifest_text() {
  printf '[{"target": "%s", "properties": {"N": "%s"}}]' "$target" "$1"
}
{ printf '\xef\xbb\xbf'; manifest_text bom8; } >"$sec/utf8-bom.json"
{ printf '\xff\xfe'; manifest_text le | iconv -f UTF-8 -t UTF-16LE; } >"$sec/utf16le.json"
{ printf '\xfe\xff'; manifest_text be | iconv -f UTF-8 -t UTF-16BE; } >"$sec/utf16be.json"
for kind in utf8-bom:bom8 utf16le:le utf16be:be; do
  file=${kind%%:*} value=${kind#*:}
  run import "$sec/$file.json"
  check_status 0 "manifests: $file imports"
  check_match "$out" "^[0-9]+$" "manifests: $file gives one id"
  check_equal "$(job_field "$out" .properties.N)" "$value" "manifests: $file is read as its text"
done
# An unpaired surrogate (0xd800) and an odd last byte.
{ printf '\xff\xfe'; manifest_text bad | iconv -f UTF-8 -t UTF-16LE; printf '\x00\xd8'; } >"$sec/surrogate.json"
check_rejected 2 "surrogate.json is not valid UTF-16: an unpaired surrogate \\(0xd800\\)" \
  "manifests: invalid UTF-16 is refused" import "$sec/surrogate.json"
{ printf '\xfe\xff'; manifest_text odd | iconv -f UTF-8 -t UTF-16BE; printf '\x00'; } >"$sec/odd.json"
check_rejected 2 "odd.json is not valid UTF-16: it ends in the middle of a character" \
  "manifests: UTF-16 with an odd byte is refused" import "$sec/odd.json"
# PowerShell 5.1 writes a one-item array as the object itself, in UTF-16.
printf '{"target": "%s", "key": "single", "properties": {"N": "single"}}' "$target" |
  iconv -f UTF-8 -t UTF-16LE | { printf '\xff\xfe'; cat; } >"$sec/single.json"
run import "$sec/single.json"
check_status 0 "manifests: a single job object imports"
check_match "$out" "^[0-9]+$" "manifests: one id for the single object"
single_id=$out
check_equal "$(job_field "$single_id" .key)" "single" "manifests: the single object's fields are stored"
run --json import "$sec/single.json"
check_equal "$out" "[$single_id]" "manifests: the single object again is answered by its key"
check_rejected 2 "import item 1: \"target\" is missing" "manifests: a single object is checked as an item" \
  import - <<<'{"properties": {"N": "1"}}'

# --- 5. Times. ---------------------------------------------------------------
new_section times
# Central European time, with daylight saving time, as a POSIX rule (no
# time zone database needed): winter is +01:00, summer +02:00.
export TZ="CET-1CEST,M3.5.0,M10.5.0/3"
target=$(package times)
run --json enqueue --not-before 2031-01-15T21:00:00Z --deadline 2031-07-01T06:30:00Z "$target"
check_status 0 "times: enqueue with a not-before and a deadline"
times_id=$(jq_of "$out" .id)
check_equal "$(jq_of "$out" '[.not_before, .deadline] | join(" ")')" "2031-01-15T21:00:00Z 2031-07-01T06:30:00Z" "times: JSON stays UTC"
run show "$times_id"
check_match "$out" "not before: +2031-01-15 22:00 \\+01:00" "times: show prints the not-before in local time, winter offset"
check_match "$out" "deadline: +2031-07-01 08:30 \\+02:00" "times: show prints the deadline in local time, summer offset"
check_match "$out" "created: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \\+0[12]:00" "times: show prints the creation time in local time"
check_rejected 2 "deadline 2031-01-15 22:00 \\+01:00 is before not-before 2031-07-01 08:30 \\+02:00" \
  "times: a deadline before the not-before is refused, both in local time" \
  enqueue --not-before 2031-07-01T06:30:00Z --deadline 2031-01-15T21:00:00Z "$target"
# A deadline already past.
check_rejected 2 "deadline 2000-01-01 01:00 \\+01:00 has already passed \\(it is [0-9-]+ [0-9:]+ \\+0[12]:00 now\\)" \
  "times: enqueue refuses a deadline already past" enqueue --deadline 2000-01-01T00:00:00Z "$target"
check_rejected 2 "deadline .* has already passed" \
  "times: a local deadline already past is refused" enqueue --deadline "2001-06-01 12:00" "$target"
printf '[{"target": "%s"}, {"target": "%s", "deadline": "2020-01-01T00:00:00Z"}]\n' "$target" "$target" >"$sec/late.json"
check_rejected 2 "import item 2: deadline 2020-01-01 01:00 \\+01:00 has already passed" \
  "times: import refuses a deadline already past, nothing imported" import "$sec/late.json"
# --not-before HH:MM: the next such local time.
run --json enqueue --not-before 22:00 "$target"
check_status 0 "times: --not-before 22:00"
now=$(date +%s)
next=$(date -d "today 22:00" +%s)
if [ "$next" -lt "$now" ]; then next=$(date -d "tomorrow 22:00" +%s); fi
check_equal "$(jq_of "$out" .not_before)" "$(date -u -d "@$next" +%Y-%m-%dT%H:%M:%SZ)" "times: --not-before 22:00 is the next 22:00 local time"
run --json enqueue --deadline 23:59 "$target"
check_status 0 "times: --deadline HH:MM is the next one too, so it is never past"
check_rejected 2 "invalid time '25:00': a clock time is HH:MM, from 00:00 to 23:59" \
  "times: a clock time out of range" enqueue --not-before 25:00 "$target"
# report --since HH:MM: the last such local time.
run report --since 08:00
check_status 0 "times: report --since 08:00"
last=$(date -d "today 08:00" +%s)
if [ "$last" -gt "$now" ]; then last=$(date -d "yesterday 08:00" +%s); fi
check_equal "$(printf '%s\n' "$out" | head -1)" "since $(date -d "@$last" '+%Y-%m-%d %H:%M %:z')" "times: report --since 08:00 starts at the last 08:00, in local time"
# status shows the pause in local time.
run pause
run status
check_match "$out" "paused since [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} \\+0[12]:00" "times: status prints the pause time in local time"
run resume
unset TZ

# --- 6. Case and help. -------------------------------------------------------
new_section case_and_help
target=$(package case)
run --json enqueue --action Install --exit-code 1603=Retry "$target"
check_status 0 "case: --action Install --exit-code 1603=Retry"
case_id=$(jq_of "$out" .id)
check_equal "$(jq_of "$out" '[.action, .exit_code_rules["1603"]] | join(" ")')" "install retry" "case: stored as the names msiq prints"
run --json enqueue --action UNINSTALL "{12345678-1234-1234-1234-123456789012}"
check_equal "$(jq_of "$out" .action)" "uninstall" "case: --action UNINSTALL"
run cancel "$case_id"
run list --state Cancelled
check_status 0 "case: list --state Cancelled"
check_match "$out" "^$case_id +cancelled" "case: list --state Cancelled finds the cancelled job"
run list --state QUEUED
check_status 0 "case: list --state QUEUED"
check_rejected 2 "unknown state 'Done'" "case: an unknown state is still refused" list --state Done
check_rejected 2 "unknown action 'Instal'" "case: an unknown action is still refused" enqueue --action Instal "$target"
printf '[{"action": "Repair", "target": "%s"}]\n' "$target" >"$sec/case.json"
run import "$sec/case.json"
check_status 0 "case: a manifest's \"action\": \"Repair\""
check_equal "$(job_field "$out" .action)" "repair" "case: the manifest's action is stored in lower case"
main_help=$(msiq --help)
run /?
check_status 0 "help: msiq /? exits 0"
check_equal "$out" "$main_help" "help: msiq /? prints the top help on stdout"
check_equal "$err" "" "help: msiq /? prints nothing on stderr"
run help
check_status 0 "help: msiq help exits 0"
check_equal "$out" "$main_help" "help: msiq help prints the top help"
check_match "$main_help" "^  help +" "help: the top help lists help"
run help enqueue
check_status 0 "help: msiq help enqueue exits 0"
check_equal "$out" "$(msiq enqueue --help)" "help: msiq help enqueue prints enqueue's -h text"
check_rejected 2 "help: unknown command 'frob'" "help: an unknown command" help frob
check_rejected 2 "help: unexpected argument 'list'" "help: two commands" help wait list

# --- 7. purge and the logs. --------------------------------------------------
new_section logs
target=$(package logs)
for i in 1 2 3; do enqueue "$target" "N=$i" >/dev/null; done
msiq cancel 1 >/dev/null
msiq cancel 2 >/dev/null
mkdir -p "$sec/logs/job-2.log/inside" # a log that cannot be deleted
for name in job-1.log job-3.log job-99.log job-01.log notes.txt; do
  echo "log" >"$sec/logs/$name"
done
echo 60000 >"$sec/clock"
MSIQ_SIM_CLOCK_OFFSET="$sec/clock" run --json purge --older-than 30s
check_status 0 "logs: purge exits 0 although a log cannot be deleted"
check_equal "$out" '{"purged":2,"logs_deleted":1}' "logs: two jobs purged, one log deleted"
check_match "$err" "^msiq: warning: cannot delete $sec/logs/job-2.log: .*\\(the job is purged; delete the log yourself\\)$" \
  "logs: one warning line names the log that cannot be deleted"
if [ -e "$sec/logs/job-1.log" ]; then fail "logs: the purged job 1's log is still there"; else pass; fi
for name in job-3.log job-99.log job-01.log notes.txt; do
  if [ -e "$sec/logs/$name" ]; then pass; else fail "logs: $name (no purged job's log) was deleted"; fi
done
# A dispatcher run with --log-dir: purge is told the same folder.
mkdir -p "$sec/elsewhere"
echo "log" >"$sec/elsewhere/job-1.log"
echo "log" >"$sec/elsewhere/job-3.log"
MSIQ_SIM_CLOCK_OFFSET="$sec/clock" run purge --older-than 30s --log-dir "$sec/elsewhere"
check_status 0 "logs: purge --log-dir"
check_equal "$out" "purged 0 finished jobs" "logs: nothing more to purge"
if [ -e "$sec/elsewhere/job-1.log" ]; then fail "logs: --log-dir: the log of the job purged earlier is still there"; else pass; fi
if [ -e "$sec/elsewhere/job-3.log" ]; then pass; else fail "logs: --log-dir: the log of queued job 3 was deleted"; fi
# A log folder stored with `msiq config set log-dir` is where purge looks
# without --log-dir.
mkdir -p "$sec/stored"
echo "log" >"$sec/stored/job-1.log"
echo "log" >"$sec/stored/job-3.log"
msiq config set log-dir "$sec/stored" >/dev/null
MSIQ_SIM_CLOCK_OFFSET="$sec/clock" run purge --older-than 30s
check_status 0 "logs: purge with a stored log-dir"
if [ -e "$sec/stored/job-1.log" ]; then fail "logs: stored log-dir: the purged job's log is still there"; else pass; fi
if [ -e "$sec/stored/job-3.log" ]; then pass; else fail "logs: stored log-dir: the log of queued job 3 was deleted"; fi

finish
