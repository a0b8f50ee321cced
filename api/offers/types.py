"""GraphQL types for providers, offers and what changes in them."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

import sqlalchemy as sa
import strawberry
from sqlalchemy import case, exists, func, select

from api.core.ids import encode_id
from api.core.node import Node
from api.core.response_cache import TITLE
from api.images.types import Image, image_of
from api.offers.filters import available_now, streamable_in
from api.offers.sorters import AS_LISTED, LINK_ORDER, NEWEST_PRICE_FIRST, OFFER_ORDER
from api.planning.declare import column, entity, loaded, node_id, planned
from api.planning.fields import Args, Many, One, Scalars, Value
from api.planning.pages import Row, validate_first
from api.series.columns import season_number
from models import AvailabilityChange as AvailabilityChangeRow
from models import (
    AvailabilityChangeKind,
    ImageKind,
    LanguageUse,
    Monetization,
    OfferLanguage,
    OfferLink,
    OfferPrice,
    Platform,
    Region,
    VideoQuality,
)
from models import Offer as OfferRow
from models import Provider as ProviderRow
from models import Title as TitleRow

if TYPE_CHECKING:
    from api.titles.types import Title

LazyTitle = Annotated["Title", strawberry.lazy("api.titles.types")]

strawberry.enum(Monetization, description="How a viewer pays for an offer.")
strawberry.enum(VideoQuality)
strawberry.enum(Platform, description="Where a deep link opens: the web, or an app.")
strawberry.enum(AvailabilityChangeKind)

OFFERS = OfferRow.__table__  # type: ignore[attr-defined]
PROVIDERS = ProviderRow.__table__  # type: ignore[attr-defined]
OFFER_LINKS = OfferLink.__table__  # type: ignore[attr-defined]
OFFER_PRICES = OfferPrice.__table__  # type: ignore[attr-defined]
OFFER_LANGUAGES = OfferLanguage.__table__  # type: ignore[attr-defined]
CHANGES = AvailabilityChangeRow.__table__  # type: ignore[attr-defined]
REGIONS = Region.__table__  # type: ignore[attr-defined]
TITLES = TitleRow.__table__  # type: ignore[attr-defined]

_MONETIZATION_BIT = {member.value: 1 << rank for rank, member in enumerate(Monetization)}
ALL_MONETIZATIONS = (1 << len(Monetization)) - 1


@strawberry.type
@entity(PROVIDERS)
class Provider(Node):
    id: strawberry.ID = node_id("Provider")
    slug: str = column("slug")
    name: str = column("name")
    logo: Image | None = image_of("provider_id", ImageKind.LOGO)

    @classmethod
    def from_row(cls, row: ProviderRow) -> Self:
        return loaded(cls, row)


@strawberry.type
class Money:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217 code")


def _money(value: tuple[Decimal | None, str | None]) -> Money | None:
    amount, currency = value
    return None if amount is None or currency is None else Money(amount=amount, currency=currency)


@strawberry.type(description="Where an offer opens on one platform.")
@entity(OFFER_LINKS)
class DeepLink:
    platform: Platform = column("platform")
    url: str = column("url", description="https:// on the WEB; an app's own scheme elsewhere.")


def _newest_prices(offer: Row, price: Row) -> Any:
    return (
        select(price.c.price, price.c.currency, price.c.since)
        .where(price.c.offer_id == offer.c.id)
        .order_by(price.c.since.desc(), price.c.id.desc())
    )


def _previous(offer: Row, name: str) -> Any:
    """A column of the price point before the current one (NULL when none)."""
    price = OFFER_PRICES.alias()
    newest = _newest_prices(offer, price)
    return newest.with_only_columns(price.c[name]).offset(1).limit(1).scalar_subquery()


def _price_changed_at(offer: Row, _args: Args) -> Any:
    price = OFFER_PRICES.alias()
    current = _newest_prices(offer, price).with_only_columns(price.c.since).limit(1)
    return case((_previous(offer, "since").is_not(None), current.scalar_subquery()))


def _point_until(point: Row, _args: Args) -> Any:
    """When the next price took over: the `since` of the point after this one."""
    later = OFFER_PRICES.alias()
    return (
        select(later.c.since)
        .where(
            later.c.offer_id == point.c.offer_id,
            (later.c.since > point.c.since)
            | ((later.c.since == point.c.since) & (later.c.id > point.c.id)),
        )
        .order_by(later.c.since, later.c.id)
        .limit(1)
        .scalar_subquery()
    )


@strawberry.type(description="A price an offer had, from `from` until `until` (null: still).")
@entity(OFFER_PRICES)
class PricePoint:
    price: Money = planned(Value(lambda row, _: (row.c.price, row.c.currency), _money))
    from_: datetime = planned(Value(lambda row, _: row.c.since), name="from")
    until: datetime | None = planned(Value(_point_until))


def _languages(use: LanguageUse) -> Scalars:
    return Scalars(
        OFFER_LANGUAGES,
        lambda language: language.c.language,
        lambda offer, language, _: (language.c.offer_id == offer.c.id) & (language.c.use == use),
        AS_LISTED,
    )


def _link(offer: Row, args: Args) -> Any:
    link = OFFER_LINKS.alias()
    chosen = (
        select(link.c.url)
        .where(
            link.c.offer_id == offer.c.id,
            link.c.platform == args.param("platform", lambda platform: platform.value),
        )
        .scalar_subquery()
    )
    return func.coalesce(chosen, offer.c.url)


def _history_limit(args: Args) -> Any:
    return args.param("first", lambda first: validate_first(20 if first is None else first))


@strawberry.type(description="Where and how a title can be watched in a region.")
@entity(OFFERS, tags=lambda row: [(TITLE, row.c.title_id)])
class Offer:
    provider: Provider = planned(
        One(lambda _: Provider, lambda offer, provider, _: provider.c.id == offer.c.provider_id)
    )
    region: str = column("region", description="ISO 3166-1 alpha-2, upper case")
    monetization: Monetization = column("monetization")
    quality: VideoQuality | None = column("quality")
    price: Money | None = planned(
        Value(lambda row, _: (row.c.price, row.c.currency), _money),
        description="null for SUBSCRIPTION, FREE and ADS",
    )
    url: str = column("url")
    available_from: datetime | None = column("available_from")
    available_until: datetime | None = column(
        "available_until", description='"Leaving soon" when close.'
    )
    season: int | None = planned(
        Value(season_number), description="The season this offer is of; null: the whole title."
    )
    audio_languages: list[str] = planned(_languages(LanguageUse.AUDIO))
    subtitle_languages: list[str] = planned(_languages(LanguageUse.SUBTITLE))
    links: list[DeepLink] = planned(
        Many(
            lambda _: DeepLink,
            lambda offer, link, _: link.c.offer_id == offer.c.id,
            LINK_ORDER,
        ),
        description="A link per platform; always the WEB one, which is `url`.",
    )
    link: str = planned(
        Value(_link),
        {"platform": (Platform, Platform.WEB)},
        description="The link for `platform`, else the WEB link.",
    )
    last_checked_at: datetime = column(
        "last_checked_at",
        description="The last time a write or an import confirmed the offer, changed or not.",
    )
    previous_price: Money | None = planned(
        Value(lambda row, _: (_previous(row, "price"), _previous(row, "currency")), _money),
        description="The price before the current one; null when it never changed.",
    )
    price_changed_at: datetime | None = planned(
        Value(_price_changed_at),
        description="When the current price replaced `previousPrice`.",
    )
    price_history: list[PricePoint] = planned(
        Many(
            lambda _: PricePoint,
            lambda offer, point, _: point.c.offer_id == offer.c.id,
            NEWEST_PRICE_FIRST,
            limit=_history_limit,
        ),
        {"first": (int | None, 20)},
        description="The prices this offer has had, newest first.",
    )

    @classmethod
    def from_row(cls, offer: OfferRow) -> Self:
        return loaded(cls, offer)


# One row per title, region and set of monetizations (a bit mask, 0..31): what
# `Title.offersIn` lists, so that a region without offers has its entry too and the
# entry's offers know the monetizations asked for. Region ids are 1..249 (< 256).
_MASKS = select((REGIONS.c.id - 1).label("mask")).where(REGIONS.c.id <= ALL_MONETIZATIONS + 1)
_MASK_ROWS = _MASKS.subquery("monetization_masks")
_TITLE_ID_STEP = 8192  # > region ids (< 256) x monetization masks (32)
TITLE_REGIONS = (
    select(
        (
            sa.cast(TITLES.c.id, sa.BigInteger) * _TITLE_ID_STEP
            + REGIONS.c.id * (ALL_MONETIZATIONS + 1)
            + _MASK_ROWS.c.mask
        ).label("id"),
        TITLES.c.id.label("title_id"),
        REGIONS.c.code.label("region"),
        _MASK_ROWS.c.mask.label("monetizations"),
    )
    .select_from(TITLES.join(REGIONS, sa.true()).join(_MASK_ROWS, sa.true()))
    .subquery("title_regions")
)


def monetization_mask(chosen: list[Monetization] | None) -> int:
    if chosen is None:
        return ALL_MONETIZATIONS
    return sum({_MONETIZATION_BIT[member.value] for member in chosen})


def has_monetization(offer: Row, mask: Any) -> Any:
    bit = case(_MONETIZATION_BIT, value=offer.c.monetization)
    return (mask // bit) % 2 == 1


def _region_offers(entry: Row, offer: Row, args: Args) -> Any:
    return (
        (offer.c.title_id == entry.c.title_id)
        & (offer.c.region == entry.c.region)
        & available_now(offer, args.now())
        & has_monetization(offer, entry.c.monetizations)
    )


def _region_streamable(entry: Row, args: Args) -> Any:
    offer = OFFERS.alias()
    return exists(
        select(offer.c.id).where(
            offer.c.title_id == entry.c.title_id,
            streamable_in(offer, entry.c.region, args.now()),
        )
    )


@strawberry.type(description="A title's offers available now in one region.")
@entity(
    TITLE_REGIONS,
    tags=lambda row: [(TITLE, row.c.title_id)],
    narrow=lambda row, ids: row.c.title_id.in_(sorted({pk // _TITLE_ID_STEP for pk in ids})),
)
class RegionOffers:
    region: str = column("region")
    available_to_stream: bool = planned(
        Value(_region_streamable),
        description="Whether a SUBSCRIPTION, FREE or ADS offer is available now.",
    )
    offers: list[Offer] = planned(Many(lambda _: Offer, _region_offers, OFFER_ORDER))


@strawberry.type(description="A change in where a title can be watched.")
@entity(CHANGES, tags=lambda row: [(TITLE, row.c.title_id)])
class AvailabilityChange:
    id: strawberry.ID = planned(
        Value(lambda row, _: row.c.id, lambda pk: encode_id("AvailabilityChange", pk)),
        description="Tells changes apart (a client may drop one delivered twice).",
    )
    kind: AvailabilityChangeKind = column("kind")
    at: datetime = column(
        "at", description="When it takes effect (for LEAVING: the offer's availableUntil)."
    )
    title: LazyTitle = planned(
        One(lambda _: _title(), lambda change, title, _: title.c.id == change.c.title_id)
    )
    offer: Offer = planned(
        One(lambda _: Offer, lambda change, offer, _: offer.c.id == change.c.offer_id)
    )
    previous_price: Money | None = planned(
        Value(lambda row, _: (row.c.previous_price, row.c.previous_currency), _money),
        description="PRICE_DROP: the price before the drop.",
    )


def _title() -> type:
    from api.titles.types import Title

    return Title
