"""GraphQL types for the seasons and episodes of a series."""

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import func, select

from api.core.blurb import Blurb
from api.core.connection import Connection
from api.core.node import Node
from api.core.response_cache import TITLE
from api.images.types import Image, image_of
from api.offers.filters import offered_now
from api.offers.sorters import OFFER_ORDER
from api.offers.types import Offer
from api.people.sorters import BILLING_ORDER
from api.people.types import AFTER, PAGE, ROLES, Credit, of_roles
from api.planning.declare import NO_DEFAULT, column, entity, node_id, planned
from api.planning.fields import Args, Keyset, Many, One, Paged, Value
from api.planning.pages import Row
from api.series.columns import SEASONS, season_number
from api.series.sorters import EPISODES_BY_NUMBER
from models import Episode as EpisodeRow
from models import EpisodeCredit, ImageKind, Monetization

if TYPE_CHECKING:
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]

EPISODES = EpisodeRow.__table__  # type: ignore[attr-defined]
EPISODE_CREDITS = EpisodeCredit.__table__  # type: ignore[attr-defined]
# An episode's guest credits with the series' title id, which a `Credit` shows and tags.
GUEST_CREDITS = (
    select(EPISODE_CREDITS, EPISODES.c.title_id)
    .join_from(EPISODE_CREDITS, EPISODES, EPISODES.c.id == EPISODE_CREDITS.c.episode_id)
    .subquery("guest_credits")
)


def _title() -> type:
    from api.titles.types import Title

    return Title


def _blurb(text: str | None) -> Blurb | None:
    return Blurb(full=text) if text else None


def _episode_count(season: Row, _args: Any) -> Any:
    episode = EPISODES.alias()
    return select(func.count()).where(episode.c.season_id == season.c.id).scalar_subquery()


def _guest_credits(episode: Row, credit: Row, args: Args) -> Any:
    return of_roles(credit.c.episode_id == episode.c.id, credit, args)


OFFER_ARGUMENTS: dict[str, tuple[Any, Any]] = {
    "region": (str, NO_DEFAULT),
    "monetizations": (list[Monetization] | None, NO_DEFAULT),
}


def _season_offers(season: Row, offer: Row, args: Args) -> Any:
    return (offer.c.season_id == season.c.id) & offered_now(offer, args)


def _episode_offers(episode: Row, offer: Row, args: Args) -> Any:
    """An episode is watched through its season's offers or its title's whole ones."""
    return (
        (offer.c.title_id == episode.c.title_id)
        & (offer.c.season_id.is_(None) | (offer.c.season_id == episode.c.season_id))
        & offered_now(offer, args)
    )


@strawberry.type(description="A season of a series; number 0 holds the specials.")
@entity(SEASONS, tags=lambda row: [(TITLE, row.c.title_id)])
class Season(Node):
    id: strawberry.ID = node_id("Season")
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda season, title, _: title.c.id == season.c.title_id)
    )
    number: int = column("number")
    name: str | None = column("name")
    synopsis: Blurb | None = planned(Value(lambda row, _: row.c.synopsis, _blurb))
    premiere_date: date | None = column("premiere_date")
    poster: Image | None = image_of("season_id", ImageKind.POSTER)
    episode_count: int = planned(Value(_episode_count))
    episodes: Connection["Episode"] = planned(
        Paged(
            lambda _: Episode,
            lambda season, episode, _: episode.c.season_id == season.c.id,
            Keyset(lambda _: EPISODES_BY_NUMBER),
            default_first=50,
        ),
        {"first": (int | None, 50), "after": AFTER},
        description="The season's episodes by number.",
    )
    offers: list[Offer] = planned(
        Many(lambda _: Offer, _season_offers, OFFER_ORDER),
        OFFER_ARGUMENTS,
        description="The offers of this season available now in `region`.",
    )


@strawberry.type(description="An episode of a series.")
@entity(EPISODES, tags=lambda row: [(TITLE, row.c.title_id)])
class Episode(Node):
    id: strawberry.ID = node_id("Episode")
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda episode, title, _: title.c.id == episode.c.title_id)
    )
    season: Season = planned(
        One(lambda _: Season, lambda episode, season, _: season.c.id == episode.c.season_id)
    )
    season_number: int = planned(Value(season_number))
    number: int = column("number")
    name: str = column("name")
    synopsis: Blurb | None = planned(Value(lambda row, _: row.c.synopsis, _blurb))
    air_date: date | None = column("air_date")
    runtime_minutes: int | None = column("runtime_minutes")
    still: Image | None = image_of("episode_id", ImageKind.STILL)
    credits: Connection[Credit] = planned(
        Paged(
            lambda _: Credit,
            _guest_credits,
            Keyset(lambda _: BILLING_ORDER),
            default_first=20,
            rows=GUEST_CREDITS,
        ),
        {"first": PAGE, "after": AFTER, "roles": ROLES},
        description="Guest cast and crew in billing order, optionally only some roles; "
        "the series' regular credits are the title's.",
    )
    offers: list[Offer] = planned(
        Many(lambda _: Offer, _episode_offers, OFFER_ORDER),
        OFFER_ARGUMENTS,
        description="Offers available now in `region` that include this episode: its"
        " season's and its title's whole ones.",
    )
