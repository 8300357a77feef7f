#!/usr/bin/env bash
# cli_skip_patch.sh: the patch rules right before a start (issue 12, item
# 2): a patch already applied to every product it targets that is installed
# succeeds as "already applied to {CODE} (version V), not run"; a patch
# none of whose targets is installed fails before running with "no
# installed product this patch applies to" and is not retried; an install
# that ends with 1638 fails at once with a sentence that names the version
# in the way. Real packages (make_package, make_patch_package) through the
# simulation host: MSIQ_SIM_PRODUCTS_DIR holds one file per installed
# product (its version, then one applied patch code a line), which a
# succeeded install writes and a succeeded patch extends. Section 6: the
# same rules for a job that applies several patches together (--patch).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

chmod 0700 "$work_dir"
begin_section patch
chmod 0700 "$sec"
products="$sec/products"
mkdir -p "$products"
export MSIQ_SIM_PRODUCTS_DIR="$products"

app=$(pkg app)
product_code=$(package_property "$app" ProductCode)
version=$(package_property "$app" ProductVersion)
check_match "$product_code" '^\{[0-9A-F-]{36}\}$' "the fixture has a ProductCode"
absent_code='{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0}'
patch_code='{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}'
# The patch targets the installed product and one that is not installed.
fix="$sec/fix.msp"
make_patch_package "$fix" "$patch_code" "$product_code;$absent_code" "Sample Fix" ||
  fail "make_patch_package fix.msp"

# ---------------------------------------------------------------------------
# 1. The product is installed; the patch runs and is recorded against it.
base=$(enqueue "$app")
run_drain
check_equal "$(job_field "$base" .state)" "succeeded" "the base install succeeded"

first=$(enqueue "$fix")
check_equal "$(job_field "$first" .action)" "patch" "a .msp is a patch"
run_drain
check_equal "$drain_status" 0 "first patch: drain"
check_equal "$(job_field "$first" .state)" "succeeded" "first patch succeeded"
check_equal "$(runs_of "$fix")" 1 "first patch: the installer ran"
check_equal "$(sed -n 2p "$products/$product_code")" "$patch_code" \
  "a succeeded patch is recorded against its installed target"
if [ -e "$products/$absent_code" ]; then
  fail "a succeeded patch installed a target that was not installed"
else
  pass
fi

# ---------------------------------------------------------------------------
# 2. The same patch again is not run.
second=$(enqueue "$fix")
run_drain
check_equal "$drain_status" 0 "second patch: drain"
check_equal "$(runs_of "$fix")" 1 "second patch: the installer was not started"
check_equal "$(job_field "$second" .state)" "succeeded" "second patch succeeded"
check_equal "$(job_field "$second" '.history | length')" 1 "second patch: one attempt"
check_equal "$(job_field "$second" '.history[0].outcome')" "succeeded" "second patch: the attempt succeeded"
applied_message="already applied to $product_code (version $version), not run"
check_equal "$(job_field "$second" '.history[0].message')" "$applied_message" \
  "second patch: the attempt names the product"
check_equal "$(job_field "$second" '.history[0].exit_code')" "null" \
  "second patch: no exit code, as nothing ran"
run wait "$second"
check_status 0 "second patch: wait exits 0"
run show "$second"
check_match "$out" "already applied to \\$product_code" "show names the reason"
check_match "$(count_in_run_log "$applied_message")" '^1$' "the dispatcher says it once"
check_equal "$(grep -c . "$products/$product_code")" 2 "the patch is recorded once"

# A reinstall at the same version keeps the patches recorded with it, so
# the patch is still not run; a patch code written in another case is the
# same code.
again=$(enqueue --reinstall "$app")
run_drain
check_equal "$(job_field "$again" .state)" "succeeded" "reinstall succeeded"
check_equal "$(sed -n 2p "$products/$product_code")" "$patch_code" \
  "a reinstall at the same version keeps the recorded patches"
printf '%s\n%s' "$version" "$(printf '%s' "$patch_code" | tr 'A-F' 'a-f')" >"$products/$product_code"
lower=$(enqueue "$fix")
run_drain
check_equal "$(runs_of "$fix")" 1 "a patch code recorded in lower case: not run"
check_equal "$(job_field "$lower" '.history[0].message')" "$applied_message" \
  "a patch code recorded in lower case: already applied"

