#!/usr/bin/env bash
# cli_log_paths.sh: a log SYSTEM's installer writes never lies where someone
# other than an administrator can change it (issue 15, item 12). A job's
# --log (also exec's /l*v and a manifest's "log") in a folder others can
# write, below a folder whose entries others can replace, owned by another
# user, that is a symbolic link or goes through one, or that exists and is
# not a regular file, is refused at enqueue and, when that changed after
# enqueue, again at start, before the installer runs; the folder of the
# per-job logs (`logs` beside the database, or --log-dir) that is a file, a
# link or open to others stops `run` (exit 4) before any installer starts.
# Tests run as root: "others" are made with world- and group-writable modes
# and with chown to nobody.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

dispatcher_options=(--poll 100ms)

new_section() {
  begin_section "$1"
  chmod 0700 "$sec"
}

# A private folder, as an administrator would make one.
private_dir() {
  mkdir -p "$1"
  chmod 0700 "$1"
}

# ---------------------------------------------------------------------------
# 1. Refused at enqueue, with one line that names the place and the reason;
# nothing is stored.
new_section enqueue
app=$(pkg app)
run enqueue "$app"
check_status 0 "setup: a first job, so the queue exists"

private_dir "$sec/open"
chmod 0777 "$sec/open"
check_rejected 2 "refusing log $sec/open/a\.log: $sec/open can be written by everyone \(mode 0777\); name a log in a folder only administrators can change" \
  "a log in a world-writable folder is refused" enqueue --log "$sec/open/a.log" "$app"

chmod 1777 "$sec/open"
check_rejected 2 "refusing log $sec/open/a\.log: $sec/open can be written by everyone \(mode 1777\)" \
  "a log in a sticky world-writable folder (like /tmp) is refused" enqueue --log "$sec/open/a.log" "$app"

chmod 0770 "$sec/open"
check_rejected 2 "$sec/open can be written by its group \(mode 0770\)" \
  "a log in a group-writable folder is refused" enqueue --log "$sec/open/a.log" "$app"

# Relative logs are judged where they will be written.
chmod 0777 "$sec/open"
(cd "$sec/open" && run enqueue --log a.log "$app" && echo "$status" >"$sec/relative.status")
check_equal "$(cat "$sec/relative.status")" "2" "a relative log in a world-writable folder is refused"

# A folder on the way whose entries others can replace.
private_dir "$sec/open/inner"
check_rejected 2 "refusing log $sec/open/inner/a\.log: $sec/open lets everyone \(mode 0777\) delete or rename what it holds" \
  "a log below a world-writable folder is refused" enqueue --log "$sec/open/inner/a.log" "$app"

# A sticky folder on the way is fine when what lies below it is private...
chmod 1777 "$sec/open"
run enqueue --log "$sec/open/inner/a.log" "$app"
check_status 0 "a log in a private folder below a sticky folder is accepted"
# ... but not when the folder below it does not exist yet: anyone could make it.
check_rejected 2 "$sec/open lets everyone \(mode 1777\) create $sec/open/later, which does not exist yet" \
  "a log in a missing folder below a sticky folder is refused" enqueue --log "$sec/open/later/a.log" "$app"

# Links: the log itself, and a folder on the way.
private_dir "$sec/real"
ln -s "$sec/real/target.log" "$sec/real/link.log"
check_rejected 2 "refusing log $sec/real/link\.log: it is a symbolic link or junction; name the real path" \
  "a log that is a symbolic link is refused" enqueue --log "$sec/real/link.log" "$app"
ln -s "$sec/real" "$sec/linked"
check_rejected 2 "refusing log $sec/linked/a\.log: $sec/linked is a symbolic link or junction" \
  "a log reached through a symbolic link is refused" enqueue --log "$sec/linked/a.log" "$app"

# Something that is not a regular file.
mkdir "$sec/real/dir.log"
check_rejected 2 "refusing log $sec/real/dir\.log: it exists and is not a regular file" \
  "a log that is a directory is refused" enqueue --log "$sec/real/dir.log" "$app"
mkfifo "$sec/real/fifo.log"
check_rejected 2 "refusing log $sec/real/fifo\.log: it exists and is not a regular file" \
  "a log that is a FIFO is refused" enqueue --log "$sec/real/fifo.log" "$app"

# A log file others may write.
install -m 0666 /dev/null "$sec/real/shared.log"
check_rejected 2 "refusing log $sec/real/shared\.log: it can be written by everyone \(mode 0666\)" \
  "a log file others may write is refused" enqueue --log "$sec/real/shared.log" "$app"

# Owned by another user (tests run as root, who can chown).
if [ "$(id -u)" -eq 0 ]; then
  private_dir "$sec/theirs"
  chown nobody "$sec/theirs"
  nobody_uid=$(id -u nobody)
  check_rejected 2 "refusing log $sec/theirs/a\.log: $sec/theirs is owned by uid $nobody_uid, who is not an administrator" \
    "a log in a folder owned by another user is refused" enqueue --log "$sec/theirs/a.log" "$app"
  install -m 0600 /dev/null "$sec/real/nobody.log"
  chown nobody "$sec/real/nobody.log"
  check_rejected 2 "refusing log $sec/real/nobody\.log: it is owned by uid $nobody_uid" \
    "a log file owned by another user is refused" enqueue --log "$sec/real/nobody.log" "$app"
fi

