#!/usr/bin/env bash
# crash_test.sh: the dispatcher is killed with SIGKILL at random moments
# across a run of many jobs and restarted each time; nothing is lost and
# nothing runs twice without a record of why.
#
# Set-up: 200 jobs imported at once and 100 more enqueued one by one by a
# background writer while the kills happen (80 and 40 in sanitizer builds). The installer is the fake
# installer behind a small wrapper that sleeps a random 0-50 ms and answers
# 1618 (retry later) about one time in twelve. The dispatcher polls every
# 50 ms and retries after 100-200 ms.
#
# The kill phase starts a dispatcher, lets it run a random 10-600 ms and
# kills it with SIGKILL, at least KILLS times (default 25, 12 in sanitizer
# builds) and until at least MIN_MID_JOB kills (default 8, 5) landed while an
# installer was running; after every kill it checks that at most one job is
# running. A final `msiq run --drain` then finishes the queue. Afterwards:
#   - the queue holds exactly the acknowledged jobs (every id that import
#     and enqueue printed, no other) and every one of them succeeded;
#   - each job's history is numbered 1..n, every attempt is closed, every
#     attempt but the last is `interrupted` or `retry`, the last succeeded;
#   - per job, the fake installer's argv log (one line per start, found by
#     the job's log path .../job-ID.log) has no more starts than recorded
#     attempts, and no fewer than its attempts that were not interrupted (an
#     interrupted attempt may have been recorded just before the kill and
#     never started); so a job started twice always has an interrupted or a
#     retry attempt in its history;
#   - every attempt a kill left open (a job seen running right after the
#     kill; a dispatcher killed before its recovery committed leaves the same
#     one again) is exactly one interrupted attempt, and there are no other
#     interrupted attempts; the dispatchers' "recovered" lines add up to no
#     more than that, one job each;
#   - `msiq doctor` is clean: quick_check ok, nothing queued, running or
#     retrying.
# Prints the figures: kills, kills while an installer ran, jobs, starts,
# interrupted and retried attempts, elapsed time.
# shellcheck source-path=SCRIPTDIR source=../cli/lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../cli/lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

cd "$work_dir" || exit 1

kills_wanted=${KILLS:-25}
min_mid_job=${MIN_MID_JOB:-8}
max_kills=80
imported=200
enqueued=100
# Sanitizer builds (tests/CMakeLists.txt) start every process about ten times
# slower, and this script starts one per job, per kill and per check: there it
# kills fewer times over a smaller queue, which still has jobs running at
# every kill, so every path (recovery, retry, interrupted attempts) is taken.
if [ -n "${MSIQ_TEST_SANITIZED:-}" ]; then
  kills_wanted=${KILLS:-12}
  min_mid_job=${MIN_MID_JOB:-5}
  imported=80
  enqueued=40
fi
started_ms=$(now_ms)

mkdir -p "$work_dir/codes"
export MSIQ_SIM_EXIT_CODE_DIR="$work_dir/codes"
export FAKE_INSTALLER_LOG="$work_dir/argv.log"
run_log="$work_dir/run.log"
: >"$run_log"

# The installer: a random 0-50 ms of work, and 1618 one time in twelve.
cat >"$work_dir/installer" <<EOF
#!/usr/bin/env bash
export FAKE_INSTALLER_SLEEP_MS=\$((RANDOM % 51))
if [ \$((RANDOM % 12)) -eq 0 ]; then export FAKE_INSTALLER_DEFAULT_CODE=1618; fi
exec "$MSIQ_FAKE_INSTALLER" "\$@"
EOF
chmod 755 "$work_dir/installer"
export MSIQ_INSTALLER="$work_dir/installer"

writer_pid=""
cleanup_pid_variables="$cleanup_pid_variables writer_pid"

run_options=(--poll 50ms --retry-base 100ms --retry-max 200ms)

# ---------------------------------------------------------------------------
# The queue: $imported jobs imported at once.
jq -n --arg dir "$work_dir/pkg" --argjson n "$imported" \
  '[range(1; $n + 1) | {target: "\($dir)/imported-\(.).msi", no_check: true,
     max_attempts: 100, properties: {SEQ: .}}]' >"$work_dir/manifest.json"
