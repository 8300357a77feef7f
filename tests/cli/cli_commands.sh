#!/usr/bin/env bash
# cli_commands.sh: the commands after enqueue. Proves that list (text and
# --json, with --state), show (with its history), cancel, retry, pause and
# resume, purge and doctor do what they say with the exit codes of the docs;
# that `log` of a log it cannot read says why in one line;
# that read-only commands refuse a missing database without creating it; and
# that a corrupt database or one from a newer msiq is refused with exit 4 and
# left byte for byte as it was.
# (Cancelling a running job needs the dispatcher, so it is not tested here.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

cd "$work_dir" || exit 1
app="$work_dir/app.msi"
make_package "$app"

# Read-only commands on a database that does not exist.
for args in "list" "show 1" "cancel 1" "retry 1" "doctor" "purge --older-than 1d"; do
  # shellcheck disable=SC2086 # the words are meant to split
  run $args
  check_error 4 "database .*queue\.db does not exist" "$args on a missing database"
  check_no_database "$args on a missing database does not create it"
done

# Some jobs.
run enqueue "$app" A=1
job1=$out
run enqueue "$app" --priority 4
job2=$out
run enqueue "$app" --key third
job3=$out
check_match "$job1 $job2 $job3" '^[0-9]+ [0-9]+ [0-9]+$' "setup: three jobs enqueued"

