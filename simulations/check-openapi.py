#!/usr/bin/env python3
"""Issue 10, item 2: schemathesis against a live peer's /api/v0/openapi.json. It starts a local cluster (enough
peers for the default 4-of-8 code), fetches the document from the peer with its token, and runs schemathesis's
checks over at least 1,000 generated requests: every status and body must be the document's, and no answer may
be a server error. 503 and 507 are the network's own answers (too few providers, no room) and are documented
where they can happen; any other 5xx fails. Stops every peer it started.

    bootstrap/python-env.sh    # makes .build/python-env with schemathesis; prints its python
    .build/python-env/bin/python simulations/check-openapi.py [PEERS]
"""
import json, os, subprocess, sys, tempfile, urllib.request

import local_cluster

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/debug/cairn"))
PEERS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
EXAMPLES = int(os.environ.get("OPENAPI_EXAMPLES", "80"))


def main():
    directory = tempfile.mkdtemp(prefix="cairn-openapi-")
    peers = local_cluster.start(BIN, PEERS, directory, "openapi", step=20)
    try:
        peer = peers[1]
        with open(os.path.join(peer["data"], "api-token")) as f:
            token = f.read().strip()
        request = urllib.request.Request(f"http://{peer['api']}/api/v0/openapi.json",
                                         headers={"Authorization": f"Bearer {token}"})
        schema = os.path.join(directory, "openapi.json")
        with urllib.request.urlopen(request, timeout=30) as response, open(schema, "wb") as out:
            out.write(response.read())
        environment = dict(os.environ, SCHEMATHESIS_HOOKS="openapi_hooks",
                           PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
        config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
        command = [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--no-color", "--config-file", config,
                   "run", schema,
                   "--url", f"http://{peer['api']}", "-H", f"Authorization: Bearer {token}",
                   # The server-error check comes from openapi_hooks.py, with the network's own answers let through.
                   "--checks", "all", "--exclude-checks", "not_a_server_error",
                   "--max-examples", str(EXAMPLES), "--request-timeout", "60", "--seed", "1"]
        # In the scratch directory, where schemathesis leaves its cache.
        run = subprocess.run(command, env=environment, text=True, capture_output=True, cwd=directory)
        print(run.stdout[-20000:], run.stderr[-3000:], sep="\n")
    finally:
        local_cluster.stop(BIN, directory)
        subprocess.run(["rm", "-rf", directory])
    passed = run.returncode == 0
    print(f"openapi: {1 if passed else 0} passed, {0 if passed else 1} failed")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