run import "$work_dir/manifest.json"
check_status 0 "import of $imported jobs"
printf '%s\n' "$out" | grep -E '^[0-9]+$' >"$work_dir/acked"
check_equal "$(wc -l <"$work_dir/acked" | tr -d ' ')" "$imported" "import printed $imported ids"

# A writer that enqueues $enqueued more jobs while the dispatchers are killed; an
# enqueue counts as acknowledged when it printed an id.
writer() {
  local i id rc
  for ((i = 1; i <= enqueued; i++)); do
    id=$(msiq enqueue --no-check --max-attempts 100 "$work_dir/pkg/enqueued-$i.msi" "SEQ=$i" 2>>"$work_dir/writer.err")
    rc=$?
    if [ "$rc" -eq 0 ] && [[ "$id" =~ ^[0-9]+$ ]]; then
      echo "$id" >>"$work_dir/writer.acked"
    else
      echo "enqueue $i: exit $rc, output '$id'" >>"$work_dir/writer.fail"
    fi
    sleep "0.0$((RANDOM % 10))"
  done
}
: >"$work_dir/writer.acked"
writer &
writer_pid=$!

# ---------------------------------------------------------------------------
# The kill phase.
kills=0
mid_job_kills=0
: >"$work_dir/open_attempts"
start_failures=0
too_many_running=0
while [ "$kills" -lt "$max_kills" ]; do
  if [ "$kills" -ge "$kills_wanted" ] && [ "$mid_job_kills" -ge "$min_mid_job" ]; then
    break
  fi
  ${MSIQ_RUNNER:-} "$MSIQ_BIN" run "${run_options[@]}" >>"$run_log" 2>&1 &
  dispatcher_pid=$!
  sleep "$(printf '0.%03d' $((10 + RANDOM % 591)))"
  if ! kill -0 "$dispatcher_pid" 2>/dev/null; then
    # It ended on its own: that is a failure (another dispatcher's lock
    # still held, a database error...).
    wait "$dispatcher_pid"
    rc=$?
    start_failures=$((start_failures + 1))
    echo "dispatcher ended on its own with exit $rc before kill $((kills + 1))" >>"$work_dir/start.fail"
    dispatcher_pid=""
    continue
  fi
  kill -KILL "$dispatcher_pid"
  wait "$dispatcher_pid" 2>/dev/null
  dispatcher_pid=""
  kills=$((kills + 1))
  running_json=$(msiq --json list --state running 2>>"$work_dir/query.err")
  running=$(printf '%s' "$running_json" | jq length)
  if [ "${running:-x}" = "1" ]; then
    mid_job_kills=$((mid_job_kills + 1))
    # The open attempt (job:attempt) this kill left behind. A dispatcher
    # killed before its crash recovery committed leaves the same one again.
    printf '%s' "$running_json" | jq -r '.[0] | "\(.id):\(.attempts)"' >>"$work_dir/open_attempts"
  elif [ "${running:-x}" != "0" ]; then
    too_many_running=$((too_many_running + 1))
    echo "after kill $kills: running jobs: '${running:-?}'" >>"$work_dir/running.fail"
  fi
done
wait "$writer_pid"
writer_pid=""

if [ "$kills" -ge "$kills_wanted" ]; then pass; else fail "only $kills kills (wanted $kills_wanted)"; fi
if [ "$mid_job_kills" -ge "$min_mid_job" ]; then pass; else
  fail "only $mid_job_kills of $kills kills landed while an installer ran (wanted $min_mid_job)"
fi
if [ "$start_failures" -eq 0 ]; then pass; else
  fail "$start_failures dispatchers ended on their own during the kill phase: $(head -n 3 "$work_dir/start.fail"); run log: $(grep 'msiq:' "$run_log" | head -n 3)"
fi
if [ "$too_many_running" -eq 0 ]; then pass; else
  fail "after $too_many_running kills the number of running jobs was not 0 or 1: $(head -n 3 "$work_dir/running.fail")"
