"""Import IMDb's TSV datasets (name.basics, title.basics, title.episode, title.akas,
title.principals; `.tsv` or `.tsv.gz`) from a directory.

Each file is streamed line by line (no quoting: quotes are literal, `\\N` is null;
a line with the wrong number of fields, a tab in a text, is malformed) into a
temporary staging table in batches, and each batch is merged with a few set-based
statements that insert what is new and update only what changed, matching rows
by IMDb id (tt.../nm...): a second import changes nothing. Rows already there are
passed over by the unique constraints (`ON CONFLICT DO NOTHING`, on both engines),
not by anti-joins, which PostgreSQL plans for the size a table had before the
batch grew it (53 s instead of 0.5 s for 18,000 episodes' ids). On PostgreSQL a
batch is staged with one binary COPY. A batch ends only where the title (or person)
changes, and is committed whole, so a title is never left half imported.

Lines are read and parsed in a worker thread while the database merges the batches
before, and on PostgreSQL the datasets whose batches touch disjoint rows (all but
title.episode, whose merges read the episodes' names title.basics kept) are merged
on two connections at once: the database does most of an import's work, and the
machine has more than one core.

title.ratings is not read: the schema has no audience ratings.
"""

import asyncio
import contextlib
import gzip
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm import tqdm

from models.columns import utc_now
from models.db import create_sessionmaker
from models.slugs import slugify
from seed.importers.summary import ImportSummary, MalformedRow
from seed.load import ensure_reference_rows
from seed.reference import GENRES

NULL = "\\N"
BATCH_ROWS = 20_000
MOVIE_TYPES = {"movie", "tvMovie"}
SERIES_TYPES = {"tvSeries", "tvMiniSeries"}
# IMDb's other title types: read and left out without a report.
OTHER_TYPES = {"short", "video", "videoGame", "tvShort", "tvSpecial", "tvPilot"}
ROLES = {
    "actor": "CAST",
    "actress": "CAST",
    "self": "SELF",
    "director": "DIRECTOR",
    "writer": "WRITER",
    "producer": "PRODUCER",
    "composer": "COMPOSER",
    "cinematographer": "CINEMATOGRAPHER",
    "editor": "EDITOR",
}
OTHER_ROLES = {"archive_footage", "archive_sound", "production_designer", "casting_director"}
GENRE_SLUGS = {"Sci-Fi": "science-fiction", "Talk-Show": "talk-show"}
TITLE_ID = re.compile(r"tt[0-9]{7,}")
PERSON_ID = re.compile(r"nm[0-9]{7,}")


@dataclass
class Dataset:
    """One file: its staging table, how a line becomes staged rows, and the merge."""

    name: str
    columns: tuple[str, ...]
    stage: dict[str, tuple[str, ...]]
    parse: Callable[[dict[str, str]], dict[str, list[tuple[Any, ...]]]]
    merge: tuple[tuple[str, str], ...]  # (what it counts: created/updated/none, SQL)
    group: str  # the column whose value a batch never splits
    tables: tuple[str, ...]  # the tables the merges read and write
    # Whether batches may be merged at once on several connections: true when two
    # batches never touch the same rows and the merges read only their own staging.
    parallel: bool = False
    # What the merges keep for a later dataset: (connection-local) staging tables
    # gathered onto the first connection once the file is merged, each through
    # an empty staging table of the same columns and the merge that fills it.
    kept: tuple[tuple[str, str, str], ...] = ()  # (kept table, staged through, merge)


def _field(row: dict[str, str], name: str) -> str | None:
    value = row[name]
    return None if value == NULL else value


def _year(row: dict[str, str], name: str, low: int = 1870) -> int | None:
    value = _field(row, name)
    if value is None:
        return None
    if not value.isdigit() or not low <= int(value) <= 2100:
        raise MalformedRow(f"{name} {value!r} is not a year")
    return int(value)


