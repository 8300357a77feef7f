#!/usr/bin/env bash
# cli_unpatch.sh: removing a patch (issue 12, item 3): `enqueue --action
# unpatch --patch-code {PATCH} {PRODUCT}` runs msiexec's /package {PRODUCT}
# MSIPATCHREMOVE={PATCH}, and a succeeded removal takes the patch's line out
# of the product's file in MSIQ_SIM_PRODUCTS_DIR (the simulation's record
# of installed products: its version, then one applied patch code a line);
# a patch that is not applied to the product, or a product that is not
# installed, succeeds as "patch {P} is not applied to {PRODUCT}, not run";
# bad input is refused in one line with nothing enqueued; `exec /uninstall
# {PATCH} /package {PRODUCT}` and `exec /i {PRODUCT} MSIPATCHREMOVE={PATCH}`
# are the same job; an import manifest's "patch_code" too; `--patch-code
# FIX.msp` reads the code from the patch (make_patch_package's .msp).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

chmod 0700 "$work_dir"
begin_section unpatch
chmod 0700 "$sec"
products="$sec/products"
mkdir -p "$products"
export MSIQ_SIM_PRODUCTS_DIR="$products"

product='{1B2C3D4E-5F60-4718-92A3-B4C5D6E7F809}'
patch='{5A3F0C1E-7B2D-4E6A-9C8B-1D2E3F405162}'
other_patch='{6B4A1D2F-8C3E-4F7B-AD9C-2E3F40516273}'
absent='{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0}'
# The product is installed at 1.0.0 with two patches applied.
printf '1.0.0\n%s\n%s\n' "$patch" "$other_patch" >"$products/$product"

# ---------------------------------------------------------------------------
# 1. The removal runs msiexec's documented form and the patch's line goes.
first=$(enqueue --action unpatch --patch-code "$patch" "$product")
check_match "$first" '^[0-9]+$' "unpatch: enqueued"
check_equal "$(job_field "$first" .action)" "unpatch" "unpatch: the action is stored"
check_equal "$(job_field "$first" .target)" "$product" "unpatch: the target is the product"
check_equal "$(job_field "$first" .properties.MSIPATCHREMOVE)" "$patch" \
  "unpatch: the patch code is stored as MSIPATCHREMOVE"
run show "$first"
check_match "$out" "property: +MSIPATCHREMOVE=\\$patch" "show names the patch code"
run list
check_match "$out" "unpatch .*\\$patch from \\$product" "list names the patch and the product"
run_drain
check_equal "$drain_status" 0 "unpatch: drain"
check_equal "$(job_field "$first" .state)" "succeeded" "unpatch: succeeded"
check_equal "$(runs_of "$product")" 1 "unpatch: the installer ran once"
check_match "$(grep -F -- "[$product]" "$FAKE_INSTALLER_LOG")" \
  "^\\[/package\\] \\[\\$product\\] \\[/qn\\] \\[/norestart\\] \\[/l\\*v\\] \\[[^]]*\\] \\[MSIPATCHREMOVE=\\$patch\\]$" \
  "unpatch: msiexec /package PRODUCT /qn /norestart /l*v LOG MSIPATCHREMOVE=PATCH"
check_equal "$(cat "$products/$product")" "$(printf '1.0.0\n%s' "$other_patch")" \
  "a succeeded unpatch removes only its patch's line"

# ---------------------------------------------------------------------------
# 2. The same removal again is not run: the patch is not applied any more.
second=$(enqueue --action unpatch --patch-code "$patch" "$product")
run_drain
check_equal "$(runs_of "$product")" 1 "second unpatch: the installer was not started"
check_equal "$(job_field "$second" .state)" "succeeded" "second unpatch: succeeded"
check_equal "$(job_field "$second" '.history | length')" 1 "second unpatch: one attempt"
not_applied="patch $patch is not applied to $product, not run"
check_equal "$(job_field "$second" '.history[0].message')" "$not_applied" \
  "second unpatch: the attempt says why"
check_equal "$(job_field "$second" '.history[0].exit_code')" "null" \
  "second unpatch: no exit code, as nothing ran"
check_match "$(count_in_run_log "$not_applied")" '^1$' "the dispatcher says it once"
run wait "$second"
check_status 0 "second unpatch: wait exits 0"

