#!/usr/bin/env bash
# import_durable.sh: the first import into a new queue is durable before
# its ids are printed, and what a killed import leaves is cleaned up
# (issue 15, item 5). Proves that:
#   1. the import that creates the queue syncs the queue's directory after
#      the link() that gives the copy its name and the unlink() of the
#      temporary name, and only then writes the ids (seen with strace: the
#      order of link, unlink, fsync of the directory, write to stdout);
#   2. an import killed just before that link() (strace injects SIGKILL)
#      leaves its finished copy DATABASE.new-HEX and no queue; the next
#      import creates the queue and removes the copy;
#   3. copies left beside an existing queue, with the -wal, -shm and
#      -journal files SQLite keeps beside them, are removed by the next
#      command that opens the queue (`msiq list`); other files are not;
#   4. a copy whose creator is alive (it holds its claim, the lock `flock`
#      takes) is left alone, and removed by the first open after its
#      creator died.
# Parts 1 and 2 need strace and are skipped without it.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

holder_pid=""
cleanup_pid_variables="dispatcher_pid holder_pid"

# manifest FILE N: an import manifest of N jobs.
manifest() {
  jq -n --arg dir "$work_dir" --argjson n "$2" \
    '[range(1; $n + 1) | {target: "\($dir)/pkg-\(.).msi", no_check: true}]' >"$1"
}
manifest "$work_dir/jobs.json" 20

# copies_in DIR: the names of the temporary copies and their files in DIR.
copies_in() {
  (cd "$1" && find . -maxdepth 1 -name 'queue.db.new-*' -printf '%f\n' | sort | tr '\n' ' ')
}

# LeakSanitizer cannot work in a process that is being traced (it stops the
# process the way a tracer does), so under the sanitize preset the traced
# runs leave leak checking to the rest of the suite.
traced_asan_options="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# 1. Durable before acknowledged.
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
  begin_section durable
  ASAN_OPTIONS=$traced_asan_options strace -f -o "$sec/trace" \
    -e trace=link,linkat,unlink,unlinkat,fsync,openat,write \
    "$MSIQ_BIN" import "$work_dir/jobs.json" >"$sec/ids" 2>"$sec/import.err"
  check_equal "$?" 0 "durable: the import succeeds ($(cat "$sec/import.err"))"
  check_equal "$(wc -l <"$sec/ids")" 20 "durable: it prints 20 ids"
  # Line numbers of the events, in the order the process made them.
  link_line=$(grep -n "link(\"$sec/queue\.db\.new-[0-9a-f]*\", \"$sec/queue\.db\") = 0" "$sec/trace" | cut -d: -f1)
  unlink_line=$(grep -n "unlink(\"$sec/queue\.db\.new-[0-9a-f]*\") = 0" "$sec/trace" | tail -n 1 | cut -d: -f1)
  directory_fd=$(sed -n "$((unlink_line + 1)),\$p" "$sec/trace" |
    grep -m 1 -o "openat(AT_FDCWD, \"$sec/\?\", O_RDONLY|O_CLOEXEC|O_DIRECTORY) = [0-9]*" | grep -o '[0-9]*$')
  fsync_line=$(grep -n "fsync($directory_fd) *= 0" "$sec/trace" | cut -d: -f1 |
    awk -v after="$unlink_line" '$1 > after' | head -n 1)
  ids_line=$(grep -n 'write(1, "1\\n2\\n' "$sec/trace" | head -n 1 | cut -d: -f1)
  check_match "$link_line,$unlink_line,$fsync_line,$ids_line" '^[0-9]+,[0-9]+,[0-9]+,[0-9]+$' \
    "durable: the trace shows the link, the unlink, the directory's fsync and the ids"
  if [ -n "$link_line" ] && [ -n "$unlink_line" ] && [ -n "$fsync_line" ] && [ -n "$ids_line" ] &&
    [ "$link_line" -lt "$unlink_line" ] && [ "$unlink_line" -lt "$fsync_line" ] && [ "$fsync_line" -lt "$ids_line" ]; then
    pass
  else
    fail "durable: not link < unlink < fsync(directory) < ids: $link_line, $unlink_line, $fsync_line, $ids_line"
  fi
  check_equal "$(copies_in "$sec")" "" "durable: no temporary copy is left"

  # 2. Killed just before the link(): the copy is left, and cleaned up.
  begin_section killed
  ASAN_OPTIONS=$traced_asan_options strace -f -o /dev/null -e trace=link,linkat \
    -e inject=link,linkat:signal=KILL \
    "$MSIQ_BIN" import "$work_dir/jobs.json" >"$sec/ids" 2>/dev/null
  check_equal "$?" 137 "killed: the import was killed (SIGKILL)"
  check_equal "$(wc -c <"$sec/ids")" 0 "killed: it printed no id"
  left=$(copies_in "$sec")
  check_match "$left" '^queue\.db\.new-[0-9a-f]{16} $' "killed: it left its finished copy and nothing else"
  check_no_database "killed: there is no queue"
  run import "$work_dir/jobs.json"
  check_status 0 "killed: the next import succeeds"
  check_equal "$(printf '%s\n' "$out" | wc -l)" 20 "killed: it prints 20 ids"
  check_equal "$(copies_in "$sec")" "" "killed: the killed import's copy is gone"
  check_equal "$(msiq --json list | jq length)" 20 "killed: the queue holds the 20 jobs once"
else
  echo "import_durable: strace is not available here; parts 1 and 2 skipped"
fi

# 3. Left beside an existing queue: removed at the next open.
begin_section leftovers
run import "$work_dir/jobs.json"
check_status 0 "leftovers: the queue is created"
for copy in queue.db.new-0123456789abcdef queue.db.new-fedcba9876543210; do
  cp "$MSIQ_DB" "$sec/$copy"
  for suffix in -wal -shm -journal; do : >"$sec/$copy$suffix"; done
done
# Names that only look alike stay.
: >"$sec/queue.db.new-0123"
: >"$sec/queue.db.new-0123456789abcdef.bak"
: >"$sec/other.db.new-0123456789abcdef"
run list
check_status 0 "leftovers: list works"
check_equal "$(copies_in "$sec")" "queue.db.new-0123 queue.db.new-0123456789abcdef.bak " \
  "leftovers: the copies and their -wal, -shm, -journal are removed, look-alikes are not"
if [ -e "$sec/other.db.new-0123456789abcdef" ]; then pass; else fail "leftovers: another database's copy was removed"; fi

# 4. A copy whose creator is alive stays.
begin_section claimed
run import "$work_dir/jobs.json"
cp "$MSIQ_DB" "$sec/queue.db.new-00000000000000aa"
: >"$sec/queue.db.new-00000000000000aa-journal"
# The holder takes the lock on descriptor 9 and becomes `sleep`, so that
# the lock dies with the process holder_pid names.
bash -c 'exec 9<"$1" && flock 9 && exec sleep 120' _ "$sec/queue.db.new-00000000000000aa" &
holder_pid=$!
wait_until 5000 bash -c "! flock -n '$sec/queue.db.new-00000000000000aa' true"
run list
check_status 0 "claimed: list works"
check_equal "$(copies_in "$sec")" "queue.db.new-00000000000000aa queue.db.new-00000000000000aa-journal " \
  "claimed: a copy still claimed by a live process is left alone, with its files"
kill "$holder_pid" 2>/dev/null
wait "$holder_pid" 2>/dev/null
holder_pid=""
run list
check_equal "$(copies_in "$sec")" "" "claimed: once its creator died, the next open removes it"

finish
