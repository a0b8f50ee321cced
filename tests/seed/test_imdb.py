"""python -m seed import imdb: IMDb's datasets become titles, series, people and credits;
malformed lines are reported and skipped; a second import changes nothing."""

import gzip
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import (
    Credit,
    CreditRole,
    Episode,
    EpisodeCredit,
    EpisodeExternalId,
    Genre,
    Person,
    PersonExternalId,
    Season,
    SeriesStatus,
    Title,
    TitleExternalId,
    TitleGenre,
    TitleKind,
)
from models.db import create_sessionmaker
from seed.importers import imdb
from seed.importers.summary import ImportSummary
from tests.seed import imdb_files
from tests.seed.imdb_files import N, line_of, write_datasets
from tests.seed.tables import snapshot


async def _import(engine: AsyncEngine, directory: Path) -> ImportSummary:
    summary = ImportSummary(out=io.StringIO())
    return await imdb.import_directory(engine, directory, summary, progress=False)


async def _rows(engine: AsyncEngine, query: Any) -> list[Any]:
    async with create_sessionmaker(engine)() as session:
        return list((await session.execute(query)).all())


async def _title(engine: AsyncEngine, imdb_id: str) -> Title:
    async with create_sessionmaker(engine)() as session:
        return (
            await session.execute(
                select(Title)
                .join(TitleExternalId, TitleExternalId.title_id == Title.id)
                .where(TitleExternalId.value == imdb_id)
            )
        ).scalar_one()


