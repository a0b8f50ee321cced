"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000


def _use_bundled_sqlite() -> None:
    """Where pysqlite3-binary is installed (Linux x86-64), every `sqlite3` user in the
    process gets the SQLite it bundles (3.5x) instead of the system's (3.40 on Debian
    12): planned statements nest a subquery per list, and older parsers overflow at
    about four lists deep. One library for the whole process, never two: two copies
    of SQLite in one process do not see each other's file locks."""
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return
    sys.modules["sqlite3"] = dbapi2
    sys.modules["sqlite3.dbapi2"] = dbapi2
    aiosqlite_core = sys.modules.get("aiosqlite.core")
    if aiosqlite_core is not None:  # imported before us: it must connect through it too
        aiosqlite_core.sqlite3 = dbapi2  # type: ignore[attr-defined]


_use_bundled_sqlite()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off unless every connection turns them on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # Without statistics SQLite may pick an index by its first column alone (offers by
    # region: every offer of a region scanned per title, 15x slower). What SQLite
    # recommends for long-lived connections: analyse, within limits, what needs it.
    cursor.execute("PRAGMA optimize = 0x10002")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