# A product that is not installed has no patch to remove either.
gone=$(enqueue --action unpatch --patch-code "$patch" "$absent")
run_drain
check_equal "$(runs_of "$absent")" 0 "absent product: the installer was not started"
check_equal "$(job_field "$gone" .state)" "succeeded" "absent product: succeeded"
check_equal "$(job_field "$gone" '.history[0].message')" \
  "patch $patch is not applied to $absent (not installed), not run" \
  "absent product: the attempt says the product is not installed"

# A patch code in another case is the same patch (GUIDs are not
# case-sensitive), so it is removed.
lower=$(printf '%s' "$other_patch" | tr 'A-F' 'a-f')
third=$(enqueue --action unpatch "$product" "MSIPATCHREMOVE=$lower")
run_drain
check_equal "$(job_field "$third" .state)" "succeeded" "MSIPATCHREMOVE=: succeeded"
check_equal "$(runs_of "$product")" 2 "MSIPATCHREMOVE=: the installer ran"
check_equal "$(cat "$products/$product")" "1.0.0" \
  "the product's last patch line is gone, its version kept"

# A failed removal leaves the record as it was.
printf '1.0.0\n%s\n' "$patch" >"$products/$product"
failing=$(enqueue --action unpatch --max-attempts 1 --patch-code "$patch" "$product")
FAKE_INSTALLER_DEFAULT_CODE=1603 run_drain
check_equal "$(job_field "$failing" .state)" "failed" "a failing unpatch fails"
check_equal "$(cat "$products/$product")" "$(printf '1.0.0\n%s' "$patch")" \
  "a failed unpatch keeps the patch's line"

# The patch code read from the .msp itself (a relative path, made absolute
# only to be read): the same job as the code given.
make_patch_package "$sec/fix.msp" "$patch" "$product" "Sample Fix" ||
  fail "make_patch_package fix.msp"
from_file=$(cd "$sec" && msiq enqueue --action unpatch --patch-code fix.msp "$product")
check_match "$from_file" '^[0-9]+$' "--patch-code FIX.msp: enqueued"
check_equal "$(job_field "$from_file" .properties.MSIPATCHREMOVE)" "$patch" \
  "--patch-code FIX.msp: the patch's own code is stored"
msiq cancel "$from_file" >/dev/null 2>&1
printf 'not a patch\n' >"$sec/text.msp"
check_rejected 2 "'$sec/text.msp' is not a Windows Installer patch \\(\\.msp\\)" \
  "--patch-code of a file that is not a patch" enqueue --action unpatch --patch-code "$sec/text.msp" "$product"
check_rejected 2 "patch '$sec/gone.msp' does not exist" \
  "--patch-code of a missing .msp" enqueue --action unpatch --patch-code "$sec/gone.msp" "$product"

# ---------------------------------------------------------------------------
# 3. Bad input: one line, exit 2, the queue unchanged.
check_rejected 2 "unpatch needs the patch to remove: give --patch-code" \
  "unpatch without a patch code" enqueue --action unpatch "$product"
check_rejected 2 "invalid patch code '\\{5A3F0C1E\\}'" \
  "a malformed patch code" enqueue --action unpatch --patch-code '{5A3F0C1E}' "$product"
check_rejected 2 "invalid patch code .*one patch per job" \
  "two patch codes" enqueue --action unpatch "$product" "MSIPATCHREMOVE=$patch;$other_patch"
check_rejected 2 "unpatch target 'app.msi' must be the product code" \
  "a package as the target" enqueue --action unpatch --patch-code "$patch" app.msi
check_rejected 2 "unpatch target '\\{1B2C3D4E-5F60\\}' must be the product code" \
  "a malformed product code" enqueue --action unpatch --patch-code "$patch" '{1B2C3D4E-5F60}'
check_rejected 2 "--patch-code names the patch to remove, so it goes only with --action unpatch, not uninstall" \
  "--patch-code with another action" enqueue --action uninstall --patch-code "$patch" "$product"
check_rejected 2 "--patch-code sets the MSIPATCHREMOVE property, and the job already sets MSIPATCHREMOVE" \
  "--patch-code and MSIPATCHREMOVE" enqueue --action unpatch --patch-code "$patch" "$product" "MSIPATCHREMOVE=$patch"
check_rejected 2 "unpatch removes a patch from an installed product, so the job may not set TRANSFORMS" \
  "a transform property" enqueue --action unpatch --patch-code "$patch" "$product" TRANSFORMS=a.mst
