"""The database refuses bad TV-guide rows (series, channels, airings, images, external ids)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Airing,
    Channel,
    Episode,
    ExternalSource,
    Image,
    ImageKind,
    Offer,
    Owner,
    Person,
    PersonExternalId,
    Season,
    SeriesStatus,
    Title,
    TitleExternalId,
    TitleKind,
    check_external_id,
)
from tests.factories import make_offer, make_title, unique

REFUSED = (IntegrityError, DBAPIError)
NOON = datetime(2026, 6, 1, 12, tzinfo=UTC)


async def _insert(sessions: async_sessionmaker[AsyncSession], table: Any, **row: Any) -> Any:
    """The new row's primary key (its first column)."""
    async with sessions() as session, session.begin():
        return (await session.execute(insert(table).values(**row))).inserted_primary_key[0]


async def _channel(sessions: async_sessionmaker[AsyncSession], **fields: Any) -> int:
    row = {"slug": unique("channel"), "name": "Channel", "region": "US"} | fields
    return await _insert(
        sessions, Channel, time_zone=row.pop("time_zone", "America/New_York"), **row
    )


async def _airing(
    sessions: async_sessionmaker[AsyncSession], channel_id: int, title_id: int, start: int, end: int
) -> int:
    return await _insert(
        sessions,
        Airing,
        channel_id=channel_id,
        title_id=title_id,
        starts_at=NOON + timedelta(minutes=start),
        ends_at=NOON + timedelta(minutes=end),
    )


async def test_overlapping_airings_on_one_channel_are_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    channel = await _channel(sessions)
    title = await make_title(sessions)
    assert title.id is not None
    await _airing(sessions, channel, title.id, 0, 30)
    for start, end in ((15, 45), (-10, 5), (5, 10), (-30, 60)):
        with pytest.raises(REFUSED):
            await _airing(sessions, channel, title.id, start, end)


async def test_back_to_back_airings_and_other_channels_are_accepted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    channel, other = await _channel(sessions), await _channel(sessions)
    title = await make_title(sessions)
    assert title.id is not None
    await _airing(sessions, channel, title.id, 0, 30)
    await _airing(sessions, channel, title.id, 30, 60)
    await _airing(sessions, channel, title.id, -30, 0)
    await _airing(sessions, other, title.id, 0, 30)


async def test_moving_an_airing_onto_another_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    channel = await _channel(sessions)
    title = await make_title(sessions)
    assert title.id is not None
    await _airing(sessions, channel, title.id, 0, 30)
    later = await _airing(sessions, channel, title.id, 60, 90)
    with pytest.raises(REFUSED):
        async with sessions() as session, session.begin():
            airing = await session.get_one(Airing, later)
            airing.starts_at = NOON + timedelta(minutes=20)


async def test_an_airing_must_end_after_it_starts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    channel = await _channel(sessions)
    title = await make_title(sessions)
    assert title.id is not None
    with pytest.raises(REFUSED):
        await _airing(sessions, channel, title.id, 30, 30)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "EST5EDT/x", "", "../etc/passwd"])
async def test_unknown_time_zones_are_refused_when_written(
    sessions: async_sessionmaker[AsyncSession], zone: str
) -> None:
    with pytest.raises(StatementError, match="time zone"):
        await _channel(sessions, time_zone=zone)


