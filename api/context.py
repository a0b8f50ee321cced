"""Per-request context: database access, the request's DataLoaders, the cache.

Reads (`reads()`) share the request's one connection (api/reads.py); writes open
their own session and transaction from `sessions`.
"""

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from api.offers.loaders import OfferLoaders
from api.people.loaders import PeopleLoaders
from api.reads import ReadSessions, RequestReads
from api.response_cache import ResponseCache
from api.reviews.loaders import ReviewLoaders
from api.titles.loaders import TitleLoaders


@dataclass
class Context:
    sessions: async_sessionmaker[AsyncSession]
    reads: RequestReads
    request: Request | None = None
    response: Response | None = None
    cache: ResponseCache | None = None
    loaders: "Loaders" = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.reads)

    async def invalidate(self, *tags: str) -> None:
        """After a write commits: drop cached responses that show what it changed."""
        if self.cache is not None:
            await self.cache.invalidate(tags)


class Loaders:
    """Created lazily, so a request pays only for the loaders its query touches."""

    def __init__(self, sessions: ReadSessions) -> None:
        self._sessions = sessions

    @cached_property
    def titles(self) -> TitleLoaders:
        return TitleLoaders(self._sessions)

    @cached_property
    def people(self) -> PeopleLoaders:
        return PeopleLoaders(self._sessions)

    @cached_property
    def reviews(self) -> ReviewLoaders:
        return ReviewLoaders(self._sessions)

    @cached_property
    def offers(self) -> OfferLoaders:
        return OfferLoaders(self._sessions)


Info = StrawberryInfo[Context, None]
