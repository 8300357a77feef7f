#!/usr/bin/env bash
# skip_done.sh: skipping what is already done (issue 12, item 2) under Wine,
# with the dispatcher's own worker (msiq.exe --worker) and Wine's msi.dll,
# whose MsiQueryProductStateW and MsiGetProductInfoExW answer the
# dispatcher's question. The package is worker.sh's (worker_package_build).
# Proves that an install job installs the product, the same package
# enqueued again succeeds as "already installed (version V), not run"
# without the worker being started (one attempt, no exit code), an
# uninstall removes it and a second uninstall succeeds as "not installed,
# not run". Patches (tests/win/make_patch.c's, which hold no transforms, so
# no installer can apply one): while the product is installed, Wine's
# MsiGetPatchInfoExW answers "not applied" (the patch is started, nobody
# says "cannot tell"); once it is gone, the patch fails with "no installed
# product this patch applies to" and no worker is started. Removing that
# patch (--action unpatch): while the product is installed, Wine's
# MsiGetPatchInfoExW answers "not applied", so the job succeeds as "patch
# {P} is not applied to {PRODUCT}, not run" without a worker; once the
# product is gone (the patch code read from the .msp this time), as "...
# (not installed), not run". Two patches in one job (--patch) are read,
# asked about and applied by one MsiApplyMultiplePatchesW call, and fail
# unrun once the product is gone. A related uninstall (--related) of the
# package's UpgradeCode removes it through Wine's MsiEnumRelatedProductsW
# and is not run once nothing is left. That a patch applied
# is seen as applied (and removed) is not tested here: it would need a
# real patch.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

dispatcher_pid=""
cleanup_skip_test() {
  [ -n "$dispatcher_pid" ] && kill "$dispatcher_pid" 2>/dev/null
  wine_prefix_cleanup
}
trap cleanup_skip_test EXIT

unset MSIQ_INSTALLER
MSIQ_DB=$(win_path "$work_dir/queue.db")
export MSIQ_DB
run_log="$work_dir/run.log"

wine_prefix_init
worker_package_build
version=$(package_property "$work_dir/$package_name.msi" ProductVersion)
wine "$MSIQ_EXE" run --poll 200ms >>"$run_log" 2>&1 &
dispatcher_pid=$!
wait_until 120000 grep -q 'dispatcher started' "$run_log" ||
  fail "the dispatcher did not start: $(cat "$run_log")"

run enqueue "$package" ALLUSERS=1
check_status 0 "first install: enqueue"
first=$out
wait_finished "$first" "first install"
check_equal "$(job_field "$first" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 0" \
  "first install: succeeded ($(job_field "$first" .last_error))"
check_equal "$(product_state "$product_code")" "5 default" "first install: the product is installed"

run enqueue "$package" ALLUSERS=1
check_status 0 "second install: enqueue"
second=$out
wait_finished "$second" "second install"
check_equal "$(job_field "$second" .state)" succeeded "second install: succeeded"
check_equal "$(job_field "$second" '.history[0].message')" \
  "already installed (version $version), not run" "second install: not run, and says why"
check_equal "$(job_field "$second" '.history[0].exit_code')" null "second install: no exit code"
check_equal "$(grep -c "job $second: attempt 1 started" "$run_log")" 0 \
  "second install: no installer was started"

# A patch for the installed product: asked about, not applied, so it runs
# (and fails in Wine's msi.dll, as the patch holds no transforms).
patch_code='{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}'
make_patch_package "$work_dir/fix.msp" "$patch_code" "$product_code"
run enqueue --max-attempts 1 --timeout 5m "$(win_path "$work_dir/fix.msp")"
check_status 0 "patch of the installed product: enqueue"
patch_installed=$out
wait_finished "$patch_installed" "patch of the installed product"
check_equal "$(grep -c "job $patch_installed: attempt 1 started" "$run_log")" 1 \
  "patch of the installed product: the worker was started (not applied yet)"
check_equal "$(grep -c "cannot tell whether patch" "$run_log")" 0 \
  "patch of the installed product: MsiGetPatchInfoExW answered"
check_equal "$(product_state "$product_code")" "5 default" \
  "patch of the installed product: the product is still installed"

# Two patches in one job: both read by Wine's msi.dll, asked about, not
# applied, so one worker applies both in one MsiApplyMultiplePatchesW call.
second_patch_code='{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}'
make_patch_package "$work_dir/fix2.msp" "$second_patch_code" "$product_code"
fix_win=$(win_path "$work_dir/fix.msp")
fix2_win=$(win_path "$work_dir/fix2.msp")
run enqueue --max-attempts 1 --timeout 5m --patch "$fix2_win" "$fix_win"
check_status 0 "two patches: enqueue ($err)"
patches_installed=$out
check_equal "$(job_field "$patches_installed" '.package.more_patches | map(.patch_code + " " + (.targets | join(";"))) | join(",")')" \
  "$second_patch_code $product_code" "two patches: the second read by Wine's msi.dll"
wait_finished "$patches_installed" "two patches"
check_equal "$(grep -c "job $patches_installed: attempt 1 started" "$run_log")" 1 \
  "two patches: one worker was started (neither applied yet)"
check_equal "$(job_field "$patches_installed" '.history[0].operation')" \
  "MsiApplyMultiplePatchesW(\"$fix_win;$fix2_win\", NULL, \"REBOOT=ReallySuppress\"); REBOOT=ReallySuppress was added by msiq (the job does not set REBOOT)" \
  "two patches: one call applying both, in order"

# Removing the patch Wine's msi.dll says is not applied: not run.
run enqueue --action unpatch --patch-code "$patch_code" "$product_code"
check_status 0 "unpatch of a patch not applied: enqueue"
unpatch_installed=$out
wait_finished "$unpatch_installed" "unpatch of a patch not applied"
check_equal "$(job_field "$unpatch_installed" .state)" succeeded \
  "unpatch of a patch not applied: succeeded"
