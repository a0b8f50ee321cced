"""The feed's start: a subscription waits for its source, within a bound."""

import asyncio
import socket
import time

import pytest

from api.live.changes import ChangeHub
from api.live.feed import ChangeFeed, LiveUnavailable
from api.live.postgres import PostgresChanges


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port  # closed again: nothing listens there


async def test_subscribing_while_the_database_is_unreachable_is_service_unavailable() -> None:
    hub = ChangeHub()
    source = PostgresChanges(
        f"postgresql://postgres@127.0.0.1:{closed_port()}/test",
        hub,
        connect_timeout=0.2,
        check_interval=1.0,
    )
    feed = ChangeFeed(hub, source, start_timeout=0.5, max_subscriptions=10)
    started = time.monotonic()
    try:
        with pytest.raises(LiveUnavailable, match="the database cannot be reached"):
            await feed.start()
        assert time.monotonic() - started < 2
        assert feed.subscriptions == 0 and feed.running  # it keeps trying for the next one
    finally:
        await feed.aclose()
    assert not feed.running
    await asyncio.sleep(0)
