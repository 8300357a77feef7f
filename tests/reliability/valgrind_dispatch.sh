#!/usr/bin/env bash
# valgrind_dispatch.sh: valgrind memcheck over the dispatcher and the CLI,
# with zero errors and zero leaks (definite or indirect) allowed.
#
#   1. A dispatcher is killed (natively, SIGKILL) while a job runs, so the
#      next one has an interrupted attempt to recover.
#   2. `msiq run --drain` under valgrind drains a small queue that takes
#      every path of the dispatcher: crash recovery, success with
#      properties, a 1618 retry with backoff, a failure (1603), a failure
#      that fails a dependent job before it starts, 3010, a per-job
#      exit-code rule, a timeout that stops the installer, `cancel --force`
#      of a running installer (itself under valgrind), a job cancelled
#      before it started, uninstall by product code, patch and repair.
#   3. `msiq run` (no drain) under valgrind picks up a job enqueued while it
#      idles and stops gracefully on SIGTERM.
#   4. Every other command under valgrind, including their error paths (bad
#      input, no such job, missing, corrupt and newer databases).
# Each run must exit with its expected status (valgrind's own is 99 on an
# error) and its log must say "ERROR SUMMARY: 0 errors" with nothing
# definitely or indirectly lost. Child processes (the installer) are not
# traced. Exits 77 (skipped) when valgrind is not installed.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

if ! command -v valgrind >/dev/null; then
  echo "SKIP: valgrind is not installed (Debian: apt-get install valgrind)"
  exit 77
fi

# AddressSanitizer and valgrind do not mix (the sanitize preset leaves this
# test out by its label; this covers running its ctest by hand).
if ldd "$MSIQ_BIN" 2>/dev/null | grep -q 'libasan'; then
  echo "SKIP: $MSIQ_BIN is built with AddressSanitizer, which valgrind cannot run"
  exit 77
fi

cd "$work_dir" || exit 1

export FAKE_INSTALLER_LOG="$work_dir/argv.log"

# The installer decides by the package name: fail.msi 1603, reboot.msi
# 3010, busy.msi 1618 the first time, slow.msi and long.msi take 20 s,
# crash.msi takes 1 s the first time; long and crash leave a marker.
cat >"$work_dir/installer" <<EOF
#!/usr/bin/env bash
case "\$*" in
  *fail.msi*) export FAKE_INSTALLER_DEFAULT_CODE=1603 ;;
  *reboot.msi*) export FAKE_INSTALLER_DEFAULT_CODE=3010 ;;
  *busy.msi*)
    if [ ! -e "$work_dir/busy.done" ]; then
      : >"$work_dir/busy.done"
      export FAKE_INSTALLER_DEFAULT_CODE=1618
    fi ;;
  *slow.msi*) export FAKE_INSTALLER_SLEEP_MS=20000 ;;
  *long.msi*) export FAKE_INSTALLER_SLEEP_MS=20000 FAKE_INSTALLER_MARKER="$work_dir/long.marker" ;;
  *crash.msi*)
    if [ ! -e "$work_dir/crash.marker" ]; then
      export FAKE_INSTALLER_SLEEP_MS=1000 FAKE_INSTALLER_MARKER="$work_dir/crash.marker"
    fi ;;
esac
exec "$MSIQ_FAKE_INSTALLER" "\$@"
EOF
chmod 755 "$work_dir/installer"
export MSIQ_INSTALLER="$work_dir/installer"

# Everything runs slowly under valgrind: poll less often.
wait_interval=0.1

vg_runs=0
vg_log_n=0
# vg: the valgrind command line for the next run; its log is $vg_log.
vg() {
  vg_log_n=$((vg_log_n + 1))
  vg_log="$work_dir/valgrind.$vg_log_n.log"
  # shellcheck disable=SC2054 # the commas belong to valgrind's options
  vg_cmd=(valgrind --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-fds=no
    --suppressions="$MSIQ_TESTS_DIR/reliability/valgrind.supp"
    --log-file="$vg_log" "$MSIQ_BIN")
}

# check_clean DESCRIPTION: the last valgrind log is clean.
check_clean() {
  vg_runs=$((vg_runs + 1))
  if grep -q 'ERROR SUMMARY: 0 errors' "$vg_log" &&
    ! grep -Eq '(definitely|indirectly) lost: [1-9]' "$vg_log"; then
    pass
  else
    fail "$1: valgrind found problems: $(grep -E 'ERROR SUMMARY|lost:|Invalid|uninitialised|at 0x|by 0x' "$vg_log" | head -n 25)"
  fi
}

