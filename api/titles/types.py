"""GraphQL types for titles and genres."""

from datetime import date
from typing import Any, Self

import sqlalchemy as sa
import strawberry
from sqlalchemy import case, exists, func, select

from api.core import validation
from api.core.blurb import Blurb
from api.core.connection import Connection
from api.core.errors import BadUserInput
from api.core.external_ids import ExternalIds, external_ids
from api.core.node import Node
from api.core.response_cache import TITLE
from api.images.types import Image, image_of, images_of
from api.offers.filters import offered_now, parse_region, streamable_in
from api.offers.sorters import OFFER_ORDER
from api.offers.types import (
    OFFER_LANGUAGES,
    OFFERS,
    Offer,
    RegionOffers,
    monetization_mask,
)
from api.people.sorters import BILLING_ORDER
from api.people.types import AFTER, PAGE, ROLES, Credit, of_roles
from api.planning.declare import NO_DEFAULT, column, entity, loaded, node_id, planned
from api.planning.fields import Args, Keyset, Many, One, Paged, Scalars, Value
from api.planning.pages import Row, SortKey, parse_str
from api.reviews.sorters import NEWEST_FIRST
from api.reviews.types import Review
from api.series.columns import SEASONS
from api.series.sorters import BY_NUMBER, NEXT_TO_AIR
from api.series.types import Episode, Season
from api.titles.sorters import BY_NAME
from api.tv.sorters import BY_START
from api.tv.types import CHANNELS, Airing, Channel
from models import Genre as GenreRow
from models import (
    ImageKind,
    LanguageUse,
    Monetization,
    SeriesStatus,
    TitleExternalId,
    TitleGenre,
    TitleKind,
    TitleLanguage,
    VideoQuality,
)
from models import Title as TitleRow
from models.columns import table_of

strawberry.enum(TitleKind)
strawberry.enum(SeriesStatus)

TITLES = table_of(TitleRow)
GENRES = table_of(GenreRow)
TITLE_GENRES = table_of(TitleGenre)
TITLE_LANGUAGES = table_of(TitleLanguage)
TITLE_EXTERNAL_IDS = table_of(TitleExternalId)

_QUALITY_RANK = {member.value: rank for rank, member in enumerate(VideoQuality)}
MAX_REGIONS = 30


def shown_rating(mean: float | None) -> float | None:
    """criticRating as clients see it: the stored mean to two decimals."""
    return None if mean is None else round(mean, 2)


@strawberry.type
@entity(GENRES)
class Genre:
    slug: str = column("slug")
    name: str = column("name")


def _languages(use: LanguageUse) -> Scalars:
    return Scalars(
        TITLE_LANGUAGES,
        lambda language: language.c.language,
        lambda title, language, _: (language.c.title_id == title.c.id) & (language.c.use == use),
        (SortKey(lambda language: language.c.position),),
    )


def _credits(title: Row, credit: Row, args: Args) -> Any:
    return of_roles(credit.c.title_id == title.c.id, credit, args)


def _offers(title: Row, offer: Row, args: Args) -> Any:
    condition = (offer.c.title_id == title.c.id) & offered_now(offer, args)
    for name, use in (
        ("audio_language", LanguageUse.AUDIO),
        ("subtitle_language", LanguageUse.SUBTITLE),
    ):
        if args.shape(name, lambda chosen: chosen is not None):
            condition &= _speaks(offer, use, args.param(name, _language(name)))
    if args.shape("min_quality", lambda chosen: chosen is not None):
        least = args.param("min_quality", lambda quality: _QUALITY_RANK[quality.value])
        condition &= case(_QUALITY_RANK, value=offer.c.quality) >= least
    return condition


def _language(name: str) -> Any:
    argument = "audioLanguage" if name == "audio_language" else "subtitleLanguage"

    def check(value: str) -> str:
        try:
            return validation.language(argument, value)
        except BadUserInput as error:
            raise BadUserInput(error.message, argument=argument) from None

    return check


