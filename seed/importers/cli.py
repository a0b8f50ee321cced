"""python -m seed import tvmaze FILE... | python -m seed import imdb DIR"""

import argparse
import asyncio
import sys
from pathlib import Path

from api.settings import get_settings
from models.db import create_engine
from models.migrations import upgrade
from seed.importers import imdb, tvmaze
from seed.importers.summary import ImportSummary


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m seed import",
        description="Import real data, matching rows by external id (a second run changes"
        " nothing). Malformed rows are reported as file:line: reason and skipped.",
    )
    parser.add_argument(
        "--database-url", default=None, help="default: DATABASE_URL or the embedded SQLite file"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    sources = parser.add_subparsers(dest="source", required=True)
    shows = sources.add_parser("tvmaze", help="TVmaze JSON: shows (with _embedded) or schedules")
    shows.add_argument("files", nargs="+", type=Path, metavar="FILE")
    datasets = sources.add_parser(
        "imdb", help="a directory of IMDb's TSV datasets (.tsv or .tsv.gz)"
    )
    datasets.add_argument("directory", type=Path, metavar="DIR")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, database_url: str) -> ImportSummary:
    engine = create_engine(database_url)
    summary = ImportSummary()
    progress = not args.no_progress
    try:
        if args.source == "imdb":
            await imdb.import_directory(engine, args.directory, summary, progress)
        else:
            await tvmaze.import_files(engine, args.files, summary, progress)
    finally:
        await engine.dispose()
    return summary


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    database_url = args.database_url or get_settings().database_url
    upgrade(database_url)
    summary = asyncio.run(run(args, database_url))
    print(f"{args.source}: {summary.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