def _id(row: dict[str, str], name: str, shape: re.Pattern[str]) -> str:
    value = row[name]
    if not shape.fullmatch(value):
        raise MalformedRow(f"{name} {value!r} is not an IMDb id")
    return value


def _text(row: dict[str, str], name: str, length: int) -> str:
    value = (_field(row, name) or "").strip()
    if not value:
        raise MalformedRow(f"{name} is empty")
    return value[:length]


def _number(row: dict[str, str], name: str) -> int | None:
    value = _field(row, name)
    if value is None:
        return None
    if not value.isdigit():
        raise MalformedRow(f"{name} {value!r} is not a number")
    return int(value)


def _people(row: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    nconst = _id(row, "nconst", PERSON_ID)
    name = _text(row, "primaryName", 200)
    slug = f"{slugify(name)[:100]}-{nconst}".lstrip("-")
    birth, death = _year(row, "birthYear", 1), _year(row, "deathYear", 1)
    return {"imdb_people": [(nconst, slug, name, birth, death)]}


def _titles(row: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    tconst = _id(row, "tconst", TITLE_ID)
    kind = row["titleType"]
    if kind not in MOVIE_TYPES | SERIES_TYPES | OTHER_TYPES | {"tvEpisode"}:
        raise MalformedRow(f"unknown title type {kind!r}")
    if kind in OTHER_TYPES or row["isAdult"] == "1":
        return {}
    name = _text(row, "primaryTitle", 300)
    year, end_year = _year(row, "startYear"), _year(row, "endYear")
    runtime = _number(row, "runtimeMinutes") or None
    if kind == "tvEpisode":
        return {"imdb_episode_names": [(tconst, name, runtime)]}
    series = kind in SERIES_TYPES
    status = "ENDED" if series and end_year else None
    original = (_field(row, "originalTitle") or "").strip()[:300] or None
    slug = f"{slugify(name)[:100]}-{tconst}".lstrip("-")
    genres = [
        (tconst, GENRE_SLUGS.get(genre, slugify(genre)))
        for genre in (_field(row, "genres") or "").split(",")
        if GENRE_SLUGS.get(genre, slugify(genre)) in GENRES
    ]
    row_out = (tconst, slug, name, original, "SERIES" if series else "MOVIE", year, end_year)
    return {
        "imdb_titles": [(*row_out, runtime, status)],
        "imdb_title_genres": genres,
    }


def _episodes(row: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    tconst, parent = _id(row, "tconst", TITLE_ID), _id(row, "parentTconst", TITLE_ID)
    season, number = _number(row, "seasonNumber"), _number(row, "episodeNumber")
    if season is None or number is None:
        return {}  # IMDb leaves some episodes unplaced: there is no season to put them in
    return {"imdb_episodes": [(tconst, parent, season, number)]}


def _akas(row: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    tconst = _id(row, "titleId", TITLE_ID)
    if row["isOriginalTitle"] != "1":
        return {}
    return {"imdb_original_names": [(tconst, _text(row, "title", 300))]}


def _principals(row: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    tconst, nconst = _id(row, "tconst", TITLE_ID), _id(row, "nconst", PERSON_ID)
    category = row["category"]
    if category in OTHER_ROLES:
        return {}
    role = ROLES.get(category)
    if role is None:
        raise MalformedRow(f"unknown category {category!r}")
    ordering = _number(row, "ordering")
    if ordering is None:
        raise MalformedRow("ordering is empty")
    return {"imdb_credits": [(tconst, ordering, nconst, role, _character(row))]}


def _character(row: dict[str, str]) -> str | None:
    """IMDb writes a JSON list (`["Andy Dufresne"]`), not always with its inner quotes
    escaped; anything else is taken as it is."""
    value = _field(row, "characters")
    if value is None:
        return None
    try:
        names = json.loads(value)
    except ValueError:
        inner = value[2:-2] if value.startswith('["') and value.endswith('"]') else None
        names = inner.split('","') if inner is not None else [value]
    if not isinstance(names, list):
        names = [value]
    joined = " / ".join(str(name) for name in names if name)
    return joined[:200] or None


IMDB = "source = 'IMDB'"
TITLE_OF = f"title_external_ids AS tx ON tx.{IMDB} AND tx.value"
EPISODE_OF = f"episode_external_ids AS ex ON ex.{IMDB} AND ex.value"
PERSON_OF = f"person_external_ids AS px ON px.{IMDB} AND px.value"

KEEP_EPISODE_NAMES = """INSERT INTO imdb_episode_basics (tconst, name, runtime_minutes)
    SELECT s.tconst, s.name, s.runtime_minutes FROM imdb_episode_names AS s
    WHERE true ON CONFLICT DO NOTHING"""

DATASETS = (
    Dataset(
        "name.basics",
        ("nconst", "primaryName", "birthYear", "deathYear"),
        {"imdb_people": ("nconst", "slug", "name", "birth_year", "death_year")},
        _people,
        (
            (
                "updated",
                f"""UPDATE people SET name = s.name, birth_year = s.birth_year,
                    death_year = s.death_year
                FROM imdb_people AS s JOIN {PERSON_OF} = s.nconst
                WHERE people.id = px.person_id AND (people.name <> s.name
                    OR people.birth_year IS DISTINCT FROM s.birth_year
                    OR people.death_year IS DISTINCT FROM s.death_year)""",
            ),
            (
                "created",
                f"""INSERT INTO people (slug, name, birth_year, death_year)
                SELECT s.slug, s.name, s.birth_year, s.death_year FROM imdb_people AS s
                WHERE NOT EXISTS (SELECT 1 FROM person_external_ids AS px
                                  WHERE px.{IMDB} AND px.value = s.nconst)
                ON CONFLICT DO NOTHING""",
            ),
            (
                "none",
                """INSERT INTO person_external_ids (source, value, person_id)
                SELECT 'IMDB', s.nconst, people.id
                FROM imdb_people AS s JOIN people ON people.slug = s.slug
                WHERE true ON CONFLICT DO NOTHING""",
            ),
        ),
        "nconst",
        ("people", "person_external_ids"),
        parallel=True,
    ),
    Dataset(
        "title.basics",
        (
            "tconst",
            "titleType",
            "primaryTitle",
            "originalTitle",
            "isAdult",
            "startYear",
            "endYear",
            "runtimeMinutes",
            "genres",
        ),
        {
            "imdb_titles": (
                "tconst",
                "slug",
                "name",
                "original_name",
                "kind",
                "year",
                "end_year",
                "runtime_minutes",
                "status",
            ),
            "imdb_title_genres": ("tconst", "genre"),
            "imdb_episode_names": ("tconst", "name", "runtime_minutes"),
        },
        _titles,
        (
            (
                "updated",
                f"""UPDATE titles SET name = s.name, original_name = s.original_name,
                    kind = s.kind, year = s.year, end_year = s.end_year,
                    runtime_minutes = s.runtime_minutes, status = s.status,
                    version = titles.version + 1, updated_at = :now
                FROM imdb_titles AS s JOIN {TITLE_OF} = s.tconst
                WHERE titles.id = tx.title_id AND (titles.name <> s.name
                    OR titles.original_name IS DISTINCT FROM s.original_name
                    OR titles.kind <> s.kind
                    OR titles.year IS DISTINCT FROM s.year
                    OR titles.end_year IS DISTINCT FROM s.end_year
                    OR titles.runtime_minutes IS DISTINCT FROM s.runtime_minutes
                    OR titles.status IS DISTINCT FROM s.status)""",
            ),
            (
                "created",
                f"""INSERT INTO titles (slug, name, original_name, kind, year, end_year,
                    runtime_minutes, status, version, created_at, updated_at)
                SELECT s.slug, s.name, s.original_name, s.kind, s.year, s.end_year,
                    s.runtime_minutes, s.status, 1, :now, :now
                FROM imdb_titles AS s
                WHERE NOT EXISTS (SELECT 1 FROM title_external_ids AS tx
                                  WHERE tx.{IMDB} AND tx.value = s.tconst)
                ON CONFLICT DO NOTHING""",
            ),
            (
                "none",
                """INSERT INTO title_external_ids (source, value, title_id)
                SELECT 'IMDB', s.tconst, titles.id
                FROM imdb_titles AS s JOIN titles ON titles.slug = s.slug
                WHERE true ON CONFLICT DO NOTHING""",
            ),
            (
                "created",
                f"""INSERT INTO title_genres (title_id, genre_id)
                SELECT DISTINCT tx.title_id, genres.id
                FROM imdb_title_genres AS s JOIN {TITLE_OF} = s.tconst
                    JOIN genres ON genres.slug = s.genre
                WHERE true ON CONFLICT DO NOTHING""",
            ),
            # Episodes' names wait here for title.episode, which places them.
            ("none", KEEP_EPISODE_NAMES),
        ),
        "tconst",
        ("titles", "title_external_ids", "title_genres"),
        parallel=True,
        kept=(("imdb_episode_basics", "imdb_episode_names", KEEP_EPISODE_NAMES),),
    ),
    Dataset(
        "title.episode",
        ("tconst", "parentTconst", "seasonNumber", "episodeNumber"),
        {"imdb_episodes": ("tconst", "parent", "season", "number")},
        _episodes,
        (
            (
                "created",
                f"""INSERT INTO seasons (title_id, number)
                SELECT DISTINCT tx.title_id, s.season
                FROM imdb_episodes AS s JOIN {TITLE_OF} = s.parent
                WHERE true ON CONFLICT DO NOTHING""",
            ),
            (
                "updated",
                f"""UPDATE episodes SET season_id = se.id, number = s.number,
                    name = coalesce(b.name, 'Episode ' || s.number),
                    runtime_minutes = b.runtime_minutes
                FROM imdb_episodes AS s JOIN {EPISODE_OF} = s.tconst
                    JOIN {TITLE_OF} = s.parent
                    JOIN seasons AS se ON se.title_id = tx.title_id AND se.number = s.season
                    LEFT JOIN imdb_episode_basics AS b ON b.tconst = s.tconst
                WHERE episodes.id = ex.episode_id AND (episodes.season_id <> se.id
                    OR episodes.number <> s.number
                    OR episodes.name <> coalesce(b.name, 'Episode ' || s.number)
                    OR episodes.runtime_minutes IS DISTINCT FROM b.runtime_minutes)""",
            ),
            (
                "created",
                f"""INSERT INTO episodes (title_id, season_id, number, name, runtime_minutes)
                SELECT tx.title_id, se.id, s.number, coalesce(b.name, 'Episode ' || s.number),
                    b.runtime_minutes
                FROM imdb_episodes AS s JOIN {TITLE_OF} = s.parent
                    JOIN seasons AS se ON se.title_id = tx.title_id AND se.number = s.season
                    LEFT JOIN imdb_episode_basics AS b ON b.tconst = s.tconst
                WHERE NOT EXISTS (SELECT 1 FROM episode_external_ids AS ex
                                  WHERE ex.{IMDB} AND ex.value = s.tconst)
                  AND NOT EXISTS (SELECT 1 FROM imdb_episodes AS d
                                  WHERE d.parent = s.parent AND d.season = s.season
                                    AND d.number = s.number AND d.tconst < s.tconst)
                ON CONFLICT DO NOTHING""",
            ),
            (
                "none",
                f"""INSERT INTO episode_external_ids (source, value, episode_id)
                SELECT 'IMDB', s.tconst, e.id
                FROM imdb_episodes AS s JOIN {TITLE_OF} = s.parent
                    JOIN seasons AS se ON se.title_id = tx.title_id AND se.number = s.season
                    JOIN episodes AS e ON e.season_id = se.id AND e.number = s.number
                WHERE true ON CONFLICT DO NOTHING""",
            ),
        ),
        "parent",
        ("title_external_ids", "seasons", "episodes", "episode_external_ids"),
    ),
    Dataset(
        "title.akas",
        ("titleId", "title", "isOriginalTitle"),
        {"imdb_original_names": ("tconst", "name")},
        _akas,
        (
            (
                "updated",
                f"""UPDATE titles SET original_name = s.name, version = titles.version + 1,
                    updated_at = :now
                FROM imdb_original_names AS s JOIN {TITLE_OF} = s.tconst
                WHERE titles.id = tx.title_id AND titles.original_name IS NULL""",
            ),
        ),
        "tconst",
        ("titles", "title_external_ids"),
        parallel=True,
    ),
    Dataset(
        "title.principals",
        ("tconst", "ordering", "nconst", "category", "characters"),
        {"imdb_credits": ("tconst", "position", "nconst", "role", "character")},
        _principals,
        tuple(
            step
            for table, owner, of in (
                ("credits", "title_id", f"title_external_ids AS o ON o.{IMDB} AND o.value"),
                (
                    "episode_credits",
                    "episode_id",
                    f"episode_external_ids AS o ON o.{IMDB} AND o.value",
                ),
            )
            for step in (
                (
                    "updated",
                    f"""UPDATE {table} SET person_id = px.person_id, role = s.role,
                        character = s.character
                    FROM imdb_credits AS s JOIN {of} = s.tconst JOIN {PERSON_OF} = s.nconst
                    WHERE {table}.{owner} = o.{owner} AND {table}.position = s.position
                      AND ({table}.person_id <> px.person_id OR {table}.role <> s.role
                           OR {table}.character IS DISTINCT FROM s.character)""",
                ),
                (
                    "created",
                    f"""INSERT INTO {table} ({owner}, person_id, role, character, position)
                    SELECT o.{owner}, px.person_id, s.role, s.character, s.position
                    FROM imdb_credits AS s JOIN {of} = s.tconst JOIN {PERSON_OF} = s.nconst
                    WHERE true ON CONFLICT DO NOTHING""",
                ),
            )
        ),
        "tconst",
        (
            "credits",
            "episode_credits",
            "title_external_ids",
            "episode_external_ids",
            "person_external_ids",
        ),
        parallel=True,
    ),
)

# Staging tables' column types (every dataset's columns, by name).
TYPES = {
    "birth_year": "INTEGER",
    "death_year": "INTEGER",
    "year": "INTEGER",
    "end_year": "INTEGER",
    "runtime_minutes": "INTEGER",
    "season": "INTEGER",
    "number": "INTEGER",
    "position": "INTEGER",
}


# Connections merging batches at once on PostgreSQL (SQLite has one writer).
LANES = 2


async def import_directory(
    engine: AsyncEngine, directory: Path, summary: ImportSummary, progress: bool = True
) -> ImportSummary:
    async with create_sessionmaker(engine)() as session, session.begin():
        await ensure_reference_rows(session)
    lanes = LANES if engine.dialect.name == "postgresql" else 1
    async with contextlib.AsyncExitStack() as stack:
        connections = [await stack.enter_async_context(engine.connect()) for _ in range(lanes)]
        for connection in connections:
            await _create_staging(connection)
        for dataset in DATASETS:
            path = _find(directory, dataset.name)
            if path is not None:
                await _import_file(connections, dataset, path, summary, progress)
    return summary


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / f"{name}.tsv.gz", directory / f"{name}.tsv"):
        if candidate.exists():
            return candidate
    return None


STAGING = {table: columns for dataset in DATASETS for table, columns in dataset.stage.items()}
STAGING["imdb_episode_basics"] = ("tconst", "name", "runtime_minutes")


async def _create_staging(connection: AsyncConnection) -> None:
    async with connection.begin():
        for table, columns in STAGING.items():
            definition = ", ".join(f"{column} {TYPES.get(column, 'TEXT')}" for column in columns)
            await connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
            await connection.execute(text(f"CREATE TEMPORARY TABLE {table} ({definition})"))
        await connection.execute(
            text("CREATE UNIQUE INDEX imdb_episode_basics_tconst ON imdb_episode_basics (tconst)")
        )
        await connection.execute(
            text("CREATE INDEX imdb_episodes_place ON imdb_episodes (parent, season, number)")
        )


# How many leading columns of a staging table identify a row: a later line with
# the same key (a duplicate) replaces the earlier one.
KEY_COLUMNS = {"imdb_title_genres": 2, "imdb_credits": 2}


@dataclass
class _Batch:
    first_line: int
    last_line: int = 0
    rows: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=dict)
    size: int = 0

    def add(self, staged: dict[str, list[tuple[Any, ...]]]) -> None:
        for table, rows in staged.items():
            keyed = self.rows.setdefault(table, {})
            for row in rows:
                keyed[row[: KEY_COLUMNS.get(table, 1)]] = row
                self.size += 1


async def _import_file(
    connections: list[AsyncConnection],
    dataset: Dataset,
    path: Path,
    summary: ImportSummary,
    progress: bool,
) -> None:
    """Each batch is parsed (in a thread) while the batches before it are merged,
    each on the first idle connection; at most one batch per connection waits."""
    idle: asyncio.Queue[AsyncConnection] = asyncio.Queue()
    for connection in connections if dataset.parallel else connections[:1]:
        idle.put_nowait(connection)
    with (
        path.open("rb") as raw,
        tqdm(
            total=os.fstat(raw.fileno()).st_size,
            unit="B",
            unit_scale=True,
            desc=dataset.name,
            disable=not progress,
        ) as bar,
    ):
        batches = _batches(raw, path, dataset, summary)
        async with asyncio.TaskGroup() as merging:
            pending: set[asyncio.Task[None]] = set()
            number = 0
            while (batch := await asyncio.to_thread(next, batches, None)) is not None:
                number += 1
                # Statistics an import outgrows are renewed after batch 1, 2, 4, 8...
                # once those batches are committed (until then they count nothing).
                analyze = number > 1 and (number - 1) & (number - 2) == 0
                if analyze and pending:
                    await asyncio.wait(pending)
                connection = await idle.get()
                task = merging.create_task(
                    _merge(connection, idle, dataset, path, batch, summary, analyze)
                )
                pending.add(task)
                task.add_done_callback(pending.discard)
                bar.update(raw.tell() - bar.n)
    if dataset.parallel:
        for kept, through, merge in dataset.kept:
            await _gather(connections, kept, through, merge)


async def _gather(connections: list[AsyncConnection], kept: str, through: str, merge: str) -> None:
    """Rows of the connection-local table `kept` moved from the other connections to
    the first, streamed (a cursor into COPY) so memory stays flat."""
    columns = STAGING[through]
    first = connections[0]
    for other in connections[1:]:
        source = (await other.get_raw_connection()).driver_connection
        assert source is not None
        async with source.transaction():  # a cursor's; the connection has none open
            async with first.begin():
                rows = source.cursor(f"SELECT {', '.join(columns)} FROM {kept}", prefetch=5_000)
                await _stage(first, through, columns, rows)
                await first.execute(text(merge))
                await first.execute(text(f"DELETE FROM {through}"))
            await source.execute(f"DELETE FROM {kept}")


async def _merge(
    connection: AsyncConnection,
    idle: asyncio.Queue[AsyncConnection],
    dataset: Dataset,
    path: Path,
    batch: _Batch,
    summary: ImportSummary,
    analyze: bool,
) -> None:
    try:
        if analyze:
            await _analyze(connection, dataset)
        await _flush(connection, dataset, path, batch, summary)
    finally:
        idle.put_nowait(connection)


def _batches(
    raw: IO[bytes], path: Path, dataset: Dataset, summary: ImportSummary
) -> Iterator[_Batch]:
    """The file's lines parsed into batches of about BATCH_ROWS staged rows, each
    ending where the value of the dataset's `group` column changes."""
    batch, group = _Batch(first_line=2), None
    for line_number, row in _rows(raw, path, dataset, summary):
        summary.read += 1
        key = row.get(dataset.group)
        if batch.size >= BATCH_ROWS and key != group:
            yield batch
            batch = _Batch(first_line=line_number)
        group = key
        batch.last_line = line_number
        try:
            batch.add(dataset.parse(row))
        except MalformedRow as error:
            summary.skip(path, line_number, str(error))
    yield batch


def _rows(
    raw: IO[bytes], path: Path, dataset: Dataset, summary: ImportSummary
) -> Iterator[tuple[int, dict[str, str]]]:
    stream = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
    lines = iter(stream)
    header = next(lines, b"").decode("utf-8").rstrip("\r\n").split("\t")
    missing = [column for column in dataset.columns if column not in header]
    if missing:
        summary.skip(path, 1, f"not {dataset.name}: no column {', '.join(missing)}")
        return
    for line_number, line in enumerate(lines, start=2):
        try:
            fields = line.decode("utf-8").rstrip("\r\n").split("\t")
        except UnicodeDecodeError:
            summary.skip(path, line_number, "not UTF-8")
            continue
        if len(fields) != len(header):
            summary.skip(path, line_number, f"{len(fields)} fields, the header has {len(header)}")
            continue
        yield line_number, dict(zip(header, fields, strict=True))


async def _flush(
    connection: AsyncConnection,
    dataset: Dataset,
    path: Path,
    batch: _Batch,
    summary: ImportSummary,
) -> None:
    """Merge a batch in one transaction; if the database refuses it (an episode
    renumbered onto another's number, say), report its lines and go on."""
    if not batch.size:
        return
    created, updated = 0, 0
    try:
        async with connection.begin():
            for table, rows in batch.rows.items():
                if rows:
                    await _stage(connection, table, dataset.stage[table], list(rows.values()))
            now = utc_now()
            for counts, statement in dataset.merge:
                result = await connection.execute(text(statement), {"now": now})
                if counts == "created":
                    created += max(result.rowcount, 0)
                elif counts == "updated":
                    updated += max(result.rowcount, 0)
            for table in dataset.stage:
                await connection.execute(text(f"DELETE FROM {table}"))
    except DBAPIError as error:
        lines = f"{batch.first_line}-{batch.last_line}"
        summary.skip(path, lines, f"these lines were refused by the database: {error.orig}")
        return
    summary.created += created
    summary.updated += updated


async def _analyze(connection: AsyncConnection, dataset: Dataset) -> None:
    """PostgreSQL plans the merges with statistics that an import outgrows (a join
    planned for 7 rows that has 4,000 is a nested loop over a whole index), so the
    tables a dataset's merges use are analysed again after batch 1, 2, 4, 8..."""
    if connection.dialect.name == "postgresql":
        async with connection.begin():
            await connection.execute(text(f"ANALYZE {', '.join(dataset.tables)}"))


async def _stage(
    connection: AsyncConnection, table: str, columns: tuple[str, ...], rows: Any
) -> None:
    """`rows` (a list, or on PostgreSQL an async iterable) into a staging table."""
    if connection.dialect.name == "postgresql":
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.copy_records_to_table(table, records=rows, columns=columns)
        # Temporary tables get no statistics by themselves: without them the merges'
        # joins are planned for a guessed size.
        await connection.execute(text(f"ANALYZE {table}"))
        return
    names = ", ".join(columns)
    marks = ", ".join(f":{column}" for column in columns)
    await connection.execute(
        text(f"INSERT INTO {table} ({names}) VALUES ({marks})"),
        [dict(zip(columns, row, strict=True)) for row in rows],
    )
