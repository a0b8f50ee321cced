"""Migrations are the only way the schema changes, and they match the models."""

import asyncio
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex

import models
from models.db import create_engine
from models.migrations import MIGRATIONS_DIR, include_object, upgrade
from tests.databases import create_database, drop_database, per_run_url

# Indexes on expressions (e.g. `year IS NULL`), not just columns, in the models.
EXPRESSION_INDEXES = {
    index.name: index
    for table in models.metadata.sorted_tables
    for index in table.indexes
    if index.name and not all(isinstance(key, Column) for key in index.expressions)
}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"include_object": include_object, "compare_type": True}
    )
    with warnings.catch_warnings():
        if connection.dialect.name == "sqlite":
            # SQLAlchemy can't reflect expression indexes from SQLite, and says so;
            # Alembic then leaves them out of the comparison, and says so too. Only
            # those warnings, for these indexes, are expected: the next test checks
            # them instead. (PostgreSQL reflects and compares them like any index.)
            for name in EXPRESSION_INDEXES:
                warnings.filterwarnings(
                    "ignore", message=rf".*expression-based index '?{re.escape(name)}\b"
                )
        return compare_metadata(context, models.metadata)


async def test_migrated_database_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


# The definition of an index as the database keeps it.
INDEX_DEFINITION = {
    "postgresql": "SELECT indexdef FROM pg_indexes WHERE tablename = :table AND indexname = :name",
    "sqlite": "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
    " AND name = :name",
}


async def test_expression_indexes_exist_as_the_models_define_them(engine: AsyncEngine) -> None:
    assert EXPRESSION_INDEXES, "the RELEASED_* title orderings need their expression indexes"
    async with engine.connect() as connection:
        for name, index in EXPRESSION_INDEXES.items():
            assert index.table is not None
            definition = await connection.scalar(
                text(INDEX_DEFINITION[engine.dialect.name]),
                {"table": index.table.name, "name": name},
            )
            assert definition is not None, f"no migration creates {name}"
            if engine.dialect.name == "sqlite":  # the comparison above could not look at it
                assert definition == str(CreateIndex(index).compile(dialect=engine.dialect))


async def test_database_is_at_the_latest_revision(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    assert version == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


async def test_full_text_search_objects_exist_for_the_engine(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("titles")}
        )
    if engine.dialect.name == "postgresql":
        assert "search_vector" in columns
    else:
        assert "title_search" in tables


def test_migrations_go_down_to_the_first_and_up_again(database_url: str, tmp_path: Path) -> None:
    """Every revision after the first undoes itself, and redoing them restores every
    index and column (SQLite's expression indexes too, which a rebuilt table loses)."""
    scratch = _scratch_url(database_url, tmp_path)
    asyncio.run(_recreate(scratch))
    try:
        upgrade(scratch)
        before = asyncio.run(_schema_objects(scratch))
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["database_url"] = scratch
        command.downgrade(config, "0001")
        assert asyncio.run(_schema_objects(scratch)) != before
        upgrade(scratch)
        assert asyncio.run(_schema_objects(scratch)) == before
    finally:
        asyncio.run(_drop(scratch))


def _scratch_url(database_url: str, tmp_path: Path) -> str:
    """A database of this run's own (SQLite: a file) to migrate up and down."""
    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
    return per_run_url(database_url, "scratch")


async def _recreate(url: str) -> None:
    if url.startswith("postgresql"):
        await drop_database(url)
        await create_database(url)


async def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        await drop_database(url)


# Every index, and every table's columns, as the database lists them.
SCHEMA_OBJECTS = {
    "postgresql": "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    " UNION ALL SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE table_schema = 'public'",
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index'"
    " UNION ALL SELECT m.name || '.' || c.name FROM sqlite_master AS m"
    " JOIN pragma_table_info(m.name) AS c WHERE m.type = 'table'",
}


