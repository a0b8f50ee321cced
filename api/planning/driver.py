"""Running a planned statement: one statement, one JSON text back.

A planned read needs none of SQLAlchemy's execution layer (no ORM, no result
processing: the statement returns one text value), which costs about an eighth of
a small request's CPU. So, unless someone listens to statements on the engine (SQL
tracing, tests counting statements), the statement goes straight to the driver
connection behind the pooled one: asyncpg's `fetchval`, or aiosqlite's
`execute_fetchall` (one trip to SQLite's thread where SQLAlchemy's cursor takes
four). The pool, its events and its invalidation stay SQLAlchemy's, and a failure
is raised as the same `DBAPIError` SQLAlchemy would raise, so errors are
classified (and dropped connections retried) one way whichever path ran.
"""

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import PoolProxiedConnection


async def fetch_text(connection: AsyncConnection, sql: str, parameters: tuple[Any, ...]) -> str:
    """The first column of the statement's one row."""
    if _statements_observed(connection):
        result = await connection.exec_driver_sql(sql, parameters)
        text: str = result.scalar_one()
        return text
    pooled = await connection.get_raw_connection()
    driver = pooled.driver_connection
    try:
        if connection.dialect.name == "sqlite":
            rows = await driver.execute_fetchall(sql, parameters)  # type: ignore[union-attr]
            return rows[0][0]  # type: ignore[no-any-return]
        return await driver.fetchval(sql, *parameters)  # type: ignore[union-attr,no-any-return]
    except Exception as error:
        reported = await _as_sqlalchemy_error(connection, pooled, sql, parameters, error)
        if reported is error:
            raise
        raise reported from error
    except BaseException:
        # Cancelled mid-statement (a request's time limit): the driver may still be
        # cancelling it, so, as SQLAlchemy does, the connection is never reused.
        await asyncio.shield(connection.invalidate())
        raise


def _statements_observed(connection: AsyncConnection) -> bool:
    dispatch = connection.sync_engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


async def _as_sqlalchemy_error(
    connection: AsyncConnection,
    pooled: PoolProxiedConnection,
    sql: str,
    parameters: tuple[Any, ...],
    error: Exception,
) -> Exception:
    """`error` as SQLAlchemy's execution layer reports it: a driver error in its
    DB-API form, wrapped in a DBAPIError (a connection found closed is invalidated,
    never returned to the pool, and the error says so); anything else (a command
    timeout, an OS error) as it is."""
    dialect = connection.dialect
    adapted = pooled.dbapi_connection
    try:
        adapted._handle_exception(error)  # type: ignore[union-attr]  # raises the DB-API form
    except Exception as translated:
        error = translated
    base = dialect.loaded_dbapi.Error
    if not isinstance(error, base):
        return error
    closed = dialect.is_disconnect(error, adapted, None)
    if closed:
        # As SQLAlchemy does on a disconnect: the pool's older connections are likely
        # dead too (the server restarted), so each is replaced when next checked out.
        connection.sync_engine.pool._invalidate(pooled, error)
        await connection.invalidate()
    return DBAPIError.instance(
        sql, parameters, error, base, connection_invalidated=closed, dialect=dialect
    )
