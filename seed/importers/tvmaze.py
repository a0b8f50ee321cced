"""Import TVmaze's JSON (its public API's format, CC BY-SA): shows and schedules.

- A show (`/shows/:id?embed[]=episodes&embed[]=cast`) becomes a SERIES title with
  its seasons, episodes, cast, poster and external ids; its network a channel,
  and every episode with an `airstamp` an airing on it.
- A schedule (`/schedule?country=US`: a list of episodes, each with its `show`, or
  `_embedded.show` on `/schedule/web`) adds those shows, episodes and airings.

Rows are matched by TVmaze id (a title also by its IMDb id, so a show imported
from IMDb first is the same title), so importing a file again changes nothing.
A show is written in one savepoint: a failure leaves none of it. TVmaze's files
are often one line long, so a malformed record is reported by its position in
the file (`file:line: episodes[3] (id 12): reason`).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col
from tqdm import tqdm

from models import (
    Airing,
    Channel,
    Credit,
    CreditRole,
    Episode,
    ExternalSource,
    Genre,
    ImageKind,
    Owner,
    Person,
    Season,
    SeriesStatus,
    Title,
    TitleGenre,
    TitleKind,
    local_date,
    valid_time_zone,
)
from models.columns import id_column
from models.db import create_sessionmaker
from models.slugs import slugify
from seed.importers.store import (
    find_by_external_id,
    set_external_id,
    update_title,
    upsert,
    upsert_image,
)
from seed.importers.summary import ImportSummary, MalformedRow
from seed.importers.text import plain_text
from seed.load import ensure_reference_rows

STATUSES = {
    "Running": SeriesStatus.RETURNING,
    "Ended": SeriesStatus.ENDED,
    "In Development": SeriesStatus.IN_PRODUCTION,
}
LANGUAGES = {
    "Chinese": "zh",
    "Danish": "da",
    "Dutch": "nl",
    "English": "en",
    "Finnish": "fi",
    "French": "fr",
    "German": "de",
    "Hebrew": "he",
    "Hindi": "hi",
    "Italian": "it",
    "Japanese": "ja",
    "Korean": "ko",
    "Norwegian": "no",
    "Polish": "pl",
    "Portuguese": "pt",
    "Russian": "ru",
    "Spanish": "es",
    "Swedish": "sv",
    "Turkish": "tr",
}
# TVmaze genres by our genre slugs; the rest have no counterpart and are dropped.
GENRES = {"Anime": "animation", "Children": "family", "Sports": "sport"}
# TVmaze's embedded images give no size: these are its renditions' usual sizes.
SIZES = {
    "medium_portrait": (210, 295),
    "original_untouched": (680, 1000),
    "medium_landscape": (250, 140),
}
LANDSCAPE_ORIGINAL = (1280, 720)


@dataclass
class Record:
    """One show (or schedule entry) of a file, and where it starts."""

    path: Path
    line: int
    show: dict[str, Any]
    episodes: list[dict[str, Any]]
    cast: list[dict[str, Any]]


def records(path: Path) -> Iterator[Record]:
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if text.startswith("[", position):
        position = _skip_space(text, position + 1)
        while position < len(text) and text[position] != "]":
            item, end = decoder.raw_decode(text, position)
            line = text.count("\n", 0, position) + 1
            if isinstance(item, dict):
                show = item.get("show") or item.get("_embedded", {}).get("show") or {}
                yield Record(path, line, show, [item], [])
            else:
                yield Record(path, line, {}, [], [])
            position = _skip_space(text, end)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
        return
    show, _ = decoder.raw_decode(text, position)
    embedded = show.get("_embedded") or {}
    yield Record(path, 1, show, embedded.get("episodes") or [], embedded.get("cast") or [])


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


async def import_files(
    engine: AsyncEngine, paths: list[Path], summary: ImportSummary, progress: bool = True
) -> ImportSummary:
    """Each file in a transaction of its own, each show in a savepoint within it."""
    async with create_sessionmaker(engine)() as session:
        async with session.begin():
            await ensure_reference_rows(session)
            genres = select(col(Genre.slug), id_column(Genre.id))
            genre_ids = dict((await session.execute(genres)).all())
        with tqdm(total=len(paths), unit="file", desc="tvmaze", disable=not progress) as bar:
            for path in paths:
                async with session.begin():
                    await _import_file(session, path, summary, genre_ids)
                bar.update()
    return summary


async def _import_file(
    session: AsyncSession, path: Path, summary: ImportSummary, genre_ids: dict[str, int]
) -> None:
    try:
        found = list(records(path))
    except (OSError, ValueError) as error:
        summary.skip(path, 1, f"not TVmaze JSON: {error}")
        return
    for record in found:
        summary.read += 1
        try:
            async with session.begin_nested():
                await _import_record(session, record, summary, genre_ids)
        except (ValueError, TypeError) as error:  # MalformedRow included
            summary.skip(record.path, record.line, str(error))
        except StatementError as error:
            summary.skip(record.path, record.line, f"refused by the database: {error.orig}")


async def _import_record(
    session: AsyncSession, record: Record, summary: ImportSummary, genre_ids: dict[str, int]
) -> None:
    show = record.show
    if not isinstance(show.get("id"), int) or not str(show.get("name") or "").strip():
        raise MalformedRow("a show needs an integer id and a name")
    channel_id = await _channel(session, show.get("network"), summary)
    title_id = await _title(session, show, channel_id, summary)
    await _genres(session, title_id, show.get("genres") or [], genre_ids, summary)
    externals = show.get("externals") or {}
    summary.count(
        await set_external_id(
            session, Owner.TITLE, title_id, ExternalSource.TVMAZE, str(show["id"])
        )
    )
    if externals.get("imdb"):
        try:
            summary.count(
                await set_external_id(
                    session, Owner.TITLE, title_id, ExternalSource.IMDB, str(externals["imdb"])
                )
            )
        except (MalformedRow, ValueError) as error:
            summary.skip(record.path, record.line, f"show {show['id']}: {error}")
    await _image(session, summary, ImageKind.POSTER, {"title_id": title_id}, show.get("image"))
    runtime = show.get("runtime") or show.get("averageRuntime")
    numbers = _special_numbers(record.episodes)
    for index, episode in enumerate(record.episodes):
        where = f"episodes[{index}] (id {episode.get('id')})"
        try:
            async with session.begin_nested():
                episode_id = await _episode(session, title_id, episode, numbers, summary, runtime)
            if channel_id is not None and episode.get("airstamp"):
                async with session.begin_nested():
                    await _airing(
                        session, channel_id, title_id, episode_id, episode, runtime, summary
                    )
        except (MalformedRow, ValueError, TypeError) as error:
            summary.skip(record.path, record.line, f"{where}: {error}")
    for index, member in enumerate(record.cast):
        try:
            async with session.begin_nested():
                await _cast(session, title_id, index, member, summary)
        except (MalformedRow, ValueError, TypeError) as error:
            summary.skip(record.path, record.line, f"_embedded.cast[{index}]: {error}")


async def _channel(
    session: AsyncSession, network: dict[str, Any] | None, summary: ImportSummary
) -> int | None:
    """The network's channel; None for a show without one (web or streaming only)."""
    if not network or not network.get("name"):
        return None
    country = network.get("country") or {}
    region, zone = country.get("code"), country.get("timezone")
    if not region or not zone:
        return None
    channel_id, outcome = await upsert(
        session,
        Channel,
        {"slug": f"{slugify(network['name'])}-{region.lower()}"[:60]},
        {
            "name": network["name"][:100],
            "region": region.upper(),
            "time_zone": valid_time_zone(zone),
        },
    )
    summary.count(outcome)
    return channel_id


