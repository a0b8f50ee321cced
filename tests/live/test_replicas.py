"""Replicas: separate `python -m api` processes on one database, each with its own
feed. A change reaches the subscribers of every replica within a second, and a
replica whose listening connection dies recovers it and misses nothing.

An offer written through one replica reaches a subscriber of the other; the other
tests insert changes into the log directly (as a write does in its transaction).
"""

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.core.ids import encode_id
from api.live.changes import ChangeHub
from api.live.feed import ChangeFeed
from api.live.postgres import APPLICATION_NAME, PostgresChanges, asyncpg_dsn
from models import Title
from tests.databases import NEEDS_POSTGRES
from tests.faults.proxy import DatabaseProxy
from tests.live.client import GraphQLWS, graphql_ws
from tests.live.conftest import global_id, insert_change, until
from tests.servers import Server, python_m_api

Sessions = async_sessionmaker[AsyncSession]
DELIVERY_SECONDS = 1.0  # the contract's bound
RECOVER_SECONDS = 10.0


@contextlib.asynccontextmanager
async def two_replicas(database_url: str, folder: Path) -> AsyncIterator[tuple[Server, ...]]:
    settings = {"RESPONSE_CACHE_SECONDS": "0", "RATE_LIMIT_PER_MINUTE": "0"}
    with contextlib.ExitStack() as stack:
        servers = [
            await asyncio.to_thread(
                stack.enter_context,
                python_m_api(database_url, folder, **settings),
            )
            for _ in range(2)
        ]
        yield tuple(servers)


def ws_url(server: Server) -> str:
    return f"ws://127.0.0.1:{server.port}/graphql"


async def watching(server: Server) -> int:
    """The server's live subscriptions, as its /metrics tells."""
    async with httpx.AsyncClient() as http:
        metrics = (await http.get(server.url("/metrics"), timeout=5)).text
    found = re.search(r"^reelgraph_live_subscriptions (\S+)$", metrics, re.M)
    assert found is not None, metrics
    return int(float(found.group(1)))


async def until_watching(server: Server, count: int) -> None:
    async with asyncio.timeout(10):
        while await watching(server) != count:  # noqa: ASYNC110 (another process's state)
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def subscribed_on_two_replicas(
    database_url: str, folder: Path, title: Title
) -> AsyncIterator[tuple[tuple[Server, ...], list[GraphQLWS]]]:
    """The replicas, and a client of each subscribed to `title` in US."""
    async with two_replicas(database_url, folder) as servers, contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(graphql_ws(ws_url(s))) for s in servers]
        for client in clients:
            await client.watch("1", [global_id(title)], ["US"])
        for server in servers:
            await until_watching(server, 1)
        yield servers, clients


async def received_within(client: GraphQLWS, seconds: float) -> str:
    message = await client.receive(within=seconds)
    assert message["type"] == "next", message
    change_id: str = message["payload"]["data"]["availabilityChanged"]["id"]
    return change_id


async def test_a_change_reaches_subscribers_on_every_replica_within_a_second(
    database_url: str, sessions: Sessions, title: Title, tmp_path: Path
) -> None:
    async with subscribed_on_two_replicas(database_url, tmp_path, title) as (_, clients):
        for _ in range(3):
            change_id = await insert_change(sessions, title.id, "US")
            committed = time.monotonic()
            for client in clients:
                assert await received_within(client, DELIVERY_SECONDS) == change_id
            assert time.monotonic() - committed < DELIVERY_SECONDS


UPSERT = "mutation($id: ID!, $o: OfferInput!) { upsertOffer(titleId: $id, input: $o) { url } }"


async def test_an_offer_written_through_one_replica_reaches_the_other_within_a_second(
    database_url: str, title: Title, editor_key: str, tmp_path: Path
) -> None:
    offer = {
        "provider": "netflix",
        "region": "US",
        "monetization": "SUBSCRIPTION",
        "url": "https://www.netflix.com/title/80100172",
    }
    async with subscribed_on_two_replicas(database_url, tmp_path, title) as (servers, clients):
        async with httpx.AsyncClient() as http:
            response = await http.post(
                servers[1].url("/graphql"),
                json={"query": UPSERT, "variables": {"id": global_id(title), "o": offer}},
                headers={"Authorization": f"Bearer {editor_key}"},
                timeout=10,
            )
        written = time.monotonic()
        assert "errors" not in response.json(), response.json()
        message = await clients[0].receive(within=DELIVERY_SECONDS)
        assert time.monotonic() - written < DELIVERY_SECONDS
    change = message["payload"]["data"]["availabilityChanged"]
    assert change["title"] == {"id": global_id(title)}
    assert change["offer"] == {"region": "US"}


async def terminate_listeners(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
        return int(result.scalar_one())


async def test_replicas_whose_listeners_are_terminated_recover_and_miss_nothing(
    database_url: str, engine: AsyncEngine, sessions: Sessions, title: Title, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    async with subscribed_on_two_replicas(database_url, tmp_path, title) as (_, clients):
        assert await terminate_listeners(engine) == 2
        during = await insert_change(sessions, title.id, "US")  # likely before reconnecting
        for client in clients:
            assert await received_within(client, RECOVER_SECONDS) == during
        after = await insert_change(sessions, title.id, "US")
        for client in clients:
            assert await received_within(client, DELIVERY_SECONDS) == after


@contextlib.asynccontextmanager
async def proxied_feed(database_url: str) -> AsyncIterator[tuple[ChangeFeed, DatabaseProxy]]:
    """A feed listening through a proxy the test can cut, checking a quiet
    connection every 0.3 s."""
    server = make_url(database_url)
    async with DatabaseProxy(server.host or "127.0.0.1", server.port or 5432) as proxy:
        proxied = server.set(host=proxy.host, port=proxy.port)
        hub = ChangeHub()
        source = PostgresChanges(
            asyncpg_dsn(proxied.render_as_string(hide_password=False)),
            hub,
            connect_timeout=1.0,
            check_interval=0.3,
        )
        feed = ChangeFeed(hub, source, start_timeout=5, max_subscriptions=10)
        try:
            yield feed, proxy
        finally:
            await feed.aclose()
            await proxy.restore()


@pytest.mark.parametrize(
    ("mode", "freeze_live"),
    [("refuse", False), ("blackhole", True)],
    ids=["database-gone", "silent-network"],
)
async def test_changes_made_while_the_listener_is_cut_off_arrive_once_it_is_back(
    database_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
    title: Title,
    mode: str,
    freeze_live: bool,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    async with proxied_feed(database_url) as (feed, proxy):
        await feed.start()
        watch = feed.hub.add([title.id], ["US"])  # as a channel's
        await proxy.cut(mode, freeze_live=freeze_live)  # type: ignore[arg-type]
        await until(lambda: not feed.source.connected)
        missed = await insert_change(sessions, title.id, "US")
        await asyncio.sleep(0.5)
        assert watch.pending.empty()  # nobody could have told it
        await proxy.restore()
        async with asyncio.timeout(RECOVER_SECONDS):
            assert encode_id("AvailabilityChange", (await watch.next()).id) == missed
        await until(lambda: feed.source.connected)
        after = await insert_change(sessions, title.id, "US")
        async with asyncio.timeout(DELIVERY_SECONDS):
            assert encode_id("AvailabilityChange", (await watch.next()).id) == after
        assert watch.pending.empty()  # each once
        feed.hub.remove(watch)
