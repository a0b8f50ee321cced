"""The bench catalogue: a synthetic load into PostgreSQL and into a SQLite file,
and the scale run's larger PostgreSQL catalogue.

A database is reloaded (dropped, migrated, seeded with `python -m seed --titles N`,
which also loads the curated catalogue) only when it does not hold exactly N
synthetic titles, so reruns skip the loading. How long a PostgreSQL load took is
kept with the database (as its comment), so a reused database still reports it.
"""

import asyncio
import contextlib
import dataclasses
import json
import re
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
PG_HOST = "postgres@127.0.0.1:5432"
PG_SERVER = f"postgresql://{PG_HOST}"
PG_DATABASE = "reelgraph_bench"
PG_DSN = f"{PG_SERVER}/{PG_DATABASE}"
SQLITE_PATH = BENCH / "data" / "bench.db"


def database_url(database: str) -> str:
    """What Reelgraph's DATABASE_URL takes for one of the bench's PostgreSQL databases."""
    return f"postgresql+asyncpg://{PG_HOST}/{database}"


POSTGRES_URL = database_url(PG_DATABASE)
SQLITE_URL = f"sqlite+aiosqlite:///{SQLITE_PATH}"
# The synthetic generator (seed/synthetic.py) ends each slug with "-<title id>".
COUNTS = "SELECT count(*), count(*) FILTER (WHERE slug LIKE '%-' || id) FROM titles"
SQLITE_COUNTS = "SELECT count(*), sum(slug LIKE '%-' || id) FROM titles"
# The scale catalogue is the bench catalogue (seed 42) plus more titles from this seed.
SCALE_SEED = 43
SEED_TIMEOUT_SECONDS = 3600
# What `python -m seed --titles N` prints when done (seed/__main__.py).
GENERATED = re.compile(r"^synthetic catalogue: .* in ([0-9.]+) s ", re.MULTILINE)


@dataclass(frozen=True)
class Generation:
    """How a PostgreSQL catalogue was loaded: wall time of its `python -m seed` runs
    (migrations, curated catalogue and Python start-up included)."""

    synthetic: int
    seconds: float
    commands: tuple[str, ...]
    loaded_at: str  # ISO 8601, UTC
    # The synthetic titles alone, as the seed commands report it (None: they did not).
    generator_seconds: float | None = None

    @property
    def titles_per_second(self) -> float:
        return self.synthetic / self.seconds

    @property
    def generator_titles_per_second(self) -> float | None:
        return None if not self.generator_seconds else self.synthetic / self.generator_seconds

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Generation | None":
        return None if data is None else cls(**data | {"commands": tuple(data["commands"])})


@dataclass(frozen=True)
class Catalogue:
    titles: int  # rows in `titles`, curated included
    synthetic: int
    slug: str  # W1's title: the lowest-id synthetic title with a US offer
    postgres_version: str
    generation: Generation | None = None  # of the PostgreSQL database, when recorded
    loaded_this_run: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Catalogue":
        return cls(**data | {"generation": Generation.from_json(data.get("generation"))})


@dataclass(frozen=True)
class ScaleCatalogue:
    """The scale run's PostgreSQL database: the bench catalogue plus more titles."""

    database: str
    titles: int
    synthetic: int
    generation: Generation | None
    loaded_this_run: bool
    vacuum_seconds: float  # VACUUM ANALYZE in this run
    search_matches: int  # titles W3's text matches, here
    base_search_matches: int  # and in the bench catalogue

    @property
    def url(self) -> str:
        return database_url(self.database)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ScaleCatalogue":
        return cls(**data | {"generation": Generation.from_json(data.get("generation"))})


@dataclass(frozen=True)
class Samples:
    """What W4-W11's requests draw their variables from (bench/variants.py); the same
    for a given catalogue, so runs compare."""

    slugs: list[str]  # synthetic titles
    people: list[str]  # people with credits
    filters: list[tuple[str, int, int]]  # (genre slug, first year, last year) with matches


SAMPLES = 1000
SAMPLED_SLUGS = "SELECT slug FROM titles WHERE slug LIKE '%-' || id ORDER BY md5(slug) LIMIT $1"
SAMPLED_PEOPLE = (
    "SELECT slug FROM people WHERE EXISTS (SELECT FROM credits WHERE person_id = people.id)"
    " ORDER BY md5(slug) LIMIT $1"
)
# Every genre with every decade since 1960 that holds at least one of its titles.
SAMPLED_FILTERS = """
SELECT g.slug, decade, decade + 9
FROM genres AS g CROSS JOIN generate_series(1960, 2020, 10) AS decade
WHERE EXISTS (
  SELECT FROM title_genres AS tg JOIN titles AS t ON t.id = tg.title_id
  WHERE tg.genre_id = g.id AND t.year BETWEEN decade AND decade + 9
)
ORDER BY md5(g.slug || decade)
"""


