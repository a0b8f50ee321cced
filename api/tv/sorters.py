"""The orders of the TV guide: airings by start, channels by name."""

from datetime import datetime
from typing import Any

from sqlalchemy import select

from api.planning.pages import Ordering, Row, SortKey, parse_str
from models import Channel as ChannelRow
from models.columns import table_of

CHANNELS = table_of(ChannelRow)
BY_NAME = (SortKey(lambda row: row.c.name), SortKey(lambda row: row.c.id))


def parse_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(parse_str(value))
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def _channel_slug(airing: Row) -> Any:
    return select(CHANNELS.c.slug).where(CHANNELS.c.id == airing.c.channel_id).scalar_subquery()


# A guide's order: by start, then channel slug (the id breaks no real tie: two airings
# on one channel never start together).
BY_START = Ordering(
    "AIRINGS",
    (
        SortKey(lambda airing: airing.c.starts_at, parse=parse_datetime),
        SortKey(_channel_slug, parse=parse_str),
        SortKey(lambda airing: airing.c.id),
    ),
)
