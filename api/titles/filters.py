"""`TitleFilter`: the input and the SQL it becomes."""

from typing import Any

import strawberry
from sqlalchemy import ColumnElement, and_, exists, select, true

from api.core.errors import BadUserInput
from api.offers.filters import available_now, parse_region, streamable_in
from api.offers.types import OFFERS, PROVIDERS
from api.planning.fields import Args
from api.planning.pages import Row
from models import Genre, TitleGenre, TitleKind
from models.columns import table_of

YEAR_RANGE = range(1870, 2101)
GENRES = table_of(Genre)
TITLE_GENRES = table_of(TitleGenre)


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


def _given(chosen: TitleFilter | None) -> frozenset[str]:
    """The filter's shape: which of its fields are set."""
    if chosen is None:
        return frozenset()
    return frozenset(name for name, value in vars(chosen).items() if value is not None)


def _year(argument: str, attribute: str) -> Any:
    def check(chosen: TitleFilter) -> int:
        bound: int = getattr(chosen, attribute)
        if bound not in YEAR_RANGE:
            raise BadUserInput(
                f"`{argument}` must be between {YEAR_RANGE.start} and {YEAR_RANGE.stop - 1}, "
                f"got {bound}.",
                argument=argument,
            )
        return bound

    return check


def matching(_parent: Row | None, title: Row, args: Args) -> ColumnElement[bool]:
    """The titles `filter` keeps (every title without one)."""
    given = args.shape("filter", _given)
    conditions: list[ColumnElement[bool]] = []
    if "kind" in given:
        conditions.append(title.c.kind == args.param("filter", lambda f: f.kind, title.c.kind.type))
    if "genres" in given:
        tagged = (
            select(TITLE_GENRES.c.title_id)
            .join(GENRES, GENRES.c.id == TITLE_GENRES.c.genre_id)
            .where(args.among(GENRES.c.slug, "filter", lambda f: f.genres))
        )
        conditions.append(title.c.id.in_(tagged))
    if "year_from" in given:
        conditions.append(title.c.year >= args.param("filter", _year("yearFrom", "year_from")))
    if "year_to" in given:
        conditions.append(title.c.year <= args.param("filter", _year("yearTo", "year_to")))
    if "streamable_in" in given or "providers" in given:
        conditions.append(_offered(title, args, given))
    return and_(true(), *conditions)


def _offered(title: Row, args: Args, given: frozenset[str]) -> ColumnElement[bool]:
    offer = OFFERS.alias()
    if "streamable_in" in given:
        region = args.param("filter", lambda f: parse_region(f.streamable_in, "streamableIn"))
        condition = streamable_in(offer, region, args.now())
    else:
        condition = available_now(offer, args.now())
    stmt = select(offer.c.id).where(offer.c.title_id == title.c.id, condition)
    if "providers" in given:
        chosen = select(PROVIDERS.c.id).where(
            args.among(PROVIDERS.c.slug, "filter", lambda f: f.providers)
        )
        stmt = stmt.where(offer.c.provider_id.in_(chosen))
    return exists(stmt)
