"""The IMDb importer's rate: N synthetic dataset rows into a fresh PostgreSQL database.

    .venv/bin/python -m bench.imports --rows 400000 [--database reelgraph_bench_imports]

Writes name.basics, title.basics, title.episode and title.principals (gzipped, as
IMDb ships them) into a temporary directory, recreates the database, migrates it,
runs `python -m seed import imdb` on it twice (the first run inserts everything,
the second matches every row and changes nothing) and prints rows/s for each.
"""

import argparse
import asyncio
import gzip
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
N = "\\N"
GENRES = ("Drama", "Comedy", "Crime", "Documentary", "Sci-Fi", "Romance", "Thriller")
ROLES = ("actor", "actress", "director", "writer", "producer", "composer", "self")


def write_datasets(directory: Path, rows: int, seed: int) -> int:
    """About `rows` lines over the four files; returns how many were written."""
    rng = random.Random(seed)
    people, titles = rows // 5, rows // 5
    series = titles // 10
    written = 0

    def dataset(name: str, header: str, lines: list[str]) -> None:
        nonlocal written
        with gzip.open(directory / f"{name}.tsv.gz", "wt", encoding="utf-8", compresslevel=1) as f:
            f.write(header + "\n")
            f.writelines(line + "\n" for line in lines)
        written += len(lines)

    dataset(
        "name.basics",
        "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles",
        [
            f"nm{n:07d}\tPerson {n} {rng.choice('ABCDEFGH')}\t{1900 + n % 100}\t{N}\tactor\t{N}"
            for n in range(1, people + 1)
        ],
    )
    basics, episodes = [], []
    for n in range(1, titles + 1):
        if n <= series:
            kind, end = "tvSeries", str(2000 + n % 20) if n % 2 else N
        elif n <= series * 4:
            kind, end = "tvEpisode", N
            parent = rng.randint(1, series)
            episodes.append(f"tt{n:07d}\ttt{parent:07d}\t{n % 5 + 1}\t{n}")
        else:
            kind, end = "movie", N
        genres = ",".join(rng.sample(GENRES, 2))
        basics.append(
            f"tt{n:07d}\t{kind}\tTitle {n}\tOriginal {n}\t0\t{1950 + n % 70}\t{end}\t{60 + n % 90}"
            f"\t{genres}"
        )
    dataset(
        "title.basics",
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear"
        "\truntimeMinutes\tgenres",
        basics,
    )
    dataset("title.episode", "tconst\tparentTconst\tseasonNumber\tepisodeNumber", episodes)
    principals = []
    remaining = rows - written
    per_title = max(1, remaining // titles)
    for n in range(1, titles + 1):
        for ordering in range(1, per_title + 1):
            role = rng.choice(ROLES)
            character = f'["Character {ordering}"]' if role in ("actor", "actress") else N
            person = rng.randint(1, people)
            principals.append(f"tt{n:07d}\t{ordering}\tnm{person:07d}\t{role}\t{N}\t{character}")
    dataset("title.principals", "tconst\tordering\tnconst\tcategory\tjob\tcharacters", principals)
    return written


async def recreate(database: str) -> None:
    connection = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


def timed_import(directory: Path, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seed",
            "import",
            "--database-url",
            url,
            "--no-progress",
            "imdb",
            str(directory),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="reelgraph_bench_imports")
    args = parser.parse_args()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{args.database}"
    asyncio.run(recreate(args.database))
    subprocess.run(
        [sys.executable, "-m", "seed", "--database-url", url, "--migrate-only"],
        check=True,
        capture_output=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        rows = write_datasets(directory, args.rows, args.seed)
        print(f"{rows:,} IMDb rows (name.basics, title.basics, title.episode, title.principals)")
        for run in ("first import (inserts)", "second import (no changes)"):
            seconds, summary = timed_import(directory, url)
            print(f"{run}: {seconds:.1f} s, {rows / seconds:,.0f} rows/s  [{summary}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
