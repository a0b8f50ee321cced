"""GraphQL types for titles and genres."""

from datetime import date
from typing import Self

import strawberry

from api.arguments import OMITTED, given
from api.blurb import Blurb
from api.connection import Connection, load_connection
from api.context import Info
from api.ids import encode_id
from api.node import Node
from api.offers.filters import parse_region
from api.offers.types import Offer
from api.people.loaders import BILLING_ORDER
from api.people.types import Credit
from api.response_cache import depends_on, title_tag
from api.reviews.loaders import NEWEST_FIRST
from api.reviews.types import Review
from models import CreditRole, LanguageUse, Monetization, TitleKind
from models import Genre as GenreRow
from models import Title as TitleRow

strawberry.enum(TitleKind)


def shown_rating(mean: float | None) -> float | None:
    """criticRating as clients see it: the stored mean to two decimals."""
    return None if mean is None else round(mean, 2)


@strawberry.type
class Genre:
    slug: str
    name: str

    @classmethod
    def from_row(cls, row: GenreRow) -> Self:
        return cls(slug=row.slug, name=row.name)


@strawberry.type(description="A movie or a series.")
class Title(Node):
    slug: str = strawberry.field(description='e.g. "refusenik-2007"')
    name: str
    kind: TitleKind
    year: int | None
    release_date: date | None
    content_rating: str | None = strawberry.field(description='As printed: "NR", "PG-13", "TV-MA"')
    runtime_minutes: int | None
    original_language: str | None = strawberry.field(description='BCP 47, e.g. "en"')
    synopsis: Blurb | None
    version: int = strawberry.field(
        description="Increases with every edit; `updateTitle` takes it as `expectedVersion`."
    )
    critic_rating: float | None = strawberry.field(
        description="Mean of the rated reviews, 0..5; null when none is rated."
    )
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: TitleRow) -> Self:
        assert row.id is not None
        depends_on(title_tag(row.id))
        return cls(
            id=strawberry.ID(encode_id("Title", row.id)),
            pk=row.id,
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            year=row.year,
            release_date=row.release_date,
            content_rating=row.content_rating,
            runtime_minutes=row.runtime_minutes,
            original_language=row.original_language,
            synopsis=Blurb(full=row.synopsis) if row.synopsis else None,
            version=row.version,
            critic_rating=shown_rating(row.critic_rating),
        )

    @strawberry.field
    async def genres(self, info: Info) -> list[Genre]:
        return [
            Genre.from_row(row) for row in await info.context.loaders.titles.genres.load(self.pk)
        ]

    @strawberry.field
    async def audio_languages(self, info: Info) -> list[str]:
        return await self._languages(info, LanguageUse.AUDIO)

    @strawberry.field
    async def subtitle_languages(self, info: Info) -> list[str]:
        return await self._languages(info, LanguageUse.SUBTITLE)

    async def _languages(self, info: Info, use: LanguageUse) -> list[str]:
        rows = await info.context.loaders.titles.languages.load(self.pk)
        return [row.language for row in rows if row.use is use]

    @strawberry.field(description="Critic reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = 10, after: str | None = OMITTED
    ) -> Connection[Review]:
        reviews = info.context.loaders.reviews
        return await load_connection(
            reviews.page_by_title,
            reviews.count_by_title,
            NEWEST_FIRST,
            self.pk,
            first,
            given(after),
            Review.from_row,
            default_first=10,
        )

    @strawberry.field(description="Cast and crew in billing order, optionally only some roles.")
    async def credits(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = OMITTED,
        roles: list[CreditRole] | None = OMITTED,
    ) -> Connection[Credit]:
        people = info.context.loaders.people
        chosen = given(roles)
        return await load_connection(
            people.credits_by_title,
            people.credit_count_by_title,
            BILLING_ORDER,
            self.pk,
            first,
            given(after),
            Credit.from_row,
            default_first=20,
            scope=frozenset(chosen) if chosen else None,
        )

    @strawberry.field(description="Offers available now in `region` (ISO 3166-1 alpha-2).")
    async def offers(
        self, info: Info, region: str, monetizations: list[Monetization] | None = OMITTED
    ) -> list[Offer]:
        chosen = given(monetizations)
        scope = (parse_region(region), None if chosen is None else frozenset(chosen))
        rows = await info.context.loaders.offers.by_title.load((self.pk, scope))
        return [Offer.from_row(offer, provider) for offer, provider in rows or ()]

    @strawberry.field(description="Whether a SUBSCRIPTION, FREE or ADS offer is available now.")
    async def available_to_stream(self, info: Info, region: str) -> bool:
        key = (self.pk, parse_region(region))
        return bool(await info.context.loaders.offers.streamable.load(key))
