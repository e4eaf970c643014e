#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when missing: simulations/check-dashboard.py drives the
# dashboard in them (headless). As root, or with sudo.
set -euo pipefail
"$(dirname "$0")/apt-install-missing.sh" chromium chromium-driver
