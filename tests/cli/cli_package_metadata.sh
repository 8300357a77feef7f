#!/usr/bin/env bash
# cli_package_metadata.sh: at enqueue, import and exec msiq opens a
# reachable package read-only and keeps what it says (issue 12, item 1):
# a product's name, version, codes, manufacturer, ALLUSERS, platform and
# languages; a patch's code, targets and display name. `list` shows the
# name and version instead of the path, `show` and `--json` every field. A
# file that is not a Windows Installer package is refused with exit 2 and
# one line, nothing enqueued; --no-check reads nothing. A .msp is a patch
# unless an action is given. Real packages: built by wixl (make_package)
# and by tests/make_patch.c (make_patch_package).
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

chmod 0700 "$work_dir"
pkgs="$work_dir/pkgs"
mkdir -p "$pkgs"
chmod 0700 "$pkgs"

make_package "$pkgs/app.msi" "Sample App" 2.5.1 || fail "make_package failed"
make_package "$pkgs/other.msi" "Other Tool" 1.0.0 || fail "make_package failed"
product_code=$(package_property "$pkgs/app.msi" ProductCode)
upgrade_code=$(package_property "$pkgs/app.msi" UpgradeCode)
check_match "$product_code" '^\{[0-9A-F-]{36}\}$' "the fixture has a ProductCode"

# ---------------------------------------------------------------------------
# 1. A product's metadata in list, show and --json.
run enqueue "$pkgs/app.msi"
check_status 0 "enqueue of a real package"
app_id=$out

run list
check_status 0 "list"
check_match "$out" "^$app_id +queued +install .* Sample App 2\.5\.1\$" "list names the product and its version"
if printf '%s' "$out" | grep -q "$pkgs/app.msi"; then
  fail "list still shows the path of a package it knows"
else
  pass
fi

run show "$app_id"
check_status 0 "show"
check_match "$out" "target: +$pkgs/app.msi" "show keeps the path"
check_match "$out" "product: +Sample App 2\.5\.1" "show: product"
check_match "$out" "product code: +\\$product_code" "show: product code"
check_match "$out" "manufacturer: +msiq tests" "show: manufacturer"
check_match "$out" "upgrade code: +\\$upgrade_code" "show: upgrade code"
check_match "$out" "platform: +Intel" "show: platform"
check_match "$out" "languages: +1033" "show: languages"
check_match "$out" "scope: +per-machine \(ALLUSERS=1" "show: a perMachine package is per-machine"

run --json show "$app_id"
check_status 0 "show --json"
check_equal "$(jq_of "$out" '.package.kind')" "product" "json: kind"
check_equal "$(jq_of "$out" '.package.name')" "Sample App" "json: name"
check_equal "$(jq_of "$out" '.package.version')" "2.5.1" "json: version"
check_equal "$(jq_of "$out" '.package.product_code')" "$product_code" "json: product code"
check_equal "$(jq_of "$out" '.package.upgrade_code')" "$upgrade_code" "json: upgrade code"
check_equal "$(jq_of "$out" '.package.manufacturer')" "msiq tests" "json: manufacturer"
check_equal "$(jq_of "$out" '.package.all_users')" "1" "json: ALLUSERS"
check_equal "$(jq_of "$out" '.package.install_per_user')" "null" "json: no MSIINSTALLPERUSER"
check_equal "$(jq_of "$out" '.package.platform')" "Intel" "json: platform"
check_equal "$(jq_of "$out" '.package.languages | @json')" "[1033]" "json: languages are numbers"
run --json list
check_equal "$(jq_of "$out" ".[] | select(.id == $app_id) | .package.name")" "Sample App" "list --json carries the package"

# ---------------------------------------------------------------------------
# 2. --no-check reads nothing: the path is shown, package is null.
run enqueue --no-check "$pkgs/other.msi"
check_status 0 "enqueue --no-check"
unchecked_id=$out
run --json show "$unchecked_id"
check_equal "$(jq_of "$out" '.package')" "null" "--no-check: no package metadata"
run list
check_match "$out" "^$unchecked_id .* $pkgs/other\.msi\$" "--no-check: list shows the path"
run show "$unchecked_id"
if printf '%s' "$out" | grep -q '^product:'; then fail "--no-check: show names a product"; else pass; fi

# A product code names no file: nothing to read.
run enqueue --action uninstall "$product_code"
check_status 0 "uninstall by product code"
run --json show "$out"
check_equal "$(jq_of "$out" '.package')" "null" "a product code target has no package metadata"

# ---------------------------------------------------------------------------
# 3. A file that is not a package: exit 2, one line, the queue unchanged.
printf 'not a package\n' >"$pkgs/x.msi"
check_rejected 2 "'$pkgs/x\.msi' is not a Windows Installer package \(\.msi\): it is not an OLE compound file" \
  "a text file named x.msi" enqueue "$pkgs/x.msi"
