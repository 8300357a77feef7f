#!/usr/bin/env bash
# package_metadata.sh: package metadata read at enqueue by Wine's msi.dll
# (src/host/win/host_win_package.c; issue 12, item 1): a product built by
# wixl (its ProductCode, name, version, manufacturer, UpgradeCode, ALLUSERS,
# platform and languages in show, list and --json), a patch written by
# tests/win/make_patch.c with msi.dll and OLE (opened with
# MSIDBOPEN_PATCHFILE: its code, targets and display name, the patch action
# implied by .msp), and files that are not packages refused with exit 2
# and one line, nothing enqueued. No installer runs.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/wine/lib.sh"

trap wine_prefix_cleanup EXIT

# msiq ARGS...: msiq.exe through Wine, output without the CRs, and the
# results in $out, $err, $status.
run() {
  wine "$MSIQ_EXE" "$@" >"$work_dir/out" 2>"$work_dir/err" </dev/null
  status=$?
  out=$(tr -d '\r' <"$work_dir/out")
  err=$(tr -d '\r' <"$work_dir/err")
}

q="$work_dir/q"
pkgs="$work_dir/pkgs"
mkdir -p "$q" "$pkgs"
chmod 0700 "$work_dir" "$q" "$pkgs"
export MSIQ_DB
MSIQ_DB=$(win_path "$q/queue.db")
wine_prefix_init
wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1

make_package "$pkgs/app.msi" "Wine Sample" 3.2.1 || fail "make_package failed"
product_code=$(package_property "$pkgs/app.msi" ProductCode)
upgrade_code=$(package_property "$pkgs/app.msi" UpgradeCode)
check_match "$product_code" '^\{[0-9A-F-]{36}\}$' "the fixture has a ProductCode"

# 1. A product, read by msi.dll.
run enqueue "$(win_path "$pkgs/app.msi")"
check_status 0 "enqueue of a wixl package"
app_id=$out
run --json show "$app_id"
check_equal "$(jq_of "$out" '.package.kind')" "product" "msi.dll: kind"
check_equal "$(jq_of "$out" '.package.name')" "Wine Sample" "msi.dll: ProductName"
check_equal "$(jq_of "$out" '.package.version')" "3.2.1" "msi.dll: ProductVersion"
check_equal "$(jq_of "$out" '.package.product_code')" "$product_code" "msi.dll: ProductCode"
check_equal "$(jq_of "$out" '.package.upgrade_code')" "$upgrade_code" "msi.dll: UpgradeCode"
check_equal "$(jq_of "$out" '.package.manufacturer')" "msiq tests" "msi.dll: Manufacturer"
check_equal "$(jq_of "$out" '.package.all_users')" "1" "msi.dll: ALLUSERS"
check_equal "$(jq_of "$out" '.package.platform')" "Intel" "msi.dll: the summary's platform"
check_equal "$(jq_of "$out" '.package.languages | @json')" "[1033]" "msi.dll: the summary's languages"
run list
check_match "$out" "^$app_id +queued +install .* Wine Sample 3\.2\.1\$" "list names the product"
run show "$app_id"
check_match "$out" "scope: +per-machine" "show: the scope"

# 2. A patch written with msi.dll, opened with MSIDBOPEN_PATCHFILE.
patch_code="{6A1B2C3D-4E5F-4071-8293-A4B5C6D7E8F9}"
other_target="{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0}"
wine "$MAKE_PATCH_EXE" "$(win_path "$pkgs/fix.msp")" "$patch_code" "$product_code;$other_target" \
  "Wine Sample Fix" >"$work_dir/make_patch.log" 2>&1 ||
  fail "make_patch.exe failed: $(tr -d '\r' <"$work_dir/make_patch.log")"
run enqueue "$(win_path "$pkgs/fix.msp")"
check_status 0 "enqueue of a .msp"
patch_id=$out
run --json show "$patch_id"
check_equal "$(jq_of "$out" '.action')" "patch" "a .msp implies the patch action"
check_equal "$(jq_of "$out" '.package.kind')" "patch" "msi.dll: a patch"
check_equal "$(jq_of "$out" '.package.patch_code')" "$patch_code" "msi.dll: the patch code"
check_equal "$(jq_of "$out" '.package.targets | join(",")')" "$product_code,$other_target" "msi.dll: the targets"
check_equal "$(jq_of "$out" '.package.name')" "Wine Sample Fix" "msi.dll: MsiPatchMetadata's DisplayName"

# 3. Not packages: exit 2, one line, nothing enqueued.
printf 'not a package\r\n' >"$pkgs/x.msi"
before=$(msiq --json list)
run enqueue "$(win_path "$pkgs/x.msi")"
check_error 2 "x\.msi' is not a Windows Installer package \(\.msi\): it is not an OLE compound file" "a text file named .msi"
cp "$pkgs/app.msi" "$pkgs/product.msp"
run enqueue "$(win_path "$pkgs/product.msp")"
check_error 2 "product\.msp' is not a Windows Installer patch \(\.msp\): Windows Installer cannot open it as a patch" \
  "a product named .msp (msi.dll refuses it as a patch)"
cp "$pkgs/fix.msp" "$pkgs/patch.msi"
run enqueue "$(win_path "$pkgs/patch.msi")"
check_error 2 "patch\.msi' is not a Windows Installer package \(\.msi\)" "a patch named .msi"
check_equal "$(msiq --json list)" "$before" "nothing was enqueued"

finish
