#!/usr/bin/env bash
# install-debian-packages.sh: installs the Debian 12 packages msiq needs to
# build and test, if any are missing. Used by the README's two commands so
# they work on a fresh machine as root. Only Debian's archive is used, as the
# machine's own apt configuration names it.
#
# usage: cmake/install-debian-packages.sh [native]
set -euo pipefail

packages=(build-essential cmake pkg-config libsqlite3-dev libuv1-dev
          libcmocka-dev jq python3)

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
