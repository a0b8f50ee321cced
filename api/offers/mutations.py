"""upsertOffer and removeOffer: where a title can be watched."""

from datetime import UTC, datetime
from decimal import Decimal

import strawberry
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import validation
from api.codes import PRICE_CURRENCIES, normalize_currency
from api.context import Info
from api.errors import shown
from api.offers.filters import parse_region
from api.offers.types import Offer
from api.response_cache import LISTS, title_tag
from api.writes import check_write, title_write, upsert_statement
from models import ApiKeyRole, Monetization, Provider, VideoQuality
from models import Offer as OfferRow

PAID = frozenset({Monetization.RENT, Monetization.BUY})
# Offer windows lie within the years 1900..2200 (UTC).
WINDOW = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))


@strawberry.input
class MoneyInput:
    amount: Decimal
    currency: str = strawberry.field(description="ISO 4217, e.g. USD")


@strawberry.input(description="An offer is identified by title, provider, region and monetization.")
class OfferInput:
    provider: str = strawberry.field(description="Provider slug")
    region: str
    monetization: Monetization
    url: str
    quality: VideoQuality | None = None
    price: MoneyInput | None = strawberry.field(
        default=None, description="Required for RENT and BUY; must be null otherwise."
    )
    available_from: datetime | None = None
    available_until: datetime | None = None


def _offer_values(offer: OfferInput) -> dict[str, object]:
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
    return {
        "region": parse_region(offer.region, "region"),
        "monetization": offer.monetization,
        "url": validation.https_url("url", offer.url),
        "quality": offer.quality,
        "price": None
        if offer.price is None
        else validation.price("price.amount", offer.price.amount),
        "currency": currency,
        "available_from": available_from,
        "available_until": available_until,
    }


async def _provider(session: AsyncSession, slug: str) -> Provider:
    provider = await session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None:
        raise validation.invalid("provider", f"is not a known provider slug: {shown(slug)}")
    return provider


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="Needs an editor key; adds the offer or replaces its terms.")
    async def upsert_offer(self, info: Info, title_id: strawberry.ID, input: OfferInput) -> Offer:
        await check_write(info, ApiKeyRole.EDITOR)
        values = _offer_values(input)
        async with title_write(info.context.sessions, title_id) as (session, pk):
            provider = await _provider(session, input.provider)
            identity = {"title_id": pk, "provider_id": provider.id}
            terms = {k: v for k, v in values.items() if k not in ("region", "monetization")}
            stmt = (
                upsert_statement(session, OfferRow)
                .values(**identity, **values)
                .on_conflict_do_update(
                    index_elements=["title_id", "provider_id", "region", "monetization"],
                    set_=terms,
                )
                .returning(OfferRow)
            )
            row = (await session.execute(stmt)).scalar_one()
        # Offers decide `streamableIn` filters and `providers(region)`: lists too.
        await info.context.invalidate(title_tag(pk), LISTS)
        return Offer.from_row(row, provider)

    @strawberry.mutation(description="Needs an editor key; false when there was no such offer.")
    async def remove_offer(
        self,
        info: Info,
        title_id: strawberry.ID,
        provider: str,
        region: str,
        monetization: Monetization,
    ) -> bool:
        await check_write(info, ApiKeyRole.EDITOR)
        code = parse_region(region)
        async with title_write(info.context.sessions, title_id) as (session, pk):
            provider_row = await _provider(session, provider)
            removed = await session.execute(
                delete(OfferRow).where(
                    OfferRow.title_id == pk,
                    OfferRow.provider_id == provider_row.id,
                    OfferRow.region == code,
                    OfferRow.monetization == monetization,
                )
            )
        await info.context.invalidate(title_tag(pk), LISTS)
        return bool(removed.rowcount)
