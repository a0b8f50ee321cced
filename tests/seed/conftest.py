"""A database of its own for each importer test: imports add titles that the API
tests' counts and searches must not see. SQLite: a fresh file; PostgreSQL: a fresh
schema in the test database."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from models.migrations import MIGRATIONS_DIR

IMPORT_SCHEMA = "importer_tests"


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@pytest.fixture
async def import_engine(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if make_url(database_url).get_backend_name() == "postgresql":
        admin = create_engine(database_url)
        async with admin.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {IMPORT_SCHEMA} CASCADE"))
            await connection.execute(text(f"CREATE SCHEMA {IMPORT_SCHEMA}"))
            # Alembic looks for its table along the search path: this one hides public's.
            await connection.execute(
                text(
                    f"CREATE TABLE {IMPORT_SCHEMA}.alembic_version"
                    " (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
                )
            )
        await admin.dispose()
        # btree_gist lives in public, where the session's database_url installed it.
        settings = {"search_path": f"{IMPORT_SCHEMA}, public"}
        engine = create_engine(database_url, connect_args={"server_settings": settings})
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'imports.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    yield engine
    await engine.dispose()