# A cut-off package is an OLE header without a database.
head -c 1024 "$pkgs/app.msi" >"$pkgs/cut.msi"
check_rejected 2 "'$pkgs/cut\.msi' is not a Windows Installer package" "a truncated package" enqueue "$pkgs/cut.msi"
# An empty file.
: >"$pkgs/empty.msi"
check_rejected 2 "is not a Windows Installer package" "an empty .msi" enqueue "$pkgs/empty.msi"
# exec refuses it the same way, before anything is enqueued.
check_rejected $((1620 & 255)) "is not a Windows Installer package" "exec of a text file: 1620, as msiexec" exec /i "$pkgs/x.msi" /qn
# In a manifest, the item is named and nothing of the manifest is stored.
printf '[{"target": "%s"}, {"target": "%s"}]\n' "$pkgs/app.msi" "$pkgs/x.msi" >"$work_dir/manifest.json"
check_rejected 2 "is not a Windows Installer package" "import with a non-package" import "$work_dir/manifest.json"
# The library that reads packages natively (libmsi) is loaded only when a
# package is read, not linked (every msiq process would pay for loading it
# and GLib): msiq needs none of them, and when the library cannot be
# loaded (MSIQ_SIM_LIBMSI names a file that does not exist) a package read
# fails with one line naming it, exit 1, nothing enqueued, while commands
# that read no package still work.
needed=$(readelf -d "$MSIQ_BIN" | awk '/\(NEEDED\)/ { print $NF }' | tr -d '[]' | tr '\n' ' ')
check_match "$needed" 'libc\.so' "readelf lists msiq's libraries"
if printf '%s' "$needed" | grep -Eq 'libmsi|libglib|libgobject|libgio|libgsf|libicu'; then
  fail "msiq is linked against libmsi or its libraries: $needed"
else
  pass
fi
missing_lib=libmsi-missing.so.0
MSIQ_SIM_LIBMSI=$missing_lib check_rejected 1 \
  "cannot read package '$pkgs/app\.msi': cannot load $missing_lib \(msitools' library, which reads packages\): cannot open shared object file: No such file or directory\$" \
  "enqueue without the library" enqueue "$pkgs/app.msi"
MSIQ_SIM_LIBMSI=$missing_lib check_rejected 1 "cannot load $missing_lib" \
  "import without the library" import "$work_dir/manifest.json"
MSIQ_SIM_LIBMSI=$missing_lib check_rejected $((1603 & 255)) "cannot load $missing_lib" \
  "exec without the library: 1603" exec /i "$pkgs/app.msi" /qn
MSIQ_SIM_LIBMSI=$missing_lib run list
check_status 0 "list without the library"
# (In a queue of its own, so that the ids below stay as they are.)
MSIQ_SIM_LIBMSI=$missing_lib MSIQ_DB=$work_dir/nolib.db run enqueue --no-check "$pkgs/app.msi"
check_status 0 "--no-check enqueues without the library"

# With --no-check the file is not opened, so it is enqueued (the
# dispatcher's installer judges it at start).
run enqueue --no-check "$pkgs/x.msi"
check_status 0 "--no-check enqueues a file it does not open"

# The refusal says what the file is not: a .msi that is really a patch.
make_patch_package "$pkgs/patch-as.msi" "{AAAAAAAA-0000-0000-0000-000000000001}" "$product_code" ||
  fail "make_patch_package failed"
check_rejected 2 "as a patch's \(\.msp\) does" "a patch named .msi" enqueue "$pkgs/patch-as.msi"

# ---------------------------------------------------------------------------
# 4. A patch: implies --action patch; its code, targets and name are kept.
patch_code="{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0}"
second_target="{22222222-3333-4444-5555-666666666666}"
make_patch_package "$pkgs/fix.msp" "$patch_code" "$product_code;$second_target" "Sample App Fix 1" ||
  fail "make_patch_package failed"
run enqueue "$pkgs/fix.msp"
check_status 0 "enqueue of a .msp without --action"
patch_id=$out
run --json show "$patch_id"
check_equal "$(jq_of "$out" '.action')" "patch" "a .msp implies --action patch"
check_equal "$(jq_of "$out" '.package.kind')" "patch" "json: patch kind"
check_equal "$(jq_of "$out" '.package.patch_code')" "$patch_code" "json: patch code"
check_equal "$(jq_of "$out" '.package.name')" "Sample App Fix 1" "json: display name"
check_equal "$(jq_of "$out" '.package.targets | join(",")')" "$product_code,$second_target" "json: targets"
run show "$patch_id"
check_match "$out" "patch: +Sample App Fix 1" "show: patch"
check_match "$out" "patch code: +\\$patch_code" "show: patch code"
check_match "$out" "applies to: +\\$product_code;\\$second_target" "show: targets"
run list
check_match "$out" "^$patch_id +queued +patch .* Sample App Fix 1\$" "list names the patch"

# A patch without MsiPatchMetadata is named by its summary's Subject.
make_patch_package "$pkgs/old.msp" "{0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F1}" "$product_code" "" ||
  fail "make_patch_package failed"
