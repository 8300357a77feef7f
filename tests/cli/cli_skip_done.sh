#!/usr/bin/env bash
# cli_skip_done.sh: right before a job starts, the dispatcher asks the
# machine about the job's product (issue 12, item 2): an install whose
# ProductCode is installed at the package's version, and an uninstall of a
# product that is not installed, succeed without the installer being
# started, with an attempt that says why ("already installed (version V),
# not run", "not installed, not run"). `enqueue --reinstall` (import's
# "reinstall": true) adds REINSTALL=ALL REINSTALLMODE=vomus and runs anyway.
# Real packages built by wixl (make_package), through the simulation host:
# MSIQ_SIM_PRODUCTS_DIR holds one file per installed product, which a
# succeeded install writes and a succeeded uninstall removes. Section 6:
# `--action uninstall --related {UPGRADE-CODE}` removes every product
# installed with that UpgradeCode (two versions of one product), leaves
# the others, is not run when none is installed, and is refused with any
# other action or a target that is no GUID.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

chmod 0700 "$work_dir"
begin_section skip
chmod 0700 "$sec"
products="$sec/products"
mkdir -p "$products"
export MSIQ_SIM_PRODUCTS_DIR="$products"

app=$(pkg app)
product_code=$(package_property "$app" ProductCode)
version=$(package_property "$app" ProductVersion)
check_match "$product_code" '^\{[0-9A-F-]{36}\}$' "the fixture has a ProductCode"

# ---------------------------------------------------------------------------
# 1. The first install runs and records the product; the second is not run.
first=$(enqueue "$app")
run_drain
check_equal "$drain_status" 0 "first install: drain"
check_equal "$(job_field "$first" .state)" "succeeded" "first install succeeded"
check_equal "$(runs_of "$app")" 1 "first install: the installer ran"
check_equal "$(cat "$products/$product_code" 2>/dev/null)" "$version" \
  "a succeeded install records the product at its version"

second=$(enqueue "$app")
run_drain
check_equal "$drain_status" 0 "second install: drain"
check_equal "$(runs_of "$app")" 1 "second install: the installer was not started"
check_equal "$(job_field "$second" .state)" "succeeded" "second install succeeded"
check_equal "$(job_field "$second" '.history | length')" 1 "second install: one attempt"
check_equal "$(job_field "$second" '.history[0].outcome')" "succeeded" "second install: the attempt succeeded"
check_equal "$(job_field "$second" '.history[0].message')" \
  "already installed (version $version), not run" "second install: the attempt says why"
check_equal "$(job_field "$second" '.history[0].exit_code')" "null" \
  "second install: no exit code, as nothing ran"
run wait "$second"
check_status 0 "second install: wait exits 0"
run show "$second"
check_match "$out" "already installed \(version $version\), not run" "show names the reason"
check_match "$(count_in_run_log "already installed (version $version), not run")" '^1$' \
  "the dispatcher says it once"

# A product installed at another version is not this install: it runs.
printf '0.9.0\n' >"$products/$product_code"
other=$(enqueue "$app")
run_drain
check_equal "$(runs_of "$app")" 2 "another installed version: the installer ran"
check_equal "$(job_field "$other" .state)" "succeeded" "another installed version: succeeded"
check_equal "$(cat "$products/$product_code")" "$version" "the record now has this version"

# The same version written differently ("1.00.0") is the same version.
printf '%s\n' "$(printf '%s' "$version" | sed -E 's/^([0-9]+)\.([0-9]+)/\1.0\2/')" >"$products/$product_code"
same=$(enqueue "$app")
run_drain
check_equal "$(runs_of "$app")" 2 "a version written with a leading zero: not run"
check_match "$(job_field "$same" '.history[0].message')" '^already installed' \
  "a version written with a leading zero: already installed"
printf '%s\n' "$version" >"$products/$product_code"

# ---------------------------------------------------------------------------
# 2. --reinstall runs anyway, with REINSTALL=ALL REINSTALLMODE=vomus.
again=$(enqueue --reinstall "$app")
check_match "$again" '^[0-9]+$' "enqueue --reinstall"
check_equal "$(job_field "$again" '.properties | to_entries | map(.key + "=" + .value) | join(" ")')" \
  "REINSTALL=ALL REINSTALLMODE=vomus" "--reinstall sets the two properties"
