#!/usr/bin/env bash
# fault_test.sh: what msiq does when the disk or the database file lets it
# down. Proves that:
#   1. disk full during enqueue (a 2 MiB tmpfs when this machine lets us
#      mount one, and always a file-size limit, `ulimit -f` with SIGXFSZ
#      ignored so that write() fails with EFBIG): enqueues succeed until the
#      space runs out, then fail with exit 4 and one clear `msiq: ` line; an
#      import that does not fit stores none of its jobs; afterwards (space
#      freed, limit lifted) `msiq doctor` passes quick_check, every
#      acknowledged id is still there and nothing else, and enqueue works
#      again;
#   2. a corrupt database (a page of a real queue overwritten with garbage;
#      the header overwritten; the file cut short; a file of random bytes)
#      is refused with exit 4 and one line naming the database, and the
#      file is byte for byte the same afterwards; doctor names the damage;
#   3. a database in a directory the user cannot write (as the unprivileged
#      user "nobody" when running as root, since root ignores permissions):
#      every command exits 4 with one line that says so, and nothing in the
#      directory changes; a new database there is not created;
#   4. a database from a newer msiq (schema version one above this build's)
#      is refused with exit 4 by every command and left byte for byte.
# Each section works in its own directory.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# (for its clean environment and exit trap: `run --drain` is one of the
# commands every damaged database must refuse)
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

mounted=""
# unmount_and_unlock: what must be undone before the work directory can be
# removed.
unmount_and_unlock() {
  if [ -n "$mounted" ]; then umount "$mounted" 2>/dev/null || umount -l "$mounted" 2>/dev/null; fi
  chmod -R u+rwX "$work_dir" 2>/dev/null
}
cleanup_functions="unmount_and_unlock"

# A property value of about 3 KB, so that the space runs out after a few
# dozen enqueues.
big=$(head -c 3000 /dev/zero | tr '\0' x)

# manifest FILE N PREFIX: an import manifest of N jobs with big properties.
manifest() {
  jq -n --arg dir "$work_dir/pkg" --arg prefix "$3" --arg big "$big" --argjson n "$2" \
    '[range(1; $n + 1) | {target: "\($dir)/\($prefix)-\(. | tostring | ("000" + .)[-4:]).msi",
       no_check: true, properties: {SEQ: ., BIG: $big}}]' >"$1"
}

# ids_of_queue: the stored ids, space-separated, in order.
ids_of_queue() {
  msiq --json list | jq -r '.[].id' | tr '\n' ' '
}

# dir_state DIR: names, sizes and checksums of every file in DIR, to prove
# that a refused command changed nothing there.
dir_state() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r md5sum)
  find "$1" -printf '%M %s %p\n' | sort
}

# ---------------------------------------------------------------------------
# 1. Disk full during enqueue.

# fill_until_full LABEL PREFIX...: enqueues job after job (each with a 3 KB
# property), running each msiq under the command PREFIX, until one fails
# (at most 3000). Appends the printed ids to $sec/acked and leaves the
# failure in $status / $err.
fill_until_full() {
  local label=$1 i id
  shift
  status=0
  for ((i = 1; i <= 3000; i++)); do
    id=$("$@" "$MSIQ_BIN" enqueue --no-check "$work_dir/pkg/$label-$i.msi" "BIG=$big" 2>"$sec/stderr")
    status=$?
    err=$(cat "$sec/stderr")
    if [ "$status" -ne 0 ]; then
      break
    fi
    echo "$id" >>"$sec/acked"
  done
  filled=$((i - 1))
}

# check_after_full LABEL: the database passes doctor, holds exactly the
# acknowledged ids, and takes a new enqueue.
check_after_full() {
  run doctor
  check_status 0 "$1: doctor exits 0 afterwards"
  check_match "$out" '^quick_check: +ok$' "$1: the database passes quick_check afterwards"
  check_equal "$(ids_of_queue)" "$(sort -n "$sec/acked" | tr '\n' ' ')" \
    "$1: the queue holds exactly the acknowledged ids"
  run enqueue --no-check "$work_dir/pkg/$1-after.msi"
  check_status 0 "$1: enqueue works again once there is space"
  check_match "$out" '^[0-9]+$' "$1: the new enqueue printed an id"
}

