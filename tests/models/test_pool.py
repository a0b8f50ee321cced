"""Pooled PostgreSQL connections: pinged after an idle spell, not on every checkout."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models import db
from models.db import create_engine


@pytest.fixture
def postgres_url(engine: AsyncEngine, database_url: str) -> str:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    return database_url


async def _pid(pool: AsyncEngine) -> int:
    async with pool.connect() as connection:
        pid: int = await connection.scalar(text("SELECT pg_backend_pid()"))
        return pid


async def _drop(engine: AsyncEngine, pid: int) -> None:
    async with engine.connect() as connection:
        await connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def test_a_connection_dropped_while_idle_is_replaced_before_use(
    postgres_url: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
    pool = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        dropped = await _pid(pool)
        await _drop(engine, dropped)
        await asyncio.sleep(0.1)
        assert await _pid(pool) != dropped  # no error: the ping found it dead
    finally:
        await pool.dispose()


async def test_a_connection_in_use_is_not_pinged(
    postgres_url: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load a checkout costs no round trip: a connection dropped a moment ago
    is only found dead by the statement (planned reads then retry once)."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60)
    pool = create_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        await _drop(engine, await _pid(pool))
        await asyncio.sleep(0.1)
        with pytest.raises(Exception, match="connection"):
            await _pid(pool)
    finally:
        await pool.dispose()