run_drain
check_equal "$(runs_of "$app")" 3 "--reinstall: the installer ran"
check_equal "$(job_field "$again" .state)" "succeeded" "--reinstall: succeeded"
check_match "$(tail -n 1 "$FAKE_INSTALLER_LOG")" 'REINSTALL=ALL.*REINSTALLMODE=vomus' \
  "--reinstall: the installer got both properties"

# A job that sets REINSTALL itself runs too (it asks for a reinstall).
own=$(enqueue "$app" REINSTALL=ALL)
run_drain
check_equal "$(runs_of "$app")" 4 "REINSTALL set by the job: the installer ran"
check_equal "$(job_field "$own" .state)" "succeeded" "REINSTALL set by the job: succeeded"

# Refusals: nothing enqueued, one line, exit 2.
check_rejected 2 "--reinstall sets REINSTALL=ALL and REINSTALLMODE=vomus, and the job already sets REINSTALL( |$)" \
  "--reinstall with REINSTALL" enqueue --reinstall "$app" REINSTALL=Main
check_rejected 2 "already sets REINSTALLMODE( |$)" \
  "--reinstall with REINSTALLMODE" enqueue --reinstall "$app" REINSTALLMODE=omus
check_rejected 2 "--reinstall installs again, so it goes only with --action install, not uninstall( |$)" \
  "--reinstall with an uninstall" enqueue --reinstall --action uninstall "$product_code"

# import's "reinstall": true is --reinstall; false adds nothing.
printf '[{"target": "%s", "reinstall": true}, {"target": "%s", "reinstall": false}]\n' \
  "$app" "$app" >"$sec/manifest.json"
run --json import "$sec/manifest.json"
check_status 0 "import with reinstall"
imported_true=$(jq_of "$out" '.[0]')
imported_false=$(jq_of "$out" '.[1]')
check_equal "$(job_field "$imported_true" '.properties | to_entries | map(.key + "=" + .value) | join(" ")')" \
  "REINSTALL=ALL REINSTALLMODE=vomus" "import reinstall true sets the two properties"
check_equal "$(job_field "$imported_false" '.properties | length')" 0 \
  "import reinstall false sets nothing"
run_drain
check_equal "$(runs_of "$app")" 5 "import: only the reinstall ran"
check_match "$(job_field "$imported_false" '.history[0].message')" '^already installed' \
  "import: the other was not run"
printf '[{"target": "%s", "reinstall": "yes"}]\n' "$app" >"$sec/bad.json"
check_rejected 2 'reinstall' "import reinstall that is not a boolean" import "$sec/bad.json"

# ---------------------------------------------------------------------------
# 3. Uninstall twice: the first runs and removes the record, the second is
# not run. By product code, then by package.
uninstall_first=$(enqueue --action uninstall "$product_code")
run_drain
check_equal "$(job_field "$uninstall_first" .state)" "succeeded" "first uninstall succeeded"
check_equal "$(runs_of "$product_code")" 1 "first uninstall: the installer ran"
if [ -e "$products/$product_code" ]; then
  fail "a succeeded uninstall leaves the product recorded"
else
  pass
fi

uninstall_second=$(enqueue --action uninstall "$product_code")
run_drain
check_equal "$(runs_of "$product_code")" 1 "second uninstall: the installer was not started"
check_equal "$(job_field "$uninstall_second" .state)" "succeeded" "second uninstall succeeded"
check_equal "$(job_field "$uninstall_second" '.history[0].message')" "not installed, not run" \
  "second uninstall: the attempt says why"

uninstall_package=$(enqueue --action uninstall "$app")
run_drain
check_equal "$(runs_of "$app")" 5 "uninstall by package: the installer was not started"
check_equal "$(job_field "$uninstall_package" '.history[0].message')" "not installed, not run" \
  "uninstall by package: its ProductCode is asked about"

# ---------------------------------------------------------------------------
# 4. A failed install records nothing, so the next one runs.
export FAKE_INSTALLER_DEFAULT_CODE=1603
failed_job=$(enqueue --max-attempts 1 "$app")
run_drain
check_equal "$(job_field "$failed_job" .state)" "failed" "a failing install failed"
if [ -e "$products/$product_code" ]; then
  fail "a failed install recorded the product"
