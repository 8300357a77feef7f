#!/usr/bin/env bash
# cli_examples.sh: the files in examples/ are accepted by the msiq they ship
# with. Every example manifest (examples/*.json) imports into a scratch queue
# with --no-check (its packages live on a Windows machine), every job it
# makes has a deadline and a not-before time that are not in the past (a
# manifest carrying fixed dates goes stale the day after it was written), and
# importing it again adds nothing (its keys are versioned).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"

examples_dir="$MSIQ_TESTS_DIR/../examples"
cd "$work_dir" || exit 1

# ---------------------------------------------------------------------------
# 1. Manifests.
manifests=("$examples_dir"/*.json)
check_match "${#manifests[@]}" '^[1-9][0-9]*$' "examples: at least one manifest"
for manifest in "${manifests[@]}"; do
  name=$(basename "$manifest")
  export MSIQ_DB="$work_dir/$name.db"
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  run --json import --no-check "$manifest"
  check_status 0 "$name: import --no-check exits 0"
  check_equal "$err" "" "$name: import prints nothing on stderr"
  ids=$(jq_of "$out" 'map(tostring) | join(" ")')
  check_equal "$(jq_of "$out" 'length')" "$(jq length "$manifest")" \
    "$name: one job per manifest item"
  run --json list
  # ISO 8601 UTC times compare as text.
  stale=$(printf '%s' "$out" | jq -r --arg now "$now" \
    '[.[] | select((.deadline != null and .deadline < $now) or (.not_before != null and .not_before < $now)) | .key] | join(",")')
  check_equal "$stale" "" "$name: no job has a deadline or not-before time in the past"
  check_equal "$(jq_of "$out" '[.[] | select(.key == null)] | length')" "0" \
    "$name: every item has a key"
  run --json import --no-check "$manifest"
  check_status 0 "$name: a second import exits 0"
  check_equal "$(jq_of "$out" 'map(tostring) | join(" ")')" "$ids" \
    "$name: a second import prints the same ids"
  check_equal "$(msiq --json list | jq length)" "$(jq length "$manifest")" \
    "$name: a second import adds nothing"
done
export MSIQ_DB="$work_dir/queue.db"

finish