async def test_titles_people_and_credits_are_imported(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(import_engine, write_datasets(tmp_path / "imdb"))
    shawshank = await _title(import_engine, "tt0111161")
    assert (shawshank.slug, shawshank.name, shawshank.kind, shawshank.year) == (
        "the-shawshank-redemption-tt0111161",
        "The Shawshank Redemption",
        TitleKind.MOVIE,
        1994,
    )
    assert (shawshank.runtime_minutes, shawshank.status, shawshank.original_name) == (
        142,
        None,
        "The Shawshank Redemption",
    )
    amelie = await _title(import_engine, "tt0000012")
    assert amelie.original_name == "Le Fabuleux Destin d'Amélie Poulain"
    credits = await _rows(
        import_engine,
        select(Person.name, Credit.role, Credit.character, Credit.position)
        .join(Person, Person.id == Credit.person_id)
        .where(Credit.title_id == shawshank.id)
        .order_by(Credit.position),
    )
    assert credits == [
        ("Tim Robbins", CreditRole.CAST, "Andy Dufresne", 1),
        ("Morgan Freeman", CreditRole.CAST, "Ellis Boyd 'Red' Redding", 2),
        ("Frank Darabont", CreditRole.DIRECTOR, None, 3),
        ("Morgan Freeman", CreditRole.PRODUCER, None, 6),
    ]
    people = await _rows(
        import_engine,
        select(PersonExternalId.value, Person.slug, Person.birth_year, Person.death_year)
        .join(Person, Person.id == PersonExternalId.person_id)
        .order_by(PersonExternalId.value),
    )
    assert people[:2] == [
        ("nm0000001", "fred-astaire-nm0000001", 1899, 1987),
        ("nm0000151", "morgan-freeman-nm0000151", 1937, None),
    ]
    assert ("nm9999991", "dwayne-the-rock-johnson-nm9999991", None, None) in people
    genres = await _rows(
        import_engine,
        select(Genre.slug)
        .join(TitleGenre, TitleGenre.genre_id == Genre.id)
        .where(TitleGenre.title_id == (await _title(import_engine, "tt0000014")).id)
        .order_by(Genre.slug),
    )
    assert genres == [("science-fiction",), ("talk-show",)]  # Game-Show has no genre here


async def test_series_get_their_seasons_episodes_and_guests(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    await _import(import_engine, write_datasets(tmp_path / "imdb"))
    series = await _title(import_engine, "tt0903747")
    assert (series.kind, series.year, series.end_year, series.status) == (
        TitleKind.SERIES,
        2008,
        2013,
        SeriesStatus.ENDED,
    )
    still_running = await _title(import_engine, "tt0000014")
    assert (still_running.kind, still_running.status) == (TitleKind.SERIES, None)
    episodes = await _rows(
        import_engine,
        select(EpisodeExternalId.value, Season.number, Episode.number, Episode.name)
        .join(Episode, Episode.id == EpisodeExternalId.episode_id)
        .join(Season, Season.id == Episode.season_id)
        .where(Episode.title_id == series.id)
        .order_by(Episode.number),
    )
    assert episodes == [
        ("tt0959621", 1, 1, "Pilot"),
        ("tt1054724", 1, 2, 'Cat\'s in the "Bag..."'),
    ]
    guests = await _rows(
        import_engine,
        select(Person.name, EpisodeCredit.role, EpisodeCredit.character)
        .join(Person, Person.id == EpisodeCredit.person_id)
        .order_by(EpisodeCredit.position),
    )
    assert guests == [
        ("Guest Star", CreditRole.CAST, 'Guest "Quoted" Star'),
        ('Dwayne "The Rock" Johnson', CreditRole.SELF, "Himself"),
    ]
    # Guest credits are the episode's, not the series'.
    assert await _rows(import_engine, select(Credit.id).where(Credit.title_id == series.id)) == []


async def test_malformed_lines_are_reported_with_file_and_line_and_skipped(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    directory = write_datasets(tmp_path / "imdb")
    summary = await _import(import_engine, directory)
    basics, names = directory / "title.basics.tsv", directory / "name.basics.tsv"
    principals = directory / "title.principals.tsv.gz"
    assert summary.problems == [
        f"{names}:{line_of('name.basics', 'nm12')}: nconst 'nm12' is not an IMDb id",
        f"{basics}:{line_of('title.basics', 'tt0000010')}: unknown title type 'hologram'",
        f"{basics}:{line_of('title.basics', 'tt0000011')}: 10 fields, the header has 9",
        f"{basics}:{line_of('title.basics', 'tt0000013')}: startYear '19x4' is not a year",
        f"{principals}:{line_of('title.principals', 'juggler', field=3)}:"
        " unknown category 'juggler'",
    ]
    assert summary.skipped == len(summary.problems)
    names_in = await _rows(import_engine, select(Title.name).order_by(Title.name))
    assert names_in == [
        ("Amélie",),
        ("Breaking Bad",),
        ("Still Running",),
        ("The Shawshank Redemption",),
    ]


async def test_importing_the_same_datasets_twice_changes_nothing(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    directory = write_datasets(tmp_path / "imdb")
    first = await _import(import_engine, directory)
    assert first.created > 0
    before = await snapshot(import_engine)
    second = await _import(import_engine, directory)
    assert (second.read, second.created, second.updated) == (first.read, 0, 0)
    assert await snapshot(import_engine) == before


async def test_a_changed_row_updates_only_that_title(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    directory = write_datasets(tmp_path / "imdb")
    await _import(import_engine, directory)
    before = await _title(import_engine, "tt0111161")
    basics = directory / "title.basics.tsv"
    basics.write_text(basics.read_text().replace("\t142\t", "\t143\t"))
    summary = await _import(import_engine, directory)
    after = await _title(import_engine, "tt0111161")
    assert (summary.created, summary.updated) == (0, 1)
    assert (after.id, after.runtime_minutes, after.version) == (before.id, 143, before.version + 1)
    assert after.updated_at > before.updated_at


def test_the_command_line_imports_and_prints_a_summary(tmp_path: Path) -> None:
    directory = write_datasets(tmp_path / "imdb", gzipped=frozenset(imdb_files.DATASETS))
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    command = [sys.executable, "-m", "seed", "import", "--database-url", url, "--no-progress"]
    done = subprocess.run(
        [*command, "imdb", str(directory)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().startswith("imdb: read ")
    assert "skipped 5" in done.stdout
    assert "title.basics.tsv.gz:" in done.stderr
    again = subprocess.run(
        [*command, "imdb", str(directory)], capture_output=True, text=True, check=True
    )
    assert ", created 0, updated 0," in again.stdout


async def test_a_batch_the_database_refuses_is_reported_and_the_rest_goes_on(
    import_engine: AsyncEngine, tmp_path: Path
) -> None:
    directory = write_datasets(tmp_path / "imdb")
    await _import(import_engine, directory)
    before = await snapshot(import_engine)
    # IMDb swaps two episodes' numbers: each would take the other's (season, number).
    episodes = directory / "title.episode.tsv"
    swapped = (
        episodes.read_text()
        .replace("tt0959621\ttt0903747\t1\t1", "tt0959621\ttt0903747\t1\t2")
        .replace("tt1054724\ttt0903747\t1\t2", "tt1054724\ttt0903747\t1\t1")
    )
    episodes.write_text(swapped)
    principals = directory / "title.principals.tsv.gz"
    rows = [*imdb_files.TITLE_PRINCIPALS, ("tt0111161", "7", "nm0000001", "actor", N, N)]
    principals.write_bytes(gzip.compress(imdb_files.tsv(rows)))
    summary = await _import(import_engine, directory)
    last = len(imdb_files.TITLE_EPISODE)
    refused = [problem for problem in summary.problems if "refused" in problem]
    assert len(refused) == 1
    assert refused[0].startswith(f"{episodes}:2-{last}: these lines were refused by the database:")
    after = await snapshot(import_engine)
    assert after["episodes"] == before["episodes"]
    assert len(after["credits"]) == len(before["credits"]) + 1  # title.principals went on


async def test_many_small_batches_merged_at_once_import_what_one_batch_does(
    import_engine: AsyncEngine, tmp_path: Path, monkeypatch: Any
) -> None:
    """On PostgreSQL batches are merged on two connections at once, and episodes'
    names staged on either are gathered for title.episode: a second import in one
    batch then finds nothing to create or update."""
    directory = write_datasets(tmp_path / "imdb")
    whole = ImportSummary(out=io.StringIO())
    monkeypatch.setattr(imdb, "BATCH_ROWS", 1)
    split = await _import(import_engine, directory)
    monkeypatch.undo()
    episodes = await _rows(import_engine, select(Episode.name).order_by(Episode.name))
    assert episodes == [('Cat\'s in the "Bag..."',), ("Pilot",)]
    again = await imdb.import_directory(import_engine, directory, whole, progress=False)
    assert (again.created, again.updated) == (0, 0)
    assert (split.read, split.problems) == (again.read, again.problems)