else
  pass
fi
unset FAKE_INSTALLER_DEFAULT_CODE

# ---------------------------------------------------------------------------
# 5. Without the setting the simulation cannot tell, and every job runs as
# before.
unset MSIQ_SIM_PRODUCTS_DIR
runs_before=$(runs_of "$product_code")
unknown=$(enqueue --action uninstall "$product_code")
run_drain
check_equal "$(runs_of "$product_code")" "$((runs_before + 1))" \
  "no products folder: the uninstall ran"
check_equal "$(job_field "$unknown" .state)" "succeeded" "no products folder: succeeded"

# ---------------------------------------------------------------------------
# 6. Every product of an UpgradeCode: two versions of one product (their
# UpgradeCode is derived from the name) are removed by one related
# uninstall; another product stays.
export MSIQ_SIM_PRODUCTS_DIR="$products"
make_package "$sec/family-1.msi" "Family App" 1.0.0 || fail "make_package family 1"
make_package "$sec/family-2.msi" "Family App" 2.0.0 || fail "make_package family 2"
make_package "$sec/bystander.msi" "Bystander App" 1.0.0 || fail "make_package bystander"
upgrade_code=$(package_property "$sec/family-1.msi" UpgradeCode)
family_1=$(package_property "$sec/family-1.msi" ProductCode)
family_2=$(package_property "$sec/family-2.msi" ProductCode)
bystander=$(package_property "$sec/bystander.msi" ProductCode)
check_equal "$(package_property "$sec/family-2.msi" UpgradeCode)" "$upgrade_code" \
  "the two versions share an UpgradeCode"
for package in family-1 family-2 bystander; do
  enqueue "$sec/$package.msi" >/dev/null
done
run_drain
check_equal "$(cat "$products/$family_1.upgrade-code" 2>/dev/null)" "$upgrade_code" \
  "a succeeded install records the product's UpgradeCode"
related=$(enqueue --action uninstall --related "$upgrade_code")
check_equal "$(job_field "$related" '[.action, .target, .related] | map(tostring) | join(" ")')" \
  "uninstall $upgrade_code true" "related uninstall: stored as such"
run list
check_match "$out" "products of upgrade code \\$upgrade_code" "related uninstall: list names the UpgradeCode"
run_drain
check_equal "$(job_field "$related" .state)" "succeeded" "related uninstall: succeeded"
check_equal "$(runs_of "$upgrade_code")" 1 "related uninstall: one worker started"
check_match "$(grep "job $related: removing" "$run_log")" "$family_1" "related uninstall: the log names the first version"
check_match "$(grep "job $related: removing" "$run_log")" "$family_2" "related uninstall: the log names the second version"
for code in "$family_1" "$family_2"; do
  if [ -e "$products/$code" ] || [ -e "$products/$code.upgrade-code" ]; then
    fail "related uninstall: $code is still recorded"
  else
    pass
  fi
done
check_equal "$(cat "$products/$bystander" 2>/dev/null)" "1.0.0" "related uninstall: another product stays"
# Nothing left of the family: not run.
again=$(enqueue --action uninstall --related "$upgrade_code")
run_drain
check_equal "$(runs_of "$upgrade_code")" 1 "related uninstall again: not run"
check_equal "$(job_field "$again" '[.state, .history[0].message] | join(" ")')" \
  "succeeded no product with upgrade code $upgrade_code is installed, not run" \
  "related uninstall again: says why"
# The same from a manifest.
printf '[{"action": "uninstall", "target": "%s", "related": true}]\n' "$upgrade_code" >"$sec/related.json"
run --json import "$sec/related.json"
check_status 0 "related uninstall in a manifest: imported ($err)"
check_equal "$(job_field "$(printf '%s' "$out" | jq '.[0]')" .related)" "true" "related uninstall in a manifest: related"
# Refused: another action, and a target that is no UpgradeCode.
check_rejected 2 "--related removes every product of an UpgradeCode, so it goes only with --action uninstall, not repair" \
  "--related with repair" enqueue --action repair --related "$upgrade_code"
check_rejected 2 "invalid upgrade code '.*family-1.msi'" \
  "--related with a package" enqueue --action uninstall --related "$sec/family-1.msi"

finish