async def _title(
    session: AsyncSession, show: dict[str, Any], channel_id: int | None, summary: ImportSummary
) -> int:
    premiered, ended = _date(show.get("premiered")), _date(show.get("ended"))
    values: dict[str, Any] = {
        "name": show["name"].strip()[:300],
        "kind": TitleKind.SERIES,
        "year": premiered.year if premiered else None,
        "release_date": premiered,
        "end_year": ended.year if ended else None,
        "status": STATUSES.get(show.get("status") or ""),
        "runtime_minutes": show.get("runtime") or show.get("averageRuntime") or None,
        "original_language": LANGUAGES.get(show.get("language") or ""),
        "synopsis": plain_text(show.get("summary")),
    }
    if channel_id is not None:
        values["network_id"] = channel_id
    title_id = await find_by_external_id(
        session, Owner.TITLE, ExternalSource.TVMAZE, str(show["id"])
    )
    imdb = (show.get("externals") or {}).get("imdb")
    if title_id is None and imdb:
        title_id = await find_by_external_id(session, Owner.TITLE, ExternalSource.IMDB, str(imdb))
    if title_id is not None:
        summary.count(await update_title(session, title_id, values))
        return title_id
    slug = await _free_slug(session, values["name"], values["year"], show["id"])
    title_id, outcome = await upsert(session, Title, {"slug": slug}, values)
    summary.count(outcome)
    return title_id


