"""A planned read runs on the driver connection unless someone listens to statements.

Either way the answer is the same bytes and it is one statement: a listener (SQL
tracing, these tests' counters) sees it, because it then goes through SQLAlchemy.
"""

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.core.reads import connect
from api.planning import driver
from models import Monetization
from models.db import create_engine
from tests.conftest import StatementCounter
from tests.factories import make_offer, make_review, make_title

PAGE = """query($slug: String!) { title(slug: $slug) {
  id name year genres { name } reviews(first: 2) { totalCount edges { node { reviewer } } }
  offers(region: "US") { provider { name } monetization price { amount currency } }
} }"""


async def test_the_driver_and_sqlalchemy_answer_the_same_bytes(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    title = await make_title(sessions, genres=["drama", "comedy"])
    await make_offer(sessions, title)
    await make_offer(sessions, title, "apple-tv", monetization=Monetization.RENT)
    await make_review(sessions, title, reviewer="A")
    paths: list[str] = []

    async def spy(engine: AsyncEngine, sql: str, parameters: tuple[Any, ...], by_key: bool) -> str:
        paths.append("sqlalchemy" if driver._statements_observed(engine) else "driver")
        return await driver.fetch_text(engine, sql, parameters, by_key)

    monkeypatch.setattr("api.planning.plans.fetch_text", spy)

    async def page() -> bytes:
        body = {"query": PAGE, "variables": {"slug": title.slug}}
        response = await client.post("/graphql", json=body, headers={"X-Request-ID": "same"})
        assert response.status_code == 200
        assert b'"errors"' not in response.content, response.content
        return response.content

    direct = await page()
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        observed = await page()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter)
    assert paths == ["driver", "sqlalchemy"]
    assert observed == direct
    assert len(counter) == 1


async def test_a_statement_cancelled_midway_never_returns_its_connection_to_the_pool(
    engine: AsyncEngine,
) -> None:
    slow = (
        "SELECT CAST(pg_sleep(5) AS text)"
        if engine.dialect.name == "postgresql"
        else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)"
        " SELECT CAST(count(*) AS text) FROM n"
    )
    invalidated: list[object] = []

    def on_invalidate(_dbapi_connection: Any, _record: Any, error: object) -> None:
        invalidated.append(error)

    event.listen(engine.sync_engine.pool, "invalidate", on_invalidate)
    try:
        running = asyncio.ensure_future(driver.fetch_text(engine, slow, ()))
        await asyncio.sleep(0.05)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert len(invalidated) == 1
    finally:
        event.remove(engine.sync_engine.pool, "invalidate", on_invalidate)
    assert await driver.fetch_text(engine, "SELECT 'ok'", ()) == "ok"  # the pool still serves


async def test_a_statement_finding_its_rows_by_key_runs_on_a_generic_plan(
    engine: AsyncEngine, database_url: str
) -> None:
    """On PostgreSQL, from its first run, whichever path runs it; the connection goes
    back to PostgreSQL's own choice for any other statement, and for SQLAlchemy's uses."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no plans between statements")
    mode = "SELECT current_setting('plan_cache_mode')"
    one_connection = create_engine(
        database_url, pool_size=1, max_overflow=0, isolation_level="AUTOCOMMIT"
    )
    try:
        assert await driver.fetch_text(one_connection, mode, (), by_key=True) == (
            "force_generic_plan"
        )
        assert await driver.fetch_text(one_connection, mode, ()) == "auto"
        await driver.fetch_text(one_connection, mode, (), by_key=True)
        connection = await connect(one_connection)
        try:
            assert (await connection.exec_driver_sql(mode)).scalar_one() == "auto"
        finally:
            await connection.close()
        event.listen(one_connection.sync_engine, "before_cursor_execute", StatementCounter())
        assert await driver.fetch_text(one_connection, mode, (), by_key=True) == (
            "force_generic_plan"
        )
    finally:
        await one_connection.dispose()