def samples() -> Samples:
    """Picked from the PostgreSQL catalogue (SQLite holds the same rows)."""

    async def pick() -> Samples:
        connection = await asyncpg.connect(PG_DSN)
        try:
            slugs = [row[0] for row in await connection.fetch(SAMPLED_SLUGS, SAMPLES)]
            people = [row[0] for row in await connection.fetch(SAMPLED_PEOPLE, SAMPLES)]
            found = await connection.fetch(SAMPLED_FILTERS)
            filters = [(row[0], int(row[1]), int(row[2])) for row in found]
        finally:
            await connection.close()
        return Samples(slugs, people, filters)

    return asyncio.run(pick())


def prepare(synthetic: int, skip_load: bool, source: Path, sqlite: bool = True) -> Catalogue:
    """Both databases hold the same catalogue; returns what the workloads need.
    `sqlite=False` (the scale run alone) leaves the SQLite file out."""
    generation = None
    if not skip_load:
        generation = _prepare_postgres(synthetic, source)
        if sqlite:
            _prepare_sqlite(synthetic, source)
    loaded_this_run = generation is not None
    if generation is not None:
        asyncio.run(_record(PG_DSN, PG_DATABASE, generation))
    else:
        generation = asyncio.run(_recorded(PG_DSN, PG_DATABASE))
    pg_counts, slug, version = asyncio.run(_finish_postgres())
    if pg_counts is None:
        raise SystemExit("the bench database has no catalogue: run without --skip-load")
    sqlite_counts = _sqlite_counts() if sqlite else pg_counts
    if pg_counts != sqlite_counts:
        raise SystemExit(
            f"catalogues differ: (titles, synthetic) = {pg_counts} in PostgreSQL,"
            f" {sqlite_counts} in SQLite"
        )
    return Catalogue(
        pg_counts[0], pg_counts[1], slug, version, generation, loaded_this_run=loaded_this_run
    )


def scale_database(titles: int) -> str:
    """reelgraph_bench_1m for 1,000,000 titles, reelgraph_bench_250k, ..."""
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if titles % size == 0:
            return f"{PG_DATABASE}_{titles // size}{suffix}"
    return f"{PG_DATABASE}_{titles}"


def prepare_scale(
    synthetic: int, base: Catalogue, skip_load: bool, source: Path, search_text: str
) -> ScaleCatalogue:
    """A PostgreSQL database holding the bench catalogue (the same rows: W1 reads the
    same title in both) plus `synthetic - base.synthetic` more synthetic titles.
    Kept when it holds exactly `synthetic` synthetic titles and W1's title."""
    if synthetic <= base.synthetic:
        raise SystemExit(
            f"--scale-titles ({synthetic}) must be more than --titles ({base.synthetic})"
        )
    database = scale_database(synthetic)
    dsn = f"{PG_SERVER}/{database}"
    url = database_url(database)
    generation, counts = None, None
    if not skip_load:
        counts = asyncio.run(_postgres_counts(dsn))
        complete = counts is not None and asyncio.run(_has_slug(dsn, base.slug))
        if not _reusable(f"PostgreSQL {database}", counts, synthetic, url, source, complete):
            asyncio.run(_recreate_postgres(database))
            generation = _timed_seed(
                url, [(base.synthetic, None), (synthetic - base.synthetic, SCALE_SEED)], source
            )
            asyncio.run(_record(dsn, database, generation))
    if counts is None or generation is not None:  # not counted yet, or since reloaded
        counts = asyncio.run(_postgres_counts(dsn))
        if counts is None or not asyncio.run(_has_slug(dsn, base.slug)):
            raise SystemExit(f"{database} lacks the bench catalogue: run without --skip-load")
    print(f"PostgreSQL {database}: VACUUM ANALYZE")
    vacuum_seconds = asyncio.run(_vacuum(dsn))
    return ScaleCatalogue(
        database,
        counts[0],
        counts[1],
        generation if generation is not None else asyncio.run(_recorded(dsn, database)),
        loaded_this_run=generation is not None,
        vacuum_seconds=vacuum_seconds,
        search_matches=asyncio.run(_search_matches(dsn, search_text)),
        base_search_matches=asyncio.run(_search_matches(PG_DSN, search_text)),
    )


def _seed(url: str, synthetic: int, source: Path, seed: int | None = None) -> float | None:
    """Runs the seed command (its progress bar on stderr, as it goes); returns the
    seconds it reports for the synthetic titles alone, if it does."""
    argv = [sys.executable, "-m", "seed", "--database-url", url, "--titles", str(synthetic)]
    argv += [] if seed is None else ["--seed", str(seed)]
    result = subprocess.run(
        argv,
        cwd=source,
        check=True,
        timeout=SEED_TIMEOUT_SECONDS,
        stdout=subprocess.PIPE,
        text=True,
    )
    print(result.stdout, end="")
    found = GENERATED.search(result.stdout)
    return float(found.group(1)) if found else None


def _timed_seed(url: str, steps: list[tuple[int, int | None]], source: Path) -> Generation:
    """Runs `python -m seed --titles N [--seed S]` per step, timing them together."""
    loaded_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    reported = [_seed(url, synthetic, source, seed) for synthetic, seed in steps]
    seconds = time.monotonic() - started
    commands = tuple(
        f"python -m seed --titles {n}" + ("" if seed is None else f" --seed {seed}")
        for n, seed in steps
    )
    total = sum(n for n, _ in steps)
    generator = None if None in reported else sum(x for x in reported if x is not None)
    return Generation(total, seconds, commands, loaded_at, generator)


