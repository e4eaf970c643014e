#!/usr/bin/env python3
"""The storage market issue's first check on 10 real peers (`cairn sim cluster`, nothing typed but `put`): every
peer registers itself as a provider from the faucet; `cairn put` of a 16 MiB file on peer 1 opens 8 agreements;
within five epochs every provider of the file has posted valid proofs, each provider's balance has grown by
exactly what its agreements were paid, and the owner's escrow has shrunk by the same. Prints each figure and
PASS/FAIL; stops every process it started, by PID.

    swift build -c release --product cairn && simulations/check-market.py   (CAIRN_BIN=… for another binary)
"""
import json, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
N = 10
D = "/tmp/cairn-market-%d" % os.getpid()
EPOCH_SECONDS = 10 * 0.5  # local network: 10 blocks of 500 ms


def run(i, *a):
    args = [B, *a, "--api", members[i]["api"], "--data", members[i]["data"], "--json"]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def cli(i, *a):
    r = run(i, *a)
    if r.returncode != 0:
        raise RuntimeError(f"peer {i}: {' '.join(a)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def wait(what, timeout, test):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if test():
                return True
        except (RuntimeError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    print("timed out waiting for", what)
    return False


results = []


def check(name, passed, detail=""):
    results.append(passed)
    print(("PASS " if passed else "FAIL ") + name + (f": {detail}" if detail else ""))


members = local_cluster.start(B, N, D, "CHECK-MARKET", 100)
pids = [m["pid"] for m in members]
index_of = {m["id"]: i for i, m in enumerate(members)}
try:
    t = time.time()
    registered = wait("every peer registered", 60,
                      lambda: all(cli(i, "provider", "status")["registered"] for i in range(N)))
    check("every peer registers itself as a provider", registered, "%.1f s" % (time.time() - t))

    path = f"{D}/file.bin"
    with open(path, "wb") as f:
        f.write(os.urandom(16 << 20))
    put = cli(1, "put", path)
    agreements = put.get("agreements") or []
    check("put of 16 MiB on peer 1 opens 8 agreements", len(agreements) == 8,
          f"{len(agreements)} agreements, tx {put.get('agreements_tx')}, note {put.get('agreements_note')}")

    def mine():
        return {a["id"]: a for a in cli(1, "agreements")["agreements"] if a["id"] in agreements}

    wait("the agreements committed", 20, lambda: len(mine()) == 8)
    h0 = cli(0, "chain", "status")["height"]
    start = mine()
    balances0 = {i: cli(i, "wallet", "balance")["balance"] for i in range(N)}
    escrow0 = sum(a["escrow"] for a in start.values())
    if (cli(0, "chain", "status")["height"] - 1) // 10 != (h0 - 1) // 10:  # an epoch ended meanwhile: again
        h0 = cli(0, "chain", "status")["height"]
        start = mine()
        balances0 = {i: cli(i, "wallet", "balance")["balance"] for i in range(N)}
        escrow0 = sum(a["escrow"] for a in start.values())

    proved = wait("every agreement proved", 5 * EPOCH_SECONDS + 10,
                  lambda: all(a["proofs_ok"] >= 1 for a in mine().values()))
    # Settle on an epoch boundary: two more epochs, then read everything at one moment.
    time.sleep(2 * EPOCH_SECONDS)
    for _ in range(10):  # read agreements and balances within one epoch: payments move only at its end
        h = cli(0, "chain", "status")["height"]
        end = mine()
        balances1 = {i: cli(i, "wallet", "balance")["balance"] for i in range(N)}
        if (cli(0, "chain", "status")["height"] - 1) // 10 == (h - 1) // 10:
            break
    ok = [a["proofs_ok"] for a in end.values()]
    missed = [a["proofs_missed"] for a in end.values()]
    check("within five epochs every provider of the file posted valid proofs", proved and min(ok) >= 1 and max(missed) == 0,
          f"proofs ok per agreement {sorted(ok)}, missed {sorted(missed)}")

    paid = {a["provider"]: a["paid"] - start[aid]["paid"] for aid, a in end.items()}
    escrow1 = sum(a["escrow"] for a in end.values())
    check("the owner's escrow shrank by what was paid", escrow0 - escrow1 == sum(paid.values()),
          f"escrow {escrow0} → {escrow1}, paid {sum(paid.values())} base units")

    wallets = {}
    for i in range(N):
        wallets[cli(i, "wallet", "address")["address"]] = i
    exact, detail = True, []
    for provider, amount in paid.items():
        i = wallets.get(provider)
        if i is None:
            exact = False
            detail.append(f"{provider[:8]} not a cluster peer")
            continue
        if i == 0:
            continue  # the validator also earns every block's fees
        grown = balances1[i] - balances0[i]
        detail.append(f"peer {i} +{grown} for {amount} paid")
        exact = exact and grown == amount and amount > 0
    check("each provider's balance grew by exactly what its agreements were paid", exact, ", ".join(detail))
finally:
    local_cluster.stop(B, D)
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    subprocess.run(["rm", "-rf", D])

passed = sum(results)
print(f"CHECK-MARKET: {passed} passed, {len(results) - passed} failed")
sys.exit(0 if all(results) and results else 1)
