"""PostgreSQL databases of one test run: named after TEST_DATABASE_URL's database plus
a random suffix, created on its server and dropped at the end, so that runs sharing
a server never touch each other's data (nor the database TEST_DATABASE_URL names)."""

import os
import secrets

from sqlalchemy import text
from sqlalchemy.engine import make_url

from models.db import create_engine

NEEDS_POSTGRES = "needs PostgreSQL: run make test-postgres"
MAINTENANCE_DATABASE = "postgres"  # where CREATE and DROP DATABASE run, as for createdb


def postgres_test_url() -> str | None:
    """TEST_DATABASE_URL when it is a PostgreSQL URL, else None (the SQLite run)."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


def per_run_url(url: str, role: str = "") -> str:
    """`url` with a database of this run's own: `<database>[_<role>]_<random>`."""
    parsed = make_url(url)
    name = "_".join(filter(None, [parsed.database, role, secrets.token_hex(4)]))
    return parsed.set(database=name).render_as_string(hide_password=False)


async def create_database(url: str) -> None:
    await _on_server(url, 'CREATE DATABASE "{}"')


async def drop_database(url: str) -> None:
    await _on_server(url, 'DROP DATABASE IF EXISTS "{}" WITH (FORCE)')


async def _on_server(url: str, statement: str) -> None:
    parsed = make_url(url)
    server = parsed.set(database=MAINTENANCE_DATABASE).render_as_string(hide_password=False)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement.format(parsed.database)))
    finally:
        await engine.dispose()
