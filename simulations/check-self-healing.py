#!/usr/bin/env python3
"""The storage market issue's self-healing checks on real peers (`cairn sim cluster`, nothing typed but `put`):

1. 10 peers. A 16 MiB file put on peer 1; one provider's shard files deleted from its disk while it keeps
   running, and peer 1 stopped. Its `cairn provider status` warns before the penalty, its next proofs are
   missed, its stake shrinks by exactly the graduated rule, its slot is rebuilt onto another provider with the
   owner still stopped, the file is got on peer 5 with the same SHA-256, and the new provider proves and is paid.
2. 12 peers. A 16 MiB file put on peer 1, peer 1 stopped, then three of its providers killed with SIGKILL at
   once: all 8 slots are healthy again (`cairn check --verify`) within three epochs of the misses being detected
   (the first agreement marked for repair).

Prints each figure and PASS/FAIL; stops every process it started, by PID.

    swift build -c release --product cairn && simulations/check-self-healing.py
"""
import hashlib, json, os, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/release/cairn"))
D = "/tmp/cairn-self-healing-%d" % os.getpid()
EPOCH_BLOCKS = 10
PENALTY_BASE, PENALTY_CAP = 1_000_000, 16_000_000  # the local network's market (bootstrap/genesis.json)
results = []


def check(name, passed, detail=""):
    results.append(passed)
    print(("PASS " if passed else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)


class Cluster:
    def __init__(self, peers, directory):
        self.dir = directory
        self.members = local_cluster.start(B, peers, directory, "CHECK-SELF-HEALING", 100)
        self.pids = [m["pid"] for m in self.members]
        self.down = set()

    def cli(self, i, *a):
        m = self.members[i]
        r = subprocess.run([B, *a, "--api", m["api"], "--data", m["data"], "--json"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"peer {i}: {' '.join(a)}: {r.stderr.strip()}")
        return json.loads(r.stdout)

    def stop(self, i, sig):
        os.kill(self.pids[i], sig)
        self.down.add(i)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                os.kill(self.pids[i], 0)
            except ProcessLookupError:
                return
            if subprocess.run(["ps", "-o", "stat=", "-p", str(self.pids[i])], capture_output=True,
                              text=True).stdout.strip().startswith("Z"):
                return
            time.sleep(0.1)

    def close(self):
        local_cluster.stop(B, self.dir)
        for pid in self.pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass

    def height(self, i):
        return self.cli(i, "chain", "status")["height"]

    def addresses(self):
        return {self.cli(i, "wallet", "address")["address"]: i for i in range(len(self.members))}

    def agreements(self, i, file_id):
        return self.cli(i, "agreements", "--file", file_id)["agreements"]


def wait(what, timeout, test, every=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = test()
            if value:
                return value
        except (RuntimeError, ValueError, KeyError, subprocess.TimeoutExpired):
            pass
        time.sleep(every)
    print("timed out waiting for", what, flush=True)
    return None


def penalty_rule(misses):
    """Stake a provider loses over a run of `misses` consecutive misses: Σ min(cap, base·2^(j−1))."""
    return sum(min(PENALTY_CAP, PENALTY_BASE << (j - 1)) for j in range(1, misses + 1))


def put_and_settle(c, path):
    """Every peer registered, then a 16 MiB put on peer 1 whose 8 agreements are each proved once: (put, its
    SHA-256, provider address → peer index), or None after a FAIL line."""
    peers = len(c.members)
    wait("every peer registered", 60, lambda: all(c.cli(i, "provider", "status")["registered"] for i in range(peers)))
    with open(path, "wb") as f:
        f.write(os.urandom(16 << 20))
    want = hashlib.sha256(open(path, "rb").read()).hexdigest()
    put = c.cli(1, "put", path)
    ok = wait("the file's 8 agreements proved once", 60, lambda: len(put.get("agreements") or []) == 8 and all(
        a["proofs_ok"] >= 1 for a in c.agreements(1, put["id"])))
    check(f"a 16 MiB put on peer 1 of {peers} opens 8 agreements, each proved", bool(ok), f"file {put['id'][:16]}…")
    return (put, want, c.addresses()) if ok else None


def open_of_slot(agreements, slot):
    return [a for a in agreements if a["slot"] == slot and a["state"] in ("active", "repair_needed")]


def deleted_shards(c):
    """Done-when 2: shards deleted under a running provider, owner stopped."""
    settled = put_and_settle(c, f"{c.dir}/one.bin")
    if not settled:
        return
    put, want, who = settled
    start = wait("peer 5 sees the file's agreements", 20, lambda: (lambda seen: len(seen) == 8 and seen)(
        c.agreements(5, put["id"])))
    if not start:
        return check("peer 5 sees the file's 8 agreements", False)
    victim_agreement = next(a for a in start if who[a["provider"]] not in (0, 1, 5))
    victim, slot = who[victim_agreement["provider"]], victim_agreement["slot"]
    stake0 = c.cli(victim, "provider", "status")["stake"]
    shard_dir = os.path.join(c.members[victim]["data"], "shards", "shards")
    removed = 0
    for root, _, files in os.walk(shard_dir):
        for name in files:
            os.remove(os.path.join(root, name))
            removed += 1
    c.stop(1, signal.SIGTERM)
    print(f"deleted {removed} shard files of peer {victim} (slot {slot}, still running); stopped peer 1 (the owner)",
          flush=True)

    warned = None  # (stake, proofs_missed, text) when the first warning of a coming miss showed
    repaired = None
    deadline = time.time() + 30 * EPOCH_BLOCKS * 0.5
    while time.time() < deadline and repaired is None:
        try:
            status = c.cli(victim, "provider", "status")
            if warned is None:
                text = next((w for w in status["warnings"] if w.startswith("cannot prove")), None)
                if text:
                    mine = next(a for a in c.agreements(5, put["id"]) if a["id"] == victim_agreement["id"])
                    warned = (status["stake"], mine["proofs_missed"], text)
            slots = c.agreements(5, put["id"])
            moved = [a for a in open_of_slot(slots, slot) if a["id"] != victim_agreement["id"]]
            if moved and moved[0]["state"] == "active":
                repaired = (moved[0], slots, c.height(5))
        except (RuntimeError, ValueError, KeyError, StopIteration, subprocess.TimeoutExpired):
            pass
        time.sleep(0.25)
    check("provider status warned before the penalty", warned is not None and warned[0] == stake0 and warned[1] == 0,
          f"stake {warned[0] if warned else '?'} of {stake0} when it said: {warned[2] if warned else 'nothing'}")
    old = next(a for a in c.agreements(5, put["id"]) if a["id"] == victim_agreement["id"])
    stake1 = c.cli(victim, "provider", "status")["stake"]
    lost = stake0 - stake1
    check("its proofs were missed and its stake shrank by the rule", old["proofs_missed"] >= 1
          and lost == penalty_rule(old["proofs_missed"]),
          f"{old['proofs_missed']} missed, stake {stake0} → {stake1} (−{lost}; the rule says "
          f"−{penalty_rule(old['proofs_missed'])}), old agreement {old['state']}")
    check("the slot was repaired onto another provider with peer 1 stopped", repaired is not None and 1 in c.down
          and who[repaired[0]["provider"]] != victim,
          f"slot {slot} now on peer {who[repaired[0]['provider']] if repaired else '?'} at height "
          f"{repaired[2] if repaired else '?'}")
    if repaired is None:
        return
    got = c.cli(5, "get", put["cap"], "-o", f"{c.dir}/got.bin")
    check("the file is got on peer 5 with the same SHA-256", got["sha256"] == want, got["sha256"][:16] + "…")

    new_id, new_provider = repaired[0]["id"], who[repaired[0]["provider"]]
    balance0 = c.cli(new_provider, "wallet", "balance")["balance"]
    paid0 = next(a for a in c.agreements(5, put["id"]) if a["id"] == new_id)["paid"]
    proved = wait("the new provider proved and was paid", 6 * EPOCH_BLOCKS * 0.5, lambda: any(
        a["id"] == new_id and a["proofs_ok"] >= 1 and a["paid"] > paid0 for a in c.agreements(5, put["id"])))
    time.sleep(0.5)
    for _ in range(20):  # read the balance and the agreement at one height
        h = c.height(5)
        now = next(a for a in c.agreements(5, put["id"]) if a["id"] == new_id)
        balance1 = c.cli(new_provider, "wallet", "balance")["balance"]
        if c.height(5) == h:
            break
    grown = balance1 - balance0
    exact = grown == now["paid"] - paid0 or new_provider == 0  # peer 0 also earns block fees
    check("the new provider proves and is paid", bool(proved) and now["proofs_missed"] == 0 and exact,
          f"peer {new_provider}: {now['proofs_ok']} proofs, {now['proofs_missed']} missed, paid "
          f"{now['paid'] - paid0}, balance +{grown}")


def three_killed(c):
    """Done-when 3: three providers killed at once, owner offline."""
    settled = put_and_settle(c, f"{c.dir}/two.bin")
    if not settled:
        return
    put, want, who = settled
    holders = sorted({who[a["provider"]] for a in c.agreements(5, put["id"])} - {0, 1, 5})
    victims = holders[:3]
    c.stop(1, signal.SIGTERM)
    for v in victims:
        os.kill(c.pids[v], 9)
        c.down.add(v)
    print(f"stopped peer 1 (the owner); killed peers {victims} with SIGKILL", flush=True)
    detected = wait("a slot marked for repair", 10 * EPOCH_BLOCKS * 0.5, lambda: any(
        a["state"] == "repair_needed" for a in c.agreements(5, put["id"])) and c.height(5))

    def placed():
        return {who[a["provider"]] for a in c.agreements(5, put["id"]) if a["state"] == "active"}

    # Healthy: every slot's shards verified on a live holder, and on chain 8 active agreements with live providers.
    healthy = wait("8 of 8 slots healthy", 10 * EPOCH_BLOCKS * 0.5, lambda: (
        len(placed() - c.down) == 8 and c.cli(5, "check", put["id"], "--verify")["healthy_min"] == 8
        and c.height(5)), 1)
    check("all 8 slots healthy again within three epochs of detection, owner offline",
          bool(detected) and bool(healthy) and healthy - detected <= 3 * EPOCH_BLOCKS,
          f"marked at height {detected}, 8 of 8 healthy at {healthy} "
          f"({(healthy - detected) if detected and healthy else '?'} blocks); providers now {sorted(placed())}")
    got = c.cli(5, "get", put["cap"], "-o", f"{c.dir}/got-two.bin")
    check("the file is still the same", got["sha256"] == want, got["sha256"][:16] + "…")


only = sys.argv[1] if len(sys.argv) > 1 else None  # "deleted_shards" or "three_killed": that one alone
for peers, scenario in ((10, deleted_shards), (12, three_killed)):
    if only and scenario.__name__ != only:
        continue
    directory = f"{D}-{peers}"
    cluster = Cluster(peers, directory)
    failed_before = results.count(False)
    try:
        scenario(cluster)
    except Exception as error:  # a scenario that breaks is a failure, and the other one still runs
        check(f"{scenario.__name__} ran to the end", False, repr(error))
    finally:
        cluster.close()
        if results.count(False) == failed_before:
            subprocess.run(["rm", "-rf", directory])
        else:
            print(f"kept {directory} (logs in peer-*/log)")

passed = sum(results)
print(f"CHECK-SELF-HEALING: {passed} passed, {len(results) - passed} failed")
sys.exit(0 if all(results) and results else 1)
