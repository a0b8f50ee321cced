"""The curated catalogue's TV guide: seasons and episodes for its series, channels in
every region with a week of airings around today, and images."""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.settings import Settings
from models import (
    Airing,
    Channel,
    Episode,
    Image,
    ImageKind,
    ImageRendition,
    Provider,
    Season,
    SeriesStatus,
    Title,
    TitleKind,
)
from models.db import create_sessionmaker
from seed.guide import CHANNELS, GUIDE_DAYS_AFTER, GUIDE_DAYS_BEFORE, load_guide
from seed.load import curated_entries, load_entries, utc_today
from tests.seed.tables import snapshot

SLUGS = [entry["slug"] for entry in curated_entries()]


async def test_curated_series_have_seasons_and_weekly_episodes_and_movies_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        counts = dict(
            (
                await session.execute(
                    select(Title.kind, func.count(func.distinct(Season.id)))
                    .join(Season, Season.title_id == Title.id, isouter=True)
                    .where(Title.slug.in_(SLUGS))
                    .group_by(Title.kind)
                )
            ).all()
        )
        series_without = await session.scalar(
            select(func.count())
            .select_from(Title)
            .where(Title.kind == TitleKind.SERIES, Title.slug.in_(SLUGS))
            .where(~select(Season.id).where(Season.title_id == Title.id).exists())
        )
        statuses = set(
            await session.scalars(
                select(Title.status).where(Title.kind == TitleKind.SERIES, Title.slug.in_(SLUGS))
            )
        )
        lucy = await session.scalar(select(Title.id).where(Title.slug == "i-love-lucy-1951"))
        first = (
            await session.execute(
                select(Episode.number, Episode.air_date)
                .join(Season, Season.id == Episode.season_id)
                .where(Episode.title_id == lucy, Season.number == 1)
                .order_by(Episode.number)
                .limit(2)
            )
        ).all()
    assert counts[TitleKind.MOVIE] == 0 and counts[TitleKind.SERIES] >= 85
    assert series_without == 0
    assert statuses == {SeriesStatus.RETURNING, SeriesStatus.ENDED}
    assert first == [(1, date(1951, 10, 15)), (2, date(1951, 10, 22))]


async def test_returning_series_have_an_episode_still_to_air(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        returning = await session.scalar(
            select(func.count())
            .select_from(Title)
            .where(Title.status == SeriesStatus.RETURNING, Title.slug.in_(SLUGS))
        )
        with_next = await session.scalar(
            select(func.count(func.distinct(Episode.title_id)))
            .join(Title, Title.id == Episode.title_id)
            .where(Title.status == SeriesStatus.RETURNING, Title.slug.in_(SLUGS))
            .where(Episode.air_date >= utc_today())
        )
    assert returning and with_next == returning


async def test_every_offer_region_has_channels_with_each_day_of_the_week_around_today(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # The curated catalogue's regions (other tests write offers elsewhere).
    regions = {offer["region"] for entry in curated_entries() for offer in entry["offers"]}
    async with sessions() as session:
        guide = select(Channel).where(Channel.slug.in_(CHANNELS))
        channels = (await session.execute(guide)).scalars().all()
        starts = {
            channel.id: list(
                await session.scalars(
                    select(Airing.starts_at)
                    .where(Airing.channel_id == channel.id)
                    .order_by(Airing.starts_at)
                )
            )
            for channel in channels
        }
    by_region = {region: [c for c in channels if c.region == region] for region in regions}
    assert all(len(found) >= 3 for found in by_region.values()), by_region
    today = utc_today()
    for channel in channels:
        zone = ZoneInfo(channel.time_zone)
        days = {start.astimezone(zone).date() for start in starts[channel.id]}
        for offset in range(-GUIDE_DAYS_BEFORE + 1, GUIDE_DAYS_AFTER + 1):
            assert today + timedelta(days=offset) in days, (channel.slug, offset)


async def test_a_channels_airings_follow_each_other_without_overlap(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        channel_id = await session.scalar(select(Channel.id).where(Channel.slug == "serial-tv-us"))
        airings = (
            (
                await session.execute(
                    select(Airing).where(Airing.channel_id == channel_id).order_by(Airing.starts_at)
                )
            )
            .scalars()
            .all()
        )
    assert len(airings) > 7 * 10
    for before, after in itertools.pairwise(airings):
        assert before.ends_at <= after.starts_at
        assert before.ends_at > before.starts_at
    assert all(airing.episode_id is not None for airing in airings)


async def test_every_airing_stores_the_date_it_starts_on_in_its_channels_zone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Airing.starts_at, Airing.local_date, Channel.time_zone)
                .join(Channel, Channel.id == Airing.channel_id)
                .where(Channel.slug.in_(CHANNELS))
            )
        ).all()
    assert rows
    for starts_at, stored, zone in rows:
        assert stored == starts_at.astimezone(ZoneInfo(zone)).date(), (starts_at, zone)