# 1a. A small tmpfs, if this machine lets us mount one.
sec="$work_dir/tmpfs"
mkdir -p "$sec/mnt"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=2m,mode=0700 tmpfs "$sec/mnt" 2>/dev/null; then
  mounted="$sec/mnt"
  export MSIQ_DB="$sec/mnt/queue.db"
  : >"$sec/acked"
  run enqueue --no-check "$work_dir/pkg/first.msi"
  check_status 0 "tmpfs: the first enqueue creates the database"
  echo "$out" >>"$sec/acked"
  # Most of the space goes to a filler file that is removed afterwards.
  avail_kb=$(df -Pk "$sec/mnt" | awk 'NR == 2 {print $4}')
  dd if=/dev/zero of="$sec/mnt/filler" bs=1024 count=$((avail_kb - 400)) 2>/dev/null
  fill_until_full tmpfs
  full_message=$err
  check_error 4 "database $MSIQ_DB: disk is full" "tmpfs: the enqueue that does not fit fails with exit 4 and says the disk is full"
  if [ "$filled" -ge 5 ]; then pass; else fail "tmpfs: only $filled enqueues fitted before the disk was full"; fi
  after_fail=$(ids_of_queue)
  check_equal "$after_fail" "$(sort -n "$sec/acked" | tr '\n' ' ')" "tmpfs: the failed enqueue left no job behind"
  # Reading still works on the full disk.
  run doctor
  check_status 0 "tmpfs: doctor works on the full disk"
  check_match "$out" '^quick_check: +ok$' "tmpfs: quick_check ok on the full disk"
  manifest "$sec/manifest.json" 200 tmpfs-import
  before=$(queue_snapshot)
  run import "$sec/manifest.json"
  check_error 4 "database $MSIQ_DB: disk is full" "tmpfs: an import that does not fit fails with exit 4"
  check_equal "$out" "" "tmpfs: the failed import printed no id"
  check_equal "$(queue_snapshot)" "$before" "tmpfs: the failed import stored no job"
  rm -f "$sec/mnt/filler"
  check_after_full tmpfs
  echo "fault_test: tmpfs: $filled enqueues fitted, then: $full_message"
  umount "$sec/mnt" && mounted=""
else
  echo "fault_test: NOTE: cannot mount a tmpfs here; disk full is tested with a file-size limit only"
fi

# 1b. A file-size limit: SQLite's write() fails with EFBIG (SIGXFSZ is
# ignored, as it would otherwise kill the process).
sec="$work_dir/ulimit"
mkdir -p "$sec"
export MSIQ_DB="$sec/queue.db"
: >"$sec/acked"
run enqueue --no-check "$work_dir/pkg/first.msi"
check_status 0 "ulimit: the first enqueue creates the database"
echo "$out" >>"$sec/acked"
db_kb=$(($(stat -c %s "$MSIQ_DB") / 1024))
limit_kb=$((db_kb + 160))
limited() {
  (
    ulimit -f "$limit_kb"
    trap '' XFSZ
    exec "$@"
  )
}
fill_until_full ulimit limited
file_error='database .*queue\.db: (disk is full|.*[Ff]ile too large|disk I/O error)'
check_error 4 "$file_error" "ulimit: the enqueue past the file-size limit fails with exit 4 and one line naming the database"
if [ "$filled" -ge 5 ]; then pass; else fail "ulimit: only $filled enqueues fitted under the limit"; fi
check_equal "$(ids_of_queue)" "$(sort -n "$sec/acked" | tr '\n' ' ')" "ulimit: the failed enqueue left no job behind"
echo "fault_test: ulimit -f ${limit_kb}k: $filled enqueues fitted, then: $err"
manifest "$sec/manifest.json" 200 ulimit-import
before=$(queue_snapshot)
run_limited_import() {
  out=$(limited "$MSIQ_BIN" import "$sec/manifest.json" 2>"$work_dir/stderr")
  status=$?
  err=$(cat "$work_dir/stderr")
}
run_limited_import
check_error 4 "$file_error" "ulimit: an import past the limit fails with exit 4"
check_equal "$out" "" "ulimit: the failed import printed no id"
check_equal "$(queue_snapshot)" "$before" "ulimit: the failed import stored no job"
check_after_full ulimit