async def _free_slug(session: AsyncSession, name: str, year: int | None, tvmaze_id: int) -> str:
    base = slugify(name)[:100] or "show"
    candidate = f"{base}-{year}" if year else base
    taken = await session.scalar(select(col(Title.id)).where(col(Title.slug) == candidate))
    return candidate if taken is None else f"{candidate}-tvmaze-{tvmaze_id}"


async def _genres(
    session: AsyncSession,
    title_id: int,
    names: list[str],
    genre_ids: dict[str, int],
    summary: ImportSummary,
) -> None:
    have = set(
        await session.scalars(
            select(col(TitleGenre.genre_id)).where(col(TitleGenre.title_id) == title_id)
        )
    )
    for name in names:
        genre_id = genre_ids.get(GENRES.get(name, slugify(name)))
        if genre_id is not None and genre_id not in have:
            session.add(TitleGenre(title_id=title_id, genre_id=genre_id))
            have.add(genre_id)
            summary.count("created")
    await session.flush()


def _special_numbers(episodes: list[dict[str, Any]]) -> dict[int, int]:
    """Specials (no number) go to season 0, numbered in the order of their TVmaze ids."""
    specials = sorted(
        e["id"] for e in episodes if e.get("number") is None and isinstance(e.get("id"), int)
    )
    return {episode_id: number for number, episode_id in enumerate(specials, start=1)}


async def _episode(
    session: AsyncSession,
    title_id: int,
    episode: dict[str, Any],
    special_numbers: dict[int, int],
    summary: ImportSummary,
    show_runtime: int | None,
) -> int:
    tvmaze_id = episode.get("id")
    if not isinstance(tvmaze_id, int):
        raise MalformedRow("an episode needs an integer id")
    season_number: object = 0 if episode.get("number") is None else episode.get("season")
    number: object = special_numbers.get(tvmaze_id, episode.get("number"))
    if not isinstance(season_number, int) or not isinstance(number, int) or number < 0:
        raise MalformedRow("an episode needs integer season and number")
    name = str(episode.get("name") or "").strip() or f"Episode {number}"
    air_date = _date(episode.get("airdate"))
    season_id = await session.scalar(
        select(id_column(Season.id)).where(
            col(Season.title_id) == title_id, col(Season.number) == season_number
        )
    )
    if season_id is None:
        season_id, outcome = await upsert(
            session,
            Season,
            {"title_id": title_id, "number": season_number},
            {"premiere_date": air_date},
        )
        summary.count(outcome)
    elif air_date is not None:
        await _season_premiere(session, season_id, air_date, summary)
    values = {
        "title_id": title_id,
        "season_id": season_id,
        "number": number,
        "name": name[:300],
        "synopsis": plain_text(episode.get("summary")),
        "air_date": air_date,
        "runtime_minutes": episode.get("runtime") or show_runtime or None,
    }
    episode_id = await find_by_external_id(
        session, Owner.EPISODE, ExternalSource.TVMAZE, str(tvmaze_id)
    )
    if episode_id is None:
        episode_id, outcome = await upsert(
            session, Episode, {"season_id": season_id, "number": number}, values
        )
    else:
        episode_id, outcome = await upsert(session, Episode, {"id": episode_id}, values)
    summary.count(outcome)
    summary.count(
        await set_external_id(
            session, Owner.EPISODE, episode_id, ExternalSource.TVMAZE, str(tvmaze_id)
        )
    )
    await _image(
        session, summary, ImageKind.STILL, {"episode_id": episode_id}, episode.get("image")
    )
    return episode_id


async def _season_premiere(
    session: AsyncSession, season_id: int, air_date: date, summary: ImportSummary
) -> None:
    season = await session.get_one(Season, season_id)
    if season.premiere_date is None or air_date < season.premiere_date:
        _, outcome = await upsert(session, Season, {"id": season_id}, {"premiere_date": air_date})
        summary.count(outcome)
        await session.refresh(season)


