"""SQLite plans with statistics: without them it may pick an index by its first
column alone and scan every offer of a region for each title of a page."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine

OFFERS_OF_A_TITLE_IN_A_REGION = (
    "EXPLAIN QUERY PLAN SELECT * FROM offers WHERE title_id = 1 AND region = 'US'"
)


@pytest.fixture
def sqlite_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps its statistics by autovacuum")


@pytest.mark.usefixtures("sqlite_only")
async def test_a_new_connection_finds_offers_by_title_not_by_region(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            plan = (await connection.execute(text(OFFERS_OF_A_TITLE_IN_A_REGION))).all()
            analysed = await connection.scalar(
                text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'offers'")
            )
    finally:
        await engine.dispose()
    assert analysed
    [step] = [row[3] for row in plan]
    assert "(title_id=?" in step


@pytest.mark.usefixtures("sqlite_only")
async def test_statistics_take_no_samples_of_index_values(database_url: str) -> None:
    """With samples (sqlite_stat4) a plan depends on the values bound to it, so SQLite
    prepares such a statement again each time it is bound: every planned read's
    statement would be parsed and planned again on every request."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            analysed = await connection.scalar(
                text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'offers'")
            )
            tables = set(await connection.scalars(text("SELECT name FROM sqlite_master")))
            sampled = "sqlite_stat4" in tables and await connection.scalar(
                text("SELECT count(*) FROM sqlite_stat4")
            )
    finally:
        await engine.dispose()
    assert analysed
    assert not sampled
