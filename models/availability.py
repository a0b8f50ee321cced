"""Writing offers: the one place that keeps their price history and records what
changed in the availability log, in the writer's transaction.

The API's mutations and the seeders both write offers through here, so a change
is recorded exactly when it is made: nothing lost, nothing invented.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.offers import (
    AvailabilityChange,
    AvailabilityChangeKind,
    Monetization,
    Offer,
    OfferLanguage,
    OfferLink,
    OfferPrice,
    Platform,
    VideoQuality,
)
from models.titles import LanguageUse

Kind = AvailabilityChangeKind


@dataclass(frozen=True)
class OfferIdentity:
    """What tells one offer from another (season None: the whole title)."""

    title_id: int
    provider_id: int
    region: str
    monetization: Monetization
    season_id: int | None = None
    quality: VideoQuality | None = None

    def matches(self) -> ColumnElement[bool]:
        offers = Offer.__table__.c  # type: ignore[attr-defined]
        return and_(
            offers.title_id == self.title_id,
            offers.provider_id == self.provider_id,
            offers.region == self.region,
            offers.monetization == self.monetization,
            offers.season_id.is_(None)
            if self.season_id is None
            else offers.season_id == self.season_id,
            offers.quality.is_(None) if self.quality is None else offers.quality == self.quality,
        )


@dataclass(frozen=True)
class OfferTerms:
    """An offer's terms as a write states them; languages and app links left None
    are kept as they are (a new offer has none)."""

    url: str
    price: Decimal | None = None
    currency: str | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    audio_languages: Sequence[str] | None = None
    subtitle_languages: Sequence[str] | None = None
    app_links: Mapping[Platform, str] | None = None


def available_at(offer: Offer, moment: datetime) -> bool:
    return (
        offer.removed_at is None
        and (offer.available_from is None or offer.available_from <= moment)
        and (offer.available_until is None or offer.available_until > moment)
    )


def coming_at(offer: Offer, moment: datetime) -> bool:
    return (
        offer.removed_at is None
        and offer.available_from is not None
        and offer.available_from > moment
    )


async def write_offer(
    session: AsyncSession, identity: OfferIdentity, terms: OfferTerms, now: datetime
) -> Offer:
    """Adds the offer or replaces its terms, as confirmed at `now`."""
    await _lock(session, identity, now)
    before = await _current(session, identity)
    state = before_state(before, now)
    values: dict[str, Any] = {
        "url": terms.url,
        "price": terms.price,
        "currency": terms.currency,
        "available_from": terms.available_from,
        "available_until": terms.available_until,
        "last_checked_at": now,
        "removed_at": None,
    }
    if before is None:
        offer = Offer(
            title_id=identity.title_id,
            provider_id=identity.provider_id,
            region=identity.region,
            monetization=identity.monetization,
            season_id=identity.season_id,
            quality=identity.quality,
            **values,
        )
        session.add(offer)
        await session.flush()
    else:
        offer = before
        for name, value in values.items():
            setattr(offer, name, value)
        await session.flush()
    assert offer.id is not None
    await _links(session, offer.id, terms)
    await _languages(session, offer.id, terms)
    changes = await _price(session, offer, now)
    changes += await _availability(session, offer, state, now)
    if changes:
        await session.execute(insert(AvailabilityChange), changes)
    return offer


async def remove_offer(session: AsyncSession, identity: OfferIdentity, now: datetime) -> bool:
    """Marks the offer removed (its row stays for the GONE change naming it); False
    when there is no such offer, or it was removed already."""
    await _lock(session, identity, now)
    offer = await _current(session, identity)
    if offer is None or offer.removed_at is not None:
        return False
    state = before_state(offer, now)
    offer.removed_at = now
    await session.flush()
    changes = await _availability(session, offer, state, now)
    if changes:
        await session.execute(insert(AvailabilityChange), changes)
    return True


@dataclass(frozen=True)
class _Before:
    available: bool
    coming_from: datetime | None
    until: datetime | None


def before_state(offer: Offer | None, now: datetime) -> _Before:
    if offer is None or offer.removed_at is not None:
        return _Before(False, None, None)
    coming = offer.available_from if coming_at(offer, now) else None
    return _Before(available_at(offer, now), coming, offer.available_until)


async def _lock(session: AsyncSession, identity: OfferIdentity, now: datetime) -> None:
    # A write first: on SQLite it takes the database's write lock, so the row read
    # next cannot change before this transaction writes (PostgreSQL callers hold the
    # title's row lock already). Confirming the offer is part of every write anyway.
    await session.execute(
        update(Offer)
        .where(identity.matches())
        .values(last_checked_at=now)
        .execution_options(synchronize_session=False)
    )


async def _current(session: AsyncSession, identity: OfferIdentity) -> Offer | None:
    stmt = (
        select(Offer)
        .where(identity.matches())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def _links(session: AsyncSession, offer_id: int, terms: OfferTerms) -> None:
    links = OfferLink.__table__  # type: ignore[attr-defined]
    if terms.app_links is None:
        await session.execute(
            delete(links).where(links.c.offer_id == offer_id, links.c.platform == Platform.WEB)
        )
        rows = [{"offer_id": offer_id, "platform": Platform.WEB, "url": terms.url}]
    else:
        await session.execute(delete(links).where(links.c.offer_id == offer_id))
        rows = [{"offer_id": offer_id, "platform": Platform.WEB, "url": terms.url}] + [
            {"offer_id": offer_id, "platform": platform, "url": url}
            for platform, url in terms.app_links.items()
            if platform is not Platform.WEB
        ]
    await session.execute(insert(links), rows)


async def _languages(session: AsyncSession, offer_id: int, terms: OfferTerms) -> None:
    table = OfferLanguage.__table__  # type: ignore[attr-defined]
    for use, chosen in (
        (LanguageUse.AUDIO, terms.audio_languages),
        (LanguageUse.SUBTITLE, terms.subtitle_languages),
    ):
        if chosen is None:
            continue
        await session.execute(delete(table).where(table.c.offer_id == offer_id, table.c.use == use))
        rows = [
            {"offer_id": offer_id, "use": use, "language": language, "position": position}
            for position, language in enumerate(dict.fromkeys(chosen))
        ]
        if rows:
            await session.execute(insert(table), rows)


async def _price(session: AsyncSession, offer: Offer, now: datetime) -> list[dict[str, Any]]:
    """Appends a price point when the price changed; a lower price is a PRICE_DROP."""
    if offer.price is None or offer.currency is None:
        return []
    prices = OfferPrice.__table__  # type: ignore[attr-defined]
    last = (
        await session.execute(
            select(prices.c.price, prices.c.currency)
            .where(prices.c.offer_id == offer.id)
            .order_by(prices.c.since.desc(), prices.c.id.desc())
            .limit(1)
        )
    ).one_or_none()
    if last is not None and (last.price, last.currency) == (offer.price, offer.currency):
        return []
    await session.execute(
        insert(prices).values(
            offer_id=offer.id, price=offer.price, currency=offer.currency, since=now
        )
    )
    if last is None or last.currency != offer.currency or offer.price >= last.price:
        return []
    change = _change(offer, Kind.PRICE_DROP, now)
    return [change | {"previous_price": last.price, "previous_currency": last.currency}]


async def _availability(
    session: AsyncSession, offer: Offer, before: _Before, now: datetime
) -> list[dict[str, Any]]:
    after = before_state(offer, now)
    changes: list[dict[str, Any]] = []
    if after.available and not before.available:
        changes.append(_change(offer, Kind.NEW, now))
    if before.available and not after.available:
        changes.append(_change(offer, Kind.GONE, now))
    elif before.coming_from and not after.available and after.coming_from is None:
        changes.append(_change(offer, Kind.GONE, now))  # announced, withdrawn before it came
    if after.coming_from is not None and after.coming_from != before.coming_from:
        changes.append(_change(offer, Kind.COMING, now))
    leaving = after.until if after.until is not None and after.until > now else None
    if leaving != (before.until if before.until is not None and before.until > now else None):
        # A departure announced for later that will no longer happen is taken back.
        log = AvailabilityChange.__table__  # type: ignore[attr-defined]
        await session.execute(
            delete(log).where(
                log.c.offer_id == offer.id, log.c.kind == Kind.LEAVING, log.c.at > now
            )
        )
        if leaving is not None and (after.available or after.coming_from is not None):
            changes.append(_change(offer, Kind.LEAVING, leaving))
    return changes


def _change(offer: Offer, kind: Kind, at: datetime) -> dict[str, Any]:
    return {
        "title_id": offer.title_id,
        "offer_id": offer.id,
        "region": offer.region,
        "kind": kind,
        "at": at,
        "previous_price": None,
        "previous_currency": None,
    }
