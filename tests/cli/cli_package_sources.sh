#!/usr/bin/env bash
# cli_package_sources.sh: SYSTEM never runs a package someone other than an
# administrator can change (issue 15, item 13). A package in a folder
# others can write, below one whose entries others can replace, writable by
# others, owned by another user, or reached through a symbolic link is
# refused at enqueue with what to do (move it, or --stage), and refused
# again at start, before the installer runs, when that changed after the
# enqueue or the enqueue could not look (--no-check); so are a job's
# transforms and further patches. `enqueue --stage`
# copies the package into the queue's own folder (`staged` beside the
# database) with its SHA-256, which the dispatcher checks before it starts
# the installer: any source is then safe, a changed copy is refused, and
# purge deletes the copies of the jobs it deletes; a job's transforms and
# further patches are staged and checked alike. Tests run as root:
# "others" are made with world-writable modes and chown to nobody.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

dispatcher_options=(--poll 100ms)

new_section() {
  begin_section "$1"
  chmod 0700 "$sec"
}

private_dir() {
  mkdir -p "$1"
  chmod 0700 "$1"
}

# A real package (enqueue reads it), so that its SHA-256 means something.
package_in() {
  make_package "$1/$2.msi" || fail "package_in $2: make_package failed"
  printf '%s\n' "$1/$2.msi"
}

# ---------------------------------------------------------------------------
# 1. Refused at enqueue.
new_section enqueue
private_dir "$sec/pkgs"
safe_app=$(package_in "$sec/pkgs" safe)
run enqueue "$safe_app"
check_status 0 "a package in a private folder is accepted"

private_dir "$sec/open"
chmod 0777 "$sec/open"
open_app=$(package_in "$sec/open" app)
check_rejected 2 "refusing package $sec/open/app\.msi: $sec/open can be written by everyone \(mode 0777\); move it to a folder only administrators can change, or enqueue it with --stage" \
  "a package in a world-writable folder is refused, with what to do" enqueue "$open_app"
private_dir "$sec/open/inner"
inner_app=$(package_in "$sec/open/inner" app)
check_rejected 2 "$sec/open lets everyone \(mode 0777\) delete or rename what it holds" \
  "a package below a world-writable folder is refused" enqueue "$inner_app"
shared_app=$(package_in "$sec/pkgs" shared)
chmod 0666 "$shared_app"
check_rejected 2 "refusing package $shared_app: it can be written by everyone \(mode 0666\)" \
  "a package file others may write is refused" enqueue "$shared_app"
ln -s "$safe_app" "$sec/pkgs/link.msi"
check_rejected 2 "refusing package $sec/pkgs/link\.msi: it is a symbolic link or junction; name the real path" \
  "a package that is a symbolic link is refused" enqueue "$sec/pkgs/link.msi"
if [ "$(id -u)" -eq 0 ]; then
  theirs_app=$(package_in "$sec/pkgs" theirs)
  chown nobody "$theirs_app"
  check_rejected 2 "refusing package $theirs_app: it is owned by uid $(id -u nobody), who is not an administrator" \
    "a package owned by another user is refused" enqueue "$theirs_app"
  private_dir "$sec/their-folder"
  their_folder_app=$(package_in "$sec/their-folder" app)
  chown nobody "$sec/their-folder"
  check_rejected 2 "$sec/their-folder is owned by uid $(id -u nobody)" \
    "a package in a folder owned by another user is refused" enqueue "$their_folder_app"
fi
# Every way in: a repair given a .msi names a package too, and an import.
check_rejected 2 "refusing package $open_app: " \
  "a repair of a package in a world-writable folder is refused" enqueue --action repair "$open_app"
printf '[{"target":"%s"},{"target":"%s"}]' "$safe_app" "$open_app" >"$sec/manifest.json"
check_rejected 2 "import item 2: refusing package $open_app: " \
  "import refuses a package in a world-writable folder, naming the item" import "$sec/manifest.json"
# A product code names no file: nothing to judge.
run enqueue --action uninstall '{12345678-ABCD-ef01-2345-6789ABCDEF01}'
check_status 0 "an uninstall by product code is accepted"