def _migrated(url: str, source: Path) -> bool:
    """False when the database is at a revision this tree does not know (another --ref)."""
    argv = [sys.executable, "-m", "seed", "--database-url", url, "--migrate-only"]
    result = subprocess.run(
        argv, cwd=source, capture_output=True, text=True, timeout=SEED_TIMEOUT_SECONDS
    )
    if result.returncode != 0:
        print(f"  migrating failed, reloading instead: {result.stderr.strip()[-300:]}")
    return result.returncode == 0


def _reusable(
    label: str,
    counts: tuple[int, int] | None,
    synthetic: int,
    url: str,
    source: Path,
    complete: bool = True,
) -> bool:
    """Whether a database already holding `synthetic` synthetic titles (and whatever
    else `complete` says) can be kept: then it is migrated to the measured tree."""
    if counts is not None and counts[1] == synthetic and complete:
        print(f"{label}: {synthetic} synthetic titles already there, migrating")
        if _migrated(url, source):
            return True
    print(f"{label}: (titles, synthetic) = {counts}: reloading")
    return False


def _prepare_postgres(synthetic: int, source: Path) -> Generation | None:
    """Loads the bench database unless it is already there; how long that took."""
    counts = asyncio.run(_postgres_counts())
    if _reusable(f"PostgreSQL {PG_DATABASE}", counts, synthetic, POSTGRES_URL, source):
        return None
    asyncio.run(_recreate_postgres())
    return _timed_seed(POSTGRES_URL, [(synthetic, None)], source)


def _prepare_sqlite(synthetic: int, source: Path) -> None:
    if _reusable(f"SQLite {SQLITE_PATH.name}", _sqlite_counts(), synthetic, SQLITE_URL, source):
        return
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)
    _seed(SQLITE_URL, synthetic, source)


async def _postgres_counts(dsn: str = PG_DSN) -> tuple[int, int] | None:
    try:
        connection = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await connection.fetchrow(COUNTS)
        return int(row[0]), int(row[1])
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()


async def _recreate_postgres(database: str = PG_DATABASE) -> None:
    connection = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {database}")
    finally:
        await connection.close()


async def _record(dsn: str, database: str, generation: Generation) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        comment = json.dumps({"reelgraph_bench_load": dataclasses.asdict(generation)})
        quoted = comment.replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE {database} IS '{quoted}'")
    finally:
        await connection.close()


async def _recorded(dsn: str, database: str) -> Generation | None:
    """The load recorded by `_record`, if the database was loaded by the bench."""
    connection = await asyncpg.connect(dsn)
    try:
        comment = await connection.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            database,
        )
    finally:
        await connection.close()
    try:
        return Generation.from_json(json.loads(comment)["reelgraph_bench_load"])
    except (TypeError, ValueError, KeyError):
        return None


async def _has_slug(dsn: str, slug: str) -> bool:
    connection = await asyncpg.connect(dsn)
    try:
        return bool(
            await connection.fetchval("SELECT EXISTS (SELECT FROM titles WHERE slug = $1)", slug)
        )
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()


async def _vacuum(dsn: str) -> float:
    """VACUUM ANALYZE (as the bench database gets), then a checkpoint, so a fresh
    load's dirty pages are not written out during the measurements; its seconds."""
    connection = await asyncpg.connect(dsn)
    started = time.monotonic()
    try:
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()
    return time.monotonic() - started


async def _search_matches(dsn: str, text: str) -> int:
    """Titles matching W3's one-word search, as Reelgraph's PostgreSQL search does."""
    connection = await asyncpg.connect(dsn)
    try:
        query = "SELECT count(*) FROM titles WHERE search_vector @@ to_tsquery('english', $1)"
        return int(await connection.fetchval(query, f"{text}:*"))
    finally:
        await connection.close()


async def _finish_postgres() -> tuple[tuple[int, int] | None, str, str]:
    """Adds PostGraphile's search function, refreshes statistics, picks W1's slug."""
    connection = await asyncpg.connect(PG_DSN)
    try:
        await connection.execute((BENCH / "postgraphile.sql").read_text())
        # Both PostgreSQL targets share these statistics; autovacuum would get there later.
        await connection.execute("VACUUM ANALYZE")
        version = str(await connection.fetchval("SHOW server_version"))
        slug = await connection.fetchval(
            "SELECT slug FROM titles WHERE slug LIKE '%-' || id AND EXISTS (SELECT FROM offers"
            " WHERE offers.title_id = titles.id AND region = 'US') ORDER BY id LIMIT 1"
        )
    finally:
        await connection.close()
    if slug is None:
        raise SystemExit("no synthetic title with a US offer in the bench database")
    return await _postgres_counts(), str(slug), version


def _sqlite_counts() -> tuple[int, int] | None:
    try:
        uri = f"file:{SQLITE_PATH}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            total, synthetic = connection.execute(SQLITE_COUNTS).fetchone()
            return int(total), int(synthetic or 0)
    except sqlite3.Error:
        return None