# vg_run EXPECTED DESCRIPTION ARGS...: msiq ARGS under valgrind, in the
# foreground; checks the exit status and the log.
vg_run() {
  local expected=$1 description=$2
  shift 2
  vg
  # shellcheck disable=SC2034 # $out is for the check helpers and callers
  out=$("${vg_cmd[@]}" "$@" 2>"$work_dir/stderr")
  status=$?
  err=$(cat "$work_dir/stderr")
  check_status "$expected" "$description"
  check_clean "$description"
}

# package FILE: creates a real package FILE (name and extension) in the
# work directory, since enqueue reads every package it is given (a .msp
# through make_patch_package), and prints its path.
package() {
  case "$1" in
  *.msp) make_patch_package "$work_dir/$1" >/dev/null ;;
  *) make_package "$work_dir/$1" ;;
  esac
  printf '%s\n' "$work_dir/$1"
}

# ---------------------------------------------------------------------------
# 1. A dispatcher killed while a job runs (natively, to save time).
crash_job=$(msiq enqueue "$(package crash.msi)")
"$MSIQ_BIN" run --poll 100ms >"$work_dir/native-run.log" 2>&1 &
dispatcher_pid=$!
if wait_until 20000 test -s "$work_dir/crash.marker"; then pass; else fail "the crash job did not start"; fi
kill_dispatcher
check_equal "$(msiq --json show "$crash_job" | jq -r .state)" "running" "the killed dispatcher left its job running"
sleep 1.2 # the orphaned installer ends

# ---------------------------------------------------------------------------
# 2. The drain under valgrind.
ok_job=$(msiq enqueue "$(package ok.msi)" ALLUSERS=1 "INSTALLDIR=C:\\Program Files\\X")
busy_job=$(msiq enqueue "$(package busy.msi)")
fail_job=$(msiq enqueue "$(package fail.msi)")
dep_job=$(msiq enqueue --after "$fail_job" "$(package dep.msi)")
reboot_job=$(msiq enqueue "$(package reboot.msi)")
rule_job=$(msiq enqueue --exit-code 1603=success "$(package rule-fail.msi)")
slow_job=$(msiq enqueue --timeout 1s "$(package slow.msi)")
long_job=$(msiq enqueue "$(package long.msi)")
gone_job=$(msiq enqueue "$(package gone.msi)")
msiq cancel "$gone_job" >/dev/null
uninstall_job=$(msiq enqueue --action uninstall '{26A24AE4-039D-4CA4-87B4-2F32180111F0}')
patch_job=$(msiq enqueue --action patch "$(package fix.msp)")
repair_job=$(msiq enqueue --action repair "$(package ok.msi)")

vg
drain_log="$work_dir/drain.log"
"${vg_cmd[@]}" run --drain --poll 100ms --retry-base 200ms --retry-max 400ms >"$drain_log" 2>&1 &
dispatcher_pid=$!
if wait_until 120000 test -s "$work_dir/long.marker"; then pass; else fail "the long job did not start: $(tail -n 5 "$drain_log")"; fi
drain_vg_log=$vg_log
vg_run 0 "cancel --force of the running job" cancel --force "$long_job"
vg_log=$drain_vg_log
wait_dispatcher 180000
drain_status=$dispatcher_status
check_equal "$drain_status" "0" "the drain under valgrind exits 0 ($(tail -n 3 "$drain_log"))"
check_clean "run --drain"
check_match "$(cat "$drain_log")" 'recovered 1 job' "the drain recovered the interrupted job"

