#!/usr/bin/env bash
# Makes (once) a Python virtual environment in .build/python-env holding the PyPI packages that the test
# scripts use (bootstrap/python-requirements.txt), and prints the path of its python. On a fresh Debian machine
# it installs python3 and python3-venv first. Nothing is installed outside the environment but those.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV=.build/python-env
REQUIREMENTS=bootstrap/python-requirements.txt
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ ! -x "$ENV/bin/python" ] || ! "$ENV/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$ENV"
    if ! command -v python3 >/dev/null || ! python3 -m venv "$ENV" >/dev/null 2>&1; then
        echo "installing python3 and python3-venv" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-venv >/dev/null
        rm -rf "$ENV"
        python3 -m venv "$ENV"
    fi
fi
# Installed again only when the list changed since the last install.
STAMP="$ENV/.requirements"
if ! cmp -s "$REQUIREMENTS" "$STAMP"; then
    echo "installing $(tr '\n' ' ' < "$REQUIREMENTS")into $ENV" >&2
    "$ENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" >&2
    cp "$REQUIREMENTS" "$STAMP"
fi
echo "$PWD/$ENV/bin/python"
