"""The database goes away and comes back: requests answer SERVICE_UNAVAILABLE quickly
(no hang, no 500), /readyz says 503 while /healthz stays 200, and the service recovers
by itself, without a restart.

The outages need a real PostgreSQL (`make test-postgres`; the SQLite run skips them):
a database of the run's own next to TEST_DATABASE_URL's (see tests/databases.py),
reached through a `DatabaseProxy` the tests cut and restore. A database that answers
but is not serving is a small fake server, so those tests run in every run.
"""

import asyncio
import contextlib
import re
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import make_url

from api.http.app import create_app
from api.settings import Settings
from models.db import create_engine, create_sessionmaker
from models.migrations import upgrade
from seed.example import REFUSENIK
from seed.load import load_entries
from tests.databases import (
    NEEDS_POSTGRES,
    create_database,
    drop_database,
    per_run_url,
    postgres_test_url,
)
from tests.faults.proxy import DatabaseProxy, FaultMode
from tests.helpers import error_codes

# Small bounds so a cut costs the tests about a second per request, not the defaults.
TIMEOUT_SECONDS = 1.0
# "Quickly": an answer must come within this, or the request counts as hung.
ANSWER_WITHIN = 10.0
RECOVER_WITHIN = 10.0
RECOVERY_POLLS = 30
BURST = 20
POOL_SIZE = 2  # and as many overflow connections

TITLE_QUERY = '{ title(slug: "refusenik-2007") { name year genres { name } } }'
LEAKS = re.compile(
    r"Traceback|SELECT |sqlalchemy|asyncpg|Errno|Connect call|\.py\b|/work/|File \"|"
    r"127\.0\.0\.1|localhost|5432",
    re.I,
)


async def _migrate_and_seed(url: str) -> None:
    await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await load_entries(session, [REFUSENIK])
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
async def faults_database() -> AsyncIterator[str]:
    """A migrated database of this run's own with the example title; yields its URL."""
    postgres = postgres_test_url()
    if postgres is None:
        pytest.skip(NEEDS_POSTGRES)
    url = per_run_url(postgres, "faults")
    await create_database(url)
    try:
        await _migrate_and_seed(url)
        yield url
    finally:
        await drop_database(url)


async def post(client: httpx.AsyncClient, query: str = TITLE_QUERY) -> httpx.Response:
    """A request that must be answered within ANSWER_WITHIN (else TimeoutError: it hung)."""
    return await asyncio.wait_for(client.post("/graphql", json={"query": query}), ANSWER_WITHIN)


async def get(client: httpx.AsyncClient, path: str) -> httpx.Response:
    return await asyncio.wait_for(client.get(path), ANSWER_WITHIN)


@dataclass
class Service:
    proxy: DatabaseProxy
    client: httpx.AsyncClient

    async def post(self, query: str = TITLE_QUERY) -> httpx.Response:
        return await post(self.client, query)

    async def get(self, path: str) -> httpx.Response:
        return await get(self.client, path)


@pytest.fixture
async def service(faults_database: str) -> AsyncIterator[Service]:
    """The real app (its engine built from Settings) reaching PostgreSQL through a proxy."""
    tasks_before = asyncio.all_tasks()
    server = make_url(faults_database)
    async with DatabaseProxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        proxied = server.set(host=proxy.host, port=proxy.port)
        settings = Settings(
            database_url=proxied.render_as_string(hide_password=False),
            graphiql=False,
            response_cache_seconds=0,  # every query reaches the database
            db_pool_size=POOL_SIZE,  # a burst exhausts the pool: pool_timeout is exercised
            db_connect_timeout_seconds=TIMEOUT_SECONDS,
            db_command_timeout_seconds=TIMEOUT_SECONDS,
            db_pool_timeout_seconds=TIMEOUT_SECONDS,
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        try:
            async with (
                app.router.lifespan_context(app),  # its exit disposes of the engine
                httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
            ):
                yield Service(proxy, client)
                await proxy.restore()  # so the engine closes its connections gracefully
        finally:
            await proxy.close()
        assert proxy.live_connections == 0
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() - tasks_before if t is not current and not t.done()]
    assert leftover == [], leftover


async def assert_healthy(service: Service) -> None:
    response = await service.post()
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert body["data"] == {
        "title": {"name": "Refusenik", "year": 2007, "genres": [{"name": "Documentary"}]}
    }
    assert (await service.get("/readyz")).status_code == 200


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"], body
    assert body["data"] in (None, {"title": None}), body  # nothing half-answered
    assert not LEAKS.search(response.text), response.text


async def assert_down(service: Service) -> None:
    assert_unavailable(await service.post())
    ready = await service.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}
    assert not LEAKS.search(ready.text), ready.text
    assert (await service.get("/healthz")).status_code == 200