fi
check_equal "$(cat "$work_dir/query.err" 2>/dev/null)" "" "queries between the kills printed no error"
if [ -e "$work_dir/writer.fail" ]; then
  fail "enqueues failed while dispatchers were killed: $(head -n 3 "$work_dir/writer.fail") ($(head -n 3 "$work_dir/writer.err"))"
else
  pass
fi
check_equal "$(wc -l <"$work_dir/writer.acked" | tr -d ' ')" "$enqueued" "the writer got $enqueued ids"
cat "$work_dir/writer.acked" >>"$work_dir/acked"
total=$((imported + enqueued))

# ---------------------------------------------------------------------------
# The final drain.
# shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
timeout 120 ${MSIQ_RUNNER:-} "$MSIQ_BIN" run "${run_options[@]}" --drain >>"$run_log" 2>&1
check_equal "$?" "0" "the final drain run exits 0"
check_equal "$(grep -c 'msiq:' "$run_log")" "0" "no dispatcher printed an error ($(grep -m 1 'msiq:' "$run_log"))"

run --json list
check_status 0 "list after the drain"
list_json=$out
check_equal "$(jq_of "$list_json" 'length')" "$total" "the queue holds every acknowledged job, no more"
check_equal "$(jq_of "$list_json" '[.[].id] | unique | length')" "$total" "ids are distinct"
check_equal "$(jq_of "$list_json" '.[].id' | sort -n | tr '\n' ' ')" "$(sort -n "$work_dir/acked" | tr '\n' ' ')" \
  "the stored ids are exactly the acknowledged ids"
check_equal "$(jq_of "$list_json" '[.[] | select(.state != "succeeded")] | length')" "0" \
  "every job succeeded (not: $(jq_of "$list_json" '[.[] | select(.state != "succeeded") | "\(.id) \(.state) \(.last_error)"] | .[0:3] | join("; ")'))"

# Every job with its history, one JSON array.
jq_of "$list_json" '.[].id' | while read -r id; do
  msiq --json show "$id"
done | jq -s '.' >"$work_dir/jobs.json"
jobs_json=$(cat "$work_dir/jobs.json")
check_equal "$(jq_of "$jobs_json" 'length')" "$total" "show --json worked for every job"
check_equal "$(jq_of "$jobs_json" '[.[] | select([.history[].attempt] != [range(1; (.history | length) + 1)])] | length')" "0" \
  "every history is numbered 1..n"
check_equal "$(jq_of "$jobs_json" '[.[] | select(.attempts != (.history | length))] | length')" "0" \
  "every job's attempt count equals its history length"
check_equal "$(jq_of "$jobs_json" '[.[].history[] | select(.finished_at == null)] | length')" "0" \
  "every attempt is closed"
check_equal "$(jq_of "$jobs_json" '[.[] | select(.history[-1].outcome != "succeeded")] | length')" "0" \
  "every job's last attempt succeeded"
check_equal "$(jq_of "$jobs_json" '[.[] | select([.history[:-1][].outcome | select(. != "interrupted" and . != "retry")] | length > 0)] | length')" "0" \
  "every earlier attempt was interrupted or retried (1618)"

# Starts per job from the argv log: the job's id is in its log path.
if grep -q . "$FAKE_INSTALLER_LOG"; then pass; else fail "the installer never ran"; fi
unparsed=$(grep -cv '\[/l\*v\] \[[^]]*/job-[0-9]*\.log\]' "$FAKE_INSTALLER_LOG")
check_equal "$unparsed" "0" "every argv line names a job-ID.log"
sed -n 's/.*\[\/l\*v\] \[[^]]*\/job-\([0-9]*\)\.log\].*/\1/p' "$FAKE_INSTALLER_LOG" |
  sort -n | uniq -c | awk '{print "{\"id\":" $2 ",\"starts\":" $1 "}"}' | jq -s '.' >"$work_dir/starts.json"
