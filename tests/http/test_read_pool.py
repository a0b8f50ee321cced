"""Reads have a pool of their own, in autocommit: a connection goes back to it as it
is, with no rollback (on SQLite that was a second trip to the connection's thread
for every request). On SQLite the pool holds a few connections, each a thread."""

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.pool import Pool

from api.http.app import SQLITE_READERS
from api.settings import Settings
from models.migrations import upgrade
from tests.helpers import data, serve

TITLES = "{ titles(first: 2) { edges { node { slug } } } }"


@pytest.fixture
def connections_opened() -> Iterator[Counter[str]]:
    """How many connections any pool opened."""
    seen: Counter[str] = Counter()

    def connect(*_: Any) -> None:
        seen["connect"] += 1

    event.listen(Pool, "connect", connect)
    yield seen
    event.remove(Pool, "connect", connect)


async def test_a_read_connection_goes_back_to_the_pool_without_a_rollback(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollbacks: list[object] = []
    monkeypatch.setattr(
        DefaultDialect, "do_rollback", lambda _self, connection: rollbacks.append(connection)
    )
    sqlite_trips: Counter[str] = Counter()
    original: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, function: Any, *args: Any, **kwargs: Any) -> Any:
        sqlite_trips[getattr(function, "__name__", "?")] += 1
        return await original(self, function, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    settings = Settings(
        database_url=database_url, rate_limit_per_minute=0, response_cache_seconds=0
    )
    async with serve(settings) as http:
        await http.post("/graphql", json={"query": TITLES})  # the pool opens its connection
        rollbacks.clear()
        sqlite_trips.clear()
        for _ in range(3):
            response = await http.post("/graphql", json={"query": TITLES})
            assert len(data(response.json())["titles"]["edges"]) == 2
        assert rollbacks == []
        if database_url.startswith("sqlite"):
            assert sqlite_trips == {"_execute_fetchall": 3}  # the statement: one trip each


@pytest.fixture
def sqlite_url(database_url: str, tmp_path: Path) -> str:
    """The suite's database when it is SQLite, else a new SQLite file (no titles)."""
    if database_url.startswith("sqlite"):
        return database_url
    url = f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}"
    upgrade(url)
    return url


async def test_sqlite_reads_share_a_few_connections_however_many_requests_come_at_once(
    sqlite_url: str, connections_opened: Counter[str]
) -> None:
    settings = Settings(database_url=sqlite_url, rate_limit_per_minute=0, response_cache_seconds=0)
    async with serve(settings) as http:
        responses = await asyncio.gather(
            *(http.post("/graphql", json={"query": TITLES}) for _ in range(3 * SQLITE_READERS))
        )
    assert all("titles" in data(response.json()) for response in responses)
    assert 1 <= connections_opened["connect"] <= SQLITE_READERS
