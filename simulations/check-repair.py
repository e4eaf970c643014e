#!/usr/bin/env python3
"""The peer-machine issue's repair check on 12 real peers: put a 64 MiB file on peer 1 (k = 4, n = 8) and share
it with peer 7; kill -9 three of its holders; `cairn check` on peer 5 shows their slots missing; `cairn repair` on
peer 5 (not the owner, no grant) brings every segment back to 8 healthy shards on live peers; the same ID (on
peer 7, by the grant) and the same capability (on peer 6) give the same SHA-256; then four more of the original
holders die and the get still succeeds. Prints each figure; stops every peer it started.

    swift build -c release && simulations/check-repair.py [SIZE_MIB]
"""
import hashlib, json, os, random, subprocess, sys, time
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
SIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 64
N = 12
D = "/tmp/cairn-repair-%d" % os.getpid()
BASE = 4600

def cli(i, *a):
    r = subprocess.run([B, *a, "--api", f"127.0.0.1:{BASE + 1000 + i}", "--data", f"{D}/peer-{i}", "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"peer {i}: {' '.join(a)}: {r.stderr.strip()}")
    return json.loads(r.stdout)

def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

def by_holder(report):
    states = {}
    for slot in report["slots"]:
        states.setdefault(slot["holder"], set()).add(slot["state"])
    return states

out = subprocess.run([B, "sim", "cluster", "--peers", str(N), "--base-port", str(BASE), "--dir", D, "--detach",
                      "--json"], capture_output=True, text=True)
if out.returncode != 0:
    sys.exit(out.stderr)
members = json.loads(out.stdout)["peers"]
ids = [m["id"] for m in members]
pids = [m["pid"] for m in members]
index = {peer: i for i, peer in enumerate(ids)}
ok = True
try:
    source = os.path.join(D, "input")
    with open(source, "wb") as f:
        f.write(os.urandom(SIZE << 20))
    want = sha(source)
    t = time.time()
    put = cli(1, "put", source, "--k", "4", "--n", "8")
    print("put %d MiB on peer 1 in %.1f s: %s" % (SIZE, time.time() - t, put["id"]))
    cli(1, "share", put["id"], "--to", ids[7])
    keep = {0, 1, 5, 6, 7}
    holders = sorted(index[h] for h in by_holder(cli(5, "check", put["id"])) if h and index[h] not in keep)
    victims = random.sample(holders, 3)
    for v in victims:
        os.kill(pids[v], 9)
    print("killed holders", victims)
    found = by_holder(cli(5, "check", put["id"]))
    missing = all(found.get(ids[v]) == {"missing"} for v in victims)
    print("check on peer 5 shows the killed holders missing:", missing)
    ok &= missing
    t = time.time()
    repaired = cli(5, "repair", put["id"])
    print("repair on peer 5: %d shards rebuilt in %d segments onto %d providers, %.1f s"
          % (repaired["rebuilt"], repaired["segments"], len(repaired["new_holders"]), time.time() - t))
    healed = cli(5, "check", put["id"], "--verify")
    live_holders = all(index[h] not in victims for h in by_holder(healed))
    print("after repair: healthy_min %d of n 8; every holder live: %s; all healthy: %s"
          % (healed["healthy_min"], live_holders, all(s == {"healthy"} for s in by_holder(healed).values())))
    ok &= healed["healthy_min"] == 8 and live_holders
    got = cli(6, "get", put["cap"], "-o", os.path.join(D, "by-cap"))
    shared = cli(7, "get", put["id"], "-o", os.path.join(D, "by-grant"))
    same = got["sha256"] == want and shared["sha256"] == want
    print("same capability (peer 6) and same ID by grant (peer 7) give the same SHA-256:", same)
    ok &= same
    more = [h for h in holders if h not in victims][:4]
    for v in more:
        os.kill(pids[v], 9)
    print("killed four more original holders", more)
    again = cli(6, "get", put["cap"], "-o", os.path.join(D, "again"))
    print("get after that:", again["sha256"] == want)
    ok &= again["sha256"] == want
finally:
    subprocess.run([B, "sim", "cluster", "--stop", "--dir", D])
    subprocess.run(["rm", "-rf", D])
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
