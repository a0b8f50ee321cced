"""Fan-out of live changes: N subscriptions on one server process receive each change.

    .venv/bin/python -m bench.fanout [--subscriptions 1000] [--changes 5]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/reelgraph_bench_live]

Recreates the database (PostgreSQL: drops and creates it; SQLite: a new file),
migrates it, adds one title, starts one server process, opens the subscriptions
(one WebSocket each, all watching that title in US), waits until the server's
/metrics counts them, then commits `--changes` change rows one at a time and
reports how long each took to reach every subscriber (from the start of its
writing transaction to its arrival at each client, this script's own reading of
1,000 sockets included), and the server's resident memory (VmRSS) before the
subscriptions, with them, and after the changes.

The server is `python -m api`; each delivered change shows its id, kind, title and
offer's provider (read per change). Not a test: numbers depend on the machine.
"""

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.engine import make_url
from websockets.asyncio.client import ClientConnection, connect

from api.core.ids import encode_id
from models import Monetization, Offer, Provider, Title, TitleKind
from models.db import create_engine, create_sessionmaker
from models.migrations import upgrade

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/reelgraph_bench_live"
SUBSCRIPTION = (
    "subscription($t: [ID!]!, $r: [String!]!)"
    " { availabilityChanged(titleIds: $t, regions: $r)"
    " { id kind title { name } offer { provider { name } } } }"
)
DEADLINE_SECONDS = 1.0
MIB = 1024 * 1024


async def recreate(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        server = create_engine(
            parsed.set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
            await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        await server.dispose()
    await asyncio.to_thread(upgrade, url)


async def add_title(url: str) -> int:
    """A title with one offer (in US), which each change names."""
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session, session.begin():
        title = Title(slug="fan-out", name="Fan Out", kind=TitleKind.MOVIE)
        provider = Provider(slug="fan-out-tv", name="Fan Out TV")
        session.add_all([title, provider])
        await session.flush()
        title_id = title.id
        session.add(
            Offer(
                title_id=title_id,
                provider_id=provider.id,
                region="US",
                monetization=Monetization.SUBSCRIPTION,
                url="https://example.com/fan-out",
            )
        )
    await engine.dispose()
    assert title_id is not None
    return title_id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def server_process(
    url: str, port: int, log: Path, settings: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m api` on `url` in its own process group, rate limits off (every request
    comes from this one address), with `settings` on top of this process's environment."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "PYTHONPATH": str(REPOSITORY),
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "warning",
        **(settings or {}),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "api"],
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert found is not None
    return int(found.group(1)) / 1024


async def metric(http: httpx.AsyncClient, name: str) -> float:
    body = (await http.get("/metrics")).text
    found = re.search(rf"^{name} (\S+)$", body, re.M)
    return float(found.group(1)) if found else 0.0


async def wait_until(condition: Any, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not await condition():  # noqa: ASYNC110 (another process's state)
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def subscriber(url: str, title_global_id: str) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket_:  # type: ignore[list-item]
        await socket_.send('{"type":"connection_init"}')
        assert orjson.loads(await socket_.recv())["type"] == "connection_ack"
        variables = {"t": [title_global_id], "r": ["US"]}
        payload = {"query": SUBSCRIPTION, "variables": variables}
        subscribe = {"id": "1", "type": "subscribe", "payload": payload}
        await socket_.send(orjson.dumps(subscribe).decode())  # a text frame
        yield socket_


async def arrival(socket_: ClientConnection, change_id: int) -> float:
    while True:
        message = orjson.loads(await socket_.recv())
        if message["type"] == "next":
            assert message["payload"]["data"]["availabilityChanged"]["id"] == change_id
            return time.perf_counter()


async def run(url: str, subscriptions: int, changes: int) -> str:
    await recreate(url)
    title_id = await add_title(url)
    title = encode_id("Title", title_id)
    port = free_port()
    writer = create_engine(url)
    lines = []
    with (
        tempfile.TemporaryDirectory() as folder,
        server_process(
            url,
            port,
            Path(folder) / "server.log",
            {"RESPONSE_CACHE_SECONDS": "0", "GRAPHIQL": "false"},
        ) as process,
    ):
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:

            async def up() -> bool:
                with contextlib.suppress(httpx.TransportError):
                    return (await http.get("/readyz")).status_code == 200
                return False

            await wait_until(up, 60)
            ws_url = f"ws://127.0.0.1:{port}/graphql"
            # Warm up: one subscription receives one change (code paths, the listener).
            async with subscriber(ws_url, title) as warm:

                async def watching_one() -> bool:
                    return await metric(http, "reelgraph_live_subscriptions") == 1

                await wait_until(watching_one, 10)
                change_id = await insert(writer, title_id)
                await arrival(warm, change_id)
            before = rss_mib(process.pid)
            async with contextlib.AsyncExitStack() as stack:
                started = time.perf_counter()
                sockets = []
                for _ in range(subscriptions):
                    sockets.append(await stack.enter_async_context(subscriber(ws_url, title)))

                async def all_watching() -> bool:
                    return await metric(http, "reelgraph_live_subscriptions") == subscriptions

                await wait_until(all_watching, 60)
                opened = time.perf_counter() - started
                with_subscriptions = rss_mib(process.pid)
                lines.append(
                    f"{subscriptions:,} subscriptions (one WebSocket each) open in {opened:.1f} s"
                )
                lines.append("")
                lines.append("| change | all received | p50 | p95 | slowest | within 1 s |")
                lines.append("|---|---|---|---|---|---|")
                for number in range(1, changes + 1):
                    writing = time.perf_counter()
                    change_id = await insert(writer, title_id)
                    times = await asyncio.gather(*(arrival(s, change_id) for s in sockets))
                    latencies = sorted((t - writing) * 1000 for t in times)
                    within = sum(latency <= DEADLINE_SECONDS * 1000 for latency in latencies)
                    lines.append(
                        f"| {number} | {len(latencies):,} | {statistics.median(latencies):.1f} ms"
                        f" | {latencies[int(len(latencies) * 0.95) - 1]:.1f} ms"
                        f" | {latencies[-1]:.1f} ms | {within:,}/{len(latencies):,} |"
                    )
                after = rss_mib(process.pid)
    await writer.dispose()
    lines.append("")
    lines.append(
        f"Server RSS: {before:.1f} MiB before, {with_subscriptions:.1f} MiB with the"
        f" subscriptions (+{with_subscriptions - before:.1f} MiB), {after:.1f} MiB after"
        f" the changes (+{after - before:.1f} MiB; target < 100 MiB)"
    )
    return "\n".join(lines)


async def insert(writer: Any, title_id: int) -> str:
    async with writer.begin() as connection:
        change_id = await connection.scalar(
            text(
                "INSERT INTO availability_changes (title_id, offer_id, region, kind, at)"
                " SELECT :title, id, 'US', 'NEW', CURRENT_TIMESTAMP FROM offers"
                " WHERE title_id = :title RETURNING id"
            ),
            {"title": title_id},
        )
    return encode_id("AvailabilityChange", change_id)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    print(asyncio.run(run(args.database_url, args.subscriptions, args.changes)))


if __name__ == "__main__":
    main()
