#!/usr/bin/env bash
# shm_fault.sh: a -shm file that cannot be written (issue 15, item 8).
# SQLite maps the queue's -shm file into every process that has the queue
# open. Proves that:
#   1. the -shm made immutable (chattr +i) under a running dispatcher: its
#      next write to a page of the mapping faults (SIGBUS; before the fix
#      the dispatcher died of it, exit 135); now it exits 4 with one line
#      naming the -shm file, and after chattr -i the next dispatcher runs
#      the job and doctor is clean;
#   2. an immutable -shm when a command opens the queue: reading works, a
#      write exits 4 with one `msiq:` line, nothing changes; it works again
#      after chattr -i;
#   3. a read-only -shm (chmod 0444): root writes to it all the same (its
#      mode does not stop root, which is what the tests run as), so every
#      command works; as the unprivileged user "nobody" on a queue of its
#      own, reading works and a write exits 4 with one line.
# Parts 1 and 2 need chattr +i (root, and a file system that has the
# immutable attribute; ext4 here); part 3's second half needs root for
# setpriv. Without them those parts are skipped (the whole test: exit 77).
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

dispatcher_options=(--poll 50ms)
ran_parts=0

# Whatever happens, the work directory must be removable afterwards.
release_files() {
  find "$work_dir" -name '*-shm' -exec chattr -i {} + 2>/dev/null
  chmod -R u+rwX "$work_dir" 2>/dev/null
}
cleanup_functions="release_files"

# can_make_immutable: chattr +i works here (root, a file system with the
# attribute).
can_make_immutable() {
  local probe="$work_dir/immutable.probe"
  : >"$probe"
  if chattr +i "$probe" 2>/dev/null; then
    chattr -i "$probe"
    rm -f "$probe"
    return 0
  fi
  rm -f "$probe"
  return 1
}

# lines TEXT: how many lines TEXT has.
lines() {
  printf '%s\n' "$1" | grep -c .
}

if can_make_immutable; then
  ran_parts=$((ran_parts + 1))
  # 1. Under a running dispatcher.
  begin_section running
  first=$(enqueue "$(pkg first)")
  start_dispatcher
  if wait_until 20000 job_state_is "$first" succeeded; then pass; else fail "running: the first job did not run"; fi
  # Due in 2 s: the dispatcher's first write after the -shm became
  # immutable comes at the latest when it starts this job.
  later=$(enqueue --not-before +2s "$(pkg later)")
  due_at=$(($(now_ms) + 2000))
  chattr +i "$sec/queue.db-shm"
  # Written back, the mapped pages are clean and write-protected again, so
  # the next write to them asks the file system, which refuses.
  sync
  wait_dispatcher 30000
  check_equal "$dispatcher_status" 4 "running: the dispatcher exits 4, not of SIGBUS (135)"
  check_match "$(tail -n 1 "$run_log")" "^msiq: database $sec/queue\.db: its shared-memory file $sec/queue\.db-shm can no longer be written \(made read-only or immutable, truncated, or its disk is full\); stopping$" \
    "running: its last line names the -shm file"
  chattr -i "$sec/queue.db-shm"
  # The fault may come before the job is due (an idle check writes to the
  # mapping too); a drain exits at once while it is not due yet.
  while [ "$(now_ms)" -lt "$((due_at + 200))" ]; do sleep 0.1; done
  run_drain
  check_equal "$drain_status" 0 "running: after chattr -i the next dispatcher runs"
  check_equal "$(job_field "$later" .state)" succeeded "running: the job due after the fault ran"
  run doctor
  check_status 0 "running: doctor is clean afterwards"

  # 2. Immutable when a command opens the queue.
  begin_section at_open
  job=$(enqueue "$(pkg app)")
  : >"$sec/queue.db-shm"
  chattr +i "$sec/queue.db-shm"
  run list
  check_status 0 "at open: list reads the queue"
  check_match "$out" "queued" "at open: list shows the job"
  before=$(md5sum <"$MSIQ_DB")
  run enqueue "$(pkg other)"
  check_error 4 "database $sec/queue\.db: attempt to write a readonly database" \
    "at open: an enqueue exits 4 with one line"
  run run --drain
  check_error 4 "database $sec/queue\.db: attempt to write a readonly database" \
    "at open: the dispatcher exits 4 with one line"
  check_equal "$(md5sum <"$MSIQ_DB")" "$before" "at open: the database is unchanged"
  chattr -i "$sec/queue.db-shm"
  run enqueue "$(pkg other)"
  check_status 0 "at open: after chattr -i an enqueue works"
else
  echo "shm_fault: chattr +i does not work here; parts 1 and 2 skipped"
fi

# 3. Read-only by its mode. As root, it is still written.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  ran_parts=$((ran_parts + 1))
  begin_section mode
  job=$(enqueue "$(pkg app)")
  : >"$sec/queue.db-shm"
  chmod 0444 "$sec/queue.db-shm"
  run enqueue "$(pkg other)"
  check_status 0 "mode: root enqueues despite a 0444 -shm (root ignores the mode)"
  # As nobody, on a queue nobody owns, with a -shm it may only read.
  begin_section nobody
  chmod 0755 "$work_dir"
  # root makes the queue first: a queue folder another account owns is
  # refused to root (cli_queue_safety.sh), so it is handed over afterwards.
  job=$(enqueue "$(pkg app)")
  chown nobody "$sec" "$MSIQ_DB"
  : >"$sec/queue.db-shm"
  chmod 0444 "$sec/queue.db-shm"
  as_nobody() {
    out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MSIQ_BIN" "$@" 2>"$work_dir/stderr")
    status=$?
    err=$(cat "$work_dir/stderr")
  }
  as_nobody list
  check_status 0 "nobody: list reads the queue through a read-only -shm"
  as_nobody enqueue "$sec/app.msi"
  check_error 4 "database $sec/queue\.db: attempt to write a readonly database" \
    "nobody: an enqueue exits 4 with one line"
  chmod 0700 "$work_dir"
fi

if [ "$ran_parts" -eq 0 ]; then
  echo "shm_fault: nothing could be tested here"
  exit 77
fi
finish
