#!/usr/bin/env bash
# Starts a bootstrap peer: an ordinary peer at the address the genesis file names (127.0.0.1:4100),
# with its own identity under ./bootstrap-peer. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bootstrap/install-deps.sh
swift build -c release --static-swift-stdlib
BIN=.build/release/cairn
DATA=${CAIRN_DATA:-./bootstrap-peer}
[ -f "$DATA/identity.key" ] || "$BIN" init --data "$DATA" --genesis bootstrap/genesis.json
exec "$BIN" run --data "$DATA" --genesis bootstrap/genesis.json --listen 127.0.0.1:4100 --api 127.0.0.1:5002 "$@"
