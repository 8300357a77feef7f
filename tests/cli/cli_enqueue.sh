#!/usr/bin/env bash
# cli_enqueue.sh: `msiq enqueue` as an administrator uses it. Proves that the
# new id alone goes to stdout (ids increase), that --json prints the full job
# object, that every option (action, priority, times, attempts, timeout,
# after, key, exit codes, --no-check) is stored as given, that properties keep
# their order and their exact values, that relative package paths are stored
# absolute, that an idempotency key is honoured until its job is finished
# (even when its package has gone meanwhile),
# that global options work on either side of the command name and that --db
# beats $MSIQ_DB, and that --version / --help print to stdout and exit 0.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

cd "$work_dir" || exit 1
make_package "$work_dir/app.msi"
make_package "$work_dir/UPPER.MSI"
make_patch_package "$work_dir/fix.msp"
# The id alone on stdout, and ids increase.
run enqueue "$work_dir/app.msi"
check_status 0 "enqueue exits 0"
check_match "$out" '^[0-9]+$' "enqueue prints only the id"
check_equal "$err" "" "enqueue prints nothing on stderr"
first_id=$out
run enqueue "$work_dir/app.msi"
check_match "$out" '^[0-9]+$' "second enqueue prints only the id"
if [ "$out" -gt "$first_id" ]; then pass; else fail "ids increase: $first_id then $out"; fi

# --json: one object with every documented field.
run --json enqueue "$work_dir/app.msi"
check_status 0 "enqueue --json exits 0"
check_equal "$(jq_of "$out" 'type')" "object" "enqueue --json prints an object"
for field in id state action target properties priority attempts max_attempts \
             exit_code reboot_required not_before deadline after key \
             created_at started_at finished_at last_error timeout_ms \
             exit_code_rules; do
  check_equal "$(jq_of "$out" "has(\"$field\")")" "true" "enqueue --json has field $field"
done
check_equal "$(jq_of "$out" '.state')" "queued" "a new job is queued"
check_equal "$(jq_of "$out" '.action')" "install" "the default action is install"
check_equal "$(jq_of "$out" '.priority')" "0" "the default priority is 0"
check_equal "$(jq_of "$out" '.attempts')" "0" "a new job has no attempts"
check_equal "$(jq_of "$out" '.max_attempts')" "10" "the default max_attempts is 10"
check_equal "$(jq_of "$out" '.reboot_required')" "false" "reboot_required starts false"
check_equal "$(jq_of "$out" '.started_at')" "null" "a new job has not started"
check_match "$(jq_of "$out" '.created_at')" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
  "created_at is ISO 8601 UTC"

# --json after the command name means the same.
run enqueue "$work_dir/app.msi" --json
check_status 0 "enqueue ... --json exits 0"
check_equal "$(jq_of "$out" 'has("id") and has("state")')" "true" "--json after the command name"

# Properties keep their order; values with spaces and quotes survive.
value_with_quotes='C:\Program Files\My "App" it'"'"'s'
run --json enqueue "$work_dir/app.msi" Z=1 A=2 M=3 "INSTALLDIR=$value_with_quotes" "CONN=a=b;c=d"
check_status 0 "enqueue with properties exits 0"
check_equal "$(jq_of "$out" '.properties | keys_unsorted | join(",")')" "Z,A,M,INSTALLDIR,CONN" \
  "properties keep the order given"
check_equal "$(jq_of "$out" '.properties.Z + .properties.A + .properties.M')" "123" "property values kept"
check_equal "$(jq_of "$out" '.properties.INSTALLDIR')" "$value_with_quotes" \
  "a value with spaces and quotes survives"
check_equal "$(jq_of "$out" '.properties.CONN')" "a=b;c=d" "a value may itself contain '='"
props_id=$(jq_of "$out" '.id')
run show "$props_id"
check_match "$out" 'property: +INSTALLDIR=C:\\Program Files\\My "App" it'"'"'s' "show prints the property value"

