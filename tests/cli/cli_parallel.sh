#!/usr/bin/env bash
# cli_parallel.sh: many administrators (or scripts) enqueueing at once. Eight
# background processes each enqueue 200 jobs (50 in sanitizer builds) into
# one fresh database; every enqueue must succeed (the busy timeout and BEGIN
# IMMEDIATE serialise the writers, so nobody sees "database is locked"), and
# afterwards the queue holds all of them (1600) with distinct ids.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

writers=8
jobs_per_writer=200
rounds=50
# Sanitizer builds (tests/CMakeLists.txt): eight writers still contend for
# the write lock on every enqueue, with fewer enqueues each.
if [ -n "${MSIQ_TEST_SANITIZED:-}" ]; then
  jobs_per_writer=50
  rounds=15
fi
total=$((writers * jobs_per_writer))

# Creating the database first would hide races in creation and migration, so
# the writers start on a path where nothing exists yet.
check_no_database "the database does not exist before the writers start"
run_writers "$writers" "$jobs_per_writer"

for ((n = 1; n <= writers; n++)); do
  if [ -e "$work_dir/fail.$n" ]; then
    fail "writer $n had failures: $(head -n 3 "$work_dir/fail.$n") (stderr: $(head -n 3 "$work_dir/err.$n"))"
  else
    pass
  fi
  if grep -qi 'locked' "$work_dir/err.$n"; then
    fail "writer $n saw a locked database: $(grep -i -m 1 'locked' "$work_dir/err.$n")"
  else
    pass
  fi
  check_equal "$(wc -c <"$work_dir/err.$n" | tr -d ' ')" "0" "writer $n printed nothing on stderr"
  check_equal "$(grep -Ec '^[0-9]+$' "$work_dir/ids.$n")" "$jobs_per_writer" "writer $n printed $jobs_per_writer ids"
done

run --json list
check_status 0 "list after the writers exits 0"
check_equal "$(jq_of "$out" 'length')" "$total" "the queue holds every job"
check_equal "$(jq_of "$out" '[.[].id] | unique | length')" "$total" "every job has its own id"
check_equal "$(jq_of "$out" '[.[].target] | unique | length')" "$total" "every target was stored once"
printed_ids=$(cat "$work_dir"/ids.* | sort -n | tr '\n' ' ')
stored_ids=$(jq_of "$out" '.[].id' | sort -n | tr '\n' ' ')
check_equal "$printed_ids" "$stored_ids" "the printed ids are exactly the stored ids"
check_equal "$(jq_of "$out" '[.[] | select((.properties | keys_unsorted) != ["WRITER", "SEQ"])] | length')" "0" \
  "every job kept its properties in order"
check_equal "$(jq_of "$out" "[.[] | select(.target != \"$work_dir/w\" + .properties.WRITER + \"/pkg\" + .properties.SEQ + \".msi\")] | length")" "0" \
  "every job's properties belong to its own target"
run doctor
check_match "$out" '^quick_check:    ok$' "the database passes quick_check after the writers"

# The first moments of a database are the riskiest: creation, the switch to
# WAL mode and the first migration all happen while others try the same. Race
# eight first enqueues into a fresh database, many times over ($rounds).
race_failures=0
race_jobs=0
for ((r = 1; r <= rounds; r++)); do
  race_db="$work_dir/race$r.db"
  for ((n = 1; n <= writers; n++)); do
    MSIQ_DB=$race_db msiq enqueue --no-check "$work_dir/race/pkg$n.msi" \
      >/dev/null 2>>"$work_dir/race.err" || echo "round $r writer $n" >>"$work_dir/race.fail" &
  done
  wait
  race_count=$(MSIQ_DB=$race_db msiq --json list | jq length)
  race_jobs=$((race_jobs + ${race_count:-0}))
done
if [ -e "$work_dir/race.fail" ]; then
  race_failures=$(wc -l <"$work_dir/race.fail" | tr -d ' ')
fi
if [ "$race_failures" -eq 0 ]; then
  pass
else
  fail "racing first enqueues into fresh databases: $race_failures of $((rounds * writers)) failed, first: $(head -n 1 "$work_dir/race.err")"
fi
check_equal "$race_jobs" "$((rounds * writers))" "racing first enqueues stored every job"

finish