# ---------------------------------------------------------------------------
# 2. Corrupt databases.
sec="$work_dir/corrupt"
mkdir -p "$sec"
export MSIQ_DB="$sec/good.db"
manifest "$sec/manifest.json" 300 corrupt
run import "$sec/manifest.json"
check_status 0 "corrupt: a real queue of 300 jobs"
run doctor
check_match "$out" '^quick_check: +ok$' "corrupt: the real queue passes quick_check before the damage"
latest=$(printf '%s\n' "$out" | sed -n 's/^schema version: .*(this msiq: \([0-9]*\))$/\1/p')
check_match "$latest" '^[0-9]+$' "corrupt: doctor names this msiq's schema version"
page_size=$(od -An -tu1 -j16 -N2 "$MSIQ_DB" | awk '{print $1 * 256 + $2}')
check_match "$page_size" '^[0-9]+$' "corrupt: page size read from the header"
manifest "$sec/one.json" 1 import-into-damaged

# check_refused DB LABEL REGEX COMMAND...: COMMAND on DB exits 4 with one
# line matching REGEX, and the directory (database, WAL, everything) is
# byte for byte as before.
check_refused() {
  local db=$1 label=$2 regex=$3 before
  shift 3
  before=$(dir_state "$(dirname "$db")")
  MSIQ_DB=$db run "$@"
  check_error 4 "$regex" "$label: $*"
  check_equal "$(dir_state "$(dirname "$db")")" "$before" "$label: $* changed nothing"
}

# every_command DB LABEL REGEX: every command that opens the database.
every_command() {
  local db=$1 label=$2 regex=$3 args
  for args in "list" "show 1" "enqueue --no-check $work_dir/pkg/new.msi" \
    "import $sec/one.json" "cancel 1" "retry 1" "pause" "resume" \
    "purge --older-than 1s" "status" "wait --timeout 1s 1" "doctor" \
    "run --drain --poll 100ms"; do
    # shellcheck disable=SC2086 # args are words
    check_refused "$db" "$label" "$regex" $args
  done
}

# 2a. One page of the job table (the one holding job 150) overwritten with
# random bytes. Commands that read that page fail; doctor finds the damage.
mkdir -p "$sec/page"
cp "$sec/good.db" "$sec/page/queue.db"
offset=$(grep -boa 'corrupt-0150\.msi' "$sec/page/queue.db" | head -n 1 | cut -d: -f1)
check_match "$offset" '^[0-9]+$' "corrupt page: job 150's row found in the file"
page=$((${offset:-0} / page_size))
dd if=/dev/urandom of="$sec/page/queue.db" bs="$page_size" seek="$page" count=1 conv=notrunc 2>/dev/null
malformed='database .*queue\.db: database disk image is malformed'
for args in "list" "show 150" "cancel 150" "retry 150"; do
  # shellcheck disable=SC2086 # args are words
  check_refused "$sec/page/queue.db" "corrupt page $((page + 1))" "$malformed" $args
done
check_refused "$sec/page/queue.db" "corrupt page $((page + 1))" "database failed quick_check: .*[Pp]age $((page + 1))" doctor

# 2b. The header overwritten: not a database any more.
mkdir -p "$sec/header"
cp "$sec/good.db" "$sec/header/queue.db"
printf 'This is no longer a SQLite header' | dd of="$sec/header/queue.db" conv=notrunc 2>/dev/null
every_command "$sec/header/queue.db" "corrupt header" 'database .*queue\.db: file is not a database'