# ---------------------------------------------------------------------------
# 2. Judged again at start, before the installer runs.
new_section start
private_dir "$sec/pkgs"
private_dir "$sec/later"
offline=$(package_in "$sec/pkgs" offline)
later=$(package_in "$sec/later" later)
fine=$(package_in "$sec/pkgs" fine)
# --no-check (a share that is offline now) cannot be judged at enqueue.
mv "$offline" "$sec/offline.msi"
job_offline=$(enqueue --no-check "$sec/open/offline.msi")
job_later=$(enqueue "$later")
job_fine=$(enqueue "$fine")
check_match "$job_offline $job_later $job_fine" '^[0-9]+ [0-9]+ [0-9]+$' "start: three jobs enqueued"
private_dir "$sec/open"
chmod 0777 "$sec/open"
mv "$sec/offline.msi" "$sec/open/offline.msi"
chmod 0777 "$sec/later"
run_drain
check_equal "$drain_status" "0" "start: the drain finishes"
check_equal "$(job_field "$job_offline" .state)" "failed" "start: the --no-check package that turned up in a world-writable folder failed"
check_match "$(job_field "$job_offline" .last_error)" "^refusing package $sec/open/offline\.msi: $sec/open can be written by everyone \(mode 0777\); move it to a folder only administrators can change, or enqueue it with --stage" \
  "start: its last error says why and what to do"
check_equal "$(job_field "$job_later" .state)" "failed" "start: the package whose folder became world-writable failed"
check_equal "$(job_field "$job_fine" .state)" "succeeded" "start: the private package ran"
check_equal "$(runs_of "$sec/open/offline.msi")$(runs_of "$later")" "00" "start: the refused packages never reached the installer"
check_equal "$(runs_of "$fine")" "1" "start: the private package reached it once"

# The transforms and further patches the installer reads beside the
# package are judged again at start too.
private_dir "$sec/extras"
private_dir "$sec/extras/t"
private_dir "$sec/extras/p"
printf 'transform\n' >"$sec/extras/t/site.mst"
make_patch_package "$sec/extras/p/more.msp" "{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}" || fail "make_patch_package more.msp"
make_patch_package "$sec/extras/fix.msp" || fail "make_patch_package fix.msp"
with_transform=$(enqueue --transform "$sec/extras/t/site.mst" "$fine")
with_patch=$(enqueue --patch "$sec/extras/p/more.msp" "$sec/extras/fix.msp")
check_match "$with_transform $with_patch" '^[0-9]+ [0-9]+$' "start: a job with a transform and one with a further patch enqueued"
chmod 0777 "$sec/extras/t" "$sec/extras/p"
runs_before=$(runs_of "$fine")
run_drain
check_equal "$(job_field "$with_transform" .state)" "failed" "start: the job whose transform's folder became world-writable failed"
check_match "$(job_field "$with_transform" .last_error)" "^refusing package $sec/extras/t/site\.mst: $sec/extras/t can be written by everyone" \
  "start: its last error names the transform"
check_equal "$(job_field "$with_patch" .state)" "failed" "start: the job whose further patch's folder became world-writable failed"
check_match "$(job_field "$with_patch" .last_error)" "^refusing package $sec/extras/p/more\.msp: " \
  "start: its last error names the further patch"
check_equal "$(runs_of "$fine")$(runs_of "$sec/extras/fix.msp;$sec/extras/p/more.msp")" "${runs_before}0" \
  "start: neither reached the installer"

