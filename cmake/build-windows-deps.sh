#!/usr/bin/env bash
# build-windows-deps.sh: builds msiq's dependencies (SQLite, libuv, cmocka)
# for Windows x86_64 with the mingw-w64 cross compiler, from Debian's own
# source packages, and installs them as static libraries with pkg-config
# files into PREFIX.
#
# usage: cmake/build-windows-deps.sh [PREFIX]
#        PREFIX defaults to build/windows-deps/prefix in the source tree.
#
# Everything else lives next to PREFIX, in its parent directory: the
# downloaded source packages in downloads/ (kept, so a rebuild needs no
# network) and, while building, msiq-deps-scratch/ with the private apt
# configuration and lists, the unpacked sources and the build trees (removed
# after a successful build, kept with its logs after a failed one).
#
# The source packages come from the Debian archive that the machine's own apt
# configuration names (/etc/apt/sources.list.d/*.sources or
# /etc/apt/sources.list): its entry for the release's main suite is copied
# into a private apt configuration as a deb-src entry. No mirror is named here
# and the system's apt state is not touched.
#
# A finished PREFIX holds a stamp file; a rerun with a matching stamp does
# nothing. Delete PREFIX (or the stamp) to rebuild; delete the whole work dir
# to download again.
#
# Needs (cmake/install-debian-packages.sh windows installs them):
# x86_64-w64-mingw32-gcc, cmake, make, gcc (for SQLite's amalgamation
# generator), tclsh, dpkg-source, apt-get.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(dirname "$script_dir")"

prefix="${1:-$source_dir/build/windows-deps/prefix}"
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
work="$(dirname "$prefix")"
[ "$prefix" != / ] && [ "$work" != / ] || { echo "msiq windows deps: refusing prefix $prefix" >&2; exit 2; }

host=x86_64-w64-mingw32
source_packages=(libuv1 sqlite3 cmocka)
stamp="$prefix/.msiq-windows-deps.stamp"
marker=".msiq-windows-deps-prefix"   # in PREFIX: ours to delete and refill

say() { printf 'msiq windows deps: %s\n' "$*"; }
die() { printf 'msiq windows deps: error: %s\n' "$*" >&2; exit 1; }

