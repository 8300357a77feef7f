#!/usr/bin/env bash
# install-debian-packages.sh: installs the Debian 12 packages msiq needs to
# build and test, if any are missing. Used by the README's commands so they
# work on a fresh machine as root. Only Debian's archive is used, as the
# machine's own apt configuration names it.
#
# usage: cmake/install-debian-packages.sh [native|windows]
#
#   native  (default) the native Linux build and its tests
#   windows the native packages plus the mingw-w64 cross compiler, Wine (to
#           run the Windows test executables), msitools/wixl (to build test
#           .msi packages) and what cmake/build-windows-deps.sh needs to
#           fetch and build SQLite, libuv and cmocka from Debian's source
#           packages (dpkg-dev for `apt-get source`, tcl for SQLite's
#           amalgamation, xz/bzip2 to unpack the tarballs).
set -euo pipefail

target="${1:-native}"

# ansible (with the ansible.windows collection), ansible-lint, python3-yaml
# and libxml2-utils (xmllint) check the examples (tests/cli/cli_examples.sh).
# libmsi-dev (msitools' library, with libglib2.0-dev) reads packages'
# metadata at enqueue in the native build; wixl and msitools build and
# inspect the real test packages the native CLI tests enqueue.
packages=(build-essential cmake pkg-config libsqlite3-dev libuv1-dev
          libcmocka-dev jq python3 clang-format util-linux valgrind
          clang libclang-rt-14-dev
          ansible ansible-lint python3-yaml libxml2-utils
          libmsi-dev libglib2.0-dev wixl msitools)

case "$target" in
  native) ;;
  windows)
    # gcc-mingw-w64-x86-64 gives x86_64-w64-mingw32-gcc (and windres through
    # binutils-mingw-w64-x86-64). None of the dependencies nor msiq is C++,
    # so g++-mingw-w64-x86-64 is not needed.
    # wine needs wine64 for 64-bit programs; 'wine32 is missing' is harmless.
    # --no-install-recommends is fine for Wine here: console programs, the
    # prefix (wineboot --init), msiexec and the service manager all work
    # without the recommended fonts/GL/sound libraries.
    packages+=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
               wine wine64 msitools wixl
               tcl dpkg-dev xz-utils bzip2 ca-certificates util-linux)
    ;;
  *)
    echo "usage: $0 [native|windows]" >&2
    exit 2
    ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "msiq: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
