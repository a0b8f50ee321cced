"""PostgreSQL: one LISTEN connection per process, kept alive and caught up.

A trigger on `availability_changes` (migration 0008) calls `pg_notify` with each
inserted row's id, title and region. NOTIFY is transactional: a rolled-back write
notifies nobody, and a committed one notifies every listening process, on every
replica. Notifications sent while this process was not listening are lost, so each
reconnection first LISTENs again, then reads the rows it may have missed.
"""

import asyncio
import logging
import random

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from api.live.changes import Change, ChangeHub

CHANNEL = "availability_changes"
APPLICATION_NAME = "reelgraph-live"
CATCH_UP_OVERLAP = 1_000
CATCH_UP_PAGE = 1_000
FIRST_RETRY_SECONDS = 0.1
LAST_RETRY_SECONDS = 5.0

logger = logging.getLogger("reelgraph.live")

CATCH_UP = (
    "SELECT id, title_id, region FROM availability_changes WHERE id > $1 ORDER BY id LIMIT $2"
)


def asyncpg_dsn(database_url: str) -> str:
    """`postgresql+asyncpg://...` as asyncpg spells it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PostgresChanges:
    """Publishes each committed change to `hub`; runs until cancelled."""

    def __init__(
        self,
        dsn: str,
        hub: ChangeHub,
        *,
        connect_timeout: float,
        check_interval: float,
    ) -> None:
        self.dsn = dsn
        self.hub = hub
        self.connect_timeout = connect_timeout
        self.check_interval = check_interval
        self.started = asyncio.Event()
        self.connected = False

    async def run(self) -> None:
        retry = FIRST_RETRY_SECONDS
        while True:
            try:
                await self._listen()
                retry = FIRST_RETRY_SECONDS  # it was up: the next loss is a fresh outage
            except Exception as error:  # any failure of the connection: reconnect
                logger.warning("live changes: listener lost (%r); reconnecting", error)
            await asyncio.sleep(retry * random.uniform(0.5, 1.0))  # jitter
            retry = min(retry * 2, LAST_RETRY_SECONDS)

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self.dsn,
            timeout=self.connect_timeout,
            server_settings={"application_name": APPLICATION_NAME},
        )
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        try:
            await connection.add_listener(CHANNEL, self._notified)
            if self.started.is_set():
                await self._catch_up(connection)
            else:
                highest = await connection.fetchval(
                    "SELECT coalesce(max(id), 0) FROM availability_changes"
                )
                self.hub.start_after(highest)
                self.started.set()
            self.connected = True
            logger.info("live changes: listening")
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), self.check_interval)
                except TimeoutError:  # a silent network may never say it dropped us
                    await connection.fetchval("SELECT 1", timeout=self.connect_timeout)
        finally:
            self.connected = False
            connection.terminate()

    async def _catch_up(self, connection: asyncpg.Connection) -> None:
        after = self.hub.catch_up_from(CATCH_UP_OVERLAP)
        while True:
            rows = await connection.fetch(CATCH_UP, after, CATCH_UP_PAGE)
            for row in rows:
                self.hub.publish(Change(row["id"], row["title_id"], row["region"]))
            if len(rows) < CATCH_UP_PAGE:
                return
            after = rows[-1]["id"]

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        row = orjson.loads(payload)
        self.hub.publish(Change(row["id"], row["title_id"], row["region"]))