def _speaks(offer: Row, use: LanguageUse, language: Any) -> Any:
    """The offer has `language` (or a variant of it: "pt" finds "pt-BR") for `use`."""
    spoken = OFFER_LANGUAGES.alias()
    return exists(
        select(spoken.c.offer_id).where(
            spoken.c.offer_id == offer.c.id,
            spoken.c.use == use,
            (spoken.c.language == language) | spoken.c.language.startswith(language + "-"),
        )
    )


def _parse_regions(values: list[str]) -> list[str]:
    if len(values) > MAX_REGIONS:
        raise BadUserInput(
            f"`regions` may list at most {MAX_REGIONS} regions, got {len(values)}.",
            argument="regions",
        )
    return [parse_region(value, "regions") for value in values]


def _offers_in(title: Row, entry: Row, args: Args) -> Any:
    return (
        (entry.c.title_id == title.c.id)
        & args.among(entry.c.region, "regions", _parse_regions)
        & (entry.c.monetizations == args.param("monetizations", monetization_mask))
    )


def _episode(title: Row, episode: Row, args: Args) -> Any:
    season = SEASONS.alias()
    numbered = (
        select(season.c.id)
        .where(season.c.title_id == title.c.id, season.c.number == args.param("season"))
        .correlate_except(season)
        .scalar_subquery()
    )
    return (
        (episode.c.title_id == title.c.id)
        & (episode.c.season_id == numbered)
        & (episode.c.number == args.param("number"))
    )


def _today(args: Args) -> Any:
    """The request's date in UTC (on PostgreSQL whatever the session's TimeZone)."""
    now = args.now()
    if args.dialect == "postgresql":
        return sa.cast(func.timezone("UTC", now), sa.Date)
    return func.date(now)


def _upcoming(title: Row, airing: Row, args: Args) -> Any:
    """The title's airings in `region` that have not ended."""
    region = args.param("region", parse_region)
    return (
        (airing.c.title_id == title.c.id)
        & (airing.c.ends_at > args.now())
        & airing.c.channel_id.in_(
            select(CHANNELS.c.id).where(CHANNELS.c.region == region).correlate_except(CHANNELS)
        )
    )


def _streamable(title: Row, args: Args) -> Any:
    offer = OFFERS.alias()
    region = args.param("region", parse_region)
    return exists(
        select(offer.c.id).where(
            offer.c.title_id == title.c.id, streamable_in(offer, region, args.now())
        )
    )


