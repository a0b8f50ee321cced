"""`TitleFilter`: the input and the SQL it becomes."""

from datetime import datetime

import strawberry
from sqlalchemy import ColumnElement, and_, exists, select, true

from api.errors import BadUserInput
from api.offers.filters import available_now, parse_region, streamable_in
from models import Genre, Offer, Provider, Title, TitleGenre, TitleKind

YEAR_RANGE = range(1870, 2101)


@strawberry.input
class TitleFilter:
    kind: TitleKind | None = None
    genres: list[str] | None = strawberry.field(
        default=None, description="Genre slugs; a title matches if it has any of them."
    )
    year_from: int | None = None
    year_to: int | None = None
    streamable_in: str | None = strawberry.field(
        default=None,
        description="Region: only titles with a SUBSCRIPTION, FREE or ADS offer available now.",
    )
    providers: list[str] | None = strawberry.field(
        default=None,
        description="Provider slugs: titles with an offer available now from any of them "
        "(in the `streamableIn` region and streamable, when that is given).",
    )

    def condition(self, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.kind is not None:
            conditions.append(Title.kind == self.kind)
        if self.genres is not None:
            tagged = (
                select(TitleGenre.title_id)
                .join(Genre, Genre.id == TitleGenre.genre_id)
                .where(Genre.slug.in_(self.genres))
            )
            conditions.append(Title.id.in_(tagged))
        for argument, bound in (("yearFrom", self.year_from), ("yearTo", self.year_to)):
            if bound is not None and bound not in YEAR_RANGE:
                raise BadUserInput(
                    f"`{argument}` must be between {YEAR_RANGE.start} and {YEAR_RANGE.stop - 1}, "
                    f"got {bound}.",
                    argument=argument,
                )
        if self.year_from is not None:
            conditions.append(Title.year >= self.year_from)
        if self.year_to is not None:
            conditions.append(Title.year <= self.year_to)
        if self.streamable_in is not None or self.providers is not None:
            conditions.append(self._offered(now))
        return and_(true(), *conditions)

    def _offered(self, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
        offer = (
            streamable_in(parse_region(self.streamable_in, "streamableIn"), now)
            if self.streamable_in is not None
            else available_now(now)
        )
        stmt = select(Offer.id).where(Offer.title_id == Title.id, offer)
        if self.providers is not None:
            chosen = select(Provider.id).where(Provider.slug.in_(self.providers))
            stmt = stmt.where(Offer.provider_id.in_(chosen))
        return exists(stmt)
