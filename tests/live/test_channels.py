"""Multiplexing (api/live/channels.py): the subscriptions of one operation share one
execution of each change, every operation shares one load of it, and each
subscription still receives exactly its own changes, in order, under its own id."""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import api.offers.subscriptions
from api.core.context import Context
from api.live.changes import MAX_PENDING, Change, ChangeHub, FellBehind
from api.live.channels import Channel, Channels, Member, Operation, Subscriber
from models import Title
from models.db import create_engine, create_sessionmaker
from tests.conftest import StatementCounter
from tests.live.client import SUBSCRIPTION, GraphQLWS, graphql_ws
from tests.live.conftest import ServeLive, global_id, highest_change, insert_change

Sessions = async_sessionmaker[AsyncSession]
CHANGE_ROW_READ = "WHERE availability_changes.id ="  # the load's `session.get`
POLL = "WHERE id > "  # SQLite's poller (api/live/sqlite.py)


@pytest.fixture
async def writer(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on an engine of their own: the app's engine then runs only its reads."""
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def reads(counter: StatementCounter) -> list[str]:
    return [statement for statement in counter.statements if POLL not in statement]


@contextlib.asynccontextmanager
async def clients(url: str, count: int) -> AsyncIterator[list[GraphQLWS]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(graphql_ws(url)) for _ in range(count)]


async def test_fifty_subscriptions_of_one_operation_execute_each_change_once(
    serve_live: ServeLive, writer: Sessions, title: Title, count_statements: StatementCounter
) -> None:
    variables = {"titleIds": [global_id(title)], "regions": ["US"]}
    async with serve_live() as server, clients(server.url, 5) as connections:
        for client in connections:
            for number in range(10):
                await client.subscribe(f"op-{number}", SUBSCRIPTION, variables)
        await server.until_watching(50)
        assert server.feed.channels.open == 1 and server.feed.hub.watches == 1
        count_statements.statements.clear()
        change_id = await insert_change(writer, title.id, "US")
        messages = [await client.receive() for client in connections for _ in range(10)]
    assert sorted(message["id"] for message in messages) == sorted(
        f"op-{number}" for number in range(10) for _ in range(5)
    )
    [payload] = {orjson.dumps(message["payload"]) for message in messages}
    assert orjson.loads(payload)["data"]["availabilityChanged"] == {
        "id": change_id,
        "title": {"id": global_id(title)},
        "offer": {"region": "US"},
    }
    statements = reads(count_statements)
    assert sum(CHANGE_ROW_READ in statement for statement in statements) == 1
    assert len(statements) >= 2  # the load, then the selection's reads...
    assert max(Counter(statements).values()) == 1  # ...each once, not once per subscriber


async def test_every_operation_shares_one_load_of_a_change(
    serve_live: ServeLive, writer: Sessions, title: Title, count_statements: StatementCounter
) -> None:
    regions = [["US"], ["US", "GB"], ["FR", "US"]]
    async with serve_live() as server, graphql_ws(server.url) as client:
        for number, watched in enumerate(regions):
            await client.watch(str(number), [global_id(title)], watched)
        await client.subscribe(
            "kind",
            SUBSCRIPTION.replace("{ id title { id } offer { region } }", "{ kind }"),
            {"titleIds": [global_id(title)], "regions": ["US"]},
        )
        await server.until_watching(4)
        assert server.feed.channels.open == 4
        count_statements.statements.clear()
        change_id = await insert_change(writer, title.id, "US")
        received = {
            m["id"]: m["payload"]["data"]["availabilityChanged"]
            for m in [await client.receive() for _ in range(4)]
        }
    assert received == {
        **{
            str(n): {"id": change_id, "title": {"id": global_id(title)}, "offer": {"region": "US"}}
            for n in range(3)
        },
        "kind": {"kind": "NEW"},
    }
    assert sum(CHANGE_ROW_READ in statement for statement in reads(count_statements)) == 1


async def test_an_operation_outlives_the_connection_that_first_subscribed_to_it(
    serve_live: ServeLive, sessions: Sessions, title: Title
) -> None:
    async with serve_live() as server, graphql_ws(server.url) as staying:
        async with graphql_ws(server.url) as leaving:
            await leaving.watch("1", [global_id(title)], ["US"])
            await server.until_watching(1)
            await staying.watch("1", [global_id(title)], ["US"])
            await server.until_watching(2)
        await server.until_watching(1)
        change_id = await insert_change(sessions, title.id, "US")
        message = await staying.receive()
        assert message["payload"]["data"]["availabilityChanged"]["id"] == change_id
        assert server.feed.channels.open == 1


@contextlib.contextmanager
def gated_load(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Loads of changes wait until the test opens the gate; `loading` is set once one waits."""
    loading, gate = asyncio.Event(), asyncio.Event()
    load = api.offers.subscriptions._load

    async def gated(context: Context, change: Change) -> Any:
        loading.set()
        await gate.wait()
        return await load(context, change)

    monkeypatch.setattr(api.offers.subscriptions, "_load", gated)
    yield loading, gate


async def test_a_subscription_joining_a_watched_operation_receives_only_later_changes(
    serve_live: ServeLive,
    sessions: Sessions,
    title: Title,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with gated_load(monkeypatch) as (loading, gate):
        async with serve_live() as server, graphql_ws(server.url) as client:
            await client.watch("first", [global_id(title)], ["US"])
            await server.until_watching(1)
            before = await insert_change(sessions, title.id, "US")
            await asyncio.wait_for(loading.wait(), 5)  # published, and being executed
            await client.watch("second", [global_id(title)], ["US"])
            await server.until_watching(2)
            assert server.feed.channels.open == 1
            gate.set()
            first = await client.receive()
            assert (first["id"], first["payload"]["data"]["availabilityChanged"]["id"]) == (
                "first",
                before,
            )
            after = await insert_change(sessions, title.id, "US")
            received = {
                (m["id"], m["payload"]["data"]["availabilityChanged"]["id"])
                for m in [await client.receive(), await client.receive()]
            }
            assert received == {("first", after), ("second", after)}
            assert await client.nothing_within(0.3)


async def test_when_an_operation_falls_behind_each_of_its_subscriptions_ends(
    serve_live: ServeLive,
    sessions: Sessions,
    title: Title,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with gated_load(monkeypatch) as (loading, gate):
        async with serve_live() as server, graphql_ws(server.url) as client:
            for operation_id in ("1", "2"):
                await client.watch(operation_id, [global_id(title)], ["US"])
            await server.until_watching(2)
            await insert_change(sessions, title.id, "US")
            await asyncio.wait_for(loading.wait(), 5)
            highest = await highest_change(sessions)
            for number in range(1, MAX_PENDING + 2):  # as the source would, while it waits
                server.feed.hub.publish(Change(highest + number, title.id, "US"))
            gate.set()
            messages = [await client.receive() for _ in range(6)]
            await server.until_watching(0)
    for operation_id in ("1", "2"):
        own = [m for m in messages if m["id"] == operation_id]
        assert [m["type"] for m in own] == ["next", "next", "complete"]
        [error] = own[1]["payload"]["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "fell more than 1,000 changes behind" in error["message"]
    assert server.feed.channels.open == 0 and server.feed.hub.watches == 0


async def test_messages_are_text_frames(serve_live: ServeLive) -> None:
    async with serve_live() as server, graphql_ws(server.url, init=False) as client:
        await client.send({"type": "connection_init"})
        assert await client.socket.recv() == '{"type":"connection_ack"}'


def member_of(channels: Channels, send: Callable[[bytes], Awaitable[None]]) -> Member:
    subscriber = Subscriber("1", Operation("subscription { x }", None, None), None, send)  # type: ignore[arg-type]
    channel = Channel(subscriber.operation.key, channels.hub.add([1], ["US"]), subscriber, None)
    return Member(channels, channel, subscriber)


async def test_a_subscriber_too_slow_for_its_changes_ends_alone() -> None:
    channels = Channels(ChangeHub(), max_subscriptions=10)
    sent: list[bytes] = []

    async def send(message: bytes) -> None:
        sent.append(message)

    slow, quick = member_of(channels, send), member_of(channels, send)
    for number in range(MAX_PENDING + 1):
        slow.offer(b'{"n":%d}' % number)
    quick.offer(b'{"n":0}')
    with pytest.raises(FellBehind, match="fell more than 1,000 changes behind"):
        await slow.__anext__()
    assert slow.pending.qsize() <= 1 and sent == []  # what it held is freed, unsent
    quick.end()
    with pytest.raises(StopAsyncIteration):
        await quick.__anext__()
    assert sent == [b'{"id":"1","type":"next","payload":{"n":0}}']
