"""Seed data: the curated catalogue's coverage, idempotent loading, the generator."""

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models import Credit, Offer, Person, Review, Title, TitleGenre, TitleLanguage
from models.db import create_engine, create_sessionmaker
from models.migrations import upgrade
from seed.__main__ import load, parse_args
from seed.load import curated_entries, load_entries
from seed.reference import GENRES, PROVIDERS
from seed.synthetic import NOUNS, SEQUENCES, Method, generate, generate_in_parallel
from tests.databases import create_database, drop_database, per_run_url, postgres_test_url

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


# Rows a generator run adds, by table: those of titles (and people) from the first new id.
CHILDREN = (TitleGenre, TitleLanguage, Credit, Review, Offer)
TIMESTAMPS = {"created_at", "updated_at", "last_checked_at"}  # the time of the run


async def _first_ids(session: AsyncSession) -> tuple[int, int]:
    async def first(table: type[Title] | type[Person]) -> int:
        return int(await session.scalar(select(func.coalesce(func.max(table.id), 0))) or 0) + 1

    return await first(Title), await first(Person)


async def _added_rows(
    session: AsyncSession, first_title: int, first_person: int
) -> dict[str, list[tuple[object, ...]]]:
    """Every column but the timestamps of what a run added, in primary-key order."""
    rows = {}
    for model, first in [(Title, first_title), (Person, first_person)] + [
        (child, first_title) for child in CHILDREN
    ]:
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        key = table.c.id if model in (Title, Person) else table.c.title_id
        columns = [column for column in table.columns if column.name not in TIMESTAMPS]
        statement = select(*columns).where(key >= first).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(row) for row in await session.execute(statement)]
    return rows


async def _restore_sequences(session: AsyncSession) -> None:
    """setval is not transactional: put each sequence back after a rolled-back run."""
    if session.bind.dialect.name == "postgresql":
        for table in SEQUENCES:
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                )
            )


async def _generated_then_rolled_back(
    sessions: async_sessionmaker[AsyncSession], method: Method | None, titles: int = 12
) -> dict[str, list[tuple[object, ...]]]:
    async with sessions() as session:
        try:
            async with session.begin():
                first_title, first_person = await _first_ids(session)
                await generate(session, titles, seed=3, batch_size=5, method=method, progress=False)
                rows = await _added_rows(session, first_title, first_person)
                await session.rollback()
        finally:
            async with session.begin():
                await _restore_sequences(session)
    return rows


async def test_generated_titles_have_the_documented_shape_and_are_searchable(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """On either engine (COPY on PostgreSQL, INSERT on SQLite): per title 8 credits,
    3 reviews, 4 offers in 4 regions, 2 genres, 2 languages; and every title is found
    by the full-text search of its engine (generated tsvector, or FTS5 triggers)."""
    async with sessions() as session:
        try:
            async with session.begin():
                first_title, first_person = await _first_ids(session)
                report = await generate(session, 12, seed=3, batch_size=5, progress=False)
                rows = await _added_rows(session, first_title, first_person)
                found = {
                    title_id: await _search(session, name.rsplit(" ", 1)[1])
                    for title_id, _slug, name, *_ in rows["titles"]
                }
                await session.rollback()
        finally:
            async with session.begin():
                await _restore_sequences(session)
    engine = "postgresql" if session.bind.dialect.name == "postgresql" else "sqlite"
    assert report.method == {"postgresql": "copy", "sqlite": "insert"}[engine]
    assert (report.titles, report.people) == (12, 200)
    assert len(rows["titles"]) == 12 and len(rows["people"]) == 200
    per_title = {
        name: Counter(row[1] for row in rows[name])  # title_id is column 1 or 0
        for name in ("credits", "reviews", "offers")
    } | {
        name: Counter(row[0] for row in rows[name]) for name in ("title_genres", "title_languages")
    }
    expected = {"credits": 8, "reviews": 3, "offers": 4, "title_genres": 2, "title_languages": 2}
    for name, count in expected.items():
        assert set(per_title[name].values()) == {count}, name
        assert len(per_title[name]) == 12, name
    regions = Counter((row[1], row[3]) for row in rows["offers"])  # (title_id, region)
    assert set(regions.values()) == {1}
    assert all(len(row[9]) >= 550 for row in rows["titles"])  # synopsis
    assert all(title_id in ids for title_id, ids in found.items())


async def _search(session: AsyncSession, word: str) -> set[int]:
    """Title ids the engine's full-text index finds for `word` (one of NOUNS)."""
    assert word in NOUNS
    if session.bind.dialect.name == "postgresql":
        statement = text("SELECT id FROM titles WHERE search_vector @@ to_tsquery('english', :q)")
    else:
        statement = text("SELECT rowid FROM title_search WHERE title_search MATCH :q")
    return set(await session.scalars(statement, {"q": word.lower()}))


async def test_copy_insert_and_parallel_copy_write_the_same_rows(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """PostgreSQL: COPY (the default there), multi-row INSERT and COPY over several
    connections add exactly the same rows for the same seed."""
    if engine.dialect.name != "postgresql":
        with pytest.raises(ValueError, match="PostgreSQL"):
            async with sessions() as session, session.begin():
                await generate(session, 1, method="copy")
        with pytest.raises(ValueError, match="PostgreSQL"):
            await generate_in_parallel(engine, 1)
        return
    copied = await _generated_then_rolled_back(sessions, "copy")
    inserted = await _generated_then_rolled_back(sessions, "insert")
    async with sessions() as session, session.begin():
        first_title, first_person = await _first_ids(session)
    report = await generate_in_parallel(
        engine, 12, seed=3, batch_size=2, connections=3, progress=False
    )
    try:
        async with sessions() as session, session.begin():
            parallel = await _added_rows(session, first_title, first_person)
            next_title = await session.scalar(text("SELECT nextval('titles_id_seq')"))
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(Title).where(Title.id >= first_title))  # cascades
            await session.execute(delete(Person).where(Person.id >= first_person))
            await _restore_sequences(session)
    assert report.method == "copy over 3 connections"
    assert len(copied["titles"]) == 12 and len(copied["credits"]) == 96
    assert copied == inserted
    assert copied == parallel
    assert next_title == first_title + 12  # the sequence was moved past the explicit ids


@pytest.mark.parametrize("argument", ["--help"])
def test_seed_command_documents_itself(argument: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seed", argument], capture_output=True, text=True, check=True
    )
    assert "--titles" in result.stdout and "--database-url" in result.stdout
    assert "--connections" in result.stdout


async def test_a_synthetic_load_leaves_the_planner_statistics_of_what_it_added(
    tmp_path: Path,
) -> None:
    postgres = postgres_test_url()
    if postgres is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    else:
        url = per_run_url(postgres, "stats")
        await create_database(url)
    try:
        await asyncio.to_thread(upgrade, url)
        await load(parse_args(["--titles", "5", "--connections", "1"]), url)
        engine = create_engine(url)
        async with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                estimated = "SELECT reltuples FROM pg_class WHERE relname = 'titles'"
            else:
                estimated = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'titles'"
            assert (await connection.scalar(text(estimated))) > 0
        await engine.dispose()
    finally:
        if postgres is not None:
            await drop_database(url)
