#!/usr/bin/env bash
# The graphql-http audit (GraphQL over HTTP spec) of `python -m api`, served on a free
# port from a temporary seeded SQLite database; fails on any warning or error.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

(cd .ci/graphql-http-audit && npm ci --silent --no-audit --no-fund)

workdir=$(mktemp -d)
server=""
cleanup() {
    if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

export DATABASE_URL="sqlite+aiosqlite:///$workdir/audit.db"
export PORT
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" -m seed > "$workdir/seed.log" 2>&1
RATE_LIMIT_PER_MINUTE=0 LOG_LEVEL=warning "$PY" -m api > "$workdir/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break
    sleep 0.2
done
node .ci/graphql-http-audit/audit.mjs "http://127.0.0.1:$PORT/graphql" || { cat "$workdir/server.log"; exit 1; }