check_rejected 2 "unpatch removes a patch from an installed product, so the job may not set PATCH" \
  "a patch to apply" enqueue --action unpatch --patch-code "$patch" "$product" PATCH=/x/fix.msp
check_rejected 2 "--transform goes only with --action install or advertise, not unpatch" \
  "--transform" enqueue --action unpatch --patch-code "$patch" --transform a.mst "$product"
check_rejected 2 "--target-dir .* not unpatch" \
  "--target-dir" enqueue --action unpatch --patch-code "$patch" --target-dir img "$product"
check_rejected 2 "--reinstall installs again, so it goes only with --action install, not unpatch" \
  "--reinstall" enqueue --action unpatch --reinstall --patch-code "$patch" "$product"
check_rejected 2 "--stage copies a package file" \
  "--stage" enqueue --action unpatch --stage --patch-code "$patch" "$product"
run enqueue --help
check_match "$out" "--patch-code" "enqueue --help names --patch-code"

# ---------------------------------------------------------------------------
# 4. exec: msiexec's two documented forms are this job.
export FAKE_INSTALLER_DEFAULT_CODE=0
printf '1.0.0\n%s\n' "$patch" >"$products/$product"
start_dispatcher
run exec /uninstall "$patch" /package "$product" /qn
check_status 0 "exec /uninstall PATCH /package PRODUCT exits 0"
last=$(msiq --json list | jq -r '.[-1].id')
check_equal "$(job_field "$last" .action)" "unpatch" "exec /uninstall /package: an unpatch job"
check_equal "$(job_field "$last" .target)" "$product" "exec /uninstall /package: the product is the target"
check_equal "$(job_field "$last" .properties.MSIPATCHREMOVE)" "$patch" \
  "exec /uninstall /package: the patch code"
check_equal "$(cat "$products/$product")" "1.0.0" "exec /uninstall /package: the patch was removed"

printf '1.0.0\n%s\n' "$patch" >"$products/$product"
run exec /package "$product" /uninstall "$patch" /qn
check_status 0 "exec /package PRODUCT /uninstall PATCH exits 0"
last=$(msiq --json list | jq -r '.[-1].id')
check_equal "$(job_field "$last" .action)" "unpatch" "exec /package /uninstall: an unpatch job"
check_equal "$(cat "$products/$product")" "1.0.0" "exec /package /uninstall: the patch was removed"

run exec /i "$product" "MSIPATCHREMOVE=$patch" /qn
check_status 0 "exec /i PRODUCT MSIPATCHREMOVE=PATCH exits 0"
last=$(msiq --json list | jq -r '.[-1].id')
check_equal "$(job_field "$last" .action)" "unpatch" "exec /i MSIPATCHREMOVE=: an unpatch job"
check_equal "$(job_field "$last" '.history[0].message')" \
  "patch $patch is not applied to $product, not run" \
  "exec /i MSIPATCHREMOVE=: not applied any more, so not run"
stop_dispatcher

before=$(queue_snapshot)
run exec /uninstall "$patch" /package app.msi /qn
check_status $((1639 & 255)) "exec /uninstall PATCH /package PACKAGE is refused with 1639 (103 on POSIX)"
run exec /uninstall '{5A3F0C1E}' /package "$product" /qn
check_status $((1639 & 255)) "exec with a malformed patch code is refused with 1639 (103 on POSIX)"
run exec /uninstall "$patch" /package "$product" /uninstall "$other_patch" /qn
check_status $((1639 & 255)) "exec with a third action switch is refused with 1639 (103 on POSIX)"
check_equal "$(queue_snapshot)" "$before" "exec refusals: the queue unchanged"

# ---------------------------------------------------------------------------
# 5. import: a manifest's "patch_code".
cat >"$sec/manifest.json" <<JSON
[{"action": "unpatch", "target": "$product", "patch_code": "$patch", "key": "rm-fix"}]
JSON
run import "$sec/manifest.json"
check_status 0 "import of an unpatch job"
imported=$(msiq --json list --key rm-fix | jq -r '.[0].id')
check_equal "$(job_field "$imported" .action)" "unpatch" "import: the action"
check_equal "$(job_field "$imported" .properties.MSIPATCHREMOVE)" "$patch" "import: the patch code"
cat >"$sec/bad.json" <<JSON
[{"action": "unpatch", "target": "$product", "patch_code": "not-a-guid"}]
JSON
check_rejected 2 "invalid patch code 'not-a-guid'" "import of a bad patch code" import "$sec/bad.json"

finish
