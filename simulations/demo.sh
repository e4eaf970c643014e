#!/usr/bin/env bash
# The README's demo: builds cairn, starts a local network of real peers on 127.0.0.1 (one bootstrap
# peer and nine others), shows them finding each other through the DHT, stores a file on one peer and
# gets it back on another (by grant and by read capability), compares checksums, then stops every peer.
set -euo pipefail
cd "$(dirname "$0")/.."
bootstrap/install-deps.sh
echo "== building cairn"
swift build 2>&1 | tail -1
BIN=$(swift build --show-bin-path)/cairn
DIR=$(mktemp -d /tmp/cairn-demo.XXXXXX)
PEERS=${PEERS:-10}
BASE=${BASE_PORT:-4200}
stop() { "$BIN" sim cluster --stop --dir "$DIR" >/dev/null 2>&1 || true; }
trap stop EXIT

echo "== starting $PEERS peers in $DIR"
"$BIN" sim cluster --peers "$PEERS" --base-port "$BASE" --dir "$DIR" --detach
# Peer i's API address and its data directory, where the CLI reads the API token.
at() { echo "--api 127.0.0.1:$((BASE + 1000 + $1)) --data $DIR/peer-$1"; }

echo
echo "== peer 0's dashboard (and its API) is at http://127.0.0.1:$((BASE + 1000)); a one-time login link:"
"$BIN" dashboard $(at 0)

LAST=$((PEERS - 1))
TARGET=$("$BIN" id $(at $LAST) --json | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
echo
echo "== peer 1's routing table"
"$BIN" peers $(at 1)
echo
echo "== peer 1 finds peer $LAST ($TARGET) through the DHT"
"$BIN" dht find-peer "$TARGET" $(at 1)
echo
KEY=$(printf 'cairn demo' | sha256sum | cut -d' ' -f1)
echo "== peer 2 looks up the peers closest to $KEY"
"$BIN" dht closest "$KEY" $(at 2)
echo
echo "== peer $LAST provides $KEY; peer 0 finds the provider"
"$BIN" dht provide "$KEY" $(at $LAST)
"$BIN" dht providers "$KEY" $(at 0)
echo
FILE="$DIR/demo-input"
head -c $((24 * 1024 * 1024 + 321)) /dev/urandom > "$FILE"
echo "== peer 1 stores a 24 MiB file (encrypted, 4-of-8 erasure-coded across the providers)"
PUT=$("$BIN" put "$FILE" $(at 1) --json)
echo "$PUT"
ID=$(echo "$PUT" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
CAP=$(echo "$PUT" | sed 's/.*"cap":"\([^"]*\)".*/\1/')
echo
echo "== peer $LAST may not read it yet"
"$BIN" get "$ID" -o "$DIR/denied" $(at $LAST) || true
echo
echo "== peer 1 shares it with peer $LAST, which gets it by ID"
"$BIN" share "$ID" --to "$TARGET" $(at 1)
"$BIN" get "$ID" -o "$DIR/by-grant" $(at $LAST)
echo
echo "== peer 2 gets it with the read capability"
"$BIN" get "$CAP" -o "$DIR/by-cap" $(at 2)
echo
echo "== checksums"
sha256sum "$FILE" "$DIR/by-grant" "$DIR/by-cap"
[ "$(sha256sum < "$FILE")" = "$(sha256sum < "$DIR/by-grant")" ] && [ "$(sha256sum < "$FILE")" = "$(sha256sum < "$DIR/by-cap")" ]
echo "all three match"
echo
echo "== peer 5 (not the owner, no key) audits every holder with proofs of storage"
"$BIN" check "$ID" --verify $(at 5)
echo
echo "== stopping the network"
stop
trap - EXIT
rm -rf "$DIR"
echo "done"