states=$(msiq --json list | jq -r '.[] | "\(.id)=\(.state)"' | tr '\n' ' ')
expect_state() {
  check_match " $states" " $1=$2 " "job $1 ($3) is $2"
}
expect_state "$crash_job" succeeded "recovered after the crash"
expect_state "$ok_job" succeeded "success"
expect_state "$busy_job" succeeded "1618, then success"
expect_state "$fail_job" failed "1603"
expect_state "$dep_job" failed "its dependency failed"
expect_state "$reboot_job" succeeded "3010"
expect_state "$rule_job" succeeded "1603=success rule"
expect_state "$slow_job" failed "timed out"
expect_state "$long_job" cancelled "cancel --force"
expect_state "$gone_job" cancelled "cancelled before it started"
expect_state "$uninstall_job" succeeded "uninstall by product code"
expect_state "$patch_job" succeeded "patch"
expect_state "$repair_job" succeeded "repair"
check_equal "$(msiq --json show "$crash_job" | jq -r '[.history[].outcome] | join(",")')" "interrupted,succeeded" \
  "the crashed job's history"
check_equal "$(msiq --json show "$busy_job" | jq -r '[.history[].outcome] | join(",")')" "retry,succeeded" \
  "the busy job's history"

# ---------------------------------------------------------------------------
# 3. An idle dispatcher under valgrind: a new job, then SIGTERM.
vg
idle_log="$work_dir/idle.log"
"${vg_cmd[@]}" run --poll 100ms >"$idle_log" 2>&1 &
dispatcher_pid=$!
if wait_until 60000 grep -q 'dispatcher started' "$idle_log"; then pass; else fail "the idle dispatcher did not start"; fi
late_job=$(msiq enqueue "$(package late.msi)")
if wait_until 60000 job_state_is "$late_job" succeeded; then pass; else
  fail "the job enqueued while the dispatcher idled did not run: $(tail -n 3 "$idle_log")"
fi
kill -TERM "$dispatcher_pid"
wait_dispatcher 60000
idle_status=$dispatcher_status
check_equal "$idle_status" "0" "the idle dispatcher exits 0 on SIGTERM"
check_clean "run, then SIGTERM"

# ---------------------------------------------------------------------------
# 4. The other commands, and their error paths.
printf '[{"target":"%s","properties":{"A":"1","B":2},"key":"k1"},{"target":"%s","after":["k1"],"exit_codes":{"1603":"retry"}}]\n' \
  "$(package m1.msi)" "$(package m2.msi)" >"$work_dir/manifest.json"
vg_run 0 "enqueue with every option" enqueue --priority 5 --not-before +1h --deadline +2h \
  --max-attempts 3 --timeout 30m --key demo --log "$work_dir/demo.log" --exit-code 1638=success \
  --after "$ok_job" "$(package demo.msi)" A=1 "B=two words"
vg_run 0 "enqueue --json" --json enqueue --no-check "$work_dir/offline.msi"
vg_run 0 "import" import "$work_dir/manifest.json"
vg_run 0 "import --json from stdin" --json import - <"$work_dir/manifest.json"
vg_run 0 "list" list
vg_run 0 "list --json --state failed" --json list --state failed
vg_run 0 "show with history" show "$busy_job"
vg_run 0 "show --json" --json show "$crash_job"
vg_run 0 "status" status
vg_run 0 "status --json" --json status
vg_run 0 "wait for a succeeded job" wait "$ok_job"
vg_run 194 "wait --json for a 3010 job (3010 & 255)" --json wait "$reboot_job"
vg_run 0 "retry a failed job" retry "$fail_job"
vg_run 0 "cancel a queued job" cancel "$fail_job"
vg_run 0 "pause" pause
vg_run 0 "resume" resume
vg_run 0 "purge" purge --older-than 1s
vg_run 0 "doctor" doctor
vg_run 0 "doctor --json" --json doctor
vg_run 0 "--help" --help
vg_run 0 "enqueue --help" enqueue --help
vg_run 0 "--version" --version
vg_run 2 "an unknown option" enqueue --bogus "$work_dir/x.msi"
vg_run 2 "a bad property" enqueue "$(package x.msi)" 9X=1
vg_run 2 "a bad manifest" import - <<<'[{"target":"setup.exe"}]'
vg_run 2 "an unknown command" frobnicate
vg_run 3 "no such job" show 999
vg_run 3 "cancel of a finished job" cancel "$ok_job"
vg_run 4 "a missing database" --db "$work_dir/missing/queue.db" list
head -c 8192 /dev/urandom >"$work_dir/corrupt.db"
vg_run 4 "a corrupt database" --db "$work_dir/corrupt.db" list
vg_run 4 "run on a corrupt database" --db "$work_dir/corrupt.db" run --drain

echo "valgrind_dispatch: $vg_runs runs under valgrind memcheck"
finish
