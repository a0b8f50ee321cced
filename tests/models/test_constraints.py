"""The database itself refuses bad rows, whatever code writes them."""

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Credit,
    Genre,
    Offer,
    OfferLink,
    OfferPrice,
    Person,
    Review,
    Season,
    Title,
    TitleGenre,
)
from tests.factories import (
    hours_from_now,
    make_offer,
    make_review,
    make_title,
    provider_id,
    unique,
)

# asyncpg reports an over-long VARCHAR as a plain DBAPIError, not an IntegrityError.
REFUSED = (IntegrityError, DBAPIError)


async def _insert(sessions: async_sessionmaker[AsyncSession], table: Any, **row: Any) -> None:
    async with sessions() as session, session.begin():
        await session.execute(insert(table).values(**row))


async def _offer_row(sessions: async_sessionmaker[AsyncSession], **changes: Any) -> dict[str, Any]:
    title = await make_title(sessions)
    row = {
        "title_id": title.id,
        "provider_id": await provider_id(sessions, "apple-tv"),
        "region": "US",
        "monetization": "RENT",
        "price": Decimal("3.99"),
        "currency": "USD",
        "url": "https://tv.example.com/x",
    }
    return row | changes


@pytest.mark.parametrize("rating", [-0.5, 5.5, 4.3, 2.25])
async def test_review_rating_must_be_half_stars_between_0_and_5(
    sessions: async_sessionmaker[AsyncSession], rating: float
) -> None:
    title = await make_title(sessions)
    with pytest.raises(REFUSED):
        await _insert(sessions, Review, title_id=title.id, reviewer="X", body="B", rating=rating)


@pytest.mark.parametrize("rating", [0.0, 0.5, 3.5, 5.0, None])
async def test_valid_ratings_are_accepted(
    sessions: async_sessionmaker[AsyncSession], rating: float | None
) -> None:
    title = await make_title(sessions)
    await make_review(sessions, title, rating=rating)


@pytest.mark.parametrize(
    "changes",
    [
        {"region": "us"},
        {"region": "USA"},
        {"currency": "usd"},
        {"currency": "US"},
        {"price": Decimal("-1.00")},
        {"price": None, "currency": None},  # a rental without a price
        {"monetization": "SUBSCRIPTION"},  # a subscription with a price
        {"currency": None},  # a price without its currency
        {"url": "http://insecure.example.com"},
        {"monetization": "LEASE"},
        {"quality": "8K"},
    ],
)
async def test_offer_rows_that_break_a_rule_are_refused(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, Any]
) -> None:
    row = await _offer_row(sessions, **changes)
    with pytest.raises(REFUSED):
        await _insert(sessions, Offer, **row)


async def test_offer_window_must_end_after_it_starts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    row = await _offer_row(
        sessions, available_from=hours_from_now(2), available_until=hours_from_now(1)
    )
    with pytest.raises(REFUSED):
        await _insert(sessions, Offer, **row)


async def test_one_offer_per_title_season_provider_region_monetization_and_quality(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    row = await _offer_row(sessions)
    await _insert(sessions, Offer, **row)
    with pytest.raises(REFUSED):  # a NULL season or quality is a value of its own here
        await _insert(sessions, Offer, **row)
    async with sessions() as session, session.begin():
        season = Season(title_id=row["title_id"], number=1)
        session.add(season)
    for other in ({"quality": "HD"}, {"quality": "UHD"}, {"season_id": season.id}):
        await _insert(sessions, Offer, **(row | other))
    with pytest.raises(REFUSED):
        await _insert(sessions, Offer, **(row | {"quality": "HD"}))


@pytest.mark.parametrize(
    ("platform", "url", "accepted"),
    [
        ("WEB", "https://www.netflix.com/title/1", True),
        ("WEB", "nflx://www.netflix.com/title/1", False),
        ("WEB", "http://www.netflix.com/title/1", False),
        ("IOS", "nflx://www.netflix.com/title/1", True),
        ("ROKU", "https://www.netflix.com/title/1", True),
        ("ANDROID", "www.netflix.com/title/1", False),
        ("IOS", "javascript://alert(1)", False),
    ],
)
async def test_the_web_link_is_https_and_app_links_have_a_scheme(
    sessions: async_sessionmaker[AsyncSession], platform: str, url: str, accepted: bool
) -> None:
    offer = await make_offer(sessions, await make_title(sessions))
    async with sessions() as session, session.begin():
        await session.execute(delete(OfferLink).where(OfferLink.offer_id == offer.id))
    row = {"offer_id": offer.id, "platform": platform, "url": url}
    if accepted:
        await _insert(sessions, OfferLink, **row)
    else:
        with pytest.raises(REFUSED):
            await _insert(sessions, OfferLink, **row)


async def test_a_price_point_has_a_price_and_a_currency(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer = await make_offer(sessions, await make_title(sessions))
    point = {"offer_id": offer.id, "price": Decimal("1.00"), "since": hours_from_now(0)}
    for bad in ({"currency": "usd"}, {"currency": "USD", "price": Decimal("-1")}):
        with pytest.raises(REFUSED):
            await _insert(sessions, OfferPrice, **(point | bad))
    await _insert(sessions, OfferPrice, **point, currency="USD")


async def test_slugs_are_unique(sessions: async_sessionmaker[AsyncSession]) -> None:
    title = await make_title(sessions)
    with pytest.raises(REFUSED):
        await make_title(sessions, slug=title.slug)
    with pytest.raises(REFUSED):
        await _insert(sessions, Genre, slug="drama", name="Drama again")


@pytest.mark.parametrize("changes", [{"year": 1500}, {"runtime_minutes": 0}, {"name": ""}])
async def test_title_rows_that_break_a_rule_are_refused(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, Any]
) -> None:
    row = {"slug": unique("bad"), "name": "Bad", "kind": "MOVIE", "version": 1}
    now = hours_from_now(0)
    with pytest.raises(REFUSED):
        await _insert(sessions, Title, created_at=now, updated_at=now, **(row | changes))


async def test_deleting_a_title_deletes_what_belongs_to_it_but_not_people(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title = await make_title(sessions, genres=["drama"])
    await make_review(sessions, title)
    await make_offer(sessions, title)
    person_slug = unique("person")
    async with sessions() as session, session.begin():
        person = Person(slug=person_slug, name="Someone")
        session.add(person)
        await session.flush()
        session.add(Credit(title_id=title.id, person_id=person.id, role="CAST", position=0))
    async with sessions() as session, session.begin():
        await session.execute(delete(Title).where(Title.id == title.id))
    async with sessions() as session:
        for table in (Review, Offer, Credit, TitleGenre):
            assert await session.scalar(select(table).where(table.title_id == title.id)) is None
        assert await session.scalar(select(Person).where(Person.slug == person_slug)) is not None


async def test_a_person_with_credits_cannot_be_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title = await make_title(sessions)
    async with sessions() as session, session.begin():
        person = Person(slug=unique("person"), name="Someone")
        session.add(person)
        await session.flush()
        session.add(Credit(title_id=title.id, person_id=person.id, role="DIRECTOR", position=0))
    with pytest.raises(REFUSED):
        async with sessions() as session, session.begin():
            await session.execute(delete(Person).where(Person.id == person.id))
