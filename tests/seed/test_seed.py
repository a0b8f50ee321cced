"""Seed data: the curated catalogue's coverage, idempotent loading, the generator."""

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Credit, Offer, Review, Title
from models.db import create_engine, create_sessionmaker
from seed.load import curated_entries, load_entries
from seed.migrations import upgrade
from seed.reference import GENRES, PROVIDERS
from seed.synthetic import generate

ENTRIES = curated_entries()


def test_curated_catalogue_has_at_least_200_movies_and_series() -> None:
    kinds = Counter(entry["kind"] for entry in ENTRIES)
    assert len(ENTRIES) >= 200
    assert kinds["MOVIE"] >= 50 and kinds["SERIES"] >= 50
    assert len({entry["slug"] for entry in ENTRIES}) == len(ENTRIES)


def test_curated_catalogue_spans_genres_regions_and_every_monetization() -> None:
    offers = [offer for entry in ENTRIES for offer in entry.get("offers", [])]
    assert len({offer["region"] for offer in offers}) >= 5
    assert {offer["monetization"] for offer in offers} == {
        "SUBSCRIPTION",
        "FREE",
        "ADS",
        "RENT",
        "BUY",
    }
    assert len({offer["provider"] for offer in offers}) >= 8
    assert {offer["provider"] for offer in offers} <= set(PROVIDERS)
    genres = {genre for entry in ENTRIES for genre in entry["genres"]}
    assert len(genres) >= 15 and genres <= set(GENRES)


def test_curated_reviews_come_with_and_without_ratings_and_credits_cover_cast_and_crew() -> None:
    ratings = [review.get("rating") for entry in ENTRIES for review in entry.get("reviews", [])]
    assert None in ratings and any(rating is not None for rating in ratings)
    roles = {credit["role"] for entry in ENTRIES for credit in entry.get("credits", [])}
    assert {"DIRECTOR", "WRITER", "CAST", "COMPOSER"} <= roles


async def test_loading_the_catalogue_again_adds_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        before = await session.scalar(select(func.count()).select_from(Title))
        report = await load_entries(session, ENTRIES)
        after = await session.scalar(select(func.count()).select_from(Title))
    assert report.titles_added == 0
    assert report.titles_skipped == len(ENTRIES)
    assert before == after


def _synthetic_snapshot(database: Path, titles: int) -> list[tuple[object, ...]]:
    url = f"sqlite+aiosqlite:///{database}"
    upgrade(url)

    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            async with session.begin():
                await generate(session, titles, seed=7, batch_size=4)
            rows = (await session.execute(select(Title.slug, Title.year, Title.synopsis))).all()
            counts = [
                await session.scalar(select(func.count()).select_from(table))
                for table in (Credit, Review, Offer)
            ]
        await engine.dispose()
        return [tuple(row) for row in rows] + [tuple(counts)]

    return asyncio.run(run())


def test_synthetic_catalogue_is_deterministic_and_shaped_like_a_real_one(tmp_path: Path) -> None:
    first = _synthetic_snapshot(tmp_path / "a.db", titles=10)
    second = _synthetic_snapshot(tmp_path / "b.db", titles=10)
    assert first == second
    *titles, (credits, reviews, offers) = first
    assert len(titles) == 10
    assert (credits, reviews, offers) == (80, 30, 40)
    assert all(550 <= len(synopsis) <= 800 for _, _, synopsis in titles)


@pytest.mark.parametrize("argument", ["--help"])
def test_seed_command_documents_itself(argument: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seed", argument], capture_output=True, text=True, check=True
    )
    assert "--titles" in result.stdout and "--database-url" in result.stdout
