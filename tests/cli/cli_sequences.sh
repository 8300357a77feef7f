#!/usr/bin/env bash
# cli_sequences.sh: the administrative and advertise sequences and
# transforms (issue 12, item 3). `enqueue --action admin --target-dir DIR`
# runs msiexec /a PKG with TARGETDIR (absolute), `--patch` patches the image
# (PATCH=...); `--action advertise` runs msiexec /jm PKG /t T /g L;
# `--transform` (install, advertise) becomes TRANSFORMS=a;b with absolute,
# existing files. What an action does not take is refused, and a refusal
# changes nothing. `exec` maps /a, /j[m], /t, /g and /p with /a onto the
# same jobs, and import manifests take "transforms", "patches",
# "target_dir" and "language". Real packages built by wixl (make_package),
# run through the simulation host by the fake installer.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$MSIQ_TESTS_DIR/cli/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib_dispatch.sh
. "$MSIQ_TESTS_DIR/cli/lib_dispatch.sh"

chmod 0700 "$work_dir"
begin_section sequences
chmod 0700 "$sec"
cd "$sec" || exit 1
app=$(pkg app)
make_patch_package "$sec/fix.msp" >/dev/null 2>&1 || fail "make_patch_package failed"
printf 'transform\n' >"$sec/a.mst"
printf 'transform\n' >"$sec/b.mst"

# last_argv: the fake installer's last command line, from its first word to
# /qn, and its properties after the log path.
last_head() {
  tail -n 1 "$FAKE_INSTALLER_LOG" | sed -E 's/ \[\/norestart\].*//'
}
last_properties() {
  tail -n 1 "$FAKE_INSTALLER_LOG" | sed -E 's/.*\[\/l\*v\] \[[^]]*\] ?//'
}

# ---------------------------------------------------------------------------
# 1. admin: TARGETDIR made absolute, msiexec /a, patches as PATCH.
admin=$(enqueue --action admin --target-dir image app.msi)
check_match "$admin" '^[0-9]+$' "admin: enqueued"
check_equal "$(job_field "$admin" .action)" "admin" "admin: the action is stored"
check_equal "$(job_field "$admin" .properties.TARGETDIR)" "$sec/image" \
  "admin: TARGETDIR is made absolute"
run_drain
check_equal "$drain_status" 0 "admin: drain"
check_equal "$(job_field "$admin" .state)" "succeeded" "admin: succeeded"
check_equal "$(last_head)" "[/a] [$app] [/qn]" "admin: msiexec /a PACKAGE"
check_equal "$(last_properties)" "[TARGETDIR=$sec/image]" "admin: TARGETDIR passed"

patched=$(enqueue --action admin --target-dir "$sec/image" --patch fix.msp app.msi)
check_equal "$(job_field "$patched" .properties.PATCH)" "$sec/fix.msp" \
  "admin --patch: PATCH is the absolute patch"
run_drain
check_equal "$(last_properties)" "[PATCH=$sec/fix.msp] [TARGETDIR=$sec/image]" \
  "admin --patch: msiexec /a PKG TARGETDIR=... PATCH=..."

# ---------------------------------------------------------------------------
# 2. advertise: /jm PKG /t T;U /g LANG, no other property, no REBOOT.
advertise=$(enqueue --action advertise --transform a.mst --transform "$sec/b.mst" \
  --language 1033 app.msi)
check_equal "$(job_field "$advertise" .action)" "advertise" "advertise: the action is stored"
check_equal "$(job_field "$advertise" .properties.TRANSFORMS)" "$sec/a.mst;$sec/b.mst" \
  "advertise: the transforms, absolute, in order"
check_equal "$(job_field "$advertise" .properties.ProductLanguage)" "1033" \
  "advertise: the language"
run_drain
check_equal "$(job_field "$advertise" .state)" "succeeded" "advertise: succeeded"
check_equal "$(last_head)" "[/jm] [$app] [/t] [$sec/a.mst;$sec/b.mst] [/g] [1033] [/qn]" \
  "advertise: msiexec /jm PACKAGE /t TRANSFORMS /g LANGUAGE"
check_equal "$(last_properties)" "" "advertise: no properties after the log"

# ---------------------------------------------------------------------------
# 3. install with transforms.
install=$(enqueue --transform a.mst app.msi ALLUSERS=1)
check_equal "$(job_field "$install" .properties.TRANSFORMS)" "$sec/a.mst" \
  "install --transform: TRANSFORMS"
run_drain
check_equal "$(last_head)" "[/i] [$app] [/qn]" "install --transform: msiexec /i"
check_equal "$(last_properties)" "[ALLUSERS=1] [TRANSFORMS=$sec/a.mst]" \
  "install --transform: TRANSFORMS after the job's own properties"

# ---------------------------------------------------------------------------
# 4. Refusals: one line, the usage or missing-file code, nothing changed.
check_rejected 2 "admin needs the folder of the administrative image" \
  "admin without TARGETDIR" enqueue --action admin app.msi
check_rejected 2 "transform '$sec/missing.mst' does not exist" \
  "a missing transform" enqueue --transform missing.mst app.msi
check_rejected 2 "--transform goes only with --action install or advertise, not uninstall" \
  "--transform with uninstall" enqueue --action uninstall --transform a.mst app.msi
check_rejected 2 "--transform goes only with --action install or advertise, not patch" \
  "--transform with patch" enqueue --transform a.mst fix.msp
check_rejected 2 "--language goes only with --action advertise, not install" \
  "--language with install" enqueue --language 1033 app.msi
check_rejected 2 "--patch goes only with --action patch .* or admin .*, not install" \
  "--patch with install" enqueue --patch fix.msp app.msi
