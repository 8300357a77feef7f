#!/usr/bin/env bash
# queue_acl.sh: the Win32 side of the queue's safety (issue 15, items 4, 5,
# 11 and 14) under Wine. Proves on a fresh Wine prefix that:
#   1. a private queue runs; a -wal, a -shm or the queue's folder that
#      Everyone may write (an access list set through SetNamedSecurityInfo
#      by tests/win/acl.c), and a folder above it that Everyone may change,
#      are each refused by `run` with exit 4 and one line naming the file
#      and the account, and nothing runs;
#   2. a %ProgramData%\msiq created beforehand with an access list that lets
#      Everyone in is refused by `run`, and repaired by `service install`
#      (it says so; the access list read back afterwards lets Everyone only
#      read), after which `run` accepts it;
#   3. `service install` refuses a msiq.exe whose folder, or which itself,
#      Everyone may change, and registers nothing;
#   4. the queue's file renamed over (from Linux: Windows itself refuses to
#      replace a file SQLite has open) under a running dispatcher is
#      noticed and reopened through the Win32 file identity, and its job
#      runs;
#   5. an import into a new queue leaves no temporary copy, and a copy a
#      killed import left (DATABASE.new-HEX) is removed by the next open.
# What Wine cannot show is in docs/reliability.md: it keeps no access list
# of its own but maps the Unix mode (the owner, and Everyone for "others"),
# and it has no reparse points for msiq to refuse.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

export MSIQ_RUNNER=wine
export MSIQ_BIN="$MSIQ_EXE"

msiq() {
  wine "$MSIQ_EXE" "$@" | tr -d '\r'
  return "${PIPESTATUS[0]}"
}

job_field() {
  msiq --json show "$1" 2>/dev/null | jq -r "$2"
}

acl() {
  wine "$ACL_EXE" "$@" | tr -d '\r'
}

