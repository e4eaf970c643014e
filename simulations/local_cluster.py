"""Starting and stopping a detached `cairn sim cluster` for the checks that need live peers (metrics, OpenAPI,
dashboard): a random port range, another one when a port is in use, and the check's own failure line when
the cluster cannot start."""
import json, os, random, subprocess, sys


def start(binary, peers, directory, check, step):
    """Starts `peers` peers in `directory` on ports base..base+step (and base+1000...), base random in
    20000..30000; returns their `sim cluster --json` records. Prints "CHECK: 0 passed, 1 failed" and exits when
    it cannot start them."""
    for _ in range(5):
        # Ports in use make `sim cluster` refuse at once: another range is tried.
        base = random.randrange(20000, 30000, step)
        # CAIRN_GENESIS: other network parameters for every peer (e.g. a free allowance of 0).
        genesis = ["--genesis", os.environ["CAIRN_GENESIS"]] if os.environ.get("CAIRN_GENESIS") else []
        started = subprocess.run([binary, "sim", "cluster", "--peers", str(peers), "--base-port", str(base),
                                  "--dir", directory, "--detach", "--json", *genesis], capture_output=True, text=True)
        if started.returncode == 0 or "already in use" not in started.stderr:
            break
    if started.returncode != 0:
        print(started.stderr)
        print(f"{check}: 0 passed, 1 failed")
        sys.exit(1)
    return json.loads(started.stdout)["peers"]


def stop(binary, directory):
    """Stops every peer of the cluster in `directory`, by the PIDs it recorded."""
    subprocess.run([binary, "sim", "cluster", "--stop", "--dir", directory], capture_output=True)