# A relative package path is stored absolute.
mkdir -p "$work_dir/sub"
make_package "$work_dir/sub/rel.msi"
run --json enqueue sub/rel.msi
check_status 0 "enqueue of a relative path exits 0"
check_equal "$(jq_of "$out" '.target')" "$(pwd -P)/sub/rel.msi" "a relative path is stored absolute"

# Other actions.
product_code='{12345678-ABCD-ef01-2345-6789ABCDEF01}'
run --json enqueue --action uninstall "$product_code"
check_status 0 "uninstall by product code exits 0"
check_equal "$(jq_of "$out" '.action')" "uninstall" "uninstall action stored"
check_equal "$(jq_of "$out" '.target')" "$product_code" "product code stored as given"
run --json enqueue -a repair "$product_code"
check_status 0 "repair by product code exits 0"
check_equal "$(jq_of "$out" '.action')" "repair" "repair action stored"
run --json enqueue --action=repair "$work_dir/app.msi"
check_status 0 "repair of a package (--action=VALUE form) exits 0"
check_equal "$(jq_of "$out" '.action + " " + .target')" "repair $work_dir/app.msi" "repair of a package stored"
run --json enqueue --action patch "$work_dir/fix.msp"
check_status 0 "patch .msp exits 0"
check_equal "$(jq_of "$out" '.action + " " + .target')" "patch $work_dir/fix.msp" "patch stored"
run --json enqueue "$work_dir/UPPER.MSI"
check_status 0 "an upper-case .MSI extension is accepted"
check_equal "$(jq_of "$out" '.target')" "$work_dir/UPPER.MSI" "upper-case target stored"

# Scheduling options.
before_s=$(date -u +%s)
run --json enqueue "$work_dir/app.msi" --priority 7 --not-before +30m \
  --max-attempts 3 --timeout 15m
after_s=$(date -u +%s)
check_status 0 "enqueue with scheduling options exits 0"
check_equal "$(jq_of "$out" '.priority')" "7" "--priority stored"
check_equal "$(jq_of "$out" '.max_attempts')" "3" "--max-attempts stored"
check_equal "$(jq_of "$out" '.timeout_ms')" "900000" "--timeout 15m is 900000 ms"
not_before_s=$(jq_of "$out" '.not_before | fromdate')
created_s=$(jq_of "$out" '.created_at | fromdate')
if [ "$not_before_s" -ge $((before_s + 1800 - 1)) ] && [ "$not_before_s" -le $((after_s + 1800 + 1)) ]; then
  pass
else
  fail "--not-before +30m: stored $not_before_s, expected now+1800 in [$((before_s + 1800)), $((after_s + 1800))]"
fi
if [ "$not_before_s" -gt "$created_s" ]; then pass; else fail "not_before $not_before_s is not after created_at $created_s"; fi
run --json enqueue -p -5 "$work_dir/app.msi"
check_equal "$(jq_of "$out" '.priority')" "-5" "-p with a negative priority"

run --json enqueue "$work_dir/app.msi" --deadline 2031-02-03T04:05:06Z
check_status 0 "enqueue --deadline exits 0"
check_equal "$(jq_of "$out" '.deadline')" "2031-02-03T04:05:06Z" "--deadline round-trips exactly"
check_equal "$(jq_of "$out" '.not_before')" "null" "no not_before unless given"

# --after ID.
run enqueue "$work_dir/app.msi" --after "$first_id"
check_status 0 "enqueue --after exits 0"
after_job=$out
run --json show "$after_job"
check_equal "$(jq_of "$out" '.after | map(tostring) | join(",")')" "$first_id" "--after stored"

# --exit-code.
run --json enqueue "$work_dir/app.msi" --exit-code 1603=retry --exit-code 3010=success
check_status 0 "enqueue --exit-code exits 0"
check_equal "$(jq_of "$out" '.exit_code_rules["1603"]')" "retry" "--exit-code 1603=retry stored"
check_equal "$(jq_of "$out" '.exit_code_rules["3010"]')" "success" "second --exit-code stored"