# The stamp records this script's content, so a change to the recipe
# rebuilds the prefix (from the cached downloads).
recipe="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
# The .pc files name PREFIX by its absolute path, so it is part of the stamp.
is_up_to_date() {
  [ -f "$stamp" ] && [ "$(head -n2 "$stamp")" = "recipe $recipe
prefix $prefix" ]
}
if is_up_to_date; then
  say "up to date in $prefix"
  exit 0
fi

# One build at a time per PREFIX (e.g. two configures at once); the second
# one finds the first one's result.
exec 9>"$work/.msiq-windows-deps.lock"
if ! flock -n 9; then
  say "waiting for another build of $prefix"
  flock 9
fi
if is_up_to_date; then
  say "up to date in $prefix"
  exit 0
fi

if [ -n "$(ls -A "$prefix")" ] && [ ! -e "$prefix/$marker" ]; then
  die "$prefix is not empty and was not made by this script; refusing to replace it"
fi

# --- tools ----------------------------------------------------------------
missing_tools=()
for tool in "$host-gcc" "$host-ar" "$host-ranlib" cmake make gcc tclsh \
            dpkg-source apt-get sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
done
if [ "${#missing_tools[@]}" -ne 0 ]; then
  die "missing tools: ${missing_tools[*]}
  install them with: bash cmake/install-debian-packages.sh windows (as root)"
fi

jobs="$(nproc 2>/dev/null || echo 2)"
downloads="$work/downloads"
scratch="$work/msiq-deps-scratch"
aptdir="$scratch/apt"
srcroot="$scratch/src"
buildroot="$scratch/build"
rm -rf "$scratch"
mkdir -p "$downloads" "$scratch"

start_time=$SECONDS
# Progress lines with the seconds since the start.
step() { say "[$((SECONDS - start_time)) s] $*"; }

# --- download the source packages -------------------------------------------

# Prints the .dsc file in downloads/ for a source package, if there is one.
find_dsc() {
  local found
  found=("$downloads/$1"_*.dsc)
  [ -e "${found[0]}" ] && printf '%s\n' "${found[-1]}"
}

# Writes a deb822 deb-src entry for the machine's Debian main suite to $1,
# derived from the system's apt sources. Prints the entry's origin.
write_private_sources() {
  local out="$1" codename=""
  if [ -r /etc/os-release ]; then
    codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
  fi

  local candidates=()
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && candidates+=("$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && candidates+=("$f")
  done

  for f in "${candidates[@]}"; do
    case "$f" in
      *.sources)
        # deb822: the first stanza of Types deb whose Suites has the
        # release's codename (or, without one, its first suite) and whose
        # Components have main; copied with Types deb-src, only that suite
        # and only main. Other fields (URIs, Signed-By, ...) are kept.
        if awk -v codename="$codename" '
          function flush(   i, n, words, suite, ok_type, ok_main, k) {
            if (nfields == 0) return
            ok_type = 0; ok_main = 0; suite = ""
            if (tolower(fields["types"]) !~ /(^|[ \t])deb([ \t]|$)/) { reset(); return }
            if (tolower(fields["enabled"]) == "no") { reset(); return }
            n = split(fields["components"], words, /[ \t]+/)
            for (i = 1; i <= n; i++) if (words[i] == "main") ok_main = 1
            n = split(fields["suites"], words, /[ \t]+/)
            for (i = 1; i <= n; i++) {
              if (words[i] == "") continue
              if (codename == "" && suite == "") suite = words[i]
              if (codename != "" && words[i] == codename) suite = words[i]
            }
            if (ok_main && suite != "") {
              print "Types: deb-src"
              for (k = 1; k <= nfields; k++) {
                name = order[k]; lname = tolower(name)
                if (lname == "types" || lname == "suites" || lname == "components") continue
                print name ": " values[name]
              }
              print "Suites: " suite
              print "Components: main"
              done = 1
              exit 0
            }
            reset()
          }
          function reset() { nfields = 0; delete fields; delete values; delete order }
          BEGIN { reset(); done = 0 }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          /^[ \t]/ && last != "" {   # continuation line (e.g. inline key)
            values[last] = values[last] "\n" $0; fields[tolower(last)] = values[last]; next
          }
          {
            i = index($0, ":"); if (i == 0) next
            name = substr($0, 1, i - 1); value = substr($0, i + 1)
            sub(/^[ \t]+/, "", value); sub(/[ \t]+$/, "", value)
            order[++nfields] = name; values[name] = value
            fields[tolower(name)] = value; last = name
          }
          END { if (!done) flush(); exit(done ? 0 : 1) }
        ' "$f" >"$out"; then
          printf '%s\n' "$f"
          return 0
        fi
        ;;
      *)
        # one-line style: "deb [options] URI SUITE COMPONENT..." becomes
        # "deb-src [options] URI SUITE main" for the release's suite.
        if awk -v codename="$codename" '
          /^[ \t]*deb[ \t]/ {
            line = $0; sub(/^[ \t]*deb[ \t]+/, "", line)
            opts = ""
            if (line ~ /^\[/) {
              opts = substr(line, 1, index(line, "]")); line = substr(line, index(line, "]") + 1)
              sub(/^[ \t]+/, "", line); opts = opts " "
            }
            sub(/[ \t]*#.*$/, "", line)
            n = split(line, w, /[ \t]+/)
            if (n < 3) next
            ok_main = 0
            for (i = 3; i <= n; i++) if (w[i] == "main") ok_main = 1
            if (!ok_main) next
            if (codename != "" && w[2] != codename) next
            print "deb-src " opts w[1] " " w[2] " main"
            found = 1
            exit 0
          }
          END { exit(found ? 0 : 1) }
        ' "$f" >"$out.list-line"; then
          # Keep it in one-line format: apt reads *.list from SourceParts too.
          rm -f "$out"
          mv "$out.list-line" "${out%.sources}.list"
          printf '%s\n' "$f"
          return 0
        fi
        rm -f "$out.list-line"
        ;;
    esac
  done
  return 1
}

need_download=()
for package in "${source_packages[@]}"; do
  [ -n "$(find_dsc "$package")" ] || need_download+=("$package")
done

if [ "${#need_download[@]}" -ne 0 ]; then
  say "downloading Debian source packages: ${need_download[*]}"
  mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
  if ! origin="$(write_private_sources "$aptdir/sources.list.d/msiq-src.sources")"; then
    die "found no Debian 'deb' entry with component main for this release in
  /etc/apt/sources.list or /etc/apt/sources.list.d/; cannot fetch source packages"
  fi
  say "using the archive named in $origin:"
  sed 's/^/    /' "$aptdir"/sources.list.d/msiq-src.*

  apt_opts=(
    -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$aptdir/sources.list.d"
    -o Dir::State::Lists="$aptdir/lists"
    -o Dir::Cache="$aptdir/cache"
    -o Dir::Cache::pkgcache=
    -o Dir::Cache::srcpkgcache=
    -o APT::Get::List-Cleanup=false
  )
  if [ "$(id -u)" -eq 0 ]; then
    # apt drops to the _apt user for downloads, which may not be able to
    # write into the build dir; the archive's signatures are still checked.
    apt_opts+=(-o APT::Sandbox::User=root)
  fi

  if ! apt-get "${apt_opts[@]}" -qq update >"$aptdir/update.log" 2>&1; then
    cat "$aptdir/update.log" >&2
    die "apt-get update for the source index failed (log above)"
  fi
  if grep -q '^[WE]:' "$aptdir/update.log"; then
    cat "$aptdir/update.log" >&2
  fi
  # Download into a scratch dir first so an interrupted download never
  # leaves a partial package in downloads/.
  fetched="$scratch/downloads"
  mkdir -p "$fetched"
  if ! (cd "$fetched" && apt-get "${apt_opts[@]}" -q source --download-only \
          "${need_download[@]}") >"$aptdir/source.log" 2>&1; then
    cat "$aptdir/source.log" >&2
    die "apt-get source ${need_download[*]} failed (log above)"
  fi
  mv "$fetched"/* "$downloads"/
  for package in "${need_download[@]}"; do
    [ -n "$(find_dsc "$package")" ] || die "apt-get source did not give $package"
  done
else
  say "using cached source packages in $downloads"
fi

# --- unpack ---------------------------------------------------------------
mkdir -p "$srcroot" "$buildroot"

declare -A srcdir version
for package in "${source_packages[@]}"; do
  dsc="$(find_dsc "$package")"
  version[$package]="$(sed -n 's/^Version: //p' "$dsc" | head -n1)"
  step "unpacking $(basename "$dsc")"
  # --no-check: the .dsc was verified by apt-get source when it was fetched.
  dpkg-source --no-check -x "$dsc" "$srcroot/$package" >"$buildroot/unpack-$package.log" 2>&1 \
    || { cat "$buildroot/unpack-$package.log" >&2; die "dpkg-source -x $dsc failed"; }
  srcdir[$package]="$srcroot/$package"
done

# Start from an empty prefix so nothing stale survives a rebuild.
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
touch "$prefix/$marker"

# A failure while sqlite3.c compiles in the background stops that compile.
sqlite_pid=""
trap '[ -z "$sqlite_pid" ] || kill "$sqlite_pid" 2>/dev/null || true' EXIT

run_logged() { # run_logged LOGFILE DESCRIPTION COMMAND...
  local log="$1" what="$2"; shift 2
  if ! "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "$what failed (full log: $log)"
  fi
}

cmake_cross=(
  -DCMAKE_SYSTEM_NAME=Windows
  -DCMAKE_SYSTEM_PROCESSOR=x86_64
  -DCMAKE_C_COMPILER="$host-gcc"
  -DCMAKE_RC_COMPILER="$host-windres"
  -DCMAKE_FIND_ROOT_PATH="$prefix"
  -DCMAKE_FIND_ROOT_PATH_MODE_PROGRAM=NEVER
  -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY
  -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY
  -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_INSTALL_PREFIX="$prefix"
  -DCMAKE_INSTALL_LIBDIR=lib
  -DCMAKE_INSTALL_INCLUDEDIR=include
)

# --- SQLite -----------------------------------------------------------------
step "sqlite3 ${version[sqlite3]}: generating the amalgamation"
sq_build="$buildroot/sqlite3"
mkdir -p "$sq_build"
# The amalgamation generator runs on the build machine, with the native
# compiler and tclsh.
run_logged "$buildroot/sqlite3-configure.log" "sqlite3 configure" \
  bash -c 'cd "$1" && "$2/configure" --disable-tcl --disable-readline' _ "$sq_build" "${srcdir[sqlite3]}"
run_logged "$buildroot/sqlite3-amalgamation.log" "sqlite3 amalgamation (make sqlite3.c)" \
  make -C "$sq_build" -j "$jobs" sqlite3.c
[ -f "$sq_build/sqlite3.c" ] && [ -f "$sq_build/sqlite3.h" ] \
  || die "make sqlite3.c did not produce sqlite3.c and sqlite3.h"
# JSON is built in since 3.38; SQLITE_ENABLE_JSON1 is kept for clarity.
# Math functions match Debian's native libsqlite3 (configure enables them).
sqlite_defines=(-DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_JSON1
                -DSQLITE_ENABLE_MATH_FUNCTIONS)
# Compiling the single big sqlite3.c takes most of the time and one core, so
# it runs in the background while libuv and cmocka build.
step "sqlite3 ${version[sqlite3]}: cross-compiling sqlite3.c (in the background)"
"$host-gcc" -O2 "${sqlite_defines[@]}" -c "$sq_build/sqlite3.c" -o "$sq_build/sqlite3.o" \
  >"$buildroot/sqlite3-compile.log" 2>&1 &
sqlite_pid=$!

# --- libuv ------------------------------------------------------------------
step "libuv ${version[libuv1]}: building"
uv_build="$buildroot/libuv"
uv_opts=(-DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF)
if grep -q 'LIBUV_BUILD_SHARED' "${srcdir[libuv1]}/CMakeLists.txt"; then
  uv_opts+=(-DLIBUV_BUILD_SHARED=OFF)
fi
run_logged "$buildroot/libuv-configure.log" "libuv configure" \
  cmake -S "${srcdir[libuv1]}" -B "$uv_build" "${cmake_cross[@]}" "${uv_opts[@]}"
run_logged "$buildroot/libuv-build.log" "libuv build" \
  cmake --build "$uv_build" --target uv_a -j "$jobs"
uv_lib="$(find "$uv_build" -maxdepth 1 -name 'libuv_a.a' -o -maxdepth 1 -name 'libuv.a' | head -n1)"
[ -n "$uv_lib" ] || die "libuv build made no static library in $uv_build"
cp "$uv_lib" "$prefix/lib/libuv_a.a"
cp "${srcdir[libuv1]}/include/uv.h" "$prefix/include/"
cp -r "${srcdir[libuv1]}/include/uv" "$prefix/include/"
cat >"$prefix/lib/pkgconfig/libuv.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libuv
Description: multi-platform support library with a focus on asynchronous I/O (static, $host)
Version: ${version[libuv1]%%-*}
# Static only, so the system libraries go in Libs (CMake asks without --static).
Libs: -L\${libdir} -luv_a -lws2_32 -liphlpapi -luserenv -ldbghelp -lole32 -luuid -lshell32 -lpsapi -luser32 -ladvapi32
Cflags: -I\${includedir}
EOF

# --- cmocka -----------------------------------------------------------------
step "cmocka ${version[cmocka]}: building"
cm_build="$buildroot/cmocka"
run_logged "$buildroot/cmocka-configure.log" "cmocka configure" \
  cmake -S "${srcdir[cmocka]}" -B "$cm_build" "${cmake_cross[@]}" \
    -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF -DWITH_STATIC_LIB=ON \
    -DPICKY_DEVELOPER=OFF
run_logged "$buildroot/cmocka-build.log" "cmocka build" \
  cmake --build "$cm_build" --target cmocka-static -j "$jobs"
cm_lib="$(find "$cm_build" -name 'libcmocka-static.a' -o -name 'libcmocka.a' | head -n1)"
[ -n "$cm_lib" ] || die "cmocka build made no static library in $cm_build"
cp "$cm_lib" "$prefix/lib/libcmocka.a"
cp "${srcdir[cmocka]}/include/cmocka.h" "$prefix/include/"
if [ -f "${srcdir[cmocka]}/include/cmocka_pbc.h" ]; then
  cp "${srcdir[cmocka]}/include/cmocka_pbc.h" "$prefix/include/"
fi
cat >"$prefix/lib/pkgconfig/cmocka.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: cmocka
Description: unit testing framework for C with mocks (static, $host)
Version: ${version[cmocka]%%-*}
Libs: -L\${libdir} -lcmocka
Cflags: -I\${includedir}
EOF

# --- SQLite, finished --------------------------------------------------------
step "sqlite3 ${version[sqlite3]}: waiting for sqlite3.c to compile"
if ! wait "$sqlite_pid"; then
  sqlite_pid=""
  tail -n 40 "$buildroot/sqlite3-compile.log" >&2
  die "sqlite3 cross compile failed (full log: $buildroot/sqlite3-compile.log)"
fi
sqlite_pid=""
rm -f "$prefix/lib/libsqlite3.a"
run_logged "$buildroot/sqlite3-ar.log" "sqlite3 archive" \
  "$host-ar" rcs "$prefix/lib/libsqlite3.a" "$sq_build/sqlite3.o"
cp "$sq_build/sqlite3.h" "$prefix/include/"
if [ -f "${srcdir[sqlite3]}/src/sqlite3ext.h" ]; then
  cp "${srcdir[sqlite3]}/src/sqlite3ext.h" "$prefix/include/"
fi
sqlite_version="$(sed -n 's/^#define SQLITE_VERSION  *"\(.*\)"/\1/p' "$sq_build/sqlite3.h")"
cat >"$prefix/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static amalgamation, $host)
Version: ${sqlite_version:-${version[sqlite3]%%-*}}
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF

# --- done -------------------------------------------------------------------
{
  echo "recipe $recipe"
  echo "prefix $prefix"
  for package in "${source_packages[@]}"; do
    echo "$package ${version[$package]}"
  done
} >"$stamp"

rm -rf "$scratch"
say "done in $((SECONDS - start_time)) s: $prefix"
for package in "${source_packages[@]}"; do
  say "  $package ${version[$package]}"
done
