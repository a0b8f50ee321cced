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


@dataclass(frozen=True)
class State:
    """What availability changes compare: is the offer available, when will it come,
    when will it leave (a future end only)."""

    available: bool = False
    coming_from: datetime | None = None
    leaving_at: datetime | None = None


NOWHERE = State()


def state_at(
    start: datetime | None, end: datetime | None, removed: bool, moment: datetime
) -> State:
    if removed:
        return NOWHERE
    started = start is None or start <= moment
    return State(
        available=started and (end is None or end > moment),
        coming_from=None if started else start,
        leaving_at=end if end is not None and end > moment else None,
    )


def _state(offer: Offer | None, moment: datetime) -> State:
    if offer is None:
        return NOWHERE
    return state_at(
        offer.available_from, offer.available_until, offer.removed_at is not None, moment
    )


def availability_changes(
    before: State, after: State, now: datetime
) -> tuple[list[tuple[Kind, datetime]], frozenset[Kind]]:
    """The changes (kind, at) a write from `before` to `after` makes, and the kinds
    whose changes still ahead of `now` it takes back. A start or end in the future
    is recorded when it is set (NEW at the start, LEAVING and GONE at the end); a
    write that moves or drops it takes the old one back: it will not happen."""
    changes: list[tuple[Kind, datetime]] = []
    retracted: set[Kind] = set()
    if after.available and not before.available:
        changes.append((Kind.NEW, now))
    if before.available and not after.available:
        changes.append((Kind.GONE, now))
    elif before.coming_from and not after.available and after.coming_from is None:
        changes.append((Kind.GONE, now))  # announced, withdrawn before it came
    if after.coming_from != before.coming_from:
        retracted.add(Kind.NEW)
        if after.coming_from is not None:
            changes += [(Kind.COMING, now), (Kind.NEW, after.coming_from)]
    if after.leaving_at != before.leaving_at:
        retracted |= {Kind.LEAVING, Kind.GONE}
        if after.leaving_at is not None:
            changes += [(Kind.LEAVING, after.leaving_at), (Kind.GONE, after.leaving_at)]
    return changes, frozenset(retracted)


Price = tuple[Decimal, str]


def price_drop(last: Price | None, new: Price) -> Price | None:
    """The previous price when `new` is lower than it (in the same currency)."""
    if last is None or last[1] != new[1] or new[0] >= last[0]:
        return None
    return last


async def write_offer(
    session: AsyncSession, identity: OfferIdentity, terms: OfferTerms, now: datetime
) -> Offer:
    """Adds the offer or replaces its terms, as confirmed at `now`."""
    await _lock(session, identity, now)
    before = await _current(session, identity)
    state = _state(before, now)
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
        offer = Offer(**_identity_values(identity), **values)
        session.add(offer)
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
    state = _state(offer, now)
    offer.removed_at = now
    await session.flush()
    changes = await _availability(session, offer, state, now)
    if changes:
        await session.execute(insert(AvailabilityChange), changes)
    return True


@dataclass(frozen=True)
class NewOffer:
    """An offer that does not exist yet and the writes that make it, oldest first."""

    identity: OfferIdentity
    writes: Sequence[tuple[OfferTerms, datetime]]


async def write_new_offers(session: AsyncSession, offers: Sequence[NewOffer]) -> None:
    """What `write_offer` would record for each write of each offer, in a few bulk
    statements (the seeders load thousands)."""
    if not offers:
        return
    rows, replays = [], []
    for offer in offers:
        terms, moment = offer.writes[-1]
        rows.append(
            _identity_values(offer.identity)
            | {
                "url": terms.url,
                "price": terms.price,
                "currency": terms.currency,
                "available_from": terms.available_from,
                "available_until": terms.available_until,
                "last_checked_at": moment,
                "removed_at": None,
            }
        )
        replays.append(_replay(offer.writes))
    table = Offer.__table__  # type: ignore[attr-defined]
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = list((await session.execute(stmt, rows)).scalars())
    links, languages, prices, changes = [], [], [], []
    for offer_id, offer, row, (points, made) in zip(ids, offers, rows, replays, strict=True):
        terms = offer.writes[-1][0]
        links += _link_rows(offer_id, terms.url, terms.app_links or {})
        languages += _language_rows(offer_id, LanguageUse.AUDIO, terms.audio_languages or ())
        languages += _language_rows(offer_id, LanguageUse.SUBTITLE, terms.subtitle_languages or ())
        prices += [{"offer_id": offer_id, **point} for point in points]
        changes += [
            {"title_id": row["title_id"], "offer_id": offer_id, "region": row["region"], **change}
            for change in made
        ]
    written: list[tuple[Any, list[dict[str, Any]]]] = [
        (OfferLink, links),
        (OfferLanguage, languages),
        (OfferPrice, prices),
        (AvailabilityChange, changes),
    ]
    for model, values in written:
        if values:
            await session.execute(insert(model), values)


