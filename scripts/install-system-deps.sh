#!/usr/bin/env bash
# Install the Debian packages the tests need, only when something is missing.
# With arguments: install exactly those packages.
set -euo pipefail

need=()
if [ "$#" -gt 0 ]; then
  need=("$@")
else
  have() { command -v "$1" >/dev/null 2>&1; }
  have softhsm2-util || need+=(softhsm2)
  have pkcs11-tool || need+=(opensc)
  [ -e /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so ] || ls /usr/lib/*/opensc-pkcs11.so >/dev/null 2>&1 || need+=(opensc-pkcs11)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  have xmlsec1 || need+=(xmlsec1)
  have gcc || need+=(gcc libc6-dev)
  have openssl || need+=(openssl)
  have runuser || need+=(util-linux)
  [ -e /usr/include/p11-kit-1/p11-kit/pkcs11.h ] || need+=(libp11-kit-dev)
fi
[ "${#need[@]}" -eq 0 ] && exit 0

echo "Installing Debian packages: ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
