#!/usr/bin/env bash
# queue_replaced.sh: the queue's file replaced or deleted under a running
# dispatcher (issue 15, item 4). Proves that:
#   1. a copy renamed over the queue (a restored backup) is noticed at the
#      next check, checked, and opened in place of the old file: its jobs
#      run, a job enqueued afterwards runs, the old file's job is not run
#      again, and the queue passes quick_check (the old file's WAL, which
#      keeps its name, was emptied, not read as the copy's);
#   2. a copy that others can write, renamed over the queue, is refused:
#      the dispatcher exits 4 naming it, nothing of it ran, and the file is
#      byte for byte as it was (not migrated, not opened);
#   3. a file that is not a database, renamed over the queue: exit 4 naming
#      it, nothing ran;
#   4. the queue deleted: the dispatcher exits 4 saying so (before the fix
#      it went on with the unlinked file and a second `run` exited 5), the
#      WAL it leaves behind is empty, and a new queue at the same path is
#      created and run by the next dispatcher.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

dispatcher_options=(--poll 100ms)

# A section's queue holds one job that the first dispatcher runs, so that
# its WAL holds frames of the old file when the file is replaced.
new_section() {
  begin_section "$1"
  old_job=$(enqueue "$(pkg old)")
  start_dispatcher
  if wait_until 20000 job_state_is "$old_job" succeeded; then pass; else fail "$1: the first job did not run"; fi
}

# backup_queue NAME TARGETS...: a queue of its own at $sec/NAME.db with one
# job per target, closed (no -wal left) when this returns. msiq leaves the
# WAL with the last commits in it when it closes a queue, so the backup is
# made whole as a backup tool would (sqlite3's last connection checkpoints
# the WAL into the file and deletes it).
backup_queue() {
  local name=$1 target
  shift
  for target in "$@"; do
    MSIQ_DB="$sec/$name.db" msiq enqueue "$(pkg "$target")" >/dev/null 2>>"$sec/enqueue.err"
  done
  sqlite3 "$sec/$name.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
}

file_sum() {
  md5sum <"$1" | cut -d' ' -f1
}

# 1. A backup renamed over the queue: reopened, its jobs run.
new_section replaced
backup_queue backup first second
if [ -e "$sec/backup.db-wal" ]; then fail "replaced: the backup was not closed"; else pass; fi
check_match "$(stat -c %s "$sec/queue.db-wal" 2>/dev/null || echo 0)" '^[1-9]' \
  "replaced: the old queue's WAL holds frames when the file is replaced"
mv "$sec/backup.db" "$sec/queue.db"
# No other command looks at the queue before the dispatcher reopened it:
# one that did would see the old WAL (docs/reliability.md).
if wait_until 20000 grep -q 'dispatcher reopened' "$run_log"; then pass; else fail "replaced: the dispatcher did not reopen the queue: $(cat "$run_log")"; fi
check_equal "$(count_in_run_log "database $sec/queue.db was replaced by another file")" 1 \
  "replaced: the run log says the file was replaced"
if wait_until 20000 job_state_is 2 succeeded; then pass; else fail "replaced: the backup's jobs did not run"; fi
check_equal "$(msiq --json list | jq -r '[.[] | "\(.id) \(.state) \(.target | split("/") | last)"] | join(",")')" \
  "1 succeeded first.msi,2 succeeded second.msi" "replaced: the queue holds the backup's jobs, both run"
check_equal "$(runs_of "$sec/first.msi"),$(runs_of "$sec/second.msi"),$(runs_of "$sec/old.msi")" "1,1,1" \
  "replaced: each backup job ran once and the old file's job did not run again"
new_job=$(enqueue "$(pkg after)")
check_equal "$new_job" 3 "replaced: a job enqueued afterwards goes into the backup's queue"
if wait_until 20000 job_state_is "$new_job" succeeded; then pass; else fail "replaced: a job enqueued after the reopen did not run"; fi
run doctor
check_status 0 "replaced: doctor is clean"
check_match "$out" "quick_check: +ok" "replaced: the reopened queue passes quick_check"
stop_dispatcher
check_equal "$dispatcher_status" 0 "replaced: the dispatcher stops normally"

# 2. A copy others can write: refused, untouched.
new_section unsafe
backup_queue backup intruder
chmod 0666 "$sec/backup.db"
before=$(file_sum "$sec/backup.db")
mv "$sec/backup.db" "$sec/queue.db"
wait_dispatcher 20000
check_equal "$dispatcher_status" 4 "unsafe: the dispatcher exits 4"
check_match "$(tail -n 1 "$run_log")" "^msiq: refusing to run: database $sec/queue\.db is writable by everyone \(mode 0666\)" \
  "unsafe: its last line names the file and the problem"
check_equal "$(runs_of "$sec/intruder.msi")" 0 "unsafe: nothing of the unsafe file ran"
check_equal "$(file_sum "$sec/queue.db")" "$before" "unsafe: the unsafe file is byte for byte as it was"
check_equal "$(stat -c %s "$sec/queue.db-wal" 2>/dev/null || echo none)" 0 \
  "unsafe: the old file's WAL was emptied before the new file was looked at"

# 3. Not a database at all.
new_section garbage
head -c 8192 /dev/urandom >"$sec/garbage"
mv "$sec/garbage" "$sec/queue.db"
wait_dispatcher 20000
check_equal "$dispatcher_status" 4 "garbage: the dispatcher exits 4"
check_match "$(tail -n 1 "$run_log")" "^msiq: database $sec/queue\.db: .*not a database" \
  "garbage: its last line names the file"

# 4. Deleted.
new_section deleted
rm "$sec/queue.db"
wait_dispatcher 20000
check_equal "$dispatcher_status" 4 "deleted: the dispatcher exits 4"
check_match "$(tail -n 1 "$run_log")" "^msiq: database $sec/queue\.db was deleted while the dispatcher ran; stopping" \
  "deleted: its last line says the queue was deleted"
check_equal "$(stat -c %s "$sec/queue.db-wal" 2>/dev/null || echo none)" 0 \
  "deleted: the WAL left behind is empty"
fresh=$(enqueue "$(pkg fresh)")
check_equal "$fresh" 1 "deleted: an enqueue creates a new queue"
run_drain
check_equal "$drain_status" 0 "deleted: the next dispatcher runs (it is not refused as a second one)"
check_equal "$(job_field "$fresh" .state)" succeeded "deleted: the new queue's job ran"
check_equal "$(runs_of "$sec/old.msi")" 1 "deleted: the deleted queue's job did not run again"

finish
