#!/usr/bin/env bash
# Installs the C libraries Cairn links (libsodium, OpenSSL's libcrypto, ISA-L, SQLite) when missing.
# Debian/Ubuntu, as root (or with sudo). The Swift toolchain itself must already be on PATH.
set -euo pipefail

missing=()
for pkg in libsodium-dev libssl-dev libisal-dev libsqlite3-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH; install the Swift 6 toolchain first" >&2; exit 1; }