run enqueue --action patch "$pkgs/old.msp"
check_status 0 "enqueue of a patch without metadata"
run --json show "$out"
check_equal "$(jq_of "$out" '.package.name')" "Subject of the test patch" "no MsiPatchMetadata: the Subject"

# An explicit action wins; an install of a .msp is then refused by form.
check_rejected 2 "install target .* must be a \.msi package" "--action install of a .msp" \
  enqueue --action install "$pkgs/fix.msp"
# A product renamed .msp is not a patch.
cp "$pkgs/app.msi" "$pkgs/app.msp"
check_rejected 2 "'$pkgs/app\.msp' is not a Windows Installer patch \(\.msp\)" "a product named .msp" \
  enqueue "$pkgs/app.msp"
# A manifest item with a .msp target and no action is a patch too.
printf '[{"target": "%s", "key": "m-fix"}]\n' "$pkgs/fix.msp" >"$work_dir/patch.json"
run import "$work_dir/patch.json"
check_status 0 "import of a .msp"
run --json list
check_equal "$(jq_of "$out" '[.[] | select(.key == "m-fix")][0].action')" "patch" "import: a .msp implies patch"
check_equal "$(jq_of "$out" '[.[] | select(.key == "m-fix")][0].package.patch_code')" "$patch_code" "import: patch metadata"

# exec reads the package too (a dispatcher runs its job with the fake
# installer; the bound only ends a test that went wrong).
start_dispatcher
# shellcheck disable=SC2086 # MSIQ_RUNNER may be a command with arguments
out=$(timeout 30 ${MSIQ_RUNNER:-} "$MSIQ_BIN" exec /i "$pkgs/other.msi" /qn 2>"$work_dir/exec.err")
status=$?
err=$(cat "$work_dir/exec.err")
check_status 0 "exec /i of a real package"
stop_dispatcher
run --json list
check_equal "$(jq_of "$out" '[.[] | select(.package.name == "Other Tool" and .state == "succeeded")] | length')" "1" \
  "exec keeps the metadata"

# ---------------------------------------------------------------------------
# 5. list's filters (issue 12 item 5): --product by name (any case) or
# product code, --key, --action, --since, --limit, each alone and together;
# bad values refused with exit 2.
export MSIQ_DB="$work_dir/filters/queue.db"
mkdir -m 0700 "$work_dir/filters"
f_app=$(msiq enqueue --key k-app "$pkgs/app.msi")
f_other=$(msiq enqueue --key k-other "$pkgs/other.msi")
f_repair=$(msiq enqueue --action repair "$pkgs/app.msi")
f_patch=$(msiq enqueue "$pkgs/fix.msp")
f_offline=$(msiq enqueue --no-check "$pkgs/offline.msi")
check_equal "$f_app $f_other $f_repair $f_patch $f_offline" "1 2 3 4 5" "filters: five jobs"

# ids_of ARGS...: the ids `list --json ARGS` gives, joined by spaces.
ids_of() {
  msiq --json list "$@" | jq -r 'map(.id | tostring) | join(" ")'
}
check_equal "$(ids_of --product 'sample app')" "1 3" "--product matches the name in any case"
check_equal "$(ids_of --product "$product_code")" "1 3" "--product matches the product code"
lower_code=$(printf '%s' "$product_code" | tr 'A-F' 'a-f')
check_equal "$(ids_of --product "$lower_code")" "1 3" "--product matches the product code in any case"
check_equal "$(ids_of --product 'Sample')" "" "--product is the whole name, not a part"
check_equal "$(ids_of --key k-other)" "2" "--key"
check_equal "$(ids_of --action patch)" "4" "--action patch"
check_equal "$(ids_of --action install)" "1 2 5" "--action install"
check_equal "$(ids_of --product 'Sample App' --action repair)" "3" "--product with --action"
check_equal "$(ids_of --product 'Sample App' --key k-other)" "" "--product with another product's key"
check_equal "$(ids_of --limit 2)" "4 5" "--limit: the newest, oldest first"
check_equal "$(ids_of --action install --limit 2)" "2 5" "--limit applies after the other filters"
check_equal "$(ids_of --since 1h)" "1 2 3 4 5" "--since a duration ago"
check_equal "$(ids_of --since 2099-01-01T00:00:00Z)" "" "--since a time to come"
check_equal "$(ids_of --state queued --action uninstall)" "" "--state with --action"
check_equal "$(ids_of --state queued --product 'sample APP' --limit 1)" "3" "--state, --product and --limit"
run list --product 'Sample App'
check_status 0 "list --product (text)"
check_equal "$(printf '%s\n' "$out" | sed 1d | awk '{print $1}' | tr '\n' ' ')" "1 3 " "list --product prints the matching rows"
check_rejected 2 "--limit '0' is not a whole number of 1 or more" "--limit 0" list --limit 0
check_rejected 2 "--limit 'x' is not a whole number" "--limit x" list --limit x
check_rejected 2 "unknown action 'frob'" "--action frob" list --action frob
check_rejected 2 "" "--since nonsense" list --since nonsense

finish
