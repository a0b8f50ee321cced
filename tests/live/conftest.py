"""Fixtures for live subscriptions: the app served by
uvicorn in this process, so tests can look inside it, and change rows."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from api.core.ids import encode_id
from api.http.app import create_app
from api.http.server import uvicorn_options
from api.live.feed import ChangeFeed
from api.settings import Settings
from models import AvailabilityChange, Offer, Title
from models.columns import utc_now
from tests.factories import make_offer, make_title


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (polls another task's effect)
            await asyncio.sleep(0.01)


@dataclass
class LiveServer:
    app: Starlette
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def feed(self) -> ChangeFeed:
        feed: ChangeFeed = self.app.state.live
        return feed

    async def until_watching(self, count: int) -> None:
        await until(lambda: self.feed.subscriptions == count)


@contextlib.asynccontextmanager
async def live_server(settings: Settings, engine: AsyncEngine) -> AsyncIterator[LiveServer]:
    app = create_app(settings, engine=engine)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    websocket = {k: v for k, v in uvicorn_options(settings).items() if k.startswith("ws_")}
    config = uvicorn.Config(
        app,
        lifespan="off",  # the shared engine stays open; the feed is closed below
        log_level="warning",
        **websocket,  # as `python -m api` serves WebSockets
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        await until(lambda: server.started, within=10)
        yield LiveServer(app, listening.getsockname()[1])
    finally:
        server.should_exit = True
        await serving
        await app.state.live.aclose()
        listening.close()


def live_settings(database_url: str, **overrides: Any) -> Settings:
    defaults: dict[str, Any] = {
        "rate_limit_per_minute": 0,
        "response_cache_seconds": 0,
        "live_poll_interval_seconds": 0.05,
    }
    return Settings(database_url=database_url, **(defaults | overrides))


ServeLive = Callable[..., contextlib.AbstractAsyncContextManager[LiveServer]]


@pytest.fixture
def serve_live(database_url: str, engine: AsyncEngine) -> ServeLive:
    """`async with serve_live(**settings) as server:` an app of these settings."""

    def serve(**overrides: Any) -> contextlib.AbstractAsyncContextManager[LiveServer]:
        return live_server(live_settings(database_url, **overrides), engine)

    return serve


async def insert_change(
    sessions: async_sessionmaker[AsyncSession], title_id: int, region: str, kind: str = "NEW"
) -> str:
    """A committed change row (of an offer of the title in the region), written directly;
    returns the id the subscription shows. Mutations and imports write these in the
    same transaction as the offer they change."""
    async with sessions() as session:
        offer_id = await session.scalar(
            select(Offer.id).where(Offer.title_id == title_id, Offer.region == region).limit(1)
        )
        title = await session.get(Title, title_id)
    if offer_id is None:
        assert title is not None
        offer_id = (await make_offer(sessions, title, region=region)).id
    async with sessions() as session, session.begin():
        change = AvailabilityChange(
            title_id=title_id, offer_id=offer_id, region=region, kind=kind, at=utc_now()
        )
        session.add(change)
        await session.flush()
        assert change.id is not None
        return encode_id("AvailabilityChange", change.id)


async def highest_change(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.coalesce(func.max(AvailabilityChange.id), 0))))


@pytest.fixture
async def title(sessions: async_sessionmaker[AsyncSession]) -> Title:
    return await make_title(sessions)


def global_id(title: Title) -> str:
    assert title.id is not None
    return encode_id("Title", title.id)