# ---------------------------------------------------------------------------
# 3. --stage: a copy in the queue's own folder runs, checked by its SHA-256.
new_section stage
private_dir "$sec/open"
chmod 0777 "$sec/open"
source_app=$(package_in "$sec/open" app)
source_sum=$(sha256sum "$source_app" | cut -d' ' -f1)
run --json enqueue --stage "$source_app" ALLUSERS=1
check_status 0 "stage: a package from a world-writable folder is accepted with --stage"
job=$(jq_of "$out" .id)
copy=$(jq_of "$out" .target)
check_equal "$(jq_of "$out" .staged.source)" "$source_app" "stage: the source is recorded"
check_equal "$(jq_of "$out" .staged.sha256)" "$source_sum" "stage: the copy's SHA-256 is the source's"
check_match "$copy" "^$sec/staged/[0-9a-f]+-[0-9a-f]+-app\.msi\$" "stage: the job runs a copy in staged/ beside the database"
check_equal "$(sha256sum "$copy" | cut -d' ' -f1)" "$source_sum" "stage: the copy holds the source's bytes"
check_equal "$(stat -c %a "$sec/staged")" "700" "stage: staged/ is private"
check_match "$(stat -c %a "$copy")" "^[0-7]00\$" "stage: the copy is its owner's only"
run show "$job"
check_match "$out" "staged from: +$source_app" "stage: show names the source"
check_match "$out" "sha256: +$source_sum" "stage: show gives the SHA-256"
# Whoever can write the source swaps it now: the copy is what runs.
printf 'evil\n' >"$source_app"
# A copy that changed after staging is refused; so is one that is gone.
job_tampered=$(enqueue --stage "$(package_in "$sec/open" tampered)")
tampered_copy=$(job_field "$job_tampered" .target)
tampered_sum=$(job_field "$job_tampered" .staged.sha256)
printf 'more\n' >>"$tampered_copy"
new_sum=$(sha256sum "$tampered_copy" | cut -d' ' -f1)
job_gone=$(enqueue --stage "$(package_in "$sec/open" gone)")
gone_copy=$(job_field "$job_gone" .target)
rm "$gone_copy"
run_drain
check_equal "$(job_field "$job" .state)" "succeeded" "stage: the staged job ran"
check_equal "$(runs_of "$copy")" "1" "stage: the installer got the copy"
check_equal "$(runs_of "$source_app")" "0" "stage: the installer never got the swapped source"
check_match "$(cat "$FAKE_INSTALLER_LOG")" "\[$copy\] .*\[ALLUSERS=1\]" "stage: with the job's properties"
check_equal "$(job_field "$job_tampered" .state)" "failed" "stage: a changed copy fails its job"
check_equal "$(job_field "$job_tampered" .last_error)" \
  "staged package $tampered_copy has changed since it was staged (SHA-256 $new_sum, staged as $tampered_sum); enqueue the package again with --stage" \
  "stage: its last error gives both digests"
check_equal "$(runs_of "$tampered_copy")" "0" "stage: the changed copy never reached the installer"
check_equal "$(job_field "$job_gone" .state)" "failed" "stage: a missing copy fails its job"
check_match "$(job_field "$job_gone" .last_error)" "^cannot check the staged package: cannot read $gone_copy: " \
  "stage: its last error says the copy cannot be read"

# Usage errors and refusals leave no copy behind.
copies_before=$(ls "$sec/staged" | wc -l)
check_rejected 2 "--stage copies the package now, so it cannot go with --no-check" \
  "stage: --stage with --no-check is refused" enqueue --stage --no-check "$source_app"
check_rejected 2 "--stage copies a package file, and '\{12345678-ABCD-ef01-2345-6789ABCDEF01\}' is a product code" \
  "stage: --stage of a product code is refused" enqueue --stage --action uninstall '{12345678-ABCD-ef01-2345-6789ABCDEF01}'
check_rejected 2 "package '$sec/open/missing\.msi' does not exist" \
  "stage: --stage of a missing package is refused" enqueue --stage "$sec/open/missing.msi"
keyed=$(enqueue --stage --key k1 "$(package_in "$sec/open" keyed)")
again=$(enqueue --stage --key k1 "$sec/open/keyed.msi")
check_equal "$again" "$keyed" "stage: a key that names an unfinished job answers it"
check_equal "$(ls "$sec/staged" | wc -l)" "$((copies_before + 1))" "stage: only the keyed job's one copy was added"

# purge deletes the copies of the jobs it deletes.
keyed_copy=$(job_field "$keyed" .target)
run cancel "$keyed"
sleep 1.2
run purge --older-than 1s
check_status 0 "stage: purge"
for gone in "$copy" "$tampered_copy" "$keyed_copy"; do
  [ -e "$gone" ] && fail "stage: purge left $gone"
