"""The change feed of one process: the source that fills its hub, and its channels.

The source starts with the first subscription (a process nobody subscribes to
holds no listening connection and polls nothing) and runs until the app stops.
"""

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from api.core.errors import ApiError, ErrorCode
from api.live.changes import ChangeHub
from api.live.channels import Channels, Member, Subscriber
from api.live.loads import Loads
from api.live.postgres import PostgresChanges, asyncpg_dsn
from api.live.sqlite import SqliteChanges
from api.settings import Settings


class ChangeSource(Protocol):
    started: asyncio.Event
    connected: bool

    async def run(self) -> None: ...


class LiveUnavailable(ApiError):
    code = ErrorCode.SERVICE_UNAVAILABLE


class ChangeFeed:
    def __init__(
        self,
        hub: ChangeHub,
        source: ChangeSource,
        *,
        start_timeout: float,
        max_subscriptions: int,
    ) -> None:
        self.hub = hub
        self.source = source
        self.start_timeout = start_timeout
        self.channels = Channels(hub, max_subscriptions)
        self.loads = Loads()
        self._task: asyncio.Task[None] | None = None

    async def subscribe(
        self,
        subscriber: Subscriber,
        title_ids: Iterable[int],
        regions: Iterable[str],
        context: Callable[[], object],
    ) -> Member:
        """The subscriber's stream of every change committed from now on to these
        titles in these regions (api/live/channels.py); `context` makes the context
        its channel runs the operation on, should it need one."""
        await self.start()
        return self.channels.join(subscriber, title_ids, regions, context)

    @property
    def subscriptions(self) -> int:
        return self.channels.subscriptions

    async def start(self) -> None:
        """Once the source runs: raises LiveUnavailable if it cannot start in time."""
        if self._task is None:
            self._task = asyncio.create_task(self.source.run(), name="live changes")
        if not self.source.started.is_set():
            try:
                async with asyncio.timeout(self.start_timeout):
                    await self.source.started.wait()
            except TimeoutError:
                raise LiveUnavailable(
                    "Live changes are unavailable: the database cannot be reached; try again"
                    " shortly."
                ) from None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def aclose(self) -> None:
        await self.channels.aclose()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def create_change_feed(settings: Settings, engine: AsyncEngine) -> ChangeFeed:
    """LISTEN/NOTIFY on PostgreSQL, polling on SQLite; `engine` is the app's."""
    hub = ChangeHub()
    source: ChangeSource
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)
        source = PostgresChanges(
            asyncpg_dsn(url),
            hub,
            connect_timeout=settings.db_connect_timeout_seconds,
            check_interval=settings.live_check_interval_seconds,
        )
    else:
        source = SqliteChanges(engine, hub, interval=settings.live_poll_interval_seconds)
    return ChangeFeed(
        hub,
        source,
        start_timeout=settings.db_connect_timeout_seconds + 1,
        max_subscriptions=settings.live_max_subscriptions,
    )
