#!/usr/bin/env bash
# cli_queue_safety.sh: what `msiq run` checks before it trusts a queue
# (issue 15, items 10 and 11; cli_security.sh has the database file and its
# directory). Proves that:
#   1. the check comes before the database is opened, created or migrated:
#      a world-writable queue at schema version 1 is refused and left byte
#      for byte at version 1 with no -wal, -shm or journal beside it (before
#      the fix it was migrated to the newest version, then refused); a queue
#      that does not exist yet, in a world-writable directory or below one,
#      is refused and nothing is created;
#   2. the -wal, -shm and -journal files are checked too: each of them
#      writable by others, or owned by another user, is refused and nothing
#      runs; the -wal an enqueue leaves behind (persistent WAL) is judged
#      like any other and, private again, gives up the job it holds;
#   3. every directory above the queue's is checked: one writable by others
#      is refused; a sticky one (like /tmp) is not;
#   4. symbolic links: a database that is a symbolic link is refused; a
#      directory reached through one is checked where it really is (refused
#      when that is world-writable, accepted when it is private).
# In every refused case the job in the queue did not run.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

# new_section NAME: a private queue in $sec/q with one job ($job).
new_section() {
  begin_section "$1"
  mkdir -m 0700 "$sec/q"
  export MSIQ_DB="$sec/q/queue.db"
  job=$(enqueue "$(pkg app)")
}

# move_queue FROM TO: moves a queue with the -wal and -shm beside it, which
# hold its latest commits (the WAL stays when msiq closes a queue).
move_queue() {
  local suffix
  for suffix in "" -wal -shm; do
    if [ -e "$1$suffix" ]; then mv "$1$suffix" "$2$suffix"; fi
  done
}

# dir_state DIR: names, modes and checksums of everything in DIR.
dir_state() {
  (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r md5sum)
}

# check_refused REGEX DESCRIPTION: `run --drain` exits 4 with one line
# matching REGEX, and the section's job did not run.
check_refused() {
  run run --drain --poll 50ms
  check_error 4 "$1" "$2"
  if [ -e "$FAKE_INSTALLER_LOG" ]; then fail "$2: an installer ran: $(cat "$FAKE_INSTALLER_LOG")"; else pass; fi
}

# 1. Refused before anything is touched.
begin_section old_schema
mkdir -m 0700 "$sec/q"
export MSIQ_DB="$sec/q/queue.db"
sqlite3 "$MSIQ_DB" <"$MSIQ_TESTS_DIR/../schema/migrations/0001_initial.sql"
sqlite3 "$MSIQ_DB" "INSERT INTO job (action, target, max_attempts, created_at) VALUES ('install', '$sec/app.msi', 3, 0); PRAGMA user_version = 1;"
check_equal "$(sqlite3 "$MSIQ_DB" 'PRAGMA user_version')" 1 "old schema: the queue is at schema version 1"
chmod 0666 "$MSIQ_DB"
before=$(dir_state "$sec/q")
check_refused "refusing to run: database $sec/q/queue\.db is writable by everyone \(mode 0666\)" \
  "old schema: a world-writable schema-1 queue is refused"
check_equal "$(dir_state "$sec/q")" "$before" \
  "old schema: the queue is byte for byte as it was, with nothing beside it"
check_equal "$(sqlite3 -readonly "$MSIQ_DB" 'PRAGMA user_version')" 1 "old schema: it was not migrated"
chmod 0600 "$MSIQ_DB"
chmod 0777 "$sec/q"
check_refused "refusing to run: database directory $sec/q is writable by everyone" \
  "old schema: a private schema-1 queue in a world-writable directory is refused"
check_equal "$(sqlite3 -readonly "$MSIQ_DB" 'PRAGMA user_version')" 1 "old schema: still not migrated"
chmod 0700 "$sec/q"
run run --drain --poll 50ms
check_status 0 "old schema: once private, the queue is migrated and run"
check_equal "$(sqlite3 -readonly "$MSIQ_DB" 'PRAGMA user_version')" "$(msiq --json doctor | jq -r .latest_schema_version)" \
  "old schema: migrated to the newest version"

begin_section not_yet
mkdir -m 0777 "$sec/open"
export MSIQ_DB="$sec/open/queue.db"
check_refused "refusing to run: database directory $sec/open is writable by everyone" \
  "not yet: a new queue in a world-writable directory is refused"
check_equal "$(ls -A "$sec/open")" "" "not yet: nothing was created there"
export MSIQ_DB="$sec/open/msiq/queue.db"
check_refused "refusing to run: parent directory $sec/open is writable by everyone" \
  "not yet: a new queue below a world-writable directory is refused"
