"""The curated catalogue's TV side: seasons and episodes for its series, channels in
every region with a week of airings around today, and images (posters, logos,
photos) whose paths are relative to IMAGE_BASE_URL.

Everything is derived from the titles' slugs (random.Random seeded with them), so
it is the same on every run and every engine; the airings are derived from the
channel and the day, so topping up the week around a new "today" adds the missing
days and leaves the others alone. Nothing here is real: the channels are made up,
and a curated series' seasons are plausible, not its true history.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Airing,
    Channel,
    Credit,
    CreditRole,
    Episode,
    EpisodeCredit,
    Image,
    ImageKind,
    ImageRendition,
    Person,
    Provider,
    Season,
    SeriesStatus,
    Title,
    TitleKind,
)
from models.columns import id_column

# slug: (name, region, IANA zone, what it shows)
CHANNELS = {
    "reel-one-east": ("Reel One East", "US", "America/New_York", "mixed"),
    "reel-one-west": ("Reel One West", "US", "America/Los_Angeles", "mixed"),
    "classic-screen-us": ("Classic Screen", "US", "America/Chicago", "movies"),
    "serial-tv-us": ("Serial TV", "US", "America/New_York", "series"),
    "reel-one-uk": ("Reel One UK", "GB", "Europe/London", "mixed"),
    "classic-screen-uk": ("Classic Screen UK", "GB", "Europe/London", "movies"),
    "serial-tv-uk": ("Serial TV UK", "GB", "Europe/London", "series"),
    "reel-eins": ("Reel Eins", "DE", "Europe/Berlin", "mixed"),
    "klassik-kino": ("Klassik Kino", "DE", "Europe/Berlin", "movies"),
    "serien-tv": ("Serien TV", "DE", "Europe/Berlin", "series"),
    "reel-un": ("Reel Un", "FR", "Europe/Paris", "mixed"),
    "cine-classique": ("Ciné Classique", "FR", "Europe/Paris", "movies"),
    "series-tv-fr": ("Séries TV", "FR", "Europe/Paris", "series"),
    "reel-one-canada": ("Reel One Canada", "CA", "America/Toronto", "mixed"),
    "classic-screen-ca": ("Classic Screen Pacific", "CA", "America/Vancouver", "movies"),
    "serial-tv-ca": ("Serial TV Atlantic", "CA", "America/Halifax", "series"),
    "reel-one-au": ("Reel One Australia", "AU", "Australia/Sydney", "mixed"),
    "classic-screen-au": ("Classic Screen West", "AU", "Australia/Perth", "movies"),
    "serial-tv-au": ("Serial TV Australia", "AU", "Australia/Brisbane", "series"),
    "reel-one-japan": ("Reel One Japan", "JP", "Asia/Tokyo", "mixed"),
    "eiga-classic": ("Eiga Classic", "JP", "Asia/Tokyo", "movies"),
    "serial-tv-jp": ("Serial TV Japan", "JP", "Asia/Tokyo", "series"),
}
GUIDE_DAYS_BEFORE, GUIDE_DAYS_AFTER = 3, 3
DAY_STARTS = time(6)  # a channel's broadcast day runs from 06:00 to 06:00 local
SLOT = timedelta(minutes=30)
PRIME_TIME = (time(20), time(23))

EPISODE_WORDS = (
    "Arrival", "Crossroads", "The Long Night", "Homecoming", "Old Debts", "Fault Lines",
    "The Visitor", "Smoke", "Second Chances", "The Letter", "Undertow", "Fair Game",
    "Open House", "The Deal", "Cold Open", "Blackout", "Small Hours", "The Return",
    "Paper Trail", "Last Call", "Wildfire", "Echoes", "Ground Rules", "Safe Harbor",
)  # fmt: skip

GUEST_PARTS = (
    "Herself", "The Landlord", "Detective Hale", "An Old Flame", "The Stranger", "Dr. Marsh",
    "The Neighbour", "A Reporter", "Uncle Ray", "The Buyer", "Judge Porter", "The Cousin",
)  # fmt: skip

# Image sizes: (width, height) of the original, and the widths of its renditions.
POSTER = ((680, 1000), (92, 185, 342, 500))
PHOTO = ((500, 750), (45, 185))
LOGO = ((512, 512), (64, 128, 256))


@dataclass
class GuideReport:
    episodes: int = 0
    guest_credits: int = 0
    channels: int = 0
    airings: int = 0
    images: int = 0


async def load_guide(session: AsyncSession, slugs: Sequence[str], today: date) -> GuideReport:
    """Add whatever of the guide is missing for the curated titles `slugs`: idempotent,
    and cheap when nothing is. Imported titles are left as their source has them."""
    report = GuideReport()
    report.episodes = await _series_structure(session, slugs, today)
    report.guest_credits = await _guest_credits(session, slugs)
    report.channels = await _channels(session)
    report.images = await _images(session, slugs)
    report.airings = await _airings(session, slugs, today)
    return report


def _years_later(day: date, years: int) -> date:
    return (
        date(day.year + years, 3, 1)
        if (day.month, day.day) == (2, 29)
        else (day.replace(year=day.year + years))
    )


async def _series_structure(session: AsyncSession, slugs: Sequence[str], today: date) -> int:
    """Seasons and weekly episodes for every curated series that has none yet."""
    series = (
        await session.execute(
            select(
                id_column(Title.id),
                col(Title.slug),
                col(Title.name),
                col(Title.year),
                col(Title.release_date),
                col(Title.runtime_minutes),
            )
            .where(col(Title.kind) == TitleKind.SERIES, col(Title.slug).in_(slugs))
            .where(~select(col(Season.id)).where(col(Season.title_id) == col(Title.id)).exists())
            .order_by(col(Title.id))
        )
    ).all()
    added = 0
    for title_id, slug, name, year, release_date, runtime in series:
        rng = random.Random(slug)
        first = release_date or date(year or today.year, 9, 15)
        seasons = rng.randint(3, 8) if first.year < 2000 else rng.randint(1, 5)
        seasons = max(1, min(seasons, today.year - first.year + 1))
        returning = first.year + seasons - 1 >= today.year - 2 and rng.random() < 0.6
        premieres = [
            first.replace(year=first.year + n)
            if not (first.month == 2 and first.day == 29)
            else date(first.year + n, 3, 1)
            for n in range(seasons)
        ]
        if returning:
            # The current season started a few weeks ago: some episodes are still to come.
            premieres[-1] = today - timedelta(weeks=rng.randint(2, 6), days=rng.randint(0, 6))
        status = SeriesStatus.RETURNING if returning else SeriesStatus.ENDED
        end_year = None if returning else premieres[-1].year
        await session.execute(
            update(Title).where(col(Title.id) == title_id).values(status=status, end_year=end_year)
        )
        for number, premiere in enumerate(premieres, start=1):
            season_id = await session.scalar(
                insert(Season).returning(col(Season.id)).values(
                    title_id=title_id, number=number, name=f"Season {number}",
                    premiere_date=premiere,
                )
            )  # fmt: skip
            count = rng.choice((6, 8, 10, 12, 13) if first.year >= 2000 else (13, 22, 24))
            words = rng.sample(EPISODE_WORDS, k=min(count, len(EPISODE_WORDS)))
            rows = [
                {
                    "title_id": title_id,
                    "season_id": season_id,
                    "number": episode,
                    "name": words[episode - 1] if episode <= len(words) else f"Part {episode}",
                    "synopsis": f"{name}, season {number}, episode {episode}.",
                    "air_date": premiere + timedelta(weeks=episode - 1),
                    "runtime_minutes": runtime,
                }
                for episode in range(1, count + 1)
            ]
            await session.execute(insert(Episode), rows)
            added += len(rows)
    return added


async def _guest_credits(session: AsyncSession, slugs: Sequence[str]) -> int:
    """Guest stars (and now and then a guest director) from the other curated titles
    on each season's premiere and on some later episodes, for every curated series
    whose episodes have none yet."""
    series = (
        await session.execute(
            select(id_column(Title.id), col(Title.slug))
            .where(col(Title.kind) == TitleKind.SERIES, col(Title.slug).in_(slugs))
            .where(
                ~select(col(EpisodeCredit.id))
                .join(Episode, col(Episode.id) == col(EpisodeCredit.episode_id))
                .where(col(Episode.title_id) == col(Title.id))
                .exists()
            )
            .order_by(col(Title.id))
        )
    ).all()
    if not series:
        return 0
    pools: dict[CreditRole, list[int]] = {CreditRole.CAST: [], CreditRole.DIRECTOR: []}
    regulars: dict[int, set[int]] = {}
    for title_id, person_id, role in await session.execute(
        select(col(Credit.title_id), col(Credit.person_id), col(Credit.role))
        .join(Title, col(Title.id) == col(Credit.title_id))
        .where(col(Title.slug).in_(slugs))
        .order_by(col(Credit.person_id), col(Credit.title_id))
    ):
        regulars.setdefault(title_id, set()).add(person_id)
        if role in pools and person_id not in pools[role]:
            pools[role].append(person_id)
    episodes: dict[int, list[tuple[int, int]]] = {}
    for title_id, episode_id, number in await session.execute(
        select(col(Episode.title_id), id_column(Episode.id), col(Episode.number))
        .where(col(Episode.title_id).in_([title_id for title_id, _ in series]))
        .order_by(col(Episode.title_id), col(Episode.season_id), col(Episode.number))
    ):
        episodes.setdefault(title_id, []).append((episode_id, number))
    rows: list[dict[str, Any]] = []
    for title_id, slug in series:
        rng = random.Random(f"guests:{slug}")
        cast = [p for p in pools[CreditRole.CAST] if p not in regulars.get(title_id, ())]
        directors = [p for p in pools[CreditRole.DIRECTOR] if p not in regulars.get(title_id, ())]
        for episode_id, number in episodes.get(title_id, ()):
            if number != 1 and rng.random() >= 0.25:
                continue
            guests = rng.sample(cast, k=min(len(cast), rng.randint(1, 3)))
            credits: list[tuple[CreditRole, int, str | None]] = [
                (CreditRole.CAST, person, rng.choice(GUEST_PARTS)) for person in guests
            ]
            if directors and rng.random() < 0.3:
                credits.append((CreditRole.DIRECTOR, rng.choice(directors), None))
            rows.extend(
                {"episode_id": episode_id, "person_id": person, "role": role,
                 "character": character, "position": position}
                for position, (role, person, character) in enumerate(credits)
            )  # fmt: skip
    if rows:
        await session.execute(insert(EpisodeCredit), rows)
    return len(rows)


async def _channels(session: AsyncSession) -> int:
    existing = set(await session.scalars(select(col(Channel.slug))))
    rows = [
        {"slug": slug, "name": name, "region": region, "time_zone": zone}
        for slug, (name, region, zone, _shows) in CHANNELS.items()
        if slug not in existing
    ]
    if rows:
        await session.execute(insert(Channel), rows)
    return len(rows)


async def _images(session: AsyncSession, slugs: Sequence[str]) -> int:
    """Posters of titles, logos of providers and channels, photos of leading cast."""
    owners: list[tuple[ImageKind, str, int, str, tuple[tuple[int, int], tuple[int, ...]]]] = []
    titles = select(id_column(Title.id), col(Title.slug)).where(col(Title.slug).in_(slugs))
    for title_id, slug in await session.execute(titles):
        owners.append((ImageKind.POSTER, "title_id", title_id, f"posters/{slug}.jpg", POSTER))
    for provider_id, slug in await session.execute(
        select(id_column(Provider.id), col(Provider.slug))
    ):
        path = f"logos/providers/{slug}.png"
        owners.append((ImageKind.LOGO, "provider_id", provider_id, path, LOGO))
    guide_channels = select(id_column(Channel.id), col(Channel.slug)).where(
        col(Channel.slug).in_(CHANNELS)
    )
    for channel_id, slug in await session.execute(guide_channels):
        path = f"logos/channels/{slug}.png"
        owners.append((ImageKind.LOGO, "channel_id", channel_id, path, LOGO))
    leads = (
        select(id_column(Person.id), col(Person.slug))
        .join(Credit, col(Credit.person_id) == col(Person.id))
        .join(Title, col(Title.id) == col(Credit.title_id))
        .where(
            col(Credit.role) == CreditRole.CAST,
            col(Credit.position) < 4,
            col(Title.slug).in_(slugs),
        )
        .distinct()
    )
    for person_id, slug in await session.execute(leads):
        owners.append((ImageKind.PHOTO, "person_id", person_id, f"people/{slug}.jpg", PHOTO))
    have = set(await session.scalars(select(col(Image.path))))
    missing = [owner for owner in owners if owner[3] not in have]
    if not missing:
        return 0
    rows = [
        {"kind": kind, column: owner_id, "width": size[0][0], "height": size[0][1],
         "path": path, "position": 0, "language": "en" if kind is ImageKind.POSTER else None}
        for kind, column, owner_id, path, size in missing
    ]  # fmt: skip
    # One INSERT per kind of owner: each gives its rows the same columns.
    ids: dict[str, int] = {}
    for column in {row_column for _kind, row_column, *_ in missing}:
        same = [row for row in rows if column in row]
        inserted = await session.execute(
            insert(Image).returning(col(Image.path), id_column(Image.id)), same
        )
        ids |= dict(inserted.all())
    renditions = [
        {
            "image_id": ids[path],
            "width": width,
            "height": round(width * size[0][1] / size[0][0]),
            "path": _rendition_path(path, width),
        }
        for _kind, _column, _owner_id, path, size in missing
        for width in size[1]
    ]
    await session.execute(insert(ImageRendition), renditions)
    return len(missing)


def _rendition_path(path: str, width: int) -> str:
    """posters/x.jpg at 185 wide: posters/w185/x.jpg"""
    folder, name = path.rsplit("/", 1)
    return f"{folder}/w{width}/{name}"


@dataclass
class _Program:
    title_id: int
    runtime: int
    episodes: Sequence[tuple[int, int]]  # (episode id, its number), empty for a movie


async def _programs(
    session: AsyncSession, slugs: Sequence[str]
) -> tuple[list[_Program], list[_Program]]:
    """(movies, series with episodes) of the curated titles, in a stable order."""
    episodes: dict[int, list[tuple[int, int]]] = {}
    for title_id, episode_id, number in await session.execute(
        select(col(Episode.title_id), id_column(Episode.id), col(Episode.number))
        .join(Title, col(Title.id) == col(Episode.title_id))
        .where(col(Title.slug).in_(slugs))
        .order_by(col(Episode.title_id), col(Episode.season_id), col(Episode.number))
    ):
        episodes.setdefault(title_id, []).append((episode_id, number))
    movies, series = [], []
    for title_id, kind, runtime in await session.execute(
        select(id_column(Title.id), col(Title.kind), col(Title.runtime_minutes))
        .where(col(Title.slug).in_(slugs))
        .order_by(col(Title.slug))
    ):
        if kind is TitleKind.MOVIE:
            movies.append(_Program(title_id, runtime or 90, ()))
        elif title_id in episodes:
            series.append(_Program(title_id, runtime or 30, episodes[title_id]))
    return movies, series


async def _airings(session: AsyncSession, slugs: Sequence[str], today: date) -> int:
    """Each channel's broadcast days around today that have no airings yet."""
    movies, series = await _programs(session, slugs)
    if not movies and not series:
        return 0
    channels = (
        await session.execute(
            select(id_column(Channel.id), col(Channel.slug), col(Channel.time_zone)).where(
                col(Channel.slug).in_(CHANNELS)
            )
        )
    ).all()
    added = 0
    for channel_id, slug, zone in channels:
        shows = CHANNELS[slug][3]
        for offset in range(-GUIDE_DAYS_BEFORE, GUIDE_DAYS_AFTER + 1):
            day = today + timedelta(days=offset)
            start, end = _broadcast_day(day, ZoneInfo(zone))
            taken = await session.scalar(
                select(func.count())
                .select_from(Airing)
                .where(
                    col(Airing.channel_id) == channel_id,
                    col(Airing.starts_at) >= start,
                    col(Airing.starts_at) < end,
                )
            )
            if taken:
                continue
            rows = _day_schedule(f"{slug}:{day.isoformat()}", channel_id, shows, start, end,
                                 ZoneInfo(zone), movies, series)  # fmt: skip
            if rows:
                await session.execute(insert(Airing), rows)
                added += len(rows)
    return added


def _broadcast_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, DAY_STARTS, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), DAY_STARTS, tzinfo=zone).astimezone(UTC)
    return start, end


def _day_schedule(
    seed: str,
    channel_id: int,
    shows: str,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    movies: list[_Program],
    series: list[_Program],
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    at = start
    while at < end:
        prime = PRIME_TIME[0] <= at.astimezone(zone).time() < PRIME_TIME[1]
        wants_movie = shows == "movies" or (shows == "mixed" and rng.random() < 0.35)
        pool = (movies if wants_movie else series) or movies or series
        program = rng.choice(pool)
        slots = max(1, -(-program.runtime // 30))
        ends = min(at + SLOT * slots, end)
        row: dict[str, Any] = {
            "channel_id": channel_id,
            "title_id": program.title_id,
            "episode_id": None,
            "starts_at": at,
            "ends_at": ends,
            "is_live": False,
            "is_new": False,
            "is_premiere": False,
            "local_date": at.astimezone(zone).date(),
        }
        if program.episodes:
            episode_id, number = rng.choice(program.episodes)
            row["episode_id"] = episode_id
            row["is_new"] = prime and rng.random() < 0.3
            row["is_premiere"] = row["is_new"] and number == 1
        rows.append(row)
        at = ends
    return rows
