#!/usr/bin/env bash
# docker-compose.yml against the Compose file schema, with `docker compose` when the
# plugin is there, else Debian's docker-compose (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
    docker compose config --quiet
    exit
fi
if ! command -v docker-compose >/dev/null; then
    apt-get install -y -q docker-compose >/dev/null
fi
docker-compose config --quiet
echo "docker-compose.yml: valid"