async def _airing(
    session: AsyncSession,
    channel_id: int,
    title_id: int,
    episode_id: int,
    episode: dict[str, Any],
    show_runtime: int | None,
    summary: ImportSummary,
) -> None:
    starts_at = datetime.fromisoformat(episode["airstamp"])
    if starts_at.tzinfo is None:
        raise MalformedRow(f"airstamp {episode['airstamp']!r} has no UTC offset")
    runtime = episode.get("runtime") or show_runtime
    if not isinstance(runtime, int) or runtime <= 0:
        raise MalformedRow("an airing needs a runtime")
    ends_at = starts_at + timedelta(minutes=runtime)
    overlapping = await session.scalar(
        select(col(Airing.id)).where(
            col(Airing.channel_id) == channel_id,
            col(Airing.starts_at) < ends_at,
            col(Airing.ends_at) > starts_at,
            col(Airing.starts_at) != starts_at,
        )
    )
    if overlapping is not None:
        raise MalformedRow(f"its airing at {starts_at.isoformat()} overlaps another on the channel")
    number = episode.get("number")
    zone = await session.scalar(select(col(Channel.time_zone)).where(col(Channel.id) == channel_id))
    assert zone is not None
    _, outcome = await upsert(
        session,
        Airing,
        {"channel_id": channel_id, "starts_at": starts_at},
        {
            "title_id": title_id,
            "episode_id": episode_id,
            "ends_at": ends_at,
            "is_new": True,
            "is_premiere": number == 1,
            "local_date": local_date(starts_at, zone),
        },
    )
    summary.count(outcome)


async def _cast(
    session: AsyncSession,
    title_id: int,
    position: int,
    member: dict[str, Any],
    summary: ImportSummary,
) -> None:
    person = member.get("person") or {}
    if not isinstance(person.get("id"), int) or not str(person.get("name") or "").strip():
        raise MalformedRow("a cast member needs a person with an id and a name")
    name = person["name"].strip()[:200]
    birthday, deathday = _date(person.get("birthday")), _date(person.get("deathday"))
    values = {
        "name": name,
        "birth_year": birthday.year if birthday else None,
        "death_year": deathday.year if deathday else None,
    }
    person_id = await find_by_external_id(
        session, Owner.PERSON, ExternalSource.TVMAZE, str(person["id"])
    )
    if person_id is None:
        slug = slugify(name)[:100] or "person"
        taken = await session.scalar(select(col(Person.id)).where(col(Person.slug) == slug))
        if taken is not None:
            slug = f"{slug}-tvmaze-{person['id']}"
        person_id, outcome = await upsert(session, Person, {"slug": slug}, values)
    else:
        person_id, outcome = await upsert(session, Person, {"id": person_id}, values)
    summary.count(outcome)
    summary.count(
        await set_external_id(
            session, Owner.PERSON, person_id, ExternalSource.TVMAZE, str(person["id"])
        )
    )
    await _image(session, summary, ImageKind.PHOTO, {"person_id": person_id}, person.get("image"))
    character = (member.get("character") or {}).get("name")
    _, outcome = await upsert(
        session,
        Credit,
        {"title_id": title_id, "position": position},
        {
            "person_id": person_id,
            "role": CreditRole.SELF if member.get("self") else CreditRole.CAST,
            "character": str(character)[:200] if character else None,
        },
    )
    summary.count(outcome)


async def _image(
    session: AsyncSession,
    summary: ImportSummary,
    kind: ImageKind,
    owner: dict[str, int],
    image: dict[str, Any] | None,
) -> None:
    """TVmaze's `image` (original and medium URLs) as an image with one rendition.

    Paths keep TVmaze's own under `tvmaze/`: the image host (IMAGE_BASE_URL) is
    expected to mirror them.
    """
    if not image or not image.get("original"):
        return
    original = _image_path(image["original"])
    landscape = kind is ImageKind.STILL
    size = LANDSCAPE_ORIGINAL if landscape else SIZES["original_untouched"]
    renditions = {}
    if image.get("medium"):
        medium = _image_path(image["medium"])
        renditions[medium] = SIZES["medium_landscape" if landscape else "medium_portrait"]
    await upsert_image(session, summary, kind, owner, size, original, renditions)


def _image_path(url: str) -> str:
    path = urlsplit(url).path
    marker = "/uploads/images/"
    tail = path.split(marker, 1)[1] if marker in path else path.lstrip("/")
    if not tail:
        raise MalformedRow(f"image URL {url!r} has no path")
    return f"tvmaze/{tail}"[:500]


def _date(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise MalformedRow(f"not a date: {value!r}") from error
