"""SQLite: poll `availability_changes` for ids above the highest seen.

SQLite has no notifications. One writer at a time holds the database until it
commits, so ids become visible in increasing order and `id > highest seen` misses
nothing; every process on the file polls it, so each sees every change.
"""

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.live.changes import Change, ChangeHub

PAGE = 1_000

logger = logging.getLogger("reelgraph.live")

NEWER = text(
    "SELECT id, title_id, region FROM availability_changes WHERE id > :after ORDER BY id"
    " LIMIT :page"
)


class SqliteChanges:
    """Publishes each committed change to `hub`; runs until cancelled."""

    def __init__(self, engine: AsyncEngine, hub: ChangeHub, *, interval: float) -> None:
        self.engine = engine
        self.hub = hub
        self.interval = interval
        self.started = asyncio.Event()
        self.connected = False

    async def run(self) -> None:
        while True:
            try:
                if not self.started.is_set():
                    await self._start()
                await self._poll()
                self.connected = True
            except Exception as error:  # a locked or missing file: try again next time
                self.connected = False
                logger.warning("live changes: polling failed (%r)", error)
            await asyncio.sleep(self.interval)

    async def _start(self) -> None:
        async with self.engine.connect() as connection:
            highest = await connection.scalar(
                text("SELECT coalesce(max(id), 0) FROM availability_changes")
            )
        self.hub.start_after(int(highest or 0))
        self.started.set()

    async def _poll(self) -> None:
        while True:
            async with self.engine.connect() as connection:
                rows = (
                    await connection.execute(NEWER, {"after": self.hub.highest_seen, "page": PAGE})
                ).all()
            for row in rows:
                self.hub.publish(Change(row.id, row.title_id, row.region))
            if len(rows) < PAGE:
                return
