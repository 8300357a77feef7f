# lib_write_lock.sh: holding a queue's SQLite write lock from outside, as
# a slow or stuck writer (another msiq, a backup tool, an administrator's
# sqlite3 shell) would.
#
# Sourced after tests/cli/lib.sh and tests/cli/lib_dispatch.sh (for
# wait_until and the exit trap). The holder is the sqlite3 shell reading
# its commands from a fifo: hold_write_lock runs BEGIN IMMEDIATE in it and
# returns once another connection can no longer take the lock;
# release_write_lock commits and waits for the shell to end. The holder's
# pid is registered for the exit trap, so a failing test never leaves it
# behind.

lock_holder_pid=""
lock_holder_fifo=""
cleanup_pid_variables="$cleanup_pid_variables lock_holder_pid"

# write_lock_taken DB: another connection cannot take the write lock now.
write_lock_taken() {
  ! sqlite3 -cmd ".timeout 0" "$1" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1
}

# hold_write_lock DB: a check; passes once the lock is held (within 10 s).
hold_write_lock() {
  local db=$1
  lock_holder_fifo="$work_dir/write-lock.$$.$RANDOM.fifo"
  rm -f "$lock_holder_fifo"
  mkfifo "$lock_holder_fifo"
  sqlite3 "$db" <"$lock_holder_fifo" >/dev/null 2>&1 &
  lock_holder_pid=$!
  exec 7>"$lock_holder_fifo"
  echo "BEGIN IMMEDIATE;" >&7
  if wait_until 10000 write_lock_taken "$db"; then
    pass
  else
    fail "the sqlite3 shell did not take the write lock of $db"
  fi
}

# release_write_lock: commits (nothing was written) and ends the holder.
release_write_lock() {
  [ -n "$lock_holder_pid" ] || return 0
  echo "COMMIT;" >&7
  exec 7>&-
  wait "$lock_holder_pid" 2>/dev/null
  lock_holder_pid=""
  rm -f "$lock_holder_fifo"
}