def _replay(
    writes: Sequence[tuple[OfferTerms, datetime]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The price points and changes of successive writes of one new offer."""
    points: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    previous: OfferTerms | None = None
    last: Price | None = None
    for terms, moment in writes:
        before = (
            NOWHERE
            if previous is None
            else state_at(previous.available_from, previous.available_until, False, moment)
        )
        after = state_at(terms.available_from, terms.available_until, False, moment)
        if terms.price is not None and terms.currency is not None:
            new = (terms.price, terms.currency)
            if new != last:
                points.append({"price": new[0], "currency": new[1], "since": moment})
                drop = price_drop(last, new)
                if drop is not None:
                    changes.append(_change_values(Kind.PRICE_DROP, moment, drop))
                last = new
        made, retract = availability_changes(before, after, moment)
        if retract:
            changes = [c for c in changes if not (c["kind"] is Kind.LEAVING and c["at"] > moment)]
        changes += [_change_values(kind, at) for kind, at in made]
        previous = terms
    return points, changes


def _identity_values(identity: OfferIdentity) -> dict[str, Any]:
    return {
        "title_id": identity.title_id,
        "provider_id": identity.provider_id,
        "region": identity.region,
        "monetization": identity.monetization,
        "season_id": identity.season_id,
        "quality": identity.quality,
    }


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


def _link_rows(offer_id: int, url: str, app_links: Mapping[Platform, str]) -> list[dict[str, Any]]:
    web = {"offer_id": offer_id, "platform": Platform.WEB, "url": url}
    return [web] + [
        {"offer_id": offer_id, "platform": platform, "url": link}
        for platform, link in app_links.items()
        if platform is not Platform.WEB
    ]


def _language_rows(
    offer_id: int, use: LanguageUse, languages: Sequence[str]
) -> list[dict[str, Any]]:
    return [
        {"offer_id": offer_id, "use": use, "language": language, "position": position}
        for position, language in enumerate(dict.fromkeys(languages))
    ]


async def _links(session: AsyncSession, offer_id: int, terms: OfferTerms) -> None:
    links = OfferLink.__table__  # type: ignore[attr-defined]
    replaced = delete(links).where(links.c.offer_id == offer_id)
    if terms.app_links is None:  # the app links stay; the WEB link follows `url`
        replaced = replaced.where(links.c.platform == Platform.WEB)
    await session.execute(replaced)
    rows = _link_rows(offer_id, terms.url, terms.app_links or {})
    await session.execute(insert(links), rows if terms.app_links is not None else rows[:1])


async def _languages(session: AsyncSession, offer_id: int, terms: OfferTerms) -> None:
    table = OfferLanguage.__table__  # type: ignore[attr-defined]
    for use, chosen in (
        (LanguageUse.AUDIO, terms.audio_languages),
        (LanguageUse.SUBTITLE, terms.subtitle_languages),
    ):
        if chosen is None:
            continue
        await session.execute(delete(table).where(table.c.offer_id == offer_id, table.c.use == use))
        rows = _language_rows(offer_id, use, chosen)
        if rows:
            await session.execute(insert(table), rows)


async def _price(session: AsyncSession, offer: Offer, now: datetime) -> list[dict[str, Any]]:
    """Appends a price point when the price changed; a lower price is a PRICE_DROP."""
    if offer.price is None or offer.currency is None:
        return []
    prices = OfferPrice.__table__  # type: ignore[attr-defined]
    found = (
        await session.execute(
            select(prices.c.price, prices.c.currency)
            .where(prices.c.offer_id == offer.id)
            .order_by(prices.c.since.desc(), prices.c.id.desc())
            .limit(1)
        )
    ).one_or_none()
    last = None if found is None else (found.price, found.currency)
    new = (offer.price, offer.currency)
    if new == last:
        return []
    await session.execute(
        insert(prices).values(offer_id=offer.id, price=new[0], currency=new[1], since=now)
    )
    drop = price_drop(last, new)
    return [] if drop is None else [_change(offer, Kind.PRICE_DROP, now, drop)]


async def _availability(
    session: AsyncSession, offer: Offer, before: State, now: datetime
) -> list[dict[str, Any]]:
    made, retracted = availability_changes(before, _state(offer, now), now)
    if retracted:
        log = AvailabilityChange.__table__  # type: ignore[attr-defined]
        await session.execute(
            delete(log).where(
                log.c.offer_id == offer.id,
                log.c.kind.in_(sorted(retracted, key=lambda kind: kind.value)),
                log.c.at > now,
            )
        )
    return [_change(offer, kind, at) for kind, at in made]


def _change_values(kind: Kind, at: datetime, previous: Price | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "at": at,
        "previous_price": None if previous is None else previous[0],
        "previous_currency": None if previous is None else previous[1],
    }


def _change(
    offer: Offer, kind: Kind, at: datetime, previous: Price | None = None
) -> dict[str, Any]:
    return {
        "title_id": offer.title_id,
        "offer_id": offer.id,
        "region": offer.region,
        **_change_values(kind, at, previous),
    }
