#!/usr/bin/env bash
# The README's demo: builds cairn, starts a local network of real peers on 127.0.0.1 (one bootstrap
# peer and four others), shows them finding each other through the DHT, then stops every peer.
set -euo pipefail
cd "$(dirname "$0")/.."
bootstrap/install-deps.sh
echo "== building cairn"
swift build 2>&1 | tail -1
BIN=$(swift build --show-bin-path)/cairn
DIR=$(mktemp -d /tmp/cairn-demo.XXXXXX)
PEERS=${PEERS:-5}
BASE=${BASE_PORT:-4200}
stop() { "$BIN" sim cluster --stop --dir "$DIR" >/dev/null 2>&1 || true; }
trap stop EXIT

echo "== starting $PEERS peers in $DIR"
"$BIN" sim cluster --peers "$PEERS" --base-port "$BASE" --dir "$DIR" --detach
api() { echo "127.0.0.1:$((BASE + 1000 + $1))"; }

LAST=$((PEERS - 1))
TARGET=$("$BIN" id --api "$(api $LAST)" --json | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
echo
echo "== peer 1's routing table"
"$BIN" peers --api "$(api 1)"
echo
echo "== peer 1 finds peer $LAST ($TARGET) through the DHT"
"$BIN" dht find-peer "$TARGET" --api "$(api 1)"
echo
KEY=$(printf 'cairn demo' | sha256sum | cut -d' ' -f1)
echo "== peer 2 looks up the peers closest to $KEY"
"$BIN" dht closest "$KEY" --api "$(api 2)"
echo
echo "== peer $LAST provides $KEY; peer 0 finds the provider"
"$BIN" dht provide "$KEY" --api "$(api $LAST)"
"$BIN" dht providers "$KEY" --api "$(api 0)"
echo
echo "== stopping the network"
stop
trap - EXIT
rm -rf "$DIR"
echo "done"