async def assert_recovers(service: Service) -> None:
    """Without a restart: polls until a query succeeds, then expects it to stay so."""
    async with asyncio.timeout(RECOVER_WITHIN):
        for _ in range(RECOVERY_POLLS):
            if not error_codes((await service.post()).json()):
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"still unavailable after {RECOVERY_POLLS} requests")
    await assert_healthy(service)


# refuse: the database is down (new connections refused, live ones reset).
# reset: accepted then reset at once. blackhole: a partition; new connections hang
# until the connect timeout, and with frozen live connections the pooled connection
# hangs until the command timeout.
OUTAGES = [
    pytest.param("refuse", False, id="refused"),
    pytest.param("reset", False, id="reset"),
    pytest.param("blackhole", False, id="blackholed"),
    pytest.param("blackhole", True, id="blackholed-live-frozen"),
]


@pytest.mark.parametrize(("mode", "freeze_live"), OUTAGES)
async def test_outage_is_service_unavailable_then_recovers(
    service: Service, mode: FaultMode, freeze_live: bool
) -> None:
    await assert_healthy(service)
    await service.proxy.cut(mode, freeze_live=freeze_live)
    if freeze_live:
        assert service.proxy.live_connections > 0  # pooled connections now silent, not closed
    await assert_down(service)
    assert_unavailable(await service.post())  # the next request is no different
    await service.proxy.restore()
    await assert_recovers(service)


@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
async def test_burst_during_outage_all_answer_service_unavailable(
    service: Service, mode: FaultMode
) -> None:
    await assert_healthy(service)
    await service.proxy.cut(mode)
    responses = await asyncio.gather(*(service.post() for _ in range(BURST)))
    for response in responses:
        assert_unavailable(response)
    await service.proxy.restore()
    await assert_recovers(service)
    # The failed connection attempts gave their pool slots back: as many requests as
    # the pool has connections still succeed at once (a leak would time them out).
    responses = await asyncio.gather(*(service.post() for _ in range(2 * POOL_SIZE)))
    assert all(not error_codes(response.json()) for response in responses)


async def test_dead_pooled_connections_are_replaced_without_a_failed_request(
    service: Service,
) -> None:
    """The database restarted between two requests: the planned read meets a dropped
    pooled connection and runs again on a new one, so the first request afterwards
    already succeeds (and /readyz's write pool pings before use)."""
    await asyncio.gather(*(service.post() for _ in range(2 * POOL_SIZE)))  # fill the pool
    pooled = service.proxy.live_connections
    assert pooled > 0
    await service.proxy.cut("refuse")
    await service.proxy.restore()
    await asyncio.sleep(0.2)  # the resets reach the pooled connections
    await assert_healthy(service)
    assert service.proxy.accepted > pooled  # with new connections


async def test_repeated_outages(service: Service) -> None:
    for mode in ("refuse", "blackhole", "reset", "refuse"):
        await service.proxy.cut(mode)
        assert_unavailable(await service.post())
        await service.proxy.restore()
        await assert_recovers(service)


async def test_blackholed_connections_were_attempted(service: Service) -> None:
    """The black hole really accepted the connections (the timeout, not a refusal, ended them)."""
    await assert_healthy(service)
    await service.proxy.cut("blackhole")
    accepted = service.proxy.accepted
    assert_unavailable(await service.post())
    assert service.proxy.accepted > accepted
    await service.proxy.restore()
    await assert_recovers(service)


# A database that answers but is not serving: restarting, shutting down, full.
def _error_response(sqlstate: str, message: str) -> bytes:
    fields = b"SFATAL\0C" + sqlstate.encode() + b"\0M" + message.encode() + b"\0\0"
    return b"E" + struct.pack("!i", len(fields) + 4) + fields


@contextlib.asynccontextmanager
async def _refusing_postgres(sqlstate: str, message: str) -> AsyncIterator[int]:
    """A server that answers every startup with a PostgreSQL FATAL error; yields its port."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            request = await reader.readexactly(length - 4)
            if request == struct.pack("!i", 80877103):  # SSLRequest: "no", then startup
                writer.write(b"N")
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                await reader.readexactly(length - 4)
            writer.write(_error_response(sqlstate, message))
            await writer.drain()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("sqlstate", "message"),
    [
        ("57P03", "the database system is starting up"),
        ("57P01", "terminating connection due to administrator command"),
        ("53300", "sorry, too many clients already"),
        ("08006", "connection failure"),
    ],
)
async def test_database_not_serving_is_service_unavailable(sqlstate: str, message: str) -> None:
    async with _refusing_postgres(sqlstate, message) as port:
        settings = Settings(
            database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/reelgraph",
            db_connect_timeout_seconds=TIMEOUT_SECONDS,
        )
        app = create_app(settings)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            response = await post(client)
            assert_unavailable(response)
            assert message not in response.text
            assert (await get(client, "/readyz")).status_code == 503
            assert (await get(client, "/healthz")).status_code == 200
