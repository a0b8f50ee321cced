"""upsertOffer and removeOffer: where a title can be watched."""

from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.core import validation
from api.core.context import Info
from api.core.errors import shown
from api.core.iso_codes import PRICE_CURRENCIES, normalize_currency
from api.core.response_cache import LISTS, title_tag
from api.core.writes import check_write, title_write
from api.offers.filters import parse_region
from api.offers.types import Offer
from models import ApiKeyRole, Monetization, Platform, Provider, Season, VideoQuality
from models.availability import OfferIdentity, OfferTerms, remove_offer, write_offer
from models.columns import id_column

PAID = frozenset({Monetization.RENT, Monetization.BUY})
# Offer windows lie within the years 1900..2200 (UTC).
WINDOW = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))


@strawberry.input
class MoneyInput:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217, e.g. USD")


@strawberry.input(description="A platform's link to an offer.")
class DeepLinkInput:
    platform: Platform
    url: str = strawberry.field(description="https:// for WEB; an app's scheme elsewhere.")


@strawberry.input(
    description="An offer is identified by title, season, provider, region, monetization"
    " and quality."
)
class OfferInput:
    provider: str = strawberry.field(description="Provider slug")
    region: str
    monetization: Monetization
    url: str = strawberry.field(description="The WEB link (https://).")
    quality: VideoQuality | None = None
    price: MoneyInput | None = strawberry.field(
        default=None, description="Required for RENT and BUY; must be null otherwise."
    )
    available_from: datetime | None = None
    available_until: datetime | None = None
    season: int | None = strawberry.field(
        default=None, description="The number of the season offered; null: the whole title."
    )
    audio_languages: list[str] | None = strawberry.field(
        default=None, description="BCP 47 tags; null keeps the offer's as they are."
    )
    subtitle_languages: list[str] | None = strawberry.field(
        default=None, description="BCP 47 tags; null keeps the offer's as they are."
    )
    links: list[DeepLinkInput] | None = strawberry.field(
        default=None,
        description="Links per platform (a WEB one must be `url`); null keeps the app links"
        " as they are.",
    )


def _terms(offer: OfferInput) -> OfferTerms:
    paid = offer.monetization in PAID
    if paid and offer.price is None:
        raise validation.invalid("price", f"is required for {offer.monetization.value}")
    if not paid and offer.price is not None:
        raise validation.invalid("price", f"must be null for {offer.monetization.value}")
    currency = None
    if offer.price is not None:
        currency = normalize_currency(offer.price.currency, PRICE_CURRENCIES)
        if currency is None:
            raise validation.invalid(
                "price.currency",
                "must be the ISO 4217 code of a currency (not XXX, XTS, a metal or a unit "
                f"of account), got {shown(offer.price.currency)}",
            )
    available_from, available_until = (
        None if moment is None else validation.moment(field, moment, *WINDOW)
        for field, moment in (
            ("availableFrom", offer.available_from),
            ("availableUntil", offer.available_until),
        )
    )
    if available_from and available_until and available_until <= available_from:
        raise validation.invalid("availableUntil", "must be after `availableFrom`")
    url = validation.https_url("url", offer.url)
    return OfferTerms(
        url=url,
        price=None if offer.price is None else validation.price("price.amount", offer.price.amount),
        currency=currency,
        available_from=available_from,
        available_until=available_until,
        audio_languages=None
        if offer.audio_languages is None
        else validation.languages("audioLanguages", offer.audio_languages),
        subtitle_languages=None
        if offer.subtitle_languages is None
        else validation.languages("subtitleLanguages", offer.subtitle_languages),
        app_links=None if offer.links is None else _app_links(url, offer.links),
    )


def _app_links(url: str, links: list[DeepLinkInput]) -> dict[Platform, str]:
    chosen: dict[Platform, str] = {}
    for link in links:
        if link.platform in chosen:
            raise validation.invalid("links", f"lists {link.platform.value} twice")
        if link.platform is Platform.WEB:
            if validation.https_url("links.url", link.url) != url:
                raise validation.invalid("links", "must give `url` as the WEB link (or omit it)")
            continue
        chosen[link.platform] = validation.app_url("links.url", link.url)
    return chosen


async def _provider_id(session: AsyncSession, slug: str) -> int:
    provider_id = await session.scalar(
        select(id_column(Provider.id)).where(col(Provider.slug) == slug)
    )
    if provider_id is None:
        raise validation.invalid("provider", f"is not a known provider slug: {shown(slug)}")
    return provider_id


async def _season_id(session: AsyncSession, title_id: int, number: int | None) -> int | None:
    if number is None:
        return None
    found = await session.scalar(
        select(id_column(Season.id)).where(
            col(Season.title_id) == title_id, col(Season.number) == number
        )
    )
    if found is None:
        raise validation.invalid("season", f"is not a season of this title: {number}")
    return found


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="Needs an editor key; adds the offer or replaces its terms.")
    async def upsert_offer(self, info: Info, title_id: strawberry.ID, input: OfferInput) -> Offer:
        await check_write(info, ApiKeyRole.EDITOR)
        terms = _terms(input)
        region = parse_region(input.region, "region")
        async with title_write(info.context.sessions, title_id) as (session, pk):
            provider_id = await _provider_id(session, input.provider)
            identity = OfferIdentity(
                title_id=pk,
                provider_id=provider_id,
                region=region,
                monetization=input.monetization,
                season_id=await _season_id(session, pk, input.season),
                quality=input.quality,
            )
            row = await write_offer(session, identity, terms, datetime.now(UTC))
        # Offers decide `streamableIn` filters and `providers(region)`: lists too.
        await info.context.invalidate(title_tag(pk), LISTS)
        return Offer.from_row(row)

    @strawberry.mutation(
        description="Needs an editor key; false when there was no such offer. The offer is"
        " GONE from then on (its availability changes keep naming it)."
    )
    async def remove_offer(
        self,
        info: Info,
        title_id: strawberry.ID,
        provider: str,
        region: str,
        monetization: Monetization,
        season: int | None = None,
        quality: VideoQuality | None = None,
    ) -> bool:
        await check_write(info, ApiKeyRole.EDITOR)
        code = parse_region(region)
        async with title_write(info.context.sessions, title_id) as (session, pk):
            provider_id = await _provider_id(session, provider)
            identity = OfferIdentity(
                title_id=pk,
                provider_id=provider_id,
                region=code,
                monetization=monetization,
                season_id=await _season_id(session, pk, season),
                quality=quality,
            )
            removed = await remove_offer(session, identity, datetime.now(UTC))
        await info.context.invalidate(title_tag(pk), LISTS)
        return removed
