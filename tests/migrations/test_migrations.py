"""Migrations are the only way the schema changes, and they match the models."""

import asyncio
import re
import warnings
from pathlib import Path
from typing import Any

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