# list: a header and one row per job, oldest first.
run list
check_status 0 "list exits 0"
check_match "$(printf '%s\n' "$out" | sed -n 1p)" '^ID +STATE +ACTION +PRIORITY +TRIES +EXIT +PROGRESS +TARGET$' "list prints a header"
check_equal "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "4" "list prints the header and three rows"
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^$job1 +queued +install +0 +0/10 +- +Sample App 1\.0\.0\$" "list row of the first job (the package's name and version)"
check_match "$(printf '%s\n' "$out" | sed -n 3p)" "^$job2 +queued +install +4 " "list row shows the priority"
run --json list
check_status 0 "list --json exits 0"
check_equal "$(jq_of "$out" 'length')" "3" "list --json has three jobs"
check_equal "$(jq_of "$out" "map(.id) == [$job1, $job2, $job3]")" "true" "list --json is oldest first"

# show.
run show "$job1"
check_status 0 "show exits 0"
check_match "$out" "^id: +$job1\$" "show prints the id"
check_match "$out" '^state: +queued$' "show prints the state"
check_match "$out" '^property: +A=1$' "show prints the property"
check_match "$out" '^history:$' "show prints the history section"
check_match "$out" 'no attempts yet' "show says there are no attempts"
run show "$job1" --json
check_status 0 "show --json exits 0"
check_equal "$(jq_of "$out" '.id')" "$job1" "show --json is the job"
check_equal "$(jq_of "$out" '.history | type')" "array" "show --json has a history array"
check_equal "$(jq_of "$out" '.history | length')" "0" "the history is empty"

# cancel.
run cancel "$job1"
check_status 0 "cancel of a queued job exits 0"
check_equal "$out" "job $job1: cancelled" "cancel says cancelled"
check_equal "$(msiq --json show "$job1" | jq -r .state)" "cancelled" "the job is cancelled"
check_match "$(msiq --json show "$job1" | jq -r .finished_at)" '^[0-9]{4}-' "a cancelled job has a finish time"
run cancel "$job1"
check_error 3 "job $job1 is already cancelled" "cancel of a cancelled job"
run --json cancel "$job2"
check_status 0 "cancel --json exits 0"
check_equal "$(jq_of "$out" '.state')" "cancelled" "cancel --json prints the cancelled job"

# list --state.
run list --state cancelled
check_status 0 "list --state exits 0"
check_equal "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" "3" "list --state cancelled: header and two rows"
check_equal "$(printf '%s\n' "$out" | grep -c ' queued ')" "0" "list --state cancelled shows no queued job"
run --json list -s queued
check_equal "$(jq_of "$out" 'map(.id) | map(tostring) | join(",")')" "$job3" "list --json -s queued"
run --json list --state succeeded
check_equal "$out" "[]" "list --json of an empty state is []"

# retry.
run retry "$job1"
check_status 0 "retry of a cancelled job exits 0"
check_equal "$out" "job $job1: queued again" "retry says queued again"
run --json show "$job1"
check_equal "$(jq_of "$out" '.state')" "queued" "the retried job is queued"
check_equal "$(jq_of "$out" '.attempts')" "0" "the retried job has no attempts"
check_equal "$(jq_of "$out" '.finished_at')" "null" "the retried job has no finish time"
run retry "$job3"
check_error 3 "job $job3 is queued; only failed or cancelled jobs can be retried" "retry of a queued job"
# A cancelled keyed job cannot come back while another job holds its key.
run cancel "$job3"
run enqueue "$app" --key third
check_status 0 "the key of a cancelled job is free again"
run retry "$job3"
check_error 3 "another unfinished job has the same key" "retry refused while the key is taken"

# pause and resume.
run pause --reason "patch tuesday"
check_status 0 "pause exits 0"
check_equal "$out" "queue paused: patch tuesday" "pause prints the reason"
run --json pause -r again
check_equal "$(jq_of "$out" '.paused')" "true" "pause --json says paused"
run resume
check_status 0 "resume exits 0"
check_equal "$out" "queue resumed" "resume says resumed"
run --json resume
check_equal "$(jq_of "$out" '.paused')" "false" "resume --json says not paused"
run pause
check_match "$out" '^queue paused: .+' "pause without a reason gives a default reason"
run resume

# purge.
run cancel "$job1"
check_status 0 "setup: cancel a job to purge"
count=$(msiq --json list | jq length)
run purge --older-than 1d
check_status 0 "purge exits 0"
check_equal "$out" "purged 0 finished jobs" "purge keeps recently finished jobs"
check_equal "$(msiq --json list | jq length)" "$count" "nothing was purged"
# A cancelled job that a queued job waits for is kept.
run enqueue "$app"
waited_for=$out
run enqueue "$app" --after "$waited_for"
waiting=$out
run cancel "$waited_for"
sleep 2
queued_before=$(msiq --json list --state queued | jq -c 'map(.id)')
run purge --older-than 1s
check_status 0 "purge --older-than 1s exits 0"
check_match "$out" '^purged [1-9][0-9]* finished jobs?$' "purge reports what it deleted"
run --json list
check_equal "$(jq_of "$out" "map(select(.state != \"queued\" and .id != $waited_for)) | length")" "0" \
  "purge deleted the old finished jobs"
check_equal "$(jq_of "$out" 'map(select(.state == "queued")) | map(.id)' | jq -c .)" "$queued_before" \
  "purge kept every queued job"
check_equal "$(jq_of "$out" "map(select(.id == $waited_for)) | length")" "1" \
  "purge kept a finished job that a queued job waits for"
check_equal "$(jq_of "$out" "map(select(.id == $waiting)) | .[0].after | map(tostring) | join(\",\")")" "$waited_for" \
  "the waiting job still names its dependency"
run --json purge --older-than 1d
check_equal "$(jq_of "$out" '.purged')" "0" "purge --json prints the count"

# doctor.
run doctor
check_status 0 "doctor exits 0"
check_match "$out" '^quick_check:    ok$' "doctor says quick_check ok"
check_match "$out" '^schema version: [0-9]+ \(this msiq: [0-9]+\)$' "doctor prints the schema version"
check_match "$out" '^queued +[0-9]+$' "doctor prints the queued count"
run --json doctor
check_status 0 "doctor --json exits 0"
check_equal "$(jq_of "$out" '.quick_check')" "ok" "doctor --json quick_check is ok"
check_equal "$(jq_of "$out" '.counts | keys | sort | join(",")')" "cancelled,failed,queued,retrying,running,succeeded" \
  "doctor --json counts every state"
check_equal "$(jq_of "$out" '.counts.queued')" "$(msiq --json list --state queued | jq length)" \
  "doctor --json queued count matches list"
check_equal "$(jq_of "$out" '.schema_version == .latest_schema_version')" "true" "the schema is up to date"

# A file that is not a database.
corrupt="$work_dir/corrupt.db"
printf 'this is not a database, just some text that is long enough\n' > "$corrupt"
cp "$corrupt" "$work_dir/corrupt.orig"
for args in "list" "doctor" "show 1" "enqueue $app" "pause"; do
  # shellcheck disable=SC2086
  run --db "$corrupt" $args
  check_error 4 "database .*corrupt\.db" "$args on a corrupt database"
  if cmp -s "$corrupt" "$work_dir/corrupt.orig"; then pass; else fail "$args changed the corrupt file"; fi
done

# A database from a newer msiq.
newer="$work_dir/newer.db"
if command -v sqlite3 >/dev/null 2>&1; then
  sqlite3 "$newer" 'CREATE TABLE future (x); PRAGMA user_version = 99;'
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE future (x)")
c.execute("PRAGMA user_version = 99")
c.commit()
c.close()' "$newer"
fi
if [ -e "$newer" ]; then
  cp "$newer" "$work_dir/newer.orig"
  for args in "list" "doctor" "enqueue $app"; do
    # shellcheck disable=SC2086
    run --db "$newer" $args
    check_error 4 "newer\.db has schema version 99 .*use a newer msiq" "$args on a newer database"
    if cmp -s "$newer" "$work_dir/newer.orig"; then pass; else fail "$args changed the newer database"; fi
  done
else
  echo "SKIP: neither sqlite3 nor python3 is available to make a newer database"
fi

# log: a log that cannot be read is one line that names the job once and
# gives the operating system's reason.
missing_log="$work_dir/no-such-dir/job.log"
run enqueue "$app" --log "$missing_log"
check_status 0 "setup: enqueue a job whose log path does not exist"
log_job=$out
run log "$log_job"
check_error 3 "cannot open log" "log of a missing log file fails with exit 3"
check_equal "$err" "msiq: job $log_job: cannot open log $missing_log: No such file or directory" \
  "log of a missing log file: one line with the path and the reason"
check_equal "$(printf '%s\n' "$err" | grep -o "job $log_job:" | wc -l | tr -d ' ')" "1" \
  "log of a missing log file names the job once"
# (enqueue refuses a log that exists as a directory, so it becomes one
# afterwards.)
run enqueue "$app" --log "$work_dir/log-is-a-directory"
log_job=$out
mkdir -p "$work_dir/log-is-a-directory"
run log --failure "$log_job"
check_error 3 "cannot (open|read) log" "log of a directory fails with exit 3"
check_match "$err" "^msiq: job $log_job: cannot (open|read) log $work_dir/log-is-a-directory: Is a directory\$" \
  "log of a directory: one line with the path and the reason"

finish