async def test_channel_regions_are_upper_case_alpha2(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(REFUSED):
        await _channel(sessions, region="us")


async def _series(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    title = await make_title(sessions, kind=TitleKind.SERIES, status=SeriesStatus.RETURNING)
    assert title.id is not None
    return title.id, await _insert(sessions, Season, title_id=title.id, number=1)


async def test_episode_numbers_are_unique_within_a_season(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title_id, season_id = await _series(sessions)
    await _insert(sessions, Episode, title_id=title_id, season_id=season_id, number=1, name="A")
    with pytest.raises(REFUSED):
        await _insert(sessions, Episode, title_id=title_id, season_id=season_id, number=1, name="B")
    with pytest.raises(REFUSED):
        await _insert(sessions, Season, title_id=title_id, number=1)


async def test_a_movie_has_no_series_status(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(REFUSED):
        await make_title(sessions, kind=TitleKind.MOVIE, status=SeriesStatus.ENDED)


async def test_deleting_a_channel_clears_the_network_of_its_series(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    channel = await _channel(sessions)
    title = await make_title(sessions, kind=TitleKind.SERIES, network_id=channel)
    async with sessions() as session, session.begin():
        await session.execute(delete(Channel).where(Channel.id == channel))
    async with sessions() as session:
        assert await session.scalar(select(Title.network_id).where(Title.id == title.id)) is None


async def test_deleting_a_season_deletes_its_offers_and_episodes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    title_id, season_id = await _series(sessions)
    await _insert(sessions, Episode, title_id=title_id, season_id=season_id, number=1, name="A")
    async with sessions() as session:
        title = await session.get_one(Title, title_id)
    offer = await make_offer(sessions, title, season_id=season_id)
    async with sessions() as session, session.begin():
        await session.execute(delete(Season).where(Season.id == season_id))
    async with sessions() as session:
        assert await session.get(Offer, offer.id) is None
        assert (
            await session.scalar(select(Episode.id).where(Episode.season_id == season_id)) is None
        )


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (ExternalSource.IMDB, "nm0000001"),
        (ExternalSource.IMDB, "tt123456"),
        (ExternalSource.IMDB, "tt12345678x"),
        (ExternalSource.TMDB, "0"),
        (ExternalSource.TMDB, "12a"),
        (ExternalSource.TVMAZE, "-4"),
        (ExternalSource.WIKIDATA, "q42"),
        (ExternalSource.WIKIDATA, "Q"),
    ],
)
async def test_malformed_external_ids_are_refused(
    sessions: async_sessionmaker[AsyncSession], source: ExternalSource, value: str
) -> None:
    title = await make_title(sessions)
    with pytest.raises(ValueError, match="malformed"):
        check_external_id(Owner.TITLE, source, value)
    with pytest.raises(REFUSED):
        await _insert(sessions, TitleExternalId, source=source, value=value, title_id=title.id)


async def test_an_external_id_belongs_to_one_title_and_people_have_their_own(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await make_title(sessions), await make_title(sessions)
    imdb = f"tt{9_000_000 + (first.id or 0):08d}"
    await _insert(sessions, TitleExternalId, source="IMDB", value=imdb, title_id=first.id)
    with pytest.raises(REFUSED):
        await _insert(sessions, TitleExternalId, source="IMDB", value=imdb, title_id=second.id)
    with pytest.raises(REFUSED):  # one id per source per title
        await _insert(
            sessions, TitleExternalId, source="IMDB", value="tt0000001", title_id=first.id
        )
    person = await _insert(sessions, Person, slug=unique("person"), name="P")
    await _insert(sessions, TitleExternalId, source="TVMAZE", value="77", title_id=first.id)
    await _insert(sessions, PersonExternalId, source="TVMAZE", value="77", person_id=person)
    with pytest.raises(REFUSED):
        await _insert(sessions, PersonExternalId, source="IMDB", value=imdb, person_id=person)


@pytest.mark.parametrize(
    "changes",
    [
        {"title_id": None},
        {"channel_id": "both"},
        {"path": "/posters/a.jpg"},
        {"path": "https://cdn.example.com/a.jpg"},
        {"width": 0},
    ],
)
async def test_an_image_has_one_owner_a_size_and_a_relative_path(
    sessions: async_sessionmaker[AsyncSession], changes: dict[str, Any]
) -> None:
    title = await make_title(sessions)
    row = {"kind": ImageKind.POSTER, "title_id": title.id, "width": 680, "height": 1000}
    row["path"] = f"posters/{unique('image')}.jpg"
    if changes.get("channel_id") == "both":
        changes = {"channel_id": await _channel(sessions)}
    await _insert(sessions, Image, **(row | {"path": row["path"] + ".ok"}))
    with pytest.raises(REFUSED):
        await _insert(sessions, Image, **(row | changes))
