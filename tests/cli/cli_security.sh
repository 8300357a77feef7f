#!/usr/bin/env bash
# cli_security.sh: the dispatcher refuses a queue that others can change
# (like sshd's StrictModes): a database file or directory writable by group
# or others, or owned by another user. It also proves msiexec's stand-in is
# started directly (no shell): a target with shell syntax reaches it as one
# argument.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

export MSIQ_INSTALLER="$MSIQ_FAKE_INSTALLER"
export FAKE_INSTALLER_LOG="$work_dir/argv.log"
queue_dir="$work_dir/queue"
mkdir -m 0700 "$queue_dir"
export MSIQ_DB="$queue_dir/queue.db"
make_package "$work_dir/app.msi"
run enqueue "$work_dir/app.msi"
check_status 0 "enqueue"
job=$out

# A database file others may write.
chmod 0666 "$MSIQ_DB"
run run --drain --poll 50ms
check_error 4 "refusing to run: database .*queue\.db is writable by everyone \(mode 0666\)" \
  "run refuses a world-writable database"
check_equal "$(msiq --json show "$job" | jq -r .state)" "queued" "nothing ran from the world-writable queue"
chmod 0660 "$MSIQ_DB"
run run --drain --poll 50ms
check_error 4 "writable by its group" "run refuses a group-writable database"
chmod 0600 "$MSIQ_DB"

# A directory others may write (they could swap the database).
chmod 0777 "$queue_dir"
run run --drain --poll 50ms
check_error 4 "refusing to run: database directory .* is writable by everyone" \
  "run refuses a world-writable database directory"
chmod 0700 "$queue_dir"

# Owned by another user (only checkable as root, who can chown).
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$MSIQ_DB"
  run run --drain --poll 50ms
  check_error 4 "is owned by another user" "run refuses a database owned by another user"
  chown root "$MSIQ_DB"
fi

# Private again: it runs, and the target with shell syntax arrived as one
# argument, unexpanded.
tricky="$work_dir/a;echo pwned>\$HOME.msi"
make_package "$tricky"
run enqueue "$tricky"
tricky_job=$out
run run --drain --poll 50ms
check_status 0 "run accepts a private queue"
check_equal "$(msiq --json show "$job" | jq -r .state)" "succeeded" "the job ran once the queue was private"
check_equal "$(msiq --json show "$tricky_job" | jq -r .state)" "succeeded" "the job with shell syntax in its target ran"
check_match "$(cat "$FAKE_INSTALLER_LOG")" "\[/i\] \[$work_dir/a;echo pwned>\\\$HOME\.msi\]" \
  "the target reached the installer as one unexpanded argument"
finish