# 2c. The file cut to a third of its length.
mkdir -p "$sec/short"
cp "$sec/good.db" "$sec/short/queue.db"
kept_pages=$(($(stat -c %s "$sec/good.db") / page_size / 3))
truncate -s $((kept_pages * page_size)) "$sec/short/queue.db"
every_command "$sec/short/queue.db" "truncated" 'database .*queue\.db: database disk image is malformed'

# 2d. A file of random bytes.
mkdir -p "$sec/random"
head -c 65536 /dev/urandom >"$sec/random/queue.db"
every_command "$sec/random/queue.db" "random bytes" 'database .*queue\.db: file is not a database'

# ---------------------------------------------------------------------------
# 4. A database from a newer msiq: the real queue with its schema version one
# above this build's.
mkdir -p "$sec/newer"
cp "$sec/good.db" "$sec/newer/queue.db"
newer=$((${latest:-1} + 1))
if command -v sqlite3 >/dev/null; then
  sqlite3 "$sec/newer/queue.db" "PRAGMA user_version = $newer;"
else
  python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA user_version = " + sys.argv[2])
c.commit()
c.close()' "$sec/newer/queue.db" "$newer"
fi
check_equal "$(od -An -tu1 -j60 -N4 "$sec/newer/queue.db" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')" \
  "$newer" "newer: the header says schema version $newer"
every_command "$sec/newer/queue.db" "newer schema" \
  "database .*queue\.db has schema version $newer but this msiq knows only up to ${latest:-1}: use a newer msiq"

# ---------------------------------------------------------------------------
# 3. A directory the user cannot write. Root ignores permissions, so as root
# the commands run as "nobody".
sec="$work_dir/readonly"
mkdir -p "$sec/dir"
export MSIQ_DB="$sec/dir/queue.db"
manifest "$sec/manifest.json" 20 readonly
run import "$sec/manifest.json"
check_status 0 "readonly: a queue of 20 jobs"
as_user=""
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
  elif command -v runuser >/dev/null && runuser -u nobody -- true 2>/dev/null; then
    as_user="runuser -u nobody --"
  fi
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$as_user" ]; then
  # Readable and searchable by everyone, writable by the owner only.
  chmod 0711 "$work_dir" "$sec"
  chmod 0755 "$sec/dir"
  chmod 0644 "$MSIQ_DB" "$sec/manifest.json"
  if [ "$(id -u)" -ne 0 ]; then chmod 0555 "$sec/dir"; fi
  readonly_error="database .*queue\.db: .*(readonly|read-only|unable to open|[Pp]ermission denied)"
  for args in "list" "show 1" "enqueue --no-check $work_dir/pkg/new.msi" \
    "import $sec/manifest.json" "cancel 1" "pause" "doctor" "status" \
    "run --drain --poll 100ms"; do
    # shellcheck disable=SC2086 # args are words
    MSIQ_RUNNER=$as_user check_refused "$MSIQ_DB" "read-only directory" "$readonly_error" $args
  done
  # A new database in that directory is not created.
  MSIQ_RUNNER=$as_user MSIQ_DB="$sec/dir/new.db" run enqueue --no-check "$work_dir/pkg/new.msi"
  check_error 4 "database .*new\.db: .*(unable to open|readonly|[Pp]ermission denied)" \
    "read-only directory: a new database cannot be created"
  if [ -e "$sec/dir/new.db" ]; then fail "read-only directory: new.db was created"; else pass; fi
  chmod 0755 "$sec/dir"
  check_equal "$(msiq --json list | jq length)" "20" "read-only directory: the queue is intact"
else
  echo "fault_test: NOTE: running as root without setpriv or runuser; read-only directory not tested"
  fail "read-only directory: no way to run as an unprivileged user"
fi

finish
