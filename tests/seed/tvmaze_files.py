"""TVmaze JSON in the shape of its public API, as the tests write it."""

import json
from pathlib import Path
from typing import Any

NETWORK = {
    "id": 2,
    "name": "CBS",
    "country": {"name": "United States", "code": "US", "timezone": "America/New_York"},
}


def image(folder: int, number: int, landscape: bool = False) -> dict[str, str]:
    medium = "medium_landscape" if landscape else "medium_portrait"
    base = "https://static.tvmaze.com/uploads/images"
    return {
        "medium": f"{base}/{medium}/{folder}/{number}.jpg",
        "original": f"{base}/original_untouched/{folder}/{number}.jpg",
    }


def episode(
    episode_id: int, season: int, number: int | None, airstamp: str | None, **fields: Any
) -> dict[str, Any]:
    return {
        "id": episode_id,
        "name": f"Episode {episode_id}",
        "season": season,
        "number": number,
        "type": "regular" if number is not None else "insignificant_special",
        "airdate": airstamp[:10] if airstamp else "",
        "airtime": "22:00",
        "airstamp": airstamp,
        "runtime": 60,
        "image": image(1, 4000 + episode_id, landscape=True),
        "summary": f"<p>What happens in episode {episode_id}.</p>",
    } | fields


def dome(**fields: Any) -> dict[str, Any]:
    """A show with its episodes and cast embedded (/shows/1?embed[]=episodes&embed[]=cast)."""
    return {
        "id": 1,
        "name": "Under the Dome",
        "type": "Scripted",
        "language": "English",
        "genres": ["Drama", "Science-Fiction", "Thriller"],
        "status": "Ended",
        "runtime": 60,
        "premiered": "2013-06-24",
        "ended": "2015-09-10",
        "network": NETWORK,
        "webChannel": None,
        "externals": {"tvrage": 25988, "thetvdb": 264492, "imdb": "tt1553656"},
        "image": image(81, 202627),
        "summary": "<p><b>Under the Dome</b> is the story of a small town &amp; its"
        " people,\n suddenly sealed off.</p><p>Nobody knows why.</p>",
        "_embedded": {
            "episodes": [
                episode(1, 1, 1, "2013-06-25T02:00:00+00:00"),
                episode(2, 1, 2, "2013-07-02T02:00:00+00:00", name='The "Fire"'),
                episode(3, 2, 1, "2014-07-01T02:00:00+00:00"),
                episode(4, 2, 2, None, runtime=None),  # announced, no airdate yet
                episode(5, 2, None, "2014-08-01T01:00:00+00:00"),  # a special
            ],
            "cast": [
                {
                    "person": {
                        "id": 1,
                        "name": "Mike Vogel",
                        "birthday": "1979-07-17",
                        "deathday": None,
                        "image": image(0, 1815),
                    },
                    "character": {"id": 1, "name": 'Dale "Barbie" Barbara'},
                    "self": False,
                    "voice": False,
                },
                {
                    "person": {"id": 2, "name": "Rachelle Lefevre", "birthday": None},
                    "character": {"id": 2, "name": "Julia Shumway"},
                    "self": False,
                    "voice": False,
                },
            ],
        },
    } | fields


def web_show() -> dict[str, Any]:
    """A streaming-only show: no network, so no channel and no airings."""
    return {
        "id": 8,
        "name": "Stream Only",
        "language": "Klingon",
        "genres": ["Comedy"],
        "status": "Running",
        "runtime": 30,
        "premiered": "2020-01-01",
        "network": None,
        "webChannel": {"id": 1, "name": "Netflix", "country": None},
        "externals": {"imdb": None},
        "image": None,
        "summary": None,
        "_embedded": {"episodes": [episode(80, 1, 1, "2020-01-01T08:00:00+00:00")]},
    }


def schedule() -> list[dict[str, Any]]:
    """/schedule?country=GB&date=...: episodes, each with its show."""
    show = {
        "id": 20,
        "name": "Tonight's Drama",
        "language": "English",
        "genres": ["Drama"],
        "status": "Running",
        "runtime": 30,
        "premiered": "2026-01-05",
        "network": {
            "id": 12,
            "name": "BBC One",
            "country": {"name": "United Kingdom", "code": "GB", "timezone": "Europe/London"},
        },
        "externals": {"imdb": "tt7654321"},
        "image": image(2, 20),
        "summary": "<p>Drama.</p>",
    }
    return [
        episode(200, 3, 1, "2026-12-01T20:00:00+00:00", runtime=30) | {"show": show},
        episode(201, 3, 2, "2026-12-01T20:30:00+00:00", runtime=30) | {"show": show},
    ]


def write(path: Path, document: Any, indent: int | None = None) -> Path:
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    return path