report=$(jq -n --slurpfile jobs "$work_dir/jobs.json" --slurpfile starts "$work_dir/starts.json" '
  ($starts[0] | map({key: (.id | tostring), value: .starts}) | from_entries) as $s
  | ($jobs[0] | map(.id | tostring)) as $known
  | [$jobs[0][] | {id, starts: ($s[.id | tostring] // 0),
                    attempts: (.history | length),
                    interrupted: ([.history[] | select(.outcome == "interrupted")] | length),
                    retried: ([.history[] | select(.outcome == "retry")] | length)}] as $per
  | {unknown: [$s | keys[] | select(. as $k | $known | index($k) | not)],
     more_starts: [$per[] | select(.starts > .attempts)],
     missing_starts: [$per[] | select(.starts < .attempts - .interrupted)],
     twice_unexplained: [$per[] | select(.starts > 1 and .interrupted + .retried == 0)],
     starts: ([$per[].starts] | add), attempts: ([$per[].attempts] | add),
     interrupted: ([$per[].interrupted] | add), retried: ([$per[].retried] | add),
     started_more_than_once: ([$per[] | select(.starts > 1)] | length)}')
check_equal "$(jq_of "$report" '.unknown | length')" "0" "no installer ran for a job that is not in the queue ($(jq_of "$report" '.unknown[0:3] | join(",")'))"
check_equal "$(jq_of "$report" '.more_starts | length')" "0" \
  "no job started more often than its recorded attempts ($(jq_of "$report" '.more_starts[0:3] | tostring'))"
check_equal "$(jq_of "$report" '.missing_starts | length')" "0" \
  "every attempt that was not interrupted started the installer ($(jq_of "$report" '.missing_starts[0:3] | tostring'))"
check_equal "$(jq_of "$report" '.twice_unexplained | length')" "0" \
  "a job started twice has an interrupted or retried attempt ($(jq_of "$report" '.twice_unexplained[0:3] | tostring'))"
interrupted=$(jq_of "$report" '.interrupted')
open_attempts=$(sort -u "$work_dir/open_attempts" | wc -l | tr -d ' ')
check_equal "$interrupted" "$open_attempts" "each attempt a kill left open is one interrupted attempt, and there are no others"
not_interrupted=$(sort -u "$work_dir/open_attempts" | while IFS=: read -r id attempt; do
  jq -r --argjson id "$id" --argjson n "$attempt" \
    '.[] | select(.id == $id) | select(.history[$n - 1].outcome != "interrupted") | "\(.id):\($n)"' "$work_dir/jobs.json"
done)
check_equal "$not_interrupted" "" "every attempt a kill left open is recorded as interrupted"
recovered=$(sed -n 's/.*recovered \([0-9]*\) jobs\{0,1\} left running.*/\1/p' "$run_log" | awk '{s += $1} END {print s + 0}')
# A dispatcher killed between its recovery commit and the report line leaves
# no line, so the lines may count fewer, never more.
if [ "$recovered" -le "$interrupted" ] && [ "$recovered" -gt 0 ]; then pass; else
  fail "the dispatchers' recovery lines count $recovered recovered jobs for $interrupted interrupted attempts"
fi
check_equal "$(grep -c 'recovered [0-9]* jobs left running' "$run_log")" "0" \
  "no dispatcher recovered more than one job at once (one job runs at a time)"

run doctor
check_status 0 "doctor after the crashes"
check_match "$out" '^quick_check: +ok$' "doctor: quick_check ok"
for state in queued running retrying failed cancelled; do
  check_match "$out" "^$state +0\$" "doctor: no $state job"
done
check_match "$out" "^succeeded +$total\$" "doctor: $total succeeded"

elapsed_ms=$(($(now_ms) - started_ms))
echo "crash_test figures: kills=$kills kills_while_installing=$mid_job_kills jobs=$total" \
  "starts=$(jq_of "$report" .starts) attempts=$(jq_of "$report" .attempts)" \
  "attempts_left_open=$open_attempts interrupted=$interrupted recovery_lines=$recovered retried_1618=$(jq_of "$report" .retried)" \
  "jobs_started_more_than_once=$(jq_of "$report" .started_more_than_once)" \
  "elapsed=$((elapsed_ms / 1000)).$(printf '%03d' $((elapsed_ms % 1000)))s"
finish
