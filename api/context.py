"""Per-request context: a session factory and the request's DataLoaders.

A DataLoader batch opens its own session: graphql-core resolves sibling fields
concurrently, and one AsyncSession must never serve two coroutines at once.
"""

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from api.offers.loaders import OfferLoaders
from api.people.loaders import PeopleLoaders
from api.response_cache import ResponseCache
from api.reviews.loaders import ReviewLoaders
from api.titles.loaders import TitleLoaders


@dataclass
class Context:
    sessions: async_sessionmaker[AsyncSession]
    request: Request | None = None
    response: Response | None = None
    cache: ResponseCache | None = None
    loaders: "Loaders" = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.sessions)

    async def invalidate(self, *tags: str) -> None:
        """After a write commits: drop cached responses that show what it changed."""
        if self.cache is not None:
            await self.cache.invalidate(tags)


class Loaders:
    """Created lazily, so a request pays only for the loaders its query touches."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
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