@strawberry.type(description="A movie or a series.")
@entity(TITLES, tags=lambda row: [(TITLE, row.c.id)])
class Title(Node):
    id: strawberry.ID = node_id("Title")
    slug: str = column("slug", description='e.g. "refusenik-2007"')
    name: str = column("name")
    kind: TitleKind = column("kind")
    year: int | None = column("year")
    release_date: date | None = column("release_date")
    content_rating: str | None = column(
        "content_rating", description='As printed: "NR", "PG-13", "TV-MA"'
    )
    runtime_minutes: int | None = column("runtime_minutes")
    original_language: str | None = column("original_language", description='BCP 47, e.g. "en"')
    synopsis: Blurb | None = planned(
        Value(lambda row, _: row.c.synopsis, lambda text: Blurb(full=text) if text else None)
    )
    version: int = column(
        "version",
        description="Increases with every edit; `updateTitle` takes it as `expectedVersion`.",
    )
    critic_rating: float | None = planned(
        Value(lambda row, _: row.c.critic_rating, shown_rating),
        description="Mean of the rated reviews, 0..5; null when none is rated.",
    )
    genres: list[Genre] = planned(
        Many(
            lambda _: Genre,
            # EXISTS, not `genre.id IN (the title's genre ids)`: SQLite built the IN list
            # as a temporary index for every title (a node's statement: 171K
            # instructions, 74K with EXISTS).
            lambda title, genre, _: (
                exists()
                .where(TITLE_GENRES.c.title_id == title.c.id, TITLE_GENRES.c.genre_id == genre.c.id)
                # `title` may be outside the subquery in FROM this condition lands in
                .correlate_except(TITLE_GENRES)
            ),
            BY_NAME,
        )
    )
    audio_languages: list[str] = planned(_languages(LanguageUse.AUDIO))
    subtitle_languages: list[str] = planned(_languages(LanguageUse.SUBTITLE))
    reviews: Connection[Review] = planned(
        Paged(
            lambda _: Review,
            lambda title, review, _: review.c.title_id == title.c.id,
            Keyset(lambda _: NEWEST_FIRST),
            default_first=10,
        ),
        {"first": (int | None, 10), "after": AFTER},
        description="Critic reviews, newest first.",
    )
    credits: Connection[Credit] = planned(
        Paged(lambda _: Credit, _credits, Keyset(lambda _: BILLING_ORDER), default_first=20),
        {"first": PAGE, "after": AFTER, "roles": ROLES},
        description="Cast and crew in billing order, optionally only some roles.",
    )
    offers: list[Offer] = planned(
        Many(lambda _: Offer, _offers, OFFER_ORDER),
        {
            "region": (str, NO_DEFAULT),
            "monetizations": (list[Monetization] | None, NO_DEFAULT),
            "audio_language": (str | None, NO_DEFAULT),
            "subtitle_language": (str | None, NO_DEFAULT),
            "min_quality": (VideoQuality | None, NO_DEFAULT),
        },
        description="Offers available now in `region` (ISO 3166-1 alpha-2); optionally only"
        " those with an audio or subtitle language (BCP 47; `pt` finds `pt-BR`) or at least"
        " a quality (offers of unknown quality then left out).",
    )
    offers_in: list[RegionOffers] = planned(
        Many(
            lambda _: RegionOffers,
            _offers_in,
            (SortKey(lambda entry: entry.c.region, parse=parse_str), SortKey(lambda e: e.c.id)),
        ),
        {
            "regions": (list[str], NO_DEFAULT),
            "monetizations": (list[Monetization] | None, NO_DEFAULT),
        },
        description="Offers available now in each of `regions` (at most 30), by region code.",
    )
    available_to_stream: bool = planned(
        Value(_streamable),
        {"region": (str, NO_DEFAULT)},
        description="Whether a SUBSCRIPTION, FREE or ADS offer is available now.",
    )

    original_name: str | None = column("original_name", description="In its own language.")
    external_ids: ExternalIds = external_ids(TITLE_EXTERNAL_IDS, "title_id")
    poster: Image | None = image_of("title_id", ImageKind.POSTER)
    images: list[Image] = images_of("title_id")
    status: SeriesStatus | None = column("status", description="Null for a MOVIE.")
    end_year: int | None = planned(
        Value(lambda row, _: case((row.c.kind == TitleKind.SERIES.value, row.c.end_year))),
        description="The year a series ended; null for a MOVIE.",
    )
    network: Channel | None = planned(
        One(lambda _: Channel, lambda title, channel, _: channel.c.id == title.c.network_id),
        description="Where a SERIES first aired.",
    )
    seasons: list[Season] = planned(
        Many(lambda _: Season, lambda title, season, _: season.c.title_id == title.c.id, BY_NUMBER),
        description="By number; empty for a MOVIE.",
    )
    episode: Episode | None = planned(
        One(lambda _: Episode, _episode),
        {"season": (int, NO_DEFAULT), "number": (int, NO_DEFAULT)},
        description="Episode `number` of season `season`; null when there is none.",
    )
    next_episode: Episode | None = planned(
        One(
            lambda _: Episode,
            lambda title, episode, args: (
                (episode.c.title_id == title.c.id) & (episode.c.air_date >= _today(args))
            ),
            NEXT_TO_AIR,
        ),
        description="The first episode with an airDate of today (UTC) or later.",
    )
    upcoming_airings: Connection[Airing] = planned(
        Paged(lambda _: Airing, _upcoming, Keyset(lambda _: BY_START), default_first=10),
        {"region": (str, NO_DEFAULT), "first": (int | None, 10), "after": AFTER},
        description="Airings in `region` not yet ended, by start.",
    )

    @classmethod
    def from_row(cls, row: TitleRow) -> Self:
        return loaded(cls, row)
