#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the whole test suite, then the checks that
# need Python packages from PyPI (in a virtual environment of their own, made by bootstrap/python-env.sh) and,
# for the dashboard, Debian's headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bootstrap/install-deps.sh
bootstrap/install-browser.sh
swift build
swift test --no-parallel "$@"
PYTHON=$(bootstrap/python-env.sh)
"$PYTHON" simulations/check-metrics.py
"$PYTHON" simulations/check-openapi.py
"$PYTHON" simulations/check-dashboard.py
# The storage market on 10 and 12 real peers: agreements, proofs and payments; self-repair with the owner away.
CAIRN_BIN=.build/debug/cairn "$PYTHON" simulations/check-market.py
CAIRN_BIN=.build/debug/cairn "$PYTHON" simulations/check-self-healing.py