async def _schema_objects(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        names = set(await connection.scalars(text(SCHEMA_OBJECTS[engine.dialect.name])))
    await engine.dispose()
    return names


def test_offers_keep_their_data_through_the_offer_depth_migration(
    database_url: str, tmp_path: Path
) -> None:
    """0008: an existing offer's url becomes its WEB link, its price its first price
    point, its title's languages its own; a later start is COMING (and NEW then), an
    end ahead LEAVING and GONE then."""
    scratch = _scratch_url(database_url, tmp_path)
    asyncio.run(_recreate(scratch))
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["database_url"] = scratch
        command.upgrade(config, "0007")
        asyncio.run(_execute(scratch, OLD_OFFERS))
        upgrade(scratch)
        found = asyncio.run(_execute(scratch, MIGRATED))
    finally:
        asyncio.run(_drop(scratch))
    links, prices, languages, changes, checked = found
    assert links == [
        (1, "WEB", "https://tv.example.com/now"),
        (2, "WEB", "https://tv.example.com/later"),
    ]
    assert prices == [(2, "4.99", "EUR")]
    assert languages == [(1, "AUDIO", "en"), (2, "AUDIO", "en")]
    assert changes == [
        (1, "GONE", "2100-01-01"),
        (1, "LEAVING", "2100-01-01"),
        (2, "COMING", None),
        (2, "NEW", "2099-01-01"),
    ]
    assert checked == [(1, 1), (2, 1)]


OLD_OFFERS = [
    "INSERT INTO providers (id, slug, name) VALUES (1, 'p', 'P')",
    "INSERT INTO titles (id, slug, name, kind, version, created_at, updated_at)"
    " VALUES (1, 't', 'T', 'MOVIE', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO title_languages (title_id, use, language, position) VALUES (1, 'AUDIO', 'en', 0)",
    "INSERT INTO offers (id, title_id, provider_id, region, monetization, url, available_until)"
    " VALUES (1, 1, 1, 'US', 'FREE', 'https://tv.example.com/now', '2100-01-01 00:00:00')",
    "INSERT INTO offers (id, title_id, provider_id, region, monetization, price, currency, url,"
    " available_from) VALUES (2, 1, 1, 'US', 'BUY', 4.99, 'EUR', 'https://tv.example.com/later',"
    " '2099-01-01 00:00:00')",
]
MIGRATED = [
    "SELECT offer_id, platform, url FROM offer_links ORDER BY offer_id, platform",
    "SELECT offer_id, CAST(price AS VARCHAR(20)), currency FROM offer_prices ORDER BY offer_id",
    "SELECT offer_id, use, language FROM offer_languages ORDER BY offer_id",
    "SELECT offer_id, kind, CASE WHEN kind <> 'COMING' THEN substr(CAST(at AS VARCHAR(40)), 1, 10)"
    " END FROM availability_changes ORDER BY offer_id, kind",
    "SELECT id, CASE WHEN last_checked_at IS NOT NULL AND removed_at IS NULL THEN 1 END"
    " FROM offers ORDER BY id",
]


async def _execute(database_url: str, statements: list[str]) -> list[list[tuple[Any, ...]]]:
    engine = create_engine(database_url)
    answers = []
    async with engine.begin() as connection:
        for statement in statements:
            result = await connection.execute(text(statement))
            answers.append([tuple(row) for row in result] if result.returns_rows else [])
    await engine.dispose()
    return answers


def test_sqlite_statistics_lose_their_samples(database_url: str, tmp_path: Path) -> None:
    """0010: samples of index values (sqlite_stat4) an earlier ANALYZE took are gone;
    the other statistics stay."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps no such samples")
    scratch = _scratch_url(database_url, tmp_path)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = scratch
    command.upgrade(config, "0009")
    sampled_before = asyncio.run(_execute(scratch, SAMPLED_ANALYZE))[-1]
    upgrade(scratch)
    sampled, analysed = asyncio.run(_execute(scratch, STATISTICS))
    assert sampled_before != [(0,)]
    assert sampled == [(0,)]
    assert analysed != [(0,)]


SAMPLED_ANALYZE = [
    "INSERT INTO providers (id, slug, name) VALUES (1, 'p', 'P'), (2, 'q', 'Q')",
    "PRAGMA analysis_limit = 0",  # as connections analysed before 0010
    "ANALYZE",
    "SELECT count(*) FROM sqlite_stat4",
]
STATISTICS = ["SELECT count(*) FROM sqlite_stat4", "SELECT count(*) FROM sqlite_stat1"]