# The other ways in: exec's /l*v and a manifest's "log".
# (Bounded: an exec that were wrongly accepted would wait for a dispatcher.)
err=$(timeout 30 "$MSIQ_BIN" exec /i "$app" /qn "/l*v" "$sec/open/a.log" 2>&1 >/dev/null)
check_match "$err" "^msiq: refusing log $sec/open/a\.log: " "exec refuses a log in a world-writable folder"
check_equal "$(msiq --json list | jq length)" "2" "exec stored nothing"
printf '[{"target":"%s"},{"target":"%s","log":"%s/open/a.log"}]' "$app" "$app" "$sec" >"$sec/manifest.json"
check_rejected 2 "import item 2: refusing log $sec/open/a\.log: " \
  "import refuses a log in a world-writable folder, naming the item" import "$sec/manifest.json"

# A private log folder is accepted, and the log reaches the installer.
private_dir "$sec/logs-private"
job=$(enqueue --log "$sec/logs-private/app.log" "$app")
check_match "$job" '^[0-9]+$' "a log in a private folder is accepted"

# ---------------------------------------------------------------------------
# 2. Judged again at start: a place that became unsafe after the enqueue
# fails the job before the installer runs.
new_section start
app=$(pkg app)
private_dir "$sec/later-open"
private_dir "$sec/later-link"
private_dir "$sec/fine"
job_open=$(enqueue --log "$sec/later-open/a.log" "$app")
job_link=$(enqueue --log "$sec/later-link/a.log" "$app")
job_fine=$(enqueue --log "$sec/fine/a.log" "$app")
check_match "$job_open $job_link $job_fine" '^[0-9]+ [0-9]+ [0-9]+$' "start: three jobs enqueued"
chmod 0777 "$sec/later-open"
: >"$sec/victim"
ln -s "$sec/victim" "$sec/later-link/a.log"
run_drain
check_equal "$drain_status" "0" "start: the drain finishes"
check_equal "$(job_field "$job_open" .state)" "failed" "start: the job whose log folder became world-writable failed"
check_match "$(job_field "$job_open" .last_error)" "^refusing log $sec/later-open/a\.log: $sec/later-open can be written by everyone \(mode 0777\)" \
  "start: its last error says why"
check_equal "$(job_field "$job_link" .state)" "failed" "start: the job whose log became a symbolic link failed"
check_match "$(job_field "$job_link" .last_error)" "it is a symbolic link or junction" "start: its last error says why"
check_equal "$(job_field "$job_fine" .state)" "succeeded" "start: the job with a private log ran"
check_equal "$(grep -c . "$FAKE_INSTALLER_LOG")" "1" "start: the installer ran once, for the private job only"
check_match "$(cat "$FAKE_INSTALLER_LOG")" "\[/l\*v\] \[$sec/fine/a\.log\]" "start: it got the private log"
check_equal "$(cat "$sec/victim")" "" "start: the link's target was not written"
check_equal "$(job_field "$job_open" '.history | length')" "1" "start: the refused job has one attempt"
check_equal "$(job_field "$job_open" '.history[0].outcome')" "failed" "start: that attempt failed"

# ---------------------------------------------------------------------------
# 3. The folder of the per-job logs stops `run` before any installer starts.
new_section logs-dir
app=$(pkg app)
job=$(enqueue "$app")
: >"$sec/logs"
run run --drain --poll 100ms
check_error 4 "refusing log folder $sec/logs: it exists and is not a folder" \
  "run refuses a logs path that is a file"
check_equal "$(job_field "$job" .state)" "queued" "logs-dir: the job is still queued"
check_equal "$(job_field "$job" '.history | length')" "0" "logs-dir: no attempt was made"
rm "$sec/logs"
mkdir -m 0777 "$sec/logs"
chmod 0777 "$sec/logs"
run run --drain --poll 100ms
check_error 4 "refusing log folder $sec/logs: it can be written by everyone \(mode 0777\); use a folder only administrators can change" \
  "run refuses a world-writable logs folder"
rmdir "$sec/logs"
private_dir "$sec/elsewhere"
ln -s "$sec/elsewhere" "$sec/logs"
run run --drain --poll 100ms
check_error 4 "refusing log folder $sec/logs: it is a symbolic link or junction" \
  "run refuses a logs folder that is a symbolic link"
rm "$sec/logs"
private_dir "$sec/open-parent"
chmod 0777 "$sec/open-parent"
run run --drain --poll 100ms --log-dir "$sec/open-parent/logs"
check_error 4 "refusing log folder $sec/open-parent/logs: $sec/open-parent lets everyone \(mode 0777\) delete or rename what it holds" \
  "run refuses a --log-dir below a world-writable folder"
check_equal "$(runs_of "$app")" "0" "logs-dir: the installer never ran"
# Made private again: the job runs, its log in logs/.
run_drain
check_equal "$drain_status" "0" "logs-dir: a private logs folder runs the job"
check_equal "$(job_field "$job" .state)" "succeeded" "logs-dir: the job succeeded"
check_equal "$(job_field "$job" .log)" "$sec/logs/job-$job.log" "logs-dir: its log is in logs/"
check_equal "$(stat -c %a "$sec/logs")" "700" "logs-dir: msiq made logs/ private"

# While a dispatcher runs: the folder turns world-writable, the next job
# stops the dispatcher (exit 4) and stays queued.
start_dispatcher
chmod 0777 "$sec/logs"
second=$(enqueue "$app")
wait_dispatcher 20000
check_equal "$dispatcher_status" "4" "logs-dir: the running dispatcher stops on an unsafe logs folder"
check_match "$(cat "$run_log")" "error: refusing log folder $sec/logs: it can be written by everyone" \
  "logs-dir: the run log says why"
check_equal "$(job_field "$second" .state)" "queued" "logs-dir: the next job stayed queued"
check_equal "$(runs_of "$app")" "1" "logs-dir: its installer never ran"

finish
