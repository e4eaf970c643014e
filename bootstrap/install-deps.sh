#!/usr/bin/env bash
# Installs the C libraries Cairn links (libsodium, OpenSSL's libcrypto, ISA-L, SQLite) when missing.
# Debian/Ubuntu, as root (or with sudo). The Swift toolchain itself must already be on PATH.
set -euo pipefail
"$(dirname "$0")/apt-install-missing.sh" libsodium-dev libssl-dev libisal-dev libsqlite3-dev pkg-config
command -v swift >/dev/null || { echo "swift is not on PATH; install the Swift 6 toolchain first" >&2; exit 1; }