check_equal "$(ls -A "$sec/open")" "" "not yet: not even its directory was created"

# 2. The -wal, -shm and -journal files.
# The WAL stays after the last command closes the queue (persistent WAL, no
# checkpoint on close: docs/reliability.md), holding that command's commits:
# the check judges that file like any other, and once it is private again
# the job it holds runs.
new_section persistent_wal
wal_size=$(stat -c %s "$MSIQ_DB-wal" 2>/dev/null || echo none)
check_match "$wal_size" '^[1-9][0-9]*$' \
  "persistent WAL: the enqueue left its -wal, with its commit in it"
chmod 0666 "$MSIQ_DB-wal"
check_refused "refusing to run: database WAL file $sec/q/queue\.db-wal is writable by everyone \(mode 0666\)" \
  "persistent WAL: the -wal it left, made world-writable, is refused"
check_equal "$(stat -c %s "$MSIQ_DB-wal")" "$wal_size" \
  "persistent WAL: the refused run left the -wal as it was"
chmod 0644 "$MSIQ_DB-wal"
run run --drain --poll 50ms
check_status 0 "persistent WAL: the -wal made private again is accepted"
check_equal "$(job_field "$job" .state)" succeeded \
  "persistent WAL: the job the -wal held ran"

for suffix in wal shm journal; do
  new_section "file_$suffix"
  # touch, not truncate: the -wal and -shm the enqueue left hold the queue.
  touch "$MSIQ_DB-$suffix"
  chmod 0666 "$MSIQ_DB-$suffix"
  check_refused "refusing to run: database [A-Za-z -]+ $sec/q/queue\.db-$suffix is writable by everyone \(mode 0666\)" \
    "-$suffix: a world-writable -$suffix file is refused"
  check_equal "$(job_field "$job" .state)" queued "-$suffix: the job is still queued"
  if [ "$(id -u)" -eq 0 ]; then
    # (show closed the queue having written nothing, which removes its -wal
    # and -shm)
    touch "$MSIQ_DB-$suffix"
    chmod 0644 "$MSIQ_DB-$suffix"
    chown nobody "$MSIQ_DB-$suffix"
    check_refused "refusing to run: database [A-Za-z -]+ $sec/q/queue\.db-$suffix is owned by another user" \
      "-$suffix: a -$suffix file owned by another user is refused"
  fi
done

# 3. The directories above.
new_section parents
mkdir -m 0700 "$sec/up" "$sec/up/q"
export MSIQ_DB="$sec/up/q/queue.db"
job=$(enqueue "$(pkg app)")
chmod 0757 "$sec/up"
check_refused "refusing to run: parent directory $sec/up is writable by everyone \(mode 0757\)" \
  "parents: a world-writable parent is refused"
chmod 0770 "$sec/up"
check_refused "refusing to run: parent directory $sec/up is writable by its group" \
  "parents: a group-writable parent is refused"
chmod 1777 "$sec/up"
run run --drain --poll 50ms
check_status 0 "parents: a sticky world-writable parent (like /tmp) is accepted"
check_equal "$(job_field "$job" .state)" succeeded "parents: the job ran"

# 4. Symbolic links.
new_section links
mkdir -m 0700 "$sec/real"
move_queue "$MSIQ_DB" "$sec/real/queue.db"
ln -s "$sec/real/queue.db" "$MSIQ_DB"
check_refused "refusing to run: database $sec/q/queue\.db is a symbolic link; name the file itself" \
  "links: a database that is a symbolic link is refused"
rm "$MSIQ_DB"
move_queue "$sec/real/queue.db" "$MSIQ_DB"

mkdir -m 0777 "$sec/public"
move_queue "$MSIQ_DB" "$sec/public/queue.db"
ln -s "$sec/public" "$sec/via"
export MSIQ_DB="$sec/via/queue.db"
check_refused "refusing to run: database directory $sec/public is writable by everyone" \
  "links: a directory reached through a link is checked where it is"
chmod 0700 "$sec/public"
# The queue itself is accepted through the link, but the log folder beside
# it would be reached through the link too, and a log path through a link
# is refused (the log rule, cli_log_paths.sh): the run stops with one line
# naming the real path to use, before any installer starts.
run run --drain --poll 50ms
check_error 4 "refusing log folder $sec/via/logs: $sec/via is a symbolic link or junction; name the real path" \
  "links: the log folder beside a queue reached through a link is refused"
check_equal "$(job_field "$job" .state)" queued "links: the refused run ran nothing"
run run --drain --poll 50ms --log-dir "$sec/public/logs"
check_status 0 "links: the same queue, private, is accepted through the link"
check_equal "$(job_field "$job" .state)" succeeded "links: the job ran"

finish
