"""TV channels and their airings (the TV guide)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from models.columns import UTCDateTime


def local_date(starts_at: datetime, zone: str) -> date:
    """The date `starts_at` falls on in the IANA zone (an airing's `local_date`)."""
    return starts_at.astimezone(ZoneInfo(zone)).date()


def valid_time_zone(name: str) -> str:
    """The name if it is an IANA zone this machine knows, else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error
    return name


class TimeZoneName(sa.TypeDecorator[str]):
    """An IANA zone name, checked with zoneinfo whenever it is written."""

    impl = sa.String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else valid_time_zone(value)


class Channel(SQLModel, table=True):
    __tablename__ = "channels"
    __table_args__ = (
        sa.CheckConstraint("length(region) = 2 AND region = upper(region)", name="region_alpha2"),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        sa.Index("ix_channels_region_name", "region", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=100)
    region: str = Field(max_length=2)
    time_zone: str = Field(sa_type=TimeZoneName, sa_column_kwargs={"nullable": False})


class Airing(SQLModel, table=True):
    """One showing of a title (an episode of it, for a series) on a channel.

    Two airings on one channel never overlap: PostgreSQL refuses them with an
    exclusion constraint, SQLite with triggers (migration 0006).
    """

    __tablename__ = "airings"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        ExcludeConstraint(
            ("channel_id", "="),
            (sa.text("tstzrange(starts_at, ends_at)"), "&&"),
            name="ex_airings_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
        # A region's guide: its channels' airings starting in [from, to).
        sa.Index("ix_airings_channel_starts", "channel_id", "starts_at"),
        # A title's upcoming airings.
        sa.Index("ix_airings_title_starts", "title_id", "starts_at"),
        # A channel's schedule of one of its local days.
        sa.Index("ix_airings_channel_local_date", "channel_id", "local_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False)
    )
    title_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("titles.id", ondelete="CASCADE"), nullable=False)
    )
    episode_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("episodes.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    starts_at: datetime = Field(sa_type=UTCDateTime, sa_column_kwargs={"nullable": False})
    ends_at: datetime = Field(sa_type=UTCDateTime, sa_column_kwargs={"nullable": False})
    is_live: bool = Field(default=False)
    is_new: bool = Field(default=False)
    is_premiere: bool = Field(default=False)
    # The date `starts_at` falls on in the channel's time zone (`local_date`), written
    # with the airing: SQLite cannot convert time zones when it reads.
    local_date: date | None = None