# ---------------------------------------------------------------------------
# 3. Another version of the product installed (a file of one line, as
# earlier versions of the simulation wrote): the patch is not applied to it
# and runs; an install of this version over it forgets the old patches.
printf '0.9.0\n' >"$products/$product_code"
other=$(enqueue "$fix")
run_drain
check_equal "$(runs_of "$fix")" 2 "a product without the patch: the installer ran"
check_equal "$(job_field "$other" .state)" "succeeded" "a product without the patch: succeeded"
check_equal "$(sed -n 2p "$products/$product_code")" "$patch_code" "the patch is recorded again"
upgrade=$(enqueue "$app")
run_drain
check_equal "$(job_field "$upgrade" .state)" "succeeded" "the install of another version ran"
check_equal "$(cat "$products/$product_code")" "$version" \
  "an install of another version forgets the old version's patches"

# ---------------------------------------------------------------------------
# 4. A patch for products none of which is installed fails before running
# and is not retried, although it has attempts left.
stray="$sec/stray.msp"
make_patch_package "$stray" '{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}' "$absent_code" "Stray Fix" ||
  fail "make_patch_package stray.msp"
orphan=$(enqueue --max-attempts 5 "$stray")
run_drain
check_equal "$drain_status" 0 "patch without an installed target: drain"
check_equal "$(runs_of "$stray")" 0 "patch without an installed target: the installer was not started"
check_equal "$(job_field "$orphan" .state)" "failed" "patch without an installed target: failed"
check_equal "$(job_field "$orphan" '.history | length')" 1 "patch without an installed target: one attempt, no retry"
check_equal "$(job_field "$orphan" '.history[0].outcome')" "failed" "patch without an installed target: the attempt failed"
check_equal "$(job_field "$orphan" '.history[0].message')" \
  "no installed product this patch applies to" "patch without an installed target: the attempt says why"
check_equal "$(job_field "$orphan" .last_error)" \
  "no installed product this patch applies to" "patch without an installed target: last_error"
check_equal "$(job_field "$orphan" .retry_at)" "null" "patch without an installed target: no retry time"
check_equal "$(job_field "$orphan" '.history[0].exit_code')" "null" \
  "patch without an installed target: no exit code"
run wait "$orphan"
check_status $((1603 & 255)) "patch without an installed target: wait exits 1603 (seen as 67), as for any job that failed without an exit code"
# Nothing later changes it: the next drain leaves the job as it is.
run_drain
check_equal "$(job_field "$orphan" '.history | length')" 1 "patch without an installed target: still one attempt"

# A patch enqueued with --no-check has nothing known about its targets and
# runs as before.
unchecked=$(enqueue --no-check --action patch "$stray")
run_drain
check_equal "$(runs_of "$stray")" 1 "--no-check patch: the installer ran"
check_equal "$(job_field "$unchecked" .state)" "succeeded" "--no-check patch: succeeded"

# ---------------------------------------------------------------------------
# 5. 1638: another version of the product is installed; the install fails
# at once with the sentence, naming the installed version, and no retry.
printf '0.9.0\n' >"$products/$product_code"
export FAKE_INSTALLER_DEFAULT_CODE=1638
clash=$(enqueue --max-attempts 5 "$app")
runs_before=$(runs_of "$app")
run_drain
check_equal "$(runs_of "$app")" "$((runs_before + 1))" "1638: the installer ran once"
check_equal "$(job_field "$clash" .state)" "failed" "1638: failed"
check_equal "$(job_field "$clash" '.history | length')" 1 "1638: one attempt, no retry"
check_equal "$(job_field "$clash" '.history[0].exit_code')" 1638 "1638: the exit code is kept"
check_equal "$(job_field "$clash" '.history[0].message')" \
  "exit code 1638 (ERROR_PRODUCT_VERSION): another version of this product is already installed (version 0.9.0)" \
  "1638: the history names the installed version"
check_equal "$(job_field "$clash" .last_error)" \
  "installer failed with exit code 1638 (ERROR_PRODUCT_VERSION): another version of this product is already installed (version 0.9.0)" \
  "1638: last_error says so"
