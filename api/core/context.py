"""Per-request context: database access, the reference resolvers' batches, the cache.

Reads (`reads()`) share the request's one connection (api/core/reads.py); writes open
their own session and transaction from `sessions`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from api.core.reads import RequestReads
from api.core.response_cache import ResponseCache
from api.live.feed import ChangeFeed
from api.planning.reference import Batches
from models.columns import utc_now


@dataclass
class Context:
    sessions: async_sessionmaker[AsyncSession]
    reads: RequestReads
    dialect: str
    request: HTTPConnection | None = None  # a WebSocket's handshake for subscriptions
    response: Response | None = None
    cache: ResponseCache | None = None
    live: ChangeFeed | None = None
    now: datetime = field(default_factory=utc_now)  # one clock for the whole request
    batches: Batches = field(default_factory=Batches)

    async def invalidate(self, *tags: str) -> None:
        """After a write commits: drop cached responses that show what it changed."""
        if self.cache is not None:
            await self.cache.invalidate(tags)


Info = StrawberryInfo[Context, None]
