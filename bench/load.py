"""The bench catalogue: a synthetic load into PostgreSQL and into a SQLite file.

A database is reloaded (dropped, migrated, seeded with `python -m seed --titles N`,
which also loads the curated catalogue) only when it does not hold exactly N
synthetic titles, so reruns skip the ~35 s of loading.
"""

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

BENCH = Path(__file__).resolve().parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "reelgraph_bench"
PG_DSN = f"{PG_SERVER}/{PG_DATABASE}"
SQLITE_PATH = BENCH / "data" / "bench.db"
# What Reelgraph's DATABASE_URL takes.
POSTGRES_URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DATABASE}"
SQLITE_URL = f"sqlite+aiosqlite:///{SQLITE_PATH}"
# The synthetic generator (seed/synthetic.py) ends each slug with "-<title id>".
COUNTS = "SELECT count(*), count(*) FILTER (WHERE slug LIKE '%-' || id) FROM titles"
SQLITE_COUNTS = "SELECT count(*), sum(slug LIKE '%-' || id) FROM titles"


@dataclass(frozen=True)
class Catalogue:
    titles: int  # rows in `titles`, curated included
    synthetic: int
    slug: str  # W1's title: the lowest-id synthetic title with a US offer
    postgres_version: str


def prepare(synthetic: int, skip_load: bool, source: Path) -> Catalogue:
    """Both databases hold the same catalogue; returns what the workloads need."""
    if not skip_load:
        _prepare_postgres(synthetic, source)
        _prepare_sqlite(synthetic, source)
    pg_counts, slug, version = asyncio.run(_finish_postgres())
    sqlite_counts = _sqlite_counts()
    if pg_counts != sqlite_counts:
        raise SystemExit(
            f"catalogues differ: (titles, synthetic) = {pg_counts} in PostgreSQL,"
            f" {sqlite_counts} in SQLite"
        )
    if pg_counts is None:
        raise SystemExit("the bench database has no catalogue: run without --skip-load")
    return Catalogue(pg_counts[0], pg_counts[1], slug, version)


def _seed(url: str, synthetic: int, source: Path) -> None:
    argv = [sys.executable, "-m", "seed", "--database-url", url, "--titles", str(synthetic)]
    subprocess.run(argv, cwd=source, check=True, timeout=900)


def _migrated(url: str, source: Path) -> bool:
    """False when the database is at a revision this tree does not know (another --ref)."""
    argv = [sys.executable, "-m", "seed", "--database-url", url, "--migrate-only"]
    result = subprocess.run(argv, cwd=source, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        print(f"  migrating failed, reloading instead: {result.stderr.strip()[-300:]}")
    return result.returncode == 0


def _prepare_postgres(synthetic: int, source: Path) -> None:
    counts = asyncio.run(_postgres_counts())
    if counts is not None and counts[1] == synthetic:
        print(f"PostgreSQL {PG_DATABASE}: {synthetic} synthetic titles already there, migrating")
        if _migrated(POSTGRES_URL, source):
            return
    print(f"PostgreSQL {PG_DATABASE}: (titles, synthetic) = {counts}: reloading")
    asyncio.run(_recreate_postgres())
    _seed(POSTGRES_URL, synthetic, source)


def _prepare_sqlite(synthetic: int, source: Path) -> None:
    counts = _sqlite_counts()
    if counts is not None and counts[1] == synthetic:
        print(f"SQLite {SQLITE_PATH.name}: {synthetic} synthetic titles already there, migrating")
        if _migrated(SQLITE_URL, source):
            return
    print(f"SQLite {SQLITE_PATH.name}: (titles, synthetic) = {counts}: reloading")
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        SQLITE_PATH.with_name(SQLITE_PATH.name + suffix).unlink(missing_ok=True)
    _seed(SQLITE_URL, synthetic, source)


async def _postgres_counts() -> tuple[int, int] | None:
    try:
        connection = await asyncpg.connect(PG_DSN)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        row = await connection.fetchrow(COUNTS)
        return int(row[0]), int(row[1])
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()


async def _recreate_postgres() -> None:
    connection = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {PG_DATABASE}")
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