# --no-check allows a package that does not exist now.
run --json enqueue --no-check '\\server\share\offline.msi'
check_status 0 "--no-check with a missing package exits 0"
run --json enqueue --no-check "$work_dir/missing/later.msi"
check_status 0 "--no-check with a missing local package exits 0"
check_equal "$(jq_of "$out" '.target')" "$work_dir/missing/later.msi" "--no-check target stored"

# Idempotency key.
run enqueue "$work_dir/app.msi" --key office-2024
check_status 0 "keyed enqueue exits 0"
keyed_id=$out
count_before=$(msiq --json list | jq length)
run enqueue "$work_dir/app.msi" --key office-2024
check_status 0 "repeated keyed enqueue exits 0"
check_equal "$out" "$keyed_id" "the same key prints the same id"
check_match "$err" "^msiq: warning: .*office-2024.*$keyed_id" "repeated key warns on stderr"
check_equal "$(msiq --json list | jq length)" "$count_before" "repeated key adds no job"
run --json enqueue -k office-2024 "$work_dir/app.msi"
check_equal "$(jq_of "$out" '.id')" "$keyed_id" "repeated key with --json shows the existing job"
run cancel "$keyed_id"
check_status 0 "cancel the keyed job"
run enqueue "$work_dir/app.msi" --key office-2024
check_status 0 "key of a finished job may be used again"
check_match "$out" '^[0-9]+$' "new keyed job prints its id"
if [ "$out" != "$keyed_id" ]; then pass; else fail "a cancelled job's key made no new job (got $out again)"; fi
check_equal "$(msiq --json list | jq length)" "$((count_before + 1))" "a new keyed job was added"
# The key answers its unfinished job before the package is looked for, so a
# script run again after its share went offline gets the job it made.
make_package "$work_dir/gone.msi"
run enqueue "$work_dir/gone.msi" --key gone-later
check_status 0 "keyed enqueue of a package that exists now"
gone_id=$out
rm -f "$work_dir/gone.msi"
run enqueue "$work_dir/gone.msi" --key gone-later
check_status 0 "the same key after the package went exits 0"
check_equal "$out" "$gone_id" "the same key after the package went prints the same id"
run cancel "$gone_id"
run enqueue "$work_dir/gone.msi" --key gone-later
check_status 2 "a new job for a missing package is refused"
check_match "$err" "gone\.msi' does not exist" "the refusal names the missing package"

# --db takes precedence over MSIQ_DB.
saved_db=$MSIQ_DB
export MSIQ_DB="$work_dir/env.db"
run --db "$work_dir/flag.db" enqueue "$work_dir/app.msi"
check_status 0 "enqueue --db exits 0"
if [ -e "$work_dir/flag.db" ]; then pass; else fail "--db did not create its database"; fi
if [ ! -e "$work_dir/env.db" ]; then pass; else fail "\$MSIQ_DB was used although --db was given"; fi
run enqueue "$work_dir/app.msi" --db="$work_dir/flag.db"
check_equal "$out" "2" "--db=PATH after the command name uses the same database"
export MSIQ_DB=$saved_db

# --version and --help.
run --version
check_status 0 "--version exits 0"
check_match "$out" '^msiq [0-9]+\.[0-9]+' "--version prints the version"
check_equal "$err" "" "--version prints nothing on stderr"
run --help
check_status 0 "--help exits 0"
check_match "$out" '^usage: msiq' "--help prints usage on stdout"
check_match "$out" 'enqueue' "--help lists enqueue"
check_equal "$err" "" "--help prints nothing on stderr"
run enqueue --help
check_status 0 "enqueue --help exits 0"
check_match "$out" '^usage: msiq enqueue' "enqueue --help prints its usage"
check_match "$out" '--not-before' "enqueue --help lists its options"
check_equal "$err" "" "enqueue --help prints nothing on stderr"

finish
