#!/usr/bin/env bash
# What `make test-browser` needs beyond `make test`: Debian's Chromium and the
# Playwright client in .venv. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! "$VENV/bin/python" -c 'import playwright' 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet -e '.[dev,browser]'
fi
