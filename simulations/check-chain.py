#!/usr/bin/env python3
"""The chain issue's checks on 10 real peers (`cairn sim cluster`; peer 0, the bootstrap peer, is the genesis
validator): peers 1–3 take the faucet and bond 1,000 CRN, so four validators hold equal power; every peer
reports the same height and tip within 2 s; a transfer made on peer 2 shows in peer 9's balance within 3 s; a
`--sign-only` transaction submitted twice, and one with a signature byte changed, are refused and change nothing.
Then kill -9 one validator: blocks go on; kill a second: the chain halts (no block without 2/3 of the power);
restart one: it resumes, with no fork (every peer's block hashes agree at every height), and no peer logged
a validator's conflicting votes. Prints each figure and PASS/FAIL; stops every process it started, by PID.

    swift build -c release && simulations/check-chain.py
"""
import json, os, subprocess, sys, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
N = 10
D = "/tmp/cairn-chain-%d" % os.getpid()
BASE = int(os.environ.get("CAIRN_CHECK_BASE", "4700"))
TOKEN = 1_000_000

def run(i, *a, json_out=True):
    args = [B, *a, "--api", f"127.0.0.1:{BASE + 1000 + i}", "--data", f"{D}/peer-{i}"] + (["--json"] if json_out else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=60)

def cli(i, *a):
    r = run(i, *a)
    if r.returncode != 0:
        raise RuntimeError(f"peer {i}: {' '.join(a)}: {r.stderr.strip()}")
    return json.loads(r.stdout)

def status(i):
    return cli(i, "chain", "status")

def balance(i):
    return cli(i, "wallet", "balance")["balance"]

def wait(what, timeout, test):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if test():
                return True
        except (RuntimeError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    print("timed out waiting for", what)
    return False

results = []
def check(name, passed, detail=""):
    results.append(passed)
    print(("PASS " if passed else "FAIL ") + name + (f": {detail}" if detail else ""))

out = subprocess.run([B, "sim", "cluster", "--peers", str(N), "--base-port", str(BASE), "--dir", D, "--detach",
                      "--json"], capture_output=True, text=True)
if out.returncode != 0:
    sys.exit(out.stderr)
members = json.loads(out.stdout)["peers"]
pids = [m["pid"] for m in members]
restarted = []
try:
    # Four validators of equal power: the genesis one and three that bond from the faucet.
    for i in (1, 2, 3):
        cli(i, "wallet", "faucet")
    wait("faucet", 20, lambda: all(balance(i) >= 1_001 * TOKEN for i in (1, 2, 3)))
    for i in (1, 2, 3):
        cli(i, "validator", "bond", "1000")
    check("four validators", wait("bonds", 20, lambda: len(cli(0, "validator", "list")["validators"]) == 4))

    # Every peer at the same height and tip within 2 s.
    time.sleep(2)
    reference = status(0)
    def caught_up():
        statuses = [status(i) for i in range(N)]
        return all(s["height"] >= reference["height"] for s in statuses)
    t = time.time()
    same = wait("all peers at peer 0's height", 2, caught_up)
    check("every peer reaches peer 0's height within 2 s", same, "%.2f s, height %d" % (time.time() - t, reference["height"]))
    h = reference["height"]
    tips = {cli(i, "chain", "block", str(h))["hash"] for i in range(N)}
    check("every peer has the same block at that height", len(tips) == 1, str(h))

    # A transfer made on peer 2 shows in peer 9's balance within 3 s.
    to = cli(9, "wallet", "address")["address"]
    before = balance(9)
    t = time.time()
    cli(2, "wallet", "transfer", to, "7")
    landed = wait("transfer", 3, lambda: balance(9) == before + 7 * TOKEN)
    check("a transfer on peer 2 shows on peer 9 within 3 s", landed, "%.2f s" % (time.time() - t))

    # Replay and forgery are refused and change nothing.
    signed = run(2, "wallet", "transfer", to, "1", "--sign-only", json_out=False).stdout.strip()
    first = run(3, "chain", "submit", signed, json_out=False)
    wait("the signed transfer", 5, lambda: balance(9) == before + 8 * TOKEN)
    again = run(3, "chain", "submit", signed, json_out=False)
    check("a transaction submitted twice is refused the second time", first.returncode == 0 and again.returncode != 0,
          again.stderr.strip())
    fresh = run(2, "wallet", "transfer", to, "1", "--sign-only", json_out=False).stdout.strip()
    forged = fresh[:-10] + ("1" if fresh[-10] == "0" else "0") + fresh[-9:]
    bad = run(3, "chain", "submit", forged, json_out=False)
    time.sleep(2)
    check("a forged signature is refused", bad.returncode != 0, bad.stderr.strip())
    check("neither changed a balance", balance(9) == before + 8 * TOKEN)

    # Kill -9 one validator: blocks go on.
    os.kill(pids[3], 9)
    h1 = status(0)["height"]
    time.sleep(6)
    h2 = status(0)["height"]
    check("one of four validators killed: blocks go on", h2 >= h1 + 3, f"{h1} → {h2}")

    # Kill a second: the chain halts.
    os.kill(pids[2], 9)
    time.sleep(3)
    h3 = status(0)["height"]
    time.sleep(6)
    h4 = status(0)["height"]
    check("two of four validators killed: the chain halts", h4 == h3, f"{h3} → {h4}")

    # Restart one: the chain resumes.
    log = open(f"{D}/peer-2/log.restart", "w")
    proc = subprocess.Popen([B, "run", "--data", f"{D}/peer-2", "--listen", f"127.0.0.1:{BASE + 2}",
                             "--api", f"127.0.0.1:{BASE + 1002}", "--bootstrap", f"127.0.0.1:{BASE}"],
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    restarted.append(proc)
    resumed = wait("the chain to resume", 30, lambda: status(0)["height"] >= h4 + 3)
    check("one validator restarted: the chain resumes", resumed, f"{h4} → {status(0)['height']}")

    # No fork: every live peer has the same hash at every height up to the lowest tip.
    live = [i for i in range(N) if i != 3]
    wait("live peers in step", 10, lambda: len({status(i)["height"] for i in live}) <= 2)
    top = min(status(i)["height"] for i in live)
    forks = [height for height in range(1, top + 1, max(1, top // 40))
             if len({cli(i, "chain", "block", str(height))["hash"] for i in live}) != 1]
    check("no fork", not forks, f"heights 1..{top} sampled, disagreeing: {forks}")
    conflicting = [i for i in range(N) for name in ("log", "log.restart")
                   if os.path.exists(f"{D}/peer-{i}/{name}")
                   and "conflicting votes" in open(f"{D}/peer-{i}/{name}", errors="replace").read()]
    check("no validator signed conflicting votes", not conflicting, str(conflicting))
finally:
    for proc in restarted:
        proc.kill()
        proc.wait()
    subprocess.run([B, "sim", "cluster", "--stop", "--dir", D], capture_output=True)

print("CHECK-CHAIN: %d passed, %d failed" % (results.count(True), results.count(False)))
sys.exit(0 if all(results) else 1)
