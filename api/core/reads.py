"""One database connection per request for all of its reads.

Every DataLoader batch and root query of a request borrows the same pooled
connection, taken on first use and returned when the request ends; a lock makes
concurrent resolvers take turns, since one connection (and one session) must
never serve two coroutines at once. One checkout per request instead of one per
batch keeps the pool from opening and closing connections under load. Reads run
in autocommit: there is no transaction to begin, roll back or hold open.
"""

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

T = TypeVar("T")
ReadSessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for connections that read without transactions."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


async def connect(engine: AsyncEngine, generic_plans: bool = False) -> AsyncConnection:
    """A pooled connection, returned to the pool even if the caller is cancelled
    while it is being checked out (graphql-core cancels a failed field's siblings).
    `generic_plans`: see `use_generic_plans` (else PostgreSQL's own choice)."""
    connection = await _shielded(engine.connect(), AsyncConnection.close)
    assert connection.sync_connection is not None  # connected: its pooled one is at hand
    await use_generic_plans(connection.sync_connection.connection, generic_plans)
    return connection


# PostgreSQL plans a prepared statement anew for each of its first five runs, then
# keeps one generic plan only if that plan's estimated cost is no higher than theirs.
# A statement whose rows are all found by key has one good plan whatever its values,
# and planning it costs more than running it; the estimate can still favour planning
# (an array parameter is guessed at 10 values): the title page with offers in five
# regions was planned on every request, 1.3 ms of PostgreSQL's CPU instead of 0.45.
# Other statements keep PostgreSQL's choice: a generic plan guesses a filter's or a
# cursor's selectivity badly (a browse page after a cursor: 26 ms instead of 6).
_GENERIC_PLANS = "reelgraph.generic_plans"  # a connection's mode, in its pool's info


async def use_generic_plans(connection: PoolProxiedConnection, generic: bool) -> None:
    """Whether a pooled PostgreSQL connection runs its next statements on generic
    plans. It switches only when its mode must change (a session setting, set on the
    driver: not a statement for SQLAlchemy's listeners to count); a new connection
    starts with PostgreSQL's own choice (its pool clears `info` when it reconnects)."""
    if connection.info.get(_GENERIC_PLANS, False) != generic:
        mode = "force_generic_plan" if generic else "auto"
        await connection.driver_connection.execute(f"SET plan_cache_mode = {mode}")  # type: ignore[union-attr]
        connection.info[_GENERIC_PLANS] = generic


async def checkout(engine: AsyncEngine) -> PoolProxiedConnection:
    """A connection straight from the engine's pool, without SQLAlchemy's Connection
    around it (for a statement run on the driver itself); returned as `connect`'s is.
    The caller gives it back with `give_back`."""
    return await _shielded(greenlet_spawn(_raw_connection, engine.sync_engine), give_back)


def _raw_connection(engine: Engine) -> PoolProxiedConnection:
    """The pool's connection, failing as `engine.connect()` does: a driver's error
    as a DBAPIError (a database refusing connections is classified the same way)."""
    base = engine.dialect.loaded_dbapi.Error
    try:
        return engine.raw_connection()
    except base as error:
        closed = engine.dialect.is_disconnect(error, None, None)
        raise DBAPIError.instance(
            None, None, error, base, connection_invalidated=closed, dialect=engine.dialect
        ) from error


async def give_back(connection: PoolProxiedConnection) -> None:
    """Returns a `checkout` connection to its pool."""
    await greenlet_spawn(connection.close)


async def _shielded(opening: Awaitable[T], close: Callable[[T], Awaitable[None]]) -> T:
    checkout = asyncio.ensure_future(opening)
    try:
        return await asyncio.shield(checkout)
    except asyncio.CancelledError:
        checkout.add_done_callback(functools.partial(_give_back, close))
        raise


def _give_back(close: Callable[[T], Awaitable[None]], checkout: "asyncio.Future[T]") -> None:
    if not checkout.cancelled() and checkout.exception() is None:
        _closing.add(task := asyncio.ensure_future(close(checkout.result())))
        task.add_done_callback(_closing.discard)


_closing: set["asyncio.Future[None]"] = set()  # keeps closing tasks alive until done


class RequestFinished(Exception):
    """The request's reads are over: its response has been sent."""


class RequestReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._closed = False

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            if self._closed:
                # A field still loading after the response was sent (a sibling field
                # failed first) must not take a connection nobody will return.
                raise RequestFinished
            if self._connection is None:
                self._connection = await connect(self._engine)
            async with AsyncSession(bind=self._connection, expire_on_commit=False) as session:
                yield session

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            if self._connection is not None:
                await self._connection.close()
                self._connection = None


class ReadsPerUse(RequestReads):
    """For a WebSocket's context, which lives as long as the connection: each use
    borrows a connection and returns it at once, so an idle subscription holds none."""

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        if self._closed:
            raise RequestFinished
        connection = await connect(self._engine)
        try:
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session
        finally:
            await connection.close()