check_rejected 2 "--target-dir names an administrative image's folder" \
  "--target-dir with install" enqueue --target-dir img app.msi
check_rejected 2 "the job already sets TRANSFORMS itself" \
  "--transform and TRANSFORMS" enqueue --transform a.mst app.msi TRANSFORMS=x.mst
check_rejected 2 "advertise takes no property 'ALLUSERS'" \
  "advertise with a property" enqueue --action advertise app.msi ALLUSERS=1
check_rejected 2 "invalid language '70000'" \
  "a language out of range" enqueue --action advertise --language 70000 app.msi
check_rejected 2 "admin target '\{[0-9A-F-]+\}' must be a .msi package" \
  "admin of a product code" enqueue --action admin --target-dir img "{0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0}"
check_rejected 2 "patch '$sec/gone.msp' does not exist" \
  "admin with a missing patch" enqueue --action admin --target-dir img --patch gone.msp app.msi
check_rejected 2 "admin runs the ADMIN sequence itself" \
  "admin with ACTION" enqueue --action admin --target-dir img app.msi ACTION=INSTALL

# ---------------------------------------------------------------------------
# 5. exec: /a, /jm, /t, /g, /p with /a, visible in `show --json`. exec runs
# each job itself (no dispatcher is running) and exits with its code (an
# exit status keeps the low 8 bits of msiexec's codes on POSIX).
run exec /a app.msi TARGETDIR=image2 /p fix.msp /qn
check_status 0 "exec /a: exit 0"
last=$(msiq --json list | jq -r 'max_by(.id) | .id')
check_equal "$(job_field "$last" .action)" "admin" "exec /a: an admin job"
check_equal "$(job_field "$last" '.properties | [.TARGETDIR, .PATCH] | join(" ")')" \
  "$sec/image2 $sec/fix.msp" "exec /a /p: TARGETDIR absolute and PATCH"
run exec /jm app.msi /t "a.mst;b.mst" /g 1031 /qn
check_status 0 "exec /jm: exit 0"
last=$(msiq --json list | jq -r 'max_by(.id) | .id')
check_equal "$(job_field "$last" .action)" "advertise" "exec /jm: an advertise job"
check_equal "$(job_field "$last" '.properties | [.TRANSFORMS, .ProductLanguage] | join(" ")')" \
  "$sec/a.mst;$sec/b.mst 1031" "exec /t /g: transforms and language"
run exec /j app.msi /qn
check_status 0 "exec /j: exit 0 (per machine)"
check_equal "$(last_head)" "[/jm] [$app] [/qn]" "exec /j: msiexec /jm"
before=$(queue_snapshot)
run exec /ju app.msi
check_error $((1639 & 255)) "/ju advertises for the current user" "exec /ju is refused"
run exec /a app.msi
check_error $((1639 & 255)) "admin needs the folder" "exec /a without TARGETDIR is refused"
run exec /i app.msi /t missing.mst
check_error $((1619 & 255)) "transform '$sec/missing.mst' does not exist" "exec /t with a missing transform"
run exec /jm app.msi /t "a.mst;;b.mst"
check_error $((1639 & 255)) "/t: an empty name in the list" "exec /t with an empty name in its list"
run exec /a app.msi TARGETDIR=img /p "fix.msp;"
check_error $((1639 & 255)) "/p: an empty name in the list" "exec /a /p with a trailing ';'"
check_equal "$(queue_snapshot)" "$before" "exec refusals change nothing"

# ---------------------------------------------------------------------------
# 6. import manifests.
cat >"$sec/manifest.json" <<JSON
[
  {"action": "admin", "target": "app.msi", "target_dir": "image3", "patches": ["fix.msp"]},
  {"action": "advertise", "target": "app.msi", "transforms": ["a.mst", "b.mst"], "language": 1033},
  {"target": "app.msi", "transforms": ["a.mst"]},
  {"action": "admin", "target": "app.msi", "properties": {"TARGETDIR": "image4"}}
]
JSON
run --json import "$sec/manifest.json"
check_status 0 "import: exit 0"
ids=$(msiq --json list | jq -r '[.[] | .id] | sort | .[-4:] | join(" ")')
read -r i1 i2 i3 i4 <<<"$ids"
check_equal "$(job_field "$i1" '[.action, .properties.TARGETDIR, .properties.PATCH] | join(" ")')" \
  "admin $sec/image3 $sec/fix.msp" "import: admin with target_dir and patches"
check_equal "$(job_field "$i2" '[.action, .properties.TRANSFORMS, .properties.ProductLanguage] | join(" ")')" \
  "advertise $sec/a.mst;$sec/b.mst 1033" "import: advertise with transforms and language"
check_equal "$(job_field "$i3" '[.action, .properties.TRANSFORMS] | join(" ")')" \
  "install $sec/a.mst" "import: install with transforms"
check_equal "$(job_field "$i4" '.properties.TARGETDIR')" "$sec/image4" \
  "import: TARGETDIR as a property is made absolute"
cat >"$sec/bad.json" <<JSON
[
  {"target": "app.msi"},
  {"action": "uninstall", "target": "app.msi", "transforms": ["a.mst"]}
]
JSON
check_rejected 2 "--transform goes only with --action install or advertise" \
  "import: a transform on an uninstall refuses the whole manifest" import "$sec/bad.json"
cat >"$sec/bad2.json" <<JSON
[{"action": "advertise", "target": "app.msi", "language": "English"}]
JSON
check_rejected 2 '"language" must be an integer' \
  "import: a language that is not a number" import "$sec/bad2.json"

finish
