"""Planned reads keep their connections between statements, within bounds: the pool's
other users always find one, and idle ones go back to the pool."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool, Pool

from api.planning import driver, leases
from api.settings import Settings
from models.db import create_engine
from tests.helpers import serve

TITLES = "{ titles(first: 2) { edges { node { slug } } } }"


@pytest.fixture
async def pool_of_three(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=3, max_overflow=10)
    yield engine
    await leases.leases(engine).release()
    await engine.dispose()


def _pool_events(engine: AsyncEngine, name: str) -> Counter[str]:
    """From now on, counts[name] counts the pool's `name` events ("checkout", "checkin")."""
    counts: Counter[str] = Counter()
    event.listen(engine.sync_engine.pool, name, _counter(counts, name))
    return counts


def _slow(engine: AsyncEngine) -> str:
    """A statement that takes a moment (~0.1 s) on either engine."""
    if engine.dialect.name == "postgresql":
        return "SELECT CAST(pg_sleep(0.1) AS text)"
    return (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)"
        " SELECT CAST(count(*) AS text) FROM n"
    )


async def _read(engine: AsyncEngine, value: str = "ok") -> str:
    return await driver.fetch_text(engine, f"SELECT '{value}'", ())


async def test_statements_one_after_another_take_one_connection_from_the_pool(
    pool_of_three: AsyncEngine,
) -> None:
    checkouts = _pool_events(pool_of_three, "checkout")
    for index in range(10):
        assert await _read(pool_of_three, str(index)) == str(index)
    assert checkouts["checkout"] == 1
    assert pool_of_three.sync_engine.pool.checkedout() == 1  # kept for the next one


async def test_all_but_one_of_the_pools_connections_are_kept(pool_of_three: AsyncEngine) -> None:
    """Six statements at once open six connections; two are kept, the pool gets the
    rest back, and a reader outside the planned path finds one at once."""
    await asyncio.gather(
        *(driver.fetch_text(pool_of_three, _slow(pool_of_three), ()) for _ in range(6))
    )
    pool = pool_of_three.sync_engine.pool
    assert pool.checkedout() == 2
    async with asyncio.timeout(1), pool_of_three.connect() as connection:
        assert (await connection.exec_driver_sql("SELECT 1")).scalar_one() == 1


async def test_a_connection_idle_for_a_while_goes_back_to_the_pool(
    pool_of_three: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leases, "IDLE_SECONDS", 0.05)
    await asyncio.gather(_read(pool_of_three), _read(pool_of_three))
    assert pool_of_three.sync_engine.pool.checkedout() == 2
    await asyncio.sleep(0.2)
    assert pool_of_three.sync_engine.pool.checkedout() == 0
    checkouts = _pool_events(pool_of_three, "checkout")
    assert await _read(pool_of_three) == "ok"
    assert checkouts["checkout"] == 1  # and taken from it again when needed


async def test_release_gives_every_kept_connection_back(pool_of_three: AsyncEngine) -> None:
    await asyncio.gather(_read(pool_of_three), _read(pool_of_three))
    await leases.leases(pool_of_three).release()
    assert pool_of_three.sync_engine.pool.checkedout() == 0


async def test_a_pool_of_one_or_without_persistent_connections_keeps_none(
    database_url: str,
) -> None:
    for engine in (
        create_engine(database_url, pool_size=1, max_overflow=0),
        create_engine(database_url, poolclass=NullPool),
    ):
        checkins = _pool_events(engine, "checkin")
        try:
            assert await _read(engine) == "ok"
            assert checkins["checkin"] == 1
        finally:
            await engine.dispose()


async def test_a_statement_that_fails_keeps_its_connection_usable(
    pool_of_three: AsyncEngine,
) -> None:
    with pytest.raises(Exception, match="no_such_table"):
        await driver.fetch_text(pool_of_three, "SELECT x FROM no_such_table", ())
    checkouts = _pool_events(pool_of_three, "checkout")
    assert await _read(pool_of_three) == "ok"
    assert checkouts["checkout"] == 0


async def test_once_a_kept_connection_is_found_dropped_the_others_are_replaced(
    pool_of_three: AsyncEngine, engine: AsyncEngine
) -> None:
    """The database restarted: the statement that meets a dropped connection fails (a
    planned read then runs once more), and the next one runs on a new connection,
    not on another kept one as old as the first."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    pid = "SELECT CAST(pg_backend_pid() AS text)"
    slow_pid = f"{pid} FROM pg_sleep(0.05)"
    kept = await asyncio.gather(*(driver.fetch_text(pool_of_three, slow_pid, ()) for _ in range(2)))
    assert pool_of_three.sync_engine.pool.checkedout() == 2
    async with engine.connect() as connection:
        for backend in kept:
            await connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend)})")
    await asyncio.sleep(0.1)
    with pytest.raises(DBAPIError) as dropped:
        await driver.fetch_text(pool_of_three, pid, ())
    assert dropped.value.connection_invalidated
    assert await driver.fetch_text(pool_of_three, pid, ()) not in kept


async def test_the_app_gives_every_kept_connection_back_when_it_stops(
    database_url: str,
) -> None:
    taken: Counter[str] = Counter()
    listeners = {name: _counter(taken, name) for name in ("checkout", "checkin")}
    for name, listener in listeners.items():
        event.listen(Pool, name, listener)
    try:
        settings = Settings(database_url=database_url, rate_limit_per_minute=0)
        async with serve(settings) as http:
            await asyncio.gather(*(http.post("/graphql", json={"query": TITLES}) for _ in range(3)))
            assert taken["checkout"] > taken["checkin"]  # kept for the next planned read
        assert taken["checkout"] == taken["checkin"]
    finally:
        for name, listener in listeners.items():
            event.remove(Pool, name, listener)


def _counter(counts: Counter[str], name: str) -> Callable[..., None]:
    def count(*_: Any) -> None:
        counts[name] += 1

    return count


async def test_a_reader_waiting_on_the_pool_gets_the_connection_a_planned_read_ends_with(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two connections: a planned read holds one, another reader the other, and a third
    reader waits. The planned read's connection goes to it when the statement ends,
    not a kept connection's idle time later."""
    monkeypatch.setattr(leases, "IDLE_SECONDS", 60)
    engine = create_engine(database_url, pool_size=2, max_overflow=0, pool_timeout=10)
    try:
        async with engine.connect() as holding:
            await holding.exec_driver_sql("SELECT 1")
            planned = asyncio.ensure_future(driver.fetch_text(engine, _slow(engine), ()))
            await asyncio.sleep(0.01)  # the planned read has the pool's other connection
            async with asyncio.timeout(5), engine.connect() as waiting:
                assert (await waiting.exec_driver_sql("SELECT 1")).scalar_one() == 1
            await planned
    finally:
        await leases.leases(engine).release()
        await engine.dispose()
