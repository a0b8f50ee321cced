"""The connections planned reads keep between statements.

Taking a connection from SQLAlchemy's pool and giving it back cost a `node` request
~190 us of CPU, more than its statement (asyncpg's `fetchval`, ~75 us): a greenlet
each way, a shielded task, the pool's bookkeeping and events. So planned reads keep
the connections they used, and a statement takes the one used last with no await.

To SQLAlchemy a kept connection is checked out. So that nobody waits on the pool
for a connection kept idle: a connection is kept only while the pool has another
to give at once (else it goes back, and wakes a reader waiting there: on SQLite's 4
connections under 8 concurrent requests, keeping regardless made some wait seconds),
at most all but one of the pool's persistent connections are kept, and one kept
idle IDLE_SECONDS goes back to the pool (which pings a connection idle as long
before its next use: models/db.ping_when_idle). The app gives all back before it
disposes of its engine (`release`). A disposed pool's kept connections go back to it
as any connection checked out across `dispose` does.
"""

import asyncio
import time
import weakref
from collections import deque

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool, PoolProxiedConnection, QueuePool

from api.core.reads import checkout, give_back

IDLE_SECONDS = 1.0


class Leases:
    """One pool's kept connections, the one used last on top."""

    def __init__(self, engine: AsyncEngine, keep: int) -> None:
        self.engine = engine
        self.keep = keep
        self._idle: deque[tuple[PoolProxiedConnection, float]] = deque()
        self._expiry: asyncio.TimerHandle | None = None
        self._returning: set[asyncio.Task[None]] = set()

    async def take(self) -> PoolProxiedConnection:
        if self._idle:
            return self._idle.pop()[0]
        return await checkout(self.engine)

    async def put(self, connection: PoolProxiedConnection) -> None:
        """Keeps a connection `take` gave (still valid: not invalidated), or gives it
        back to the pool when enough are kept or the pool has no other to give."""
        if len(self._idle) >= self.keep or not _has_room(self.engine.sync_engine.pool):
            await give_back(connection)
            return
        self._idle.append((connection, time.monotonic()))
        if self._expiry is None:
            self._expire_at(self._idle[0][1] + IDLE_SECONDS)

    async def release(self) -> None:
        """Gives every idle connection back to the pool (shutdown, or the database
        dropped connections: the pool replaces the ones it had before)."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        while self._idle:
            await give_back(self._idle.popleft()[0])

    def _expire_at(self, when: float) -> None:
        delay = when - time.monotonic()
        self._expiry = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        now = time.monotonic()
        while self._idle and self._idle[0][1] <= now - IDLE_SECONDS:
            returning = asyncio.ensure_future(give_back(self._idle.popleft()[0]))
            self._returning.add(returning)
            returning.add_done_callback(self._returning.discard)
        if self._idle:
            self._expire_at(self._idle[0][1] + IDLE_SECONDS)


_by_pool: "weakref.WeakKeyDictionary[Pool, Leases]" = weakref.WeakKeyDictionary()


def leases(engine: AsyncEngine) -> Leases:
    """The connections planned reads keep from `engine`'s pool (one set per pool:
    engines sharing a pool share them; a disposed engine's new pool starts none)."""
    pool = engine.sync_engine.pool
    found = _by_pool.get(pool)
    if found is None:
        found = _by_pool[pool] = Leases(engine, _keep(pool))
    return found


def kept_idle(engine: AsyncEngine) -> int:
    """How many of `engine`'s pool's checked-out connections are kept idle here."""
    found = _by_pool.get(engine.sync_engine.pool)
    return 0 if found is None else len(found._idle)


def _has_room(pool: Pool) -> bool:
    """Whether a checkout would get a connection now, without waiting for one."""
    assert isinstance(pool, QueuePool)  # the only pool connections are kept from (`_keep`)
    unbounded = pool._max_overflow == -1
    return unbounded or pool.checkedin() > 0 or pool.overflow() < pool._max_overflow


def _keep(pool: Pool) -> int:
    """All but one of a queue pool's persistent connections; none from other pools
    (NullPool opens a connection for each use on purpose; StaticPool has one)."""
    return max(0, pool.size() - 1) if isinstance(pool, QueuePool) else 0