async def test_posters_logos_and_photos_are_relative_paths_with_renditions(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        posters = await session.scalar(
            select(func.count(func.distinct(Image.title_id)))
            .join(Title, Title.id == Image.title_id)
            .where(Image.kind == ImageKind.POSTER, Title.slug.in_(SLUGS))
        )
        providers = await session.scalar(select(func.count()).select_from(Provider))
        logos = await session.scalar(
            select(func.count()).select_from(Image).where(Image.provider_id.is_not(None))
        )
        channel_logos = await session.scalar(
            select(func.count())
            .select_from(Image)
            .join(Channel, Channel.id == Image.channel_id)
            .where(Channel.slug.in_(CHANNELS))
        )
        photos = await session.scalar(
            select(func.count()).select_from(Image).where(Image.kind == ImageKind.PHOTO)
        )
        refusenik = (
            await session.execute(
                select(Image.path, ImageRendition.width, ImageRendition.path)
                .join(ImageRendition, ImageRendition.image_id == Image.id)
                .join(Title, Title.id == Image.title_id)
                .where(Title.slug == "refusenik-2007")
                .order_by(ImageRendition.width)
            )
        ).all()
    assert posters == len(SLUGS)
    assert logos == providers and channel_logos == len(CHANNELS)
    assert photos and photos > 100
    assert refusenik[0] == ("posters/refusenik-2007.jpg", 92, "posters/w92/refusenik-2007.jpg")
    assert [width for _, width, _ in refusenik] == [92, 185, 342, 500]


async def test_loading_the_guide_again_adds_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        report = await load_guide(session, SLUGS, utc_today())
    added = (report.episodes, report.guest_credits, report.channels, report.airings, report.images)
    assert added == (0, 0, 0, 0, 0)


async def test_a_later_day_adds_only_its_own_airings(import_engine: AsyncEngine) -> None:
    async with create_sessionmaker(import_engine)() as session, session.begin():
        await load_entries(session, curated_entries())
    before = await snapshot(import_engine)
    tomorrow = utc_today() + timedelta(days=1)
    async with create_sessionmaker(import_engine)() as session, session.begin():
        report = await load_guide(session, SLUGS, tomorrow)
    after = await snapshot(import_engine)
    assert (report.episodes, report.guest_credits, report.channels, report.images) == (0, 0, 0, 0)
    assert report.airings > 0
    assert {name for name in after if after[name] != before[name]} == {"airings"}
    added = set(after["airings"]) - set(before["airings"])
    last = datetime.combine(tomorrow + timedelta(days=GUIDE_DAYS_AFTER - 1), datetime.min.time())
    assert all(row[4] >= last.replace(tzinfo=UTC) for row in added)


def test_image_paths_are_relative_to_an_http_image_base_url() -> None:
    assert Settings().image_base_url == "https://images.example.com"
    assert Settings(image_base_url="https://cdn.test/img/").image_base_url == "https://cdn.test/img"
    with pytest.raises(ValidationError, match="IMAGE_BASE_URL"):
        Settings(image_base_url="ftp://cdn.test")
