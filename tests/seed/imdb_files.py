"""IMDb's TSV datasets as the tests write them: a header line, tab-separated fields,
`\\N` for null, no quoting (quotes are literal)."""

import gzip
from pathlib import Path

N = "\\N"

NAME_BASICS = [
    ("nconst", "primaryName", "birthYear", "deathYear", "primaryProfession", "knownForTitles"),
    ("nm0000151", "Morgan Freeman", "1937", N, "actor,producer", "tt0111161"),
    ("nm0000209", "Tim Robbins", "1958", N, "actor", "tt0111161"),
    ("nm0001104", "Frank Darabont", "1959", N, "director", "tt0111161"),
    ("nm0000001", "Fred Astaire", "1899", "1987", "actor", N),
    ("nm0000001", "Fred Astaire", "1899", "1987", "actor", N),  # a duplicate line
    ("nm9999991", 'Dwayne "The Rock" Johnson', N, N, "actor", N),
    ("nm9999992", "Guest Star", N, N, "actress", N),
    ("nm12", "Short Id", N, N, N, N),  # malformed: not an IMDb id
]

TITLE_BASICS = [
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
    (
        "tt0111161",
        "movie",
        "The Shawshank Redemption",
        "The Shawshank Redemption",
        "0",
        "1994",
        N,
        "142",
        "Drama",
    ),
    (
        "tt0903747",
        "tvSeries",
        "Breaking Bad",
        "Breaking Bad",
        "0",
        "2008",
        "2013",
        "49",
        "Crime,Drama,Thriller",
    ),
    ("tt0959621", "tvEpisode", "Pilot", "Pilot", "0", "2008", N, "58", "Crime,Drama"),
    (
        "tt1054724",
        "tvEpisode",
        'Cat\'s in the "Bag..."',
        'Cat\'s in the "Bag..."',
        "0",
        "2008",
        N,
        "48",
        "Drama",
    ),
    ("tt1054725", "tvEpisode", "No Season", "No Season", "0", N, N, N, N),
    ("tt0000009", "short", "Miss Jerry", "Miss Jerry", "0", "1894", N, "45", "Romance"),
    ("tt0000010", "hologram", "Unknown Kind", "Unknown Kind", "0", "2030", N, N, N),
    ("tt0000011", "movie", "Tab\tInside", "Tab", "0", "2001", N, N, N),
    (
        "tt0000012",
        "movie",
        "Amélie",
        "Le Fabuleux Destin d'Amélie Poulain",
        "0",
        "2001",
        N,
        "122",
        "Comedy,Romance",
    ),
    ("tt0000013", "movie", "Wrong Year", "Wrong Year", "0", "19x4", N, N, N),
    (
        "tt0000014",
        "tvMiniSeries",
        "Still Running",
        "Still Running",
        "0",
        "2024",
        N,
        N,
        "Sci-Fi,Talk-Show,Game-Show",
    ),
]

TITLE_EPISODE = [
    ("tconst", "parentTconst", "seasonNumber", "episodeNumber"),
    ("tt0959621", "tt0903747", "1", "1"),
    ("tt1054724", "tt0903747", "1", "2"),
    ("tt1054724", "tt0903747", "1", "2"),  # a duplicate line
    ("tt1054725", "tt0903747", N, N),  # unplaced: skipped
    ("tt7777777", "tt0000404", "1", "1"),  # its series was never imported
]

TITLE_AKAS = [
    (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
    ("tt0903747", "1", "Breaking Bad", N, N, "original", N, "1"),
    ("tt0903747", "2", "Breaking Bad", "US", N, N, N, "0"),
    ("tt0111161", "1", "Les Évadés", "FR", N, N, N, "0"),
]

TITLE_PRINCIPALS = [
    ("tconst", "ordering", "nconst", "category", "job", "characters"),
    ("tt0111161", "1", "nm0000209", "actor", N, '["Andy Dufresne"]'),
    ("tt0111161", "2", "nm0000151", "actor", N, "[\"Ellis Boyd 'Red' Redding\"]"),
    ("tt0111161", "3", "nm0001104", "director", N, N),
    ("tt0111161", "4", "nm0000001", "archive_footage", N, N),  # left out
    ("tt0111161", "5", "nm0000001", "juggler", N, N),  # unknown category
    ("tt0111161", "6", "nm0000151", "producer", "producer", N),
    ("tt0111161", "6", "nm0000151", "producer", "producer", N),  # a duplicate line
    ("tt0959621", "1", "nm9999992", "actress", N, '["Guest "Quoted" Star"]'),
    ("tt0959621", "2", "nm9999991", "self", N, '["Himself"]'),
]

TITLE_RATINGS = [("tconst", "averageRating", "numVotes"), ("tt0111161", "9.3", "2900000")]

DATASETS = {
    "name.basics": NAME_BASICS,
    "title.basics": TITLE_BASICS,
    "title.episode": TITLE_EPISODE,
    "title.akas": TITLE_AKAS,
    "title.principals": TITLE_PRINCIPALS,
    "title.ratings": TITLE_RATINGS,
}


def tsv(rows: list[tuple[str, ...]]) -> bytes:
    return "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")


def write_datasets(
    directory: Path, gzipped: frozenset[str] = frozenset({"title.principals"})
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in DATASETS.items():
        if name in gzipped:
            (directory / f"{name}.tsv.gz").write_bytes(gzip.compress(tsv(rows)))
        else:
            (directory / f"{name}.tsv").write_bytes(tsv(rows))
    return directory


def line_of(name: str, first_field: str, occurrence: int = 0, field: int = 0) -> int:
    """The line number of a row in the written file (the header is line 1)."""
    rows = DATASETS[name]
    matches = [n for n, row in enumerate(rows, start=1) if row[field] == first_field]
    return matches[occurrence]
