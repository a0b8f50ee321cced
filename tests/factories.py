"""Small factories that commit rows for one test (unique slugs, so tests never collide)."""

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Genre,
    Monetization,
    Offer,
    OfferLink,
    Platform,
    Provider,
    Review,
    Title,
    TitleGenre,
    TitleKind,
)
from models.reviews import refresh_critic_rating

_numbers = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}-test"


def hours_from_now(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


async def make_title(
    sessions: async_sessionmaker[AsyncSession], genres: Sequence[str] = (), **fields: Any
) -> Title:
    fields.setdefault("slug", unique("title"))
    fields.setdefault("name", fields["slug"].replace("-", " ").title())
    fields.setdefault("kind", TitleKind.MOVIE)
    async with sessions() as session, session.begin():
        title = Title(**fields)
        session.add(title)
        await session.flush()
        for slug in genres:
            genre_id = await session.scalar(select(Genre.id).where(Genre.slug == slug))
            session.add(TitleGenre(title_id=title.id, genre_id=genre_id))
    return title


async def provider_id(sessions: async_sessionmaker[AsyncSession], slug: str) -> int:
    async with sessions() as session:
        found = await session.scalar(select(Provider.id).where(Provider.slug == slug))
    assert found is not None, slug
    return found


async def make_offer(
    sessions: async_sessionmaker[AsyncSession],
    title: Title,
    provider: str = "netflix",
    region: str = "US",
    monetization: Monetization = Monetization.SUBSCRIPTION,
    **fields: Any,
) -> Offer:
    if monetization in (Monetization.RENT, Monetization.BUY):
        fields.setdefault("price", Decimal("3.99"))
        fields.setdefault("currency", "USD")
    offer = Offer(
        title_id=title.id,
        provider_id=await provider_id(sessions, provider),
        region=region,
        monetization=monetization,
        url=fields.pop("url", f"https://example.com/{title.slug}"),
        **fields,
    )
    async with sessions() as session, session.begin():
        session.add(offer)
        await session.flush()
        session.add(OfferLink(offer_id=offer.id, platform=Platform.WEB, url=offer.url))
    return offer


async def make_review(
    sessions: async_sessionmaker[AsyncSession], title: Title, **fields: Any
) -> Review:
    fields.setdefault("reviewer", "Test Critic")
    fields.setdefault("body", "A review.")
    review = Review(title_id=title.id, **fields)
    async with sessions() as session, session.begin():
        session.add(review)
        await session.flush()
        await session.execute(refresh_critic_rating(review.title_id))
    return review


async def rename_title(sessions: async_sessionmaker[AsyncSession], title: Title, name: str) -> None:
    """Behind the API's back: no cache hears of it."""
    async with sessions() as session, session.begin():
        await session.execute(update(Title).where(Title.id == title.id).values(name=name))