dispatcher_pid=""
cleanup_wine() {
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_wine EXIT

wine_prefix_init
export MSIQ_INSTALLER
MSIQ_INSTALLER=$(win_path "$FAKE_INSTALLER_EXE")
export FAKE_INSTALLER_LOG

# Private to SYSTEM and the owner (Wine maps the owner to the user running
# it, an administrator), and what lets Everyone change a file or folder.
private_sddl='D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
open_sddl='D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;WD)'

# new_queue NAME: a queue of one job in its own folder $queue_dir.
new_queue() {
  queue_dir="$work_dir/$1"
  mkdir -m 0700 "$queue_dir"
  MSIQ_DB=$(win_path "$queue_dir/queue.db")
  export MSIQ_DB
  FAKE_INSTALLER_LOG=$(win_path "$queue_dir/argv.log")
  make_package "$queue_dir/app.msi"
  job=$(msiq enqueue "$(win_path "$queue_dir/app.msi")" 2>>"$work_dir/enqueue.err")
}

# check_refused REGEX DESCRIPTION: `run --drain` exits 4 with one line
# matching REGEX and nothing ran.
check_refused() {
  run run --drain --poll 100ms
  check_error 4 "$1" "$2"
  if [ -e "$queue_dir/argv.log" ]; then fail "$2: an installer ran"; else pass; fi
}

# 1. The queue's files and folders, by their access lists.
new_queue files
win_queue=$(win_path "$queue_dir")
# The enqueue left its commit in the -wal (msiq keeps the WAL when it closes
# a queue); a command that writes nothing closes the queue the old way,
# copying the WAL into the file and deleting it, so that the -wal and -shm
# below are the test's own.
msiq list >/dev/null 2>>"$work_dir/enqueue.err"
for suffix in wal shm; do
  : >"$queue_dir/queue.db-$suffix"
  acl "$win_queue\\queue.db-$suffix" "$open_sddl"
  check_match "$(acl "$win_queue\\queue.db-$suffix")" '\(A;[A-Z]*;0x1301ff;;;WD\)' \
    "-$suffix: Everyone may change it"
  check_refused "refusing to run: database [A-Za-z -]+ Z:.*\\\\queue\.db-$suffix can be changed by S-1-1-0, who is not an administrator" \
    "-$suffix: a -$suffix Everyone may change is refused"
  rm -f "$queue_dir/queue.db-$suffix"
done
acl "$win_queue" "$open_sddl"
check_refused "refusing to run: database directory Z:.*\\\\files can be changed by S-1-1-0" \
  "folder: a queue folder Everyone may write is refused"
acl "$win_queue" "$private_sddl"
acl "$(win_path "$work_dir")" "$open_sddl"
check_refused "refusing to run: parent folder Z:.*\\\\$(basename "$work_dir") can be changed by S-1-1-0" \
  "parent: a folder above that Everyone may change is refused"
acl "$(win_path "$work_dir")" "$private_sddl"
run run --drain --poll 100ms
check_status 0 "private: the same queue, private again, runs"
check_equal "$(job_field "$job" .state)" succeeded "private: its job ran"

# 2. %ProgramData%\msiq made beforehand with a weak access list.
data_dir="$WINEPREFIX/drive_c/ProgramData/msiq"
mkdir -p "$data_dir"
acl 'C:\ProgramData\msiq' "$open_sddl"
unset MSIQ_DB
run run --drain --poll 100ms
check_error 4 'refusing to run: database directory C:\\ProgramData\\msiq can be changed by S-1-1-0' \
  "ProgramData: run refuses the weak data folder"
check_equal "$(ls -A "$data_dir")" "" "ProgramData: and creates nothing in it"
run service --name msiqacl install
check_status 0 "ProgramData: service install succeeds"
check_match "$out" 'repaired the access list of the queue: database directory C:\\ProgramData\\msiq can be changed by S-1-1-0' \
  "ProgramData: service install says what it repaired"
check_match "$(acl 'C:\ProgramData\msiq')" '\(A;OICI;0x1200a9;;;WD\)$' \
  "ProgramData: afterwards Everyone may only read the folder"
run run --drain --poll 100ms
check_status 0 "ProgramData: run accepts the repaired folder"
run service --name msiqacl uninstall
check_status 0 "ProgramData: uninstall"

# 3. The service's program.

# run_copy ARGS...: `run` with the copy of msiq.exe in $open_bin.
run_copy() {
  out=$(wine "$open_bin/msiq.exe" "$@" 2>"$work_dir/stderr" | tr -d '\r'
    exit "${PIPESTATUS[0]}")
  status=$?
  err=$(cat "$work_dir/stderr")
}
open_bin="$work_dir/bin"
mkdir -m 0755 "$open_bin"
cp "$MSIQ_EXE" "$open_bin/msiq.exe"
acl "$(win_path "$open_bin")" "$open_sddl"
run_copy service --name msiqbin install
check_error 4 "refusing to install the service: program folder Z:.*\\\\bin can be changed by S-1-1-0, who is not an administrator; put msiq.exe in a folder only administrators can write" \
  "program: a msiq.exe in a folder Everyone may change is refused"
acl "$(win_path "$open_bin")" "$private_sddl"
acl "$(win_path "$open_bin/msiq.exe")" "$open_sddl"
run_copy service --name msiqbin install
check_error 4 "refusing to install the service: program Z:.*\\\\bin\\\\msiq\.exe can be changed by S-1-1-0" \
  "program: a msiq.exe Everyone may change is refused"
run service --name msiqbin status
check_match "$out" "not installed" "program: nothing was registered"

# 4. Replaced under a running dispatcher.
new_queue replaced
wine "$MSIQ_EXE" run --poll 200ms >>"$queue_dir/run.log" 2>&1 &
dispatcher_pid=$!
wait_until 60000 bash -c "[ \"\$(wine '$MSIQ_EXE' --json show $job 2>/dev/null | jq -r .state)\" = succeeded ]" ||
  fail "replaced: the first job did not run"
make_package "$queue_dir/second.msi"
MSIQ_DB=$(win_path "$queue_dir/backup.db") msiq enqueue "$(win_path "$queue_dir/second.msi")" >/dev/null
# A whole file, as a backup is: a command that writes nothing copies the
# WAL the enqueue left into the file and deletes it.
MSIQ_DB=$(win_path "$queue_dir/backup.db") msiq list >/dev/null
# Windows refuses to replace the file SQLite has open.
wine cmd /c move /y "$(win_path "$queue_dir/backup.db")" "$(win_path "$queue_dir/queue.db")" >/dev/null 2>&1
if [ -e "$queue_dir/backup.db" ]; then pass; else fail "replaced: Windows let the open queue be replaced"; fi
mv "$queue_dir/backup.db" "$queue_dir/queue.db"
wait_until 60000 grep -q 'dispatcher reopened' "$queue_dir/run.log" ||
  fail "replaced: the dispatcher did not reopen the queue: $(tr -d '\r' <"$queue_dir/run.log")"
wait_until 60000 bash -c "grep -q 'second.msi' '$queue_dir/argv.log'" ||
  fail "replaced: the replacement's job did not run"
check_match "$(job_field 1 .target)" 'second\.msi$' "replaced: the queue now is the replacement"
kill -INT "$dispatcher_pid" 2>/dev/null
wait_until 20000 bash -c "! kill -0 $dispatcher_pid 2>/dev/null"
dispatcher_pid=""

# 5. Temporary copies.
import_dir="$work_dir/import"
mkdir -m 0700 "$import_dir"
MSIQ_DB=$(win_path "$import_dir/queue.db")
export MSIQ_DB
jq -n --arg t "$(win_path "$import_dir/x.msi")" '[{target: $t, no_check: true}, {target: $t, no_check: true}]' >"$import_dir/jobs.json"
run import "$(win_path "$import_dir/jobs.json")"
check_status 0 "import: into a new queue"
check_equal "$(printf '%s' "$out" | tr '\n' ' ')" "1 2" "import: prints the ids"
check_equal "$(find "$import_dir" -name 'queue.db.new-*' | wc -l)" 0 "import: no temporary copy is left"
cp "$import_dir/queue.db" "$import_dir/queue.db.new-0123456789abcdef"
: >"$import_dir/queue.db.new-0123456789abcdef-journal"
run list
check_status 0 "import: list"
check_equal "$(find "$import_dir" -name 'queue.db.new-*' | wc -l)" 0 \
  "import: a killed import's copy and its journal are removed by the next open"

finish
