#!/usr/bin/env bash
# cli_import.sh: `msiq import` enqueues a JSON manifest all or nothing. Proves
# that every field is stored (properties in order, after by id and by the key
# of an earlier item, priority, not_before, timeout, exit_codes), that ids are
# printed one per line (or as a JSON array with --json), that standard input
# works, that a manifest with one bad item leaves the queue untouched and
# names the item, that malformed input is refused, that --no-check allows
# missing packages, and that keys make a repeated import add nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

cd "$work_dir" || exit 1
app="$work_dir/app.msi"
make_package "$app"
make_patch_package "$work_dir/fix.msp"
run enqueue "$app"
check_status 0 "setup: enqueue an existing job"
existing_id=$out

# A manifest of three jobs.
cat > "$work_dir/three.json" <<EOF
[
  {"target": "$app", "key": "base",
   "properties": {"Z": "1", "A": 2, "M": "with space \"quoted\""},
   "priority": 5, "after": [$existing_id]},
  {"action": "patch", "target": "$work_dir/fix.msp", "key": "patch",
   "after": ["base"], "not_before": "2031-01-01T00:00:00Z", "timeout": "1h30m"},
  {"action": "uninstall", "target": "{12345678-1234-1234-1234-123456789012}",
   "key": "remove", "exit_codes": {"1605": "success", "1603": "retry"},
   "max_attempts": 2, "deadline": "2031-06-01T12:00:00Z"}
]
EOF
run import "$work_dir/three.json"
check_status 0 "import of three jobs exits 0"
check_equal "$err" "" "import prints nothing on stderr"
check_equal "$(printf '%s\n' "$out" | grep -c .)" "3" "import prints three lines"
check_equal "$(printf '%s\n' "$out" | grep -Ec '^[0-9]+$')" "3" "each line is an id"
ids=$out
id1=$(printf '%s\n' "$ids" | sed -n 1p)
id2=$(printf '%s\n' "$ids" | sed -n 2p)
id3=$(printf '%s\n' "$ids" | sed -n 3p)
if [ "$id1" -gt "$existing_id" ] && [ "$id2" -gt "$id1" ] && [ "$id3" -gt "$id2" ]; then
  pass
else
  fail "import ids are not new and increasing: $existing_id then $id1 $id2 $id3"
fi
check_equal "$(msiq --json list | jq length)" "4" "the queue has the three imported jobs"

run --json show "$id1"
check_equal "$(jq_of "$out" '.properties | keys_unsorted | join(",")')" "Z,A,M" "import keeps property order"
check_equal "$(jq_of "$out" '.properties.A')" "2" "a numeric property value becomes text"
check_equal "$(jq_of "$out" '.properties.M')" 'with space "quoted"' "a property value with spaces and quotes survives"
check_equal "$(jq_of "$out" '.priority')" "5" "import stores priority"
check_equal "$(jq_of "$out" '.after | map(tostring) | join(",")')" "$existing_id" "after by id of an existing job"
check_equal "$(jq_of "$out" '.key')" "base" "import stores key"
run --json show "$id2"
check_equal "$(jq_of "$out" '.action')" "patch" "import stores action"
check_equal "$(jq_of "$out" '.after | map(tostring) | join(",")')" "$id1" "after by key of an earlier item"
check_equal "$(jq_of "$out" '.not_before')" "2031-01-01T00:00:00Z" "import stores not_before"
check_equal "$(jq_of "$out" '.timeout_ms')" "5400000" "import stores timeout 1h30m"
run --json show "$id3"
check_equal "$(jq_of "$out" '.target')" "{12345678-1234-1234-1234-123456789012}" "import stores a product code"
check_equal "$(jq_of "$out" '.exit_code_rules | tojson')" '{"1603":"retry","1605":"success"}' "import stores exit_codes"
check_equal "$(jq_of "$out" '.max_attempts')" "2" "import stores max_attempts"
check_equal "$(jq_of "$out" '.deadline')" "2031-06-01T12:00:00Z" "import stores deadline"

# The same manifest again: keys name unfinished jobs, so nothing is added.
count=$(msiq --json list | jq length)
run import "$work_dir/three.json"
check_status 0 "repeated import exits 0"
check_equal "$out" "$ids" "repeated import prints the same ids"
check_equal "$(msiq --json list | jq length)" "$count" "repeated import adds no job"

# Standard input, and --json.
run import - <<EOF
[{"target": "$app"}, {"target": "$app", "priority": -1}]
EOF
check_status 0 "import - exits 0"
check_equal "$(printf '%s\n' "$out" | grep -Ec '^[0-9]+$')" "2" "import - prints two ids"
run --json import - <<EOF
[{"target": "$app"}, {"target": "$app"}]
EOF
check_status 0 "import --json exits 0"
check_equal "$(jq_of "$out" 'type')" "array" "import --json prints an array"
check_equal "$(jq_of "$out" 'length')" "2" "import --json array has both ids"
check_equal "$(jq_of "$out" 'map(type) | unique | join(",")')" "number" "import --json array holds numbers"
run import - --json <<EOF
[]
EOF
check_status 0 "an empty manifest is accepted"
check_equal "$out" "[]" "an empty manifest prints an empty array"