check_equal "$(cat "$products/$product_code")" "0.9.0" "1638: the record is unchanged"

# Nobody can tell which version is installed (no products folder): the
# sentence without a version.
unset MSIQ_SIM_PRODUCTS_DIR
blind=$(enqueue --max-attempts 5 "$app")
run_drain
check_equal "$(job_field "$blind" .last_error)" \
  "installer failed with exit code 1638 (ERROR_PRODUCT_VERSION): another version of this product is already installed" \
  "1638 without a known version: the sentence alone"
unset FAKE_INSTALLER_DEFAULT_CODE

# Without the setting a patch runs as before, even one applied already.
export MSIQ_SIM_PRODUCTS_DIR="$products"
printf '%s\n%s\n' "$version" "$patch_code" >"$products/$product_code"
unset MSIQ_SIM_PRODUCTS_DIR
runs_before=$(runs_of "$fix")
unknown=$(enqueue "$fix")
run_drain
check_equal "$(runs_of "$fix")" "$((runs_before + 1))" "no products folder: the patch ran"
check_equal "$(job_field "$unknown" .state)" "succeeded" "no products folder: succeeded"

# ---------------------------------------------------------------------------
# 6. Several patches in one job (--patch): one installer run applying all,
# each recorded against its installed targets; the job again is not run;
# one patch missing on its installed target makes it run; none of their
# targets installed fails it before running.
export MSIQ_SIM_PRODUCTS_DIR="$products"
printf '%s\n' "$version" >"$products/$product_code"
second_code='{7C5E2A30-9D4F-4A8C-BE0D-3F4051627384}'
second_fix="$sec/second.msp"
make_patch_package "$second_fix" "$second_code" "$product_code" "Second Fix" ||
  fail "make_patch_package second.msp"
together=$(enqueue --patch "$second_fix" --patch "$stray" "$fix")
check_equal "$(job_field "$together" '[.properties.PATCH, (.package.more_patches | map(.patch_code + "=" + (.targets | join(";"))) | join(" "))] | join(" ")')" \
  "$second_fix;$stray $second_code=$product_code {6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}=$absent_code" \
  "several patches: the further ones in PATCH, each read"
run_drain
check_equal "$(job_field "$together" .state)" "succeeded" "several patches: succeeded"
check_equal "$(runs_of "$fix;$second_fix;$stray")" 1 "several patches: one installer run applying all three, in order"
check_equal "$(sed -n '2,$p' "$products/$product_code" | sort | tr '\n' ' ')" \
  "$(printf '%s\n%s\n' "$patch_code" "$second_code" | sort | tr '\n' ' ')" \
  "several patches: each recorded against the installed product"
again=$(enqueue --patch "$second_fix" --patch "$stray" "$fix")
run_drain
check_equal "$(runs_of "$fix;$second_fix;$stray")" 1 "several patches again: not run"
check_equal "$(job_field "$again" '.history[0].message')" \
  "already applied to $product_code (version $version), not run; {6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273} applies to no installed product" \
  "several patches again: the product named once, the patch with nothing to patch named"
# The second patch taken off the record: the job runs again.
printf '%s\n%s\n' "$version" "$patch_code" >"$products/$product_code"
partly=$(enqueue --patch "$second_fix" "$fix")
run_drain
check_equal "$(runs_of "$fix;$second_fix")" 1 "one of the patches missing: the job ran"
check_equal "$(job_field "$partly" .state)" "succeeded" "one of the patches missing: succeeded"
# None of the targets installed.
rm -f "$products/$product_code"
nowhere=$(enqueue --max-attempts 3 --patch "$second_fix" "$stray")
run_drain
check_equal "$(runs_of "$stray;$second_fix")" 0 "several patches, no target installed: not run"
check_equal "$(job_field "$nowhere" .state)" "failed" "several patches, no target installed: failed"
check_equal "$(job_field "$nowhere" .last_error)" \
  "no installed product these patches apply to" "several patches, no target installed: says why"
check_equal "$(job_field "$nowhere" '.history | length')" 1 "several patches, no target installed: no retry"

finish
