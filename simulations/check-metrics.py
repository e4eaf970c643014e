#!/usr/bin/env python3
"""Issue 10, item 4, on real peers: a local cluster's /metrics must parse with prometheus_client's text parser,
hold the figures the issue names, refuse a scrape without the API token, and its put/get counters must move
by one file and its bytes when a file is put and got. Stops every peer it started.

    bootstrap/python-env.sh    # makes .build/python-env with prometheus_client; prints its python
    .build/python-env/bin/python simulations/check-metrics.py
"""
import json, os, subprocess, sys, tempfile, time, urllib.error, urllib.request

import local_cluster

from prometheus_client.parser import text_string_to_metric_families

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/debug/cairn"))
checks = {"passed": 0, "failed": 0}


def check(ok, what):
    checks["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what)


def read_token(data):
    with open(os.path.join(data, "api-token")) as f:
        return f.read().strip()


def scrape(api, token):
    request = urllib.request.Request(f"http://{api}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Type"), response.read().decode()


def samples(text):
    """Every sample as {(name, ((label, value), ...)): value}, through the official parser."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(found, name, **labels):
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def main():
    directory = tempfile.mkdtemp(prefix="cairn-metrics-")
    members = local_cluster.start(BIN, 3, directory, "metrics", step=10)
    try:
        api, data = members[1]["api"], members[1]["data"]
        token = read_token(data)

        try:
            scrape(api, None)
            check(False, "/metrics without the token is refused")
        except urllib.error.HTTPError as error:
            check(error.code == 401, f"/metrics without the token is refused ({error.code})")

        content_type, text = scrape(api, token)
        check(content_type.startswith("text/plain; version=0.0.4"), f"content type {content_type}")
        before = samples(text)
        names = {name for name, _ in before}
        for name in ["cairn_peer_connections", "cairn_routing_table_peers", "cairn_shards_held", "cairn_stored_bytes",
                     "cairn_capacity_bytes", "cairn_peer_requests_served_total", "hb_requests_total",
                     "http_server_request_duration_count"]:
            check(name in names, f"{name} is exported")
        check(value(before, "cairn_peer_connections") >= 1, "the peer has connections")
        check(value(before, "cairn_routing_table_peers") == 2, "the routing table holds the two other peers")

        size = 300_000
        source = os.path.join(directory, "input")
        with open(source, "wb") as f:
            f.write(os.urandom(size))
        at = ["--api", api, "--data", data]
        put = json.loads(subprocess.run([BIN, "put", source, "--k", "1", "--n", "2", "--json", *at],
                                        capture_output=True, text=True, check=True).stdout)
        subprocess.run([BIN, "get", put["id"], "-o", os.path.join(directory, "output"), *at],
                       capture_output=True, text=True, check=True)

        after = samples(scrape(api, token)[1])
        names = {name for name, _ in after}
        for name in ["cairn_dht_lookups_total", "cairn_dht_lookup_duration_seconds_count",
                     "cairn_dht_lookup_duration_seconds_bucket"]:
            check(name in names, f"{name} is exported once the peer has looked up")
        # The chain: its height once a block is committed, and the states read at the scrape.
        for name in ["cairn_chain_height", "cairn_chain_mempool_transactions", "cairn_chain_peers_in_sync",
                     "cairn_chain_voting_power_online_ratio", "cairn_wallet_balance_base_units",
                     "cairn_wallet_stake_base_units"]:
            check(name in names, f"{name} is exported")
        # The storage market's figures for this peer, read from the committed market at the scrape.
        for name, labels in [("cairn_market_agreements", {"role": "owner"}), ("cairn_market_agreements", {"role": "provider"}),
                             ("cairn_market_proofs_total", {"result": "ok"}),
                             ("cairn_market_proofs_total", {"result": "missed"}),
                             ("cairn_market_stake_base_units", {}), ("cairn_market_escrow_base_units", {})]:
            check((name, tuple(sorted(labels.items()))) in after, f"{name}{labels or ''} is exported")
        # The validator's first blocks may still be coming: the height is read again for up to 15 s.
        height = value(after, "cairn_chain_height")
        for _ in range(75):
            if height >= 1:
                break
            time.sleep(0.2)
            height = value(samples(scrape(api, token)[1]), "cairn_chain_height")
        check(height >= 1, f"the chain has committed blocks (height {height:g})")
        # The file's two shards went to two of the three peers: the cluster holds and received them.
        everyone = [samples(scrape(member["api"], read_token(member["data"]))[1]) for member in members]
        check(sum(value(found, "cairn_shards_held") for found in everyone) >= 2, "the cluster holds the shards")
        check(sum(value(found, "cairn_shard_bytes_received_total") for found in everyone) >= size,
              "the providers counted the shard bytes they received")
        for name, labels, delta in [("cairn_file_puts_total", {"outcome": "ok"}, 1),
                                    ("cairn_file_put_bytes_total", {}, size),
                                    ("cairn_file_gets_total", {"outcome": "ok"}, 1),
                                    ("cairn_file_get_bytes_total", {}, size)]:
            moved = value(after, name, **labels) - value(before, name, **labels)
            check(moved == delta, f"{name}{labels or ''} moved by {moved:g} (expected {delta})")
        check(value(after, "cairn_dht_lookups_total", kind="closest_peers", outcome="ok")
              > value(before, "cairn_dht_lookups_total", kind="closest_peers", outcome="ok"),
              "the put's DHT lookups are counted")
        check(value(after, "cairn_api_failures_total", status="401", reason="token_missing") >= 1,
              "the refused scrape is counted as a failure by reason")
    finally:
        local_cluster.stop(BIN, directory)
        subprocess.run(["rm", "-rf", directory])
    print(f"metrics: {checks['passed']} passed, {checks['failed']} failed")
    sys.exit(1 if checks["failed"] else 0)


if __name__ == "__main__":
    main()