# Atomicity: the third item is bad, so the first two are not kept either.
# make_manifest THIRD_ITEM_JSON: two good items (one keyed, one after it)
# followed by the given third item.
make_manifest() {
  cat <<EOF
[
  {"target": "$app", "key": "atomic-one", "properties": {"A": "1"}},
  {"target": "$app", "after": ["atomic-one"]},
  $1
]
EOF
}
check_atomic() {
  local third=$1 regex=$2 description=$3 count_before
  make_manifest "$third" > "$work_dir/bad.json"
  count_before=$(msiq --json list | jq length)
  check_rejected 2 "import item 3: .*$regex" "$description" import "$work_dir/bad.json"
  check_equal "$(msiq --json list | jq length)" "$count_before" "$description: job count unchanged"
}
check_atomic "{\"target\": \"$app\", \"colour\": \"blue\"}" 'unknown field "colour"' \
  "third item with an unknown field"
check_atomic "{\"target\": \"$app\", \"priority\": \"high\"}" '"priority" must be an integer' \
  "third item with priority \"high\""
check_atomic "{\"target\": \"$app\", \"properties\": {\"9X\": \"1\"}}" "invalid property name '9X'" \
  "third item with a bad property name"
check_atomic '{"priority": 1}' '"target" is missing' \
  "third item without a target"
check_atomic "{\"target\": \"$work_dir/nowhere.msi\"}" "nowhere\.msi.*does not exist" \
  "third item with a nonexistent package"
check_atomic "{\"target\": \"$app\", \"after\": [\"no-such-key\"]}" "no-such-key" \
  "third item after an unknown key"
check_atomic '"just a string"' "expected a job object" \
  "third item that is not an object"
# The good items' key was rolled back with them: it can be imported anew.
run import - <<EOF
[{"target": "$app", "key": "atomic-one"}]
EOF
check_status 0 "the key of a rolled-back item is free"

# Malformed input.
check_rejected 2 "expected a JSON array of jobs \\(or one job object\\), not text" "a manifest that is a string" \
  import - <<EOF
"$app"
EOF
check_rejected 2 "the input is not JSON" "a manifest that is not JSON" \
  import - <<EOF
[{"target": "$app",
EOF
check_rejected 2 "cannot open .*no-such-file\.json" "a manifest file that does not exist" \
  import "$work_dir/no-such-file.json"
check_rejected 2 "import: missing FILE" "import without a file" \
  import

# --no-check allows packages that are missing now (also per item).
run import --no-check - <<EOF
[{"target": "$work_dir/later/one.msi"}, {"target": "$work_dir/later/two.msi"}]
EOF
check_status 0 "import --no-check with missing packages exits 0"
check_equal "$(printf '%s\n' "$out" | grep -Ec '^[0-9]+$')" "2" "import --no-check prints two ids"
run --json show "$(printf '%s\n' "$out" | sed -n 2p)"
check_equal "$(jq_of "$out" '.target')" "$work_dir/later/two.msi" "a missing package is stored as given"
run import - <<EOF
[{"target": "$work_dir/later/three.msi", "no_check": true}]
EOF
check_status 0 "an item with no_check true may name a missing package"

# Into a database that does not exist yet: the in-memory rehearsal becomes
# the database (msiq_store_publish_new), with the ids it printed, in WAL
# mode, with no temporary copy left behind; a bad manifest creates nothing.
fresh_dir="$work_dir/fresh"
mkdir -p "$fresh_dir"
chmod 700 "$fresh_dir"
MSIQ_DB="$fresh_dir/queue.db" check_rejected 2 'import item 2: "target" is missing' \
  "a bad manifest for a new database" import - <<EOF
[{"target": "$app"}, {"priority": 1}]
EOF
MSIQ_DB="$fresh_dir/queue.db" check_no_database "a bad manifest creates no database"
MSIQ_DB="$fresh_dir/queue.db" run import - <<EOF
[{"target": "$app", "key": "one"}, {"target": "$app", "after": ["one"]}]
EOF
check_status 0 "import into a new database exits 0"
check_equal "$(printf '%s\n' "$out" | tr '\n' ' ')" "1 2 " "a new database gets the ids the import printed"
check_equal "$(MSIQ_DB="$fresh_dir/queue.db" msiq --json show 2 | jq -c '[.target, .after]')" \
  "[\"$app\",[1]]" "the new database holds the imported jobs and their dependency"
# Bytes 18 and 19 of a SQLite database are 2 in WAL mode.
check_equal "$(od -An -tu1 -j18 -N2 "$fresh_dir/queue.db" | xargs)" "2 2" \
  "the new database is in WAL mode"
check_equal "$(find "$fresh_dir" -name '*.new-*' | wc -l)" "0" "no temporary copy is left"
MSIQ_DB="$fresh_dir/queue.db" run enqueue "$app"
check_equal "$out" "3" "the next enqueue follows the imported ids"

# "log_mode": msiexec's /l letters, as enqueue --log-mode takes them.
printf '[{"target": "%s", "log_mode": "V*+"}]\n' "$app" >"$work_dir/mode.json"
run --json import "$work_dir/mode.json"
check_status 0 "import with a log_mode exits 0"
mode_id=$(jq_of "$out" '.[0]')
check_equal "$(msiq --json show "$mode_id" | jq -r .log_mode)" "*v+" "import stores log_mode, canonical"
printf '[{"target": "%s"}, {"target": "%s", "log_mode": "*vz"}]\n' "$app" "$app" >"$work_dir/bad-mode.json"
check_rejected 2 "import item 2: \"log_mode\": log mode letter 'z' is not one of msiexec's /l letters" \
  "import refuses a log_mode with a bad letter, nothing imported" import "$work_dir/bad-mode.json"

finish
