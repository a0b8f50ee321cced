"""SQL statements per request, counted in-process (as tests/conftest.py does).

Runs as a child process in the measured source tree (see bench/source.py), so
it imports that tree's `api`: `python -m bench.probe URL OUT_DIR BODY...`.
Each workload runs once to warm up (first connection, dialect start-up), then
once more with a `before_cursor_execute` counter on the engine; the counts are
printed as JSON and each response saved as OUT_DIR/<workload>.json.
"""

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_PARENT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Probe:
    statements: int
    response: bytes


def probe(
    source: Path, database_url: str, settings: dict[str, str], bodies: dict[str, Path], out: Path
) -> dict[str, Probe]:
    """Runs this module in `source` with `settings` as environment variables;
    `bodies` maps workload keys to request files."""
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.probe", database_url, str(out)]
    argv += [f"{key}={path}" for key, path in bodies.items()]
    # `source` first on sys.path (the cwd) for api/models; this harness's bench after it.
    env = {**os.environ, **settings, "PYTHONPATH": str(BENCH_PARENT)}
    result = subprocess.run(argv, cwd=source, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"statement probe failed on {database_url}:\n{result.stderr[-3000:]}")
    counts: dict[str, int] = json.loads(result.stdout.splitlines()[-1])
    return {key: Probe(n, (out / f"{key}.json").read_bytes()) for key, n in counts.items()}


async def _probe(database_url: str, out: Path, bodies: dict[str, bytes]) -> dict[str, int]:
    import httpx
    from sqlalchemy import event

    from api.http.app import create_app
    from api.settings import Settings
    from models.db import create_engine

    engine = create_engine(database_url)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    app = create_app(Settings(database_url=database_url, graphiql=False), engine=engine)
    transport = httpx.ASGITransport(app=app)
    counts: dict[str, int] = {}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for key, body in bodies.items():
                await _post(client, body)
                statements.clear()
                event.listen(engine.sync_engine, "before_cursor_execute", count)
                try:
                    response = await _post(client, body)
                finally:
                    event.remove(engine.sync_engine, "before_cursor_execute", count)
                counts[key] = len(statements)
                (out / f"{key}.json").write_bytes(response)
    finally:
        await engine.dispose()
    return counts


async def _post(client: Any, body: bytes) -> bytes:
    headers = {"content-type": "application/json"}
    response = await client.post("/graphql", content=body, headers=headers)
    response.raise_for_status()
    content: bytes = response.content
    return content


def main(argv: list[str]) -> None:
    database_url, out, *pairs = argv
    bodies = {key: Path(path).read_bytes() for key, path in (p.split("=", 1) for p in pairs)}
    print(json.dumps(asyncio.run(_probe(database_url, Path(out), bodies))))


if __name__ == "__main__":
    main(sys.argv[1:])
