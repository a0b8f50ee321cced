"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

import sys
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 5000
# ANALYZE reads about this many rows per index. Any limit also keeps it from sampling
# index values (sqlite_stat4): a plan made with samples depends on the values bound,
# so SQLite prepares such a statement again each time it is bound, and every planned
# read was parsed and planned again on every request (W1's statement: 1.8M
# instructions, 0.7M without samples), FTS5's own lookups of a prefix query too.
SQLITE_ANALYSIS_LIMIT = 1000
# A pooled PostgreSQL connection idle this long is checked before use (see ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0


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
    elif not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def ping_when_idle(engine: AsyncEngine, seconds: float) -> None:
    """Checks a pooled connection before use only when it sat idle `seconds` or more
    (pool_pre_ping checks every checkout: one more round trip per request). A
    connection the server dropped during a quiet spell is replaced before a request
    meets it; one dropped while busy fails its statement, which planned reads retry
    once (api/planning/plans.py). Writes ping every checkout (`pool_pre_ping`)."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool replaces it and checks out another
            raise DisconnectionError(str(error)) from error

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


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
    cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
    cursor.execute("PRAGMA optimize = 0x10002")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