check_equal "$(job_field "$unpatch_installed" '.history[0].message')" \
  "patch $patch_code is not applied to $product_code, not run" \
  "unpatch of a patch not applied: not run, and says why"
check_equal "$(grep -c "job $unpatch_installed: attempt 1 started" "$run_log")" 0 \
  "unpatch of a patch not applied: no installer was started"
check_equal "$(grep -c "cannot tell whether patch $patch_code is applied" "$run_log")" 0 \
  "unpatch of a patch not applied: MsiGetPatchInfoExW answered"

run enqueue --action uninstall "$product_code"
first_uninstall=$out
wait_finished "$first_uninstall" "first uninstall"
check_equal "$(job_field "$first_uninstall" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 0" \
  "first uninstall: succeeded ($(job_field "$first_uninstall" .last_error))"
check_equal "$(product_state "$product_code")" "-1 unknown" "first uninstall: the product is gone"

run enqueue --action uninstall "$product_code"
second_uninstall=$out
wait_finished "$second_uninstall" "second uninstall"
check_equal "$(job_field "$second_uninstall" .state)" succeeded "second uninstall: succeeded"
check_equal "$(job_field "$second_uninstall" '.history[0].message')" "not installed, not run" \
  "second uninstall: not run, and says why"
check_equal "$(grep -c "job $second_uninstall: attempt 1 started" "$run_log")" 0 \
  "second uninstall: no installer was started"

# Removing the patch once its product is gone: not run either. The patch
# code is read from the .msp by Wine's msi.dll this time.
run enqueue --action unpatch --patch-code "$(win_path "$work_dir/fix.msp")" "$product_code"
check_status 0 "unpatch by the .msp's code: enqueue"
unpatch_absent=$out
check_equal "$(job_field "$unpatch_absent" .properties.MSIPATCHREMOVE)" "$patch_code" \
  "unpatch by the .msp's code: the code Wine's msi.dll read"
wait_finished "$unpatch_absent" "unpatch without its product"
check_equal "$(job_field "$unpatch_absent" '.history[0].message')" \
  "patch $patch_code is not applied to $product_code (not installed), not run" \
  "unpatch without its product: not run, and says why"
check_equal "$(grep -c "job $unpatch_absent: attempt 1 started" "$run_log")" 0 \
  "unpatch without its product: no installer was started"

# The two patches once their product is gone: they fail unrun.
run enqueue --max-attempts 5 --patch "$fix2_win" "$fix_win"
patches_absent=$out
wait_finished "$patches_absent" "two patches without their product"
check_equal "$(job_field "$patches_absent" '[.state, .attempts, .history[0].message] | map(tostring) | join(" ")')" \
  "failed 1 no installed product these patches apply to" "two patches without their product: failed unrun, says why"

# Every product of the package's UpgradeCode: installed again, then
# removed by a related uninstall, whose worker finds it with Wine's
# MsiEnumRelatedProductsW; once it is gone, the same job is not run.
upgrade_code='{5D1D7A30-5E0B-4C2B-9E64-6B0E3F0C1A01}'
run enqueue "$package" ALLUSERS=1
reinstalled=$out
wait_finished "$reinstalled" "install for the related uninstall"
check_equal "$(product_state "$product_code")" "5 default" "install for the related uninstall: installed"
run enqueue --action uninstall --related "$upgrade_code"
check_status 0 "related uninstall: enqueue ($err)"
related=$out
wait_finished "$related" "related uninstall"
check_equal "$(job_field "$related" '[.state, .exit_code] | map(tostring) | join(" ")')" "succeeded 0" \
  "related uninstall: succeeded ($(job_field "$related" .last_error))"
check_equal "$(product_state "$product_code")" "-1 unknown" "related uninstall: the product is gone"
check_match "$(grep "job $related: removing" "$run_log")" "removing \\$product_code \(upgrade code" \
  "related uninstall: the dispatcher found the product with MsiEnumRelatedProductsW"
check_equal "$(job_field "$related" '.history[0].operation')" \
  "MsiConfigureProductExW(\"$product_code\", INSTALLLEVEL_DEFAULT, INSTALLSTATE_ABSENT, \"REBOOT=ReallySuppress\"); REBOOT=ReallySuppress was added by msiq (the job does not set REBOOT)" \
  "related uninstall: the worker removed the product by its code"
run enqueue --action uninstall --related "$upgrade_code"
related_again=$out
wait_finished "$related_again" "related uninstall again"
check_equal "$(job_field "$related_again" '.history[0].message')" \
  "no product with upgrade code $upgrade_code is installed, not run" "related uninstall again: not run, and says why"
check_equal "$(grep -c "job $related_again: attempt 1 started" "$run_log")" 0 \
  "related uninstall again: no worker was started"

# The same patch once its product is gone: it fails unrun, never retried.
run enqueue --max-attempts 5 "$(win_path "$work_dir/fix.msp")"
patch_absent=$out
wait_finished "$patch_absent" "patch without its product"
check_equal "$(job_field "$patch_absent" '[.state, .attempts, .retry_at] | map(tostring) | join(" ")')" \
  "failed 1 null" "patch without its product: failed after one attempt, no retry"
check_equal "$(job_field "$patch_absent" '.history[0].message')" \
  "no installed product this patch applies to" "patch without its product: says why"
check_equal "$(job_field "$patch_absent" '.history[0].exit_code')" null \
  "patch without its product: no exit code"
check_equal "$(grep -c "job $patch_absent: attempt 1 started" "$run_log")" 0 \
  "patch without its product: no installer was started"

finish
