"""Running a planned statement: one statement, one JSON text back.

A planned read needs none of SQLAlchemy's execution layer (no ORM, no result
processing, not even a `Connection`: the statement returns one text value). Going
through it cost a `node` request about an eighth of its instructions, and the
`Connection` around the pooled one a further twentieth (callgrind). So, unless
someone listens to statements on the engine (SQL tracing, tests counting
statements), the statement goes to the driver connection of a pooled connection the
planned reads keep (api/planning/leases.py): asyncpg's `fetchval`, or aiosqlite's
`execute_fetchall` (one trip to SQLite's thread where SQLAlchemy's cursor takes
four). The pool, its events and its invalidation stay SQLAlchemy's, and a failure
is raised as the same `DBAPIError` SQLAlchemy would raise, so errors are classified
(and dropped connections retried) one way whichever path ran.
"""

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from api.core.reads import connect, use_generic_plans
from api.planning.leases import leases


async def fetch_text(
    engine: AsyncEngine, sql: str, parameters: tuple[Any, ...], by_key: bool = False
) -> str:
    """The first column of the statement's one row. `by_key`: every row it reads is
    found by key, so on PostgreSQL it runs on a generic plan (`use_generic_plans`)."""
    if _statements_observed(engine):
        return await _through_sqlalchemy(engine, sql, parameters, by_key)
    kept = leases(engine)
    pooled = await kept.take()
    try:
        return await _on_driver(engine, pooled, sql, parameters, by_key)
    except Exception as error:
        reported = await _as_sqlalchemy_error(engine, pooled, sql, parameters, error)
        if isinstance(reported, DBAPIError) and reported.connection_invalidated:
            await kept.release()  # as old as the one found closed: the pool replaces them
        if reported is error:
            raise
        raise reported from error
    except BaseException:
        # Cancelled mid-statement (a request's time limit): the driver may still be
        # cancelling it, so, as SQLAlchemy does, the connection is never reused.
        await asyncio.shield(greenlet_spawn(pooled.invalidate))
        raise
    finally:
        if pooled.is_valid:  # not invalidated above or by `_as_sqlalchemy_error`
            await kept.put(pooled)


async def _on_driver(
    engine: AsyncEngine,
    pooled: PoolProxiedConnection,
    sql: str,
    parameters: tuple[Any, ...],
    by_key: bool,
) -> str:
    driver: Any = pooled.driver_connection
    if engine.dialect.name == "sqlite":
        rows = await driver.execute_fetchall(sql, parameters)
        return rows[0][0]  # type: ignore[no-any-return]
    await use_generic_plans(pooled, by_key)
    return await driver.fetchval(sql, *parameters)  # type: ignore[no-any-return]


async def _through_sqlalchemy(
    engine: AsyncEngine, sql: str, parameters: tuple[Any, ...], by_key: bool
) -> str:
    connection = await connect(engine, generic_plans=by_key and engine.dialect.name != "sqlite")
    try:
        result = await connection.exec_driver_sql(sql, parameters)
        text: str = result.scalar_one()
        return text
    finally:
        await connection.close()


def _statements_observed(engine: AsyncEngine) -> bool:
    dispatch = engine.sync_engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


async def _as_sqlalchemy_error(
    engine: AsyncEngine,
    pooled: PoolProxiedConnection,
    sql: str,
    parameters: tuple[Any, ...],
    error: Exception,
) -> Exception:
    """`error` as SQLAlchemy's execution layer reports it: a driver error in its
    DB-API form, wrapped in a DBAPIError (a connection found closed is invalidated,
    never returned to the pool, and the error says so); anything else (a command
    timeout, an OS error) as it is."""
    dialect = engine.dialect
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
        # dead too (the server restarted), so each is replaced when next checked out;
        # this one is closed now.
        await greenlet_spawn(engine.sync_engine.pool._invalidate, pooled, error)
    return DBAPIError.instance(
        sql, parameters, error, base, connection_invalidated=closed, dialect=dialect
    )