done
check_equal "$(ls "$sec/staged" | wc -l)" "0" "stage: purge emptied staged/"
check_equal "$(msiq --json list | jq length)" "0" "stage: purge deleted every finished job"

# ---------------------------------------------------------------------------
# 4. --stage copies a job's transforms and further patches too: each copy
# is checked by its SHA-256 before the start, and purge deletes it.
new_section stage_files
private_dir "$sec/open"
chmod 0777 "$sec/open"
source_app=$(package_in "$sec/open" app)
printf 'transform\n' >"$sec/open/site.mst"
check_rejected 2 "refusing package $sec/open/site\.mst" \
  "stage files: without --stage a transform in a world-writable folder is refused" \
  enqueue --transform "$sec/open/site.mst" "$source_app"
run --json enqueue --stage --transform "$sec/open/site.mst" "$source_app"
check_status 0 "stage files: with --stage it is accepted ($err)"
with_transform=$(jq_of "$out" .id)
transform_copy=$(jq_of "$out" '.staged.files[0].path')
check_match "$transform_copy" "^$sec/staged/[0-9a-f]+-[0-9a-f]+-site\.mst\$" "stage files: the transform is copied into staged/"
check_equal "$(jq_of "$out" '[(.staged.files | length), .staged.files[0].source, .staged.files[0].sha256, .properties.TRANSFORMS] | map(tostring) | join(" ")')" \
  "1 $sec/open/site.mst $(sha256sum "$sec/open/site.mst" | cut -d' ' -f1) $transform_copy" \
  "stage files: its source and SHA-256 are recorded, and TRANSFORMS names the copy"
make_patch_package "$sec/open/fix.msp" || fail "make_patch_package fix.msp"
make_patch_package "$sec/open/more.msp" "{6B4F1D2F-8C3E-4F7B-AD9C-2E3F40516273}" || fail "make_patch_package more.msp"
run --json enqueue --stage --patch "$sec/open/more.msp" "$sec/open/fix.msp"
check_status 0 "stage files: a patch job and its further patch staged ($err)"
with_patch=$(jq_of "$out" .id)
patch_copy=$(jq_of "$out" .target)
more_copy=$(jq_of "$out" '.staged.files[0].path')
check_equal "$(jq_of "$out" '[.properties.PATCH, .package.more_patches[0].path, .staged.files[0].source] | join(" ")')" \
  "$more_copy $more_copy $sec/open/more.msp" "stage files: PATCH and the further patch's metadata name the copy"
# The sources are swapped, and one copy is changed.
printf 'evil\n' >"$sec/open/more.msp"
printf 'more\n' >>"$transform_copy"
run_drain
check_equal "$(job_field "$with_patch" .state)" "succeeded" "stage files: the staged patch job ran"
check_equal "$(runs_of "$patch_copy;$more_copy")" 1 "stage files: the installer got both copies"
check_equal "$(job_field "$with_transform" .state)" "failed" "stage files: a changed transform copy fails its job"
check_match "$(job_field "$with_transform" .last_error)" "^staged file $transform_copy has changed since it was staged" \
  "stage files: its last error names the copy"
# Copies whose longer names would take the list past the 8,000 bytes a
# property may hold: refused, and no copy is left.
long_name=$(printf 'transform-%0190d' 0)
transforms=()
list_length=0
for ((i = 0; ; i++)); do
  file="$sec/open/$i-$long_name.mst"
  [ $((list_length + ${#file} + 1)) -gt 7990 ] && break
  printf 'transform\n' >"$file"
  transforms+=(--transform "$file")
  list_length=$((list_length + ${#file} + 1))
done
copies_before=$(ls "$sec/staged" | wc -l)
check_rejected 2 "the staged copies make TRANSFORMS [0-9]+ bytes long, more than the 8000 a property may hold" \
  "stage files: copies too long for the list are refused" enqueue --stage "${transforms[@]}" "$source_app"
check_equal "$(ls "$sec/staged" | wc -l)" "$copies_before" "stage files: the refused job left no copy"
sleep 1.2
run purge --older-than 1s
check_status 0 "stage files: purge"
check_equal "$(ls "$sec/staged" | wc -l)" "0" "stage files: purge deleted every copy"

finish
